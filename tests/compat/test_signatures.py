"""Every keyword of FastAPI's application, router and route-decorator signatures exists on Zephyr's counterparts.

The walk reads the newest installed FastAPI with ``inspect.signature``; Zephyr's ``**options: Unpack[RouteOptions]``
counts the typed-dict's keys (a bare ``**extra: Any`` counts nothing). Each keyword's meaning is tested by the
differential tests of its feature.
"""

from __future__ import annotations

import inspect
import pathlib
from collections.abc import Callable
from typing import Any, get_args, get_origin

import fastapi
import fastapi.routing
import pytest
from typing_extensions import Unpack

import zephyr
import zephyr.routing
from tests.compat.harness import assert_same, get
from zephyr.testclient import TestClient

_ROUTE_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_SHARED_METHODS = (
    "include_router",
    "add_api_route",
    "api_route",
    "websocket",
    "add_api_websocket_route",
    "host",
    "frontend",
)


def _pairs() -> list[tuple[str, Callable[..., Any], Any]]:
    found: list[tuple[str, Callable[..., Any], Any]] = [
        ("FastAPI.__init__", fastapi.FastAPI.__init__, zephyr.FastAPI.__init__),
        ("APIRouter.__init__", fastapi.APIRouter.__init__, zephyr.APIRouter.__init__),
        ("APIRoute.__init__", fastapi.routing.APIRoute.__init__, zephyr.routing.APIRoute.__init__),
    ]
    for owner in ("FastAPI", "APIRouter"):
        for method in (*_SHARED_METHODS, *_ROUTE_METHODS):
            theirs = getattr(getattr(fastapi, owner), method, None)
            if theirs is not None:
                found.append((f"{owner}.{method}", theirs, getattr(getattr(zephyr, owner), method, None)))
    return found


def _keywords(function: Callable[..., Any]) -> set[str]:
    names: set[str] = set()
    for parameter in inspect.signature(function).parameters.values():
        if parameter.kind is inspect.Parameter.VAR_KEYWORD:
            annotation = parameter.annotation
            if isinstance(annotation, str):
                annotation = eval(annotation, function.__globals__)  # noqa: S307 - our own annotation
            if get_origin(annotation) is Unpack:
                typed_dict = get_args(annotation)[0]
                names |= set(typed_dict.__required_keys__) | set(typed_dict.__optional_keys__)
        elif parameter.kind is not inspect.Parameter.VAR_POSITIONAL:
            names.add(parameter.name)
    return names


@pytest.mark.parametrize(("name", "theirs", "ours"), _pairs(), ids=[pair[0] for pair in _pairs()])
def test_every_fastapi_keyword_exists_on_zephyr(name: str, theirs: Callable[..., Any], ours: Any) -> None:
    assert ours is not None, f"Zephyr has no {name}"
    missing = sorted(_keywords(theirs) - _keywords(ours) - {"self"})
    assert not missing, f"{name} lacks {missing} (FastAPI {fastapi.__version__})"


def test_the_walk_sees_typed_dict_keywords() -> None:
    assert {"response_model", "strict_content_type", "openapi_extra"} <= _keywords(zephyr.APIRouter.get)
    assert "extra" not in _keywords(zephyr.FastAPI.__init__) - {"extra"}


def test_router_host_serves_an_app_for_matching_hosts() -> None:
    inner = zephyr.FastAPI()

    @inner.get("/")
    def root() -> str:
        return "api"

    app = zephyr.FastAPI()
    app.router.host("api.example.com", inner, name="api")
    client = TestClient(app)
    assert client.get("/", headers={"host": "api.example.com"}).json() == "api"
    assert client.get("/", headers={"host": "www.example.com"}).status_code == 404


ROUTER_KEYWORDS_APP = """
from typing import Annotated
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import PlainTextResponse
from fastapi.routing import APIRoute

events = []

def custom_id(route: APIRoute) -> str:
    return f"custom-{route.name}"

def token():
    return "real"

class Overrides:
    dependency_overrides = {token: lambda: "overridden"}

class TaggedRoute(APIRoute):
    pass

async def fallback(scope, receive, send):
    await PlainTextResponse("router default", status_code=418)(scope, receive, send)

inner = APIRouter(
    prefix="/inner",
    tags=["inner"],
    default_response_class=PlainTextResponse,
    responses={418: {"description": "Teapot"}},
    on_startup=[lambda: events.append("inner startup")],
    on_shutdown=[lambda: events.append("inner shutdown")],
    route_class=TaggedRoute,
    generate_unique_id_function=custom_id,
    deprecated=True,
)

@inner.get("/text")
def text():
    return "plain"

@inner.get("/kind")
def kind(request: Request):
    return type(request.scope["route"]).__name__

hidden = APIRouter(include_in_schema=False)

@hidden.get("/hidden")
def hidden_route():
    return "hidden"

standalone = APIRouter(dependency_overrides_provider=Overrides(), default=fallback)

@standalone.get("/token")
def read_token(t: Annotated[str, Depends(token)]):
    return t

app = FastAPI()
app.include_router(inner, prefix="/v1", tags=["v1"], responses={404: {"description": "Gone"}})
app.include_router(hidden)

@app.get("/events")
def read_events():
    return events
"""


def test_router_keywords_mean_what_they_mean_on_fastapi() -> None:
    theirs, ours = assert_same(
        ROUTER_KEYWORDS_APP, [get("/v1/inner/text"), get("/v1/inner/kind"), get("/hidden")], lifespan=True
    )
    # A deliberate difference: FastAPI 0.165 runs an included router's on_startup/on_shutdown handlers twice (copied
    # onto the app and run again by the router's merged default lifespan); Zephyr runs each once.
    assert theirs.events == ["inner startup", "inner startup", "inner shutdown", "inner shutdown"]
    assert ours.events == ["inner startup", "inner shutdown"]
    # A router served on its own (FastAPI's needs an application around it to answer at all): its overrides
    # provider and its default app apply.
    client = TestClient(ours.standalone)
    assert client.get("/token").json() == "overridden"
    missing = client.get("/nowhere")
    assert (missing.status_code, missing.text) == (418, "router default")


ROUTER_FRONTEND_APP = """
from fastapi import APIRouter, FastAPI

app = FastAPI()

@app.get("/api/ping")
def ping():
    return "pong"

router = APIRouter()
router.frontend("/", directory=DIST)
app.include_router(router)
"""


def test_router_frontend_is_served_after_every_route_as_on_fastapi(tmp_path: pathlib.Path) -> None:
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<html>index</html>")
    (dist / "assets" / "app.js").write_text("console.log(1)")
    source = f"DIST = {str(dist)!r}\n" + ROUTER_FRONTEND_APP
    assert_same(
        source,
        [
            get("/api/ping"),
            get("/"),
            get("/assets/app.js"),
            get("/some/page", headers={"accept": "text/html"}),
            get("/assets/missing.js"),
        ],
    )
