"""End-to-end: ``examples/rate_limited.py`` under uvicorn with two workers sharing a Redis store."""

from __future__ import annotations

import collections
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.support.server import run_server
from tests.support.services import free_port

pytestmark = [pytest.mark.e2e, pytest.mark.services]

REQUESTS = 60
LIMIT = 20


def fire(url: str, count: int = REQUESTS) -> list[httpx.Response]:
    """Send ``count`` concurrent GETs (bounded: 20 threads, 10 s each) from one client."""
    with httpx.Client(timeout=10.0, limits=httpx.Limits(max_connections=20)) as client:

        def get(_: int) -> httpx.Response:
            response = client.get(url)
            response.read()
            return response

        with ThreadPoolExecutor(max_workers=20) as pool:
            return list(pool.map(get, range(count)))


@pytest.fixture
def prefix(redis_url: str) -> Iterator[str]:
    import redis

    value = f"zephyr-e2e:{uuid.uuid4().hex}:"
    yield value
    client = redis.Redis.from_url(redis_url)
    try:
        keys = list(client.scan_iter(match=value + "*"))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


def test_two_workers_share_the_limit_through_redis(redis_url: str, prefix: str) -> None:
    env = {"REDIS_URL": redis_url, "RATE_LIMIT": str(LIMIT), "RATE_LIMIT_PREFIX": prefix}
    with run_server("examples.rate_limited:app", args=["--workers", "2"], env=env) as server:
        responses = fire(f"{server.url}/limited")
        health = httpx.get(f"{server.url}/health", timeout=10.0)
    counts = collections.Counter(response.status_code for response in responses)
    assert counts == {200: LIMIT, 429: REQUESTS - LIMIT}
    denied = next(response for response in responses if response.status_code == 429)
    retry_after = int(denied.headers["retry-after"])
    assert 1 <= retry_after <= 60
    unit = "second" if retry_after == 1 else "seconds"
    assert denied.json() == {"detail": f"Rate limit exceeded: {LIMIT}/minute. Retry after {retry_after} {unit}."}
    allowed = [response for response in responses if response.status_code == 200]
    assert sorted(int(response.headers["ratelimit-remaining"]) for response in allowed) == list(range(LIMIT))
    assert all(response.headers["ratelimit-limit"] == str(LIMIT) for response in allowed)
    assert health.status_code == 200


def test_two_workers_share_the_response_cache_through_redis(redis_url: str, prefix: str) -> None:
    env = {"REDIS_URL": redis_url, "RATE_LIMIT_PREFIX": prefix}
    with run_server("examples.rate_limited:app", args=["--workers", "2"], env=env) as server:
        responses = fire(f"{server.url}/cached", count=20)
    assert {response.status_code for response in responses} == {200}
    assert {response.json()["hello"] for response in responses} == {"world"}
    assert collections.Counter(response.headers["x-cache"] for response in responses)["MISS"] == 1


@pytest.mark.parametrize(("policy", "status"), [("allow", 200), ("deny", 503)])
def test_unreachable_redis_fails_open_or_closed(policy: str, status: int) -> None:
    env = {
        "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0",
        "RATE_LIMIT": "5",
        "RATE_LIMIT_ON_STORE_ERROR": policy,
    }
    with run_server("examples.rate_limited:app", args=["--workers", "2"], env=env) as server:
        responses = fire(f"{server.url}/limited", count=30)
        cached = httpx.get(f"{server.url}/cached", timeout=10.0)
    assert collections.Counter(response.status_code for response in responses) == {status: 30}
    if status == 503:
        assert responses[0].json() == {"detail": "Rate limiting is unavailable right now. Retry after 1 second."}
        assert responses[0].headers["retry-after"] == "1"
    assert (cached.status_code, cached.json()) == (200, {"hello": "world"})
