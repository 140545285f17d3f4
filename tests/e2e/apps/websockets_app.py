"""A Zephyr app with WebSocket routes, served by uvicorn in ``tests/e2e/test_websockets_server.py``."""

from __future__ import annotations

from typing import Any

from zephyr import FastAPI, WebSocket, WebSocketDisconnect
from zephyr.responses import JSONResponse

app = FastAPI()
events: list[Any] = []


@app.get("/events")
async def get_events() -> list[Any]:
    return events


@app.websocket("/echo")
async def echo(websocket: WebSocket) -> None:
    subprotocol = "chat" if "chat" in websocket.scope["subprotocols"] else None
    await websocket.accept(subprotocol=subprotocol, headers=[(b"x-room", b"lobby")])
    await websocket.send_json({"token": websocket.query_params.get("token"), "agent": websocket.headers.get("x-agent")})
    try:
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                events.append(["disconnect", message.get("code"), message.get("reason") or ""])
                return
            if message.get("text") is not None:
                await websocket.send_text("text:" + message["text"])
            else:
                await websocket.send_bytes(b"bytes:" + message["bytes"])
    except WebSocketDisconnect as exc:  # pragma: no cover - receive() returns the disconnect message instead
        events.append(["disconnect", exc.code, exc.reason])


@app.websocket("/json")
async def json_echo(websocket: WebSocket) -> None:
    await websocket.accept()
    async for data in websocket.iter_json():
        await websocket.send_json({"got": data})
    events.append(["json done"])


@app.websocket("/close")
async def close(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.close(code=4001, reason="bye")


@app.websocket("/reject")
async def reject(websocket: WebSocket) -> None:
    await websocket.close(code=1008)


@app.websocket("/deny")
async def deny(websocket: WebSocket) -> None:
    await websocket.send_denial_response(JSONResponse({"detail": "no entry"}, status_code=403))
