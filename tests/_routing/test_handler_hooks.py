"""Replacing ``zephyr.routing.solve_dependencies`` / ``run_endpoint_function`` (logfire does) routes every request
through them, FastAPI's way; the runner still makes the response."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import BaseModel

from zephyr import BackgroundTasks, Depends, FastAPI, Response, WebSocket, WebSocketDisconnect, routing
from zephyr.testclient import TestClient


class Out(BaseModel):
    n: int


def test_replaced_hooks_see_every_request_and_the_response_is_unchanged(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[Any] = []
    closed: list[str] = []
    ran: list[int] = []
    original_solve = routing.solve_dependencies
    original_run = routing.run_endpoint_function

    async def solve(**kwargs: Any) -> Any:
        solved = await original_solve(**kwargs)
        seen.append(("solve", kwargs["dependant"].call.__name__, dict(solved.values), len(solved.errors)))
        return solved

    async def run(*, dependant: Any, values: dict[str, Any], is_coroutine: bool) -> Any:
        seen.append(("run", dependant.call.__name__, is_coroutine))
        return await original_run(dependant=dependant, values=values, is_coroutine=is_coroutine)

    def resource(response: Response) -> Iterator[str]:
        response.headers["x-resource"] = "open"
        yield "db"
        closed.append("db")

    app = FastAPI()

    @app.get("/items/{n}", response_model=Out, status_code=201)
    def item(n: int, tasks: BackgroundTasks, db: str = Depends(resource)) -> Any:
        tasks.add_task(ran.append, n)
        return {"n": n, "secret": db}

    monkeypatch.setattr(routing, "solve_dependencies", solve)
    monkeypatch.setattr(routing, "run_endpoint_function", run)
    with TestClient(app) as client:
        ok = client.get("/items/4")
        bad = client.get("/items/x")
    assert (ok.status_code, ok.json(), ok.headers["x-resource"]) == (201, {"n": 4}, "open")
    assert ran == [4] and closed == ["db"]
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["path", "n"]
    assert [s[:2] for s in seen] == [("solve", "item"), ("run", "item"), ("solve", "item")]
    assert seen[0][2]["n"] == 4 and seen[0][2]["db"] == "db" and seen[0][3] == 0
    assert seen[1][2] is False and seen[2][3] == 1


def test_untouched_hooks_keep_the_direct_runner() -> None:
    from zephyr._routing.handler import REQUEST_HANDLER

    app = FastAPI()

    @app.get("/")
    def root() -> int:
        return 1

    assert REQUEST_HANDLER.hooked is False
    with TestClient(app) as client:
        assert client.get("/").json() == 1
    route = next(r for r in app.routes if getattr(r, "path", None) == "/")
    assert type(route.app).__name__ == "HTTPRunner"  # type: ignore[attr-defined]


@pytest.mark.anyio
async def test_serialize_response_validates_and_dumps_as_fastapis() -> None:
    # ddtrace wraps fastapi.routing.serialize_response: it must exist with FastAPI's keywords.
    from datetime import date

    from pydantic import TypeAdapter

    from zephyr.exceptions import ResponseValidationError

    field = TypeAdapter(Out)
    assert await routing.serialize_response(field=field, response_content={"n": 1, "secret": 2}) == {"n": 1}
    assert await routing.serialize_response(field=field, response_content=Out(n=2), dump_json=True) == b'{"n":2}'
    assert await routing.serialize_response(response_content={"d": date(2026, 12, 7)}) == {"d": "2026-12-07"}
    with pytest.raises(ResponseValidationError):
        await routing.serialize_response(field=field, response_content={"n": "x"})


def test_a_replaced_solve_dependencies_sees_websocket_sessions(monkeypatch: pytest.MonkeyPatch) -> None:
    """FastAPI's ``get_websocket_app`` solves through ``fastapi.routing.solve_dependencies``: Logfire's wrapper sees
    WebSocket sessions too, with the ``WebSocket`` as ``request`` and the endpoint's ``websocket`` argument filled."""
    seen: list[Any] = []
    original_solve = routing.solve_dependencies

    async def solve(**kwargs: Any) -> Any:
        solved = await original_solve(**kwargs)
        seen.append((type(kwargs["request"]).__name__, sorted(solved.values), len(solved.errors)))
        return solved

    def room_name(room: int) -> str:
        return f"room-{room}"

    app = FastAPI()

    @app.websocket("/ws/{room}")
    async def chat(websocket: WebSocket, name: str = Depends(room_name)) -> None:
        await websocket.accept()
        await websocket.send_text(name)
        await websocket.close()

    monkeypatch.setattr(routing, "solve_dependencies", solve)
    client = TestClient(app)
    with client.websocket_connect("/ws/3") as ws:
        assert ws.receive_text() == "room-3"
    with pytest.raises(WebSocketDisconnect) as refused, client.websocket_connect("/ws/x"):
        pass  # pragma: no cover - refused before it opens
    assert refused.value.code == 1008
    assert seen == [("WebSocket", ["name", "websocket"], 0), ("WebSocket", [], 1)]


@pytest.mark.anyio
async def test_get_websocket_app_runs_the_dependant_for_one_session() -> None:
    import dataclasses

    from zephyr._compile.dependant import build_dependant
    from zephyr.exceptions import WebSocketRequestValidationError

    sent: list[Any] = []

    async def endpoint(websocket: WebSocket, n: int) -> None:
        await websocket.accept()
        await websocket.send_text(str(n * 2))

    async def receive() -> Any:
        return {"type": "websocket.connect"}

    async def send(message: Any) -> None:
        sent.append(message)

    app = routing.get_websocket_app(build_dependant(endpoint, path="/ws"))

    def session(query: bytes) -> WebSocket:
        scope = {"type": "websocket", "path": "/ws", "query_string": query, "headers": [], "path_params": {}}
        return WebSocket(scope, receive, send)

    await app(session(b"n=21"))
    assert [m["type"] for m in sent] == ["websocket.accept", "websocket.send"] and sent[1]["text"] == "42"
    with pytest.raises(WebSocketRequestValidationError):
        await app(session(b"n=x"))
    with pytest.raises(TypeError, match="call=None"):
        routing.get_websocket_app(dataclasses.replace(build_dependant(endpoint, path="/ws"), call=None))
