"""Hooks with ``g`` and ``app.logger``: before/after/teardown, short-circuits, ``after_this_request``, contexts."""

from __future__ import annotations

import logging
from types import ModuleType
from typing import Any

from tests.flask.harness import Call

__all__ = ("CALLS", "build")

USERS = {"t-1": "ada", "t-2": "bob"}


def build(flask: ModuleType) -> Any:
    app = flask.Flask(__name__)
    g, request = flask.g, flask.request
    seen: list[str] = []

    class Recorder(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if flask.has_app_context() and flask.current_app._get_current_object() is app:
                seen.append(f"{record.levelname}:{record.getMessage()}")

    app.logger.addHandler(Recorder())
    app.logger.setLevel(logging.INFO)

    @app.before_request
    def load_user() -> Any:
        g.user = USERS.get(request.headers.get("X-Token", ""))
        g.trail = ["before"]
        if request.path.startswith("/private") and g.user is None:
            app.logger.warning("refused %s", request.path)
            return {"error": "login required"}, 401
        return None

    @app.before_request
    def second() -> None:
        g.trail.append("second")

    @app.after_request
    def stamp(response: Any) -> Any:
        response.headers["X-User"] = g.get("user") or "-"
        response.headers["X-Trail"] = ",".join(g.trail)
        return response

    @app.teardown_request
    def log_end(exc: BaseException | None) -> None:
        app.logger.info("end %s %s", request.path, type(exc).__name__ if exc else None)

    @app.teardown_appcontext
    def close(exc: BaseException | None) -> None:
        g.pop("user", None)

    @app.route("/private/profile")
    def profile() -> Any:
        app.logger.info("profile of %s", g.user)
        g.trail.append("view")

        @flask.after_this_request
        def once(response: Any) -> Any:
            response.set_cookie("seen", "1", httponly=True)
            return response

        return {"user": g.user, "has_request": flask.has_request_context()}

    @app.route("/public")
    def public() -> Any:
        g.trail.append("view")
        return f"hello {g.user or 'stranger'}"

    @app.route("/log")
    def log() -> Any:
        return {"seen": list(seen)}

    @app.route("/context")
    def context() -> Any:
        with app.test_request_context("/other?x=1", method="POST"):
            inner = (request.path, request.method, request.args["x"])
        return {"inner": list(inner), "outer": request.path, "app": flask.current_app.name}

    return app


CALLS = (
    Call("get", "/public"),
    Call("get", "/public", {"headers": {"X-Token": "t-1"}}),
    Call("get", "/private/profile"),
    Call("get", "/private/profile", {"headers": {"X-Token": "t-2"}}),
    Call("get", "/context"),
    Call("get", "/log"),
)
