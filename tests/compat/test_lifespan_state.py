"""Routers' lifespans, nested and included, are run and their states merged as FastAPI merges them."""

from __future__ import annotations

from tests.compat.harness import assert_same, get

NESTED_LIFESPANS_APP = """
from contextlib import asynccontextmanager
from fastapi import APIRouter, FastAPI, Request

events = []

@asynccontextmanager
async def app_lifespan(app):
    events.append("app start")
    yield {"app": "a", "shared": "from app"}
    events.append("app stop")

@asynccontextmanager
async def outer_lifespan(app):
    events.append("outer start")
    yield {"outer": "o", "shared": "from outer"}
    events.append("outer stop")

@asynccontextmanager
async def inner_lifespan(app):
    events.append("inner start")
    yield {"inner": "i", "shared": "from inner", "deep": {"x": 1}}
    events.append("inner stop")

@asynccontextmanager
async def stateless_lifespan(app):
    events.append("stateless start")
    yield
    events.append("stateless stop")

inner = APIRouter(lifespan=inner_lifespan)
outer = APIRouter(lifespan=outer_lifespan)
stateless = APIRouter(lifespan=stateless_lifespan)

@inner.get("/state")
def read_state(request: Request):
    return {key: getattr(request.state, key, None) for key in ("app", "outer", "inner", "shared", "deep")}

outer.include_router(inner, prefix="/inner")
outer.include_router(stateless)
app = FastAPI(lifespan=app_lifespan)
app.include_router(outer, prefix="/outer")

@app.get("/events")
def read_events():
    return events
"""


def test_nested_router_lifespans_merge_state_as_on_fastapi() -> None:
    theirs, ours = assert_same(NESTED_LIFESPANS_APP, [get("/outer/inner/state"), get("/events")], lifespan=True)
    assert ours.events == theirs.events
