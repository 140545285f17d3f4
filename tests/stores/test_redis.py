from __future__ import annotations

import asyncio
import contextlib
import gc
import re
import threading
import time
import uuid
import warnings

import pytest

from tests.support.redis_server import redis_server
from tests.support.services import free_port
from zephyr.ratelimit.algorithms import FixedWindow
from zephyr.stores import RedisStore, Store, StoreBusyError, StoreError, StoreUnavailableError

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
    assert await redis_store.add("lock", b"x", expires_in=60) is True
    assert await redis_store.add("lock", b"y", expires_in=60) is False
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


async def test_unreachable_server_fails_once_then_is_skipped_without_io(caplog: pytest.LogCaptureFixture) -> None:
    url = f"redis://127.0.0.1:{free_port()}/0"
    store = RedisStore(url, timeout=0.5)
    name = re.escape(repr(store))
    with pytest.raises(StoreUnavailableError, match=rf"^{name} failed \(ConnectionError: "):
        await store.get("a")
    skipped = rf"^{name} is failing and skipped for now; next retry in (0\.\d|1\.0) s$"
    for operation in (store.set("a", b"1"), store.add("a", b"1"), store.get_many(["a"]), store.delete("a")):
        with pytest.raises(StoreUnavailableError, match=skipped):
            await operation
    with pytest.raises(StoreUnavailableError, match=skipped):
        await store.hit(FixedWindow("1/second"), "a")
    assert [r.getMessage()[: len(repr(store)) + 8] for r in caplog.records] == [f"{store!r} failed "]
    await store.close()


async def test_pool_is_a_bounded_blocking_pool_sized_by_max_connections(redis_url: str) -> None:
    import redis.asyncio

    store = RedisStore(redis_url, prefix=f"zephyr-test:{uuid.uuid4().hex}:", max_connections=5, pool_timeout=10.0)
    pool = store.client.connection_pool
    assert isinstance(pool, redis.asyncio.BlockingConnectionPool)
    assert pool.max_connections == 5
    # a burst far larger than the pool queues for a connection: every operation succeeds, and exactly one add per
    # key stores it. The keys must outlive the burst however slow a loaded machine makes it (with a 5 s expiry, a
    # burst of more than 5 s saw its first keys expire and be added again: 100 instead of 50)
    try:
        results = await asyncio.gather(*(store.add(f"k{i % 50}", b"1", expires_in=600) for i in range(500)))
        assert sum(results) == 50
        assert store.breaker.state == "closed"
    finally:
        await store.delete_many([f"k{i}" for i in range(50)])
        await store.close()


