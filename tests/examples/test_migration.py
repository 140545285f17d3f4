"""The migration example: Flask-style Zephyr views, a blueprint and the legacy Flask app under ``/legacy``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from examples.migration import create_app

from zephyr.testclient import TestClient


@pytest.fixture
def client() -> Iterator[TestClient]:
    with TestClient(create_app()) as client:
        yield client


def test_new_views_are_zephyr_routes_with_flask_return_values(client: TestClient) -> None:
    home = client.get("/")
    assert (home.status_code, home.headers["content-type"]) == (200, "text/html; charset=utf-8")
    assert home.text == '<h1>Zephyr home</h1><a href="/users/1">Ada</a>'
    assert home.headers["x-served-by"] == "zephyr"
    health = client.get("/health")
    assert (health.status_code, health.content) == (200, b'{"status":"ok"}\n')


def test_the_users_blueprint(client: TestClient) -> None:
    assert client.get("/users/1").json() == {"id": 1, "name": "Ada", "email": "ada@example.com"}
    missing = client.get("/users/9")
    assert (missing.status_code, missing.json()) == (404, {"error": "not found", "detail": "No user 9"})
    refused = client.post("/users/", json={"name": "Bo", "email": "bo@example.com"})
    assert (refused.status_code, refused.json()) == (400, {"error": "X-Client header required"})
    created = client.post("/users/", json={"name": "Bo", "email": "bo@example.com"}, headers={"X-Client": "t"})
    assert (created.status_code, created.headers["location"]) == (201, "/users/2")
    assert created.json() == {"id": 2, "name": "Bo", "email": "bo@example.com"}
    invalid = client.post("/users/", json={"name": "Cy"}, headers={"X-Client": "t"})
    assert invalid.status_code == 422
    assert invalid.json()["detail"][0]["loc"] == ["body", "email"]
    deleted = client.delete("/users/2")
    assert (deleted.status_code, deleted.content) == (204, b"")
    assert client.get("/users/2").status_code == 404
    assert client.put("/users/1").headers["allow"] == "GET, DELETE"


def test_unknown_urls_use_the_apps_errorhandler(client: TestClient) -> None:
    response = client.get("/nowhere")
    assert (response.status_code, response.json()) == (404, {"error": "not found", "detail": "Not Found"})


def test_the_legacy_flask_app_is_mounted_under_legacy(client: TestClient) -> None:
    home = client.get("/legacy/")
    assert home.text == '<h1>Legacy home</h1><a href="/legacy/hello/ada">hello</a>'
    assert "x-served-by" not in home.headers
    hello = client.get("/legacy/hello/bob")
    assert hello.json() == {
        "hello": "bob",
        "script_root": "/legacy",
        "path": "/hello/bob",
        "url": "http://testserver/legacy/hello/bob",
    }
    client.cookies.set("session", "s1")
    echo = client.post("/legacy/echo", json={"a": 1}, headers={"X-Client": "t"})
    assert echo.json() == {"json": {"a": 1}, "form": {}, "cookie": "s1", "client": "t", "length": 7}
    login = client.get("/legacy/login", follow_redirects=False)
    assert (login.status_code, login.headers["location"]) == (302, "/legacy/")
    assert login.headers["set-cookie"] == "session=legacy-123; HttpOnly; Path=/"
    assert client.get("/legacy/stream").text == "chunk 0\nchunk 1\nchunk 2\n"
    assert client.get("/legacy/missing").status_code == 404


def test_the_openapi_document_lists_the_new_views_only(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert sorted(paths) == ["/", "/health", "/users/", "/users/{user_id}"]
    assert sorted(paths["/users/{user_id}"]) == ["delete", "get"]
