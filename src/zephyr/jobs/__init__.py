"""Durable jobs: work that must not be lost with the web process, run by ``zephyr worker`` on a Dramatiq broker.

``BackgroundTasks`` run in the web process after the response: fast and free, but gone if the process dies. A job
is a message in Redis (or RabbitMQ): it runs even if the web process is killed right after answering, a worker
killed in the middle runs it again, failures are retried with backoff and then recorded. See ``docs/jobs.md``.

Example:
    ```python
    queue = JobQueue("redis://127.0.0.1:6379/0", app=app)


    @queue.job(retries=5, timeout=30)
    def log_prediction(features: Features, label: str) -> None: ...


    @app.post("/predict")
    async def predict(features: Features, jobs: Jobs) -> dict[str, str]:
        return {"job": jobs.enqueue(log_prediction, features, "high")}
    ```
"""

from __future__ import annotations

from zephyr.jobs._invoke import JobDependencyError as JobDependencyError
from zephyr.jobs._status import JobState as JobState
from zephyr.jobs._status import JobStatus as JobStatus
from zephyr.jobs.queue import JobQueue as JobQueue
from zephyr.jobs.queue import JobQueueError as JobQueueError
from zephyr.jobs.queue import Jobs as Jobs
from zephyr.jobs.queue import current_job_queue as current_job_queue

__all__ = (
    "JobDependencyError",
    "JobQueue",
    "JobQueueError",
    "JobState",
    "JobStatus",
    "Jobs",
    "current_job_queue",
)
