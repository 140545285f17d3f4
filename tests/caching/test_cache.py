from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest

from tests.stores.support import redis_store_for
from zephyr.caching import Cache, CacheEntry
from zephyr.stores import MemoryStore

pytestmark = pytest.mark.anyio


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.services)])
async def cache(request: pytest.FixtureRequest) -> AsyncIterator[Cache]:
    if request.param == "memory":
        yield Cache(MemoryStore())
        return
    async for store in redis_store_for(request.getfixturevalue("redis_url")):
        yield Cache(store)


async def test_set_then_get(cache: Cache) -> None:
    assert await cache.get("k") is None
    await cache.set("k", b"value", 30)
    assert await cache.get("k") == b"value"
    entry = await cache.get_entry("k")
    assert entry is not None
    assert entry.age == 0
    assert entry.ttl == 30


async def test_invalidate_drops_the_key_and_its_variants(cache: Cache) -> None:
    await cache.set("/items", b"plain")
    await cache.set("/items|en", b"english", base_key="/items")
    await cache.set("/other", b"kept")
    await cache.invalidate("/items")
    assert await cache.get("/items") is None
    assert await cache.get_entry("/items|en", base_key="/items") is None
    assert await cache.get("/other") == b"kept"
    await cache.set("/items", b"fresh")
    assert await cache.get("/items") == b"fresh"


async def test_invalidate_tags_drops_every_tagged_entry(cache: Cache) -> None:
    await cache.set("a", b"1", tags=["items", "item:1"])
    await cache.set("b", b"2", tags=["items", "item:2"])
    await cache.set("c", b"3")
    await cache.invalidate_tags("item:1")
    assert [await cache.get(k) for k in "abc"] == [None, b"2", b"3"]
    await cache.invalidate_tags("items", "unused")
    assert [await cache.get(k) for k in "abc"] == [None, None, b"3"]
    await cache.set("a", b"new", tags=["items"])
    assert await cache.get("a") == b"new"


async def test_versions_read_before_computing_make_a_racing_write_stale(cache: Cache) -> None:
    versions = await cache.versions("k", ["t"])
    await cache.invalidate_tags("t")  # happens while the value is computed
    await cache.set("k", b"computed from old data", tags=["t"], versions=versions)
    assert await cache.get("k") is None


async def test_delete_removes_one_entry(cache: Cache) -> None:
    await cache.set("k", b"v")
    await cache.delete("k")
    assert await cache.get("k") is None


async def test_entries_expire() -> None:
    clock_store = MemoryStore()
    cache = Cache(clock_store, default_expire=None)
    await cache.set("forever", b"v")
    entry = await cache.get_entry("forever")
    assert entry is not None
    assert entry.ttl is None
    await cache.set("short", b"v", 0.001)
    deadline = time.monotonic() + 2
    while await cache.get("short") is not None:
        assert time.monotonic() < deadline


async def test_corrupt_entries_read_as_misses() -> None:
    store = MemoryStore()
    cache = Cache(store)
    await store.set("cache:e:k", b"not json\nvalue")
    assert await cache.get("k") is None


def test_cache_entry_age_and_ttl() -> None:
    entry = CacheEntry(b"", time.time() - 10.5, 60)
    assert entry.age == 10
    assert entry.ttl == 50


def test_cache_rejects_non_stores() -> None:
    with pytest.raises(TypeError, match="Cache needs a store with async get/set/delete/close"):
        Cache(object())  # type: ignore[arg-type]


async def test_cache_works_on_a_plain_store_protocol_object() -> None:
    class DictStore:
        def __init__(self) -> None:
            self.data: dict[str, bytes] = {}

        async def get(self, key: str) -> bytes | None:
            return self.data.get(key)

        async def set(self, key: str, value: bytes, expires_in: float | None = None) -> None:
            self.data[key] = value

        async def delete(self, key: str) -> None:
            self.data.pop(key, None)

        async def close(self) -> None:
            self.data.clear()

    cache = Cache(DictStore())
    await cache.set("k", b"v", tags=["t"])
    assert await cache.get("k") == b"v"
    await cache.invalidate_tags("t")
    assert await cache.get("k") is None
    assert repr(cache).startswith("Cache(<")
    await cache.close()


async def test_get_or_set_computes_once_for_concurrent_misses(cache: Cache) -> None:
    calls = 0
    started, release = asyncio.Event(), asyncio.Event()

    async def factory() -> bytes:
        nonlocal calls
        calls += 1
        started.set()
        await release.wait()
        return b"computed"

    tasks = [asyncio.ensure_future(cache.get_or_set("k", factory, 30, tags=["t"])) for _ in range(5)]
    await asyncio.wait_for(started.wait(), 5)
    release.set()
    assert await asyncio.gather(*tasks) == [b"computed"] * 5
    assert calls == 1
    assert await cache.get_or_set("k", factory) == b"computed"
    assert calls == 1
    await cache.invalidate_tags("t")
    assert await cache.get_or_set("k", factory) == b"computed"
    assert calls == 2


async def test_get_or_set_shares_the_factory_exception() -> None:
    cache = Cache(MemoryStore())
    release = asyncio.Event()

    async def factory() -> bytes:
        await release.wait()
        raise RuntimeError("boom")

    tasks = [asyncio.ensure_future(cache.get_or_set("k", factory)) for _ in range(3)]
    await asyncio.sleep(0)
    release.set()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert [str(r) for r in results] == ["boom"] * 3
    assert await cache.get("k") is None


async def test_get_or_set_waiters_recompute_when_the_computing_task_is_cancelled() -> None:
    cache = Cache(MemoryStore())
    started = asyncio.Event()
    calls = 0

    async def slow() -> bytes:
        nonlocal calls
        calls += 1
        started.set()
        await asyncio.Event().wait()
        return b"never"

    async def fast() -> bytes:
        return b"fast"

    leader = asyncio.ensure_future(cache.get_or_set("k", slow))
    await started.wait()
    waiter = asyncio.ensure_future(cache.get_or_set("k", fast))
    await asyncio.sleep(0)
    leader.cancel()
    assert await waiter == b"fast"
    assert leader.cancelled()
    assert calls == 1
