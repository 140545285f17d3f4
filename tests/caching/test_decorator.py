from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any

import httpx
import pytest

from tests.stores.support import redis_store_for
from tests.support.services import free_port
from zephyr._hooks import route_middleware
from zephyr.applications import FastAPI
from zephyr.caching import Cache, cache
from zephyr.responses import Response
from zephyr.stores import BaseStore, MemoryStore, RedisStore
from zephyr.testclient import TestClient
from zephyr.types import ASGIApp, Receive, Scope, Send

pytestmark = pytest.mark.anyio


class Counter:
    """An ASGI app answering ``count=<n>``; the query string can ask for a status, headers or a slow answer."""

    def __init__(self) -> None:
        self.calls = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.calls += 1
        number = self.calls
        query = scope["query_string"].decode()
        status = 404 if "missing" in query else 200
        headers = [(b"content-type", b"text/plain")]
        if "cookie" in query:
            headers.append((b"set-cookie", b"a=b"))
        if "nostore" in query:
            headers.append((b"cache-control", b"no-store"))
        if "events" in query:
            headers[0] = (b"content-type", b"text/event-stream")
        if "own-etag" in query:
            headers.append((b"etag", b'"mine"'))
        if "slow" in query:
            await asyncio.sleep(0.05)
        body = f"count={number}".encode()
        if "chunks" in query:
            await send({"type": "http.response.start", "status": status, "headers": headers})
            for piece in (body, b"-", body):
                await send({"type": "http.response.body", "body": piece, "more_body": True})
            await send({"type": "http.response.body", "body": b"", "more_body": False})
            return
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def cached(app: ASGIApp, **options: Any) -> ASGIApp:
    def endpoint(item_id: str = "") -> None: ...

    cache(**options)(endpoint)
    (factory,) = route_middleware(endpoint)
    return factory(app)


def client_for(app: ASGIApp) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


async def test_second_get_is_a_hit_with_age_cache_control_and_etag() -> None:
    counter = Counter()
    async with client_for(cached(counter, expire=30)) as client:
        first = await client.get("/a")
        second = await client.get("/a")
    assert (first.status_code, first.text, second.status_code, second.text) == (200, "count=1", 200, "count=1")
    assert counter.calls == 1
    assert first.headers["x-cache"] == "MISS"
    assert first.headers["age"] == "0"
    assert second.headers["x-cache"] == "HIT"
    assert second.headers["age"] == "0"
    for response in (first, second):
        assert response.headers["cache-control"] == "max-age=30"
        assert response.headers["content-type"] == "text/plain"
        assert response.headers["content-length"] == "7"
        assert response.headers.get_list("x-cache") == [response.headers["x-cache"]]
    assert first.headers["etag"] == second.headers["etag"]


async def test_if_none_match_answers_304_on_hit_and_miss() -> None:
    counter = Counter()
    async with client_for(cached(counter)) as client:
        etag = (await client.get("/a")).headers["etag"]
        hit = await client.get("/a", headers={"If-None-Match": etag})
        miss = await client.get("/b?x=1", headers={"If-None-Match": (await client.get("/b?x=1")).headers["etag"]})
        refreshed = await client.get("/a", headers={"If-None-Match": etag, "Cache-Control": "no-cache"})
        other = await client.get("/a", headers={"If-None-Match": '"other"'})
    assert (hit.status_code, hit.content) == (304, b"")
    assert hit.headers["etag"] == etag
    assert hit.headers["x-cache"] == "HIT"
    assert hit.headers["cache-control"] == "max-age=60"
    assert "content-type" not in hit.headers
    assert "content-length" not in hit.headers or hit.headers["content-length"] == "0"
    assert miss.status_code == 304
    assert (refreshed.status_code, refreshed.headers["x-cache"]) == (200, "MISS")  # new body, new etag
    assert (other.status_code, other.headers["x-cache"]) == (200, "HIT")


