"""Run blocking code from async code without blocking the event loop.

Sync endpoints, dependencies, background tasks and iterators handed to a streaming response all go through these
helpers, which run the blocking part in AnyIO's worker thread pool (40 threads by default; change it with
``anyio.to_thread.current_default_thread_limiter().total_tokens = n``).

Example:
    ```python
    from zephyr.concurrency import run_in_threadpool


    async def handler() -> bytes:
        return await run_in_threadpool(read_blob, "avatar.png", mode="rb")
    ```
"""

from __future__ import annotations

import inspect
import sys
import warnings
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Iterable
from contextlib import AbstractContextManager, asynccontextmanager
from functools import partial
from typing import Any, ParamSpec, TypeVar, cast

# ``anyio.to_thread`` is not imported here: anyio loads it on first use (older anyio, with the package itself).
import anyio

from zephyr.exceptions import FastAPIDeprecationWarning


def _iscoroutinefunction(obj: Any) -> bool:
    if inspect.iscoroutinefunction(obj):
        return True
    # Before 3.13, asyncio's version also recognises callables marked with ``asyncio.coroutines._is_coroutine``
    # (AsyncMock). Such a marker exists only once asyncio is imported, so importing Zephyr need not import asyncio.
    asyncio = sys.modules.get("asyncio")
    return sys.version_info < (3, 13) and asyncio is not None and bool(asyncio.iscoroutinefunction(obj))


__all__ = (
    "asynccontextmanager",
    "contextmanager_in_threadpool",
    "is_async_callable",
    "iterate_in_threadpool",
    "run_in_threadpool",
    "run_until_first_complete",
)

_P = ParamSpec("_P")
_T = TypeVar("_T")

_DONE: Any = object()
"""Returned by ``next(iterator, _DONE)`` when the iterator is exhausted; ``StopIteration`` cannot cross threads."""


def is_async_callable(obj: Any) -> bool:
    """Tell whether calling ``obj`` returns an awaitable coroutine.

    Looks through ``functools.partial`` layers and at the ``__call__`` of callable instances.

    Args:
        obj: Any callable.

    Returns:
        ``True`` for ``async def`` functions, partials of them and instances whose ``__call__`` is ``async def``.
    """
    while isinstance(obj, partial):
        obj = obj.func
    # The bound ``__call__`` itself is inspected, so ``callable()`` cannot replace this lookup.
    return _iscoroutinefunction(obj) or (callable(obj) and _iscoroutinefunction(getattr(obj, "__call__", None)))  # noqa: B004


async def run_in_threadpool(func: Callable[_P, _T], *args: _P.args, **kwargs: _P.kwargs) -> _T:
    """Call a blocking function in a worker thread and await its result.

    Args:
        func: The function to call.
        *args: Positional arguments for ``func``.
        **kwargs: Keyword arguments for ``func``.

    Returns:
        What ``func`` returned.
    """
    raised: list[BaseException] = []
    result = await anyio.to_thread.run_sync(_call_catching, partial(func, *args, **kwargs), raised)
    if raised:
        # Raised from the list, never from a local: the error's traceback holds this frame, and a local holding the
        # error would make a cycle that only the garbage collector frees.
        raise raised.pop()
    return cast("_T", result)


def _call_catching(call: Callable[[], _T], raised: list[BaseException]) -> _T | None:
    """Run in the worker thread: return the result, or hand the error back without letting it through anyio.

    An exception that travels through anyio's worker keeps the worker's frames in its traceback, a reference cycle per
    failed call (a ``def`` dependency raising ``HTTPException(401)``, say); caught here, its traceback starts here.
    """
    try:
        return call()
    except BaseException as exc:
        raised.append(exc)
        return None


async def iterate_in_threadpool(iterator: Iterable[_T]) -> AsyncIterator[_T]:
    """Iterate a blocking iterable, fetching each item in a worker thread.

    Args:
        iterator: Any iterable, such as a generator that reads from a file or a database cursor.

    Yields:
        The items of ``iterator``, in order.
    """
    as_iterator = iter(iterator)
    while True:
        item = await run_in_threadpool(next, as_iterator, _DONE)
        if item is _DONE:
            return
        yield item


@asynccontextmanager
async def contextmanager_in_threadpool(cm: AbstractContextManager[_T]) -> AsyncGenerator[_T, None]:
    """Enter and exit a blocking context manager in worker threads.

    ``__exit__`` runs under its own one-thread limiter and shielded from cancellation: a context manager with an
    internal pool (a database connection pool, say) must be able to release its resource even when every worker
    thread is busy waiting for that pool, or the two would deadlock. ``__exit__`` runs only if ``__enter__``
    succeeded, and an exception it suppresses (by returning true) is not re-raised.

    Args:
        cm: The context manager, such as the generator-based one a sync ``yield`` dependency becomes.

    Yields:
        What ``cm.__enter__()`` returned.
    """
    exit_limiter = anyio.CapacityLimiter(1)
    value = await run_in_threadpool(cm.__enter__)
    try:
        yield value
    except BaseException as exc:
        with anyio.CancelScope(shield=True):
            suppressed = await anyio.to_thread.run_sync(
                cm.__exit__, type(exc), exc, exc.__traceback__, limiter=exit_limiter
            )
        if not suppressed:
            raise
    else:
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(cm.__exit__, None, None, None, limiter=exit_limiter)


async def run_until_first_complete(*args: tuple[Callable[..., Awaitable[Any]], dict[str, Any]]) -> None:
    """Run coroutine functions concurrently and cancel the rest when the first one returns.

    Deprecated, as in Starlette: open an ``anyio`` task group and cancel its scope yourself.

    Args:
        *args: ``(func, kwargs)`` pairs; each ``func(**kwargs)`` is awaited in its own task.
    """
    warnings.warn(
        "run_until_first_complete is deprecated: use an anyio task group and call task_group.cancel_scope.cancel() "
        "when the first task finishes.",
        FastAPIDeprecationWarning,
        stacklevel=2,
    )
    async with anyio.create_task_group() as task_group:

        async def run(func: Callable[[], Awaitable[Any]]) -> None:
            await func()
            task_group.cancel_scope.cancel()

        for func, kwargs in args:
            task_group.start_soon(run, partial(func, **kwargs))
