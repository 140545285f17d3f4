"""Lifespan plumbing: run start-up/shut-down handlers and lifespan context managers, and merge them."""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from typing import Any

from zephyr._heap import TEST_CLIENT_SCOPE_KEY, freeze_startup_heap
from zephyr.types import Receive, Scope, Send

__all__ = (
    "DefaultLifespan",
    "Lifespan",
    "call_handler",
    "handlers_lifespan",
    "merge_lifespans",
    "run_lifespan",
    "wrap_generator_lifespan",
)

Lifespan = Callable[[Any], contextlib.AbstractAsyncContextManager[Mapping[str, Any] | None]]


async def call_handler(handler: Callable[[], Any]) -> None:
    """Call a start-up or shut-down handler, awaiting what it returns when that is awaitable."""
    result = handler()
    if inspect.isawaitable(result):
        await result


class DefaultLifespan:
    """A router's start-up handlers on entry and shut-down handlers on exit (FastAPI's ``routing._DefaultLifespan``).

    Libraries that pass their own ``lifespan=`` enter it to keep ``on_startup``/``@app.on_event`` handlers running.

    Example:
        ```python
        async with DefaultLifespan(app.router):
            ...  # start-up handlers have run; shut-down handlers run on exit
        ```
    """

    __slots__ = ("_router",)

    def __init__(self, router: Any) -> None:
        self._router = router

    async def __aenter__(self) -> None:
        await self._router._startup()

    async def __aexit__(self, *exc_info: object) -> None:
        await self._router._shutdown()

    def __call__(self, app: object) -> DefaultLifespan:
        return self


def handlers_lifespan(on_startup: Sequence[Callable[[], Any]], on_shutdown: Sequence[Callable[[], Any]]) -> Lifespan:
    """A lifespan running ``on_startup`` then ``on_shutdown`` handlers (read when it runs, so late ones count)."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[None]:
        for handler in on_startup:
            await call_handler(handler)
        yield None
        for handler in on_shutdown:
            await call_handler(handler)

    return lifespan


def merge_lifespans(first: Lifespan, second: Lifespan) -> Lifespan:
    """Run ``first`` (the including router's) around ``second`` (the included one's); their states are merged.

    As in FastAPI, the including router's keys win over the included router's, and no state at all stays ``None``.
    """

    @contextlib.asynccontextmanager
    async def merged(app: Any) -> AsyncIterator[Mapping[str, Any] | None]:
        async with first(app) as state_a, second(app) as state_b:
            if state_a is None and state_b is None:
                yield None
            else:
                yield {**(state_b or {}), **(state_a or {})}

    return merged


def wrap_generator_lifespan(lifespan: Callable[..., Any]) -> Lifespan:
    """Accept a bare generator function as a lifespan, async or plain, as Starlette does.

    A plain generator runs on the event loop (its start-up and shut-down code is not sent to a thread), as in FastAPI.
    """
    if inspect.isasyncgenfunction(lifespan):
        return contextlib.asynccontextmanager(lifespan)
    if inspect.isgeneratorfunction(lifespan):
        sync_context = contextlib.contextmanager(lifespan)

        @contextlib.asynccontextmanager
        async def lifted(app: Any) -> AsyncIterator[Any]:
            with sync_context(app) as state:
                yield state

        return lifted
    return lifespan


async def run_lifespan(
    lifespan: Lifespan,
    app: Any,
    scope: Scope,
    receive: Receive,
    send: Send,
    prepare: Callable[[], None] | None = None,
) -> None:
    """Speak the ASGI lifespan protocol around ``lifespan(app)``.

    ``prepare`` runs once the start-up handlers have run (so routes they add count) and before the server is told
    the app is ready: an error it raises fails the start-up, as a configuration error should.
    """
    started = False
    await receive()
    try:
        async with lifespan(app) as state:
            if state is not None:
                if "state" not in scope:
                    raise RuntimeError('The server does not support "state" in the lifespan scope.')
                scope["state"].update(state)
            if prepare is not None:
                prepare()
            if TEST_CLIENT_SCOPE_KEY not in scope:
                freeze_startup_heap()  # started: the start-up heap leaves full collections (see zephyr._heap)
            await send({"type": "lifespan.startup.complete"})
            started = True
            await receive()
    except BaseException:
        import traceback

        message = traceback.format_exc()
        if started:
            await send({"type": "lifespan.shutdown.failed", "message": message})
        else:
            await send({"type": "lifespan.startup.failed", "message": message})
        raise
    await send({"type": "lifespan.shutdown.complete"})
