"""Exporters from the environment (``auto_configure``), and their flush and shut-down around the app's lifespan.

With ``telemetry={"auto_configure": True}`` (or ``FASTAPI_OTEL_AUTO_CONFIGURE=true``), the app's start-up adds an
OTLP/HTTP exporter for each enabled signal whose endpoint the standard variables name
(``OTEL_EXPORTER_OTLP_ENDPOINT``, ``OTEL_EXPORTER_OTLP_<SIGNAL>_ENDPOINT``, ``OTEL_<SIGNAL>_EXPORTER``,
``OTEL_EXPORTER_OTLP[_<SIGNAL>]_PROTOCOL``), as FastAPI's does:

- to the provider given in ``telemetry=``, or else the global one, which is kept with its own exporters;
- when no global provider was set, to a new SDK provider that becomes the global one;
- once per provider and signal, however many apps or lifespans start.

What this module creates (``_owned``) is flushed, off the event loop, when a lifespan ends, and shut down at exit.
A configuration that cannot be honoured is logged as a warning: telemetry set-up never prevents start-up.
Nothing here runs per request, and OpenTelemetry is imported only when exporters are to be added.
"""

from __future__ import annotations

import atexit
import os
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from zephyr.exceptions import FastAPIError
from zephyr.telemetry._api import TelemetryConfig
from zephyr.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ("deferred", "lifespan")


def _logger() -> Any:
    """Zephyr's logger, imported when a failure is reported (``logging`` stays off ``import zephyr``'s path)."""
    from zephyr.logger import logger

    return logger


_lock = threading.RLock()
_owned: list[Any] = []
"""The providers and export components created here: flushed after each lifespan, shut down at exit."""
_configured: list[tuple[str, Any]] = []
"""``(signal, provider)`` pairs that received an exporter from here: each receives one only once."""

# signal -> (the setting that enables it, its provider setting, the provider kind named in errors)
_SIGNALS = (
    ("TRACES", "tracing", "tracer_provider", "tracer"),
    ("METRICS", "metrics", "meter_provider", "meter"),
    ("LOGS", "logs", "logger_provider", "logger"),
)
# The API's placeholders until an SDK provider is set (the API has no public "is configured" question).
_DEFERRED = frozenset(
    {
        ("opentelemetry.trace", "ProxyTracerProvider"),
        ("opentelemetry.metrics._internal", "_ProxyMeterProvider"),
        ("opentelemetry._logs._internal", "ProxyLoggerProvider"),
    }
)
_FALLBACK = "pass telemetry={'auto_configure': False} to FastAPI()"


def deferred(provider: Any) -> bool:
    """Whether ``provider`` is the API's placeholder, used before any SDK provider is set globally."""
    cls = type(provider)
    return (cls.__module__, cls.__name__) in _DEFERRED


def _flush() -> None:
    for component in tuple(_owned):
        try:
            component.force_flush()
        except Exception:
            _logger().exception("FastAPI telemetry cleanup failed")


def _shutdown() -> None:
    with _lock:
        owned = tuple(_owned)
        _owned.clear()
    for component in owned:
        try:
            component.shutdown()
        except Exception:
            _logger().exception("FastAPI telemetry cleanup failed")


atexit.register(_shutdown)


def _export_endpoint(signal: str) -> str | None:
    """The OTLP/HTTP URL to export ``signal`` (``TRACES``, ``METRICS``, ``LOGS``) to, or None when none is set.

    Raises:
        FastAPIError: The environment asks for an exporter, protocol or URL this set-up cannot provide.
    """
    endpoint = os.getenv(f"OTEL_EXPORTER_OTLP_{signal}_ENDPOINT")
    if not endpoint:
        general = os.getenv("OTEL_EXPORTER_OTLP_ENDPOINT")
        endpoint = f"{general.rstrip('/')}/v1/{signal.lower()}" if general else None
    exporter = (os.getenv(f"OTEL_{signal}_EXPORTER") or "otlp").strip().lower()
    if endpoint is None or exporter == "none":
        return None
    if exporter != "otlp":
        raise FastAPIError(
            f"FastAPI automatic telemetry supports OTEL_{signal}_EXPORTER=otlp or none, not {exporter!r}. "
            f"Set up other exporters in your own code and {_FALLBACK}."
        )
    protocol = (
        os.getenv(f"OTEL_EXPORTER_OTLP_{signal}_PROTOCOL")
        or os.getenv("OTEL_EXPORTER_OTLP_PROTOCOL")
        or "http/protobuf"
    )
    if protocol != "http/protobuf":
        raise FastAPIError(
            f"FastAPI automatic telemetry exports with the OTLP http/protobuf protocol only, not {protocol!r}. "
            f"Set up other transports in your own code and {_FALLBACK}."
        )
    url = urlsplit(endpoint)
    if url.scheme not in ("http", "https") or not url.hostname:
        raise FastAPIError(f"Invalid OTLP {signal.lower()} endpoint {endpoint!r}: use an absolute HTTP or HTTPS URL.")
    return endpoint


def _registration_provider(provider: Any) -> Any:
    """The provider to add a component to: an older Logfire meter wrapper's SDK provider, else ``provider``."""
    cls = type(provider)
    if (
        cls.__module__ == "logfire._internal.metrics"
        and cls.__name__ == "ProxyMeterProvider"
        and not hasattr(provider, "add_metric_reader")
    ):
        return provider.provider
    return provider


