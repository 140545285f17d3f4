from __future__ import annotations

import pytest

from tests.stores.support import FakeClock
from zephyr.ratelimit.algorithms import Algorithm, FixedWindow, SlidingWindow, TokenBucket, make_algorithm
from zephyr.stores import MemoryStore, RateLimitResult, RedisStore

pytestmark = pytest.mark.anyio


async def _hits(store: MemoryStore | RedisStore, algorithm: Algorithm, n: int, key: str = "k") -> list[bool]:
    return [(await store.hit(algorithm, key)).allowed for _ in range(n)]


# fixed window ------------------------------------------------------------------------------------------------------


async def test_fixed_window_allows_limit_then_denies_until_the_window_ends() -> None:
    clock = FakeClock()
    store = MemoryStore(clock=clock)
    algorithm = FixedWindow("3/10 seconds")
    first = await store.hit(algorithm, "k")
    assert first == RateLimitResult(True, 3, 2, 10.0, 0.0)
    clock.advance(4)
    assert await _hits(store, algorithm, 3) == [True, True, False]
    denied = await store.hit(algorithm, "k")
    assert denied == RateLimitResult(False, 3, 0, 6.0, 6.0)
    clock.advance(6)
    assert (await store.hit(algorithm, "k")) == RateLimitResult(True, 3, 2, 10.0, 0.0)


async def test_fixed_window_keys_are_independent() -> None:
    store = MemoryStore(clock=FakeClock())
    algorithm = FixedWindow("1/minute")
    assert await _hits(store, algorithm, 2, "a") == [True, False]
    assert await _hits(store, algorithm, 2, "b") == [True, False]


async def test_cost_consumes_several_units() -> None:
    store = MemoryStore(clock=FakeClock())
    algorithm = FixedWindow("5/minute")
    assert (await store.hit(algorithm, "k", cost=3)).remaining == 2
    assert (await store.hit(algorithm, "k", cost=3)).allowed is False
    assert (await store.hit(algorithm, "k", cost=2)).remaining == 0


# sliding window ----------------------------------------------------------------------------------------------------


async def test_sliding_window_weights_the_previous_window() -> None:
    clock = FakeClock(start=1000.0)  # window 100 of 10 s, elapsed 0
    store = MemoryStore(clock=clock)
    algorithm = SlidingWindow("4/10 seconds")
    assert await _hits(store, algorithm, 5) == [True, True, True, True, False]
    clock.advance(12.5)  # next window, 25 % in: the previous 4 count as 3
    result = await store.hit(algorithm, "k")
    assert result.allowed is True
    assert result.remaining == 0
    denied = await store.hit(algorithm, "k")
    assert denied.allowed is False
    # 3.0 + 1 (current) = 4; to fit one more, the weight must drop to 2 -> 50 % in -> 2.5 s from now
    assert denied.retry_after == pytest.approx(2.5)
    clock.advance(2.5)
    assert (await store.hit(algorithm, "k")).allowed is True


async def test_sliding_window_retry_waits_into_the_next_window_when_current_is_full() -> None:
    clock = FakeClock(start=1002.0)  # 2 s into a 10 s window
    store = MemoryStore(clock=clock)
    algorithm = SlidingWindow("2/10 seconds")
    assert await _hits(store, algorithm, 2) == [True, True]
    denied = await store.hit(algorithm, "k")
    # 8 s to the next window, then the previous 2 must weigh at most 1: half of it -> 5 s more
    assert denied == RateLimitResult(False, 2, 0, 18.0, 13.0)
    clock.advance(13)
    assert (await store.hit(algorithm, "k")).allowed is True


async def test_sliding_window_forgets_windows_older_than_the_previous() -> None:
    clock = FakeClock(start=1000.0)
    store = MemoryStore(clock=clock)
    algorithm = SlidingWindow("2/10 seconds")
    assert await _hits(store, algorithm, 3) == [True, True, False]
    clock.advance(20)
    assert await _hits(store, algorithm, 3) == [True, True, False]


