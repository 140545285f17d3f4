"""WebSocket routes with parameters and dependencies behave as on FastAPI (1008 on invalid parameters)."""

from __future__ import annotations

from typing import Any

import fastapi.testclient
import pytest

import zephyr.testclient
from tests.compat.harness import build_pair

WS_APP = """
from typing import Annotated
from fastapi import Cookie, Depends, FastAPI, Query, WebSocket, WebSocketException, status, Response

app = FastAPI()

async def get_cookie_or_token(
    websocket: WebSocket,
    session: Annotated[str | None, Cookie()] = None,
    token: Annotated[str | None, Query()] = None,
):
    if session is None and token is None:
        raise WebSocketException(code=status.WS_1008_POLICY_VIOLATION)
    return session or token

@app.websocket("/items/{item_id}/ws")
async def websocket_endpoint(
    *,
    websocket: WebSocket,
    item_id: str,
    q: int | None = None,
    cookie_or_token: Annotated[str, Depends(get_cookie_or_token)],
):
    await websocket.accept()
    while True:
        data = await websocket.receive_text()
        await websocket.send_text(f"Session cookie or query token value is: {cookie_or_token}")
        if q is not None:
            await websocket.send_text(f"Query parameter q is: {q}")
        await websocket.send_text(f"Message text was: {data}, for item ID: {item_id}")

@app.websocket("/typed/{n}")
async def typed(websocket: WebSocket, n: int, flag: Annotated[bool, Query()]):
    await websocket.accept()
    await websocket.send_json({"n": n, "flag": flag})
    await websocket.close()

def with_response(response: Response):
    return "dep-with-response"

@app.websocket("/dep-response")
async def dep_response(websocket: WebSocket, value: Annotated[str, Depends(with_response)]):
    await websocket.accept()
    await websocket.send_text(value)
    await websocket.close()
"""


def _session(client: Any, path: str, script: list[str], receive: int, **kwargs: Any) -> list[Any]:
    found: list[Any] = []
    try:
        with client.websocket_connect(path, **kwargs) as websocket:
            for text in script:
                websocket.send_text(text)
            for _ in range(receive):
                found.append(websocket.receive())
    except Exception as exc:
        found.append((type(exc).__name__, getattr(exc, "code", None), getattr(exc, "reason", None)))
    return found


@pytest.mark.parametrize(
    ("path", "script", "receive", "kwargs"),
    [
        ("/items/foo/ws?token=t&q=3", ["hi"], 3, {}),
        ("/items/foo/ws", ["hi"], 2, {"headers": {"cookie": "session=s"}}),
        ("/items/foo/ws", [], 1, {}),
        ("/items/foo/ws?token=t&q=x", [], 1, {}),
        ("/typed/3?flag=yes", [], 2, {}),
        ("/typed/x", [], 1, {}),
        ("/dep-response", [], 2, {}),
        ("/nowhere", [], 1, {}),
    ],
)
def test_websocket_answers(path: str, script: list[str], receive: int, kwargs: dict[str, Any]) -> None:
    theirs, ours = build_pair(WS_APP)
    with fastapi.testclient.TestClient(theirs.app) as client:
        expected = _session(client, path, script, receive, **kwargs)
    with zephyr.testclient.TestClient(ours.app) as client:
        found = _session(client, path, script, receive, **kwargs)
    assert found == expected


