from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.stores.support import FakeClock
from tests.support.services import free_port
from zephyr.ratelimit import RateLimitMiddleware, SlidingWindow
from zephyr.stores import MemoryStore, RedisStore
from zephyr.types import Receive, Scope, Send

pytestmark = pytest.mark.anyio


async def hello(scope: Scope, receive: Receive, send: Send) -> None:
    extra = scope.get("extra_headers", [])
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain"), *extra]})
    await send({"type": "http.response.body", "body": b"hello"})


def client_for(app: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


@pytest.fixture
async def store() -> AsyncIterator[MemoryStore]:
    async with MemoryStore(clock=FakeClock()) as memory:
        yield memory


async def test_allows_the_limit_then_answers_429_with_retry_after(store: MemoryStore) -> None:
    app = RateLimitMiddleware(hello, "2/minute", store=store)
    async with client_for(app) as client:
        first = await client.get("/")
        second = await client.get("/")
        third = await client.get("/")
    assert (first.status_code, first.text) == (200, "hello")
    assert first.headers["ratelimit-limit"] == "2"
    assert first.headers["ratelimit-remaining"] == "1"
    assert first.headers["ratelimit-reset"] == "60"
    assert first.headers["ratelimit-policy"] == "2;w=60"
    assert "retry-after" not in first.headers
    assert second.headers["ratelimit-remaining"] == "0"
    assert third.status_code == 429
    assert third.json() == {"detail": "Rate limit exceeded: 2/minute. Retry after 60 seconds."}
    assert third.headers["retry-after"] == "60"
    assert third.headers["content-type"] == "application/json"
    assert third.headers["content-length"] == str(len(third.content))
    assert third.headers["ratelimit-remaining"] == "0"


async def test_retry_after_says_one_second_in_the_singular(store: MemoryStore) -> None:
    app = RateLimitMiddleware(hello, "1/second", store=store)
    async with client_for(app) as client:
        await client.get("/")
        denied = await client.get("/")
    assert denied.json() == {"detail": "Rate limit exceeded: 1/second. Retry after 1 second."}


async def test_excluded_paths_and_non_http_traffic_pass(store: MemoryStore) -> None:
    app = RateLimitMiddleware(hello, "1/minute", store=store, exclude_paths=["/health"])
    async with client_for(app) as client:
        assert [(await client.get("/health/live")).status_code for _ in range(3)] == [200, 200, 200]
        assert (await client.get("/health")).headers.get("ratelimit-limit") is None
        assert [(await client.get("/x")).status_code for _ in range(2)] == [200, 429]
    seen: list[str] = []

    async def inner(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope["type"])

    await RateLimitMiddleware(inner, "1/minute", store=store)({"type": "lifespan"}, None, None)  # type: ignore[arg-type]
    assert seen == ["lifespan"]


async def test_key_returning_none_exempts_and_async_keys_work(store: MemoryStore) -> None:
    async def key(conn: Any) -> str | None:
        return None if conn.headers.get("x-admin") else "everyone"

    app = RateLimitMiddleware(hello, "1/minute", store=store, key=key)
    async with client_for(app) as client:
        assert [(await client.get("/", headers={"x-admin": "1"})).status_code for _ in range(3)] == [200] * 3
        assert [(await client.get("/")).status_code for _ in range(2)] == [200, 429]


async def test_clients_are_counted_separately_behind_a_trusted_proxy(store: MemoryStore) -> None:
    app = RateLimitMiddleware(hello, "1/minute", store=store, trusted_proxies=["127.0.0.1"])
    async with client_for(app) as client:
        assert (await client.get("/", headers={"X-Forwarded-For": "1.1.1.1"})).status_code == 200
        assert (await client.get("/", headers={"X-Forwarded-For": "2.2.2.2"})).status_code == 200
        assert (await client.get("/", headers={"X-Forwarded-For": "1.1.1.1"})).status_code == 429


async def test_headers_can_be_turned_off(store: MemoryStore) -> None:
    app = RateLimitMiddleware(hello, "5/minute", store=store, headers=False)
    async with client_for(app) as client:
        response = await client.get("/")
    assert response.status_code == 200
    assert "ratelimit-limit" not in response.headers


async def test_stricter_route_headers_win_and_looser_ones_are_replaced(store: MemoryStore) -> None:
    async def with_route_limit(scope: Scope, receive: Receive, send: Send) -> None:
        scope["extra_headers"] = [(b"RateLimit-Limit", b"1"), (b"RateLimit-Remaining", b"0")]
        await hello(scope, receive, send)

    async with client_for(RateLimitMiddleware(with_route_limit, "5/minute", store=store)) as client:
        response = await client.get("/")
    assert response.headers.get_list("ratelimit-limit") == ["1"]
    assert response.headers.get_list("ratelimit-remaining") == ["0"]

    async def loose_route_limit(scope: Scope, receive: Receive, send: Send) -> None:
        scope["extra_headers"] = [(b"ratelimit-limit", b"100"), (b"ratelimit-remaining", b"99")]
        await hello(scope, receive, send)

    async with client_for(RateLimitMiddleware(loose_route_limit, "5/minute", store=store, name="b")) as client:
        response = await client.get("/")
    assert response.headers.get_list("ratelimit-limit") == ["5"]
    assert response.headers.get_list("ratelimit-remaining") == ["4"]


async def test_algorithm_instance_sets_the_rate(store: MemoryStore) -> None:
    app = RateLimitMiddleware(hello, store=store, algorithm=SlidingWindow("3/10 seconds"))
    async with client_for(app) as client:
        response = await client.get("/")
    assert response.headers["ratelimit-policy"] == "3;w=10"


async def test_store_failure_fails_open_with_one_warning(caplog: pytest.LogCaptureFixture) -> None:
    store = RedisStore(f"redis://127.0.0.1:{free_port()}/0", timeout=0.5)
    app = RateLimitMiddleware(hello, "1/minute", store=store)
    with caplog.at_level(logging.WARNING):
        async with client_for(app) as client:
            responses = [await client.get("/") for _ in range(3)]
    await store.close()
    assert [r.status_code for r in responses] == [200, 200, 200]
    assert "ratelimit-limit" not in responses[0].headers
    assert [r.name for r in caplog.records] == ["zephyr.stores"]  # the store's breaker logs it once
    assert caplog.records[0].getMessage().startswith(f"{store!r} failed (ConnectionError")


async def test_failure_of_a_store_without_a_breaker_is_logged_by_the_limit(caplog: pytest.LogCaptureFixture) -> None:
    app = RateLimitMiddleware(hello, "1/minute", store=FlakyStore())
    with caplog.at_level(logging.WARNING):
        async with client_for(app) as client:
            responses = [await client.get("/") for _ in range(3)]
    assert [r.status_code for r in responses] == [200, 200, 200]
    assert [r.name for r in caplog.records] == ["zephyr.ratelimit"]
    message = caplog.records[0].getMessage()
    assert message.startswith("Rate limit 'global': the store <tests.ratelimit.test_middleware.FlakyStore object")
    assert "(ConnectionError: store is down); allowing requests (1 failure(s) since the last warning" in message


async def test_store_failure_fails_closed_with_503(caplog: pytest.LogCaptureFixture) -> None:
    store = RedisStore(f"redis://127.0.0.1:{free_port()}/0", timeout=0.5)
    app = RateLimitMiddleware(hello, "1/minute", store=store, on_store_error="deny")
    with caplog.at_level(logging.WARNING):
        async with client_for(app) as client:
            responses = [await client.get("/") for _ in range(2)]
    await store.close()
    assert [r.status_code for r in responses] == [503, 503]
    assert responses[0].json() == {"detail": "Rate limiting is unavailable right now. Retry after 1 second."}
    assert responses[0].headers["retry-after"] == "1"
    assert [r.name for r in caplog.records] == ["zephyr.stores"]


def test_configuration_errors_are_raised_at_construction() -> None:
    with pytest.raises(ValueError, match=r"on_store_error must be 'allow' \(fail open\) or 'deny'.*got 'maybe'"):
        RateLimitMiddleware(hello, "1/second", on_store_error="maybe")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="cost must be a positive integer, got 0"):
        RateLimitMiddleware(hello, "1/second", cost=0)
    with pytest.raises(TypeError, match="The rate-limit store must be a MemoryStore, a RedisStore or a BaseStore"):
        RateLimitMiddleware(hello, "1/second", store=object())  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="Invalid rate 'lots'"):
        RateLimitMiddleware(hello, "lots")


