"""The AI model example: a real scikit-learn model, its timing, and the prediction logged by a durable job.

The jobs go to an in-memory (``stub://``) queue here, run with ``run_pending()``; the showcase's test runs the same
kind of job through real Redis and a real worker (tests/examples/test_showcase_jobs.py).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from examples.predict import app

from examples import predict
from zephyr.jobs import JobQueue
from zephyr.testclient import TestClient

SETOSA = {"sepal_length": 5.1, "sepal_width": 3.5, "petal_length": 1.4, "petal_width": 0.2}
VIRGINICA = {"sepal_length": 7.7, "sepal_width": 3.0, "petal_length": 6.1, "petal_width": 2.3}


@pytest.fixture(scope="module")
def queue() -> Iterator[JobQueue]:
    queue = JobQueue("stub://", app=app, namespace="predict-test")
    queue.job(retries=0, name="examples.predict.log_prediction")(predict.log_prediction)
    try:
        yield queue
    finally:
        predict.jobs_queue.init_app(app)
        queue.close()


@pytest.fixture(scope="module")
def client(queue: JobQueue) -> Iterator[TestClient]:
    with TestClient(app) as client:
        yield client


@pytest.mark.parametrize(("flower", "species"), [(SETOSA, "setosa"), (VIRGINICA, "virginica")])
def test_the_trained_model_predicts_the_species(client: TestClient, flower: dict[str, float], species: str) -> None:
    response = client.post("/predict", json=flower)
    assert response.status_code == 200
    body = response.json()
    assert sorted(body) == ["model_version", "probability", "processing_time_ms", "species"]
    assert (body["species"], body["model_version"]) == (species, "iris-logreg-150")
    assert 0.8 < body["probability"] <= 1.0
    assert 0 < body["processing_time_ms"] < 1000


def test_the_prediction_is_logged_by_a_job(
    client: TestClient, queue: JobQueue, caplog: pytest.LogCaptureFixture
) -> None:
    queue.run_pending()  # the jobs of earlier tests
    caplog.clear()

    def predictions() -> list[logging.LogRecord]:
        return [r for r in caplog.records if r.name == "examples.predict" and r.msg.startswith("predicted")]

    with caplog.at_level(logging.INFO, logger="examples.predict"):
        body = client.post("/predict", json=SETOSA).json()
        assert predictions() == []  # queued, not run by the request
        queue.run_pending()  # what a worker does
    [record] = predictions()
    assert record.getMessage() == (
        f"predicted setosa (p={body['probability']:.3f}) in {body['processing_time_ms']:.2f} ms"
        " for [5.1, 3.5, 1.4, 0.2]"
    )


def test_the_model_fits_its_training_data(client: TestClient) -> None:
    info = client.get("/model").json()
    assert info["classes"] == ["setosa", "versicolor", "virginica"]
    assert info["training_accuracy"] > 0.95


@pytest.mark.parametrize("bad", [{**SETOSA, "petal_width": 0}, {**SETOSA, "sepal_length": "long"}, {}])
def test_invalid_measurements_are_422(client: TestClient, bad: dict[str, object]) -> None:
    assert client.post("/predict", json=bad).status_code == 422
