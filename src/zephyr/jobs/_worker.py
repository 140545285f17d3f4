"""Running jobs: ``zephyr worker`` (a Dramatiq worker in this process until SIGTERM/SIGINT) and ``run_pending``."""

from __future__ import annotations

import signal
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING

from dramatiq import Worker

if TYPE_CHECKING:
    from zephyr.jobs.queue import JobQueue

__all__ = ("drain", "serve")


def serve(
    queue: JobQueue, *, threads: int = 8, queues: Sequence[str] | None = None, shutdown_timeout: float = 30.0
) -> None:
    """Run ``queue``'s jobs with ``threads`` worker threads until this process gets SIGTERM or SIGINT.

    On the signal, the worker stops taking messages, lets running jobs finish for up to ``shutdown_timeout``
    seconds, and hands the messages it had prefetched back to the broker.
    """
    stop = threading.Event()

    def request_stop(signum: int, frame: object) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    broker = queue.broker
    broker.emit_after("process_boot")
    worker = Worker(broker, queues=set(queues) if queues else None, worker_threads=threads)
    worker.start()
    try:
        while not stop.wait(0.5):
            pass
    finally:
        worker.stop(timeout=int(shutdown_timeout * 1000))
        queue.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def drain(queue: JobQueue, timeout: float) -> None:
    """Run the jobs waiting on a ``stub://`` broker in this process, retries included, until none is left."""
    broker = queue.broker
    worker = Worker(broker, worker_threads=1, worker_timeout=50)
    worker.start()
    try:
        for name in sorted(broker.get_declared_queues()):
            broker.join(name, timeout=int(timeout * 1000), fail_fast=False)
        worker.join()
    finally:
        worker.stop()
