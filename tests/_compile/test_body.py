"""Reading a request body for validation (zephyr._compile.body)."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any
from unittest.mock import patch

from pydantic import BaseModel

from zephyr import FastAPI, Request, Response
from zephyr._compile import body as body_module
from zephyr.routing import APIRoute
from zephyr.testclient import TestClient


class Item(BaseModel):
    name: str
    price: float


def test_any_failure_of_the_json_parser_is_a_400_as_in_fastapi() -> None:
    # FastAPI answers 400 for whatever the parser raises, not only for bytes that are not UTF-8 or nest too deep.
    app = FastAPI()

    @app.post("/items/")
    async def create(item: Item) -> Item:
        return item

    client = TestClient(app)
    with patch("zephyr._compile.body.json.loads", side_effect=Exception):
        response = client.post("/items/", json={"test": "test2"})  # fails the fast path, so the JSON is parsed
    assert (response.status_code, response.json()) == (400, {"detail": "There was an error parsing the body"})


def _route_reading_with(request_class: type[Request]) -> type[APIRoute]:
    class RequestRoute(APIRoute):
        def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
            original = super().get_route_handler()

            async def handler(request: Request) -> Response:
                return await original(request_class(request.scope, request.receive))

            return handler

    return RequestRoute


def test_a_request_of_a_class_of_its_own_is_read_through_its_methods_and_zephyrs_own_is_not() -> None:
    calls: list[str] = []

    class Counting(Request):
        async def body(self) -> bytes:
            calls.append("body")
            return await super().body()

        async def json(self) -> Any:
            calls.append("json")
            return {**(await super().json()), "price": 2}

    class Plain(Request):
        pass

    app = FastAPI()
    app.router.route_class = _route_reading_with(Counting)

    @app.post("/items/")
    async def create(item: Item) -> Item:
        return item

    client = TestClient(app)
    assert client.post("/items/", json={"name": "a", "price": 1}).json() == {"name": "a", "price": 2.0}
    assert calls == ["body", "json", "body"]  # json() reads the body through body(), as Starlette's does
    calls.clear()
    assert client.post("/items/", content=b"", headers={"content-type": "application/json"}).status_code == 422
    assert calls == ["body"]  # an empty body is missing: json() is not asked
    with patch(
        "zephyr._compile.execute.read_body_through_methods", wraps=body_module.read_body_through_methods
    ) as through_methods:
        plain = FastAPI()
        plain.router.route_class = _route_reading_with(Request)  # Zephyr's own request: bytes validated directly
        plain.post("/items/")(create)
        assert TestClient(plain).post("/items/", json={"name": "b", "price": 1}).json() == {"name": "b", "price": 1.0}
        plain.router.route_class = _route_reading_with(Plain)
        plain.post("/other/")(create)
        assert TestClient(plain).post("/other/", json={"name": "c", "price": 1}).json() == {"name": "c", "price": 1.0}
    assert through_methods.call_count == 1
