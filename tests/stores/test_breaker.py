from __future__ import annotations

import asyncio
from typing import Any

import pytest

import zephyr.stores.breaker as breaker_module
from tests.stores.support import FakeClock
from zephyr.stores import CircuitBreaker, StoreBusyError, StoreUnavailableError

pytestmark = pytest.mark.anyio


@pytest.fixture(params=["asyncio.timeout", "task"], autouse=True)
def implementation(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run every test on both ways of running an operation: in the caller's task (3.11+) and in a task of its own."""
    if request.param == "task":
        monkeypatch.setattr(breaker_module, "_timeout", None)
    elif breaker_module._timeout is None:
        pytest.skip("asyncio.timeout is new in Python 3.11; the task variant runs here")
    return str(request.param)


NAME = "RedisStore('redis://127.0.0.1:1/0', prefix='t:')"


class Backend:
    """A fake store backend: counts calls; fails, hangs or answers as told."""

    def __init__(self) -> None:
        self.calls = 0
        self.mode = "ok"
        self.cancelled = 0

    async def op(self) -> str:
        self.calls += 1
        if self.mode == "fail":
            raise ConnectionError("Connection refused")
        if self.mode == "hang":
            try:
                await asyncio.sleep(3600)
            except asyncio.CancelledError:
                self.cancelled += 1
                raise
        if self.mode == "reply-error":
            raise LookupError("WRONGTYPE")
        return "value"


def lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.name == "zephyr.stores"]


async def test_a_working_store_answers_and_stays_closed() -> None:
    breaker = CircuitBreaker(NAME, clock=FakeClock())
    backend = Backend()
    assert await breaker.call(backend.op) == "value"
    assert (breaker.state, breaker.available, backend.calls) == ("closed", True, 1)
    assert repr(breaker) == f"CircuitBreaker({NAME!r}, state='closed')"


