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
