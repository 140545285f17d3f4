from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from functools import partial
from typing import Any

import anyio
import anyio.to_thread
import pytest

from zephyr import concurrency
from zephyr.concurrency import (
    contextmanager_in_threadpool,
    is_async_callable,
    iterate_in_threadpool,
    run_in_threadpool,
    run_until_first_complete,
)
from zephyr.exceptions import FastAPIDeprecationWarning

pytestmark = pytest.mark.anyio


async def test_run_in_threadpool_passes_args_and_kwargs() -> None:
    def work(a: int, b: int = 0, *, c: int = 0) -> tuple[int, int, int, int]:
        return a, b, c, threading.get_ident()

    a, b, c, thread = await run_in_threadpool(work, 1, 2, c=3)
    assert (a, b, c) == (1, 2, 3)
    assert thread != threading.get_ident()
    assert (await run_in_threadpool(work, 5))[:3] == (5, 0, 0)


async def test_run_in_threadpool_propagates_errors() -> None:
    def fail() -> None:
        raise LookupError("nope")

    with pytest.raises(LookupError, match="nope"):
        await run_in_threadpool(fail)


async def test_iterate_in_threadpool_yields_everything_from_threads() -> None:
    threads: set[int] = set()

    def numbers() -> Iterator[int]:
        for number in range(3):
            threads.add(threading.get_ident())
            yield number

    assert [item async for item in iterate_in_threadpool(numbers())] == [0, 1, 2]
    assert threading.get_ident() not in threads
    empty: list[int] = []
    assert [item async for item in iterate_in_threadpool(empty)] == []
    # Iterables (not only iterators) are accepted, and None is a normal item.
    mixed: list[str | None] = [None, "x"]
    assert [item async for item in iterate_in_threadpool(mixed)] == [None, "x"]


async def test_iterate_in_threadpool_propagates_errors() -> None:
    def broken() -> Iterator[int]:
        yield 1
        raise KeyError("bad")

    items: list[int] = []
    with pytest.raises(KeyError, match="bad"):
        async for item in iterate_in_threadpool(broken()):
            items.append(item)
    assert items == [1]


async def test_contextmanager_in_threadpool_enters_and_exits_in_threads() -> None:
    events: list[Any] = []

    @contextmanager
    def resource() -> Iterator[str]:
        events.append(("enter", threading.get_ident()))
        yield "value"
        events.append(("exit", threading.get_ident()))

    async with contextmanager_in_threadpool(resource()) as value:
        assert value == "value"
    assert [name for name, _ in events] == ["enter", "exit"]
    assert threading.get_ident() not in {thread for _, thread in events}


async def test_contextmanager_in_threadpool_passes_errors_to_exit() -> None:
    seen: list[BaseException] = []

    @contextmanager
    def resource() -> Iterator[None]:
        try:
            yield
        except ValueError as exc:
            seen.append(exc)
            raise

    with pytest.raises(ValueError, match="inner"):
        async with contextmanager_in_threadpool(resource()):
            raise ValueError("inner")
    assert len(seen) == 1


async def test_contextmanager_in_threadpool_exit_may_suppress() -> None:
    @contextmanager
    def suppressing() -> Iterator[None]:
        with suppress(ValueError):
            yield

    async with contextmanager_in_threadpool(suppressing()):
        raise ValueError("swallowed")


async def test_contextmanager_in_threadpool_exit_runs_when_pool_is_full() -> None:
    # __exit__ must not wait for a worker from the shared (here exhausted) limiter.
    limiter = anyio.to_thread.current_default_thread_limiter()
    old_total = limiter.total_tokens
    exited = threading.Event()

    @contextmanager
    def resource() -> Iterator[None]:
        yield
        exited.set()

    try:
        cm = contextmanager_in_threadpool(resource())
        await cm.__aenter__()
        limiter.total_tokens = 1
        async with limiter:
            with anyio.fail_after(5):
                await cm.__aexit__(None, None, None)
    finally:
        limiter.total_tokens = old_total
    assert exited.is_set()


async def test_contextmanager_in_threadpool_no_exit_if_enter_fails() -> None:
    class Broken:
        exited = False

        def __enter__(self) -> None:
            raise OSError("cannot enter")

        def __exit__(self, *args: object) -> None:
            Broken.exited = True  # pragma: no cover - must not run

    with pytest.raises(OSError, match="cannot enter"):
        async with contextmanager_in_threadpool(Broken()):
            pass  # pragma: no cover
    assert not Broken.exited


async def test_run_until_first_complete_is_deprecated_and_cancels_the_rest() -> None:
    events: list[str] = []

    async def fast(name: str) -> None:
        events.append(name)

    async def slow() -> None:
        await anyio.sleep_forever()

    with pytest.warns(FastAPIDeprecationWarning, match="run_until_first_complete is deprecated"):
        with anyio.fail_after(5):
            await run_until_first_complete((slow, {}), (fast, {"name": "fast"}))
    assert events == ["fast"]


def test_is_async_callable() -> None:
    async def coro() -> None:
        pass

    class AsyncCall:
        async def __call__(self) -> None:
            pass

    assert is_async_callable(coro)
    assert is_async_callable(partial(coro))
    assert is_async_callable(AsyncCall())
    assert not is_async_callable(print)
    assert not is_async_callable(lambda: None)
    assert not is_async_callable(42)


def test_exported_names() -> None:
    assert list(concurrency.__all__) == sorted(concurrency.__all__)
    assert {name for name in dir(concurrency) if not name.startswith("_")} >= set(concurrency.__all__)


def test_same_surface_as_fastapi() -> None:
    import fastapi.concurrency

    for name in ("run_in_threadpool", "iterate_in_threadpool", "contextmanager_in_threadpool", "asynccontextmanager"):
        assert hasattr(fastapi.concurrency, name)
        assert name in concurrency.__all__
