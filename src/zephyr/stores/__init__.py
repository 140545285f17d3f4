"""Key-value stores for sessions, rate limiting and response caching.

``MemoryStore`` keeps data in this process; ``RedisStore`` shares it between workers (needs ``zephyr[redis]``), with
a bounded connection pool that queues bursts and a ``CircuitBreaker`` shared by every feature using the store, so a
hung Redis costs one timeout rather than one per request. See ``docs/stores.md``.
"""

from __future__ import annotations

from zephyr.stores.base import (
    BaseStore,
    RateLimitAlgorithm,
    RateLimitResult,
    Store,
    StoreBusyError,
    StoreError,
    StoreUnavailableError,
)
from zephyr.stores.breaker import CircuitBreaker
from zephyr.stores.memory import MemoryStore
from zephyr.stores.redis import RedisStore

__all__ = (
    "BaseStore",
    "CircuitBreaker",
    "MemoryStore",
    "RateLimitAlgorithm",
    "RateLimitResult",
    "RedisStore",
    "Store",
    "StoreBusyError",
    "StoreError",
    "StoreUnavailableError",
)
