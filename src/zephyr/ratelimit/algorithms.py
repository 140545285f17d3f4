"""Rate-limit algorithms, each written twice: pure Python (for the memory store) and Lua (for Redis).

- :class:`FixedWindow` (``"fixed-window"``): at most ``limit`` requests in a window of ``period`` seconds that starts
  with the first request; exact and cheap, but allows up to ``2 * limit`` across a window boundary.
- :class:`SlidingWindow` (``"sliding-window"``): the sliding-window counter approximation; the previous window's
  count is weighted by how much of it still overlaps the sliding window. Smooths the boundary burst.
- :class:`TokenBucket` (``"token-bucket"``, alias ``"gcra"``): a bucket of ``burst`` tokens (default ``limit``)
  refilled at ``limit / period`` per second, run as the generic cell rate algorithm (one number of state).

Denied requests never consume quota. The Lua scripts take the time from Redis's ``TIME`` so every worker agrees,
and all answer ``{allowed, remaining, reset_ms, retry_ms}``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from zephyr.ratelimit.rates import Rate, parse_rate
from zephyr.stores.base import RateLimitResult

__all__ = ("Algorithm", "FixedWindow", "SlidingWindow", "TokenBucket", "make_algorithm")

_NOW_MS = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
"""


class Algorithm:
    """Common base: a :class:`~zephyr.ratelimit.rates.Rate` and the reply parser shared by the Lua scripts."""

    __slots__ = ("limit", "period")
    name = ""
    lua = ""

    def __init__(self, rate: str | Rate | tuple[int, float]) -> None:
        self.limit, self.period = parse_rate(rate)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(Rate(self.limit, self.period))!r})"

    def apply(self, state: Any, now: float, cost: int) -> tuple[Any, RateLimitResult, float]:
        """Apply one request of weight ``cost`` at ``now`` to ``state``; see ``RateLimitAlgorithm.apply``."""
        raise NotImplementedError

    def lua_args(self, cost: int) -> Sequence[Any]:
        """Arguments of :attr:`lua`: the limit, the period in milliseconds and the cost."""
        return (self.limit, self.period * 1000.0, cost)

    def parse(self, reply: Any) -> RateLimitResult:
        """Turn ``{allowed, remaining, reset_ms, retry_ms}`` into a result."""
        allowed, remaining, reset_ms, retry_ms = (int(value) for value in reply)
        return RateLimitResult(bool(allowed), self.limit, max(0, remaining), reset_ms / 1000.0, retry_ms / 1000.0)


class FixedWindow(Algorithm):
    """At most ``limit`` requests per window; the window opens with the first request after the previous closes."""

    __slots__ = ()
    name = "fixed-window"
    lua = (
        _NOW_MS
        + """
local limit, period, cost = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local data = redis.call('HMGET', KEYS[1], 's', 'c')
local start, count = tonumber(data[1]), tonumber(data[2])
if start == nil or now >= start + period then start, count = now, 0 end
local reset = math.ceil(start + period - now)
if count + cost > limit then return {0, limit - count, reset, reset} end
count = count + cost
redis.call('HSET', KEYS[1], 's', start, 'c', count)
redis.call('PEXPIRE', KEYS[1], reset)
return {1, limit - count, reset, 0}
"""
    )

    def apply(self, state: Any, now: float, cost: int) -> tuple[Any, RateLimitResult, float]:
        """Apply one request; the state is ``(window_start, count)``."""
        start, count = state if state is not None and now - state[0] < self.period else (now, 0)
        # the time left is the period minus the time elapsed, never ``start + period - now``: that sum rounds, and
        # with ``start == now`` it can come out a hair above the period (60.00000000000006, a RateLimit-Reset of 61)
        reset = self.period - (now - start)
        if count + cost > self.limit:
            return (start, count), RateLimitResult(False, self.limit, self.limit - count, reset, reset), reset
        count += cost
        return (start, count), RateLimitResult(True, self.limit, self.limit - count, reset, 0.0), reset


