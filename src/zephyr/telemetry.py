"""Native OpenTelemetry: ``FastAPI(telemetry={...})`` as FastAPI >= 0.163 defines it, on Zephyr's core.

With OpenTelemetry installed and a tracer (or meter) provider configured, globally or in ``telemetry=``, every HTTP
request gets one server span (``GET /items/{item_id}``) carrying the semantic-convention attributes
(``http.request.method``, ``url.path``, ``url.scheme``, ``http.route``, ``http.response.status_code``,
``error.type``...), and the ``http.server.request.duration`` / ``http.server.active_requests`` metrics are recorded.
Zephyr adds what it measures anyway: the time spent routing, validating, in the endpoint and serializing, as
``zephyr.<phase>_ms`` attributes, and (``operation_spans``, on by default as in FastAPI) as the child spans
``fastapi.dependencies``, ``fastapi.endpoint`` and ``fastapi.serialization``, laid end to end from the request's start.

Example:
    ```python
    from opentelemetry.sdk.trace import TracerProvider

    app = FastAPI(telemetry={"tracer_provider": TracerProvider(), "metrics": False})
    ```

Whether telemetry runs is decided once, when the middleware stack is built (the first request): set up the
providers before serving. An app instrumented with ``FastAPIInstrumentor`` keeps that instrumentation instead, as in
FastAPI. Not provided: FastAPI's OpenTelemetry logs of validation failures and ``get_telemetry_data``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, MutableMapping
from time import perf_counter, time_ns
from typing import Any

from typing_extensions import TypedDict

from zephyr.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ("TelemetryConfig", "TelemetryMiddleware", "telemetry_layer")

_KNOWN_METHODS = frozenset({"CONNECT", "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "QUERY", "TRACE"})
_DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0)
_UNCONFIGURED = frozenset({"ProxyTracerProvider", "NoOpTracerProvider", "_ProxyMeterProvider", "NoOpMeterProvider"})
# Zephyr's phases, and the operation span FastAPI names the same stretch of work.
_OPERATIONS = (
    ("validation", "fastapi.dependencies"),
    ("handler", "fastapi.endpoint"),
    ("serialization", "fastapi.serialization"),
)


class TelemetryConfig(TypedDict, total=False):
    """Settings for ``FastAPI(telemetry={...})``; omitted keys keep their defaults (FastAPI's keys)."""

    tracer_provider: Any
    """Use this tracer provider instead of the global one."""
    meter_provider: Any
    """Use this meter provider instead of the global one."""
    logger_provider: Any
    """Accepted for FastAPI's signature; Zephyr sends no OpenTelemetry logs."""
    tracing: bool
    """Server spans (default ``True``)."""
    metrics: bool
    """Request duration and active request metrics (default ``True``)."""
    logs: bool
    """Accepted for FastAPI's signature; Zephyr sends no OpenTelemetry logs."""
    operation_spans: bool
    """Child spans for validation, the endpoint and serialization (default ``True``)."""
    auto_configure: bool
    """Accepted for FastAPI's signature: configure providers with ``opentelemetry-instrument`` or your own code."""
    exclude: Callable[[MutableMapping[str, Any]], bool] | None
    """Return ``True`` for a scope to leave that request untraced."""


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


def _configured(explicit: Any, global_provider: Any) -> Any:
    provider = explicit if explicit is not None else global_provider
    return None if type(provider).__name__ in _UNCONFIGURED else provider


def telemetry_layer(app: ASGIApp, config: TelemetryConfig | None) -> ASGIApp:
    """``app`` wrapped in a ``TelemetryMiddleware`` when telemetry is on and a provider is configured, else ``app``.

    Nothing is imported unless OpenTelemetry was imported already (setting up a provider imports it) or
    ``telemetry=`` names a provider.
    """
    settings = {**DEFAULTS, **(config or {})}
    named = settings["tracer_provider"] is not None or settings["meter_provider"] is not None
    if not named and "opentelemetry.trace" not in sys.modules:
        return app
    try:
        from opentelemetry import metrics, trace
    except ImportError:  # pragma: no cover - a provider was named, so OpenTelemetry is installed
        return app
    tracer = meter = None
    if settings["tracing"]:
        provider = _configured(settings["tracer_provider"], trace.get_tracer_provider())
        tracer = provider.get_tracer("zephyr") if provider is not None else None
    if settings["metrics"]:
        provider = _configured(settings["meter_provider"], metrics.get_meter_provider())
        meter = provider.get_meter("zephyr") if provider is not None else None
    if tracer is None and meter is None:
        return app
    exclude: Any = settings["exclude"]
    return TelemetryMiddleware(
        app, tracer=tracer, meter=meter, operation_spans=bool(settings["operation_spans"]), exclude=exclude
    )


def _server_attributes(scope: Scope) -> dict[str, Any]:
    attributes: dict[str, Any] = {
        "url.scheme": scope.get("scheme", "http"),
        "url.path": scope["path"],
        "network.protocol.version": scope.get("http_version", "1.1"),
    }
    server = scope.get("server")
    if server:
        attributes["server.address"] = server[0]
        if server[1] is not None:
            attributes["server.port"] = server[1]
    if scope.get("query_string"):
        attributes["url.query"] = scope["query_string"].decode("latin-1")
    return attributes


def _route_of(scope: Scope) -> str | None:
    route = scope.get("route")
    if route is None or getattr(route, "endpoint", None) is None:
        return None
    path = getattr(route, "path", None)
    return str(path) if path is not None else None


class TelemetryMiddleware:
    """One server span and the HTTP server metrics per request, with Zephyr's phase timings (see the module)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        tracer: Any,
        meter: Any,
        operation_spans: bool = True,
        exclude: Callable[[MutableMapping[str, Any]], bool] | None = None,
    ) -> None:
        from opentelemetry import context, propagate, trace

        self.app = app
        self.tracer = tracer
        self.operation_spans = operation_spans and tracer is not None
        self.exclude = exclude
        self._context = context
        self._extract = propagate.extract
        self._set_span = trace.set_span_in_context
        self._server_kind = trace.SpanKind.SERVER
        self._error = trace.StatusCode.ERROR
        self.duration: Any = None
        self.active: Any = None
        if meter is not None:
            self.duration = meter.create_histogram(
                "http.server.request.duration",
                unit="s",
                description="Duration of HTTP server requests.",
                explicit_bucket_boundaries_advisory=_DURATION_BUCKETS,
            )
            self.active = meter.create_up_down_counter(
                "http.server.active_requests", unit="{request}", description="Number of active HTTP server requests."
            )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Trace and measure one HTTP request (other scopes, and excluded requests, pass through)."""
        if scope["type"] != "http" or (self.exclude is not None and self.exclude(scope)):
            await self.app(scope, receive, send)
            return
        request = _Traced(self, scope)

        async def traced_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                request.status = message["status"]
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                request.finish(None)

        try:
            await self.app(scope, receive, traced_send)
        except BaseException as exc:
            request.finish(exc)
            raise
        finally:
            request.finish(RuntimeError("Incomplete ASGI response"))
            request.detach()

    def _operations(self, span: Any, started_ns: int, timings: dict[str, float]) -> None:
        """FastAPI's operation spans, placed end to end after routing from the phases Zephyr measured."""
        at = started_ns + int(timings.get("routing", 0.0) * 1e9)
        parent = self._set_span(span)
        for phase, name in _OPERATIONS:
            seconds = timings.get(phase)
            if seconds is None:
                continue
            child = self.tracer.start_span(name, context=parent, start_time=at)
            at += int(seconds * 1e9)
            child.end(end_time=at)


class _Traced:
    """One request's span, start time and status, until ``finish`` records them (once)."""

    __slots__ = (
        "base",
        "finished",
        "layer",
        "scope",
        "span",
        "span_method",
        "started",
        "started_ns",
        "status",
        "token",
    )

    def __init__(self, layer: TelemetryMiddleware, scope: Scope) -> None:
        self.layer = layer
        self.scope = scope
        method = scope["method"] if scope["method"] in _KNOWN_METHODS else "_OTHER"
        self.span_method = "HTTP" if method == "_OTHER" else method
        self.base = {"http.request.method": method, "url.scheme": scope.get("scheme", "http")}
        self.status: int | None = None
        self.finished = False
        if layer.active is not None:
            layer.active.add(1, self.base)
        self.started, self.started_ns = perf_counter(), time_ns()
        scope.setdefault("zephyr.timings", {})
        self.span = self.token = None
        if layer.tracer is not None:
            headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope.get("headers", ())}
            parent = layer._extract(headers)
            attributes = _server_attributes(scope)
            attributes["http.request.method"] = method
            if method != scope["method"]:
                attributes["http.request.method_original"] = scope["method"]
            self.span = layer.tracer.start_span(
                self.span_method,
                context=parent,
                kind=layer._server_kind,
                attributes=attributes,
                start_time=self.started_ns,
            )
            self.token = layer._context.attach(layer._set_span(self.span, parent))

    def finish(self, error: BaseException | None) -> None:
        if self.finished:
            return
        self.finished = True
        layer, span = self.layer, self.span
        attributes: dict[str, Any] = dict(self.base)
        route = _route_of(self.scope)
        if route is not None:
            attributes["http.route"] = route
        if self.status is not None:
            attributes["http.response.status_code"] = self.status
        failed = error is not None or self.status is None or self.status >= 500
        if failed:
            attributes["error.type"] = type(error).__qualname__ if error is not None else str(self.status)
        if layer.duration is not None:
            layer.duration.record(perf_counter() - self.started, attributes)
        if layer.active is not None:
            layer.active.add(-1, self.base)
        if span is None:
            return
        if route is not None:
            span.update_name(f"{self.span_method} {route}")
        timings: dict[str, float] = self.scope["zephyr.timings"]
        for phase, seconds in timings.items():
            attributes[f"zephyr.{phase}_ms"] = round(seconds * 1000, 3)
        span.set_attributes(attributes)
        if failed:
            span.set_status(layer._error)
        if layer.operation_spans:
            layer._operations(span, self.started_ns, timings)
        span.end()

    def detach(self) -> None:
        if self.token is not None:
            self.layer._context.detach(self.token)
