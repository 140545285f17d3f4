"""Streaming endpoints: JSON Lines as FastAPI writes them, and HEAD without running the generator."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Iterator
from typing import Any

import fastapi
import fastapi.testclient

import zephyr
import zephyr.responses
import zephyr.testclient


def _jsonl_app(framework: Any) -> Any:
    app = framework.FastAPI()

    @app.get("/lines")
    async def lines() -> AsyncIterator[dict[str, Any]]:
        yield {"a": 1, "é": "ü"}
        yield {"nan": float("nan"), "list": [1.5, None]}

    @app.get("/sync-lines")
    def sync_lines() -> Iterator[dict[str, int]]:
        yield from ({"i": i} for i in range(3))

    return app


def test_json_lines_are_byte_identical_to_fastapi() -> None:
    ours = zephyr.testclient.TestClient(_jsonl_app(zephyr))
    theirs = fastapi.testclient.TestClient(_jsonl_app(fastapi))
    for path in ("/lines", "/sync-lines"):
        mine, reference = ours.get(path), theirs.get(path)
        assert mine.status_code == reference.status_code == 200
        assert mine.content == reference.content
        assert mine.headers["content-type"] == reference.headers["content-type"]


def test_head_on_an_endless_stream_sends_headers_without_running_it() -> None:
    app = zephyr.FastAPI()
    started = []

    @app.get("/forever")
    async def forever() -> AsyncIterator[dict[str, int]]:
        started.append(True)
        for i in itertools.count():
            yield {"i": i}

    @app.get("/bytes", response_class=zephyr.responses.StreamingResponse)
    async def raw() -> AsyncIterator[bytes]:
        started.append(True)
        while True:
            yield b"x"

    client = zephyr.testclient.TestClient(app)
    response = client.head("/forever")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/jsonl"
    assert "content-length" not in response.headers
    assert client.head("/bytes").status_code == 200
    assert started == []


def test_a_declared_head_route_answers_head_before_an_earlier_get_route() -> None:
    app = zephyr.FastAPI()

    @app.get("/items/{item_id}")
    def read(item_id: str) -> dict[str, str]:
        return {"item_id": item_id}

    @app.head("/items/{item_id}")
    def head(item_id: str) -> zephyr.responses.Response:
        return zephyr.responses.Response(headers={"x-item-id": item_id})

    @app.get("/only-get")
    def only_get() -> dict[str, str]:
        return {"a": "b"}

    with zephyr.testclient.TestClient(app) as client:
        assert client.head("/items/foo").headers["x-item-id"] == "foo"
        assert client.get("/items/foo").json() == {"item_id": "foo"}
        only = client.head("/only-get")
    assert only.status_code == 200
    assert only.content == b""
    assert only.headers["content-length"] == "9"  # {"a":"b"}, as GET sends it


def test_a_lone_coroutine_endpoint_is_awaited_without_call_steps(monkeypatch: Any) -> None:
    # The direct call (issue 14) must give the same answers, and call_steps must not run for it.
    app = zephyr.FastAPI()

    @app.get("/alone/{item_id}")
    async def alone(item_id: int, q: str | None = None) -> dict[str, Any]:
        return {"item_id": item_id, "q": q}

    @app.get("/sync/{item_id}")
    def sync(item_id: int) -> dict[str, Any]:
        return {"item_id": item_id}

    import zephyr._compile.execute as execute
    import zephyr._compile.solve as solve

    calls: list[Any] = []
    original = solve.call_steps

    async def counting(plan: Any, *args: Any) -> Any:
        calls.append(plan)
        return await original(plan, *args)

    monkeypatch.setattr(execute, "call_steps", counting)
    with zephyr.testclient.TestClient(app) as client:
        assert client.get("/alone/3?q=x").json() == {"item_id": 3, "q": "x"}
        assert client.get("/alone/x").status_code == 422
        assert calls == []
        assert client.get("/sync/4").json() == {"item_id": 4}
        assert len(calls) == 1