async def test_sliding_window_cost_above_limit_is_never_allowed() -> None:
    store = MemoryStore(clock=FakeClock())
    result = await store.hit(SlidingWindow("2/10 seconds"), "k", cost=3)
    assert (result.allowed, result.retry_after) == (False, 10.0)


# token bucket (GCRA) -----------------------------------------------------------------------------------------------


async def test_token_bucket_allows_a_burst_then_refills_steadily() -> None:
    clock = FakeClock()
    store = MemoryStore(clock=clock)
    algorithm = TokenBucket("4/8 seconds")  # one token every 2 s
    results = [await store.hit(algorithm, "k") for _ in range(5)]
    assert [r.allowed for r in results] == [True, True, True, True, False]
    assert [r.remaining for r in results] == [3, 2, 1, 0, 0]
    assert results[-1].retry_after == pytest.approx(2.0)
    clock.advance(1.9)
    assert (await store.hit(algorithm, "k")).allowed is False
    clock.advance(0.1)
    assert (await store.hit(algorithm, "k")).allowed is True
    assert (await store.hit(algorithm, "k")).allowed is False


async def test_token_bucket_burst_smaller_than_limit() -> None:
    clock = FakeClock()
    store = MemoryStore(clock=clock)
    algorithm = TokenBucket("10/10 seconds", burst=2)
    assert await _hits(store, algorithm, 3) == [True, True, False]
    clock.advance(1)
    assert await _hits(store, algorithm, 2) == [True, False]


def test_token_bucket_rejects_zero_burst() -> None:
    with pytest.raises(ValueError, match="burst must be at least 1, got 0"):
        TokenBucket("1/second", burst=0)


# names -------------------------------------------------------------------------------------------------------------


def test_make_algorithm_by_name_and_instance() -> None:
    assert isinstance(make_algorithm("fixed-window", "1/second"), FixedWindow)
    assert isinstance(make_algorithm("sliding-window", "1/second"), SlidingWindow)
    assert isinstance(make_algorithm("gcra", "1/second"), TokenBucket)
    assert isinstance(make_algorithm("token-bucket", "1/second"), TokenBucket)
    algorithm = SlidingWindow("2/minute")
    assert make_algorithm(algorithm, "1/second") is algorithm
    assert repr(algorithm) == "SlidingWindow('2/minute')"


def test_make_algorithm_rejects_unknown_names() -> None:
    with pytest.raises(ValueError, match="Unknown rate-limit algorithm 'leaky'; use one of fixed-window, gcra"):
        make_algorithm("leaky", "1/second")


# RateLimit-Reset never overshoots (issue 12: a 60 s window once reported 61) --------------------------------------

ISSUE_12_CLOCK = 492.2360897108219
"""A clock value just below a power of two: ``start + 60 - now`` with ``start == now`` is 60.00000000000006 there."""


def _clock_values() -> list[float]:
    import random

    rng = random.Random(12)  # fixed seed: the same values on every run
    values = [ISSUE_12_CLOCK]
    for exponent in range(2, 40):
        values += [2.0**exponent - rng.random() * 0.5, 2.0**exponent + rng.random()]
    values += [rng.uniform(0, 1e9) for _ in range(500)]
    return values


async def test_fixed_window_reset_is_the_period_on_a_fresh_window_issue_12() -> None:
    import math

    store = MemoryStore(clock=lambda: ISSUE_12_CLOCK)
    result = await store.hit(FixedWindow("2/minute"), "k")
    assert result.reset_after == 60.0
    assert math.ceil(result.reset_after) == 60


