"""The Dramatiq side of a ``JobQueue``: the broker, one actor per job, and two middlewares.

- ``StatusMiddleware`` records each attempt (``running``, then ``succeeded``/``retrying``/``failed``); it sits before
  Dramatiq's ``Retries`` in the list so that its ``after_process_message`` runs after ``Retries`` decided whether the
  message is retried (Dramatiq calls the ``after_*`` hooks in reverse order).
- ``LifespanMiddleware`` runs the app's lifespan on the worker's event loop when the worker boots and stops, so jobs
  see the same ``app.state`` (database pools, settings, clients) as the routes.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import traceback
from typing import TYPE_CHECKING, Any

from zephyr.exceptions import MissingDependencyError
from zephyr.jobs._status import encode_result, now

try:
    import dramatiq
    from dramatiq.asyncio import get_event_loop_thread
    from dramatiq.middleware import AsyncIO, Middleware, Retries
except ImportError:  # pragma: no cover - the jobs extra is installed in the test environment
    raise MissingDependencyError("dramatiq", "jobs", "durable jobs") from None

if TYPE_CHECKING:
    from zephyr.jobs.queue import JobQueue, JobSpec

__all__ = ("declare_actor", "make_broker")

logger = logging.getLogger("zephyr.jobs")
_results = threading.local()


def make_broker(queue: JobQueue) -> Any:
    """Build the Dramatiq broker for ``queue.url``, with Zephyr's middlewares added."""
    options = dict(queue.broker_options)
    if queue.scheme in ("redis", "rediss", "unix"):
        from dramatiq.brokers.redis import RedisBroker

        # Dramatiq checks for dead workers' messages on 0.1% of fetches by default; 1% hands a killed worker's jobs
        # to the others within seconds of its heartbeat timing out, at the cost of one cheap script branch.
        options.setdefault("maintenance_chance", 10_000)
        broker: Any = RedisBroker(url=queue.url, namespace=queue.namespace, **options)  # type: ignore[no-untyped-call]
    elif queue.scheme in ("amqp", "amqps"):
        try:
            from dramatiq.brokers.rabbitmq import RabbitmqBroker
        except ImportError:
            raise MissingDependencyError("pika", "jobs-rabbitmq", "RabbitMQ jobs") from None
        broker = RabbitmqBroker(url=queue.url, **options)
    else:
        from dramatiq.brokers.stub import StubBroker

        broker = StubBroker(**options)
    broker.add_middleware(AsyncIO())
    broker.add_middleware(StatusMiddleware(queue), before=Retries)
    broker.add_middleware(LifespanMiddleware(queue))
    return broker


def declare_actor(queue: JobQueue, spec: JobSpec, broker: Any) -> Any:
    """Declare ``spec`` as a Dramatiq actor on ``broker``; the actor validates, resolves and calls."""
    call = spec.call

    def run_job(**values: Any) -> None:
        loop_thread = get_event_loop_thread()
        if loop_thread is None:  # pragma: no cover - the AsyncIO middleware starts it when the worker boots
            raise RuntimeError("The job worker's event loop is not running")
        # Kept for StatusMiddleware (same worker thread) instead of returned: Dramatiq warns about returned values
        # unless its Results middleware is installed, and the status record already keeps the result.
        _results.value = loop_thread.run_coroutine(call.run(values, queue.app))

    run_job.__name__ = spec.func.__name__
    run_job.__qualname__ = spec.func.__qualname__
    options: dict[str, Any] = {
        "max_retries": spec.retries,
        "min_backoff": int(spec.backoff * 1000),
        "max_backoff": int(spec.max_backoff * 1000),
    }
    if spec.timeout is not None:
        options["time_limit"] = int(spec.timeout * 1000)
    return dramatiq.actor(actor_name=spec.name, queue_name=spec.queue, broker=broker, **options)(run_job)


