"""Shared test helpers: a fake clock and a Redis store with its own key prefix that cleans up after itself."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

from zephyr.stores import RedisStore

__all__ = ("FakeClock", "redis_store_for")


class FakeClock:
    """A monotonic clock that only moves when told to."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


async def redis_store_for(url: str) -> AsyncIterator[RedisStore]:
    """Yield a RedisStore with a unique prefix; delete its keys and close it afterwards."""
    prefix = f"zephyr-test:{uuid.uuid4().hex}:"
    store = RedisStore(url, prefix=prefix)
    try:
        yield store
    finally:
        keys = [key async for key in store.client.scan_iter(match=prefix + "*")]
        if keys:
            await store.client.delete(*keys)
        await store.close()