async def test_responses_keep_their_own_etag() -> None:
    async with client_for(cached(Counter())) as client:
        first = await client.get("/?own-etag")
        second = await client.get("/?own-etag", headers={"If-None-Match": '"mine"'})
    assert first.headers.get_list("etag") == ['"mine"']
    assert second.status_code == 304


async def test_etag_can_be_turned_off() -> None:
    async with client_for(cached(Counter(), etag=False)) as client:
        await client.get("/")
        response = await client.get("/")
    assert response.headers["x-cache"] == "HIT"
    assert "etag" not in response.headers


async def test_key_includes_the_sorted_query_string() -> None:
    counter = Counter()
    async with client_for(cached(counter)) as client:
        texts = [(await client.get(url)).text for url in ("/a?x=1&y=2", "/a?y=2&x=1", "/a?x=2", "/a")]
    assert texts == ["count=1", "count=1", "count=2", "count=3"]


async def test_custom_key_function() -> None:
    counter = Counter()

    async def key(request: Any) -> str:
        return "everything"

    async with client_for(cached(counter, key=key)) as client:
        texts = [(await client.get(url)).text for url in ("/a", "/b")]
    assert texts == ["count=1", "count=1"]


async def test_vary_headers_select_separate_entries() -> None:
    counter = Counter()
    async with client_for(cached(counter, vary=["Accept-Language"])) as client:
        en = await client.get("/", headers={"Accept-Language": "en"})
        fr = await client.get("/", headers={"Accept-Language": "fr"})
        en_again = await client.get("/", headers={"Accept-Language": "en"})
    assert [en.text, fr.text, en_again.text] == ["count=1", "count=2", "count=1"]
    assert en_again.headers["vary"] == "accept-language"


async def test_only_get_and_head_are_cached_and_head_uses_the_get_entry() -> None:
    counter = Counter()
    async with client_for(cached(counter)) as client:
        head_miss = await client.head("/")
        await client.get("/")
        head_hit = await client.head("/")
        posts = [(await client.post("/")).text for _ in range(2)]
    assert head_miss.headers["x-cache"] == "MISS"
    assert (head_hit.headers["x-cache"], head_hit.content, head_hit.headers["content-length"]) == ("HIT", b"", "7")
    assert posts == ["count=3", "count=4"]
    assert counter.calls == 4


async def test_only_200_is_stored_by_default_and_status_codes_widens_it() -> None:
    counter = Counter()
    async with client_for(cached(counter)) as client:
        assert [(await client.get("/?missing")).text for _ in range(2)] == ["count=1", "count=2"]
    counter = Counter()
    async with client_for(cached(counter, status_codes=[200, 404])) as client:
        responses = [await client.get("/?missing") for _ in range(2)]
    assert [(r.status_code, r.text) for r in responses] == [(404, "count=1"), (404, "count=1")]


async def test_responses_setting_cookies_or_no_store_are_not_stored() -> None:
    counter = Counter()
    async with client_for(cached(counter)) as client:
        cookies = [await client.get("/?cookie") for _ in range(2)]
        nostore = [(await client.get("/?nostore")).text for _ in range(2)]
    assert [r.text for r in cookies] == ["count=1", "count=2"]
    assert cookies[0].headers["x-cache"] == "MISS"
    assert nostore == ["count=3", "count=4"]


async def test_authorized_requests_bypass_unless_allowed() -> None:
    counter = Counter()
    async with client_for(cached(counter)) as client:
        responses = [await client.get("/", headers={"Authorization": "Bearer x"}) for _ in range(2)]
    assert [r.text for r in responses] == ["count=1", "count=2"]
    assert responses[0].headers["x-cache"] == "BYPASS"
    counter = Counter()
    async with client_for(cached(counter, allow_authorized=True)) as client:
        responses = [await client.get("/", headers={"Authorization": "Bearer x"}) for _ in range(2)]
    assert [r.headers["x-cache"] for r in responses] == ["MISS", "HIT"]


