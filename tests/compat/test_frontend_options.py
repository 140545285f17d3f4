"""``frontend()`` on FastAPI 0.165 and on Zephyr: what it refuses when it is called, and what it serves behind a
proxy's root path (the build is served by the part of the path after its prefix, whether or not the request's path
carries the root path)."""

from __future__ import annotations

import pathlib
import warnings

import fastapi
import pytest

import zephyr
from tests.compat.harness import assert_same, frontend_dist, get, post

pytestmark = pytest.mark.current_reference

ROOT_PATH_APP = """
from fastapi import FastAPI

app = FastAPI()

@app.get("/api/ping")
def ping():
    return "pong"

app.frontend("/app/", directory=DIST)
"""


def test_a_frontend_serves_under_a_root_path(tmp_path: pathlib.Path) -> None:
    source = f"DIST = {str(frontend_dist(tmp_path))!r}\n" + ROOT_PATH_APP
    calls = [
        get("/app/assets/app.js"),
        get("/proxy/app/assets/app.js"),
        get("/app/dashboard", headers={"accept": "text/html"}),
        get("/app/missing.js"),
        get("/api/ping"),
    ]
    assert_same(source, calls, client_kwargs={"root_path": "/proxy"})
    assert_same(source, calls)


@pytest.mark.parametrize(
    ("path", "options"),
    [("", {}), ("app", {}), ("/", {"fallback": "invalid"}), ("/", {"fallback": "index.htm"})],
)
@pytest.mark.parametrize("on_router", [False, True])
def test_frontend_refuses_what_fastapi_refuses(
    tmp_path: pathlib.Path, path: str, options: dict[str, str], on_router: bool
) -> None:
    dist = frontend_dist(tmp_path)
    for framework in (fastapi, zephyr):
        target = framework.APIRouter() if on_router else framework.FastAPI()
        with pytest.raises(AssertionError):
            target.frontend(path, directory=dist, **options)


def test_the_missing_directory_warning_points_at_the_callers_line(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FASTAPI_ENV", "development")
    for framework in (fastapi, zephyr):
        for target in (framework.FastAPI(), framework.APIRouter()):
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                target.frontend("/", directory=tmp_path / "missing")
            assert [w.filename for w in caught] == [__file__], framework.__name__
            assert str(tmp_path / "missing") in str(caught[0].message)


PARTIAL_APP = """
from fastapi import FastAPI
from starlette.responses import PlainTextResponse
from starlette.routing import BaseRoute, Match

class HeaderRoute(BaseRoute):
    # A route that decides by itself: no path, its own matches().
    def matches(self, scope):
        if scope["type"] != "http":
            return Match.NONE, {}
        headers = dict(scope["headers"])
        if b"x-custom" not in headers:
            return Match.NONE, {}
        fit = Match.FULL if scope["method"] == "GET" else Match.PARTIAL
        return fit, {"path_params": {"custom": headers[b"x-custom"].decode()}}

    async def handle(self, scope, receive, send):
        if scope["method"] != "GET":
            await PlainTextResponse("custom: wrong method", status_code=405)(scope, receive, send)
            return
        await PlainTextResponse("custom " + scope["path_params"]["custom"])(scope, receive, send)

app = FastAPI()

@app.post("/api/items")
def create():
    return "created"

app.router.routes.append(HeaderRoute())
app.frontend("/", directory=DIST)
"""


def test_a_route_for_another_method_answers_405_before_the_frontend(tmp_path: pathlib.Path) -> None:
    source = f"DIST = {str(frontend_dist(tmp_path))!r}\n" + PARTIAL_APP
    html = {"accept": "text/html"}
    assert_same(
        source,
        [
            get("/api/items"),
            get("/api/items", headers=html),
            get("/other", headers=html),
            get("/other", headers={"x-custom": "yes"}),
            get("/api/items", headers={"x-custom": "yes"}),
            get("/assets/app.js"),
        ],
    )
    assert_same(source, [post("/anything", headers={"x-custom": "yes"}), post("/api/items")], openapi=False)
