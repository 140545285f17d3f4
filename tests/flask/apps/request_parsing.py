"""Request parsing: JSON (and Flask's 400/415 for bad JSON), args with types, form, files, values, headers."""

from __future__ import annotations

import io
from types import ModuleType
from typing import Any

from tests.flask.harness import Call

__all__ = ("CALLS", "build")


def build(flask: ModuleType) -> Any:
    app = flask.Flask(__name__)
    request = flask.request

    @app.route("/echo", methods=["GET", "POST", "PUT", "DELETE", "PATCH"])
    def echo() -> Any:
        return {
            "method": request.method,
            "path": request.path,
            "full_path": request.full_path,
            "url": request.url,
            "base_url": request.base_url,
            "host": request.host,
            "args": request.args.to_dict(flat=False),
            "page": request.args.get("page", 1, type=int),
            "form": request.form.to_dict(flat=False),
            "values": request.values.to_dict(flat=False),
            "cookies": request.cookies.to_dict(),
            "agent": request.headers.get("User-Agent"),
            "x_many": request.headers.getlist("X-Many"),
            "data": request.get_data(as_text=True),
            "content_type": request.content_type,
            "content_length": request.content_length,
            "mimetype": request.mimetype,
            "is_json": request.is_json,
            "endpoint": request.endpoint,
            "view_args": request.view_args,
            "blueprint": request.blueprint,
            "remote_addr": request.remote_addr,
            "scheme": request.scheme,
            "is_secure": request.is_secure,
            "accept": request.accept_mimetypes.best,
        }

    @app.post("/json")
    def json_body() -> Any:
        return {"json": request.json}

    @app.post("/json/silent")
    def json_silent() -> Any:
        return {"json": request.get_json(silent=True)}

    @app.post("/json/force")
    def json_force() -> Any:
        return {"json": request.get_json(force=True)}

    @app.post("/upload")
    def upload() -> Any:
        files = {
            name: {"filename": f.filename, "mimetype": f.mimetype, "size": len(f.read())}
            for name, f in request.files.items()
        }
        return {"files": files, "form": request.form.to_dict()}

    @app.get("/items/<int:item_id>")
    def item(item_id: int) -> Any:
        return flask.jsonify(id=item_id, q=request.args.getlist("q"), view_args=request.view_args)

    return app


CALLS = (
    Call("get", "/echo?page=3&tag=a&tag=b&name=%C3%A9t%C3%A9", {"headers": {"User-Agent": "t/1", "X-Many": "1"}}),
    Call("get", "/echo?page=notanumber", {"headers": {"Accept": "text/html,application/json;q=0.9"}}),
    Call("post", "/echo?x=1", {"data": {"a": "1", "b": ["2", "3"]}}),
    Call("put", "/echo", {"data": "raw text", "content_type": "text/plain"}),
    Call("delete", "/echo"),
    Call("patch", "/echo", {"json": {"k": [1, 2]}}),
    Call("get", "/echo", {"headers": {"Cookie": "a=1; b=two"}}),
    Call("get", "/echo", {"environ_base": {"REMOTE_ADDR": "10.1.2.3"}}),
    Call("get", "https://example.org:8443/echo"),
    Call("post", "/json", {"json": {"name": "Ada", "tags": ["x"]}}),
    Call("post", "/json", {"data": "{not json", "content_type": "application/json"}),
    Call("post", "/json", {"data": "name=1", "content_type": "application/x-www-form-urlencoded"}),
    Call("post", "/json"),
    Call("post", "/json/silent", {"data": "{bad", "content_type": "application/json"}),
    Call("post", "/json/silent", {"data": "[1]", "content_type": "text/plain"}),
    Call("post", "/json/force", {"data": "[1, 2]", "content_type": "text/plain"}),
    Call("post", "/json/force", {"data": "[1, 2", "content_type": "text/plain"}),
    Call(
        "post",
        "/upload",
        {"data": {"note": "hi", "doc": (io.BytesIO(b"hello file"), "a.txt", "text/plain")}},
    ),
    Call("post", "/upload", {"data": {"pic": (io.BytesIO(b"\x89PNG" * 100), "p.png")}}),
    Call("get", "/items/7?q=a&q=b"),
    Call("get", "/items/x"),
    Call("head", "/items/7"),
    Call("options", "/echo"),
)