async def test_request_no_store_bypasses_and_no_cache_refreshes() -> None:
    counter = Counter()
    async with client_for(cached(counter)) as client:
        await client.get("/")
        bypass = await client.get("/", headers={"Cache-Control": "no-store"})
        hit = await client.get("/")
        refresh = await client.get("/", headers={"Cache-Control": "no-cache"})
        after_refresh = await client.get("/")
        pragma = await client.get("/", headers={"Pragma": "no-cache"})
        max_age_zero = await client.get("/", headers={"Cache-Control": "max-age=0"})
    assert (bypass.text, bypass.headers["x-cache"]) == ("count=2", "BYPASS")
    assert (hit.text, hit.headers["x-cache"]) == ("count=1", "HIT")
    assert (refresh.text, refresh.headers["x-cache"]) == ("count=3", "MISS")
    assert (after_refresh.text, after_refresh.headers["x-cache"]) == ("count=3", "HIT")
    assert (pragma.text, max_age_zero.text) == ("count=4", "count=5")


async def test_streamed_bodies_are_stored_whole() -> None:
    counter = Counter()
    async with client_for(cached(counter)) as client:
        first = await client.get("/?chunks")
        second = await client.get("/?chunks")
    assert first.text == second.text == "count=1-count=1"
    assert second.headers["x-cache"] == "HIT"


async def test_bodies_above_max_body_size_are_streamed_through_unstored() -> None:
    counter = Counter()
    async with client_for(cached(counter, max_body_size=10)) as client:
        texts = [(await client.get("/?chunks")).text for _ in range(2)]
        small = [(await client.get("/")).headers["x-cache"] for _ in range(2)]
    assert texts == ["count=1-count=1", "count=2-count=2"]
    assert small == ["MISS", "HIT"]


async def test_concurrent_misses_compute_once() -> None:
    counter = Counter()
    async with client_for(cached(counter)) as client:
        responses = await asyncio.gather(*(client.get("/?slow") for _ in range(10)))
    assert counter.calls == 1
    assert {r.text for r in responses} == {"count=1"}
    assert sorted(r.headers["x-cache"] for r in responses) == ["HIT"] * 9 + ["MISS"]


async def test_waiters_compute_themselves_when_the_leader_stored_nothing() -> None:
    counter = Counter()
    async with client_for(cached(counter)) as client:
        responses = await asyncio.gather(*(client.get("/?slow&cookie") for _ in range(3)))
    assert counter.calls == 3
    assert sorted(r.text for r in responses) == ["count=1", "count=2", "count=3"]


async def test_tags_are_filled_from_path_params_and_invalidated() -> None:
    counter = Counter()
    shared = Cache(MemoryStore())
    app = cached(counter, store=shared, tags=["items", "item:{item_id}"])

    async def with_params(scope: Scope, receive: Receive, send: Send) -> None:
        scope["path_params"] = {"item_id": scope["path"].rsplit("/", 1)[-1]}
        await app(scope, receive, send)

    async with client_for(with_params) as client:
        assert [(await client.get(u)).text for u in ("/items/1", "/items/2", "/items/1")] == [
            "count=1",
            "count=2",
            "count=1",
        ]
        await shared.invalidate_tags("item:1")
        assert [(await client.get(u)).text for u in ("/items/1", "/items/2")] == ["count=3", "count=2"]
        await shared.invalidate_tags("items")
        assert [(await client.get(u)).text for u in ("/items/1", "/items/2")] == ["count=4", "count=5"]
        await shared.invalidate("/items/1")
        assert (await client.get("/items/1")).text == "count=6"


async def test_tags_from_a_function() -> None:
    counter = Counter()
    shared = Cache()
    app = cached(counter, store=shared, tags=lambda request: [f"path:{request.url.path}"])
    async with client_for(app) as client:
        await client.get("/x")
        await shared.invalidate_tags("path:/x")
        assert (await client.get("/x")).text == "count=2"


async def test_cached_method_of_cache() -> None:
    shared = Cache(MemoryStore())

    def endpoint() -> None: ...

    assert shared.cached(expire=5)(endpoint) is endpoint
    (factory,) = route_middleware(endpoint)
    async with client_for(factory(Counter())) as client:
        await client.get("/")
        response = await client.get("/")
    assert response.headers["cache-control"] == "max-age=5"


