"""An in-process store: a dict with lifetimes, for one worker, tests and development.

Every operation runs without awaiting in the middle, so read-modify-write sequences (rate-limit hits, ``add``) are
atomic with respect to other tasks on the event loop. State is not shared between worker processes: use
:class:`~zephyr.stores.redis.RedisStore` when running several workers.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from zephyr.stores.base import BaseStore, RateLimitAlgorithm, RateLimitResult

__all__ = ("MemoryStore",)

_SWEEP_EVERY = 1024


class MemoryStore(BaseStore):
    """Keep values in a dict in this process; expired entries are dropped lazily and swept periodically.

    Example:
        ```python
        store = MemoryStore(max_entries=50_000)
        await store.set("k", b"v", expires_in=30)
        ```

    Args:
        max_entries: The most keys kept (values and rate-limit states each); when full, the oldest key written is
            evicted. ``None`` for no bound.
        clock: A monotonic clock in seconds; replace it in tests to control time.
    """

    __slots__ = ("_clock", "_data", "_max_entries", "_states", "_writes")

    def __init__(self, *, max_entries: int | None = 100_000, clock: Callable[[], float] = time.monotonic) -> None:
        if max_entries is not None and max_entries < 1:
            raise ValueError(f"max_entries must be a positive integer or None, got {max_entries!r}")
        self._data: dict[str, tuple[bytes, float | None]] = {}
        self._states: dict[str, tuple[Any, float]] = {}
        self._max_entries = max_entries
        self._clock = clock
        self._writes = 0

    def __len__(self) -> int:
        return len(self._data)

    def _expiry(self, expires_in: float | None) -> float | None:
        return None if expires_in is None else self._clock() + expires_in

    def _after_write(self) -> None:
        self._writes += 1
        if self._writes % _SWEEP_EVERY == 0:
            self._sweep()
        limit = self._max_entries
        if limit is not None:
            for mapping in (self._data, self._states):
                while len(mapping) > limit:
                    # dicts keep insertion order: the first key is the oldest written
                    del mapping[next(iter(mapping))]

    def _sweep(self) -> None:
        now = self._clock()
        for key in [k for k, (_, exp) in self._data.items() if exp is not None and exp <= now]:
            del self._data[key]
        for key in [k for k, (_, exp) in self._states.items() if exp <= now]:
            del self._states[key]

    async def get(self, key: str) -> bytes | None:
        """Return the value stored under ``key``, or ``None`` when absent or expired."""
        entry = self._data.get(key)
        if entry is None:
            return None
        value, expires_at = entry
        if expires_at is not None and expires_at <= self._clock():
            del self._data[key]
            return None
        return value

    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        """Return the values of ``keys``, in order."""
        return [await self.get(key) for key in keys]

    async def set(self, key: str, value: bytes, expires_in: float | None = None) -> None:
        """Store ``value`` under ``key``; it expires after ``expires_in`` seconds if given."""
        self._data.pop(key, None)  # re-insert so eviction order follows the latest write
        self._data[key] = (value, self._expiry(expires_in))
        self._after_write()

    async def add(self, key: str, value: bytes, expires_in: float | None = None) -> bool:
        """Store ``value`` only if ``key`` is absent or expired; return whether it was stored."""
        if await self.get(key) is not None:
            return False
        await self.set(key, value, expires_in)
        return True

    async def delete(self, key: str) -> None:
        """Remove ``key`` (absent keys are ignored)."""
        self._data.pop(key, None)
        self._states.pop(key, None)

    async def delete_many(self, keys: Sequence[str]) -> None:
        """Remove every key in ``keys``."""
        for key in keys:
            await self.delete(key)

    async def clear(self) -> None:
        """Remove every key and rate-limit state."""
        self._data.clear()
        self._states.clear()

    async def close(self) -> None:
        """Drop everything; the store can still be used afterwards."""
        await self.clear()

    async def hit(self, algorithm: RateLimitAlgorithm, key: str, cost: int = 1) -> RateLimitResult:
        """Count one request of weight ``cost`` against ``key`` with ``algorithm``."""
        now = self._clock()
        entry = self._states.get(key)
        state = entry[0] if entry is not None and entry[1] > now else None
        new_state, result, ttl = algorithm.apply(state, now, cost)
        self._states.pop(key, None)
        self._states[key] = (new_state, now + ttl)
        self._after_write()
        return result
