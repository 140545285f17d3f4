"""Examples served by ``zephyr run`` (uvicorn) as their docstrings say, with the server's own output read back."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import httpx
import pytest

from tests.support.processes import Process, accepting, at_once, started

pytestmark = pytest.mark.e2e


class _Served:
    """A ``zephyr run`` or ``zephyr worker`` process whose output (stdout and stderr) is read back line by line."""

    def __init__(self, process: Process) -> None:
        self.process = process
        self.url = process.url

    @property
    def lines(self) -> list[str]:
        return self.process.output().splitlines()

    def wait_line(self, fragment: str, timeout: float = 15) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [line for line in self.lines if fragment in line]
            if found:
                return found[0]
            time.sleep(0.05)
        raise AssertionError(f"no line with {fragment!r} in the server's output:\n" + "\n".join(self.lines))


def _serve(app: str, command: str = "run", env: dict[str, str] | None = None) -> Iterator[_Served]:
    def argv(port: int) -> list[str]:
        return ["-m", "zephyr.cli", command, app, *(["--port", str(port)] if command == "run" else [])]

    env = {"PYTHONUNBUFFERED": "1", **(env or {})}  # uvicorn's access log goes to stdout, the rest to stderr
    ready = accepting if command == "run" else at_once
    with started(argv, name=f"zephyr {command} {app}", env=env, ready=ready, timeout=30) as process:
        yield _Served(process)


@pytest.fixture
def predict_env(redis_url: str) -> Iterator[dict[str, str]]:
    """The predict example's job queue on its own Redis namespace, removed afterwards."""
    yield from _jobs_env(redis_url, {"JOBS_URL": redis_url}, "JOBS_NAMESPACE", "zephyr-test-predict")


@pytest.fixture
def predict_server(predict_env: dict[str, str]) -> Iterator[_Served]:
    yield from _serve("examples.predict:app", env=predict_env)


@pytest.fixture
def predict_worker(predict_env: dict[str, str]) -> Iterator[_Served]:
    yield from _serve("examples.predict:app", "worker", predict_env)


def _jobs_env(redis_url: str, env: dict[str, str], variable: str, prefix: str) -> Iterator[dict[str, str]]:
    import redis

    namespace = f"{prefix}-{uuid.uuid4().hex[:12]}"
    yield {**env, variable: namespace}
    client = redis.Redis.from_url(redis_url)
    try:
        keys = list(client.scan_iter(f"{namespace}*", count=500))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


@pytest.fixture
def showcase_env(redis_url: str) -> Iterator[dict[str, str]]:
    """The showcase's job queue on its own Redis namespace, removed afterwards."""
    env = {"SHOWCASE_JOBS_URL": redis_url}
    yield from _jobs_env(redis_url, env, "SHOWCASE_JOBS_NAMESPACE", "zephyr-test-showcase")


@pytest.fixture
def showcase_server(showcase_env: dict[str, str]) -> Iterator[_Served]:
    yield from _serve("examples.showcase:app", env=showcase_env)


@pytest.fixture
def showcase_worker(showcase_env: dict[str, str]) -> Iterator[_Served]:
    yield from _serve("examples.showcase:app", "worker", showcase_env)


def test_predict_logs_its_prediction_in_the_job_workers_output(
    predict_server: _Served, predict_worker: _Served
) -> None:
    assert predict_server.wait_line("examples.predict: model iris-logreg-150 trained").startswith("INFO ")
    flower = {"sepal_length": 5.1, "sepal_width": 3.5, "petal_length": 1.4, "petal_width": 0.2}
    response = httpx.post(f"{predict_server.url}/predict", json=flower, timeout=10)
    assert (response.status_code, response.json()["species"]) == (200, "setosa")
    assert predict_server.wait_line('"POST /predict HTTP/1.1" 200')  # uvicorn's access log
    # A durable job writes the log line, in the worker; the web process does not.
    line = predict_worker.wait_line("examples.predict: predicted setosa", timeout=30)
    assert line.endswith(" for [5.1, 3.5, 1.4, 0.2]"), line
    assert not [line for line in predict_server.lines if "predicted setosa" in line]


def test_the_showcase_prediction_is_logged_by_the_job_worker(
    showcase_server: _Served, showcase_worker: _Served
) -> None:
    response = httpx.post(f"{showcase_server.url}/predict", json={"values": [0.2, 0.9, 0.7]}, timeout=10)
    assert response.status_code == 200
    # The log line is a durable job now: the worker writes it, the web process does not.
    assert "INFO" in showcase_worker.wait_line("examples.showcase: predicted high for 3 values", timeout=30)
    assert not [line for line in showcase_server.lines if "predicted high" in line]