class SlidingWindow(Algorithm):
    """The sliding-window counter: ``previous * overlap + current`` must stay within ``limit``."""

    __slots__ = ()
    name = "sliding-window"
    lua = (
        _NOW_MS
        + """
local limit, period, cost = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local window = math.floor(now / period)
local data = redis.call('HMGET', KEYS[1], 'w', 'p', 'c')
local w, prev, cur = tonumber(data[1]), tonumber(data[2]) or 0, tonumber(data[3]) or 0
if w == nil or w < window - 1 then prev, cur = 0, 0
elseif w == window - 1 then prev, cur = cur, 0 end
local elapsed = now - window * period
local estimate = prev * (1 - elapsed / period) + cur
local reset = 0
if cur > 0 then reset = 2 * period - elapsed elseif prev > 0 then reset = period - elapsed end
if estimate + cost > limit then
  local retry = period
  local room = limit - cur - cost
  if room >= 0 and prev > 0 then
    retry = period * (1 - room / prev) - elapsed
  elseif cost <= limit then
    local next_wait = 0
    if cur > 0 then next_wait = period * (1 - (limit - cost) / cur) end
    if next_wait < 0 then next_wait = 0 end
    retry = period - elapsed + next_wait
  end
  if retry < 1 then retry = 1 end
  return {0, math.floor(limit - estimate), math.ceil(reset), math.ceil(retry)}
end
cur = cur + cost
redis.call('HSET', KEYS[1], 'w', window, 'p', prev, 'c', cur)
redis.call('PEXPIRE', KEYS[1], math.ceil(2 * period - elapsed))
return {1, math.floor(limit - estimate - cost), math.ceil(2 * period - elapsed), 0}
"""
    )

    def apply(self, state: Any, now: float, cost: int) -> tuple[Any, RateLimitResult, float]:
        """Apply one request; the state is ``(window_index, previous_count, current_count)``."""
        period, limit = self.period, self.limit
        window = math.floor(now / period)
        prev, cur = 0, 0
        if state is not None:
            if state[0] == window:
                prev, cur = state[1], state[2]
            elif state[0] == window - 1:
                prev = state[2]
        # ``window * period`` rounds: keep the elapsed time inside the window, so the reset never exceeds 2 periods
        elapsed = min(max(now - window * period, 0.0), period)
        estimate = prev * (1 - elapsed / period) + cur
        reset = 2 * period - elapsed if cur > 0 else (period - elapsed if prev > 0 else 0.0)
        if estimate + cost > limit:
            retry = self._retry(prev, cur, elapsed, cost)
            remaining = max(0, math.floor(limit - estimate))
            return (window, prev, cur), RateLimitResult(False, limit, remaining, reset, retry), reset or period
        cur += cost
        ttl = 2 * period - elapsed
        remaining = max(0, math.floor(limit - estimate - cost))
        return (window, prev, cur), RateLimitResult(True, limit, remaining, ttl, 0.0), ttl

    def _retry(self, prev: int, cur: int, elapsed: float, cost: int) -> float:
        period, limit = self.period, self.limit
        room = limit - cur - cost
        if room >= 0 and prev > 0:
            # later in this window, the previous window's weight has shrunk enough
            return max(period * (1 - room / prev) - elapsed, 0.001)
        if cost > limit:
            return period
        # in the next window the current count becomes the weighted previous one
        next_wait = max(period * (1 - (limit - cost) / cur), 0.0) if cur > 0 else 0.0
        return period - elapsed + next_wait


class TokenBucket(Algorithm):
    """A token bucket of ``burst`` tokens refilled at ``limit / period`` per second, run as GCRA.

    The generic cell rate algorithm keeps a single number, the theoretical arrival time, instead of a token count
    and a timestamp.

    Args:
        rate: The sustained rate.
        burst: How many requests may arrive at once; defaults to the rate's limit.
    """

    __slots__ = ("burst",)
    name = "gcra"
    lua = (
        _NOW_MS
        + """
local limit, period, cost, burst = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local interval = period / limit
local capacity = burst * period / limit
local tat = tonumber(redis.call('GET', KEYS[1]))
local backlog = 0
if tat ~= nil and tat > now then backlog = math.min(tat - now, capacity) end
local after = backlog + cost * interval
if after > capacity + 1e-3 then
  return {0, math.floor((capacity - backlog) / interval + 1e-6), math.ceil(backlog), math.ceil(after - capacity)}
end
if after > capacity then after = capacity end
redis.call('SET', KEYS[1], string.format('%.17g', now + after), 'PX', math.max(1, math.ceil(after)))
return {1, math.floor((capacity - after) / interval + 1e-6), math.ceil(after), 0}
"""
    )

    def __init__(self, rate: str | Rate | tuple[int, float], burst: int | None = None) -> None:
        super().__init__(rate)
        if burst is not None and burst < 1:
            raise ValueError(f"burst must be at least 1, got {burst!r}")
        self.burst = self.limit if burst is None else burst

    def lua_args(self, cost: int) -> Sequence[Any]:
        """Arguments of :attr:`lua`: the limit, the period in milliseconds, the cost and the burst."""
        return (self.limit, self.period * 1000.0, cost, self.burst)

    def apply(self, state: Any, now: float, cost: int) -> tuple[Any, RateLimitResult, float]:
        """Apply one request; the state is the theoretical arrival time."""
        interval = self.period / self.limit
        # the full bucket's drain time, written so that ``burst == limit`` gives exactly the period
        capacity = self.burst * self.period / self.limit
        # work in time owed (the backlog) rather than absolute times: ``tat - now`` rounds, and a hair over the
        # capacity is one second too many once rounded up; the state never holds more than a full bucket
        tat = state if state is not None and state > now else now
        backlog = min(tat - now, capacity)
        after = backlog + cost * interval
        if after > capacity + 1e-6:  # a microsecond of slack for the rounding of ``tat - now``
            remaining = max(0, math.floor((capacity - backlog) / interval + 1e-9))
            result = RateLimitResult(False, self.limit, remaining, backlog, after - capacity)
            return tat, result, max(backlog, 0.001)
        after = min(after, capacity)
        remaining = math.floor((capacity - after) / interval + 1e-9)
        return now + after, RateLimitResult(True, self.limit, remaining, after, 0.0), after


_ALGORITHMS: dict[str, type[Algorithm]] = {
    "fixed-window": FixedWindow,
    "sliding-window": SlidingWindow,
    "gcra": TokenBucket,
    "token-bucket": TokenBucket,
}
"""Algorithm names accepted by ``algorithm=``."""


def make_algorithm(algorithm: str | Algorithm, rate: str | Rate | tuple[int, float]) -> Algorithm:
    """Return ``algorithm`` itself, or the algorithm of that name for ``rate``.

    Raises:
        ValueError: The name is unknown.
    """
    if isinstance(algorithm, Algorithm):
        return algorithm
    cls = _ALGORITHMS.get(algorithm)
    if cls is None:
        raise ValueError(f"Unknown rate-limit algorithm {algorithm!r}; use one of {', '.join(sorted(_ALGORITHMS))}")
    return cls(rate)
