"""A circuit breaker: one view per store, shared by every rate limit, cache and session on it, of whether it works.

A store that is down or hung must not cost every request its own timeout. The breaker runs each of the store's
operations and moves between three states:

- **closed**: operations run, each bounded by ``timeout``. The first one that fails (an error, or no answer within
  ``timeout`` while the store answered nobody else either) opens the breaker, and every operation still waiting on
  the store is released at once with the same failure: a hung store costs the requests in flight one timeout
  between them, not one each. An operation that is late while the store keeps answering others is overload, not
  failure (a burst on a busy worker delays every answer): it waits up to ``patience`` longer, then fails alone
  with :class:`~zephyr.stores.base.StoreBusyError`, leaving the breaker closed.
- **open**: operations fail at once with :class:`~zephyr.stores.base.StoreUnavailableError`, without touching the
  store, for the skip window (``retry_interval`` seconds).
- **half-open**: once the window has passed, the next operation is a probe; the others still fail at once until it
  answers. An answer closes the breaker; a failure opens it again for twice the window, up to
  ``max_retry_interval``, so a long outage is retried (and logged) less and less often.

Each of those changes is logged once, at WARNING on the ``zephyr.stores`` logger: when the store fails, when a retry
fails and it is skipped again, and when it recovers (WARNING too, so the end of an outage shows wherever its start
did). Callers of a store that owns a breaker need no skip logic or logging of their own for these failures.

Example:
    ```python
    breaker = CircuitBreaker("my store", timeout=0.5)
    value = await breaker.call(lambda: client.get("key"))  # StoreUnavailableError when failing or skipped
    ```
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any, Literal, TypeVar

from zephyr.stores.base import StoreBusyError, StoreError, StoreUnavailableError

__all__ = ("CircuitBreaker",)

logger = logging.getLogger("zephyr.stores")

T = TypeVar("T")

_DONE, _TIMED_OUT, _SLOW, _RELEASED = "done", "timed out", "slow", "released"
_CONSEQUENCES = "rate limits and sessions apply their on_store_error policy, response caches serve uncached"


_timeout: Any = getattr(asyncio, "timeout", None)
"""``asyncio.timeout`` (Python 3.11+): an operation runs in its caller's task, cancelled in place when it must stop."""


class _Call:
    """One operation in flight: how to stop it, its timer, and how long it has waited so far.

    Time is counted in steps of a quarter of the timeout, each counted as a step however late its timer fires: a
    stalled event loop (a burst on an overloaded worker) delays the processing of answers, and must not be taken
    for a silent store.
    """

    __slots__ = ("answers", "loop", "quiet", "scope", "timer", "waited", "waiter", "why")

    def __init__(self, loop: asyncio.AbstractEventLoop, answers: int) -> None:
        self.loop = loop
        self.why: str | None = None
        """Why the operation was stopped (timed out, slow, released), ``None`` while it may run."""
        self.scope: Any = None
        """The ``asyncio.timeout`` scope the operation runs in (Python 3.11+)."""
        self.waiter: asyncio.Future[str] | None = None
        """What the caller awaits while the operation runs in a task of its own (Python 3.10)."""
        self.timer: asyncio.TimerHandle | None = None
        self.waited = 0.0
        """Seconds of this operation's wait, counted in steps."""
        self.quiet = 0.0
        """Seconds, counted the same way, since the store last answered any operation."""
        self.answers = answers
        """The store's answer count when this operation last looked."""

    def stop(self, why: str) -> None:
        """Stop the operation, for ``why``: its caller gets control back at once."""
        if self.why is not None:
            return
        self.why = why
        if self.scope is not None:
            self.scope.reschedule(self.loop.time())  # cancels the operation in its caller's task, at once
        elif self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(why)


