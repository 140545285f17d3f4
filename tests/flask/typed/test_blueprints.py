"""Blueprints: prefixes, names, nesting, url_for, and use as an APIRouter on any app."""

from __future__ import annotations

import functools
from typing import Any

import flask
import pytest

from zephyr import FastAPI
from zephyr.exceptions import FastAPIError
from zephyr.flask.typed import Blueprint, Flask, url_for
from zephyr.requests import Request
from zephyr.responses import Response
from zephyr.routing import NoMatchFound
from zephyr.testclient import TestClient


def make_blueprint() -> Blueprint:
    bp = Blueprint("users", __name__, url_prefix="/users")

    @bp.route("/")
    def index() -> dict[str, str]:
        return {"index": url_for(".index"), "show": url_for("users.show", user_id=7, tab="posts")}

    @bp.route("/<int:user_id>", methods=["GET", "POST"])
    def show(user_id: int, request: Request) -> dict[str, Any]:
        return {"id": user_id, "method": request.method}

    @bp.get("/me")
    def me() -> str:
        return "me"

    @bp.post("/new")
    def new() -> tuple[str, int]:
        return "made", 201

    @bp.put("/<int:user_id>/name")
    def rename(user_id: int) -> str:
        return f"renamed {user_id}"

    @bp.patch("/<int:user_id>/flags")
    def flag(user_id: int) -> str:
        return f"flagged {user_id}"

    @bp.delete("/<int:user_id>")
    def remove(user_id: int) -> tuple[str, int]:
        return "", 204

    return bp


def test_register_blueprint_uses_the_blueprint_prefix_and_endpoint_names() -> None:
    app = Flask(__name__)
    app.register_blueprint(make_blueprint())
    client = TestClient(app)
    assert client.get("/users/").json() == {"index": "/users/", "show": "/users/7?tab=posts"}
    assert client.get("/users/3").json() == {"id": 3, "method": "GET"}
    assert client.post("/users/3").json() == {"id": 3, "method": "POST"}
    assert client.get("/users/me").text == "me"
    assert (client.post("/users/new").status_code, client.put("/users/2/name").text) == (201, "renamed 2")
    assert client.patch("/users/2/flags").text == "flagged 2"
    assert client.delete("/users/2").status_code == 204
    assert client.put("/users/3").status_code == 405
    assert app.url_for("users.show", user_id=1) == "/users/1"
    assert "users" in app.blueprints


def test_register_blueprint_url_prefix_overrides_and_name_allows_a_second_registration() -> None:
    app = Flask(__name__)
    bp = make_blueprint()
    app.register_blueprint(bp, url_prefix="/v1/users")
    app.register_blueprint(bp, url_prefix="/v2/people", name="people")
    client = TestClient(app)
    assert client.get("/v1/users/5").json() == {"id": 5, "method": "GET"}
    assert client.get("/v2/people/").json() == {"index": "/v2/people/", "show": "/v1/users/7?tab=posts"}
    assert app.url_for("people.show", user_id=2, _anchor="top") == "/v2/people/2#top"
    with pytest.raises(ValueError, match="'users' is already registered for this blueprint"):
        app.register_blueprint(bp)
    with pytest.raises(ValueError, match="'users' is already registered for a different blueprint"):
        app.register_blueprint(Blueprint("users", __name__))


def test_nested_blueprints_join_prefixes_and_names_as_flask() -> None:
    def build(kit_blueprint: Any) -> tuple[Any, Any]:
        parent = kit_blueprint("api", __name__, url_prefix="/api")
        child = kit_blueprint("v1", __name__, url_prefix="/v1")

        def item(item_id: int) -> str:
            return f"item {item_id}"

        child.add_url_rule("/items/<int:item_id>", view_func=item)

        parent.register_blueprint(child)
        return parent, child

    flask_app = flask.Flask(__name__)
    flask_app.register_blueprint(build(flask.Blueprint)[0])
    app = Flask(__name__)
    app.register_blueprint(build(Blueprint)[0])
    with flask_app.test_request_context():
        expected = flask.url_for("api.v1.item", item_id=4)
    assert app.url_for("api.v1.item", item_id=4) == expected == "/api/v1/items/4"
    assert TestClient(app).get("/api/v1/items/4").text == flask_app.test_client().get(expected).get_data(as_text=True)


def test_blueprint_is_an_api_router_for_any_fastapi_app() -> None:
    app = FastAPI()
    parent = Blueprint("shop", __name__, url_prefix="/shop")
    seen: list[str] = []

    @parent.before_request
    def parent_hook() -> None:
        seen.append("parent")

    child = make_blueprint()

    @child.before_request
    def child_hook() -> None:
        seen.append("child")

    parent.register_blueprint(child)

    @parent.after_request
    def stamp(response: Response) -> Response:
        response.headers["X-Shop"] = "1"
        return response

    app.include_router(parent, prefix="/v1")
    client = TestClient(app)
    response = client.get("/v1/shop/users/9")
    assert (response.json(), response.headers["x-shop"]) == ({"id": 9, "method": "GET"}, "1")
    assert seen == ["parent", "child"]
    wrong = client.put("/v1/shop/users/9")
    assert (wrong.status_code, wrong.json(), wrong.headers["allow"]) == (
        405,
        {"detail": "Method Not Allowed"},
        "GET, POST",
    )
    assert app.url_path_for("shop.users.show", user_id=9) == "/v1/shop/users/9"
    assert "/v1/shop/users/{user_id}" in app.openapi()["paths"]


