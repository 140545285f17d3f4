"""``app.wsgi_app = ProxyFix(app.wsgi_app)``: the app behind a proxy sees the client's address, scheme and host."""

from __future__ import annotations

from types import ModuleType
from typing import Any

from werkzeug.middleware.proxy_fix import ProxyFix

from tests.flask.harness import Call

__all__ = ("CALLS", "build")


def build(flask: ModuleType) -> Any:
    app = flask.Flask(__name__)
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1, x_prefix=1)
    request = flask.request

    @app.route("/where")
    def where() -> Any:
        return {
            "remote_addr": request.remote_addr,
            "scheme": request.scheme,
            "host": request.host,
            "url": request.url,
            "script_root": request.script_root,
            "login": flask.url_for("login", _external=True),
        }

    @app.route("/login")
    def login() -> Any:
        return flask.redirect(flask.url_for("where"))

    return app


_PROXIED = {
    "X-Forwarded-For": "203.0.113.9",
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "shop.example",
    "X-Forwarded-Prefix": "/store",
}

CALLS = (
    Call("get", "/where"),
    Call("get", "/where", {"headers": _PROXIED}),
    Call("get", "/login", {"headers": _PROXIED}),
    Call("get", "/where", {"headers": {"X-Forwarded-For": "198.51.100.1, 203.0.113.9"}}),
)
