"""The part of rate limiting shared by the dependency and the middleware: key, store call, headers, failures."""

from __future__ import annotations

import inspect
import logging
import math
import time
from collections.abc import Iterable
from typing import Any, Literal

from zephyr.ratelimit.algorithms import Algorithm, make_algorithm
from zephyr.ratelimit.keys import KeyFunc, client_ip
from zephyr.ratelimit.rates import Rate, parse_rate
from zephyr.stores.base import REPORTED_ERRORS, BaseStore, RateLimitResult
from zephyr.stores.memory import MemoryStore

__all__ = ("Engine", "OnStoreError", "STORE_FAILED", "denied_detail", "limit_headers", "retry_after")

logger = logging.getLogger("zephyr.ratelimit")

OnStoreError = Literal["allow", "deny"]

STORE_FAILED = RateLimitResult(False, 0, 0, 0.0, 1.0)
"""Returned by :meth:`Engine.hit` when the store failed and the policy is ``"deny"``."""

_WARN_INTERVAL = 60.0
_BACKOFF = 1.0
"""After a failure of a store without a circuit breaker, skip it this long (``RedisStore`` has its own breaker)."""


def retry_after(result: RateLimitResult) -> int:
    return max(1, math.ceil(result.retry_after))


def limit_headers(result: RateLimitResult, period: float, *, denied: bool) -> list[tuple[str, str]]:
    headers = [
        ("RateLimit-Limit", str(result.limit)),
        ("RateLimit-Remaining", str(result.remaining)),
        ("RateLimit-Reset", str(math.ceil(result.reset_after))),
        ("RateLimit-Policy", f"{result.limit};w={period:g}"),
    ]
    if denied:
        headers.append(("Retry-After", str(retry_after(result))))
    return headers


def denied_detail(rate: Rate, result: RateLimitResult) -> str:
    seconds = retry_after(result)
    unit = "second" if seconds == 1 else "seconds"
    return f"Rate limit exceeded: {rate}. Retry after {seconds} {unit}."


class Engine:
    __slots__ = (
        "_errors",
        "_key_is_async",
        "_last_warning",
        "_skip_until",
        "algorithm",
        "cost",
        "key",
        "name",
        "on_store_error",
        "rate",
        "store",
    )

    def __init__(
        self,
        rate: str | Rate | tuple[int, float],
        *,
        key: KeyFunc | None,
        store: BaseStore | None,
        algorithm: str | Algorithm,
        cost: int,
        on_store_error: OnStoreError,
        trusted_proxies: Iterable[str],
        name: str | None,
    ) -> None:
        self.rate = parse_rate(rate)
        self.algorithm = make_algorithm(algorithm, self.rate)
        if isinstance(algorithm, Algorithm):
            self.rate = Rate(algorithm.limit, algorithm.period)
        if on_store_error not in ("allow", "deny"):
            raise ValueError(
                f"on_store_error must be 'allow' (fail open) or 'deny' (fail closed), got {on_store_error!r}"
            )
        if not isinstance(cost, int) or cost < 1:
            raise ValueError(f"cost must be a positive integer, got {cost!r}")
        if store is not None and not callable(getattr(store, "hit", None)):
            raise TypeError(f"The rate-limit store must be a MemoryStore, a RedisStore or a BaseStore, got {store!r}")
        self.key: KeyFunc = key if key is not None else client_ip(trusted_proxies)
        self._key_is_async = inspect.iscoroutinefunction(self.key) or inspect.iscoroutinefunction(
            getattr(self.key, "__call__", None)  # noqa: B004 - an instance with an async __call__
        )
        self.store: BaseStore = store if store is not None else MemoryStore()
        self.cost = cost
        self.on_store_error: OnStoreError = on_store_error
        self.name = name if name is not None else str(self.rate)
        self._last_warning = -math.inf
        self._errors = 0
        self._skip_until = 0.0

    async def client_key(self, conn: Any) -> str | None:
        value: Any = self.key(conn)
        if value is None or type(value) is str:
            return value
        if self._key_is_async or inspect.isawaitable(value):
            value = await value
        return None if value is None else str(value)

    async def hit(self, client_key: str, bucket: str = "") -> RateLimitResult | None:
        """Count a request; when the store fails, allow (``None``) or deny (``STORE_FAILED``).

        A store with a circuit breaker (``RedisStore``) logs its own failures and skips itself while failing,
        for every limit, cache and session on it. For other stores, this limit logs (at most once a minute) and
        skips the store for a second after a failure.
        """
        if self._skip_until and time.monotonic() < self._skip_until:
            return None if self.on_store_error == "allow" else STORE_FAILED
        store_key = f"rl:{self.name}:{self.algorithm.name}:{bucket}:{client_key}"
        try:
            result = await self.store.hit(self.algorithm, store_key, self.cost)
        except REPORTED_ERRORS:  # the store logged it, and its breaker skips it for everyone
            return None if self.on_store_error == "allow" else STORE_FAILED
        except Exception as exc:  # any store failure must not become a 500
            self._skip_until = time.monotonic() + _BACKOFF
            self._warn(exc)
            return None if self.on_store_error == "allow" else STORE_FAILED
        if self._skip_until:
            self._skip_until = 0.0
        return result

    def _warn(self, exc: Exception) -> None:
        self._errors += 1
        now = time.monotonic()
        if now - self._last_warning < _WARN_INTERVAL:
            return
        action = "allowing" if self.on_store_error == "allow" else "denying"
        logger.warning(
            "Rate limit %r: the store %r failed (%s: %s); %s requests (%d failure(s) since the last warning; "
            "next warning in %d s at the earliest)",
            self.name,
            self.store,
            type(exc).__name__,
            exc,
            action,
            self._errors,
            int(_WARN_INTERVAL),
        )
        self._last_warning = now
        self._errors = 0
