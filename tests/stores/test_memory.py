from __future__ import annotations

import pytest

from tests.stores.support import FakeClock
from zephyr.stores import BaseStore, MemoryStore, Store

pytestmark = pytest.mark.anyio


async def test_set_get_delete_round_trip() -> None:
    store = MemoryStore()
    assert await store.get("a") is None
    await store.set("a", b"1")
    assert await store.get("a") == b"1"
    await store.delete("a")
    assert await store.get("a") is None
    await store.delete("missing")


async def test_values_expire_after_expires_in() -> None:
    clock = FakeClock()
    store = MemoryStore(clock=clock)
    await store.set("a", b"1", expires_in=10)
    clock.advance(9.9)
    assert await store.get("a") == b"1"
    clock.advance(0.1)
    assert await store.get("a") is None
    assert len(store) == 0


async def test_add_stores_only_when_absent_or_expired() -> None:
    clock = FakeClock()
    store = MemoryStore(clock=clock)
    assert await store.add("lock", b"x", expires_in=5) is True
    assert await store.add("lock", b"y", expires_in=5) is False
    assert await store.get("lock") == b"x"
    clock.advance(5)
    assert await store.add("lock", b"z") is True
    assert await store.get("lock") == b"z"


async def test_get_many_and_delete_many() -> None:
    store = MemoryStore()
    await store.set("a", b"1")
    await store.set("b", b"2")
    assert await store.get_many(["a", "x", "b"]) == [b"1", None, b"2"]
    await store.delete_many(["a", "b"])
    assert await store.get_many(["a", "b"]) == [None, None]


async def test_max_entries_evicts_oldest_written() -> None:
    store = MemoryStore(max_entries=2)
    await store.set("a", b"1")
    await store.set("b", b"2")
    await store.set("a", b"3")  # rewriting makes "a" the newest
    await store.set("c", b"4")
    assert await store.get_many(["a", "b", "c"]) == [b"3", None, b"4"]


async def test_periodic_sweep_drops_expired_entries() -> None:
    clock = FakeClock()
    store = MemoryStore(clock=clock, max_entries=None)
    for i in range(100):
        await store.set(f"old{i}", b"x", expires_in=1)
    clock.advance(2)
    for i in range(1024):
        await store.set(f"new{i}", b"x")
    assert len(store) == 1024


async def test_clear_and_close_empty_the_store() -> None:
    async with MemoryStore() as store:
        await store.set("a", b"1")
        await store.clear()
        assert await store.get("a") is None
        await store.set("a", b"1")
    assert await store.get("a") is None


def test_invalid_max_entries_is_rejected() -> None:
    with pytest.raises(ValueError, match="max_entries must be a positive integer or None, got 0"):
        MemoryStore(max_entries=0)


def test_memory_store_satisfies_the_store_protocol() -> None:
    assert isinstance(MemoryStore(), Store)
    assert isinstance(MemoryStore(), BaseStore)
