"""The showcase logs predictions through a durable job: enqueued in Redis by the request, run by a worker."""

from __future__ import annotations

import logging
import time
import uuid

import pytest
import redis

from examples import showcase
from zephyr.jobs import JobQueue
from zephyr.testclient import TestClient

pytestmark = pytest.mark.services


def test_predict_answers_and_a_worker_logs_the_prediction(redis_url: str, caplog: pytest.LogCaptureFixture) -> None:
    from dramatiq import Worker

    namespace = f"zephyr-test-showcase-{uuid.uuid4().hex[:12]}"
    queue = JobQueue(redis_url, app=showcase.app, namespace=namespace)
    queue.job(retries=0, name="examples.showcase.log_prediction")(showcase.log_prediction)
    db = redis.Redis.from_url(redis_url, decode_responses=True)
    worker = None
    try:
        with TestClient(showcase.app) as client:
            response = client.post("/predict", json={"values": [0.2, 0.9]})
        assert response.status_code == 200
        assert response.json() == {"score": 0.55, "label": "high"}
        [key] = list(db.scan_iter(f"{namespace}:job:*"))
        job_id = key.rsplit(":", 1)[1]
        assert queue.status(job_id).state == "queued"  # type: ignore[union-attr]
        caplog.set_level(logging.INFO, logger="examples.showcase")
        worker = Worker(queue.broker, worker_threads=1)
        worker.start()
        deadline = time.monotonic() + 30
        while (status := queue.status(job_id)) is None or status.state != "succeeded":
            assert time.monotonic() < deadline, f"the job did not succeed: {status}"
            time.sleep(0.05)
        assert status.name == "examples.showcase.log_prediction"
        assert "predicted high for 2 values" in caplog.text
    finally:
        if worker is not None:
            worker.stop()
        showcase.jobs_queue.init_app(showcase.app)
        queue.close()
        keys = list(db.scan_iter(f"{namespace}*"))
        if keys:
            db.delete(*keys)
        db.close()
