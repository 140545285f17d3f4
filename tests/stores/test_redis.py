from __future__ import annotations

import asyncio

import pytest

from tests.support.services import free_port
from zephyr.stores import RedisStore, Store, StoreError

pytestmark = [pytest.mark.anyio, pytest.mark.services]


async def test_set_get_delete_round_trip(redis_store: RedisStore) -> None:
    assert await redis_store.get("a") is None
    await redis_store.set("a", b"\x00binary\xff")
    assert await redis_store.get("a") == b"\x00binary\xff"
    await redis_store.delete("a")
    assert await redis_store.get("a") is None


async def test_keys_carry_the_prefix(redis_store: RedisStore) -> None:
    await redis_store.set("a", b"1")
    assert await redis_store.client.get(redis_store.prefix + "a") == b"1"


async def test_values_expire(redis_store: RedisStore) -> None:
    await redis_store.set("a", b"1", expires_in=0.05)
    ttl = await redis_store.client.pttl(redis_store.prefix + "a")
    assert 0 < ttl <= 50
    deadline = asyncio.get_running_loop().time() + 2
    while await redis_store.get("a") is not None:
        assert asyncio.get_running_loop().time() < deadline
        await asyncio.sleep(0.01)


async def test_add_is_set_if_absent(redis_store: RedisStore) -> None:
    assert await redis_store.add("lock", b"x", expires_in=5) is True
    assert await redis_store.add("lock", b"y", expires_in=5) is False
    assert await redis_store.get("lock") == b"x"


async def test_get_many_and_delete_many(redis_store: RedisStore) -> None:
    await redis_store.set("a", b"1")
    await redis_store.set("b", b"2")
    assert await redis_store.get_many(["a", "x", "b"]) == [b"1", None, b"2"]
    assert await redis_store.get_many([]) == []
    await redis_store.delete_many(["a", "b"])
    await redis_store.delete_many([])
    assert await redis_store.get_many(["a", "b"]) == [None, None]


async def test_given_client_is_used_and_not_closed(redis_url: str) -> None:
    import redis.asyncio

    client = redis.asyncio.Redis.from_url(redis_url)
    store = RedisStore(client=client, prefix="zephyr-test-client:")
    await store.set("a", b"1", expires_in=5)
    await store.close()
    assert await client.get("zephyr-test-client:a") == b"1"
    await client.delete("zephyr-test-client:a")
    await client.aclose()


async def test_unreachable_server_raises_store_error_quickly() -> None:
    url = f"redis://127.0.0.1:{free_port()}/0"
    store = RedisStore(url, timeout=0.5)
    for operation in (store.get("a"), store.set("a", b"1"), store.add("a", b"1"), store.get_many(["a"])):
        with pytest.raises(StoreError, match=f"Redis .* failed on {url}: ConnectionError"):
            await operation
    with pytest.raises(StoreError, match="Redis DEL failed"):
        await store.delete("a")
    await store.close()


def test_redis_store_satisfies_the_store_protocol() -> None:
    store = RedisStore()
    assert isinstance(store, Store)
    assert repr(store) == "RedisStore('redis://127.0.0.1:6379/0', prefix='zephyr:')"


def test_a_store_created_once_works_on_successive_event_loops(redis_url: str) -> None:
    store = RedisStore(redis_url, prefix="zephyr-test-loops:")

    async def use() -> bytes | None:
        await store.set("k", b"v", expires_in=5)
        value = await store.get("k")
        await store.delete("k")
        await store.close()
        return value

    assert asyncio.run(use()) == b"v"
    assert asyncio.run(use()) == b"v"