class HangingClient:
    """A stand-in ``redis.asyncio.Redis`` whose GET waits until released."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.calls = 0

    async def get(self, key: str) -> bytes:
        self.calls += 1
        await self.release.wait()
        return b"v"


async def test_an_exhausted_pool_is_busy_not_failing(caplog: pytest.LogCaptureFixture) -> None:
    client = HangingClient()
    store = RedisStore(client=client, max_connections=2, pool_timeout=0.05, timeout=30.0)
    holding = [asyncio.ensure_future(store.get("k")) for _ in range(2)]
    await asyncio.sleep(0.01)
    for _ in range(2):
        with pytest.raises(StoreBusyError, match=r"Redis GET on .*: no connection came free within 0.05 s \(max_"):
            await store.get("k")
    assert client.calls == 2
    assert store.breaker.state == "closed"
    assert [r.getMessage() for r in caplog.records] == [
        f"{store!r} is overloaded: no connection came free within 0.05 s; 1 operation(s) gave up since the last "
        "warning (the store is not counted as failing). If such bursts are expected, raise pool_timeout, "
        "max_connections (now 2) or the number of workers."
    ]
    client.release.set()
    assert await asyncio.gather(*holding) == [b"v", b"v"]
    assert await store.get("k") == b"v"


class SlowKeyClient(HangingClient):
    """GET of ``"slow"`` never answers; every other GET answers at once."""

    async def get(self, key: str) -> bytes:
        if key.endswith("slow"):
            return await super().get(key)
        return b"v"


async def test_a_late_answer_while_redis_answers_others_is_busy_not_failing(caplog: pytest.LogCaptureFixture) -> None:
    store = RedisStore(client=SlowKeyClient(), timeout=0.1, pool_timeout=0.2)
    stop = asyncio.Event()

    async def others() -> None:
        while not stop.is_set():
            assert await store.get("fast") == b"v"
            await asyncio.sleep(0.01)

    background = asyncio.ensure_future(others())
    with pytest.raises(StoreBusyError, match=r"Redis GET on .*: no answer within 0.3 s \(max_connections=50\)"):
        await store.get("slow")
    stop.set()
    await background
    assert store.breaker.state == "closed"
    assert [r.getMessage().split(": ", 1)[0] for r in caplog.records] == [f"{store!r} is overloaded"]


async def test_an_error_reply_is_a_store_error_that_does_not_open_the_breaker(redis_store: RedisStore) -> None:
    await redis_store.set("plain", b"text")
    with pytest.raises(StoreError, match=r"Redis EVALSHA failed on .*: ResponseError: .*WRONGTYPE") as info:
        await redis_store.hit(FixedWindow("1/second"), "plain")  # a hash command on a string
    assert not isinstance(info.value, StoreUnavailableError)
    assert redis_store.breaker.state == "closed"
    assert await redis_store.get("plain") == b"text"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"max_connections": 0}, "max_connections must be a positive integer, got 0"),
        ({"pool_timeout": -1}, r"pool_timeout must be a number of seconds \(0 or more\), got -1"),
        ({"timeout": 0}, "timeout must be a positive number of seconds, got 0"),
    ],
)
def test_options_are_checked(options: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        RedisStore(**options)  # type: ignore[arg-type]


async def test_a_hung_server_costs_one_timeout_for_all_in_flight_then_is_skipped_until_it_answers(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with redis_server() as server:
        store = RedisStore(server.url, timeout=0.3, retry_interval=0.2, max_retry_interval=0.2)
        await store.set("k", b"v")
        loop = asyncio.get_running_loop()
        server.pause()
        started = loop.time()
        results = await asyncio.gather(*(store.get("k") for _ in range(30)), return_exceptions=True)
        elapsed = loop.time() - started
        assert all(isinstance(r, StoreUnavailableError) for r in results), results
        assert 0.25 < elapsed < 2.0  # one timeout (0.3 s) for all 30, not 30 of them
        started = loop.time()
        with pytest.raises(StoreUnavailableError, match="skipped"):
            await store.get("k")
        assert loop.time() - started < 0.1
        server.resume()
        deadline = loop.time() + 10
        while True:
            with contextlib.suppress(StoreUnavailableError):
                if await store.get("k") == b"v":
                    break
            assert loop.time() < deadline, "the store did not recover within 10 s"
            await asyncio.sleep(0.05)
        messages = [r.getMessage() for r in caplog.records if r.name == "zephyr.stores"]
        assert messages[0].startswith(f"{store!r} failed (TimeoutError: no answer within 0.3 s). Skipping it")
        assert messages[-1].startswith(f"{store!r} recovered after ")
        assert all("still fails after a retry" in m for m in messages[1:-1])
        await store.close()


async def test_a_killed_and_restarted_server_is_used_again_after_the_window(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with redis_server() as server:
        store = RedisStore(server.url, timeout=0.5, retry_interval=0.1, max_retry_interval=0.1)
        await store.set("k", b"v")
        server.kill()
        with pytest.raises(StoreUnavailableError, match=r"failed \(ConnectionError"):
            await store.get("k")
        server.start()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 10
        while True:
            with contextlib.suppress(StoreUnavailableError):
                assert await store.get("k") is None  # a fresh server: the data is gone, the store works
                break
            assert loop.time() < deadline, "the store did not recover within 10 s"
            await asyncio.sleep(0.05)
        assert store.breaker.state == "closed"
        messages = [r.getMessage() for r in caplog.records if r.name == "zephyr.stores"]
        words = [m[len(repr(store)) + 1 :].split(" ")[0] for m in messages]
        assert words == ["failed"] + ["still"] * (len(messages) - 2) + ["recovered"]
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


def _client_count(url: str, name: str) -> int:
    """How many connections named ``name`` the Redis server at ``url`` has right now."""
    import redis

    admin = redis.Redis.from_url(url)
    try:
        return sum(1 for client in admin.client_list() if client.get("name") == name)
    finally:
        admin.close()


def _wait_for_client_count(url: str, name: str, expected: int, timeout: float = 5.0) -> int:
    deadline = time.monotonic() + timeout
    while (count := _client_count(url, name)) != expected and time.monotonic() < deadline:
        time.sleep(0.02)
    return count


def test_the_connections_are_closed_when_their_event_loop_ends(redis_url: str) -> None:
    # a TestClient per test: each runs the app on its own event loop, ended when the client closes; the store is
    # left open, as an app's module-level store is, and the app may never be used again
    name = f"zephyr-test-{uuid.uuid4().hex[:12]}"
    stores = [RedisStore(f"{redis_url}?client_name={name}", prefix=f"zephyr-test:{name}:", max_connections=3)]

    async def use() -> None:
        await asyncio.gather(*(stores[0].set(f"k{i}", b"v", expires_in=5) for i in range(3)))
        assert _client_count(redis_url, name) == 3

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        asyncio.run(use())  # asyncio.run, asyncio.Runner and anyio end a loop with loop.shutdown_asyncgens()
        assert _wait_for_client_count(redis_url, name, 0) == 0
        asyncio.run(use())  # the store works on the next loop
        assert _wait_for_client_count(redis_url, name, 0) == 0
        stores.clear()  # the store, its pool and their connections are freed: none warns
        gc.collect()
    assert [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)] == []


def test_a_new_event_loop_closes_the_connections_of_a_closed_one(redis_url: str) -> None:
    # a loop closed without loop.shutdown_asyncgens(): its connections are closed when the store meets a new loop
    name = f"zephyr-test-{uuid.uuid4().hex[:12]}"
    store = RedisStore(f"{redis_url}?client_name={name}", prefix=f"zephyr-test:{name}:", max_connections=3)

    async def use() -> None:
        await asyncio.gather(*(store.set(f"k{i}", b"v", expires_in=5) for i in range(3)))

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(2):
            loop = asyncio.new_event_loop()
            loop.run_until_complete(use())
            loop.close()
            assert _wait_for_client_count(redis_url, name, 3) == 3  # the closed loop's: nothing closed them yet
        # binding the second loop closed the first one's, without that loop; closing the store closes the second's
        asyncio.run(store.close())
        assert _wait_for_client_count(redis_url, name, 0) == 0
        gc.collect()
    assert [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)] == []


def test_a_new_event_loop_closes_the_connections_of_one_still_running(redis_url: str) -> None:
    # two TestClients open at once, each with its event loop in its own thread
    name = f"zephyr-test-{uuid.uuid4().hex[:12]}"
    store = RedisStore(f"{redis_url}?client_name={name}", prefix=f"zephyr-test:{name}:", max_connections=2)
    other = asyncio.new_event_loop()
    thread = threading.Thread(target=other.run_forever, daemon=True)
    thread.start()
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            asyncio.run_coroutine_threadsafe(store.set("k", b"v", expires_in=5), other).result(timeout=10)
            assert _client_count(redis_url, name) == 1

            async def use_here() -> None:
                await store.set("k", b"v", expires_in=5)
                # the other loop's connection is closed on its own loop, which still runs
                assert await asyncio.to_thread(_wait_for_client_count, redis_url, name, 1) == 1
                await store.close()

            asyncio.run(use_here())
            gc.collect()
        assert [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)] == []
    finally:
        other.call_soon_threadsafe(other.stop)
        thread.join(timeout=10)
        other.close()
