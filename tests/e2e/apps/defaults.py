"""An app on Zephyr's defaults (no limits configured) for the hostile-input battery of ``test_defaults_server.py``.

Environment (read at import):
    ``DEFAULTS_BODY_DEADLINE``: seconds for ``body_deadline`` (the one setting the battery shortens, so that a slow
    body is cut off in a test's time; unset: Zephyr's default).
    ``DEFAULTS_DEPTH_LIMIT``: when set, ``RequestLimitsMiddleware(max_json_depth=...)`` is added (the log-noise case
    of issue 12: a refused deep body read again by a disconnect watcher).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from typing import Annotated, Any

from pydantic import BaseModel

from zephyr import FastAPI, File, Request, UploadFile
from zephyr.responses import PlainTextResponse, Response, StreamingResponse

__all__ = ("app",)

_deadline = os.environ.get("DEFAULTS_BODY_DEADLINE")
app = FastAPI(body_deadline=float(_deadline)) if _deadline else FastAPI()
if os.environ.get("DEFAULTS_DEPTH_LIMIT"):
    from zephyr.middleware.limits import RequestLimitsMiddleware

    @app.middleware("http")
    async def passthrough(request: Request, call_next: Any) -> Response:
        """A function middleware: it streams the response while watching ``receive`` for the disconnect."""
        response: Response = await call_next(request)
        return response

    app.add_middleware(RequestLimitsMiddleware, max_json_depth=int(os.environ["DEFAULTS_DEPTH_LIMIT"]))


class Item(BaseModel):
    """A JSON body."""

    name: str
    tags: Any = None


@app.get("/health")
async def health() -> dict[str, str]:
    """The liveness probe the battery checks after each attack."""
    return {"status": "ok"}


@app.get("/")
async def root(request: Request) -> dict[str, Any]:
    """What the app saw of the request head."""
    return {"headers": len(request.headers.raw), "host": request.headers.getlist("host"), "q": request.url.query}


@app.post("/json")
async def json_body(item: Item) -> dict[str, str]:
    """A validated JSON body (read whole: capped at 10 MiB by default)."""
    return {"name": item.name}


@app.post("/raw")
async def raw(request: Request) -> dict[str, int]:
    """``await request.body()`` (read whole: capped)."""
    return {"size": len(await request.body())}


@app.post("/stream")
async def stream(request: Request) -> dict[str, int]:
    """``request.stream()`` (not capped by default)."""
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
    return {"size": size}


@app.post("/form")
async def form(request: Request) -> dict[str, int]:
    """Any form, url-encoded or multipart (default counts: 100 fields, 100 files)."""
    async with request.form() as data:
        return {"items": len(data.multi_items())}


@app.post("/upload")
async def upload(files: Annotated[list[UploadFile], File()]) -> dict[str, int]:
    """Uploaded files (spooled to disk past 1 MiB: not capped in size)."""
    total = 0
    for file in files:
        total += len(await file.read())
    return {"files": len(files), "size": total}


@app.get("/echo-header")
async def echo_header(value: str) -> Response:
    """Sets a client-chosen header value: CR/LF/NUL or non-Latin-1 must be refused where set."""
    return PlainTextResponse("ok", headers={"X-Echo": value})


@app.get("/download")
async def download(name: str) -> Response:
    """A download name with any characters: encoded as RFC 8187 allows."""
    return PlainTextResponse("data", headers={"Content-Disposition": f'attachment; filename="{name}"'})


@app.get("/sse")
async def sse() -> StreamingResponse:
    """A streaming response (watches for the disconnect on servers before ASGI 2.4)."""

    async def events() -> AsyncIterator[bytes]:
        for number in range(3):
            yield b"data: %d\n\n" % number

    return StreamingResponse(events(), media_type="text/event-stream")
