"""Where a job's state is recorded: one Redis hash per job (or a dict, in one process), plus an index of failures.

The web process writes ``queued`` before it hands the message to the broker (so a fast worker's ``running`` is never
overwritten); the worker writes ``running``, then ``succeeded``, ``retrying`` or ``failed`` from Dramatiq's
middleware hooks. Records expire after ``ttl`` seconds; failures stay listed in a sorted set until they expire.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = ("JobState", "JobStatus", "MemoryStatusStore", "RedisStatusStore", "StatusStore")

JobState = Literal["queued", "running", "retrying", "succeeded", "failed"]

_MAX_RESULT_BYTES = 64 * 1024


@dataclass(frozen=True)
class JobStatus:
    """What is known about one job, as :meth:`JobQueue.status <zephyr.jobs.JobQueue.status>` returns it."""

    id: str
    """The job id that ``enqueue`` returned."""
    name: str
    """The job function's name (``module.qualname``)."""
    state: JobState
    """``queued``, ``running``, ``retrying`` (failed, will run again), ``succeeded`` or ``failed`` (no retries left)."""
    attempts: int = 0
    """How many times a worker started the job."""
    enqueued_at: float | None = None
    """Unix time the job was enqueued."""
    started_at: float | None = None
    """Unix time the last attempt started."""
    finished_at: float | None = None
    """Unix time the job succeeded or finally failed."""
    error: str | None = None
    """The last attempt's exception, as ``Type: message``."""
    traceback: str | None = None
    """The last attempt's traceback."""
    result: Any = field(default=None)
    """The job function's return value, JSON-encoded (only on success; large results are not kept)."""

    def to_dict(self) -> dict[str, Any]:
        """The status as JSON-ready data (what a status endpoint can return)."""
        return {
            "id": self.id,
            "name": self.name,
            "state": self.state,
            "attempts": self.attempts,
            "enqueued_at": self.enqueued_at,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "error": self.error,
            "traceback": self.traceback,
            "result": self.result,
        }


def _parse(job_id: str, raw: dict[str, str]) -> JobStatus:
    def number(key: str) -> float | None:
        value = raw.get(key)
        return float(value) if value else None

    result = raw.get("result")
    return JobStatus(
        id=job_id,
        name=raw.get("name", ""),
        state=raw.get("state", "queued"),  # type: ignore[arg-type]
        attempts=int(raw.get("attempts") or 0),
        enqueued_at=number("enqueued_at"),
        started_at=number("started_at"),
        finished_at=number("finished_at"),
        error=raw.get("error") or None,
        traceback=raw.get("traceback") or None,
        result=json.loads(result) if result else None,
    )


class StatusStore:
    """Records job states; :class:`RedisStatusStore` is shared by every process, :class:`MemoryStatusStore` is not."""

    ttl: float

    def update(self, job_id: str, fields: dict[str, str], *, failed: bool = False) -> None:
        """Merge ``fields`` into the job's record (and list it among the failures if ``failed``)."""
        raise NotImplementedError

    def get(self, job_id: str) -> JobStatus | None:
        """Return the job's record, or ``None`` if unknown or expired."""
        raise NotImplementedError

    def failures(self, limit: int) -> list[JobStatus]:
        """Return up to ``limit`` failed jobs, the most recent first."""
        raise NotImplementedError

    def arguments(self, job_id: str) -> dict[str, Any] | None:
        """Return the arguments the job was sent with (JSON data, by parameter name)."""
        raise NotImplementedError

    def close(self) -> None:
        """Release connections."""


def encode_result(value: Any) -> str | None:
    """JSON-encode a job's return value for its record; ``None`` when it is ``None`` or too large to keep."""
    if value is None:
        return None
    from zephyr.encoders import jsonable_encoder

    text = json.dumps(jsonable_encoder(value), separators=(",", ":"))
    return text if len(text) <= _MAX_RESULT_BYTES else None


def now() -> str:
    """The current Unix time, as the records store it."""
    return f"{time.time():.6f}"


class RedisStatusStore(StatusStore):
    """Job records in Redis: ``{namespace}:job:{id}`` hashes and a ``{namespace}:failed`` sorted set.

    Args:
        url: The Redis URL.
        namespace: Prefix of every key.
        ttl: Seconds a record is kept after its last update.
    """

    def __init__(self, url: str, *, namespace: str, ttl: float) -> None:
        import redis

        self._client = redis.Redis.from_url(url, decode_responses=True, socket_timeout=10, socket_connect_timeout=5)
        self._prefix = f"{namespace}:job:"
        self._failed = f"{namespace}:failed"
        self.ttl = ttl

    def update(self, job_id: str, fields: dict[str, str], *, failed: bool = False) -> None:
        key = self._prefix + job_id
        with self._client.pipeline(transaction=True) as pipe:
            pipe.hset(key, mapping=fields)  # type: ignore[arg-type]
            pipe.expire(key, int(self.ttl))
            if failed:
                stamp = time.time()
                pipe.zadd(self._failed, {job_id: stamp})
                pipe.zremrangebyscore(self._failed, 0, stamp - self.ttl)
            pipe.execute()

    def get(self, job_id: str) -> JobStatus | None:
        raw: dict[str, str] = self._client.hgetall(self._prefix + job_id)  # type: ignore[assignment]
        return _parse(job_id, raw) if raw else None

    def failures(self, limit: int) -> list[JobStatus]:
        ids: list[str] = self._client.zrevrange(self._failed, 0, max(limit, 1) - 1)  # type: ignore[assignment]
        found = (self.get(job_id) for job_id in ids)
        return [status for status in found if status is not None]

    def arguments(self, job_id: str) -> dict[str, Any] | None:
        raw: str | None = self._client.hget(self._prefix + job_id, "arguments")  # type: ignore[assignment]
        return json.loads(raw) if raw else None

    def close(self) -> None:
        self._client.close()


class MemoryStatusStore(StatusStore):
    """Job records in this process only (for the in-process ``stub://`` broker used in tests)."""

    def __init__(self, *, ttl: float) -> None:
        self.ttl = ttl
        self._records: dict[str, tuple[float, dict[str, str]]] = {}
        self._failed: dict[str, float] = {}
        self._lock = threading.Lock()

    def update(self, job_id: str, fields: dict[str, str], *, failed: bool = False) -> None:
        with self._lock:
            _, record = self._records.get(job_id, (0.0, {}))
            record = {**record, **fields}
            self._records[job_id] = (time.monotonic() + self.ttl, record)
            if failed:
                self._failed[job_id] = time.time()

    def get(self, job_id: str) -> JobStatus | None:
        with self._lock:
            entry = self._records.get(job_id)
            if entry is None or entry[0] < time.monotonic():
                return None
            return _parse(job_id, dict(entry[1]))

    def failures(self, limit: int) -> list[JobStatus]:
        with self._lock:
            ids = sorted(self._failed, key=self._failed.__getitem__, reverse=True)[:limit]
        found = (self.get(job_id) for job_id in ids)
        return [status for status in found if status is not None]

    def arguments(self, job_id: str) -> dict[str, Any] | None:
        with self._lock:
            entry = self._records.get(job_id)
        raw = entry[1].get("arguments") if entry is not None else None
        return json.loads(raw) if raw else None
