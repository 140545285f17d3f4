"""Jobs on RabbitMQ (the second broker): enqueued, run by a worker, recorded; a failing job retried then failed."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest

from tests.support.services import missing_service, port_open
from zephyr.jobs import JobQueue

pytestmark = pytest.mark.services

RABBITMQ_URL = "amqp://guest:guest@127.0.0.1:5672/"
runs: list[Any] = []


def test_jobs_run_on_rabbitmq() -> None:
    pytest.importorskip("pika", reason="pip install 'zephyr[jobs-rabbitmq]'")
    if not port_open("127.0.0.1", 5672):
        missing_service("No RabbitMQ on 127.0.0.1:5672")
    from dramatiq import Worker

    queue = JobQueue(RABBITMQ_URL, queue=f"zephyr-test-{uuid.uuid4().hex[:12]}")

    @queue.job(name=f"ok-{queue.default_queue}", retries=0)
    def add(a: int, b: int) -> int:
        runs.append((a, b))
        return a + b

    @queue.job(name=f"bad-{queue.default_queue}", retries=1, backoff=0.05, max_backoff=0.05)
    def bad() -> None:
        raise ValueError("always")

    worker = Worker(queue.broker, worker_threads=1, worker_timeout=100)
    worker.start()

    def finished() -> bool:
        ok, failed = queue.status(ok_id), queue.status(bad_id)
        return ok is not None and ok.state == "succeeded" and failed is not None and failed.state == "failed"

    try:
        ok_id = queue.enqueue(add, 2, b=3)
        bad_id = queue.enqueue(bad)
        deadline = time.monotonic() + 30
        while not finished():
            assert time.monotonic() < deadline, f"{queue.status(ok_id)} {queue.status(bad_id)}"
            time.sleep(0.05)
    finally:
        worker.stop()
        name = queue.default_queue
        for suffix in ("", ".DQ", ".XQ"):  # Dramatiq's queue, delay queue and dead-letter queue
            queue.broker.channel.queue_delete(name + suffix)
        queue.close()
    assert runs == [(2, 3)]
    assert queue.status(ok_id).result == 5  # type: ignore[union-attr]
    failed = queue.status(bad_id)
    assert failed is not None and failed.attempts == 2 and failed.error == "ValueError: always"