def _configure_from_environment(config: TelemetryConfig) -> None:
    """Add the OTLP exporters the environment names to the app's providers (see the module); once per provider.

    Raises:
        FastAPIError: The environment or a provider cannot be honoured (the caller logs it).
    """
    if not config.get("auto_configure") or os.getenv("OTEL_SDK_DISABLED", "").lower() == "true":
        return
    with _lock:
        wanted = []
        for signal, enabled, setting, kind in _SIGNALS:
            if config.get(enabled, True):
                endpoint = _export_endpoint(signal)
                if endpoint is not None:
                    wanted.append((signal, kind, config.get(setting), endpoint))
        if not wanted:
            return
        sdk = _sdk()
        for signal, kind, explicit, endpoint in wanted:
            _attach(sdk, signal, kind, explicit, endpoint)


def _sdk() -> dict[str, Any]:
    """The SDK and exporter classes, looked up now (so that a patched class is the one used)."""
    try:
        from opentelemetry import _logs, metrics, trace
        from opentelemetry.exporter.otlp.proto.http import _log_exporter, metric_exporter, trace_exporter
        from opentelemetry.sdk import _logs as sdk_logs
        from opentelemetry.sdk import metrics as sdk_metrics
        from opentelemetry.sdk import trace as sdk_trace
        from opentelemetry.sdk._logs import export as logs_export
        from opentelemetry.sdk.metrics import export as metrics_export
        from opentelemetry.sdk.trace import export as trace_export
    except ImportError as exc:
        raise FastAPIError(
            "Automatic OpenTelemetry export requires fastapi[opentelemetry] or fastapi[standard] (the OpenTelemetry "
            f"SDK and OTLP exporter): install them, set up the providers yourself, or {_FALLBACK}."
        ) from exc
    return {
        "TRACES": (trace, sdk_trace.TracerProvider, "add_span_processor", "set_tracer_provider", "get_tracer_provider",
                   lambda url: trace_export.BatchSpanProcessor(trace_exporter.OTLPSpanExporter(endpoint=url))),
        "METRICS": (metrics, sdk_metrics.MeterProvider, "add_metric_reader", "set_meter_provider", "get_meter_provider",
                    lambda url: metrics_export.PeriodicExportingMetricReader(
                        metric_exporter.OTLPMetricExporter(endpoint=url))),
        "LOGS": (_logs, sdk_logs.LoggerProvider, "add_log_record_processor", "set_logger_provider",
                 "get_logger_provider",
                 lambda url: logs_export.BatchLogRecordProcessor(_log_exporter.OTLPLogExporter(endpoint=url))),
    }  # fmt: skip


def _attach(sdk: dict[str, Any], signal: str, kind: str, explicit: Any, endpoint: str) -> None:
    api, provider_class, add, set_global, get_global, make = sdk[signal]
    provider = _registration_provider(explicit if explicit is not None else getattr(api, get_global)())
    if any(done == signal and other is provider for done, other in _configured):
        return
    if explicit is None and deferred(provider):
        # No global provider yet: a new SDK provider with the exporter becomes it (the environment names the
        # resource). ``shutdown_on_exit=False``: this module shuts it down, after the final flush.
        component = make(endpoint)
        if signal == "METRICS":
            created = provider_class(metric_readers=[component], shutdown_on_exit=False)
        else:
            created = provider_class(shutdown_on_exit=False)
            getattr(created, add)(component)
        getattr(api, set_global)(created)
        current = getattr(api, get_global)()
        if current is created:
            _configured.append((signal, created))
            _owned.append(created)
            return
        # Another library set the global provider meanwhile: it wins; the exporter goes to it instead.
        created.shutdown()
        provider = _registration_provider(current)
    register = getattr(provider, add, None)
    if not callable(register):
        raise FastAPIError(
            f"The configured OpenTelemetry {kind} provider ({type(provider).__name__}) does not support adding an "
            f"OTLP exporter. Configure export from the environment through that provider, and {_FALLBACK}."
        )
    component = make(endpoint)
    try:
        register(component)
    except Exception:
        component.shutdown()
        raise
    _configured.append((signal, provider))
    _owned.append(component)


_ENDED = frozenset({"lifespan.shutdown.complete", "lifespan.shutdown.failed", "lifespan.startup.failed"})


async def lifespan(
    *,
    config: TelemetryConfig,
    app: ASGIApp,
    scope: Scope,
    receive: Receive,
    send: Send,
    started: Callable[[], None] | None = None,
) -> None:
    """Run the app's lifespan: exporters are added at start-up, and what this module owns is flushed at its end.

    ``started`` is called once the app reports its start-up complete.
    """

    async def starting_receive() -> Message:
        message = await receive()
        if message["type"] == "lifespan.startup":
            try:
                _configure_from_environment(config)
            except Exception as exc:  # telemetry set-up never prevents start-up
                _logger().warning("FastAPI automatic telemetry configuration failed: %s", exc)
        return message

    async def ending_send(message: Message) -> None:
        if started is not None and message["type"] == "lifespan.startup.complete":
            started()
        if message["type"] in _ENDED and _owned:
            from anyio.to_thread import run_sync

            await run_sync(_flush)  # exporters block on the network: off the event loop
        await send(message)

    await app(scope, starting_receive, ending_send)
