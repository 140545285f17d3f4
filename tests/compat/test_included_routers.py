"""Included routers are nodes of ``app.routes``, as in FastAPI 0.165: what the list holds, how its entries match,
and routes added to, inserted in or removed from an included router after the inclusion."""

from __future__ import annotations

import dataclasses
import re
import types
from typing import Any

import pytest

from tests.compat.harness import assert_same, build_pair, get, post

TREE_APP = """
from fastapi import APIRouter, Depends, FastAPI, Header, HTTPException, WebSocket
from fastapi.responses import PlainTextResponse

def token(x_token: str = Header("ok")):
    if x_token != "ok":
        raise HTTPException(status_code=400, detail="bad token")

inner = APIRouter(prefix="/inner", tags=["inner"], responses={404: {"description": "Missing"}})
outer = APIRouter(prefix="/outer", tags=["outer"], dependencies=[Depends(token)])

@inner.get("/leaf/{n}")
async def leaf(n: int):
    return {"n": n}

@inner.post("/made", status_code=201)
async def made(name: str):
    return {"name": name}

@inner.websocket("/ws")
async def chat(websocket: WebSocket):
    await websocket.accept()
    await websocket.send_text("hi")
    await websocket.close()

outer.include_router(inner, prefix="/in", tags=["nested"], deprecated=True)

@outer.get("/own")
async def own():
    return "own"

app = FastAPI()
app.include_router(outer, prefix="/api", responses={418: {"description": "Teapot"}})

@app.get("/top")
async def top():
    return {"top": True}

# Changed after the inclusions: FastAPI serves the router as it is now, and so must Zephyr.
@inner.get("/late")
async def late():
    return "late"

async def first():
    return PlainTextResponse("first")

inner.add_api_route("/first", first)
inner.routes.insert(0, inner.routes.pop())  # the last route moved to the front: it now wins
removed = [route for route in inner.routes if getattr(route, "name", None) == "made"][0]
inner.routes.remove(removed)
"""


@pytest.mark.current_reference  # FastAPI 0.162.5 copies routes at inclusion: later changes never reach the app
def test_an_included_tree_serves_and_documents_as_on_fastapi() -> None:
    assert_same(
        TREE_APP,
        [
            get("/api/outer/in/inner/leaf/3"),
            get("/api/outer/in/inner/leaf/x"),
            get("/api/outer/in/inner/leaf/3", headers={"x-token": "no"}),
            get("/api/outer/in/inner/late"),
            get("/api/outer/in/inner/first"),
            post("/api/outer/in/inner/made?name=a"),  # removed after the inclusion: 404 now
            get("/api/outer/own"),
            post("/api/outer/own"),
            get("/top"),
            get("/api/outer/in/inner/nope"),
        ],
    )


def _pair() -> tuple[types.ModuleType, types.ModuleType]:
    return build_pair(TREE_APP)


def _shape(module: types.ModuleType) -> list[Any]:
    """``app.routes`` past the docs routes: each entry's class, and an included router's context."""
    shown: list[Any] = []
    for route in module.app.routes:
        kind = type(route).__name__
        if kind == "_IncludedRouter":
            context = route.include_context
            shown.append(
                {
                    "kind": kind,
                    "router_is_the_module_router": route.original_router is module.outer,
                    "context_router_is_it_too": context.included_router is module.outer,
                    "prefix": context.prefix,
                    "tags": context.tags,
                    "dependencies": len(context.dependencies),
                    "responses": context.responses,
                    "callbacks": context.callbacks,
                    "deprecated": context.deprecated,
                    "include_in_schema": context.include_in_schema,
                    "strict_content_type": context.strict_content_type,
                    "provider_is_the_app": context.dependency_overrides_provider is module.app,
                    "max_body_size": context.max_body_size,
                    "form_limits": context.form_limits,
                    "nested": [type(r).__name__ for r in route.original_router.routes],
                }
            )
        elif kind == "APIRoute":
            shown.append({"kind": kind, "path": route.path})
    return shown


