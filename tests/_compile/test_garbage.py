"""Requests leave no reference cycles behind.

A cycle per request is freed only by the garbage collector: under load that means full collections every few hundred
requests, each one walking the whole heap (tens of milliseconds of stalled requests with a big app). Error answers
are where cycles hide (an exception, its traceback and a frame holding the exception), so each kind is checked.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

import pytest
from pydantic import BaseModel, Field

from tests.support.garbage import garbage_after
from zephyr import Depends, FastAPI, Header, HTTPException
from zephyr.types import Message


class UserIn(BaseModel):
    name: str
    age: int = Field(ge=18)


class UserOut(BaseModel):
    id: int
    name: str


def token(authorization: Annotated[str | None, Header()] = None) -> str:
    if authorization != "Bearer ok":
        raise HTTPException(status_code=401, detail="Not authenticated")
    return authorization


def _app() -> FastAPI:
    app = FastAPI()

    @app.post("/users", response_model=UserOut, status_code=201)
    async def create(user: UserIn) -> Any:
        return {"id": 1, "name": user.name}

    @app.get("/users/{user_id}")
    async def read(user_id: int, limit: int = 10) -> dict[str, int]:
        return {"user_id": user_id, "limit": limit}

    @app.get("/me")
    async def me(user: Annotated[str, Depends(token)]) -> dict[str, str]:
        return {"user": user}

    return app


def _scope(method: str, path: str, body: bytes, headers: list[tuple[bytes, bytes]]) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "server": ("127.0.0.1", 8000),
        "client": ("127.0.0.1", 5000),
        "scheme": "http",
        "method": method,
        "root_path": "",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": [(b"host", b"test"), (b"content-length", str(len(body)).encode()), *headers],
        "state": {},
    }


async def _serve(app: FastAPI, method: str, path: str, body: bytes, headers: list[tuple[bytes, bytes]]) -> int:
    statuses: list[int] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    await app(_scope(method, path, body, headers), receive, send)
    return statuses[0]


JSON = [(b"content-type", b"application/json")]


@pytest.mark.parametrize(
    ("method", "path", "body", "headers", "status"),
    [
        ("POST", "/users", b'{"name": "Ada", "age": 36}', JSON, 201),
        ("POST", "/users", b'{"name": "Ada", "age": 10}', JSON, 422),
        ("POST", "/users", b'{"name": ', JSON, 422),
        ("POST", "/users", b"name=Ada", [(b"content-type", b"text/plain")], 422),
        ("GET", "/users/abc", b"", [], 422),
        ("GET", "/me", b"", [], 401),
        ("GET", "/me", b"", [(b"authorization", b"Bearer ok")], 200),
        ("GET", "/nowhere", b"", [], 404),
        ("DELETE", "/me", b"", [], 405),
    ],
)
def test_a_request_leaves_no_cycles(
    method: str, path: str, body: bytes, headers: list[tuple[bytes, bytes]], status: int
) -> None:
    app = _app()
    loop = asyncio.new_event_loop()
    try:
        assert loop.run_until_complete(_serve(app, method, path, body, headers)) == status
        assert garbage_after(lambda: loop.run_until_complete(_serve(app, method, path, body, headers)), 20) == 0
    finally:
        loop.close()
