"""Generator dependencies as async context managers: entered before the endpoint, exited after the response.

An async generator is resumed on the loop; a sync one in a worker thread, entered and exited there. The error a
request raised is thrown into the generator, which must not swallow it (see :class:`ResponseNotAwaitedError`).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Generator
from contextlib import AsyncExitStack
from types import TracebackType
from typing import Any

# ``anyio.to_thread`` is not imported here: anyio loads it on first use (older anyio, with the package itself).
import anyio

from zephyr.exceptions import FastAPIError

__all__ = ("AsyncGenContext", "ResponseNotAwaitedError", "SyncGenContext", "cleanup_scope")


def _name(gen: Any) -> str:
    code = getattr(gen, "ag_code", None) or getattr(gen, "gi_code", None)
    return str(getattr(code, "co_name", gen))


def cleanup_scope(stack: AsyncExitStack) -> anyio.CancelScope:
    """The request's clean-up scope: one cancel scope per exit stack, entered before its first async generator.

    Entered on the request's (outer) stack, it encloses every cancel scope or task group an async generator
    dependency opens, so shielding it while a generator exits keeps those scopes' exits in LIFO order.
    """
    scope: anyio.CancelScope | None = stack.__dict__.get("_zephyr_cleanup_scope")
    if scope is None:
        scope = stack.enter_context(anyio.CancelScope())
        stack.__dict__["_zephyr_cleanup_scope"] = scope
        stack.callback(stack.__dict__.pop, "_zephyr_cleanup_scope", None)
    return scope


class AsyncGenContext:
    """Enter an async generator dependency; on exit, resume it or throw the error into it (never swallowing it).

    With a clean-up scope (:func:`cleanup_scope`), the exit runs shielded: a cancelled request (client gone, outer
    timeout) waits for the generator's clean-up to finish, while the generator's own scopes still apply inside it.
    """

    __slots__ = ("cleanup", "gen")

    def __init__(self, gen: AsyncGenerator[Any, None], cleanup: anyio.CancelScope | None = None) -> None:
        self.gen = gen
        self.cleanup = cleanup

    async def __aenter__(self) -> Any:
        return await self.gen.__anext__()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> bool:
        cleanup = self.cleanup
        if cleanup is None:
            return await self._exit(exc)
        was_shielded = cleanup.shield
        cleanup.shield = True
        try:
            swallowed = await self._exit(exc)
        finally:
            cleanup.shield = was_shielded
        if exc is None or swallowed:
            # A task group the generator owned may have absorbed a cancellation delivered while shielded: deliver
            # it. With an error passing through, that error stays the one raised (its context keeps the cancel).
            # Imported here: anyio.lowlevel brings the exceptiongroup backport, and with it traceback, on Python 3.10.
            from anyio.lowlevel import checkpoint_if_cancelled

            await checkpoint_if_cancelled()
        return swallowed

    async def _exit(self, exc: BaseException | None) -> bool:
        if exc is None:
            try:
                await self.gen.__anext__()
            except StopAsyncIteration:
                return False
            raise RuntimeError(f"The dependency {_name(self.gen)!r} yielded more than once; yield exactly once.")
        try:
            await self.gen.athrow(exc)
        except StopAsyncIteration:
            if isinstance(exc, anyio.get_cancelled_exc_class()):
                # A cancel scope or task group the generator owns absorbed the cancellation (trio's Cancelled is
                # caught by any cancelled scope): not an error of the dependency's; a cancel still pending is
                # delivered again by the checkpoint after the shielded exit.
                return True
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
    """Enter a sync generator dependency in a worker thread, and exit it there too (shielded from cancellation)."""

    __slots__ = ("gen",)

    def __init__(self, gen: Generator[Any, None, None]) -> None:
        self.gen = gen

    async def __aenter__(self) -> Any:
        return await anyio.to_thread.run_sync(_next, self.gen)

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> bool:
        # Shielded like the async clean-up: a cancelled request waits for the thread to finish the generator.
        with anyio.CancelScope(shield=True):
            swallowed = await self._exit(exc)
        return swallowed  # noqa: RET504 - returned after the scope: mypy counts a CancelScope as able to swallow

    async def _exit(self, exc: BaseException | None) -> bool:
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