def _reason(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _retrieve(task: asyncio.Task[Any]) -> None:
    # an abandoned operation's outcome is of no interest, but must not be reported as "never retrieved"
    if not task.cancelled():
        task.exception()


class CircuitBreaker:
    """Run a store's operations with a deadline, and skip the store for a while after it fails.

    Args:
        name: How log lines and errors name the store (a store passes its ``repr``).
        timeout: The longest one operation may take, in seconds; beyond it, it counts as a failure.
        retry_interval: The first skip window, in seconds, after a failure.
        max_retry_interval: The longest skip window; each failed retry doubles the window up to this.
        patience: How much longer than ``timeout`` an operation may wait while the store keeps answering other
            operations (so it is alive, and the delay is an overload: of the store, or of this process's event
            loop under a burst); then it gives up with ``StoreBusyError``, which does not open the breaker.
        ignore: Exceptions that mean the store answered (such as an error reply): raised to the caller as they
            are, without opening the breaker (and they close a half-open one, since the store is reachable).
        clock: A monotonic clock in seconds; replace it in tests.

    Raises:
        ValueError: A time is not positive, or ``max_retry_interval`` is below ``retry_interval``.
    """

    __slots__ = (
        "_answers",
        "_clock",
        "_failed_at",
        "_ignore",
        "_inflight",
        "_interval",
        "_probing",
        "_retry_at",
        "_skipped",
        "_step",
        "max_retry_interval",
        "name",
        "patience",
        "retry_interval",
        "timeout",
    )

    def __init__(
        self,
        name: str,
        *,
        timeout: float = 1.0,
        retry_interval: float = 1.0,
        max_retry_interval: float = 10.0,
        patience: float = 5.0,
        ignore: tuple[type[BaseException], ...] = (),
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        for option, value in (("timeout", timeout), ("retry_interval", retry_interval)):
            if not value > 0:
                raise ValueError(f"{option} must be a positive number of seconds, got {value!r}")
        if not patience >= 0:
            raise ValueError(f"patience must be a number of seconds (0 or more), got {patience!r}")
        if not max_retry_interval >= retry_interval:
            raise ValueError(
                f"max_retry_interval ({max_retry_interval!r}) must be at least retry_interval ({retry_interval!r})"
            )
        self.name = name
        self.timeout = timeout
        self.retry_interval = retry_interval
        self.max_retry_interval = max_retry_interval
        self.patience = patience
        self._ignore = ignore
        self._clock = clock
        self._retry_at: float | None = None
        """``None`` while closed; else when the next probe may run."""
        self._interval = retry_interval
        self._probing = False
        self._failed_at = 0.0
        self._skipped = 0
        self._inflight: set[_Call] = set()
        self._answers = 0
        """How many operations the store has answered: a store that answers is alive."""
        self._step = timeout / 4

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r}, state={self.state!r})"

    @property
    def state(self) -> Literal["closed", "open", "half-open"]:
        """``"closed"`` (healthy), ``"open"`` (skipping the store) or ``"half-open"`` (a probe may run or runs)."""
        if self._retry_at is None:
            return "closed"
        if self._probing or self._clock() >= self._retry_at:
            return "half-open"
        return "open"

    @property
    def available(self) -> bool:
        """Whether an operation started now would reach the store (closed, or due for a probe)."""
        retry_at = self._retry_at
        return retry_at is None or (not self._probing and self._clock() >= retry_at)

    def check(self) -> None:
        """Raise at once when an operation started now would be skipped.

        Raises:
            StoreUnavailableError: The breaker is open (or a probe is already running).
        """
        if not self.available:
            self._skipped += 1
            raise self._unavailable()

    async def call(self, operation: Callable[[], Coroutine[Any, Any, T]]) -> T:
        """Run ``operation()`` against the store, within ``timeout``, unless the store is being skipped.

        Raises:
            StoreUnavailableError: The store is skipped, the operation failed or timed out (which opens the
                breaker; the cause is the ``__cause__``), or another operation's failure released this one.
            StoreBusyError: The operation had no answer within ``timeout + patience`` while the store kept
                answering others: an overload, which does not open the breaker.
        """
        probe = False
        if self._retry_at is not None:
            self.check()
            probe = self._probing = True
        call = _Call(asyncio.get_running_loop(), self._answers)
        if _timeout is None:  # Python 3.10
            return await self._call_in_task(operation, call, probe)
        try:
            async with _timeout(None) as call.scope:
                call.timer = call.loop.call_later(self._step, self._tick, call)
                self._inflight.add(call)
                try:
                    result = await operation()
                finally:
                    call.timer.cancel()
                    self._inflight.discard(call)
                    if probe:
                        self._probing = False
        except TimeoutError as exc:
            if call.why is None or not call.scope.expired():
                raise self._failed(exc, probe) from exc  # the operation's own TimeoutError
            error = self._stopped(call.why, probe)
            raise error from error.__cause__
        except Exception as exc:
            if not isinstance(exc, self._ignore):
                raise self._failed(exc, probe) from exc
            self._answered(probe)
            raise
        self._answered(probe)
        return result

    async def _call_in_task(self, operation: Callable[[], Coroutine[Any, Any, T]], call: _Call, probe: bool) -> T:
        """:meth:`call` without ``asyncio.timeout``: the operation runs in a task, abandoned when it must stop."""
        task = call.loop.create_task(operation())
        waiter = call.waiter = call.loop.create_future()
        task.add_done_callback(lambda _: call.stop(_DONE))
        call.timer = call.loop.call_later(self._step, self._tick, call)
        self._inflight.add(call)
        try:
            await waiter
        finally:
            call.timer.cancel()
            self._inflight.discard(call)
            if probe:
                self._probing = False
            if not task.done():  # stopped, or this caller was cancelled: abandon the operation
                task.add_done_callback(_retrieve)
                task.cancel()
        if not task.done() or task.cancelled():
            error = self._stopped(call.why or _TIMED_OUT, probe)
            raise error from error.__cause__
        exc = task.exception()
        if exc is not None and not isinstance(exc, self._ignore):
            raise self._failed(exc, probe) from exc
        self._answered(probe)
        return task.result()

    def _answered(self, probe: bool) -> None:
        self._answers += 1
        if probe:
            self._recover()

    def _failed(self, exc: BaseException, probe: bool) -> StoreUnavailableError:
        self._trip(exc, probe)
        return StoreUnavailableError(f"{self.name} failed ({_reason(exc)})")

    def _stopped(self, why: str, probe: bool) -> StoreError:
        if why == _RELEASED:
            return self._unavailable()
        if why == _SLOW:
            return StoreBusyError(
                f"{self.name} gave no answer within {self.timeout + self.patience:g} s while answering other "
                "operations: it, or this process, is overloaded"
            )
        timeout = TimeoutError(f"no answer within {self.timeout:g} s")
        error = self._failed(timeout, probe)
        error.__cause__ = timeout
        return error

    def _tick(self, call: _Call) -> None:
        """Another step of waiting: fail once the store was silent for ``timeout``, give up after ``patience`` more.

        A hung store answers nobody. A busy event loop or server delays every answer but keeps answering: that is
        an overload, not a failure, so the operation waits on while answers keep coming, up to ``patience`` longer.
        """
        step = self._step
        call.waited += step
        if self._answers != call.answers:
            call.answers = self._answers
            call.quiet = 0.0
        else:
            call.quiet += step
        if call.quiet >= self.timeout - 1e-9:
            call.stop(_TIMED_OUT)
        elif call.waited >= self.timeout + self.patience - 1e-9:
            call.stop(_SLOW)
        else:
            call.timer = call.loop.call_later(step, self._tick, call)

    def _unavailable(self) -> StoreUnavailableError:
        retry_at = self._retry_at
        wait = max(0.0, retry_at - self._clock()) if retry_at is not None else 0.0
        return StoreUnavailableError(f"{self.name} is failing and skipped for now; next retry in {wait:.1f} s")

    def _trip(self, exc: BaseException, probe: bool) -> None:
        now = self._clock()
        reason = _reason(exc)
        if self._retry_at is None:
            self._interval = self.retry_interval
            self._failed_at = now
            self._skipped = 0
            logger.warning(
                "%s failed (%s). Skipping it for %g s: %s. Check that it is running and reachable.",
                self.name,
                reason,
                self._interval,
                _CONSEQUENCES,
            )
        elif probe:
            self._interval = min(self._interval * 2, self.max_retry_interval)
            logger.warning(
                "%s still fails after a retry (%s). Skipping it again for %g s (failing for %.1f s, %d operation(s) "
                "skipped so far).",
                self.name,
                reason,
                self._interval,
                now - self._failed_at,
                self._skipped,
            )
        else:
            return  # an operation started before the breaker opened: already counted and logged
        self._retry_at = now + self._interval
        running = asyncio.get_running_loop()
        for call in list(self._inflight):
            if call.loop is running:
                call.stop(_RELEASED)
            else:  # pragma: no cover - a store shared by two event loops at once (threads)
                call.loop.call_soon_threadsafe(call.stop, _RELEASED)

    def _recover(self) -> None:
        logger.warning(
            "%s recovered after %.1f s of failures (%d operation(s) skipped); using it again.",
            self.name,
            self._clock() - self._failed_at,
            self._skipped,
        )
        self._retry_at = None
        self._interval = self.retry_interval
        self._skipped = 0
