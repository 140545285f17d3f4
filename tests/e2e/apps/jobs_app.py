"""A web app with durable jobs, for the end-to-end job tests (web and workers are separate processes).

Executions are counted in Redis under ``JOBS_NAMESPACE``, so a test sees every run, from any process.
"""

from __future__ import annotations

import os
from typing import Any

import redis
from pydantic import BaseModel

from zephyr import Depends, FastAPI
from zephyr.jobs import JobQueue, Jobs

REDIS_URL = os.environ.get("JOBS_REDIS_URL", "redis://127.0.0.1:6379/0")
NAMESPACE = os.environ.get("JOBS_NAMESPACE", "zephyr-test-jobs")

app = FastAPI()
queue = JobQueue(
    REDIS_URL,
    app=app,
    namespace=NAMESPACE,
    # a killed worker's jobs go to another after 2 s without heartbeat; every fetch checks, for a fast test
    broker_options={"heartbeat_timeout": 2000, "maintenance_chance": 1_000_000},
)


class Settings(BaseModel):
    prefix: str = NAMESPACE


def get_settings() -> Settings:
    return Settings()


def get_redis(settings: Settings = Depends(get_settings)) -> Any:
    client = redis.Redis.from_url(REDIS_URL, decode_responses=True)
    try:
        yield client
    finally:
        client.close()


class Event(BaseModel):
    tag: str
    weight: float


@queue.job(retries=0)
def record(event: Event, db: Any = Depends(get_redis), settings: Settings = Depends(get_settings)) -> str:
    """Count one execution: the event arrives as an ``Event`` again, the dependencies resolved by the worker."""
    assert isinstance(event, Event)
    db.rpush(f"{settings.prefix}:done", f"{event.tag}:{event.weight}")
    return event.tag


@queue.job(retries=3, backoff=0.05, timeout=60)
async def slow(tag: str, db: Any = Depends(get_redis)) -> None:
    """The first attempt hangs until its worker is killed; the next one completes."""
    import asyncio

    attempt = db.incr(f"{NAMESPACE}:starts:{tag}")
    if attempt == 1:
        await asyncio.sleep(60)
    db.rpush(f"{NAMESPACE}:done", tag)


@queue.job(retries=2, backoff=0.05, max_backoff=0.1)
def flaky(tag: str, db: Any = Depends(get_redis)) -> None:
    """Always fails: retried twice, then recorded among the failures."""
    db.incr(f"{NAMESPACE}:flaky:{tag}")
    raise RuntimeError(f"flaky job {tag} failed")


@app.post("/events")
def create_event(event: Event, jobs: Jobs) -> dict[str, str]:
    return {"job": jobs.enqueue(record, event)}


@app.get("/jobs/{job_id}")
def job_status(job_id: str, jobs: Jobs) -> dict[str, Any]:
    status = jobs.status(job_id)
    return status.to_dict() if status is not None else {"state": "unknown"}