ROUTER_WS_APP = """
from typing import Annotated
from fastapi import APIRouter, Depends, FastAPI, Header, WebSocket, WebSocketDisconnect, WebSocketException, status

app = FastAPI()
events = []

async def ws_dep(websocket: WebSocket, x_token: Annotated[str | None, Header()] = None):
    events.append("dep enter")
    yield x_token
    events.append("dep exit")

router = APIRouter(prefix="/r", dependencies=[Depends(ws_dep)])

@router.websocket("/echo/{name}")
async def echo(websocket: WebSocket, name: str, token: Annotated[str | None, Depends(ws_dep)]):
    await websocket.accept(subprotocol=websocket.scope["subprotocols"][0] if websocket.scope["subprotocols"] else None)
    try:
        while True:
            msg = await websocket.receive_json()
            if msg.get("close"):
                await websocket.close(code=4000, reason="bye")
                return
            await websocket.send_json({"name": name, "token": token, "echo": msg, "q": websocket.query_params.get("q")})
            await websocket.send_bytes(b"\\x00bin")
    except WebSocketDisconnect as exc:
        events.append(f"disconnect {exc.code}")

@router.websocket("/deny")
async def deny(websocket: WebSocket):
    raise WebSocketException(code=status.WS_1008_POLICY_VIOLATION, reason="nope")

@router.websocket("/error")
async def error(websocket: WebSocket):
    await websocket.accept()
    raise RuntimeError("ws boom")

app.include_router(router)

@app.get("/events")
def get_events():
    found = list(events)
    events.clear()
    return found
"""


def _script(client: Any) -> list[Any]:
    out = []
    with client.websocket_connect("/r/echo/bob?q=1", headers={"x-token": "t"}, subprotocols=["p1", "p2"]) as ws:
        out.append(ws.accepted_subprotocol)
        ws.send_json({"a": 1})
        out.append(ws.receive_json())
        out.append(ws.receive_bytes())
        ws.send_json({"close": True})
        out.append(ws.receive())
    out.append(client.get("/events").json())
    with client.websocket_connect("/r/echo/al") as ws:
        ws.send_json({"b": 2})
        out.append(ws.receive_json())
        out.append(ws.receive_bytes())
    out.append(client.get("/events").json())
    for path in ("/r/deny", "/r/error"):
        try:
            with client.websocket_connect(path) as ws:
                out.append(ws.receive())
        except Exception as exc:
            out.append((type(exc).__name__, getattr(exc, "code", None), getattr(exc, "reason", None), str(exc)[:80]))
    out.append(client.get("/events").json())
    return out


def test_websocket_routers_yield_dependencies_subprotocols_and_errors() -> None:
    theirs, ours = build_pair(ROUTER_WS_APP)
    with fastapi.testclient.TestClient(theirs.app) as client:
        expected = _script(client)
    with zephyr.testclient.TestClient(ours.app) as client:
        found = _script(client)
    assert found == expected


CONNECTION_KINDS_APP = """
from fastapi import FastAPI, Request, WebSocket

app = FastAPI()

@app.get("/both")
async def both(request: Request, *, websocket: WebSocket = None):
    return {"request": request.url.path, "websocket_left_out": websocket is None}

@app.get("/only-websocket")
async def only_websocket(websocket: WebSocket = None, q: int = 0):
    return {"websocket_left_out": websocket is None, "q": q}

@app.websocket("/ws")
async def ws(websocket: WebSocket, request: Request = None):
    await websocket.accept()
    await websocket.send_json({"request_left_out": request is None})
    await websocket.close()
"""


def test_a_connection_parameter_of_the_other_kind_is_left_out_of_the_call() -> None:
    """As FastAPI: an HTTP route gives a ``WebSocket`` parameter nothing, a WebSocket route a ``Request`` one (dishka's
    wrappers declare both)."""
    theirs, ours = build_pair(CONNECTION_KINDS_APP)
    results = []
    for module, client_class in ((theirs, fastapi.testclient.TestClient), (ours, zephyr.testclient.TestClient)):
        client = client_class(module.app)
        both = client.get("/both")
        only = client.get("/only-websocket?q=3")
        with client.websocket_connect("/ws") as websocket:
            sent = websocket.receive_json()
        results.append([(both.status_code, both.json()), (only.status_code, only.json()), sent])
    assert results[0] == results[1]
    assert results[1][0] == (200, {"request": "/both", "websocket_left_out": True})
