"""Error handlers and Werkzeug's exceptions: codes, classes, ``abort``, default pages, 405/413, unhandled errors."""

from __future__ import annotations

from types import ModuleType
from typing import Any

from werkzeug import exceptions

from tests.flask.harness import Call

__all__ = ("CALLS", "build")


class OutOfStockError(Exception):
    pass


def build(flask: ModuleType) -> Any:
    app = flask.Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = 64

    @app.errorhandler(404)
    def not_found(error: Any) -> Any:
        return flask.render_template_string("<h1>Lost: {{ e.description }}</h1>", e=error), 404

    @app.errorhandler(OutOfStockError)
    def out_of_stock(error: OutOfStockError) -> Any:
        return {"error": "out of stock", "item": str(error)}, 409

    @app.errorhandler(exceptions.Forbidden)
    def forbidden(error: exceptions.Forbidden) -> Any:
        response = flask.make_response(f"no: {error.description}", 403)
        response.headers["X-Error"] = error.name
        return response

    @app.route("/abort/<int:code>")
    def do_abort(code: int) -> Any:
        flask.abort(code)

    @app.route("/abort-described")
    def described() -> Any:
        flask.abort(400, description="Missing 'q'.")

    @app.route("/forbidden")
    def forbid() -> Any:
        raise exceptions.Forbidden("staff only")

    @app.route("/stock/<item>")
    def stock(item: str) -> Any:
        raise OutOfStockError(item)

    @app.route("/teapot")
    def teapot() -> Any:
        return flask.abort(flask.make_response(("I am a teapot", 418, {"X-Error": "teapot"})))

    @app.route("/crash")
    def crash() -> Any:
        raise RuntimeError("boom")

    @app.post("/upload")
    def upload() -> Any:
        return {"size": len(flask.request.get_data())}

    @app.post("/form")
    def form() -> Any:
        return {"form": flask.request.form.to_dict()}

    @app.route("/unauthorized")
    def unauthorized() -> Any:
        raise exceptions.Unauthorized(www_authenticate=None)

    @app.route("/gone")
    def gone() -> Any:
        raise exceptions.Gone()

    @app.route("/methods", methods=["PUT"])
    def methods() -> Any:
        return "put"

    return app


CALLS = (
    Call("get", "/nowhere"),
    Call("get", "/abort/400"),
    Call("get", "/abort/401"),
    Call("get", "/abort/404"),
    Call("get", "/abort/410"),
    Call("get", "/abort/418"),
    Call("get", "/abort/429"),
    Call("get", "/abort/500"),
    Call("get", "/abort-described"),
    Call("get", "/forbidden"),
    Call("get", "/abort/403"),
    Call("get", "/stock/tea"),
    Call("get", "/teapot"),
    Call("get", "/crash"),
    Call("post", "/upload", {"data": b"x" * 10}),
    Call("post", "/upload", {"data": b"x" * 65}),
    Call("post", "/form", {"data": {"a": "b" * 100}}),
    Call("get", "/unauthorized"),
    Call("get", "/gone"),
    Call("get", "/methods"),
    Call("post", "/methods"),
)