async def test_non_http_scopes_pass_through() -> None:
    seen: list[str] = []

    async def inner(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope["type"])

    await cached(inner)({"type": "websocket"}, None, None)  # type: ignore[arg-type]
    assert seen == ["websocket"]


def test_configuration_errors() -> None:
    with pytest.raises(ValueError, match="cache expire must be a positive number of seconds or None, got 0"):
        cache(expire=0)
    with pytest.raises(TypeError, match="tags must be a list of strings or a function, got the string 'items'"):
        cache(tags="items")


async def test_store_failure_serves_uncached_with_one_warning(caplog: pytest.LogCaptureFixture) -> None:
    store = RedisStore(f"redis://127.0.0.1:{free_port()}/0", timeout=0.5)
    counter = Counter()
    with caplog.at_level(logging.WARNING):
        async with client_for(cached(counter, store=store)) as client:
            responses = [await client.get("/") for _ in range(3)]
    await store.close()
    assert [(r.status_code, r.text) for r in responses] == [(200, "count=1"), (200, "count=2"), (200, "count=3")]
    assert [r.headers["x-cache"] for r in responses] == ["MISS"] * 3
    # one line, from the store's breaker; the cache does not repeat it
    assert [r.name for r in caplog.records] == ["zephyr.stores"]


class FailingStore(MemoryStore):
    """A store without a circuit breaker whose reads fail."""

    async def get(self, key: str) -> bytes | None:
        raise ConnectionError("store is down")

    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        raise ConnectionError("store is down")


async def test_failure_of_a_store_without_a_breaker_is_logged_by_the_cache(caplog: pytest.LogCaptureFixture) -> None:
    counter = Counter()
    with caplog.at_level(logging.WARNING):
        async with client_for(cached(counter, store=FailingStore())) as client:
            responses = [await client.get("/") for _ in range(3)]
    assert [(r.status_code, r.text) for r in responses] == [(200, "count=1"), (200, "count=2"), (200, "count=3")]
    assert [r.name for r in caplog.records] == ["zephyr.caching"]
    assert "(ConnectionError: store is down); serving uncached (1 failure(s)" in caplog.records[0].getMessage()


@pytest.fixture
async def redis_cache(redis_url: str) -> AsyncIterator[Cache]:
    async for store in redis_store_for(redis_url):
        yield Cache(store)


@pytest.mark.services
async def test_redis_backed_route_cache_is_shared(redis_cache: Cache) -> None:
    first_counter, second_counter = Counter(), Counter()
    first = cached(first_counter, store=redis_cache)
    second = cached(second_counter, store=redis_cache)
    async with client_for(first) as a, client_for(second) as b:
        assert (await a.get("/shared")).text == "count=1"
        response = await b.get("/shared")
    assert (response.text, response.headers["x-cache"]) == ("count=1", "HIT")
    assert second_counter.calls == 0


@pytest.mark.services
async def test_redis_lock_makes_other_workers_wait_and_read(redis_cache: Cache) -> None:
    # two middleware instances stand for two workers: separate in-process single flights, one Redis lock
    counters = [Counter() for _ in range(4)]
    apps = [cached(counter, store=redis_cache) for counter in counters]
    clients = [client_for(app) for app in apps]
    try:
        responses = await asyncio.gather(*(client.get("/?slow") for client in clients))
    finally:
        for client in clients:
            await client.aclose()
    assert sum(counter.calls for counter in counters) == 1
    assert {r.text for r in responses} == {"count=1"}
    assert await redis_cache.store.get(f"{redis_cache.prefix}l:/?slow") is None


# through a real app -----------------------------------------------------------------------------------------------


