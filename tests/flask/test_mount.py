"""A live Flask app mounted under a Zephyr app: paths, bodies, headers, cookies, streaming, redirects."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import flask
import pytest

from zephyr import FastAPI
from zephyr.exceptions import FastAPIError
from zephyr.flask import mount_flask
from zephyr.flask.typed import Flask
from zephyr.middleware.wsgi import WSGIMiddleware
from zephyr.testclient import TestClient


def legacy_app() -> flask.Flask:
    legacy = flask.Flask("legacy")

    @legacy.route("/", defaults={"rest": ""}, methods=["GET", "POST", "PUT"])
    @legacy.route("/<path:rest>", methods=["GET", "POST", "PUT"])
    def environ(rest: str) -> flask.Response:
        request = flask.request
        return flask.jsonify(
            rest=rest,
            script_name=request.environ["SCRIPT_NAME"],
            path_info=request.environ["PATH_INFO"],
            query=request.args.to_dict(flat=False),
            method=request.method,
            header=request.headers.get("X-Custom"),
            cookies=request.cookies.to_dict(),
            body_size=len(request.get_data()),
            json=request.get_json(silent=True),
            form=request.form.to_dict(),
            url_for=flask.url_for("environ", rest="x/y"),
        )

    @legacy.route("/special/cookie")
    def set_cookie() -> flask.Response:
        response = flask.make_response("cookie set")
        response.set_cookie("legacy", "1", path="/legacy")
        response.set_cookie("other", "2")
        response.headers["X-Legacy"] = "yes"
        return response

    @legacy.route("/special/stream")
    def stream() -> flask.Response:
        def chunks() -> Iterator[bytes]:
            for number in range(5):
                yield f"line {number}\n".encode()

        return flask.Response(chunks(), mimetype="text/plain")

    @legacy.route("/special/redirect")
    def go() -> flask.Response:
        return flask.make_response(flask.redirect(flask.url_for("environ", rest="done")))

    @legacy.route("/special/error")
    def error() -> flask.Response:
        flask.abort(418)

    return legacy


@pytest.fixture(params=["mount_flask", "app.mount"])
def client(request: pytest.FixtureRequest) -> Iterator[TestClient]:
    app = Flask(__name__)

    @app.route("/new/<int:n>")
    def new(n: int) -> dict[str, int]:
        return {"n": n}

    if request.param == "mount_flask":
        mount_flask(app, "/legacy", legacy_app())
    else:
        app.mount("/legacy", WSGIMiddleware(legacy_app()))
    with TestClient(app) as client:
        yield client


def body(response: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(response.content)
    return data


def test_flask_sees_script_name_and_path_info(client: TestClient) -> None:
    data = body(client.get("/legacy/a/b%20c?x=1&x=2&y=z"))
    assert data["script_name"] == "/legacy"
    assert data["path_info"] == "/a/b c"
    assert data["rest"] == "a/b c"
    assert data["query"] == {"x": ["1", "2"], "y": ["z"]}
    assert data["url_for"] == "/legacy/x/y"
    root = body(client.get("/legacy/"))
    assert (root["script_name"], root["path_info"], root["rest"]) == ("/legacy", "/", "")


def test_zephyr_routes_are_served_next_to_the_mount(client: TestClient) -> None:
    assert client.get("/new/4").content == b'{"n":4}\n'
    assert client.get("/legacy/new/4").json()["rest"] == "new/4"


def test_bodies_headers_and_cookies_reach_flask(client: TestClient) -> None:
    client.cookies.set("session", "abc")
    data = body(client.post("/legacy/submit", json={"a": [1, 2]}, headers={"X-Custom": "hi"}))
    assert (data["method"], data["json"], data["header"]) == ("POST", {"a": [1, 2]}, "hi")
    assert data["cookies"] == {"session": "abc"}
    form = body(client.put("/legacy/form", data={"name": "ann", "city": "Oslo"}))
    assert form["form"] == {"name": "ann", "city": "Oslo"}
    big = body(client.post("/legacy/upload", content=b"x" * 300_000))
    assert big["body_size"] == 300_000


def test_flask_response_headers_and_cookies_reach_the_client(client: TestClient) -> None:
    response = client.get("/legacy/special/cookie")
    assert (response.status_code, response.text, response.headers["x-legacy"]) == (200, "cookie set", "yes")
    assert response.headers.get_list("set-cookie") == ["legacy=1; Path=/legacy", "other=2; Path=/"]


def test_streamed_flask_responses_are_passed_through(client: TestClient) -> None:
    with client.stream("GET", "/legacy/special/stream") as response:
        assert response.headers["content-type"] == "text/plain; charset=utf-8"
        assert "content-length" not in response.headers
        text = b"".join(response.iter_bytes()).decode()
    assert text == "".join(f"line {n}\n" for n in range(5))


def test_flask_redirects_and_errors_keep_the_prefix(client: TestClient) -> None:
    response = client.get("/legacy/special/redirect", follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (302, "/legacy/done")
    teapot = client.get("/legacy/special/error")
    assert teapot.status_code == 418
    assert "<h1>I&#39;m a teapot</h1>" in teapot.text


@pytest.mark.parametrize("path", ["", "legacy", "/legacy/"])
def test_mount_flask_rejects_bad_prefixes(path: str) -> None:
    with pytest.raises(FastAPIError, match="needs '/' or a prefix such as '/legacy'"):
        mount_flask(FastAPI(), path, legacy_app())


def test_mount_flask_rejects_what_is_not_a_wsgi_app() -> None:
    with pytest.raises(FastAPIError, match="needs a WSGI app"):
        mount_flask(FastAPI(), "/legacy", "not an app")  # type: ignore[arg-type]


def test_mount_flask_returns_the_named_mount() -> None:
    app = FastAPI()
    wsgi = mount_flask(app, "/legacy", legacy_app(), name="legacy", workers=2)
    assert isinstance(wsgi, WSGIMiddleware)
    assert app.url_path_for("legacy", path="/a/b") == "/legacy/a/b"


@pytest.mark.parametrize("factory", [FastAPI, Flask])
def test_mount_flask_at_the_root_answers_what_zephyr_does_not_route(factory: Any) -> None:
    app = factory()

    def zephyr_route(n: int) -> dict[str, int]:
        return {"n": n}

    app.get("/zephyr/<int:n>" if factory is Flask else "/zephyr/{n}")(zephyr_route)

    mount_flask(app, "/", legacy_app())
    client = TestClient(app)
    assert client.get("/zephyr/3").json() == {"n": 3}
    data = body(client.post("/anything/else?q=1", json={"a": 1}))
    assert (data["script_name"], data["path_info"], data["json"]) == ("", "/anything/else", {"a": 1})
    assert client.get("/special/cookie").text == "cookie set"


def test_mount_flask_at_the_root_of_a_router() -> None:
    from zephyr.routing import APIRouter

    router = APIRouter()
    wsgi = mount_flask(router, "/", legacy_app())
    assert router.default is wsgi
