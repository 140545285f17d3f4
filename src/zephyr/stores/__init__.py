"""Key-value stores for sessions, rate limiting and response caching.

``MemoryStore`` keeps data in this process; ``RedisStore`` shares it between workers (needs ``zephyr[redis]``).
"""

from __future__ import annotations

from zephyr.stores.base import BaseStore, RateLimitAlgorithm, RateLimitResult, Store, StoreError
from zephyr.stores.memory import MemoryStore
from zephyr.stores.redis import RedisStore

__all__ = (
    "BaseStore",
    "MemoryStore",
    "RateLimitAlgorithm",
    "RateLimitResult",
    "RedisStore",
    "Store",
    "StoreError",
)
