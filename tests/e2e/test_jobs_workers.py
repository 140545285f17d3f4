"""Durable jobs end to end: a real uvicorn web process, real ``zephyr worker`` processes, real Redis.

Every execution is counted in Redis under a namespace of the test's own, so the counts include runs in any process.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
import redis

from tests.support.processes import Process, at_once, started
from tests.support.server import run_server

pytestmark = [pytest.mark.e2e, pytest.mark.services]

APP = "tests.e2e.apps.jobs_app:app"


@pytest.fixture
def namespace(redis_url: str) -> Iterator[str]:
    name = f"zephyr-test-jobs-{uuid.uuid4().hex[:12]}"
    yield name
    client = redis.Redis.from_url(redis_url)
    try:
        keys = list(client.scan_iter(f"{name}*", count=500))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


@pytest.fixture
def env(redis_url: str, namespace: str) -> dict[str, str]:
    return {"JOBS_REDIS_URL": redis_url, "JOBS_NAMESPACE": namespace}


@contextlib.contextmanager
def worker(env: dict[str, str]) -> Iterator[Process]:
    """Run ``zephyr worker`` for the jobs app; stop it (SIGTERM, then SIGKILL) by its process group."""

    def command(port: int) -> list[str]:
        return ["-m", "zephyr.cli", "worker", APP, "--threads", "2", "--log-level", "warning"]

    with started(command, name="zephyr worker", env=env, ready=at_once, stop_timeout=20) as process:
        yield process


def wait_for(predicate: Callable[[], Any], what: str, timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out after {timeout} s waiting for {what}"
        time.sleep(0.05)


def queue_for(env: dict[str, str]) -> Any:
    """The app's JobQueue, seen from the test process (the same Redis and namespace)."""
    from zephyr.jobs import JobQueue

    return JobQueue(env["JOBS_REDIS_URL"], namespace=env["JOBS_NAMESPACE"])


def test_job_runs_after_the_web_process_is_killed_right_after_answering(
    env: dict[str, str], namespace: str, redis_url: str
) -> None:
    db = redis.Redis.from_url(redis_url, decode_responses=True)
    with run_server(APP, env=env) as server:
        response = httpx.post(f"{server.url}/events", json={"tag": "order-1", "weight": 2.5}, timeout=10)
        os.killpg(server.proc.pid, signal.SIGKILL)  # no graceful shutdown: anything in-process is lost
        server.proc.wait(timeout=10)
    assert response.status_code == 200
    job_id = response.json()["job"]
    assert db.lrange(f"{namespace}:done", 0, -1) == []  # no worker yet: the job waits in Redis
    queue = queue_for(env)
    assert queue.status(job_id).state == "queued"
    with worker(env):
        wait_for(lambda: db.llen(f"{namespace}:done") >= 1, "the job to run")
        status = wait_for(lambda: (s := queue.status(job_id)) is not None and s.state == "succeeded" and s, "success")
    assert db.lrange(f"{namespace}:done", 0, -1) == ["order-1:2.5"]
    assert status.name == "tests.e2e.apps.jobs_app.record"
    assert status.attempts == 1
    assert status.result == "order-1"
    assert status.error is None
    queue.close()
    db.close()


def test_job_killed_with_its_worker_runs_again_to_completion(
    env: dict[str, str], namespace: str, redis_url: str
) -> None:
    from tests.e2e.apps import jobs_app

    db = redis.Redis.from_url(redis_url, decode_responses=True)
    queue = queue_for(env)
    queue.job(retries=3, backoff=0.05, timeout=60, name="tests.e2e.apps.jobs_app.slow")(jobs_app.slow)
    with worker(env) as first:
        job_id = queue.enqueue(jobs_app.slow, "report")
        wait_for(lambda: db.get(f"{namespace}:starts:report") == "1", "the first attempt to start")
        assert queue.status(job_id).state == "running"
        first.stop(signal.SIGKILL)  # in the middle of the job: no ack, no retry bookkeeping
    assert db.lrange(f"{namespace}:done", 0, -1) == []
    with worker(env):
        wait_for(lambda: db.llen(f"{namespace}:done") >= 1, "the job to run again on another worker", timeout=45)
        status = wait_for(lambda: (s := queue.status(job_id)) is not None and s.state == "succeeded" and s, "success")
    assert db.get(f"{namespace}:starts:report") == "2"
    assert db.lrange(f"{namespace}:done", 0, -1) == ["report"]
    assert status.attempts == 1  # a redelivery is not a retry: the first attempt never finished
    queue.close()
    db.close()


def test_failing_job_is_retried_then_listed_among_failures(env: dict[str, str], namespace: str, redis_url: str) -> None:
    from tests.e2e.apps import jobs_app

    db = redis.Redis.from_url(redis_url, decode_responses=True)
    queue = queue_for(env)
    queue.job(retries=2, backoff=0.05, max_backoff=0.1, name="tests.e2e.apps.jobs_app.flaky")(jobs_app.flaky)
    with worker(env), run_server(APP, env=env) as server:
        job_id = queue.enqueue(jobs_app.flaky, "x")
        status = wait_for(lambda: (s := queue.status(job_id)) is not None and s.state == "failed" and s, "failure")
        by_http = httpx.get(f"{server.url}/jobs/{job_id}", timeout=10).json()
    assert db.get(f"{namespace}:flaky:x") == "3"  # the first attempt and two retries
    assert status.attempts == 3
    assert status.error == "RuntimeError: flaky job x failed"
    assert "raise RuntimeError" in (status.traceback or "")
    assert [failure.id for failure in queue.failures()] == [job_id]
    assert by_http["state"] == "failed"
    assert by_http["attempts"] == 3
    assert by_http["error"] == "RuntimeError: flaky job x failed"
    queue.close()
    db.close()