@pytest.mark.services
async def test_redis_store_is_shared_between_middleware_instances(redis_store: RedisStore) -> None:
    first = RateLimitMiddleware(hello, "3/minute", store=redis_store)
    second = RateLimitMiddleware(hello, "3/minute", store=redis_store)
    async with client_for(first) as a, client_for(second) as b:
        codes = [(await client.get("/")).status_code for client in (a, b, a, b)]
    assert codes == [200, 200, 200, 429]


class FlakyStore(MemoryStore):
    """A memory store whose ``hit`` fails while ``down`` is set, counting the attempts."""

    def __init__(self) -> None:
        super().__init__()
        self.down = True
        self.attempts = 0

    async def hit(self, algorithm: Any, key: str, cost: int = 1) -> Any:
        self.attempts += 1
        if self.down:
            raise ConnectionError("store is down")
        return await super().hit(algorithm, key, cost)


async def test_after_a_failure_the_store_is_skipped_for_a_second() -> None:
    flaky = FlakyStore()
    app = RateLimitMiddleware(hello, "1/minute", store=flaky)
    async with client_for(app) as client:
        assert [(await client.get("/")).status_code for _ in range(3)] == [200, 200, 200]
        assert flaky.attempts == 1
        await client.get("/")  # still inside the first second: skipped
        flaky.down = False
        app._engine._skip_until = 1.0  # the backoff has passed
        assert [(await client.get("/")).status_code for _ in range(2)] == [200, 429]
    assert flaky.attempts == 3
