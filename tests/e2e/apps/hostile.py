"""A typical Zephyr app to throw hostile input at, in-process and under a real uvicorn server.

It uses the features real apps use: path, query, header and cookie parameters, a dependency, JSON bodies with
models, forms and file uploads, response models, a streaming response, static files, WebSockets, and
``RequestLimitsMiddleware`` with small limits so that tests reach them cheaply.

Environment (read at import):
    ``HOSTILE_STATIC``: the directory served under ``/static`` (``$TMPDIR/zephyr-hostile-<uid>`` when unset).
    ``HOSTILE_LOG``: a file that receives every log record at WARNING and above (uvicorn's "Exception in ASGI
    application" included), so that a test can prove the server logged no unhandled exception.
"""

from __future__ import annotations

import asyncio
import logging
import os
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, Field

from zephyr import (
    Body,
    Cookie,
    Depends,
    FastAPI,
    File,
    Form,
    Header,
    HTTPException,
    Query,
    Request,
    UploadFile,
    WebSocket,
    WebSocketDisconnect,
)
from zephyr.middleware.limits import RequestLimitsMiddleware, limits
from zephyr.responses import PlainTextResponse, StreamingResponse
from zephyr.staticfiles import StaticFiles

__all__ = ("BODY_TIMEOUT", "LIMITS", "STATIC_DIR", "UPLOAD_LIMIT", "app", "make_app")

LIMITS: dict[str, int] = {
    "max_body_size": 64 * 1024,
    "max_json_depth": 32,
    "max_query_params": 50,
    "max_headers": 40,
    "max_form_fields": 20,
    "max_files": 3,
    "max_part_size": 8 * 1024,
}
"""The ``RequestLimitsMiddleware`` settings of the app."""

BODY_TIMEOUT = 1.0
"""Seconds without a body byte before ``RequestLimitsMiddleware`` answers 408 (slow-loris uploads)."""

UPLOAD_LIMIT = 4 * 1024 * 1024
"""``/upload`` lifts ``max_body_size`` to this, per route."""


def _static_dir() -> Path:
    configured = os.environ.get("HOSTILE_STATIC")
    # a fixed per-user directory by default: importing the module twice does not leave directories behind
    directory = Path(configured) if configured else Path(tempfile.gettempdir()) / f"zephyr-hostile-{os.getuid()}"
    (directory / "public").mkdir(parents=True, exist_ok=True)
    (directory / "public" / "hello.txt").write_text("hello, static\n")
    (directory / "secret.txt").write_text("outside the served directory\n")
    link = directory / "public" / "link.txt"  # a symlink out of the served directory: never followed
    if not link.is_symlink():
        link.symlink_to(directory / "secret.txt")
    return directory


STATIC_DIR = _static_dir()
"""Holds ``public/`` (served under ``/static``) and ``secret.txt`` beside it (must never be served)."""


def _log_to_file() -> None:
    path = os.environ.get("HOSTILE_LOG")
    if not path:
        return
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setLevel(logging.WARNING)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    # uvicorn's loggers do not propagate to the root logger when it configures logging; attach to each.
    for name in ("", "uvicorn", "uvicorn.error", "uvicorn.asgi", "asyncio", "zephyr"):
        logging.getLogger(name).addHandler(handler)


class Item(BaseModel):
    name: str = Field(min_length=1, max_length=50)
    price: float = Field(ge=0)
    tags: list[str] = []
    attributes: dict[str, int] = {}


class ItemOut(BaseModel):
    id: int
    name: str
    price: float


class Page(BaseModel):
    limit: int
    offset: int
    token: str | None


def paging(
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
    offset: Annotated[int, Query(ge=0)] = 0,
    x_token: Annotated[str | None, Header()] = None,
) -> Page:
    return Page(limit=limit, offset=offset, token=x_token)


def make_app() -> FastAPI:
    """Build the app (a fresh one per call, so that tests can run several)."""
    application = FastAPI(title="hostile")
    application.add_middleware(RequestLimitsMiddleware, **LIMITS, body_timeout=BODY_TIMEOUT)
    application.mount("/static", StaticFiles(directory=STATIC_DIR / "public"), name="static")

    @application.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @application.get("/items/{item_id}", response_model=ItemOut)
    async def read_item(
        item_id: int,
        page: Annotated[Page, Depends(paging)],
        q: str | None = None,
        session: Annotated[str | None, Cookie()] = None,
    ) -> Any:
        if item_id == 404:
            raise HTTPException(status_code=404, detail=f"Item {item_id} not found.")
        # the extra key is filtered out by the response model
        return {"id": item_id, "name": q or "item", "price": 1.5, "secret": session, "page": page}

    @application.get("/search")
    async def search(
        q: Annotated[list[str], Query(max_length=100)],
        ratio: float = 1.0,
        flag: bool = False,
        page: Annotated[Page, Depends(paging)] = None,  # type: ignore[assignment]
    ) -> dict[str, Any]:
        return {"q": q, "ratio": ratio, "flag": flag, "limit": page.limit}

    @application.post("/items", response_model=ItemOut, status_code=201)
    async def create_item(item: Item) -> Any:
        return {"id": 1, **item.model_dump()}

    @application.post("/items/{item_id}/note")
    async def add_note(
        item_id: int, note: Annotated[str, Body(embed=True, max_length=200)], priority: Annotated[int, Body()] = 0
    ) -> dict[str, Any]:
        return {"item_id": item_id, "note": note, "priority": priority}

    @application.post("/json")
    async def any_json(payload: Annotated[Any, Body()]) -> dict[str, str]:
        return {"type": type(payload).__name__}

    @application.post("/login")
    async def login(
        username: Annotated[str, Form(max_length=50)], password: Annotated[str, Form()], remember: bool = Form(False)
    ) -> dict[str, Any]:
        return {"username": username, "remember": remember}

    @application.post("/upload")
    @limits(max_body_size=UPLOAD_LIMIT)
    async def upload(file: Annotated[UploadFile, File()], description: Annotated[str, Form()] = "") -> dict[str, Any]:
        size = 0
        while chunk := await file.read(16 * 1024):
            size += len(chunk)
        return {"filename": file.filename, "size": size, "description": description}

    @application.post("/files")
    async def files(uploads: Annotated[list[UploadFile], File()]) -> dict[str, int]:
        return {"count": len(uploads)}

    @application.post("/raw")
    async def raw(request: Request) -> dict[str, int]:
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
        return {"size": size}

    @application.get("/stream")
    async def stream(chunks: Annotated[int, Query(ge=1, le=10_000)] = 100) -> StreamingResponse:
        async def body() -> AsyncIterator[bytes]:
            for number in range(chunks):
                yield b"%06d " % number + b"x" * 1000 + b"\n"
                await asyncio.sleep(0)

        return StreamingResponse(body(), media_type="text/plain")

    @application.get("/text", response_class=PlainTextResponse)
    async def text(value: str = "") -> str:
        return value

    @application.websocket("/ws")
    async def websocket_echo(websocket: WebSocket) -> None:
        await websocket.accept()
        try:
            while True:
                message = await websocket.receive_json()
                await websocket.send_json({"echo": message})
        except WebSocketDisconnect:
            return
        except ValueError:  # not JSON (or not UTF-8): say so and close, as a careful app does
            await websocket.close(code=1003, reason="Send JSON text frames.")

    @application.websocket("/ws/rooms/{room}")
    async def websocket_room(websocket: WebSocket, room: int, token: Annotated[str, Query(min_length=1)]) -> None:
        await websocket.accept()
        await websocket.send_json({"room": room, "token": token})
        await websocket.close()

    return application


_log_to_file()
app = make_app()