def test_app_route_cache_with_path_param_tags_and_invalidation() -> None:
    app = FastAPI()
    responses = Cache(MemoryStore())
    calls: list[int] = []

    @app.get("/items/{item_id}")
    @responses.cached(expire=120, tags=["items", "item:{item_id}"])
    async def read_item(item_id: int) -> dict[str, int]:
        calls.append(item_id)
        return {"id": item_id, "version": len(calls)}

    @app.put("/items/{item_id}")
    async def update_item(item_id: int) -> dict[str, bool]:
        await responses.invalidate_tags(f"item:{item_id}")
        return {"ok": True}

    with TestClient(app) as client:
        first = client.get("/items/1")
        second = client.get("/items/1")
        not_modified = client.get("/items/1", headers={"If-None-Match": first.headers["etag"]})
        client.put("/items/1")
        after = client.get("/items/1")
        other = client.get("/items/2")
    assert (first.json(), first.headers["x-cache"]) == ({"id": 1, "version": 1}, "MISS")
    assert (second.json(), second.headers["x-cache"]) == ({"id": 1, "version": 1}, "HIT")
    assert second.headers["cache-control"] == "max-age=120"
    assert second.headers["content-type"] == "application/json"
    assert (not_modified.status_code, not_modified.content) == (304, b"")
    assert (after.json(), after.headers["x-cache"]) == ({"id": 1, "version": 2}, "MISS")
    assert other.json() == {"id": 2, "version": 3}
    assert calls == [1, 1, 2]


def test_app_route_cache_never_stores_cookies_or_authorized_requests() -> None:
    app = FastAPI()
    calls: list[str] = []

    @cache(expire=60)
    @app.get("/cookie")
    async def cookie(response: Response) -> str:
        calls.append("cookie")
        response.set_cookie("seen", "1")
        return "cookie"

    @app.get("/plain")
    @cache(expire=60)
    async def plain() -> str:
        calls.append("plain")
        return "plain"

    with TestClient(app) as client:
        cookie_responses = [client.get("/cookie") for _ in range(2)]
        authorized = [client.get("/plain", headers={"Authorization": "Bearer t"}) for _ in range(2)]
        client.get("/plain")
        hit = client.get("/plain")
    assert [r.headers["x-cache"] for r in cookie_responses] == ["MISS", "MISS"]
    assert [r.headers["x-cache"] for r in authorized] == ["BYPASS", "BYPASS"]
    assert hit.headers["x-cache"] == "HIT"
    assert calls == ["cookie", "cookie", "plain", "plain", "plain"]


def test_app_cached_response_matches_the_uncached_fastapi_response() -> None:
    """The body and content headers served from the cache equal what FastAPI sends for the same endpoint."""
    import fastapi
    import fastapi.testclient

    theirs = fastapi.FastAPI()
    ours = FastAPI()

    async def data() -> dict[str, object]:
        return {"name": "zephyr", "tags": ["a", "b"], "n": 1.5}

    theirs.get("/data")(data)
    ours.get("/data")(cache(expire=60)(data))
    with fastapi.testclient.TestClient(theirs) as their_client, TestClient(ours) as our_client:
        expected = their_client.get("/data")
        our_client.get("/data")
        hit = our_client.get("/data")
    assert hit.headers["x-cache"] == "HIT"
    assert hit.status_code == expected.status_code
    assert hit.content == expected.content
    for name in ("content-type", "content-length"):
        assert hit.headers[name] == expected.headers[name]


async def test_after_a_store_failure_the_cache_is_skipped_for_a_second() -> None:
    class DownStore(MemoryStore):
        def __init__(self) -> None:
            super().__init__()
            self.attempts = 0

        async def get_many(self, keys: Any) -> Any:
            self.attempts += 1
            raise ConnectionError("down")

    store = DownStore()
    counter = Counter()
    async with client_for(cached(counter, store=store)) as client:
        responses = [await client.get("/") for _ in range(3)]
    assert [(r.status_code, r.headers["x-cache"]) for r in responses] == [(200, "MISS")] * 3
    assert store.attempts == 1
    assert counter.calls == 3


