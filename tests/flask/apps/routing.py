"""Routing as Flask's: every converter, defaults, strict slashes, endpoints, ``add_url_rule``, views, responses."""

from __future__ import annotations

import io
from types import ModuleType
from typing import Any

from tests.flask.harness import Call

__all__ = ("CALLS", "build")


def build(flask: ModuleType) -> Any:
    from flask.views import MethodView, View

    app = flask.Flask(__name__)

    @app.route("/s/<name>")
    @app.route("/i/<int:name>")
    @app.route("/f/<float:name>")
    @app.route("/p/<path:name>")
    @app.route("/u/<uuid:name>")
    @app.route("/a/<any(red, green):name>")
    def convert(name: Any) -> Any:
        return {"type": type(name).__name__, "value": str(name), "rule": flask.request.url_rule.rule}

    @app.route("/pages/", defaults={"page": 1})
    @app.route("/pages/<int:page>")
    def pages(page: int) -> Any:
        return {"page": page}

    @app.route("/strict", strict_slashes=False)
    def strict() -> Any:
        return "either"

    @app.route("/folder/")
    def folder() -> Any:
        return "folder"

    def listing() -> Any:
        return {"endpoint": flask.request.endpoint, "url": flask.url_for("things", kind="x")}

    app.add_url_rule("/things/<kind>", "things", listing, methods=["GET"])

    class Item(MethodView):
        init_every_request = False

        def get(self, item_id: int) -> Any:
            return {"get": item_id}

        def delete(self, item_id: int) -> Any:
            return "", 204

    app.add_url_rule("/items/<int:item_id>", view_func=Item.as_view("item"))

    class Hello(View):
        methods = ["GET", "POST"]

        def dispatch_request(self) -> Any:
            return f"{flask.request.method} hello"

    app.add_url_rule("/hello", view_func=Hello.as_view("hello"))

    @app.route("/responses/<kind>")
    def responses(kind: str) -> Any:
        if kind == "tuple":
            return "made", 201, {"X-Custom": "1"}
        if kind == "headers":
            return "hdr", {"X-Custom": "2"}
        if kind == "list":
            return [1, "two", None]
        if kind == "response":
            response = flask.make_response(flask.jsonify(ok=True), 202)
            response.set_cookie("k", "v", max_age=60, samesite="Lax")
            return response
        if kind == "redirect":
            return flask.redirect(flask.url_for("pages", page=3), code=303)
        if kind == "bytes":
            return b"\x00\x01"
        if kind == "generator":
            return flask.Response((c for c in ("a", "b", "c")), mimetype="text/csv")
        if kind == "file":
            return flask.send_file(io.BytesIO(b"report"), mimetype="text/plain", download_name="r.txt")
        if kind == "attachment":
            return flask.send_file(io.BytesIO(b"x,y"), as_attachment=True, download_name="data.csv")
        return flask.jsonify({"kind": kind, "unicode": "été"})

    return app


CALLS = (
    Call("get", "/s/abc"),
    Call("get", "/s/a%20b%C3%A9"),
    Call("get", "/i/42"),
    Call("get", "/i/-1"),
    Call("get", "/f/1.5"),
    Call("get", "/f/1"),
    Call("get", "/p/a/b/c.txt"),
    Call("get", "/u/0b1f2a0e-8a3c-4b7e-9c1d-2f3e4a5b6c7d"),
    Call("get", "/u/not-a-uuid"),
    Call("get", "/a/red"),
    Call("get", "/a/blue"),
    Call("get", "/pages/"),
    Call("get", "/pages/4"),
    Call("get", "/pages/1"),
    Call("get", "/strict"),
    Call("get", "/strict/"),
    Call("get", "/folder"),
    Call("get", "/folder", {"follow_redirects": True}),
    Call("get", "/things/y"),
    Call("get", "/items/3"),
    Call("delete", "/items/3"),
    Call("put", "/items/3"),
    Call("get", "/hello"),
    Call("post", "/hello"),
    Call("get", "/responses/tuple"),
    Call("get", "/responses/headers"),
    Call("get", "/responses/list"),
    Call("get", "/responses/response"),
    Call("get", "/responses/redirect"),
    Call("get", "/responses/redirect", {"follow_redirects": True}),
    Call("get", "/responses/bytes"),
    Call("get", "/responses/generator"),
    Call("get", "/responses/file"),
    Call("get", "/responses/attachment"),
    Call("get", "/responses/other"),
    Call("head", "/responses/other"),
)
