"""The sending side of streamed responses: disconnect watching, sync iterators in threads, denial responses."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from typing import Any, TypeVar

# ``anyio.to_thread`` is not imported here: anyio loads it on first use (older anyio, with the package itself).
import anyio

from zephyr.types import Message, Receive, Scope, Send

__all__ = ("BODY", "START", "cancel_on_disconnect", "iterate_sync", "spec_version", "websocket_denial")

START = "http.response.start"
BODY = "http.response.body"

_T = TypeVar("_T")


def websocket_denial(send: Send) -> Send:
    """Wrap ``send`` so that a response can deny a WebSocket handshake (the ASGI denial-response extension)."""

    async def wrapped(message: Message) -> None:
        message_type = message["type"]
        if message_type in (START, BODY):
            message = {**message, "type": "websocket." + message_type}
        await send(message)

    return wrapped


_DONE: Any = object()


async def iterate_sync(iterable: Iterable[_T]) -> AsyncIterator[_T]:
    """Iterate in worker threads; if stopped early, close the sync iterator (running a generator's ``finally``)."""
    iterator = iter(iterable)
    finished = False
    try:
        while True:
            chunk = await anyio.to_thread.run_sync(next, iterator, _DONE)
            if chunk is _DONE:
                finished = True
                return
            yield chunk
    finally:
        close = getattr(iterator, "close", None)
        if not finished and close is not None:
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(close)


def spec_version(scope: Scope) -> tuple[int, ...]:
    asgi = scope.get("asgi")
    version = asgi.get("spec_version", "2.0") if asgi else "2.0"
    return tuple(int(part) for part in version.split("."))


async def _watch_disconnect(receive: Receive, cancel_scope: anyio.CancelScope) -> None:
    while True:
        try:
            message = await receive()
        except Exception:  # a body over max_body_size, say: the response (a 413) says what went wrong
            return
        if message["type"] == "http.disconnect":
            cancel_scope.cancel()
            return


async def cancel_on_disconnect(func: Callable[[], Awaitable[None]], receive: Receive) -> None:
    """Run ``func`` and cancel it if the client disconnects first (for servers before ASGI spec 2.4)."""
    failure: Exception | None = None
    async with anyio.create_task_group() as task_group:
        task_group.start_soon(_watch_disconnect, receive, task_group.cancel_scope)
        try:
            await func()
        except Exception as exc:
            # Re-raised below as itself, not wrapped in an ExceptionGroup.
            failure = exc
        task_group.cancel_scope.cancel()
    if failure is not None:
        raise failure
