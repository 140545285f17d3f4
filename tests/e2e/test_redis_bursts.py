"""End-to-end, issue 12: bursts of concurrent requests over several uvicorn workers sharing one Redis.

N requests at once against a limit L admit exactly min(N, L), for every algorithm, even with a connection pool much
smaller than the burst (requests queue for a connection, they are never admitted for lack of one); the response
cache computes once across the workers; server-side sessions serve and store every request.

The Redis server is the test's own, on a free port (it is flushed freely and stopped by pid). ``make test`` runs
W=4 workers and N=600 requests; ``ZEPHYR_LARGE_BURST=1`` adds the W=8, N=2,000 run (``make bench`` runs it too).
"""

from __future__ import annotations

import collections
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.burst import Reply, run_burst
from tests.support.redis_deployment import Deployment, deploy, store_log

pytestmark = [pytest.mark.e2e, pytest.mark.services]

ALGORITHMS = ("fixed", "sliding", "gcra")


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    # a pool far smaller than the burst: 600 requests over 4 workers queue for 8 connections each
    with deploy(
        tmp_path_factory.mktemp("bursts"), workers=4, limit=100, MAX_CONNECTIONS="8", COMPUTE_DELAY="0.3"
    ) as running:
        yield running


def statuses(replies: list[Reply]) -> dict[int, int]:
    return dict(collections.Counter(reply.status for reply in replies))


def check_exact_limit(deployment: Deployment, algorithm: str, requests: int) -> None:
    limit = deployment.limit
    replies = run_burst(deployment.server.port, [f"/limited/{algorithm}"] * requests)
    admitted = min(requests, limit)
    assert statuses(replies) == {200: admitted, 429: requests - admitted}, [r.error for r in replies if not r.status]
    allowed = [reply for reply in replies if reply.status == 200]
    assert all(reply.header("ratelimit-limit") == str(limit) for reply in allowed)
    if algorithm == "fixed":  # each admitted request saw its own count
        assert sorted(int(reply.header("ratelimit-remaining") or -1) for reply in allowed) == list(range(limit))
    denied = next(reply for reply in replies if reply.status == 429)
    assert denied.json()["detail"].startswith(f"Rate limit exceeded: {limit}/day. Retry after ")
    workers = collections.Counter(reply.header("x-worker") for reply in replies)
    assert len(workers) >= 2, f"the burst reached only one worker: {workers}"


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_a_burst_admits_exactly_the_limit(deployment: Deployment, algorithm: str) -> None:
    check_exact_limit(deployment, algorithm, 600)
    assert store_log(deployment) == []  # no failure, no pool wait that ran out


def test_the_response_cache_computes_once_across_workers(deployment: Deployment) -> None:
    replies = run_burst(deployment.server.port, ["/cached"] * 600)
    assert statuses(replies) == {200: 600}
    assert {reply.body for reply in replies} == {b'{"hello":"world"}'}
    assert deployment.compute_log.read_text().count("\n") == 1
    caches = collections.Counter(reply.header("x-cache") for reply in replies)
    assert caches == {"MISS": 1, "HIT": 599}
    assert store_log(deployment) == []


def test_server_side_sessions_under_a_burst(deployment: Deployment) -> None:
    import redis

    port = deployment.server.port
    logins = run_burst(port, [f"/session/login?user=u{i}" for i in range(600)])
    assert statuses(logins) == {200: 600}
    assert [reply.json() for reply in logins] == [{"user": f"u{i}"} for i in range(600)]
    cookies = [(reply.header("set-cookie") or "").split(";")[0] for reply in logins]
    assert len(set(cookies)) == 600 and all(cookie.startswith("session=") for cookie in cookies)
    # every session was stored: each cookie reads its own user back, all at once
    reads = run_burst(port, ["/session/me"] * 600, each=[[("Cookie", cookie)] for cookie in cookies])
    assert [(reply.status, reply.json()) for reply in reads] == [(200, {"user": f"u{i}"}) for i in range(600)]
    client = redis.Redis.from_url(deployment.redis.url)
    try:
        assert len(list(client.scan_iter(match=f"{deployment.prefix}session:*", count=1000))) == 600
    finally:
        client.close()
    assert store_log(deployment) == []


@pytest.mark.skipif(
    os.environ.get("ZEPHYR_LARGE_BURST") != "1", reason="the W=8, N=2,000 burst runs with ZEPHYR_LARGE_BURST=1"
)
def test_a_large_burst_on_eight_workers_admits_exactly_the_limit(tmp_path: Path) -> None:
    with deploy(tmp_path, workers=8, limit=500, MAX_CONNECTIONS="10", COMPUTE_DELAY="0.3") as large:
        for algorithm in ALGORITHMS:
            check_exact_limit(large, algorithm, 2000)
        replies = run_burst(large.server.port, ["/cached"] * 2000)
        assert statuses(replies) == {200: 2000}
        assert large.compute_log.read_text().count("\n") == 1
        assert store_log(large) == []
