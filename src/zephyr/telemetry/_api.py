"""The public surface of ``zephyr.telemetry`` (``fastapi.telemetry`` under the switch): the settings, and the data.

``TelemetryConfig`` is what ``FastAPI(telemetry={...})`` takes; ``resolve`` fills in its defaults as FastAPI does
(``auto_configure`` from ``FASTAPI_OTEL_AUTO_CONFIGURE``). ``TelemetryData`` is the request-local data a synchronous
OpenTelemetry processor may read with ``get_telemetry_data``, while the request is served. Nothing here imports
OpenTelemetry until ``get_telemetry_data`` is called.
"""

from __future__ import annotations

import os
from collections.abc import Callable, MutableMapping, Sequence
from typing import Any

from typing_extensions import TypedDict

__all__ = ("DEFAULTS", "TelemetryConfig", "TelemetryData", "get_telemetry_data", "resolve")


class TelemetryConfig(TypedDict, total=False):
    """Settings for ``FastAPI(telemetry={...})``; omitted keys keep their defaults (FastAPI's keys).

    Existing providers and their exporters are kept; providers the application passes are never shut down.
    """

    tracer_provider: Any
    """Use this tracer provider instead of the global one."""
    meter_provider: Any
    """Use this meter provider instead of the global one."""
    logger_provider: Any
    """Use this logger provider instead of the global one."""
    tracing: bool
    """HTTP request and WebSocket connection spans (default ``True``)."""
    metrics: bool
    """Request duration and active request metrics (default ``True``)."""
    logs: bool
    """Log records of validation failures and unhandled exceptions, with their stack traces (default ``True``)."""
    operation_spans: bool
    """Child spans for dependencies, the endpoint, serialization and background tasks (default ``True``)."""
    auto_configure: bool
    """Add OTLP exporters from the ``OTEL_*`` environment at start-up (default: ``FASTAPI_OTEL_AUTO_CONFIGURE``)."""
    exclude: Callable[[MutableMapping[str, Any]], bool] | None
    """Receives the ASGI scope; return ``True`` to leave that request or connection out of telemetry."""


DEFAULTS: TelemetryConfig = {
    "tracer_provider": None,
    "meter_provider": None,
    "logger_provider": None,
    "tracing": True,
    "metrics": True,
    "logs": True,
    "operation_spans": True,
    "auto_configure": False,
    "exclude": None,
}
"""Every setting's default, except ``auto_configure``'s, which ``resolve`` reads from the environment."""


def resolve(config: TelemetryConfig | None) -> TelemetryConfig:
    """``config`` with every omitted setting at its default: a new dict, so one app's settings are its own."""
    settings: TelemetryConfig = {
        **DEFAULTS,
        "auto_configure": os.getenv("FASTAPI_OTEL_AUTO_CONFIGURE", "").lower() == "true",
    }
    if config:
        settings.update(config)
    return settings


class TelemetryData:
    """Request or connection data for synchronous OpenTelemetry processors (read it with ``get_telemetry_data``).

    Filled in as the request is handled. Treat it as read-only, and apply your own capture and redaction rules
    before exporting any of it: nothing of it is added to spans or log records.

    Attributes:
        request: The ``Request``, once its route's handler starts.
        websocket: The ``WebSocket``, once its route's handler starts.
        body: The body as read (parsed JSON, form data or bytes), before parameter validation; ``None`` without one.
        values: The endpoint's arguments by name, once the dependencies are solved.
        errors: The request's validation errors (with the input values); ``[]`` once it validated.
    """

    __slots__ = ("_body", "_source", "errors", "request", "values", "websocket")

    def __init__(
        self,
        *,
        request: Any = None,
        websocket: Any = None,
        body: Any = None,
        values: dict[str, Any] | None = None,
        errors: Sequence[Any] | None = None,
    ) -> None:
        self.request = request
        self.websocket = websocket
        self.values = values
        self.errors = errors
        self._body = body
        self._source: Any = None  # the request's read body, parsed only if ``body`` is read

    @property
    def body(self) -> Any:
        """The body as read, before parameter validation (parsed on first read: nothing is parsed for nobody)."""
        source = self._source
        if source is not None:
            from zephyr._compile.body import telemetry_body

            self._body = telemetry_body(source)
            self._source = None
        return self._body

    @body.setter
    def body(self, value: Any) -> None:
        self._body = value
        self._source = None

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in ("request", "websocket", "body", "values"))
        return f"TelemetryData({fields}, errors={self.errors!r})"


_KEY: list[str] = []


def context_key() -> str:
    """The OpenTelemetry context key under which the request's telemetry is kept (created once)."""
    if not _KEY:
        from opentelemetry.context import create_key

        _KEY.append(create_key("fastapi.request"))
    return _KEY[0]


def get_telemetry_data(context: Any = None) -> TelemetryData | None:
    """The ``TelemetryData`` of the request an OpenTelemetry context belongs to (default: the current context).

    A log record processor can pass ``record.context``. Read it synchronously while the request or connection is
    being handled: afterwards this returns ``None``, even for a context kept from it.

    Example:
        ```python
        class Redacting(LogRecordProcessor):
            def on_emit(self, log_record):
                data = get_telemetry_data(log_record.log_record.context)
                if data is not None and data.errors:
                    ...
        ```
    """
    try:
        from opentelemetry.context import get_value
    except ImportError:  # no OpenTelemetry: no telemetry, so no data
        return None
    state = get_value(context_key(), context)
    return getattr(state, "data", None) if state is not None else None
