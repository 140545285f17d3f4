"""The article's hybrid: Werkzeug's ``DispatcherMiddleware`` joining two apps under one ``wsgi_app``."""

from __future__ import annotations

from types import ModuleType
from typing import Any

from werkzeug.middleware.dispatcher import DispatcherMiddleware

from tests.flask.harness import Call

__all__ = ("CALLS", "build")


def build(flask: ModuleType) -> Any:
    frontend = flask.Flask("frontend")
    api = flask.Flask("api")

    @frontend.route("/")
    def home() -> Any:
        return f"home, api at {flask.url_for('home')}"

    @api.route("/status")
    def status() -> Any:
        return {"ok": True, "script_root": flask.request.script_root, "url": flask.url_for("status")}

    frontend.wsgi_app = DispatcherMiddleware(frontend.wsgi_app, {"/api/v2": api})
    return frontend


CALLS = (
    Call("get", "/"),
    Call("get", "/api/v2/status"),
    Call("get", "/api/v2/missing"),
    Call("get", "/api/v1/status"),
)