async def test_a_failure_opens_the_breaker_and_the_store_is_skipped_without_io(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(NAME, retry_interval=1.0, clock=clock)
    backend = Backend()
    backend.mode = "fail"
    with pytest.raises(StoreUnavailableError, match=r"failed \(ConnectionError: Connection refused\)") as info:
        await breaker.call(backend.op)
    assert isinstance(info.value.__cause__, ConnectionError)
    assert breaker.state == "open"
    for _ in range(5):
        with pytest.raises(StoreUnavailableError, match=r"is failing and skipped for now; next retry in 1\.0 s"):
            await breaker.call(backend.op)
    assert backend.calls == 1
    assert lines(caplog) == [
        f"{NAME} failed (ConnectionError: Connection refused). Skipping it for 1 s: rate limits and sessions apply "
        "their on_store_error policy, response caches serve uncached. Check that it is running and reachable."
    ]


async def test_one_probe_after_the_window_and_failed_retries_double_the_window(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(NAME, retry_interval=1.0, max_retry_interval=3.0, clock=clock)
    backend = Backend()
    backend.mode = "fail"
    with pytest.raises(StoreUnavailableError):
        await breaker.call(backend.op)
    windows = []
    for _ in range(3):
        clock.advance(10)
        assert breaker.state == "half-open"
        with pytest.raises(StoreUnavailableError, match="failed"):
            await breaker.call(backend.op)
        windows.append(breaker._retry_at - clock.now)  # type: ignore[operator]
    assert windows == [2.0, 3.0, 3.0]
    assert backend.calls == 4
    assert lines(caplog)[1:] == [
        f"{NAME} still fails after a retry (ConnectionError: Connection refused). Skipping it again for {w:g} s "
        f"(failing for {t:.1f} s, 0 operation(s) skipped so far)."
        for w, t in ((2, 10), (3, 20), (3, 30))
    ]


async def test_while_the_probe_runs_the_others_are_skipped_then_success_recovers(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(NAME, timeout=5.0, clock=clock)
    backend = Backend()
    backend.mode = "fail"
    with pytest.raises(StoreUnavailableError):
        await breaker.call(backend.op)
    clock.advance(1.5)
    backend.mode = "ok"
    release = asyncio.Event()

    async def slow_probe() -> str:
        await release.wait()
        return "probed"

    probe = asyncio.ensure_future(breaker.call(slow_probe))
    await asyncio.sleep(0)
    assert (breaker.state, breaker.available) == ("half-open", False)
    for _ in range(3):
        with pytest.raises(StoreUnavailableError, match="skipped"):
            await breaker.call(backend.op)
    release.set()
    assert await probe == "probed"
    assert breaker.state == "closed"
    assert await breaker.call(backend.op) == "value"
    assert lines(caplog)[-1] == f"{NAME} recovered after 1.5 s of failures (3 operation(s) skipped); using it again."
    # the next outage is logged again, with a fresh window
    backend.mode = "fail"
    with pytest.raises(StoreUnavailableError):
        await breaker.call(backend.op)
    assert lines(caplog)[-1].startswith(f"{NAME} failed (ConnectionError")
    assert breaker._retry_at == clock.now + 1.0


async def test_no_answer_within_the_timeout_is_a_failure_and_the_operation_is_cancelled() -> None:
    breaker = CircuitBreaker(NAME, timeout=0.05)
    backend = Backend()
    backend.mode = "hang"
    loop = asyncio.get_running_loop()
    started = loop.time()
    with pytest.raises(StoreUnavailableError, match=r"failed \(TimeoutError: no answer within 0.05 s\)") as info:
        await breaker.call(backend.op)
    assert loop.time() - started < 2.0
    assert isinstance(info.value.__cause__, TimeoutError)
    await asyncio.sleep(0)
    assert backend.cancelled == 1
    assert breaker.state == "open"


async def keep_answering(breaker: CircuitBreaker, stop: asyncio.Event) -> int:
    """Other operations, answered every 20 ms: the store is alive."""
    answered = 0

    async def quick() -> str:
        return "ok"

    while not stop.is_set():
        await breaker.call(quick)
        answered += 1
        await asyncio.sleep(0.02)
    return answered


async def test_a_late_answer_while_the_store_answers_others_is_waited_for() -> None:
    breaker = CircuitBreaker(NAME, timeout=0.1, patience=5.0)
    stop = asyncio.Event()
    others = asyncio.ensure_future(keep_answering(breaker, stop))

    async def late() -> str:
        await asyncio.sleep(0.3)  # three timeouts, but the store keeps answering: an overload
        return "late"

    assert await breaker.call(late) == "late"
    stop.set()
    assert await others > 3
    assert breaker.state == "closed"


async def test_too_late_while_the_store_answers_others_is_busy_not_a_failure(caplog: pytest.LogCaptureFixture) -> None:
    breaker = CircuitBreaker(NAME, timeout=0.1, patience=0.2)
    stop = asyncio.Event()
    others = asyncio.ensure_future(keep_answering(breaker, stop))
    hung = Backend()
    hung.mode = "hang"
    loop = asyncio.get_running_loop()
    started = loop.time()
    with pytest.raises(StoreBusyError, match=r"gave no answer within 0.3 s while answering other operations"):
        await breaker.call(hung.op)
    assert 0.25 < loop.time() - started < 2.0
    stop.set()
    await others
    assert breaker.state == "closed"
    assert lines(caplog) == []


async def test_a_failure_releases_every_operation_in_flight_at_once(caplog: pytest.LogCaptureFixture) -> None:
    breaker = CircuitBreaker(NAME, timeout=30.0)
    hung = Backend()
    hung.mode = "hang"
    waiting = [asyncio.ensure_future(breaker.call(hung.op)) for _ in range(20)]
    await asyncio.sleep(0.01)
    assert hung.calls == 20
    failing = Backend()
    failing.mode = "fail"
    loop = asyncio.get_running_loop()
    started = loop.time()
    with pytest.raises(StoreUnavailableError, match="failed"):
        await breaker.call(failing.op)
    results = await asyncio.gather(*waiting, return_exceptions=True)
    assert loop.time() - started < 5.0  # released, not left to their 30 s timeout
    assert all(isinstance(r, StoreUnavailableError) and "skipped" in str(r) for r in results)
    await asyncio.sleep(0)
    assert hung.cancelled == 20
    assert len(lines(caplog)) == 1


async def test_an_error_reply_is_raised_as_is_and_does_not_open_the_breaker() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(NAME, ignore=(LookupError,), clock=clock)
    backend = Backend()
    backend.mode = "reply-error"
    with pytest.raises(LookupError, match="WRONGTYPE"):
        await breaker.call(backend.op)
    assert breaker.state == "closed"
    backend.mode = "fail"
    with pytest.raises(StoreUnavailableError):
        await breaker.call(backend.op)
    clock.advance(1)
    backend.mode = "reply-error"  # the server answers: it is back, even if this command was wrong
    with pytest.raises(LookupError):
        await breaker.call(backend.op)
    assert breaker.state == "closed"


async def test_a_cancelled_caller_cancels_its_operation_and_a_cancelled_probe_frees_the_probe_slot() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(NAME, timeout=30.0, clock=clock)
    backend = Backend()
    backend.mode = "hang"
    caller = asyncio.ensure_future(breaker.call(backend.op))
    await asyncio.sleep(0.01)
    caller.cancel()
    with pytest.raises(asyncio.CancelledError):
        await caller
    await asyncio.sleep(0)
    assert backend.cancelled == 1
    assert breaker.state == "closed"  # the caller gave up; the store did not fail
    backend.mode = "fail"
    with pytest.raises(StoreUnavailableError):
        await breaker.call(backend.op)
    clock.advance(1)
    backend.mode = "hang"
    probe = asyncio.ensure_future(breaker.call(backend.op))
    await asyncio.sleep(0.01)
    assert breaker.available is False
    probe.cancel()
    with pytest.raises(asyncio.CancelledError):
        await probe
    assert (breaker.state, breaker.available) == ("half-open", True)


async def test_an_operation_that_fails_after_the_breaker_opened_is_not_logged_twice(
    caplog: pytest.LogCaptureFixture,
) -> None:
    breaker = CircuitBreaker(NAME, timeout=30.0)
    gate = asyncio.Event()

    async def fails_later() -> str:
        await gate.wait()
        raise ConnectionError("reset")

    async def fails_now() -> str:
        gate.set()  # the other operation finishes with its error in the same loop iteration
        raise ConnectionError("refused")

    later = asyncio.ensure_future(breaker.call(fails_later))
    await asyncio.sleep(0.01)
    with pytest.raises(StoreUnavailableError):
        await breaker.call(fails_now)
    with pytest.raises(StoreUnavailableError):
        await later
    assert len(lines(caplog)) == 1


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"timeout": 0}, "timeout must be a positive number of seconds, got 0"),
        ({"retry_interval": -1}, "retry_interval must be a positive number of seconds, got -1"),
        ({"patience": -1}, r"patience must be a number of seconds \(0 or more\), got -1"),
        ({"retry_interval": 5, "max_retry_interval": 1}, r"max_retry_interval \(1\) must be at least retry_interval"),
    ],
)
def test_options_are_checked(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        CircuitBreaker(NAME, **options)


async def test_a_timeout_error_of_the_operation_itself_is_a_failure() -> None:
    breaker = CircuitBreaker(NAME, timeout=30.0)

    async def times_out() -> str:
        raise TimeoutError("the driver's own timeout")

    with pytest.raises(StoreUnavailableError, match=r"failed \(TimeoutError: the driver's own timeout\)") as info:
        await breaker.call(times_out)
    assert isinstance(info.value.__cause__, TimeoutError)
    assert breaker.state == "open"