@pytest.mark.parametrize(
    ("algorithm", "fresh_reset", "max_reset"),
    [
        (FixedWindow("2/minute"), 60, 60),
        (FixedWindow("7/10 seconds"), 10, 10),
        (TokenBucket("2/minute"), 30, 60),
        (TokenBucket("7/minute"), 9, 60),
        (TokenBucket("10/second", burst=20), 1, 2),
        (SlidingWindow("2/minute"), None, 120),
    ],
)
def test_reset_never_rounds_up_past_the_window(algorithm: Algorithm, fresh_reset: int | None, max_reset: int) -> None:
    import math

    for now in _clock_values():
        state, result, _ = algorithm.apply(None, now, 1)
        if fresh_reset is not None:
            assert math.ceil(result.reset_after) == fresh_reset, now
        # fill the quota: no answer on the way may report more than the window
        for _ in range(algorithm.limit + 1):
            state, result, _ = algorithm.apply(state, now, 1)
            assert 0 <= math.ceil(result.reset_after) <= max_reset, (now, result)


def test_token_bucket_fills_exactly_its_burst_at_a_fixed_instant() -> None:
    algorithm = TokenBucket("7/minute")
    for now in _clock_values()[:50]:
        state = None
        allowed = []
        for _ in range(9):
            state, result, _ = algorithm.apply(state, now, 1)
            allowed.append(result.allowed)
        assert allowed == [True] * 7 + [False] * 2, now


# Redis: the same decisions from the Lua scripts ----------------------------------------------------------------------


@pytest.mark.services
@pytest.mark.parametrize("algorithm", [FixedWindow("5/minute"), SlidingWindow("5/minute"), TokenBucket("5/minute")])
async def test_redis_scripts_allow_exactly_the_limit(redis_store: RedisStore, algorithm: Algorithm) -> None:
    results = [await redis_store.hit(algorithm, "k") for _ in range(7)]
    assert [r.allowed for r in results] == [True] * 5 + [False] * 2
    assert [r.remaining for r in results[:5]] == [4, 3, 2, 1, 0]
    assert all(r.limit == 5 for r in results)
    assert all(0 < r.retry_after <= 120 for r in results[5:])
    assert all(r.retry_after == 0 for r in results[:5])
    assert all(0 < r.reset_after <= 120 for r in results)


@pytest.mark.services
async def test_redis_fixed_window_reports_reset_and_expires_the_key(redis_store: RedisStore) -> None:
    algorithm = FixedWindow("2/minute")
    result = await redis_store.hit(algorithm, "k")
    assert result.allowed is True
    assert 59.0 < result.reset_after <= 60.0
    ttl = await redis_store.client.pttl(redis_store.prefix + "k")
    assert 59_000 < ttl <= 60_000


@pytest.mark.services
async def test_redis_cost_and_keys(redis_store: RedisStore) -> None:
    algorithm = TokenBucket("5/minute")
    assert (await redis_store.hit(algorithm, "a", cost=5)).remaining == 0
    assert (await redis_store.hit(algorithm, "a")).allowed is False
    assert (await redis_store.hit(algorithm, "b")).allowed is True


@pytest.mark.services
async def test_redis_scripts_are_atomic_under_concurrency(redis_store: RedisStore) -> None:
    import asyncio

    for algorithm in (FixedWindow("10/minute"), SlidingWindow("10/minute"), TokenBucket("10/minute")):
        results = await asyncio.gather(*(redis_store.hit(algorithm, f"c-{algorithm.name}") for _ in range(30)))
        assert sum(r.allowed for r in results) == 10


@pytest.mark.services
@pytest.mark.parametrize(
    ("algorithm", "max_reset"),
    [(FixedWindow("2/minute"), 60), (TokenBucket("7/minute"), 60), (SlidingWindow("3/minute"), 120)],
)
async def test_redis_reset_never_rounds_up_past_the_window(
    redis_store: RedisStore, algorithm: Algorithm, max_reset: int
) -> None:
    import math

    results = [await redis_store.hit(algorithm, f"reset-{algorithm.name}") for _ in range(algorithm.limit + 2)]
    assert all(0 < math.ceil(r.reset_after) <= max_reset for r in results), results
    if algorithm.name == "sliding-window":  # windows are aligned on the clock: the reset depends on the time
        assert 60 < math.ceil(results[0].reset_after) <= 120
    else:
        assert math.ceil(results[0].reset_after) == {"fixed-window": 60, "gcra": 9}[algorithm.name]
