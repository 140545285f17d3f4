"""The worker threads that run a ``zephyr.flask`` app's requests: a queue in, the event loop's own callback out.

``concurrent.futures.ThreadPoolExecutor`` with ``loop.run_in_executor`` costs a work item, a concurrent future, a
lock and a chained asyncio future per call; on the Flask face's benchmark that halves the requests per second of a
one-line view. Here a job is a tuple on a ``queue.SimpleQueue`` (implemented in C), and the thread hands its result
back with one ``loop.call_soon_threadsafe``. Threads start on demand, up to ``size``, and stay.
"""

from __future__ import annotations

import asyncio
import contextvars
import threading
from collections.abc import Callable
from queue import SimpleQueue
from typing import Any, TypeVar

__all__ = ("WorkerPool",)

_T = TypeVar("_T")


class WorkerPool:
    """Up to ``size`` threads running jobs in the caller's context and answering on the caller's loop.

    Args:
        size: The most threads that run at once (and so the most sync views in progress).
        name: The threads' name prefix.
    """

    __slots__ = ("_idle", "_idle_lock", "_jobs", "_name", "_size", "_threads")

    def __init__(self, size: int, name: str) -> None:
        self._size = size
        self._name = name
        self._jobs: SimpleQueue[tuple[Any, ...] | None] = SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._idle = 0
        self._idle_lock = threading.Lock()  # ``+=`` from several threads could lose counts, and the pool stop growing

    def run(self, context: contextvars.Context, func: Callable[..., _T], *args: Any) -> asyncio.Future[_T]:
        """Run ``func(*args)`` in a worker thread, in ``context``; await the returned future.

        Must be called from the thread running the event loop. ``context`` is entered by one thread at a time: a
        request's jobs (its pipeline, then the chunks of a streamed body) run one after the other.
        """
        loop = asyncio.get_running_loop()
        future: asyncio.Future[_T] = loop.create_future()
        # A new thread when the idle ones are all spoken for by jobs already queued.
        if self._idle <= self._jobs.qsize() and len(self._threads) < self._size:
            thread = threading.Thread(target=self._work, name=f"{self._name}-{len(self._threads)}", daemon=True)
            self._threads.append(thread)
            thread.start()
        self._jobs.put((loop, future, context, func, args))
        return future

    def shutdown(self) -> None:
        """Let every thread finish its current job and stop."""
        for _ in self._threads:
            self._jobs.put(None)
        self._threads.clear()

    def _work(self) -> None:
        jobs, lock = self._jobs, self._idle_lock
        while True:
            with lock:
                self._idle += 1
            job = jobs.get()
            with lock:
                self._idle -= 1
            if job is None:
                return
            loop, future, context, func, args = job
            try:
                result = context.run(func, *args)
            except BaseException as exc:
                loop.call_soon_threadsafe(_fail, future, exc)
            else:
                loop.call_soon_threadsafe(_finish, future, result)


def _finish(future: asyncio.Future[Any], result: Any) -> None:
    if not future.cancelled():
        future.set_result(result)


def _fail(future: asyncio.Future[Any], exc: BaseException) -> None:
    if not future.cancelled():
        future.set_exception(exc)
