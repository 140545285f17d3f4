"""The model hub: a pool of instances per model, requests waiting for a free one, limits per model.

The usage log is a durable job: here on an in-memory (``stub://``) queue, run with ``run_pending()``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from examples.inference import Settings, create_app

from zephyr import FastAPI
from zephyr.jobs import JobQueue
from zephyr.testclient import TestClient

SETOSA = [5.1, 3.5, 1.4, 0.2]
VIRGINICA = [7.7, 3.0, 6.1, 2.3]


def _client(**settings: object) -> TestClient:
    return TestClient(create_app(Settings(jobs_url="stub://", **settings)))  # type: ignore[arg-type]


def _queue(app: object) -> JobQueue:
    assert isinstance(app, FastAPI)
    queue: JobQueue = app.state.job_queue
    return queue


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with _client() as client:
        yield client


@pytest.mark.parametrize("model", ["iris-logreg", "iris-tree"])
def test_each_model_classifies_rows(client: TestClient, model: str) -> None:
    response = client.post("/inference", json={"model": model, "inputs": [SETOSA, VIRGINICA]})
    assert response.status_code == 200
    body = response.json()
    assert (body["model"], body["predictions"]) == (model, ["setosa", "virginica"])
    assert body["waited_ms"] >= 0 and body["processing_time_ms"] >= 0


def test_an_unknown_model_is_404(client: TestClient) -> None:
    response = client.post("/inference", json={"model": "gpt", "inputs": [SETOSA]})
    assert (response.status_code, response.json()) == (
        404,
        {"detail": "No model 'gpt'; available: ['iris-logreg', 'iris-tree']"},
    )
    assert client.post("/inference", json={"model": "iris-tree", "inputs": [[1.0]]}).status_code == 422


def _post_at_once(client: TestClient, model: str, count: int) -> list[tuple[int, dict[str, Any], float]]:
    def post(_: int) -> tuple[int, dict[str, Any], float]:
        started = time.perf_counter()
        response = client.post("/inference", json={"model": model, "inputs": [SETOSA]})
        return response.status_code, response.json(), time.perf_counter() - started

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(post, range(count)))


def test_requests_wait_for_a_free_instance_and_the_limit_holds(caplog: pytest.LogCaptureFixture) -> None:
    with _client(model_limits={"iris-tree": 1, "iris-logreg": 2}, simulated_latency=0.3) as client:
        with caplog.at_level(logging.INFO, logger="examples.inference"):
            results = _post_at_once(client, "iris-tree", 3)
            assert not [r for r in caplog.records if r.getMessage().startswith("iris-")]  # queued, not run yet
        assert [status for status, _, _ in results] == [200, 200, 200]
        # one instance: the three ran one after the other, so someone waited about two runs
        assert max(body["waited_ms"] for _, body, _ in results) >= 500
        assert max(elapsed for _, _, elapsed in results) >= 0.9
        two = _post_at_once(client, "iris-logreg", 2)
        assert sorted(body["instance"] for _, body, _ in two) == [0, 1]
        metrics = client.get("/metrics").json()
        with caplog.at_level(logging.INFO, logger="examples.inference"):
            _queue(client.app).run_pending()  # what a worker does
    assert metrics["iris-tree"] == {
        "limit": 1,
        "in_use": 0,
        "waiting": 0,
        "requests": 3,
        "timeouts": 0,
        "max_in_use": 1,
        "total_wait_ms": metrics["iris-tree"]["total_wait_ms"],
    }
    assert metrics["iris-logreg"]["max_in_use"] == 2
    usage = [r.getMessage() for r in caplog.records if r.getMessage().startswith("iris-tree: ")]
    assert len(usage) == 3
    assert all(line.startswith("iris-tree: instance 0, 1 row(s), waited ") for line in usage)
    assert sum(r.getMessage().startswith("iris-logreg: ") for r in caplog.records) == 2


def test_a_request_that_waits_too_long_gets_503() -> None:
    with _client(model_limits={"iris-tree": 1}, simulated_latency=1.0, wait_timeout=0.2) as client:
        results = _post_at_once(client, "iris-tree", 2)
        statuses = sorted(status for status, _, _ in results)
        assert statuses == [200, 503]
        [refused] = [body for status, body, _ in results if status == 503]
        assert refused == {"detail": "every instance of 'iris-tree' stayed busy for 0.2 s; try again shortly"}
        assert client.get("/metrics").json()["iris-tree"]["timeouts"] == 1


def test_unknown_models_in_the_settings_stop_start_up() -> None:
    with (
        pytest.raises(RuntimeError, match=r"MODEL_LIMITS names unknown models \['bert'\]"),
        _client(model_limits={"bert": 1}),
    ):
        pass
