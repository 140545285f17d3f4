"""Migrating a Flask app to Zephyr step by step.

The old Flask app keeps running, untouched, under ``/legacy`` (served through a2wsgi in worker threads); new
endpoints are Zephyr routes written Flask-style (or FastAPI-style) next to it, and a blueprint groups the users API.
Move views across one at a time: each keeps its Flask rule and return values, and gains typed, validated
parameters and an OpenAPI entry.

Run it with ``uvicorn examples.migration:app`` and open ``/``, ``/users/1``, ``/legacy/`` and ``/docs``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import flask
from pydantic import BaseModel

from zephyr.flask import mount_flask
from zephyr.flask.typed import Blueprint, Flask, abort, url_for
from zephyr.requests import Request
from zephyr.responses import Response

__all__ = ("app", "create_app", "create_legacy_app")


def create_legacy_app() -> flask.Flask:
    """The Flask app being migrated away from; it runs as it is."""
    legacy = flask.Flask("legacy")

    @legacy.route("/")
    def home() -> str:
        return f'<h1>Legacy home</h1><a href="{flask.url_for("hello", name="ada")}">hello</a>'

    @legacy.route("/hello/<name>")
    def hello(name: str) -> flask.Response:
        request = flask.request
        return flask.jsonify(hello=name, script_root=request.script_root, path=request.path, url=request.url)

    @legacy.post("/echo")
    def echo() -> flask.Response:
        request = flask.request
        return flask.jsonify(
            json=request.get_json(silent=True),
            form=request.form.to_dict(),
            cookie=request.cookies.get("session"),
            client=request.headers.get("X-Client"),
            length=request.content_length,
        )

    @legacy.route("/login")
    def login() -> flask.Response:
        response = flask.make_response(flask.redirect(flask.url_for("home")))
        response.set_cookie("session", "legacy-123", httponly=True)
        return response

    @legacy.route("/stream")
    def stream() -> flask.Response:
        def chunks() -> Iterator[str]:
            for number in range(3):
                yield f"chunk {number}\n"

        return flask.Response(chunks(), mimetype="text/plain")

    return legacy


class NewUser(BaseModel):
    """The body of ``POST /users/``."""

    name: str
    email: str


def create_app() -> Flask:
    """The new app: Flask-style Zephyr views, a blueprint, and the legacy Flask app mounted under ``/legacy``."""
    app = Flask(__name__, title="Migration example")
    users: dict[int, dict[str, Any]] = {1: {"id": 1, "name": "Ada", "email": "ada@example.com"}}

    @app.route("/")
    def index() -> str:
        return f'<h1>Zephyr home</h1><a href="{url_for("users.show", user_id=1)}">Ada</a>'

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.after_request
    def served_by(response: Response) -> Response:
        response.headers["X-Served-By"] = "zephyr"
        return response

    @app.errorhandler(404)
    def not_found(exc: Exception) -> tuple[dict[str, Any], int]:
        return {"error": "not found", "detail": getattr(exc, "detail", None)}, 404

    bp = Blueprint("users", __name__, url_prefix="/users")

    @bp.before_request
    def require_client(request: Request) -> tuple[dict[str, str], int] | None:
        if request.method == "POST" and "x-client" not in request.headers:
            return {"error": "X-Client header required"}, 400
        return None

    @bp.route("/<int:user_id>", methods=["GET", "DELETE"])
    def show(user_id: int, request: Request) -> Any:
        if user_id not in users:
            abort(404, f"No user {user_id}")
        if request.method == "DELETE":
            del users[user_id]
            return "", 204
        return users[user_id]

    @bp.post("/")
    def create(user: NewUser) -> tuple[dict[str, Any], int, dict[str, str]]:
        user_id = max(users, default=0) + 1
        users[user_id] = {"id": user_id, **user.model_dump()}
        return users[user_id], 201, {"Location": url_for(".show", user_id=user_id)}

    app.register_blueprint(bp)
    mount_flask(app, "/legacy", create_legacy_app())
    return app


app = create_app()
