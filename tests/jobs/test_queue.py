"""JobQueue on the in-process stub broker: declaring, enqueueing, records, retries, failures, dependencies."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from pydantic import BaseModel

from zephyr import Depends, FastAPI, Request
from zephyr.jobs import JobDependencyError, JobQueue, JobQueueError, Jobs
from zephyr.testclient import TestClient


class Item(BaseModel):
    name: str
    price: float


def make() -> tuple[FastAPI, JobQueue, list[Any]]:
    calls: list[Any] = []

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.db = "pool"
        yield

    app = FastAPI(lifespan=lifespan)
    queue = JobQueue("stub://", app=app)
    return app, queue, calls


def test_job_gets_validated_models_dependencies_and_the_app() -> None:
    app, queue, calls = make()
    closed: list[str] = []

    def settings() -> dict[str, int]:
        return {"limit": 3}

    def resource(s: dict[str, int] = Depends(settings)) -> Iterator[str]:
        yield f"resource-{s['limit']}"
        closed.append("resource")

    @queue.job
    async def save(item: Item, count: int, res: str = Depends(resource), the_app: FastAPI = None) -> str:  # type: ignore[assignment]
        calls.append((item, count, res, the_app.state.db))
        return item.name

    @app.post("/items")
    def create(item: Item, jobs: Jobs) -> dict[str, str]:
        return {"job": jobs.enqueue(save, item, count=2)}

    with TestClient(app) as client:
        job_id = client.post("/items", json={"name": "pen", "price": 1.5}).json()["job"]
    assert queue.status(job_id).state == "queued"  # type: ignore[union-attr]
    queue.run_pending()
    assert calls == [(Item(name="pen", price=1.5), 2, "resource-3", "pool")]
    assert closed == ["resource"]
    status = queue.status(job_id)
    assert status is not None
    assert (status.state, status.attempts, status.result, status.name) == (
        "succeeded",
        1,
        "pen",
        save.__module__ + ".test_job_gets_validated_models_dependencies_and_the_app.<locals>.save",
    )
    assert status.to_dict()["state"] == "succeeded"
    queue.close()


def test_failing_job_is_retried_then_listed_and_can_be_retried() -> None:
    _, queue, calls = make()

    @queue.job(retries=2, backoff=0.01, max_backoff=0.02)
    def flaky(n: int) -> None:
        calls.append(n)
        raise RuntimeError(f"bad {n}")

    job_id = queue.enqueue(flaky, 7)
    queue.run_pending()
    assert calls == [7, 7, 7]
    status = queue.status(job_id)
    assert status is not None
    assert (status.state, status.attempts, status.error) == ("failed", 3, "RuntimeError: bad 7")
    assert "RuntimeError" in (status.traceback or "")
    assert [failure.id for failure in queue.failures()] == [job_id]
    again = queue.retry(job_id)
    assert again != job_id
    queue.run_pending()
    assert calls == [7] * 6
    with pytest.raises(JobQueueError, match="No failed job 'nope' to retry"):
        queue.retry("nope")
    queue.close()


def test_dependency_on_the_request_is_refused_with_the_chain() -> None:
    _, queue, calls = make()

    def needs_request(request: Request) -> str:
        return "never"

    @queue.job(retries=0)
    def job(value: str = Depends(needs_request)) -> None:
        calls.append(value)

    job_id = queue.enqueue(job)
    queue.run_pending()
    status = queue.status(job_id)
    assert status is not None and status.state == "failed"
    assert status.error is not None
    assert status.error.startswith("JobDependencyError: The job dependency test_dependency_on_the_request_is_refused")
    assert "asks for 'request', which a worker cannot provide" in status.error
    assert calls == []
    assert issubclass(JobDependencyError, TypeError)


def test_enqueue_errors_say_what_to_do() -> None:
    _, queue, _ = make()

    def plain() -> None: ...

    with pytest.raises(JobQueueError, match=r"is not a job of this queue: declare it with @queue\.job"):
        queue.enqueue(plain)

    @queue.job
    def takes(a: int) -> None: ...

    with pytest.raises(TypeError, match=r"Cannot enqueue .*takes\(a: 'int'\): too many positional arguments"):
        queue.enqueue(takes, 1, 2)
    with pytest.raises(JobQueueError, match="unknown broker scheme 'kafka'"):
        JobQueue("kafka://x")
    with pytest.raises(ValueError, match="retries and backoff must be >= 0"):
        queue.job(retries=-1)(plain)
    other = JobQueue("redis://127.0.0.1:1/0")
    with pytest.raises(JobQueueError, match=r"run_pending\(\) runs jobs in-process on the stub:// broker only"):
        other.run_pending()


def test_same_name_twice_is_refused() -> None:
    _, queue, _ = make()

    def one() -> None: ...

    def two() -> None: ...

    queue.job(name="x")(one)
    with pytest.raises(JobQueueError, match="Two jobs are named 'x'"):
        queue.job(name="x")(two)
    assert queue.jobs == {"x": one}


def test_delayed_job_runs_after_its_delay() -> None:
    _, queue, calls = make()

    @queue.job(delay=0.05)
    def later(n: int) -> None:
        calls.append(n)

    first = queue.enqueue(later, 1)
    second = queue.enqueue_in(0.01, later, 2)
    queue.run_pending()
    assert sorted(calls) == [1, 2]
    assert queue.status(first).state == queue.status(second).state == "succeeded"  # type: ignore[union-attr]


def test_jobs_dependency_without_a_queue_says_how_to_create_one() -> None:
    app = FastAPI()

    @app.post("/x")
    def x(jobs: Jobs) -> None: ...

    with TestClient(app) as client, pytest.raises(JobQueueError, match=r"This app has no job queue: create one"):
        client.post("/x")


def test_worker_finds_the_queue_of_an_app_or_the_queue_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    from zephyr._cli.worker import find_queue

    assert isinstance(find_queue("tests.e2e.apps.jobs_app:app"), JobQueue)
    assert find_queue("tests.e2e.apps.jobs_app:queue") is find_queue("tests.e2e.apps.jobs_app:app")
    with pytest.raises(SystemExit, match="has no job queue"):
        find_queue("tests.e2e.apps.jobs_app:Event")


def test_dependencies_async_generators_overrides_and_no_cache() -> None:
    app, queue, calls = make()
    events: list[str] = []
    counter = iter(range(100))

    def fresh() -> int:
        return next(counter)

    async def resource() -> AsyncIterator[str]:
        events.append("open")
        yield "real"
        events.append("close")

    async def fake_resource() -> AsyncIterator[str]:
        yield "fake"

    async def needs_app(the_app: FastAPI, value: int = Depends(fresh, use_cache=False)) -> str:
        return f"{the_app.state.db}-{value}"

    @queue.job(retries=0)
    async def job(
        a: int = Depends(fresh, use_cache=False),
        b: int = Depends(fresh, use_cache=False),
        res: str = Depends(resource),
        db: str = Depends(needs_app),
        optional: int = 5,
    ) -> None:
        calls.append((a, b, res, db, optional))

    queue.enqueue(job)
    app.dependency_overrides[resource] = fake_resource
    queue.run_pending()
    app.dependency_overrides.clear()
    queue.enqueue(job, optional=6)
    queue.run_pending()
    assert calls == [(0, 1, "fake", "pool-2", 5), (3, 4, "real", "pool-5", 6)]
    assert events == ["open", "close"]
