"""The caching example on the real Redis, under a key prefix of its own."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import redis
from examples.caching import Settings, create_app, expensive

from tests.support.services import free_port
from zephyr.testclient import TestClient

pytestmark = pytest.mark.services


@pytest.fixture
def settings(redis_url: str, unique: str) -> Iterator[Settings]:
    prefix = f"{unique}:"
    yield Settings(redis_url=redis_url, cache_prefix=prefix, compute_seconds=0.3)
    client = redis.Redis.from_url(redis_url)
    try:
        keys = list(client.scan_iter(match=f"{prefix}*"))
        if keys:
            client.delete(*keys)  # this run's keys only
    finally:
        client.close()


def test_the_second_request_is_served_from_redis(settings: Settings, redis_url: str) -> None:
    settings = settings.model_copy(update={"compute_seconds": 1.0})  # a hit is far faster, even on a loaded machine
    with TestClient(create_app(settings)) as client:
        started = time.perf_counter()
        first = client.get("/expensive-computation/42")
        miss = time.perf_counter() - started
        started = time.perf_counter()
        second = client.get("/expensive-computation/42")
        hit = time.perf_counter() - started
        assert (first.status_code, first.headers["x-cache"], second.headers["x-cache"]) == (200, "MISS", "HIT")
        assert second.json() == first.json()
        assert first.json()["result"] == expensive("42")
        assert miss >= 1.0 > hit
        assert client.app.state.computations == 1  # type: ignore[attr-defined]
        revalidated = client.get("/expensive-computation/42", headers={"If-None-Match": first.headers["etag"]})
        assert (revalidated.status_code, revalidated.content) == (304, b"")
    stored = redis.Redis.from_url(redis_url)
    try:
        assert list(stored.scan_iter(match=f"{settings.cache_prefix}*"))  # the entry is in Redis
    finally:
        stored.close()


def test_another_app_sharing_redis_gets_the_hit(settings: Settings) -> None:
    with TestClient(create_app(settings)) as one, TestClient(create_app(settings)) as other:
        assert one.get("/expensive-computation/x").headers["x-cache"] == "MISS"
        answer = other.get("/expensive-computation/x")
        assert answer.headers["x-cache"] == "HIT"
        assert other.app.state.computations == 0  # type: ignore[attr-defined]


def test_delete_invalidates_the_entry(settings: Settings) -> None:
    with TestClient(create_app(settings)) as client:
        client.get("/expensive-computation/7")
        client.get("/expensive-computation/8")
        assert client.delete("/expensive-computation/7").status_code == 204
        assert client.get("/expensive-computation/7").headers["x-cache"] == "MISS"
        assert client.get("/expensive-computation/8").headers["x-cache"] == "HIT"


def test_without_redis_the_route_is_served_uncached() -> None:
    down = Settings(redis_url=f"redis://127.0.0.1:{free_port()}/0", compute_seconds=0)
    with TestClient(create_app(down)) as client:
        first, second = client.get("/expensive-computation/1"), client.get("/expensive-computation/1")
    assert (first.status_code, second.status_code) == (200, 200)
    assert first.json()["result"] == second.json()["result"] == expensive("1")
    assert client.app.state.computations == 2  # type: ignore[attr-defined]