class StatusMiddleware(Middleware):
    """Records every attempt of every job in the queue's status store."""

    def __init__(self, queue: JobQueue) -> None:
        self.queue = queue

    def before_process_message(self, broker: Any, message: Any) -> None:
        attempt = int(message.options.get("retries", 0)) + 1
        self.queue.status_store.update(
            message.message_id, {"state": "running", "attempts": str(attempt), "started_at": now()}
        )

    def after_process_message(self, broker: Any, message: Any, *, result: Any = None, exception: Any = None) -> None:
        result, _results.value = getattr(_results, "value", None), None
        if exception is None:
            fields = {"state": "succeeded", "finished_at": now(), "error": "", "traceback": ""}
            try:
                encoded = encode_result(result)
            except Exception:  # an unencodable result is not a failed job
                logger.warning("The result of job %s could not be JSON-encoded; it is not kept", message.message_id)
                encoded = None
            if encoded is not None:
                fields["result"] = encoded
            self.queue.status_store.update(message.message_id, fields)
            return
        failed = bool(message.failed)
        fields = {
            "state": "failed" if failed else "retrying",
            "error": f"{type(exception).__name__}: {exception}",
            "traceback": "".join(traceback.format_exception(type(exception), exception, exception.__traceback__)),
        }
        if failed:
            fields["finished_at"] = now()
        self.queue.status_store.update(message.message_id, fields, failed=failed)

    def after_skip_message(self, broker: Any, message: Any) -> None:
        self.queue.status_store.update(
            message.message_id, {"state": "failed", "error": "skipped", "finished_at": now()}
        )


class LifespanMiddleware(Middleware):
    """Runs the app's lifespan on the worker's event loop around the worker's life."""

    def __init__(self, queue: JobQueue) -> None:
        self.queue = queue
        self.lifespan: AppLifespan | None = None

    def before_worker_boot(self, broker: Any, worker: Any) -> None:
        app = self.queue.app
        if app is None:
            return
        loop_thread = get_event_loop_thread()
        if loop_thread is None:  # pragma: no cover - the AsyncIO middleware is always added before this one
            return
        self.lifespan = AppLifespan(app)
        loop_thread.run_coroutine(self.lifespan.startup())

    def before_worker_shutdown(self, broker: Any, worker: Any) -> None:
        if self.lifespan is None:
            return
        loop_thread = get_event_loop_thread()
        if loop_thread is not None:
            loop_thread.run_coroutine(self.lifespan.shutdown())
        self.lifespan = None


class AppLifespan:
    """Drives an ASGI app's lifespan protocol: :meth:`startup`, later :meth:`shutdown`."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self._inbox: asyncio.Queue[dict[str, Any]] | None = None
        self._outbox: asyncio.Queue[dict[str, Any]] | None = None
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        assert self._inbox is not None and self._outbox is not None  # noqa: S101 - set by startup() first
        scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}, "state": {}}
        try:
            await self.app(scope, self._inbox.get, self._outbox.put)
        except BaseException as exc:  # an app without lifespan support: nothing to run
            await self._outbox.put({"type": "lifespan.startup.failed", "message": repr(exc)})
            raise

    async def startup(self) -> None:
        """Send ``lifespan.startup`` and wait for the app's answer.

        Raises:
            RuntimeError: The app's start-up failed; the worker must not run jobs without it.
        """
        self._inbox, self._outbox = asyncio.Queue(), asyncio.Queue()
        self._task = asyncio.get_running_loop().create_task(self._run())
        await self._inbox.put({"type": "lifespan.startup"})
        answer = await self._outbox.get()
        if answer["type"] != "lifespan.startup.complete":
            raise RuntimeError(f"The app's lifespan start-up failed in the job worker: {answer.get('message', '')}")

    async def shutdown(self) -> None:
        """Send ``lifespan.shutdown`` and wait for the app to finish."""
        if self._inbox is None or self._outbox is None or self._task is None or self._task.done():
            return
        await self._inbox.put({"type": "lifespan.shutdown"})
        await self._outbox.get()
        await self._task
