"""Routes that build their ``Dependant`` by hand and solve it themselves, as fastapi-jsonrpc does.

The route moves its method's query parameters into the body (``body_params.extend(query_params)``,
``query_params = []``, ``embed = True``), solves shared dependencies once into a ``DependencyCacheKey`` dict, then
solves each call of a batch with ``solve_dependencies(body=<the call's params>, dependency_cache=...)``.
"""

from __future__ import annotations

import pytest

from tests.compat.harness import assert_same, get, post

BATCH_APP = """
from contextlib import AsyncExitStack
from typing import Any
from fastapi import Body, Depends, FastAPI, Header, Request
from fastapi.dependencies.models import Dependant
from fastapi.dependencies.utils import _should_embed_body_fields, get_dependant, get_parameterless_sub_dependant
from fastapi.dependencies.utils import solve_dependencies
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute, request_response
from fastapi.types import DependencyCacheKey
from pydantic import BaseModel

calls = {"shared": 0, "limit": 0}

def shared(x_token: str = Header("none")) -> str:
    calls["shared"] += 1
    return x_token

def limit(n: int = Body(10, le=100)) -> int:
    calls["limit"] += 1
    return n

class Item(BaseModel):
    name: str

def method(a: int, b: int = 2, item: Item | None = None, token: str = Depends(shared), n: int = Depends(limit)):
    return {"sum": a + b, "item": item.name if item else None, "token": token, "n": n}

def move_query_to_body(dependant: Dependant) -> None:
    dependant.body_params.extend(dependant.query_params)
    dependant.query_params = []
    for field in dependant.body_params:
        field.field_info.embed = True
    for sub in dependant.dependencies:
        move_query_to_body(sub)

class BatchRoute(APIRoute):
    def __init__(self, path: str) -> None:
        dependant = get_dependant(path=path, call=method)
        move_query_to_body(dependant)
        class Envelope(BaseModel):
            calls: list[dict]
        async def endpoint(envelope: Envelope) -> None: ...
        super().__init__(path, endpoint, methods=["POST"], dependencies=[Depends(shared)])
        self.shared_dependant = Dependant(path=path)
        self.shared_dependant.dependencies.append(get_parameterless_sub_dependant(depends=Depends(shared), path=path))
        self.method_dependant = dependant
        # for the document, as fastapi-jsonrpc does: the body documented stays the one analysed above
        self.dependant.header_params = list(dependant.header_params)
        self.dependant.dependencies.extend(dependant.dependencies)
        self.app = request_response(self.handle_batch)

    async def handle_batch(self, request: Request) -> JSONResponse:
        body = await request.json()
        answers = []
        async with AsyncExitStack() as stack:
            cache: dict[DependencyCacheKey, Any] = {(lambda: None, (), ""): 1}
            shared_solved = await solve_dependencies(
                request=request, dependant=self.shared_dependant, body=None,
                async_exit_stack=stack, dependency_cache=cache, embed_body_fields=False,
            )
            answers.append({"shared_errors": shared_solved.errors, "cached": len(cache)})
            for call in body["calls"]:
                solved = await solve_dependencies(
                    request=request, dependant=self.method_dependant, body=call,
                    async_exit_stack=stack, dependency_cache=dict(cache),
                    embed_body_fields=_should_embed_body_fields(self.method_dependant.body_params),
                )
                if solved.errors:
                    answers.append({"errors": [{k: e[k] for k in ("type", "loc", "msg")} for e in solved.errors]})
                else:
                    answers.append(method(**solved.values))
        answers.append(dict(calls))
        return JSONResponse(answers)

app = FastAPI()
app.router.routes.append(BatchRoute("/batch"))

@app.get("/fields")
def fields() -> dict:
    route = app.router.routes[-2]
    return {
        "body": sorted(f.name for f in route.method_dependant.body_params),
        "query": [f.name for f in route.method_dependant.query_params],
        "embed": _should_embed_body_fields(route.method_dependant.body_params),
    }
"""


@pytest.mark.current_reference  # FastAPI 0.165's solve_dependencies and DependencyCacheKey
def test_solving_a_hand_built_dependant_with_given_bodies_and_a_shared_cache() -> None:
    calls = [
        {"a": 1, "b": 5, "item": {"name": "x"}},
        {"a": 40},
        {"a": "x", "n": 500},
        {"b": 1, "item": {}},
    ]
    assert_same(
        BATCH_APP,
        [
            post("/batch", json={"calls": calls}, headers={"x-token": "tok"}),
            post("/batch", json={"calls": [{"a": 2, "n": 3}]}),
            get("/fields"),
        ],
    )


LIFESPAN_HANDLERS_APP = """
import warnings
from contextlib import asynccontextmanager
from fastapi import APIRouter, FastAPI
from fastapi.routing import _DefaultLifespan

warnings.simplefilter("ignore", DeprecationWarning)
log = []

@asynccontextmanager
async def lifespan(app):
    log.append("lifespan in")
    yield
    log.append("lifespan out")

@asynccontextmanager
async def keeps_handlers(app):
    async with _DefaultLifespan(app.router):
        log.append("own in")
        yield
        log.append("own out")

app = FastAPI(lifespan=lifespan, on_startup=[lambda: log.append("app handler (not run)")])
app.on_event("startup")(lambda: log.append("app event (not run)"))
app.include_router(APIRouter(on_startup=[lambda: log.append("router handler")]))
with_lifespan = APIRouter(lifespan=lifespan)
with_lifespan.on_event("startup")(lambda: log.append("router event (not run)"))
app.include_router(with_lifespan)

kept = FastAPI(lifespan=keeps_handlers)
kept.on_event("startup")(lambda: log.append("kept startup"))
kept.on_event("shutdown")(lambda: log.append("kept shutdown"))

plain = FastAPI(on_startup=[lambda: log.append("plain handler")])
plain.include_router(APIRouter(lifespan=lifespan, on_startup=[lambda: log.append("included handler")]))
"""


def test_a_lifespan_replaces_the_routers_own_event_handlers() -> None:
    from fastapi.testclient import TestClient as TheirClient

    from tests.compat.harness import build_pair
    from zephyr.testclient import TestClient as OurClient

    theirs, ours = build_pair(LIFESPAN_HANDLERS_APP)
    for module, client in ((theirs, TheirClient), (ours, OurClient)):
        for name in ("app", "kept", "plain"):
            with client(getattr(module, name)):
                module.log.append(f"{name} serving")
    assert ours.log == theirs.log
    assert ours.log == [
        "lifespan in",
        "router handler",
        "lifespan in",
        "app serving",
        "lifespan out",
        "lifespan out",
        "kept startup",
        "own in",
        "kept serving",
        "own out",
        "kept shutdown",
        "plain handler",
        "included handler",
        "lifespan in",
        "plain serving",
        "lifespan out",
    ]
