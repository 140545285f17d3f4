"""``JobQueue``: durable jobs on Dramatiq, declared with ``@queue.job`` and enqueued through the ``Jobs`` dependency.

A job is a message in a broker (Redis by default, RabbitMQ too), not a task in the web process: it survives the web
process dying right after answering, and a worker killed in the middle of a job (the message is acknowledged only
after the job finishes) runs it again. Jobs run at least once: write them so that running twice is harmless.

Example:
    ```python
    from zephyr import FastAPI
    from zephyr.jobs import JobQueue, Jobs

    app = FastAPI()
    queue = JobQueue("redis://127.0.0.1:6379/0", app=app)


    @queue.job(retries=5, timeout=30)
    async def send_receipt(order_id: int, email: str) -> None: ...


    @app.post("/orders")
    async def create_order(order: Order, jobs: Jobs) -> dict[str, str]:
        job_id = jobs.enqueue(send_receipt, order.id, order.email)
        return {"job": job_id}
    ```

    Run the workers with ``zephyr worker main:app``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar, overload

from zephyr.exceptions import MissingDependencyError, ZephyrError
from zephyr.jobs._invoke import JobCall
from zephyr.jobs._status import JobStatus, MemoryStatusStore, RedisStatusStore, StatusStore, now
from zephyr.params import Depends
from zephyr.requests import Request

__all__ = ("JobQueue", "JobQueueError", "Jobs")

F = TypeVar("F", bound=Callable[..., Any])

_STATE_ATTRIBUTE = "job_queue"


class JobQueueError(ZephyrError, LookupError):
    """A job queue is used wrongly: an undeclared function enqueued, no queue on the app, an unknown broker URL."""


@dataclass(frozen=True)
class JobSpec:
    """One declared job: its function, name and the options Dramatiq applies to it."""

    func: Callable[..., Any]
    name: str
    queue: str
    retries: int
    backoff: float
    max_backoff: float
    timeout: float | None
    delay: float | None
    call: JobCall


class JobQueue:
    """Durable jobs for an app, on a Dramatiq broker; see the module docstring for an example.

    Args:
        url: The broker: ``redis://...`` (the default, ``redis://127.0.0.1:6379/0``), ``amqp://...`` (RabbitMQ), or
            ``stub://`` (in-process, for unit tests: run the jobs with :meth:`run_pending`).
        app: The app whose dependencies, settings and lifespan the jobs use; the same as calling :meth:`init_app`.
        namespace: Prefix of every Redis key (broker and job records), so apps can share one Redis.
        queue: The default queue name (RabbitMQ queues are shared by name: give each app its own).
        status_url: Where job records are kept (a Redis URL). Default: the broker's URL when it is Redis; with
            RabbitMQ, give one to have :meth:`status`, else records are kept in this process only.
        status_ttl: Seconds job records (and the list of failures) are kept.
        broker_options: Passed to the Dramatiq broker (e.g. ``heartbeat_timeout`` in ms for Redis: how soon the jobs
            of a worker that died are handed to another).
    """

    def __init__(
        self,
        url: str | None = None,
        *,
        app: Any = None,
        namespace: str = "zephyr",
        queue: str = "default",
        status_url: str | None = None,
        status_ttl: float = 7 * 86400,
        broker_options: dict[str, Any] | None = None,
    ) -> None:
        self.url = url or "redis://127.0.0.1:6379/0"
        scheme = self.url.split("://", 1)[0].lower()
        if scheme not in ("redis", "rediss", "unix", "amqp", "amqps", "stub"):
            raise JobQueueError(
                f"JobQueue({self.url!r}): unknown broker scheme {scheme!r}; use redis://host:port/db, "
                "amqp://user:password@host:port/ (RabbitMQ) or stub:// (in-process, for tests)"
            )
        self.scheme = scheme
        self.namespace = namespace
        self.default_queue = queue
        self.status_url = status_url or (self.url if scheme in ("redis", "rediss", "unix") else None)
        self.status_ttl = status_ttl
        self.broker_options = dict(broker_options or {})
        self.app: Any = None
        self._specs: dict[Callable[..., Any], JobSpec] = {}
        self._by_name: dict[str, JobSpec] = {}
        self._broker: Any = None
        self._actors: dict[str, Any] = {}
        self._status: StatusStore | None = None
        self._lock = threading.Lock()
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Any) -> None:
        """Attach the queue to ``app``: the ``Jobs`` dependency finds it there, and so does ``zephyr worker``."""
        self.app = app
        setattr(app.state, _STATE_ATTRIBUTE, self)

    # -- declaring ------------------------------------------------------------------------------------------------

    @overload
    def job(self, func: F, /) -> F: ...

    @overload
    def job(
        self,
        func: None = None,
        /,
        *,
        name: str | None = None,
        queue: str | None = None,
        retries: int = 3,
        backoff: float = 1.0,
        max_backoff: float = 300.0,
        timeout: float | None = 600.0,
        delay: float | None = None,
    ) -> Callable[[F], F]: ...

    def job(
        self,
        func: F | None = None,
        /,
        *,
        name: str | None = None,
        queue: str | None = None,
        retries: int = 3,
        backoff: float = 1.0,
        max_backoff: float = 300.0,
        timeout: float | None = 600.0,
        delay: float | None = None,
    ) -> F | Callable[[F], F]:
        """Declare a job function (``async def`` or plain); it stays callable as it was.

        Args:
            func: The function (when used as ``@queue.job`` without arguments).
            name: The name messages carry (default ``module.qualname``; workers find the function by it).
            queue: The queue it is sent to (default: the queue's default); ``zephyr worker --queues`` selects.
            retries: How many times a failing job is retried before it is recorded as failed.
            backoff: Seconds before the first retry; each retry waits about twice as long (with jitter).
            max_backoff: The longest wait between two attempts, in seconds.
            timeout: Seconds an attempt may run before it is interrupted and counted as failed (``None``: no limit).
                An ``async def`` job is cancelled; a plain function's thread cannot be stopped, only abandoned.
            delay: Seconds every enqueue of this job waits before it may run (``enqueue_in`` overrides it).

        Raises:
            JobQueueError: Another job already has this name.
        """

        def declare(function: F) -> F:
            job_name = name or f"{function.__module__}.{function.__qualname__}"
            if job_name in self._by_name and self._by_name[job_name].func is not function:
                raise JobQueueError(
                    f"Two jobs are named {job_name!r}; give one of them another name with @queue.job(name=...)"
                )
            if retries < 0 or backoff < 0 or (timeout is not None and timeout <= 0):
                raise ValueError(
                    f"@queue.job on {job_name}: retries and backoff must be >= 0 and timeout > 0 (or None); got "
                    f"retries={retries!r}, backoff={backoff!r}, timeout={timeout!r}"
                )
            spec = JobSpec(
                func=function,
                name=job_name,
                queue=queue or self.default_queue,
                retries=retries,
                backoff=backoff,
                max_backoff=max(max_backoff, backoff),
                timeout=timeout,
                delay=delay,
                call=JobCall(function),
            )
            self._specs[function] = spec
            self._by_name[job_name] = spec
            if self._broker is not None:
                self._declare(spec)
            return function

        if func is not None:
            return declare(func)
        return declare

    @property
    def jobs(self) -> dict[str, Callable[..., Any]]:
        """The declared job functions, by name."""
        return {name: spec.func for name, spec in self._by_name.items()}

    # -- enqueueing -----------------------------------------------------------------------------------------------

    def enqueue(self, func: Callable[..., Any], /, *args: Any, **kwargs: Any) -> str:
        """Send a job to the broker and return its id; once this returns, the job survives this process.

        Raises:
            JobQueueError: ``func`` was not declared with ``@queue.job``.
            TypeError: The arguments do not fit ``func``'s parameters.
        """
        spec = self._spec(func)
        return self._send(spec, spec.delay, args, kwargs)

    def enqueue_in(self, delay: float, func: Callable[..., Any], /, *args: Any, **kwargs: Any) -> str:
        """Like :meth:`enqueue`, but the job may run only after ``delay`` seconds."""
        return self._send(self._spec(func), delay, args, kwargs)

    def _spec(self, func: Callable[..., Any]) -> JobSpec:
        spec = self._specs.get(func)
        if spec is None:
            name = getattr(func, "__qualname__", repr(func))
            raise JobQueueError(
                f"{name} is not a job of this queue: declare it with @queue.job (workers find jobs by name, so a "
                "plain function cannot be sent); use BackgroundTasks for work that may be lost with the process."
            )
        return spec

    def _send(self, spec: JobSpec, delay: float | None, args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
        values = spec.call.bind(args, kwargs)
        broker = self.broker
        actor = self._actors[spec.name]
        message = actor.message_with_options(kwargs=values)
        self.status_store.update(
            message.message_id,
            {
                "name": spec.name,
                "state": "queued",
                "attempts": "0",
                "enqueued_at": now(),
                "arguments": json.dumps(values, separators=(",", ":")),
            },
        )
        broker.enqueue(message, delay=int(delay * 1000) if delay else None)
        return str(message.message_id)

    # -- inspecting -----------------------------------------------------------------------------------------------

    def status(self, job_id: str) -> JobStatus | None:
        """Return what is known about the job ``job_id``, or ``None`` if it is unknown or its record expired."""
        return self.status_store.get(job_id)

    def failures(self, limit: int = 100) -> list[JobStatus]:
        """Return the jobs that failed for good (retries exhausted), most recent first, with their errors."""
        return self.status_store.failures(limit)

    def retry(self, job_id: str) -> str:
        """Enqueue a failed job again with the arguments it was sent with; return the new job's id.

        Raises:
            JobQueueError: No failed job with this id is known.
        """
        record = self.status_store.get(job_id)
        arguments = self.status_store.arguments(job_id) if record is not None else None
        if record is None or record.state != "failed" or arguments is None or record.name not in self._by_name:
            raise JobQueueError(f"No failed job {job_id!r} to retry; JobQueue.failures() lists the failed jobs")
        spec = self._by_name[record.name]
        return self._send(spec, None, (), arguments)

    # -- the broker -----------------------------------------------------------------------------------------------

    @property
    def status_store(self) -> StatusStore:
        """Where job records are kept (created on first use)."""
        if self._status is None:
            with self._lock:
                if self._status is None:
                    if self.status_url is not None:
                        try:
                            self._status = RedisStatusStore(
                                self.status_url, namespace=self.namespace, ttl=self.status_ttl
                            )
                        except ImportError:
                            raise MissingDependencyError("redis", "jobs", "job records") from None
                    else:
                        self._status = MemoryStatusStore(ttl=self.status_ttl)
        return self._status

    @property
    def broker(self) -> Any:
        """The Dramatiq broker, created on first use (no connection is opened before a job is sent or run)."""
        if self._broker is None:
            with self._lock:
                if self._broker is None:
                    from zephyr.jobs._broker import make_broker

                    broker = make_broker(self)
                    self._broker = broker
                    for spec in self._by_name.values():
                        self._declare(spec)
        return self._broker

    def _declare(self, spec: JobSpec) -> None:
        from zephyr.jobs._broker import declare_actor

        self._actors[spec.name] = declare_actor(self, spec, self._broker)

    def run_pending(self, timeout: float = 10.0) -> None:
        """Run every job sent so far, in this process, until the queues are empty (``stub://`` broker only).

        Raises:
            JobQueueError: The broker is not ``stub://``.
        """
        if self.scheme != "stub":
            raise JobQueueError(f"run_pending() runs jobs in-process on the stub:// broker only, not {self.url!r}")
        from zephyr.jobs._worker import drain

        drain(self, timeout)

    def close(self) -> None:
        """Close the broker's and the records' connections."""
        if self._broker is not None:
            self._broker.close()
        if self._status is not None:
            self._status.close()


def current_job_queue(request: Request) -> JobQueue:
    """The app's :class:`JobQueue` (the ``Jobs`` dependency).

    Raises:
        JobQueueError: The app has no job queue.
    """
    queue = getattr(request.app.state, _STATE_ATTRIBUTE, None)
    if not isinstance(queue, JobQueue):
        raise JobQueueError(
            "This app has no job queue: create one with JobQueue(url, app=app) (or queue.init_app(app)) before "
            "using the Jobs dependency"
        )
    return queue


Jobs = Annotated[JobQueue, Depends(current_job_queue)]
"""The app's job queue as a dependency: ``async def endpoint(jobs: Jobs)``, then ``jobs.enqueue(func, ...)``."""
