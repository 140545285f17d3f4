"""Route contexts of included routers, as FastAPI 0.165 has them: ``scope["route"]`` is the route as registered, the
served one is ``scope["fastapi"]["effective_route_context"]``, ``iter_route_contexts`` lists every route as served;
a host route of an included router answers under the prefix, and the inclusion's ``max_body_size`` reaches plain
routes and mounts."""

from __future__ import annotations

import dataclasses
import types
from typing import Any

import pytest

from tests.compat.harness import assert_same, build_pair, get, post

CONTEXT_APP = """
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse
from fastapi.routing import APIRoute, iter_route_contexts
from starlette.routing import Host, Mount, Route, Router

def dep_a():
    return "a"

def dep_b():
    return "b"

def seen(request: Request) -> dict:
    route = request.scope["route"]
    context = request.scope.get("fastapi", {}).get("effective_route_context")
    return {
        "route_path": route.path,
        "route_is_registered": route is registered.get(route.name),
        "context_path": getattr(context, "path", None),
        "context_is_copy_of_route": getattr(context, "original_route", None) is route,
        "tags": getattr(context, "tags", None),
        "dependencies": len(getattr(context, "dependencies", [])),
        "responses": sorted(str(code) for code in getattr(context, "responses", {})),
        "deprecated": getattr(context, "deprecated", None),
        "include_in_schema": getattr(context, "include_in_schema", None),
        "path_params": request.path_params,
    }

class Counting(APIRoute):
    handlers = 0

    def get_route_handler(self):
        handler = super().get_route_handler()
        route = self

        async def counted(request):
            route.handlers += 1
            response = await handler(request)
            response.headers["x-handled-by"] = str(route.handlers)
            return response

        return counted

inner = APIRouter(prefix="/inner", tags=["inner"], dependencies=[Depends(dep_a)], route_class=Counting)
outer = APIRouter(prefix="/outer", responses={404: {"description": "Missing"}})

@inner.get("/items/{item_id}", tags=["route"], name="item")
def item(item_id: int, request: Request):
    return seen(request)

@inner.get("/count", name="count")
def count():
    return "counted"

async def echo(request):
    body = await request.body()
    return PlainTextResponse(f"{len(body)} bytes at {request.url.path}")

limited = APIRouter()
limited.add_route("/plain", echo, methods=["POST"])
limited.mount("/mounted", Router(routes=[Route("/echo", echo, methods=["POST"])]))
@limited.post("/api")
async def api(request: Request):
    return len(await request.body())

async def hosted(request):
    return PlainTextResponse(f"hosted {request.path_params['item_id']} at {request.url.path}")

hosted_app = Router(routes=[Route("/h/{item_id}", hosted, name="h")])
hosts = APIRouter(routes=[Host("{sub}.example.com", hosted_app, name="hosts")])

outer.include_router(inner, prefix="/v1", tags=["include"], deprecated=True, dependencies=[Depends(dep_b)])
app = FastAPI()
app.include_router(outer, prefix="/api", responses={418: {"description": "Teapot"}})
app.include_router(limited, prefix="/lim", max_body_size=8)
app.include_router(hosts, prefix="/pre")

registered = {route.name: route for route in inner.routes}

@app.get("/direct/{n}", name="direct")
def direct(n: int, request: Request):
    registered["direct"] = request.scope["route"]
    return seen(request)

@app.get("/contexts")
def contexts():
    return [
        {
            "path": context.path,
            "path_format": context.path_format,
            "name": context.name,
            "methods": sorted(context.methods or []),
            "original_path": getattr(context.original_route, "path", None) if context.name != "hosts" else None,
            "tags": getattr(context, "tags", None),
        }
        for context in iter_route_contexts(app.routes)
        if context.name in ("item", "count", "direct", "echo", "api", "hosts") or context.path == "/lim/mounted"
    ]
"""


@pytest.mark.current_reference  # FastAPI 0.162.5 (Python 3.10) copies included routes: no effective context
def test_scope_route_and_effective_context_as_on_fastapi() -> None:
    assert_same(
        CONTEXT_APP,
        [
            get("/api/outer/v1/inner/items/7"),
            get("/api/outer/v1/inner/items/x"),
            post("/api/outer/v1/inner/items/7"),
            get("/direct/3"),
            get("/api/outer/v1/inner/count"),
            get("/api/outer/v1/inner/count"),
            get("/contexts"),
        ],
    )


@pytest.mark.current_reference  # the inclusion's max_body_size on mounts and plain routes is FastAPI 0.165's
def test_inclusion_body_limit_reaches_plain_routes_and_mounts() -> None:
    calls = [
        post("/lim/plain", content=b"1234"),
        post("/lim/plain", content=b"123456789"),
        post("/lim/mounted/echo", content=b"1234"),
        post("/lim/mounted/echo", content=b"123456789"),
        post("/lim/api", content=b"123456789"),
    ]
    # Zephyr's 413 carries Connection: close on purpose (see test_body_limits).
    assert_same(CONTEXT_APP, [dataclasses.replace(c, deliberate=("connection",)) for c in calls], openapi=False)


@pytest.mark.current_reference  # a Host of an included router answers under the prefix (FastAPI 0.165)
def test_included_host_answers_under_the_prefix() -> None:
    assert_same(
        CONTEXT_APP,
        [get("/pre/h/5"), get("/h/5")],
        openapi=False,
        client_kwargs={"base_url": "http://api.example.com"},
    )


def _urls(module: types.ModuleType) -> list[Any]:
    app = module.app
    host_url = app.url_path_for("hosts:h", sub="api", item_id=5)
    return [str(app.url_path_for("item", item_id=1)), str(host_url), host_url.host]


@pytest.mark.current_reference
def test_url_path_for_of_included_host_keeps_the_prefix() -> None:
    reference, zephyr = build_pair(CONTEXT_APP)
    assert _urls(zephyr) == _urls(reference) == ["/api/outer/v1/inner/items/1", "/pre/h/5", "api.example.com"]
