"""``zephyr worker module:app``: run the app's durable jobs (see ``zephyr.jobs``)."""

from __future__ import annotations

import argparse
import logging
from typing import Any

__all__ = ("find_queue", "register")


def find_queue(target: str) -> Any:
    """Import ``module:attribute`` and return its job queue (the object itself, or the app's ``state.job_queue``).

    Raises:
        SystemExit: The target is neither a ``JobQueue`` nor an app with one.
    """
    from zephyr._cli.apps import import_app
    from zephyr.jobs import JobQueue

    obj = import_app(target)
    if isinstance(obj, JobQueue):
        return obj
    state = getattr(obj, "state", None)
    queue = getattr(state, "job_queue", None) if state is not None else None
    if isinstance(queue, JobQueue):
        return queue
    raise SystemExit(
        f"zephyr worker: {target!r} has no job queue. Create one in that module with JobQueue(url, app=app), "
        "or point the worker at the JobQueue itself (module:queue)."
    )


def _worker(args: argparse.Namespace) -> int:
    from zephyr.jobs._worker import serve

    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    queue = find_queue(args.app)
    serve(queue, threads=args.threads, queues=args.queues or None, shutdown_timeout=args.shutdown_timeout)
    return 0


def register(commands: Any) -> None:
    """Add the ``worker`` sub-command to ``commands`` (the ``zephyr`` parser's sub-parsers)."""
    worker = commands.add_parser("worker", help="run module:app's durable jobs")
    worker.add_argument("app", help="the app (or its JobQueue), as module:attribute (e.g. main:app)")
    worker.add_argument("--threads", type=int, default=8, help="jobs run at once in this process (default 8)")
    worker.add_argument("--queues", nargs="*", default=None, help="only these queues (default: all declared)")
    worker.add_argument(
        "--shutdown-timeout", type=float, default=30.0, help="seconds running jobs may finish after SIGTERM"
    )
    worker.add_argument("--log-level", default="info")
    worker.set_defaults(handler=_worker)
