"""The Flask-style app: routes with Flask rules, injected and validated parameters, url_for, OpenAPI."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from pydantic import BaseModel

from zephyr import Depends
from zephyr.flask.typed import Flask, redirect, url_for
from zephyr.requests import Request
from zephyr.testclient import TestClient


class Item(BaseModel):
    name: str
    price: float


def current_user(request: Request) -> str:
    return str(request.headers.get("x-user", "anonymous"))


def create_app() -> Flask:
    app = Flask(__name__, title="Shop")

    @app.route("/users/<int:user_id>", methods=["GET", "POST"])
    def user(user_id: int, request: Request, verbose: bool = False) -> dict[str, object]:
        return {"id": user_id, "method": request.method, "verbose": verbose}

    @app.route("/files/<path:name>")
    async def files(name: str) -> str:
        return f"<pre>{name}</pre>"

    @app.route("/price/<float:amount>")
    def price(amount: float) -> dict[str, float]:
        return {"amount": amount}

    @app.route("/things/<uuid:thing_id>")
    def thing(thing_id: uuid.UUID) -> dict[str, str]:
        return {"type": type(thing_id).__name__, "id": str(thing_id)}

    @app.post("/items")
    def create_item(item: Item, who: str = Depends(current_user)) -> tuple[dict[str, object], int]:
        return {"item": item.model_dump(), "by": who}, 201

    @app.route("/links")
    def links() -> dict[str, str]:
        return {
            "user": url_for("user", user_id=3, verbose="true"),
            "external": url_for("files", name="a/b.txt", _external=True),
            "relative": url_for(".price", amount=2.5),
        }

    @app.route("/old")
    def old() -> object:
        return redirect(url_for("links"), 301)

    return app


@pytest.fixture
def client() -> TestClient:
    return TestClient(create_app())


def test_flask_rules_route_and_parameters_are_injected_and_validated(client: TestClient) -> None:
    assert client.get("/users/5").json() == {"id": 5, "method": "GET", "verbose": False}
    assert client.post("/users/5?verbose=yes").json() == {"id": 5, "method": "POST", "verbose": True}
    assert client.get("/users/abc").status_code == 404
    invalid = client.get("/users/5?verbose=maybe")
    assert invalid.status_code == 422
    assert invalid.json()["detail"][0]["loc"] == ["query", "verbose"]
    files = client.get("/files/a/b/c.txt")
    assert (files.text, files.headers["content-type"]) == ("<pre>a/b/c.txt</pre>", "text/html; charset=utf-8")
    assert client.get("/price/2.5").content == b'{"amount":2.5}\n'
    thing = "12345678-1234-5678-1234-567812345678"
    assert client.get(f"/things/{thing}").json() == {"type": "UUID", "id": thing}


def test_bodies_and_dependencies_work_in_flask_views(client: TestClient) -> None:
    response = client.post("/items", json={"name": "pen", "price": 1.5}, headers={"X-User": "ann"})
    assert response.status_code == 201
    assert response.json() == {"item": {"name": "pen", "price": 1.5}, "by": "ann"}
    assert client.post("/items", json={"name": "pen"}).status_code == 422


def test_a_rule_with_several_methods_answers_405_with_all_of_them(client: TestClient) -> None:
    response = client.put("/users/1")
    assert (response.status_code, response.headers["allow"]) == (405, "GET, POST")
    assert client.head("/users/1").status_code == 200


def test_openapi_lists_each_method_once_with_typed_parameters() -> None:
    schema = create_app().openapi()
    operations = schema["paths"]["/users/{user_id}"]
    assert sorted(operations) == ["get", "post"]
    assert operations["get"]["operationId"] != operations["post"]["operationId"]
    assert operations["get"]["parameters"][0]["schema"]["type"] == "integer"
    assert schema["info"]["title"] == "Shop"


def test_url_for_builds_paths_query_strings_and_external_urls(client: TestClient) -> None:
    assert client.get("/links").json() == {
        "user": "/users/3?verbose=true",
        "external": "http://testserver/files/a/b.txt",
        "relative": "/price/2.5",
    }
    response = client.get("/old", follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (301, "/links")


def test_url_for_outside_a_view_points_to_app_url_for() -> None:
    app = create_app()
    with pytest.raises(RuntimeError, match=r"outside a Flask-style view; call app.url_for"):
        url_for("user", user_id=1)
    assert app.url_for("user", user_id=1, verbose=None) == "/users/1"
    with pytest.raises(RuntimeError, match="_external=True"):
        app.url_for("user", user_id=1, _external=True)


def test_url_for_includes_the_mount_prefix() -> None:
    from zephyr import FastAPI

    outer = FastAPI()
    outer.mount("/shop", create_app())
    response = TestClient(outer).get("/shop/links")
    assert response.json()["user"] == "/shop/users/3?verbose=true"
    assert response.json()["external"] == "http://testserver/shop/files/a/b.txt"


def test_flask_app_defaults() -> None:
    app = Flask()
    assert (app.name, app.title) == ("__main__", "__main__")
    assert Flask("pkg.app", title="Mine").title == "Mine"


def test_importing_zephyr_flask_imports_neither_flask_nor_a2wsgi() -> None:
    import subprocess
    import sys

    code = "import sys, zephyr.flask; print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    loaded = set(result.stdout.split())
    assert not loaded & {"flask", "werkzeug", "a2wsgi", "starlette", "fastapi"}


def test_route_records_below_the_route_decorator_apply() -> None:
    from zephyr import Depends
    from zephyr._hooks import add_route_dependency
    from zephyr.exceptions import HTTPException

    def require_token(request: Request) -> None:
        if request.headers.get("x-token") != "t":
            raise HTTPException(401, "token required")

    def guarded(func: Any) -> Any:
        add_route_dependency(func, Depends(require_token))
        return func

    app = Flask(__name__)

    @app.route("/guarded")
    @guarded
    def view() -> str:
        return "in"

    client = TestClient(app)
    assert client.get("/guarded").status_code == 401
    assert client.get("/guarded", headers={"X-Token": "t"}).text == "in"


def test_fastapi_style_routes_live_on_the_same_app() -> None:
    from zephyr.routing import APIRouter

    app = Flask(__name__)
    router = APIRouter(prefix="/api")

    @router.get("/items/{item_id}")
    def read_item(item_id: int) -> dict[str, int]:
        return {"item_id": item_id}

    @app.api_route("/ping", methods=["GET"])
    def ping() -> dict[str, str]:
        return {"ping": "pong"}

    app.include_router(router)
    client = TestClient(app)
    assert client.get("/api/items/3").content == b'{"item_id":3}'
    assert client.get("/ping").content == b'{"ping":"pong"}'


def _declare_views(app: Any) -> None:
    """Views that run unchanged on Flask and on zephyr.flask (they only use path variables)."""

    def html(name: str) -> str:
        return f"<p>Hello {name}</p>"

    def data(number: int) -> dict[str, Any]:
        return {"number": number, "double": number * 2, "tags": ["a", "b"]}

    def listing(amount: float) -> list[float]:
        return [amount, amount / 2]

    def created(name: str) -> tuple[str, int, dict[str, str]]:
        return f"made {name}", 201, {"X-Made": name}

    def headers_only(rest: str) -> tuple[str, list[tuple[str, str]]]:
        return rest, [("X-Path", rest)]

    def status_text(code: int) -> tuple[dict[str, int], str]:
        return {"code": code}, f"{code} CUSTOM"

    def empty() -> tuple[str, int]:
        return "", 204

    app.add_url_rule("/html/<name>", view_func=html)
    app.add_url_rule("/data/<int:number>", view_func=data, methods=["GET", "POST"])
    app.add_url_rule("/list/<float:amount>", view_func=listing)
    app.add_url_rule("/created/<string:name>", view_func=created, methods=["PUT"])
    app.add_url_rule("/path/<path:rest>", view_func=headers_only)
    app.add_url_rule("/status/<int:code>", view_func=status_text)
    app.add_url_rule("/empty", view_func=empty, methods=["DELETE"])


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/html/ann"),
        ("GET", "/data/21"),
        ("POST", "/data/4"),
        ("HEAD", "/data/4"),
        ("GET", "/data/x"),
        ("GET", "/list/3.5"),
        ("PUT", "/created/bo"),
        ("GET", "/path/a/b/c"),
        ("GET", "/status/299"),
        ("DELETE", "/empty"),
    ],
)
def test_flask_views_answer_as_on_flask(method: str, path: str) -> None:
    import flask

    reference = flask.Flask(__name__)
    _declare_views(reference)
    ours = Flask(__name__)
    _declare_views(ours)
    expected = reference.test_client().open(path, method=method)
    actual = TestClient(ours).request(method, path)
    assert actual.status_code == expected.status_code
    assert actual.content == expected.get_data() or expected.status_code == 404
    if expected.status_code != 404:
        theirs = {k.lower(): v for k, v in expected.headers.items()}
        assert dict(actual.headers) == theirs


def test_repeated_methods_make_one_route_each() -> None:
    app = Flask(__name__)

    @app.route("/x", methods=["get", "GET", "post"])
    def x() -> str:
        return "x"

    assert sorted(app.openapi()["paths"]["/x"]) == ["get", "post"]
    assert [sorted(getattr(r, "methods", ())) for r in app.routes if getattr(r, "path", "") == "/x"] == [
        ["GET"],
        ["POST"],
    ]
