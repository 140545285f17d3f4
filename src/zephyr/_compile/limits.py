"""``Depends(..., max_concurrency=n)``: wrap a dependency's call, at registration, so it runs under its limit.

The wrapper is built once per plan; a dependency without a limit is called as it is, so the limit costs nothing
where it is not used.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

from zephyr._compile.generators import AsyncGenContext, SyncGenContext
from zephyr.concurrency import run_in_threadpool

__all__ = ("Limited", "limited")

Limited = tuple[Callable[..., Any], bool, bool]
"""``(call, is_coroutine, is_async_gen)``: how the plan calls the wrapped dependency."""


def limited(
    call: Callable[..., Any], concurrency: Any, *, is_coroutine: bool, is_gen: bool, is_async_gen: bool
) -> Limited:
    """``call`` run under ``concurrency``'s semaphore; a ``yield`` dependency holds it until its exit code has run.

    Waiting for the semaphore happens on the event loop: a sync dependency takes a worker thread only once admitted.
    """
    if is_gen or is_async_gen:
        context = AsyncGenContext if is_async_gen else SyncGenContext

        async def limited_generator(**kwargs: Any) -> AsyncIterator[Any]:
            async with concurrency.semaphore(), context(call(**kwargs)) as value:
                yield value

        return limited_generator, False, True

    async def limited_call(**kwargs: Any) -> Any:
        async with concurrency.semaphore():
            if is_coroutine:
                return await call(**kwargs)
            return await run_in_threadpool(call, **kwargs)

    return limited_call, True, False
