"""``tests.e2e.apps.redis_batteries`` on several uvicorn workers and a private Redis, for the e2e Redis tests."""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.support.redis_server import RedisServer, redis_server
from tests.support.server import Server, run_server

__all__ = ("Deployment", "deploy", "store_log", "wait_for_workers")


@dataclass
class Deployment:
    """A running deployment: the server, its Redis, and the files the app writes."""

    server: Server
    redis: RedisServer
    workers: int
    limit: int
    prefix: str
    compute_log: Path
    log_file: Path


def wait_for_workers(ready_file: Path, workers: int, timeout: float = 60.0) -> None:
    """Poll until every worker has run its lifespan startup (each appends its pid to ``ready_file``)."""
    deadline = time.monotonic() + timeout
    while True:
        pids = set(ready_file.read_text().split()) if ready_file.exists() else set()
        if len(pids) >= workers:
            return
        assert time.monotonic() < deadline, f"only {len(pids)} of {workers} workers started within {timeout} s"
        time.sleep(0.05)


@contextlib.contextmanager
def deploy(directory: Path, *, workers: int, limit: int, **settings: str) -> Iterator[Deployment]:
    """A private Redis and ``tests.e2e.apps.redis_batteries`` on ``workers`` uvicorn workers."""
    prefix = f"zephyr-e2e:{uuid.uuid4().hex}:"
    directory.mkdir(parents=True, exist_ok=True)
    ready, compute_log, log_file = directory / "ready", directory / "computed", directory / "log"
    with redis_server() as redis:
        env = {
            "REDIS_URL": redis.url,
            "PREFIX": prefix,
            "LIMIT": str(limit),
            "READY_FILE": str(ready),
            "COMPUTE_LOG": str(compute_log),
            "LOG_FILE": str(log_file),
            **settings,
        }
        args = ["--workers", str(workers), "--backlog", "4096"]
        with run_server("tests.e2e.apps.redis_batteries:app", args=args, env=env, timeout=60.0) as server:
            wait_for_workers(ready, workers)
            yield Deployment(server, redis, workers, limit, prefix, compute_log, log_file)


def store_log(deployment: Deployment) -> list[str]:
    """The ``zephyr.*`` log lines of every worker so far, each starting with the worker's pid."""
    return deployment.log_file.read_text().splitlines() if deployment.log_file.exists() else []
