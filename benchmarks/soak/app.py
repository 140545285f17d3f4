"""The app the soak run serves: JSON, validation errors, uploads, a WebSocket echo and a short SSE stream."""

from __future__ import annotations

from collections.abc import AsyncIterator

from pydantic import BaseModel

from zephyr import FastAPI, UploadFile, WebSocket, WebSocketDisconnect
from zephyr.sse import EventSourceResponse, ServerSentEvent

__all__ = ("app",)

app = FastAPI()


class Item(BaseModel):
    """A small JSON body."""

    name: str
    price: float


@app.get("/items/{item_id}")
async def read_item(item_id: int, q: str | None = None) -> dict[str, object]:
    """A path and a query parameter."""
    return {"item_id": item_id, "q": q}


@app.post("/items")
async def create_item(item: Item) -> Item:
    """A validated JSON body (invalid ones get 422, malformed ones 400/422)."""
    return item


@app.post("/upload")
async def upload(file: UploadFile) -> dict[str, int]:
    """A multipart upload, read whole."""
    return {"size": len(await file.read())}


@app.get("/events", response_class=EventSourceResponse)
async def events() -> AsyncIterator[ServerSentEvent]:
    """Five server-sent events."""
    for number in range(5):
        yield ServerSentEvent(data={"n": number}, event="tick")


@app.websocket("/ws")
async def echo(websocket: WebSocket) -> None:
    """Echo text messages until the client leaves."""
    await websocket.accept()
    try:
        while True:
            await websocket.send_text(await websocket.receive_text())
    except WebSocketDisconnect:
        pass
