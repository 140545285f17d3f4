"""End-to-end, issue 12: Redis killed, paused (hung) and brought back under load, on real uvicorn workers.

Every Redis-backed battery of ``tests.e2e.apps.redis_batteries`` (a global rate limit plus a route limit, the
response cache, server-side sessions) shares one ``RedisStore`` and so one circuit breaker per worker. What must
hold: no 500s; each battery answers with its configured failure mode; a hung Redis costs at most about one timeout
per request and, after that, one probe per worker per skip window; each worker logs one line when the store fails,
one per failed retry and one when it recovers.
"""

from __future__ import annotations

import collections
import re
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

from tests.support.burst import Reply, run_burst, run_load
from tests.support.redis_deployment import Deployment, deploy, store_log

pytestmark = [pytest.mark.e2e, pytest.mark.services]

RATE_LIMIT_DOWN = {"detail": "Rate limiting is unavailable right now. Retry after 1 second."}
SESSIONS_DOWN = {"detail": "Sessions are unavailable right now. Retry after 1 second."}


def login(deployment: Deployment) -> list[tuple[str, str]]:
    """Log in as alice; return the headers that carry her session cookie."""
    (reply,) = run_burst(deployment.server.port, ["/session/login?user=alice"])
    assert (reply.status, reply.json()) == (200, {"user": "alice"})
    return [("Cookie", (reply.header("set-cookie") or "").split(";")[0])]


def mix(cookie: Sequence[tuple[str, str]]) -> list[tuple[str, Sequence[tuple[str, str]]]]:
    return [("/limited/fixed", ()), ("/cached", ()), ("/session/me", cookie), ("/limited/gcra", ()), ("/health", ())]


def events(deployment: Deployment) -> dict[str, list[str]]:
    """Each worker's breaker events, in order: ``failed``, ``still`` (a failed retry), ``recovered``."""
    found: dict[str, list[str]] = collections.defaultdict(list)
    for line in store_log(deployment):
        match = re.match(r"(\d+) WARNING zephyr\.stores RedisStore\('[^']+', prefix='[^']+'\) (\w+) ", line)
        assert match is not None, f"an unexpected log line: {line}"
        found[match[1]].append(match[2])
    return dict(found)


def wait_for_recovery(deployment: Deployment, cookie: Sequence[tuple[str, str]], timeout: float = 30.0) -> None:
    """Send traffic until every worker whose store failed has logged its recovery."""
    deadline = time.monotonic() + timeout
    while True:
        seen = events(deployment)
        if seen and all(history[-1] == "recovered" for history in seen.values()):
            return
        assert time.monotonic() < deadline, f"not every worker recovered within {timeout} s: {seen}"
        run_load(deployment.server.port, mix(cookie), duration=0.3, concurrency=8)


def check_failure_modes(replies: list[Reply], *, fail_open: bool) -> None:
    """Every answer is its battery's failure mode: never a 500, never a dropped request."""
    assert all(reply.status not in (0, 500) for reply in replies), [(r.path, r.status, r.error) for r in replies]
    for reply in replies:
        if reply.path.startswith("/limited/"):
            if fail_open:
                assert (reply.status, reply.json(), reply.header("ratelimit-limit")) == (200, {"ok": True}, None)
            else:
                assert (reply.status, reply.json(), reply.header("retry-after")) == (503, RATE_LIMIT_DOWN, "1")
        elif reply.path == "/cached":
            assert (reply.status, reply.json(), reply.header("x-cache")) == (200, {"hello": "world"}, "MISS")
        elif reply.path == "/session/me":
            if fail_open:
                assert (reply.status, reply.json()) == (200, {"user": None})
            else:
                assert (reply.status, reply.json(), reply.header("retry-after")) == (503, SESSIONS_DOWN, "1")
        else:
            assert (reply.path, reply.status) == ("/health", 200)


