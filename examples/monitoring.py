"""The article's Flask-style performance monitoring, on Zephyr: request hooks, a timing header, slow-request logs.

As the article writes it for Flask: a ``before_request`` hook notes the start time in ``g``, an ``after_request``
hook adds ``X-Response-Time: 12.34ms`` and logs a WARNING for requests slower than ``SLOW_REQUEST_MS``::

    WARNING   examples.monitoring: slow request: GET /reports/slow took 812.40 ms

Beside it, Zephyr's ``TimingMiddleware`` adds the standard ``Server-Timing`` header, which browsers' developer tools
show per phase (``total;dur=812.9, routing;dur=0.01, validation;dur=0.05, handler;dur=812.2, ...``): no hand-written
hooks needed, and it covers every route, Flask-style or not.

Settings from the environment (pydantic-settings): ``SLOW_REQUEST_MS`` (default 500), ``LOG_LEVEL`` (default INFO).

Run it: ``zephyr run examples.monitoring:app``, then ``curl -i localhost:8000/reports/slow?seconds=0.8`` (the
warning shows in the server's output).
"""

from __future__ import annotations

import asyncio
import logging
import time

from pydantic_settings import BaseSettings

from examples._logging import configure_logging
from zephyr import Query
from zephyr.flask.typed import Flask, g
from zephyr.middleware.timing import TimingMiddleware
from zephyr.requests import Request
from zephyr.responses import Response

__all__ = ("Settings", "app", "create_app")

logger = logging.getLogger("examples.monitoring")


class Settings(BaseSettings):
    """Read from environment variables of the same names (case-insensitive)."""

    slow_request_ms: float = 500.0
    log_level: str = "INFO"


def create_app(settings: Settings | None = None) -> Flask:
    """Build the app; ``settings`` default to the environment's."""
    settings = settings or Settings()
    configure_logging(settings.log_level)
    app = Flask(__name__, title="Monitored API")
    # Zephyr's way: one middleware, every route, the standard header; its own slow log stays off (ours is below)
    app.add_middleware(TimingMiddleware, slow_threshold=None)

    @app.before_request
    async def start_timer(request: Request) -> None:
        g.start_time = time.perf_counter()
        g.request_line = f"{request.method} {request.url.path}"

    @app.after_request
    async def record_time(response: Response) -> Response:
        elapsed_ms = (time.perf_counter() - g.start_time) * 1000
        response.headers["X-Response-Time"] = f"{elapsed_ms:.2f}ms"
        if elapsed_ms > settings.slow_request_ms:
            logger.warning("slow request: %s took %.2f ms", g.request_line, elapsed_ms)
        return response

    @app.get("/")
    async def index() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/reports/slow")
    async def slow_report(seconds: float = Query(default=0.8, ge=0, le=5)) -> dict[str, float]:
        await asyncio.sleep(seconds)  # stands for a slow query
        return {"waited": seconds}

    return app


app = create_app()
