"""Custom ``APIRoute`` subclasses with ``get_route_handler`` (FastAPI's custom request and route tutorial)."""

from __future__ import annotations

import gzip
import types
from typing import Any

import fastapi
import pytest

import zephyr
from tests.compat.harness import Call, assert_same, post

GZIP_ROUTE_APP = """
import gzip
from typing import Callable
from fastapi import Body, FastAPI, Request, Response, HTTPException
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute, APIRouter

class GzipRequest(Request):
    async def body(self) -> bytes:
        if not hasattr(self, "_body"):
            body = await super().body()
            if "gzip" in self.headers.getlist("Content-Encoding"):
                body = gzip.decompress(body)
            self._body = body
        return self._body

class GzipRoute(APIRoute):
    def get_route_handler(self) -> Callable:
        original_route_handler = super().get_route_handler()

        async def custom_route_handler(request: Request) -> Response:
            request = GzipRequest(request.scope, request.receive)
            return await original_route_handler(request)

        return custom_route_handler

class ValidationErrorLoggingRoute(APIRoute):
    def get_route_handler(self) -> Callable:
        original_route_handler = super().get_route_handler()

        async def custom_route_handler(request: Request) -> Response:
            try:
                return await original_route_handler(request)
            except RequestValidationError as exc:
                body = await request.body()
                detail = {"errors": exc.errors(), "body": body.decode()}
                raise HTTPException(status_code=422, detail=detail)

        return custom_route_handler

class TimedRoute(APIRoute):
    def get_route_handler(self) -> Callable:
        original_route_handler = super().get_route_handler()

        async def custom_route_handler(request: Request) -> Response:
            response: Response = await original_route_handler(request)
            response.headers["X-Response-Time"] = "measured"
            return response

        return custom_route_handler

app = FastAPI()
app.router.route_class = GzipRoute

@app.post("/sum")
async def sum_numbers(numbers: list[int] = Body()):
    return {"sum": sum(numbers)}

logged = APIRouter(route_class=ValidationErrorLoggingRoute)

@logged.post("/logged")
async def logged_sum(numbers: list[int] = Body()):
    return sum(numbers)

app.include_router(logged)

timed = APIRouter(route_class=TimedRoute)

@timed.get("/timed")
async def retrieve_timed(response: Response):
    response.set_cookie("c", "v")
    return {"message": "It's the time of my life"}

@timed.get("/timed-direct")
async def timed_direct():
    return Response("direct", media_type="text/plain")

app.include_router(timed)
"""


def test_custom_route_classes() -> None:
    compressed = gzip.compress(b"[1, 2, 3]")
    assert_same(
        GZIP_ROUTE_APP,
        [
            post("/sum", json=[1, 2, 3]),
            post("/sum", content=compressed, headers={"content-encoding": "gzip", "content-type": "application/json"}),
            post("/sum", json=["a"]),
            post("/logged", json=[1, 2]),
            post("/logged", json={"a": 1}),
            Call("GET", "/timed", headers=("x-response-time",)),
            Call("GET", "/timed-direct", headers=("x-response-time",)),
        ],
    )


def _handler_built_when_needed(fastapi_module: types.ModuleType) -> list[object]:
    """What FastAPI (or Zephyr) does when an included route's ``get_route_handler`` fails after the inclusion."""
    from fastapi.testclient import TestClient as ReferenceClient

    fail = False
    built: list[str] = []

    class CustomRoute(fastapi_module.routing.APIRoute):  # type: ignore[name-defined,misc]
        def get_route_handler(self) -> Any:
            built.append(self.path)
            if fail:
                raise RuntimeError("handler construction failed")
            return super().get_route_handler()

    router = fastapi_module.APIRouter(route_class=CustomRoute)

    @router.get("/items")
    def read_items() -> list[str]:
        return ["item"]

    app = fastapi_module.FastAPI()
    app.include_router(router, prefix="/api")
    fail = True
    with pytest.raises(RuntimeError, match="handler construction failed"):
        app.openapi()
    fail = False
    seen: list[object] = ["/api/items" in app.openapi()["paths"]]
    count = len(built)
    client_class = ReferenceClient if fastapi_module is fastapi else zephyr.testclient.TestClient
    with client_class(app) as client:
        seen += [client.get("/api/items").json(), client.get("/api/items").json()]
    # The handler the document built serves the requests. (FastAPI also builds the router's own route's handler
    # when it is registered; Zephyr builds a route's handler at start-up or when first needed: not compared.)
    return [*seen, len(built) - count]


