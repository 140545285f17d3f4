"""A streaming app for end-to-end tests: each generator writes a marker file when it is closed.

``MARKER_DIR`` (environment) is where markers go; ``SSE_PING_INTERVAL`` sets the SSE keep-alive interval.
A marker ``<name>-<id>`` holds ``done`` (ran to the end) or ``closed`` (stopped early, e.g. client gone).
Generators wait for a ``go-<id>`` file where the test must prove a chunk arrived before the next one exists.
"""

from __future__ import annotations

import os
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import anyio

import zephyr.sse
from zephyr import FastAPI, Request
from zephyr.responses import PlainTextResponse, StreamingResponse
from zephyr.sse import EventSourceResponse, ServerSentEvent

MARKERS = Path(os.environ.get("MARKER_DIR", "."))
zephyr.sse._PING_INTERVAL = float(os.environ.get("SSE_PING_INTERVAL", "15"))
LIMIT = 2000  # every generator stops by itself after this many items (about 20 s at 10 ms each)

app = FastAPI()


def mark(name: str, ident: str, state: str) -> None:
    """Write marker ``<name>-<id>`` in one step: the test, polling, never sees it existing but still empty."""
    partial = MARKERS / f".{name}-{ident}.partial"
    partial.write_text(state)
    os.replace(partial, MARKERS / f"{name}-{ident}")


async def wait_for_go(ident: str) -> None:
    """Wait (bounded) until the test creates ``go-<id>``: it has received what came before."""
    deadline = time.monotonic() + 10
    while not (MARKERS / f"go-{ident}").exists() and time.monotonic() < deadline:
        await anyio.sleep(0.01)


@app.get("/stream")
async def stream(id: str) -> StreamingResponse:
    async def chunks() -> AsyncIterator[bytes]:
        state = "closed"
        try:
            yield b"first\n"
            await wait_for_go(id)
            for number in range(LIMIT):
                yield b"chunk %d\n" % number
                await anyio.sleep(0.01)
            state = "done"
        finally:
            mark("stream", id, state)

    return StreamingResponse(chunks(), media_type="text/plain")


@app.get("/sse", response_class=EventSourceResponse)
async def sse(id: str) -> AsyncIterator[ServerSentEvent]:
    state = "closed"
    try:
        yield ServerSentEvent(data="first", id="0")
        await wait_for_go(id)
        for number in range(1, LIMIT):
            yield ServerSentEvent(data={"n": number}, id=str(number))
            await anyio.sleep(0.01)
        state = "done"
    finally:
        mark("sse", id, state)


@app.get("/sse-sync", response_class=EventSourceResponse)
def sse_sync(id: str) -> Iterator[int]:
    state = "closed"
    try:
        for number in range(LIMIT):
            yield number
            time.sleep(0.01)
        state = "done"
    finally:
        mark("sse-sync", id, state)


@app.get("/sse-idle", response_class=EventSourceResponse)
async def sse_idle(id: str) -> AsyncIterator[str]:
    state = "closed"
    try:
        yield "hello"
        await anyio.sleep(30)
        state = "done"
    finally:
        mark("sse-idle", id, state)


@app.get("/jsonl")
async def jsonl(id: str) -> AsyncIterator[dict[str, int]]:
    state = "closed"
    try:
        for number in range(LIMIT):
            yield {"n": number}
            await anyio.sleep(0.01)
        state = "done"
    finally:
        mark("jsonl", id, state)


@app.get("/watch")
async def watch(request: Request, id: str) -> PlainTextResponse:
    """Wait (bounded) for the client to go away, checking ``request.is_disconnected()``."""
    mark("watch-started", id, "yes")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if await request.is_disconnected():
            mark("watch", id, "disconnected")
            return PlainTextResponse("gone")
        await anyio.sleep(0.01)
    mark("watch", id, "timeout")
    return PlainTextResponse("still here")