def test_blueprint_app_hooks_apply_to_every_flask_view() -> None:
    app = Flask(__name__)
    bp = Blueprint("auth", __name__)
    seen: list[str] = []

    @bp.before_app_request
    def everywhere() -> None:
        seen.append("before")

    @bp.after_app_request
    def stamp(response: Response) -> Response:
        response.headers["X-Auth"] = "checked"
        return response

    @bp.teardown_app_request
    def done(exc: BaseException | None) -> None:
        seen.append("teardown")

    @bp.app_errorhandler(404)
    def missing(exc: Exception) -> tuple[str, int]:
        return "auth says 404", 404

    @bp.app_errorhandler(KeyError)
    def key_error(exc: Exception) -> tuple[str, int]:
        return "auth says key", 400

    @app.route("/")
    def index() -> str:
        raise KeyError("x")

    app.register_blueprint(bp)
    client = TestClient(app)
    response = client.get("/")
    assert (response.status_code, response.text, response.headers["x-auth"]) == (400, "auth says key", "checked")
    assert seen == ["before", "teardown"]
    assert client.get("/nowhere").text == "auth says 404"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"defaults": {"page": 1}}, r"\['defaults'\] of '/x' are Flask/Werkzeug rule options"),
        ({"strict_slashes": False, "subdomain": "a"}, r"\['strict_slashes', 'subdomain'\]"),
    ],
)
def test_flask_only_rule_options_are_rejected(options: dict[str, Any], message: str) -> None:
    bp = Blueprint("bp", __name__)
    with pytest.raises(FastAPIError, match=message):
        bp.route("/x", **options)(lambda: "x")


def test_configuration_errors_are_raised_at_registration() -> None:
    bp = Blueprint("bp", __name__)

    def view() -> str:
        return "x"

    def other() -> str:
        return "y"

    bp.add_url_rule("/a", view_func=view)
    with pytest.raises(FastAPIError, match="overwriting an existing endpoint function: 'view'"):
        bp.add_url_rule("/b", "view", other)
    bp.add_url_rule("/c", view_func=view)  # the same function under another rule is fine, as in Flask
    with pytest.raises(FastAPIError, match="give an endpoint= name"):
        bp.add_url_rule("/p", view_func=functools.partial(view))
    with pytest.raises(FastAPIError, match="needs a view_func"):
        bp.add_url_rule("/d")
    with pytest.raises(FastAPIError, match="may not contain a dot"):
        bp.add_url_rule("/e", "a.b", view)
    with pytest.raises(FastAPIError, match="converter 'any'"):
        bp.add_url_rule("/f/<any(a,b):x>", "f", view)
    with pytest.raises(TypeError, match="methods must be a list of strings"):
        bp.route("/g", methods="POST")(other)
    with pytest.raises(TypeError, match="Use the 'route' decorator to pass 'methods'"):
        bp.get("/h", methods=["GET"])
    with pytest.raises(ValueError, match="may not contain a dot"):
        Blueprint("a.b", __name__)
    with pytest.raises(ValueError, match="may not be empty"):
        Blueprint("", __name__)
    with pytest.raises(ValueError, match="on itself"):
        bp.register_blueprint(bp)


def test_endpoint_option_names_the_route() -> None:
    app = Flask(__name__)
    bp = Blueprint("bp", __name__, url_prefix="/bp")

    @bp.route("/<name>", endpoint="greet", methods=["GET"], tags=["greetings"], summary="Say hello")
    def hello(name: str) -> str:
        return f"hello {name}"

    app.register_blueprint(bp)
    assert app.url_for("bp.greet", name="ann") == "/bp/ann"
    operation = app.openapi()["paths"]["/bp/{name}"]["get"]
    assert (operation["tags"], operation["summary"]) == (["greetings"], "Say hello")
    with pytest.raises(NoMatchFound, match=r"Did you mean 'bp\.greet'"):
        app.url_for("bp.gret", name="ann")


def test_a_route_decorator_keeps_its_options_when_reused() -> None:
    app = Flask(__name__)
    shared = app.route("/a", endpoint="first", methods=["POST"])
    shared(lambda: "a")
    with pytest.raises(FastAPIError, match="overwriting an existing endpoint function: 'first'"):
        shared(lambda: "b")
    assert TestClient(app).post("/a").text == "a"
    assert app.url_for("first") == "/a"