@pytest.mark.current_reference
def test_an_included_handler_is_built_when_the_document_needs_it_as_on_fastapi() -> None:
    """FastAPI builds an included route's handler for the OpenAPI document (or the first request), once it works."""
    assert _handler_built_when_needed(zephyr) == _handler_built_when_needed(fastapi)


# A request class of its own, as fastapi-cloudevents' CloudEventRequest: ``body()`` may return what is not bytes and
# ``json()`` what the endpoint gets; FastAPI's handler reads the body through both methods.
METHODS_ROUTE_APP = """
import json
from typing import Any, Callable
from fastapi import Body, FastAPI, Request, Response
from fastapi.routing import APIRoute, APIRouter
from pydantic import BaseModel

class EnvelopeRequest(Request):
    async def body(self) -> Any:
        if not hasattr(self, "_body"):
            raw = await super().body()
            if self.headers.get("x-envelope"):
                self._json = {"kind": self.headers["x-envelope"], "data": json.loads(raw or b"null")}
                self._body = self._json  # not bytes: FastAPI takes it from json()
            else:
                self._body = raw
        return self._body

class UpperJsonRequest(Request):
    async def json(self) -> Any:
        value = await super().json()
        return {key.upper(): item for key, item in value.items()} if isinstance(value, dict) else value

def route_with(request_class: type) -> type:
    class RequestRoute(APIRoute):
        def get_route_handler(self) -> Callable:
            original_route_handler = super().get_route_handler()

            async def custom_route_handler(request: Request) -> Response:
                return await original_route_handler(request_class(request.scope, request.receive))

            return custom_route_handler

    return RequestRoute

class Envelope(BaseModel):
    kind: str
    data: Any = None

app = FastAPI()
envelopes = APIRouter(route_class=route_with(EnvelopeRequest))

@envelopes.post("/envelope")
async def envelope(event: Envelope):
    return event

@envelopes.post("/optional")
async def optional(event: Envelope | None = None):
    return {"event": event}

upper = APIRouter(route_class=route_with(UpperJsonRequest))

@upper.post("/upper")
async def upper_body(A: int = Body(), B: str = Body("none")):
    return {"a": A, "b": B}

@upper.post("/bytes")
async def raw_body(payload: bytes = Body(media_type="application/octet-stream")):
    return {"size": len(payload)}

app.include_router(envelopes)
app.include_router(upper)
"""


def test_a_request_class_of_its_own_is_read_through_body_and_json() -> None:
    assert_same(
        METHODS_ROUTE_APP,
        [
            post("/envelope", json={"kind": "direct", "data": [1]}),
            post("/envelope", json={"a": 1}, headers={"x-envelope": "binary"}),
            post("/envelope", content=b"[1, 2]", headers={"x-envelope": "binary", "content-type": "text/plain"}),
            post("/envelope", content=b"null", headers={"content-type": "application/json"}),
            post("/optional", content=b"null", headers={"content-type": "application/json"}),
            post("/optional"),
            post("/upper", json={"a": 1, "b": "x"}),
            post("/upper", json={"A": "nope"}),
            post("/upper", content=b"{broken", headers={"content-type": "application/json"}),
            post("/upper", content=b'{"a": 1}', headers={"content-type": "text/plain"}),
            post("/bytes", content=b"abc", headers={"content-type": "application/octet-stream"}),
            post("/bytes", content=b'"abc"', headers={"content-type": "application/json"}),
        ],
    )
