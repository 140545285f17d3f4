"""The request layer of native telemetry: the server span, metrics and log records of each request (see the package)."""

from __future__ import annotations

import os
import sys
import weakref
from collections.abc import Callable, MutableMapping
from contextlib import AbstractContextManager, nullcontext
from contextvars import ContextVar
from time import perf_counter, time_ns
from typing import Any, cast

from zephyr import _errors
from zephyr._interop.otel_metrics import measurement_recorder
from zephyr._interop.otel_sdk import end_span, set_span_attributes, span_shortcuts
from zephyr._routing.effective import served_route
from zephyr.telemetry._api import DEFAULTS, TelemetryConfig, TelemetryData, context_key
from zephyr.telemetry._operations import NO_OPERATION, NoOperation, Operation
from zephyr.telemetry._parts import (
    HEADERS,
    SCHEMA_URL,
    exception_type,
    expected_error,
    function_name,
    log_exception,
    log_validation_failure,
    normal_websocket_close,
    query,
    server_attributes,
)
from zephyr.telemetry._runtime import deferred
from zephyr.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ("TelemetryMiddleware", "telemetry_layer")

_KNOWN_METHODS = frozenset({"CONNECT", "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "QUERY", "TRACE"})
_DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0)
# Zephyr's phases, and the operation span FastAPI names the same stretch of work.
_OPERATIONS = (
    ("validation", "fastapi.dependencies"),
    ("handler", "fastapi.endpoint"),
    ("serialization", "fastapi.serialization"),
)


def _recording(explicit: Any, provider: Any, noop: type) -> Any:
    """The provider a signal records to, or ``None``: FastAPI's rule.

    A provider passed in ``telemetry=`` is used as it is, even the API's placeholder (which forwards to the global
    provider once one is set); the global one only once something is set (``deferred`` tells the placeholder by
    its module and name, so a vendor's proxy, such as Logfire's, counts as set). A no-op provider records nothing.
    """
    if isinstance(provider, noop) or (explicit is None and deferred(provider)):
        return None
    return provider


def telemetry_layer(app: ASGIApp, config: TelemetryConfig | None) -> ASGIApp:
    """``app`` wrapped in a ``TelemetryMiddleware`` when telemetry is on and a provider is configured, else ``app``.

    Nothing is imported unless OpenTelemetry was imported already (setting up a provider imports it) or
    ``telemetry=`` names a provider. With ``auto_configure``, the start-up may set the providers up: the decision
    waits for the first request. A global provider set later is followed (see ``zephyr.telemetry._follow``).
    """
    settings: TelemetryConfig = {**DEFAULTS, **(config or {})}
    if settings["auto_configure"]:
        return _AfterStartup(app, settings)
    return _layer(app, settings)


_deciding: weakref.WeakSet[_AfterStartup] = weakref.WeakSet()
"""Deciding layers that found no provider at the first request: each decides again when one is set."""


def _decide_again() -> None:
    """A global provider was set: each deciding layer that found none decides again."""
    for layer in list(_deciding):
        try:
            if layer.redecide():
                _deciding.discard(layer)
        except Exception:  # setting a provider must never fail because of an app
            from zephyr.logger import logger

            logger.exception("FastAPI telemetry could not start for %r", layer.app)


class _AfterStartup:
    """Decides at the first request or connection (after the start-up added exporters) whether to trace.

    With no provider then, the requests go straight to the app (nothing per request), and a global provider set
    later makes it decide again, as FastAPI, which asks for the providers at every request, follows it.
    """

    def __init__(self, app: ASGIApp, settings: TelemetryConfig) -> None:
        self.app = app
        self.settings = settings
        self.layer: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        layer = self.layer
        if layer is None:
            if scope["type"] == "lifespan":
                await self.app(scope, receive, send)
                return
            layer = self.layer = _layer(self.app, self.settings)
            if layer is self.app:
                from zephyr.telemetry._setters import when_provider_set

                _deciding.add(self)
                when_provider_set(_decide_again)  # imports OpenTelemetry's API, when it is installed
        await layer(scope, receive, send)

    def redecide(self) -> bool:
        """Trace from the next request when a provider records now; whether this layer is settled."""
        layer = _layer(self.app, self.settings)
        if layer is self.app:
            return False
        self.layer = layer
        return True


def _layer(app: ASGIApp, settings: TelemetryConfig) -> ASGIApp:
    named = any(settings[key] is not None for key in ("tracer_provider", "meter_provider", "logger_provider"))
    if not named and "opentelemetry.trace" not in sys.modules:
        return app
    try:
        import opentelemetry.trace  # noqa: F401 - imported for the middleware
    except ImportError:  # pragma: no cover - a provider was named, so OpenTelemetry is installed
        return app
    providers = _Providers(settings)
    if not providers.any():
        return app
    exclude: Any = settings["exclude"]
    return TelemetryMiddleware(
        app,
        tracer=providers.tracer,
        meter=providers.meter,
        logger=providers.logger,
        operation_spans=bool(settings["operation_spans"]),
        exclude=exclude,
        providers=providers if providers.following else None,
    )


def _signals(settings: TelemetryConfig) -> tuple[tuple[bool, Any, Callable[[], Any], type], ...]:
    """Per signal (traces, metrics, logs): whether it is on, its provider named, its global getter, its no-op type."""
    from opentelemetry import _logs, metrics, trace

    # The getters are looked up at each call: code that replaces one (tests do) is followed too.
    return (
        (
            settings["tracing"],
            settings["tracer_provider"],
            lambda: trace.get_tracer_provider(),
            trace.NoOpTracerProvider,
        ),
        (
            settings["metrics"],
            settings["meter_provider"],
            lambda: metrics.get_meter_provider(),
            metrics.NoOpMeterProvider,
        ),
        (settings["logs"], settings["logger_provider"], lambda: _logs.get_logger_provider(), _logs.NoOpLoggerProvider),
    )


class _Providers:
    """The tracer, meter and logger of an app's telemetry, from its providers: renewed when a provider changes.

    A signal that reads the global provider (none named in ``telemetry=``) is followed: the layer asks for that
    provider at each request, as FastAPI does, and takes new instruments when it is another one. Nothing is asked
    for a signal whose provider the app named.
    """

    __slots__ = ("following", "logger", "meter", "seen", "settings", "tracer")

    def __init__(self, settings: TelemetryConfig) -> None:
        self.settings = settings
        signals = _signals(settings)
        self.following = tuple(
            (index, getter) for index, (on, named, getter, _) in enumerate(signals) if on and named is None
        )
        self.seen = [(named if named is not None else getter()) if on else None for on, named, getter, _ in signals]
        self.tracer: Any = None
        self.meter: Any = None
        self.logger: Any = None
        self._instruments(signals)

    def _instruments(self, signals: tuple[tuple[bool, Any, Callable[[], Any], type], ...]) -> None:
        from opentelemetry import _logs

        from zephyr._version import __version__

        tracing, metering, logging = (
            _recording(named, seen, noop) if on else None
            for (on, named, _, noop), seen in zip(signals, self.seen, strict=True)
        )
        self.tracer = None if tracing is None else tracing.get_tracer("fastapi", __version__, schema_url=SCHEMA_URL)
        self.meter = None if metering is None else metering.get_meter("fastapi", __version__, schema_url=SCHEMA_URL)
        self.logger = (
            None if logging is None else _logs.get_logger("fastapi", __version__, logging, schema_url=SCHEMA_URL)
        )

    def any(self) -> bool:
        """Whether any signal records."""
        return self.tracer is not None or self.meter is not None or self.logger is not None

    def changed(self) -> bool:
        """Whether a global provider followed is another one now; the instruments are renewed then."""
        seen = self.seen
        if all(getter() is seen[index] for index, getter in self.following):
            return False
        for index, getter in self.following:
            seen[index] = getter()
        self._instruments(_signals(self.settings))
        return True


def _known_methods() -> frozenset[str]:
    """The methods reported as they are (others as ``_OTHER``): from ``OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS``."""
    names = os.getenv("OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS", "")
    known = frozenset(name.strip() for name in names.split(",") if name.strip())
    return known or _KNOWN_METHODS


def _observe(scope: Scope, exc: Exception, handled: bool) -> None:
    """The error layers' report of an exception they handled or answered with a 500 (see ``_errors.OBSERVERS``)."""
    request = scope.get(_KEY)
    if request is not None:
        request.observe(exc, handled)


_KEY = "zephyr.telemetry"
_TRACED_KINDS = frozenset({"http", "websocket"})
_CURRENT: ContextVar[TelemetryMiddleware | None] = ContextVar("zephyr.telemetry.layer", default=None)
_NO_OPERATION = nullcontext()


def _background_task(function: Callable[..., Any]) -> AbstractContextManager[Any]:
    """FastAPI's ``fastapi.background_task`` span around one background task of a traced request."""
    layer = _CURRENT.get()
    if layer is None or not layer.operation_spans:
        return _NO_OPERATION
    return layer._task_span(function)


class TelemetryMiddleware:
    """One server span and the HTTP server metrics per request, with Zephyr's phase timings (see the module)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        tracer: Any,
        meter: Any,
        logger: Any = None,
        operation_spans: bool = True,
        exclude: Callable[[MutableMapping[str, Any]], bool] | None = None,
        providers: _Providers | None = None,
    ) -> None:
        from opentelemetry import context, propagate, trace

        self.app = app
        self.exclude = exclude
        self.providers = providers
        """The global providers followed, if any: their instruments are renewed when one is replaced."""
        self._context = context
        self._key = context_key()
        self.known_methods = _known_methods()
        self._extract = propagate.extract
        self._set_span = trace.set_span_in_context
        self._server_kind = trace.SpanKind.SERVER
        self._error = trace.StatusCode.ERROR
        self._operation_setting = operation_spans
        if _observe not in _errors.OBSERVERS:
            _errors.OBSERVERS.append(_observe)
        self._use(tracer, meter, logger)

    def _use(self, tracer: Any, meter: Any, logger: Any) -> None:
        """Record with these instruments from now on (``None``: that signal is not recorded)."""
        self.tracer = tracer
        shortcuts = span_shortcuts(tracer) if tracer is not None else None
        self.shortcuts: Any = shortcuts
        """The SDK's span start, attributes and end without its generic machinery, for its default configuration
        (``zephyr._interop.otel_sdk``); ``None`` otherwise."""
        self._end: Callable[[Any], None] = end_span if shortcuts is None else shortcuts.end
        self._set_attributes: Callable[[Any, dict[str, Any]], None] = (
            set_span_attributes if shortcuts is None else shortcuts.set_attributes
        )
        self.logger = logger
        self.operation_spans = self._operation_setting and tracer is not None
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
            # The instruments' own ``record``/``add``, or the same without re-cleaning the attributes at each call
            # (``zephyr._interop.otel_metrics``).
            self._record_duration: Callable[[float, dict[str, Any]], None] = measurement_recorder(self.duration)
            self._add_active: Callable[[float, dict[str, Any]], None] = measurement_recorder(self.active)
        if self.operation_spans:
            from zephyr import background

            background._operation = _background_task

    def _follow(self, providers: _Providers) -> None:
        if providers.changed():
            self._use(providers.tracer, providers.meter, providers.logger)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Trace and measure one HTTP request or WebSocket session (other scopes, and excluded ones, pass through)."""
        if self.providers is not None:
            self._follow(self.providers)
        kind = scope["type"]
        if (
            kind not in _TRACED_KINDS
            or _KEY in scope  # a mounted app: the including app's layer traces this request
            or (self.exclude is not None and self.exclude(scope))
        ):
            await self._untraced(scope, receive, send)
            return
        if kind == "websocket":
            await self._websocket(scope, receive, send)
            return
        await self._http(scope, receive, send)

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = _Traced(self, scope, False)
        disconnected = False

        async def traced_send(message: Message) -> None:
            kind = message["type"]
            if kind == "http.response.start":
                request.status = message["status"]
                request.trailers = bool(message.get("trailers", False))
            await send(message)
            if kind == "http.response.body":
                if not message.get("more_body", False) and not request.trailers:
                    request.finish(None)
            elif (kind == "http.response.trailers" and not message.get("more_trailers", False)) or (
                kind == "http.response.pathsend"
            ):
                request.finish(None)

        async def traced_receive() -> Message:
            nonlocal disconnected
            message = await receive()
            if message["type"] == "http.disconnect":
                disconnected = True
            return message

        current = _CURRENT.set(self)
        try:
            await self.app(scope, traced_receive, traced_send)
        except BaseException as exc:
            request.unhandled(exc)
            request.finish(exc)
            raise
        finally:
            _CURRENT.reset(current)
            if not request.finished:
                gone = ConnectionError("Client disconnected") if disconnected else None
                request.finish(gone or RuntimeError("Incomplete ASGI response"))
            request.detach()

    async def _untraced(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass a request on untraced; an excluded one hides any outer request's data (``get_telemetry_data``)."""
        if _KEY in scope or (scope["type"] != "http" and scope["type"] != "websocket"):
            await self.app(scope, receive, send)
            return
        scope[_KEY] = None  # its mounted apps do not trace it either
        token = self._context.attach(self._context.set_value(self._key, None))
        try:
            await self.app(scope, receive, send)
        finally:
            self._context.detach(token)
            scope.pop(_KEY, None)

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.tracer is None and self.logger is None:  # WebSockets have no metrics: nothing to record
            await self.app(scope, receive, send)
            return
        request = _Traced(self, scope, True)

        def first_message() -> None:
            # The endpoint's first message ends the dependencies (an error answer, sent later, does not count).
            if request.endpoint_ns == 0 and request.failure is None:
                request.endpoint_ns = time_ns()

        async def traced_receive() -> Message:
            first_message()
            return await receive()

        async def traced_send(message: Message) -> None:
            first_message()
            await send(message)

        try:
            await self.app(scope, traced_receive, traced_send)
        except BaseException as exc:
            request.unhandled(exc)
            request.finish(None if normal_websocket_close(exc) else exc)
            raise
        finally:
            request.finish(None)
            request.detach()

    def _task_span(self, function: Callable[..., Any]) -> Operation:
        return Operation(self, "fastapi.background_task", function, always=True)

    def _operations(self, request: _Traced, span: Any, timings: dict[str, float]) -> None:
        """FastAPI's operation spans, end to end after routing, from the phases Zephyr measured.

        A phase that raised has no timing: its span runs until now and carries the error, as FastAPI's does.
        """
        if "routing" not in timings:
            return  # no route ran: no operations
        at = request.started_ns + int(timings["routing"] * 1e9)
        parent = self._set_span(span)
        inner = request.mounts[-1] if request.mounts else request.scope
        attributes = {"code.function.name": function_name(getattr(inner.get("route"), "endpoint", None))}
        spans: list[tuple[str, int, BaseException | None]] = []
        failure = request.failure
        if request.websocket:
            if request.endpoint_ns:
                spans.append(("fastapi.dependencies", request.endpoint_ns, None))
                spans.append(("fastapi.endpoint", time_ns(), failure))
            elif failure is not None:
                spans.append(("fastapi.dependencies", time_ns(), failure))
        else:
            cursor = at
            for phase, name in _OPERATIONS:
                seconds = timings.get(phase)
                if seconds is not None:
                    cursor += int(seconds * 1e9)
                    spans.append((name, cursor, None))
                    continue
                if failure is None or _before_dependencies(failure):
                    break
                if phase == "handler" and not _raised_in(failure, inner.get("endpoint")):
                    # Zephyr times dependencies with the endpoint; FastAPI's dependencies span holds their errors.
                    spans[-1] = (spans[-1][0], time_ns(), failure)
                else:
                    spans.append((name, time_ns(), failure))
                break
        for name, end, error in spans:
            if self.shortcuts is not None:
                child = self.shortcuts.start(name, parent, None, attributes, start_time=at)
            else:
                child = self.tracer.start_span(name, context=parent, attributes=attributes, start_time=at)
            if error is not None and not expected_error(error):
                child.set_attribute("error.type", exception_type(error))
                child.set_status(self._error)
            child.end(end_time=max(end, at))
            at = max(end, at)


def _raised_in(exc: BaseException, function: Any) -> bool:
    """Whether ``function``'s own code is on ``exc``'s traceback (the endpoint raised, not one of its dependencies)."""
    code = getattr(getattr(function, "__wrapped__", function), "__code__", None)
    if code is None:
        return True
    tb = exc.__traceback__
    for _ in range(1000):  # bounded: tracebacks are finite, but never walk an absurd one
        if tb is None:
            return False
        if tb.tb_frame.f_code is code:
            return True
        tb = tb.tb_next
    return False


def _before_dependencies(exc: BaseException) -> bool:
    """An error FastAPI raises while reading the body, before any operation span opens (malformed JSON or form)."""
    errors = getattr(exc, "errors", None)
    if type(exc).__name__ == "RequestValidationError" and callable(errors):
        found = errors()
        return bool(found) and found[0].get("type") == "json_invalid"
    return getattr(exc, "status_code", None) in (400, 413) and exc.__cause__ is not None


class _Traced:
    """One request's span, start time, status and failure, until ``finish`` records them (once)."""

    __slots__ = (
        "attributes",
        "base",
        "data",
        "endpoint_ns",
        "failure",
        "finished",
        "layer",
        "logged",
        "mounts",
        "prefix",
        "redirect",
        "scope",
        "span",
        "span_method",
        "started",
        "started_ns",
        "status",
        "token",
        "trailers",
        "websocket",
    )

    def __init__(self, layer: TelemetryMiddleware, scope: Scope, websocket: bool) -> None:
        self.layer = layer
        self.scope = scope
        self.websocket = websocket
        self.status: int | None = None
        self.trailers = False
        self.finished = False
        self.failure: BaseException | None = None
        self.logged: BaseException | None = None
        self.endpoint_ns = 0
        self.mounts: list[Scope] = []
        self.redirect: Any = None
        self.prefix = str(scope.get("app_root_path", scope.get("root_path", ""))).rstrip("/")
        if websocket:
            method = ""
            self.span_method = "WS"
            self.attributes: dict[str, Any] = {
                "url.scheme": scope.get("scheme", "ws"),
                "network.protocol.name": "websocket",
            }
            self.base = self.attributes
        else:
            original = scope["method"]
            method = original if original in layer.known_methods else "_OTHER"
            self.span_method = "HTTP" if method == "_OTHER" else method
            self.attributes = {"url.scheme": scope.get("scheme", "http"), "http.request.method": method}
            self.base = dict(self.attributes)  # the active-requests counter's: without the protocol version
            version = scope.get("http_version")
            if version:
                self.attributes["network.protocol.version"] = version
            if layer.active is not None:
                layer._add_active(1, self.base)
        self.started, self.started_ns = perf_counter(), time_ns()
        scope.setdefault("zephyr.timings", {})
        scope[_KEY] = self
        self.span = None
        self.data: TelemetryData | None = TelemetryData()
        context = layer._context
        if layer.tracer is None:
            self.token = context.attach(context.set_value(layer._key, self))
        else:
            headers = scope.get("headers") or []
            parent = layer._extract(headers, getter=cast("Any", HEADERS))
            attributes = {**self.attributes, **server_attributes(scope, headers)}
            if not websocket:
                attributes["url.path"] = scope["path"]
                if scope.get("query_string"):
                    attributes["url.query"] = query(scope["query_string"])
                if method != scope["method"]:
                    attributes["http.request.method_original"] = scope["method"]
            if layer.shortcuts is not None:
                self.span = layer.shortcuts.start(
                    self.span_method, parent, layer._server_kind, attributes, start_time=self.started_ns
                )
            else:
                self.span = layer.tracer.start_span(
                    self.span_method,
                    context=parent,
                    kind=layer._server_kind,
                    attributes=attributes,
                    start_time=self.started_ns,
                )
            self.token = context.attach(context.set_value(layer._key, self, layer._set_span(self.span, parent)))

    def redirected(self, route: Any) -> None:
        """The router answers with a redirect to ``route`` (a trailing slash added or removed): it names the request."""
        self.redirect = route

    def mounted(self, child: Scope) -> None:
        """A ``Mount`` hands the request to its app with ``child``: its route names the request."""
        self.mounts.append(child)

    def route(self) -> str | None:
        """``http.route`` as FastAPI writes it: the app's root path, the mount prefixes, then the route's template.

        A mounted app of another framework has no route Zephyr knows: its requests are ``<prefix>/{path}``.
        """
        scope, prefix = self.scope, self.prefix
        for child in self.mounts:
            mount = served_route(scope)  # an included mount: as served, under its inclusion's prefix
            prefix += getattr(mount, "path", "")
            scope = child
        found = _route_of(scope)
        if found is None and self.redirect is not None:
            found = str(self.redirect.path)
        if found is None:
            return prefix + "/{path}" if self.mounts else None
        return prefix + found

    def observe(self, exc: BaseException, handled: bool) -> None:
        """An error layer handled ``exc`` (or answers it with a 500): remember it, log what FastAPI logs."""
        self.failure = exc
        if not handled:
            self.unhandled(exc)
            return
        name = type(exc).__name__
        if name == "RequestValidationError" or name == "WebSocketRequestValidationError":
            data = self.data
            if data is not None:  # what failed, for the processors of the log record below
                if name == "RequestValidationError":
                    data.body = exc.body  # type: ignore[attr-defined]
                data.errors = exc.errors()  # type: ignore[attr-defined]
            if self.layer.logger is not None:
                log_validation_failure(self.layer.logger, exc, self.route())

    def unhandled(self, exc: BaseException) -> None:
        """``exc`` left the app's handlers: it is the request's error type, logged once."""
        if self.websocket and normal_websocket_close(exc):
            return
        self.failure = exc
        logger = self.layer.logger
        if logger is not None and self.logged is not exc and isinstance(exc, Exception):
            self.logged = exc
            log_exception(logger, exc, self.route(), self.websocket)

    def finish(self, error: BaseException | None) -> None:
        if self.finished:
            return
        self.finished = True
        layer = self.layer
        attributes = self.attributes
        route = self.route()
        if route is not None:
            attributes["http.route"] = route
        status = self.status
        if status is not None:
            attributes["http.response.status_code"] = status
        failed = error is not None or (not self.websocket and (status is None or status >= 500))
        if failed:
            failure = error or (self.failure if self.failure is not None and not expected_error(self.failure) else None)
            attributes["error.type"] = exception_type(failure) if failure else str(status or "incomplete_response")
        if self.span is not None:
            self._describe(route, attributes, failed)
        if not self.websocket:
            if layer.duration is not None:  # recorded while the span is current, for exemplars
                layer._record_duration(max(0.0, perf_counter() - self.started), attributes)
            if layer.active is not None:
                layer._add_active(-1, self.base)
        if self.span is not None:
            layer._end(self.span)

    def _describe(self, route: str | None, attributes: dict[str, Any], failed: bool) -> None:
        """Name the span by its route; write the attributes, Zephyr's phase timings, the status, the operations."""
        span: Any = self.span
        layer = self.layer
        if route is not None:
            span.update_name(f"{self.span_method} {route}")
        timings: dict[str, float] = self.scope["zephyr.timings"]
        layer._set_attributes(
            span, {**attributes, **{_PHASE_NAMES[phase]: round(s * 1000, 3) for phase, s in timings.items()}}
        )
        if failed:
            span.set_status(layer._error)
        if layer.operation_spans and self.websocket:  # an HTTP request's operations had spans of their own
            layer._operations(self, span, timings)

    def operation(self, name: str, function: Any, start_time: int | None = None) -> Operation | NoOperation:
        """Start the operation span ``name`` for ``function`` (a no-op when operation spans are off)."""
        layer = self.layer
        return Operation(layer, name, function, start_time=start_time) if layer.operation_spans else NO_OPERATION

    def detach(self) -> None:
        """The request is over: its data is dropped (a context kept from it no longer gives it) and its context left.

        What could keep the request's objects alive from a context someone kept is let go of too (the error, with
        its traceback's frames).
        """
        self.data = None
        self.failure = self.logged = None
        self.scope.pop(_KEY, None)
        self.layer._context.detach(self.token)


class _PhaseNames(dict[str, str]):
    """``zephyr.<phase>_ms`` for each phase, built once per phase name."""

    def __missing__(self, phase: str) -> str:
        name = self[phase] = f"zephyr.{phase}_ms"
        return name


_PHASE_NAMES = _PhaseNames()


def _route_of(scope: Scope) -> str | None:
    route = served_route(scope)  # an included route's full path, not the path it has in its router
    if route is None or getattr(route, "endpoint", None) is None:
        return None
    path = getattr(route, "path", None)
    return str(path) if path is not None else None
