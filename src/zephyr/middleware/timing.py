"""Measure each request: a ``Server-Timing`` header with the total and per-phase durations, and slow-request logs.

The middleware puts an empty dict at ``scope["zephyr.timings"]``; the core sees it and records how long each phase
took, in seconds, under the keys ``"routing"``, ``"validation"``, ``"handler"`` and ``"serialization"`` (any other
key a component adds is reported too). Without the dict the core measures nothing, so requests that are not timed
pay nothing. Browsers show the header in their developer tools (Network → Timing).

Example:
    ```python
    from zephyr import FastAPI
    from zephyr.middleware.timing import TimingMiddleware

    app = FastAPI()
    app.add_middleware(TimingMiddleware, slow_threshold=0.5)
    # Server-Timing: total;dur=3.512, routing;dur=0.004, validation;dur=0.031, handler;dur=3.201, serialization;dur=0.05
    ```
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable

from zephyr.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ("PHASES", "TIMINGS_SCOPE_KEY", "TimingMiddleware")

TIMINGS_SCOPE_KEY = "zephyr.timings"
"""The scope key of the ``{phase: seconds}`` dict the core fills."""

PHASES = ("routing", "validation", "handler", "serialization")
"""The phases the core reports, in the order they are written."""

_TOKEN = re.compile(r"[^!#$%&'*+\-.^_`|~0-9A-Za-z]")
_SERVER_TIMING = b"server-timing"


def _metric(name: str, seconds: float) -> str:
    return f"{_TOKEN.sub('_', name) or '_'};dur={seconds * 1000:.3f}"


class TimingMiddleware:
    """Add ``Server-Timing`` to responses and log requests slower than a threshold.

    Example:
        ```python
        app.add_middleware(TimingMiddleware, slow_threshold=1.0, logger=logging.getLogger("myapp.slow"))
        ```

    Args:
        app: The ASGI app to wrap.
        slow_threshold: Requests taking longer than this many seconds (from the call to the end of the response
            body) are logged at WARNING; ``None`` turns the log off.
        logger: The logger to use; by default ``zephyr.timing``.
        server_timing: Send the ``Server-Timing`` header. It reveals how long the server works, which helps
            developers and may help attackers time things: turn it off on public production apps if that matters.
        clock: A monotonic clock in seconds (for tests).
    """

    __slots__ = ("app", "clock", "logger", "server_timing", "slow_threshold")

    def __init__(
        self,
        app: ASGIApp,
        slow_threshold: float | None = 1.0,
        logger: logging.Logger | None = None,
        server_timing: bool = True,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self.app = app
        self.slow_threshold = slow_threshold
        self.logger = logger or logging.getLogger("zephyr.timing")
        self.server_timing = server_timing
        self.clock = clock

    def _header(self, total: float, timings: dict[str, float]) -> bytes:
        parts = [_metric("total", total)]
        parts.extend(_metric(phase, timings[phase]) for phase in PHASES if phase in timings)
        parts.extend(_metric(name, value) for name, value in timings.items() if name not in PHASES)
        return ", ".join(parts).encode("latin-1")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI connection, timing it."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        clock = self.clock
        start = clock()
        timings: dict[str, float] = {}
        scope[TIMINGS_SCOPE_KEY] = timings
        status = 0

        async def send_timed(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                if self.server_timing:
                    headers = list(message.get("headers", ()))
                    headers.append((_SERVER_TIMING, self._header(clock() - start, timings)))
                    message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_timed)
        finally:
            elapsed = clock() - start
            if self.slow_threshold is not None and elapsed > self.slow_threshold:
                phases = ", ".join(f"{name}={value * 1000:.1f}ms" for name, value in timings.items())
                self.logger.warning(
                    "Slow request: %s %s took %.3f s (status %s%s)",
                    scope.get("method", ""),
                    scope.get("path", ""),
                    elapsed,
                    status or "none sent",
                    f"; {phases}" if phases else "",
                )