class SharedStore(BaseStore):
    """A BaseStore that is not a MemoryStore, so the route cache uses the cross-worker lock; backed by a dict."""

    def __init__(self) -> None:
        self.memory = MemoryStore()
        self.fail_add = False

    async def get(self, key: str) -> bytes | None:
        return await self.memory.get(key)

    async def set(self, key: str, value: bytes, expires_in: float | None = None) -> None:
        await self.memory.set(key, value, expires_in)

    async def delete(self, key: str) -> None:
        await self.memory.delete(key)

    async def add(self, key: str, value: bytes, expires_in: float | None = None) -> bool:
        if self.fail_add:
            raise ConnectionError("down")
        return await self.memory.add(key, value, expires_in)


async def test_a_held_lock_makes_the_request_wait_then_compute_when_released() -> None:
    store = SharedStore()
    shared = Cache(store)
    counter = Counter()
    await store.set(f"{shared.prefix}l:/", b"1", 10)
    async with client_for(cached(counter, store=shared)) as client:
        request = asyncio.ensure_future(client.get("/"))
        await asyncio.sleep(0.05)
        assert not request.done()
        await store.delete(f"{shared.prefix}l:/")
        response = await asyncio.wait_for(request, 5)
    assert (response.text, response.headers["x-cache"]) == ("count=1", "MISS")


class RacingStore(SharedStore):
    """Runs ``before_first_lock`` (once) just before a lock is taken: another worker's whole miss fits there."""

    def __init__(self) -> None:
        super().__init__()
        self.before_first_lock: Callable[[], Awaitable[Any]] | None = None

    async def add(self, key: str, value: bytes, expires_in: float | None = None) -> bool:
        hook, self.before_first_lock = self.before_first_lock, None
        if hook is not None:
            await hook()
        return await super().add(key, value, expires_in)


async def test_an_entry_stored_while_this_worker_took_the_lock_is_served_not_computed_again() -> None:
    store = RacingStore()
    shared = Cache(store)
    counter = Counter()
    async with client_for(cached(counter, store=shared)) as other, client_for(cached(counter, store=shared)) as this:
        # This worker has read the store (a miss); the other one misses, computes, stores and lets go of its lock.
        store.before_first_lock = lambda: other.get("/")
        response = await this.get("/")
    assert (response.text, response.headers["x-cache"], counter.calls) == ("count=1", "HIT", 1)


async def test_a_stuck_lock_is_waited_on_at_most_lock_timeout() -> None:
    store = SharedStore()
    shared = Cache(store)
    counter = Counter()
    await store.set(f"{shared.prefix}l:/", b"1", 60)
    async with client_for(cached(counter, store=shared, lock_timeout=0.1)) as client:
        response = await asyncio.wait_for(client.get("/"), 5)
    assert (response.text, counter.calls) == ("count=1", 1)


async def test_lock_failure_computes_without_the_lock() -> None:
    store = SharedStore()
    store.fail_add = True
    counter = Counter()
    async with client_for(cached(counter, store=Cache(store))) as client:
        texts = [(await client.get("/")).text for _ in range(2)]
    assert texts == ["count=1", "count=2"]  # the failure also skips the store for a second


def test_tag_fields_must_name_endpoint_parameters() -> None:
    from zephyr.exceptions import FastAPIError

    async def read_item(item_id: int) -> None: ...

    assert cache(tags=["item:{item_id}"])(read_item) is read_item
    with pytest.raises(FastAPIError, match=r"The cache tag 'item:\{id\}' of .*read_item' uses \{id\}, which is not"):
        cache(tags=["item:{id}"])(read_item)


async def test_event_streams_are_passed_through_unbuffered() -> None:
    counter = Counter()
    seen: list[Any] = []
    app = cached(counter)
    scope = {"type": "http", "method": "GET", "path": "/", "query_string": b"events&chunks", "headers": []}

    async def send(message: Any) -> None:
        seen.append(message)

    await app(scope, None, send)  # type: ignore[arg-type]
    assert [m["type"] for m in seen] == ["http.response.start"] + ["http.response.body"] * 4
    assert seen[1]["body"] == b"count=1"
    assert (b"x-cache", b"MISS") in seen[0]["headers"]