def test_killed_redis_fails_open_at_once_and_is_used_again_after_a_restart(tmp_path: Path) -> None:
    # the timeout is what no request may wait for; it is far above what a loaded machine adds to a request (a
    # 1.0 s timeout, bounding elapsed times at 1.0 s too, failed at 1.03 s on a busy machine with nobody waiting)
    timeout = 3.0
    settings = {"ON_STORE_ERROR": "allow", "SESSION_ON_STORE_ERROR": "empty", "TIMEOUT": str(timeout)}
    settings |= {"RETRY_INTERVAL": "0.5", "MAX_RETRY_INTERVAL": "0.5"}
    with deploy(tmp_path, workers=2, limit=10_000, **settings) as deployment:
        cookie = login(deployment)
        healthy = run_burst(deployment.server.port, ["/limited/fixed"] * 20)
        assert all(reply.status == 200 and reply.header("ratelimit-limit") == "10000" for reply in healthy)

        deployment.redis.kill()
        outage = run_load(deployment.server.port, mix(cookie), duration=2.0, concurrency=16)
        assert len(outage) >= 50
        check_failure_modes(outage, fail_open=True)
        # a refused connection costs nothing, and a skipped store no I/O at all: nobody waits for a timeout
        assert max(reply.elapsed for reply in outage) < timeout, sorted(r.elapsed for r in outage)[-5:]

        deployment.redis.start()
        wait_for_recovery(deployment, cookie)
        after = run_burst(deployment.server.port, ["/limited/fixed", "/session/me"], each=[(), cookie])
        assert (after[0].status, after[0].header("ratelimit-limit")) == (200, "10000")
        assert (after[1].status, after[1].json()) == (200, {"user": None})  # a fresh Redis: the session is gone
    for pid, history in events(deployment).items():
        assert history[0] == "failed" and history[-1] == "recovered", (pid, history)
        assert set(history[1:-1]) <= {"still"}, (pid, history)


def test_paused_redis_costs_one_timeout_then_one_probe_per_window_and_recovers(tmp_path: Path) -> None:
    timeout = 1.0
    settings = {"ON_STORE_ERROR": "deny", "SESSION_ON_STORE_ERROR": "deny", "TIMEOUT": str(timeout)}
    settings |= {"RETRY_INTERVAL": "1.0", "MAX_RETRY_INTERVAL": "1.0"}
    with deploy(tmp_path, workers=2, limit=10_000, **settings) as deployment:
        port = deployment.server.port
        cookie = login(deployment)
        warm = run_load(port, mix(cookie), duration=0.5, concurrency=8)
        assert {reply.status for reply in warm} == {200}

        deployment.redis.pause()
        # a wave of requests in flight together: the first timeout releases them all. /limited/* meets the store
        # twice (the global limit, then the route's), yet costs one timeout: the breaker is the store's, not each
        # limit's.
        wave_paths = ["/limited/fixed"] * 20 + ["/session/me"] * 10 + ["/cached"] * 10
        wave = run_burst(port, wave_paths, each=[cookie if p == "/session/me" else () for p in wave_paths])
        check_failure_modes(wave, fail_open=False)
        assert max(reply.elapsed for reply in wave) < 1.9 * timeout, sorted(r.elapsed for r in wave)[-5:]

        # Each worker times out once on its own clock: one whose first wave request came late (a loaded machine) is
        # still waiting when the wave's answers are in, and whatever reaches it meanwhile waits with it. The sustained
        # phase below measures the open breakers, so it starts once every worker has logged its failure.
        deadline = time.monotonic() + 10 * timeout
        while len(events(deployment)) < deployment.workers and time.monotonic() < deadline:
            run_burst(port, ["/limited/fixed"] * 4)
        assert len(events(deployment)) == deployment.workers, events(deployment)

        # then, under sustained load, only the probe (one per worker per window) waits for the hung server
        duration, window = 3.0, 1.0
        sustained = run_load(port, mix(cookie), duration=duration, concurrency=10)
        check_failure_modes(sustained, fail_open=False)
        slow = [reply for reply in sustained if reply.elapsed > timeout / 2]
        assert len(sustained) >= 60
        assert len(slow) <= deployment.workers * (duration / window + 1), [(r.path, r.elapsed) for r in slow]

        failing = events(deployment)
        assert failing, "no worker logged the failure"
        for pid, history in failing.items():
            assert history[0] == "failed" and set(history[1:]) <= {"still"}, (pid, history)

        deployment.redis.resume()
        wait_for_recovery(deployment, cookie)
        after = run_burst(port, ["/limited/fixed", "/session/me"], each=[(), cookie])
        assert (after[0].status, after[0].header("ratelimit-limit")) == (200, "10000")
        assert (after[1].status, after[1].json()) == (200, {"user": "alice"})  # paused, not lost
    for pid, history in events(deployment).items():
        assert history.count("failed") == 1 and history[-1] == "recovered", (pid, history)
        assert history.count("recovered") == 1, (pid, history)
