"""Calling endpoints and dependencies: async on the loop, sync in a worker thread, generators as exit-stack entries."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable, Generator
from contextlib import AsyncExitStack
from types import TracebackType
from typing import Any

# ``anyio.to_thread`` is not imported here: anyio loads it on first use (older anyio, with the package itself).
import anyio

from zephyr._compile.plan import Step
from zephyr.concurrency import run_in_threadpool
from zephyr.exceptions import FastAPIError

__all__ = ("ResponseNotAwaitedError", "call_step", "run_sync")


def _name(gen: Any) -> str:
    code = getattr(gen, "ag_code", None) or getattr(gen, "gi_code", None)
    return str(getattr(code, "co_name", gen))


class AsyncGenContext:
    """Enter an async generator dependency; on exit, resume it or throw the error into it (never swallowing it)."""

    __slots__ = ("gen",)

    def __init__(self, gen: AsyncGenerator[Any, None]) -> None:
        self.gen = gen

    async def __aenter__(self) -> Any:
        return await self.gen.__anext__()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> bool:
        if exc is None:
            try:
                await self.gen.__anext__()
            except StopAsyncIteration:
                return False
            raise RuntimeError(f"The dependency {_name(self.gen)!r} yielded more than once; yield exactly once.")
        try:
            await self.gen.athrow(exc)
        except StopAsyncIteration:
            raise _swallowed(self.gen, exc) from exc
        except BaseException as raised:
            if raised is exc:
                return False
            raise
        raise RuntimeError(f"The dependency {_name(self.gen)!r} did not stop after an exception was thrown in.")


class ResponseNotAwaitedError(FastAPIError):
    """A yield dependency swallowed the request's error (see :func:`_swallowed`)."""


def _swallowed(gen: Any, exc: BaseException) -> FastAPIError:
    """The error for a yield dependency that caught the request's error and did not raise it again.

    There is no response then: FastAPI raises its "Response not awaited" error (answered 500).
    """
    # FastAPI's own sentence comes first (its tests match it); then what exactly happened here.
    return ResponseNotAwaitedError(
        "Response not awaited. There's a high chance that the application code is raising an exception and a "
        "dependency with yield has a block with a bare except, or a block with except Exception, and is not raising "
        f"the exception again. Here the dependency {_name(gen)!r} caught {type(exc).__name__}: re-raise it (or raise "
        "an HTTPException) at the end of that block. Read more about it in the docs: "
        "https://fastapi.tiangolo.com/tutorial/dependencies/dependencies-with-yield/#dependencies-with-yield-and-except"
    )


def _next(gen: Generator[Any, None, None]) -> Any:
    return next(gen)


def _resume(gen: Generator[Any, None, None]) -> bool:
    try:
        next(gen)
    except StopIteration:
        return True
    return False


def _throw(gen: Generator[Any, None, None], exc: BaseException) -> None:
    try:
        gen.throw(exc)
    except StopIteration:
        raise _swallowed(gen, exc) from exc
    raise RuntimeError(f"The dependency {_name(gen)!r} did not stop after an exception was thrown in.")


class SyncGenContext:
    """Enter a sync generator dependency in a worker thread, and exit it there too."""

    __slots__ = ("gen",)

    def __init__(self, gen: Generator[Any, None, None]) -> None:
        self.gen = gen

    async def __aenter__(self) -> Any:
        return await anyio.to_thread.run_sync(_next, self.gen)

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> bool:
        if exc is None:
            if not await anyio.to_thread.run_sync(_resume, self.gen):
                raise RuntimeError(f"The dependency {_name(self.gen)!r} yielded more than once.")
            return False
        try:
            await anyio.to_thread.run_sync(_throw, self.gen, exc)
        except BaseException as raised:
            if raised is exc:
                return False
            raise
        return False


async def call_step(
    step: Step, kwargs: dict[str, Any], stack: AsyncExitStack | None, early: AsyncExitStack | None
) -> Any:
    """Call one dependency (or the endpoint) with its keyword arguments."""
    call = step.call
    if step.direct:
        return call(**kwargs)
    if step.is_async_gen:
        target = early if step.exit_early and early is not None else stack
        assert target is not None  # noqa: S101 - the plan creates a stack whenever a generator dependency exists
        return await target.enter_async_context(AsyncGenContext(call(**kwargs)))
    if step.is_gen:
        target = early if step.exit_early and early is not None else stack
        assert target is not None  # noqa: S101 - as above
        gen = call(**kwargs)  # creating a generator runs none of its code
        return await target.enter_async_context(SyncGenContext(gen))
    if step.is_coroutine:
        return await call(**kwargs)
    return await run_sync(call, kwargs)


async def run_sync(call: Callable[..., Any], kwargs: dict[str, Any]) -> Any:
    return await run_in_threadpool(call, **kwargs)