@pytest.mark.current_reference  # FastAPI 0.162.5 (the newest on Python 3.10) copies the routes into app.routes
def test_app_routes_hold_one_entry_per_inclusion() -> None:
    reference, zephyr = _pair()
    assert _shape(zephyr) == _shape(reference)
    assert _shape(zephyr)[0]["nested"] == ["_IncludedRouter", "APIRoute"]
    entry = next(r for r in zephyr.app.routes if type(r).__name__ == "_IncludedRouter")
    nested = entry.original_router.routes[0]
    assert nested.original_router is zephyr.inner
    assert (nested.include_context.prefix, nested.include_context.tags) == ("/outer/in", ["outer", "nested"])


def _normalized(text: str) -> str:
    """Object addresses and module names out; Zephyr's ``Default(...)`` placeholders read as FastAPI's objects."""
    return re.sub(r"<[\w.]+ object at 0x[0-9a-f]+>|Default\([^()]*\)", "<object>", text)


@pytest.mark.current_reference
def test_the_entry_reads_as_fastapis() -> None:
    from zephyr.routing import _IncludedRouter, _RouterIncludeContext

    reference, zephyr = _pair()
    theirs = next(r for r in reference.app.routes if type(r).__name__ == "_IncludedRouter")
    ours = next(r for r in zephyr.app.routes if isinstance(r, _IncludedRouter))
    assert isinstance(ours.include_context, _RouterIncludeContext)
    # The same fields, in the same order; the same context, up to object addresses and module names.
    assert [f.name for f in dataclasses.fields(ours) if f.repr] == [
        f.name for f in dataclasses.fields(theirs) if f.repr
    ]
    assert [f.name for f in dataclasses.fields(ours.include_context)] == [
        f.name for f in dataclasses.fields(theirs.include_context)
    ]
    assert _normalized(repr(ours.include_context)) == _normalized(repr(theirs.include_context))
    assert (
        _normalized(repr(ours)).split(", _effective_candidates=")[0]
        == _normalized(repr(theirs)).split(", _effective_candidates=")[0]
    )
    assert repr(ours).startswith("_IncludedRouter(original_router=<zephyr.")


def _scope(path: str, method: str = "GET", kind: str = "http") -> dict[str, Any]:
    return {"type": kind, "path": path, "method": method, "root_path": "", "headers": [], "query_string": b""}


@pytest.mark.current_reference
@pytest.mark.parametrize(
    "scope",
    [
        _scope("/api/outer/in/inner/leaf/3"),
        _scope("/api/outer/in/inner/leaf/3", "DELETE"),
        _scope("/api/outer/own"),
        _scope("/api/outer/in/inner/ws", kind="websocket"),
        _scope("/top"),
        _scope("/nowhere"),
        {"type": "lifespan"},
    ],
)
def test_route_matches_answers_as_fastapi(scope: dict[str, Any]) -> None:
    reference, zephyr = _pair()

    def answers(module: types.ModuleType) -> list[tuple[str, int, list[str]]]:
        found = []
        for route in module.app.routes:
            if type(route).__name__ not in ("_IncludedRouter", "APIRoute"):
                continue
            match, child = route.matches(dict(scope))
            found.append((type(route).__name__, int(match.value), sorted(child)))
        return found

    assert answers(zephyr) == answers(reference)


@pytest.mark.current_reference
def test_url_path_for_finds_routes_behind_the_entries() -> None:
    reference, zephyr = _pair()
    for module in (reference, zephyr):
        assert str(module.app.url_path_for("leaf", n=5)) == "/api/outer/in/inner/leaf/5"
        assert str(module.app.url_path_for("late")) == "/api/outer/in/inner/late"
        entry = next(r for r in module.app.routes if type(r).__name__ == "_IncludedRouter")
        assert str(entry.url_path_for("own")) == "/api/outer/own"


def test_a_websocket_route_of_a_nested_router_is_served() -> None:
    from zephyr.testclient import TestClient

    _, zephyr = _pair()
    with TestClient(zephyr.app).websocket_connect("/api/outer/in/inner/ws") as websocket:
        assert websocket.receive_text() == "hi"
