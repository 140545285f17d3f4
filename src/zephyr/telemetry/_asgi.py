"""``NativeTelemetry``: FastAPI's name for the per-request telemetry of one app, for code that drives it directly.

Zephyr's apps do not use it: they put ``TelemetryMiddleware`` in their middleware stack once (see ``_middleware``).
This wraps the same layer around whatever ASGI app it is handed, for code (and tests) written against
``fastapi.telemetry._asgi``.
"""

from __future__ import annotations

from typing import Any

from zephyr.telemetry._api import TelemetryConfig, resolve
from zephyr.telemetry._middleware import telemetry_layer
from zephyr.telemetry._runtime import deferred
from zephyr.types import ASGIApp, Receive, Scope, Send

__all__ = ("NativeTelemetry",)

_PROVIDERS = (
    ("tracing", "tracer_provider", "opentelemetry.trace", "get_tracer_provider"),
    ("metrics", "meter_provider", "opentelemetry.metrics", "get_meter_provider"),
    ("logs", "logger_provider", "opentelemetry._logs", "get_logger_provider"),
)


class NativeTelemetry:
    """The telemetry of one app's requests, with ``config`` (FastAPI's ``app._telemetry``): call it per request."""

    def __init__(self, config: TelemetryConfig) -> None:
        self.config = resolve(config)
        self.config["auto_configure"] = False  # the layer decides now: start-up is the app's business
        self._layers: dict[int, tuple[ASGIApp, ASGIApp]] = {}

    def enabled(self) -> bool:
        """Whether any signal is on with a configured provider (passed in the config, or set globally)."""
        import importlib

        config: Any = self.config
        for switch, setting, module, getter in _PROVIDERS:
            if config[switch]:
                if config[setting] is not None:
                    return True
                if not deferred(getattr(importlib.import_module(module), getter)()):
                    return True
        return False

    async def __call__(
        self, *, app: ASGIApp, scope: Scope, receive: Receive, send: Send, legacy_otel: bool = False
    ) -> None:
        """Serve one request or connection of ``app`` with its telemetry (none when ``legacy_otel`` instruments it)."""
        if legacy_otel:
            await app(scope, receive, send)
            return
        found = self._layers.get(id(app))
        if found is None or found[0] is not app:
            found = self._layers[id(app)] = (app, telemetry_layer(app, self.config))
        await found[1](scope, receive, send)
