"""``Idempotency-Key`` across two uvicorn workers sharing Redis: concurrent duplicates execute exactly once."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
import redis

from tests.support.server import run_server

pytestmark = [pytest.mark.e2e, pytest.mark.services]

APP = "tests.e2e.apps.idempotency_app:app"


@pytest.fixture
def prefix(redis_url: str) -> Iterator[str]:
    name = f"zephyr-test-idem-{uuid.uuid4().hex[:12]}:"
    yield name
    client = redis.Redis.from_url(redis_url)
    try:
        keys = list(client.scan_iter(f"{name}*", count=500))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


def test_concurrent_duplicates_across_two_workers_execute_once(redis_url: str, prefix: str) -> None:
    env = {"IDEM_REDIS_URL": redis_url, "IDEM_PREFIX": prefix, "IDEM_WORK_SECONDS": "1.0"}
    db = redis.Redis.from_url(redis_url, decode_responses=True)
    body = {"item": "book", "quantity": 2}
    with run_server(APP, args=["--workers", "2"], env=env, timeout=30) as server:

        def post(_: int) -> httpx.Response:
            # a new connection per request, so that both workers get some of them
            with httpx.Client(timeout=30) as client:
                return client.post(f"{server.url}/orders", json=body, headers={"Idempotency-Key": "order-key-1"})

        with ThreadPoolExecutor(max_workers=8) as pool:
            responses = list(pool.map(post, range(8)))
        later = httpx.post(f"{server.url}/orders", json=body, headers={"Idempotency-Key": "order-key-1"}, timeout=30)
        other = httpx.post(
            f"{server.url}/orders", json={"item": "pen", "quantity": 1}, headers={"Idempotency-Key": "order-key-1"}
        )
        fresh = httpx.post(f"{server.url}/orders", json=body, headers={"Idempotency-Key": "order-key-2"}, timeout=30)
    assert db.get(f"{prefix}executions") == "2"  # order-key-1 once, order-key-2 once
    assert [r.status_code for r in responses] == [201] * 8
    first = responses[0].json()
    assert first["id"] == 1
    assert all(r.json() == first for r in [*responses, later])
    assert all(r.headers["x-order-id"] == "order-1" for r in [*responses, later])
    replayed = [r for r in responses if r.headers.get("idempotent-replayed") == "true"]
    assert len(replayed) == 7
    assert later.headers["idempotent-replayed"] == "true"
    assert other.status_code == 422
    assert other.json() == {
        "detail": "The Idempotency-Key 'order-key-1' was already used for a different request; use a new key for a "
        "new request"
    }
    assert fresh.status_code == 201
    assert fresh.json()["id"] == 2
    assert "idempotent-replayed" not in fresh.headers
    db.close()


def test_duplicate_gets_409_when_the_first_outlasts_the_wait(redis_url: str, prefix: str) -> None:
    env = {"IDEM_REDIS_URL": redis_url, "IDEM_PREFIX": prefix, "IDEM_WORK_SECONDS": "3", "IDEM_WAIT": "0.2"}
    db = redis.Redis.from_url(redis_url, decode_responses=True)
    with run_server(APP, args=["--workers", "2"], env=env, timeout=30) as server:

        def post(_: int) -> httpx.Response:
            with httpx.Client(timeout=30) as client:
                return client.post(
                    f"{server.url}/orders", json={"item": "a", "quantity": 1}, headers={"Idempotency-Key": "slow"}
                )

        with ThreadPoolExecutor(max_workers=2) as pool:
            statuses = sorted(r.status_code for r in pool.map(post, range(2)))
    assert statuses == [201, 409]
    assert db.get(f"{prefix}executions") == "1"
    db.close()
