"""Zephyr's own equivalent of OpenTelemetry's ASGI middleware, used when ``FastAPIInstrumentor`` wraps a Zephyr app.

``FastAPIInstrumentor.instrument_app`` wraps the app's stack in ``OpenTelemetryMiddleware`` (from
``opentelemetry-instrumentation-asgi``), two Starlette ``ServerErrorMiddleware`` layers and an exception recorder.
That middleware recomputes per request what an app answers the same way every time (the request attributes for a
host and path, the route that names the span), sets the server span's attributes twice, one call per attribute,
and opens every ``http send`` span as the current span. :class:`NativeOpenTelemetryMiddleware` emits the same
spans and metric points through the same tracer, meter, instruments, hooks and options the instrumentor configured:

- the request attributes and the span name come from the instrumentation's own functions, remembered per request
  shape (scheme, server, host, user agent, version, method, path, query; the client address is added per request);
- the server span's attributes are written again in one call (as the middleware does, key by key);
- without a ``client_response_hook``, an ``http send`` span is started with its attributes and status and ended
  (nothing can observe it as the current span); with one, it is current while the hook runs, as in the middleware;
- an unhandled exception is recorded on the server span before Zephyr's error layer answers it, as the
  instrumentor's exception layer does before Starlette's error layer answers it;
- ``http.target`` of the metrics comes from the innermost mounted app's route, as Starlette's shared scope gives it.

It is used only for the instrumentation version it was checked against and the default semantic-convention mode;
any other version, mode or shape of stack keeps the instrumentation's own middleware (see :func:`native_stack`).
Nothing here is imported unless an instrumentation replaced ``app.build_middleware_stack``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from contextlib import suppress
from timeit import default_timer
from typing import Any

from zephyr import _errors
from zephyr._interop.otel_sdk import end_span, set_span_attributes, span_shortcuts
from zephyr.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ("NativeOpenTelemetryMiddleware", "native_stack")

SUPPORTED_VERSIONS = frozenset({"0.66b2"})
"""Versions of ``opentelemetry-instrumentation-asgi`` whose middleware this one was compared with."""
_KEY = "zephyr.otel_asgi"
_TIMINGS = "zephyr.timings"
_MEMO_SIZE = 4096


def native_stack(app: Any, stack: ASGIApp) -> ASGIApp:
    """``stack`` with the instrumentor's ASGI middleware replaced by the native one, when it covers its options.

    ``stack`` is what ``FastAPIInstrumentor``'s ``build_middleware_stack`` returned: Starlette's
    ``ServerErrorMiddleware`` around ``OpenTelemetryMiddleware`` around another ``ServerErrorMiddleware``, the
    instrumentor's exception layer, Zephyr's phase-attributes layer and Zephyr's stack (see
    ``zephyr._interop.tracing.instrumented_stack``).
    Anything else is returned unchanged.
    """
    inner = _unwrap(stack)
    if inner is None:
        return stack
    otel, zephyr_stack = inner
    return NativeOpenTelemetryMiddleware(zephyr_stack, otel, app)


def _unwrap(stack: Any) -> tuple[Any, ASGIApp] | None:
    errors = sys.modules.get("starlette.middleware.errors")
    asgi = sys.modules.get("opentelemetry.instrumentation.asgi")
    fastapi_instrumentation = sys.modules.get("opentelemetry.instrumentation.fastapi")
    version = sys.modules.get("opentelemetry.instrumentation.asgi.version")
    if errors is None or asgi is None or fastapi_instrumentation is None or version is None:
        return None
    if getattr(version, "__version__", None) not in SUPPORTED_VERSIONS:
        return None
    # Some of the instrumentation's helpers are followed in line (``_start_internal_or_server_span``, the
    # suppression check): the package that holds them must be the same release.
    from opentelemetry.instrumentation import version as common

    if getattr(common, "__version__", None) not in SUPPORTED_VERSIONS:
        return None
    server_errors = errors.ServerErrorMiddleware
    if type(stack) is not server_errors or stack.handler is not None:
        return None
    otel = stack.app
    if type(otel) is not asgi.OpenTelemetryMiddleware:
        return None
    from opentelemetry.instrumentation._semconv import _StabilityMode

    if otel._sem_conv_opt_in_mode is not _StabilityMode.DEFAULT:
        return None
    if otel.default_span_details is not getattr(fastapi_instrumentation, "_get_default_span_details", None):
        return None
    layer = otel.app
    if type(layer) is not server_errors or layer.handler is not None:
        return None
    recorder = layer.app
    if type(recorder).__name__ != "ExceptionHandlerMiddleware" or type(recorder).__module__ != asgi.__name__.replace(
        ".asgi", ".fastapi"
    ):
        return None
    from zephyr._interop.tracing import PhaseAttributesMiddleware

    phases = recorder.app
    if type(phases) is not PhaseAttributesMiddleware:
        return None
    return otel, phases.app


class _Request:
    """One traced request: its server span, the mounted apps' scopes, Zephyr's phase timings."""

    __slots__ = ("app", "mounts", "span")

    def __init__(self, span: Any, app: Any) -> None:
        self.span = span
        self.app = app
        self.mounts: list[Scope] = []

    def mounted(self, child: Scope) -> None:
        """A ``Mount`` hands the request to its app with ``child`` (Starlette updates one shared scope instead)."""
        self.mounts.append(child)


def _observe(scope: Scope, exc: Exception, handled: bool) -> None:
    """Record an exception about to be answered with a 500, as the instrumentor's exception layer does."""
    request = scope.get(_KEY)
    if request is None or handled or scope.get("app") is not request.app:
        return
    span = request.span
    if span.is_recording():
        from opentelemetry.trace import Status, StatusCode

        span.record_exception(exc)
        span.set_status(Status(status_code=StatusCode.ERROR, description=f"{type(exc).__name__}: {exc}"))


class NativeOpenTelemetryMiddleware:
    """The spans and metrics of ``OpenTelemetryMiddleware`` (default semantic conventions), computed once per shape."""

    def __init__(self, app: ASGIApp, otel: Any, owner: Any) -> None:
        from opentelemetry import context, trace
        from opentelemetry.instrumentation import _semconv, utils
        from opentelemetry.instrumentation import asgi as otel_asgi
        from opentelemetry.instrumentation.propagators import get_global_response_propagator
        from opentelemetry.util.http import normalise_request_header_name, normalise_response_header_name

        self.app = app
        self.otel = otel
        self.owner = owner
        self.tracer: Any = otel.tracer
        self.duration: Any = otel.duration_histogram_old
        self.response_size: Any = otel.server_response_size_histogram
        self.request_size: Any = otel.server_request_size_histogram
        self.active: Any = otel.active_requests_counter
        self.excluded_urls: Any = otel.excluded_urls
        self._excluding = _excludes_something(self.excluded_urls)
        from opentelemetry.util.http import sanitize_method

        self._sanitize_method = sanitize_method
        self.server_request_hook: Any = otel.server_request_hook
        self.client_request_hook: Any = otel.client_request_hook
        self.client_response_hook: Any = otel.client_response_hook
        self.capture_request: Any = otel.http_capture_headers_server_request
        self.capture_response: Any = otel.http_capture_headers_server_response
        self.sanitize: Any = otel.http_capture_headers_sanitize_fields
        self.exclude_receive_span = otel.exclude_receive_span
        self.exclude_send_span = otel.exclude_send_span
        self.mode = otel._sem_conv_opt_in_mode
        self._context: Any = context
        self._trace: Any = trace
        self._server_kind: Any = trace.SpanKind.SERVER
        self._set_span_in_context: Any = trace.set_span_in_context
        self._invalid_span: Any = trace.INVALID_SPAN
        self._get_current_span: Any = trace.get_current_span
        self._status: Any = trace.Status
        self._unset_code: Any = trace.StatusCode.UNSET
        self._status_of: Any = utils.http_status_to_status_code
        self._collect: Any = otel_asgi.collect_request_attributes
        self._host_port_url: Any = otel_asgi.get_host_port_url_tuple
        self._custom_headers: Any = otel_asgi.collect_custom_headers_attributes
        self._set_status_code: Any = otel_asgi.set_status_code
        self._collect_target: Any = otel_asgi._collect_target_attribute
        self._parse_url_query: Any = getattr(otel_asgi, "_parse_url_query")  # noqa: B009 - not re-exported
        self._set_http_target: Any = _semconv._set_http_target
        self._duration_attributes: Any = otel_asgi._parse_duration_attrs
        self._active_attributes: Any = otel_asgi._parse_active_request_count_attrs
        self._response_propagator: Any = get_global_response_propagator
        self._asgi_setter: Any = otel_asgi.asgi_setter
        self._request_header_name: Any = normalise_request_header_name
        self._response_header_name: Any = normalise_response_header_name
        self._getter: Any = _header_getter(otel_asgi.ASGIGetter, otel_asgi._decode_header_item)
        self._details: dict[tuple[Any, ...], tuple[str, dict[str, Any]]] = {}
        self._attributes: dict[tuple[Any, ...], tuple[dict[str, Any], dict[str, Any]]] = {}
        self._names: dict[tuple[str, str], tuple[str, str]] = {}
        self._excluded_shapes: dict[tuple[Any, ...], bool] = {}
        self._durations: dict[tuple[Any, ...], dict[str, Any]] = {}
        self._span_key: Any = trace.propagation._SPAN_KEY
        self._get_current: Any = context.get_current
        self._suppressing = (
            context._SUPPRESS_INSTRUMENTATION_KEY,
            context._SUPPRESS_HTTP_INSTRUMENTATION_KEY,
            utils._SUPPRESS_INSTRUMENTATION_KEY_PLAIN,
        )
        from opentelemetry import propagate

        self._extract: Any = propagate.extract
        self._internal_kind: Any = trace.SpanKind.INTERNAL
        self._set_value: Any = context.set_value
        self._api_span: Any = trace.Span
        self._error_code: Any = trace.StatusCode.ERROR
        self._routes = -1
        sdk = sys.modules.get("opentelemetry.sdk.trace")
        self._sdk_span: Any = getattr(sdk, "_Span", None) if sdk is not None else None
        # An ``http send`` span may be started with its attributes (instead of opened as the current span and
        # written after) only when no response hook must see it current and the sampler cannot tell the difference.
        self._sdk_tracer = sdk is not None and type(self.tracer) is getattr(sdk, "Tracer", None)
        # The SDK tracer's lighter ``start_span`` for its default sampler and id generator (issue 11).
        self._shortcuts: Any = span_shortcuts(self.tracer)
        self._end: Callable[[Any], None] = end_span if self._shortcuts is None else self._shortcuts.end
        self._set_attributes: Callable[[Any, dict[str, Any]], None] = (
            set_span_attributes if self._shortcuts is None else self._shortcuts.set_attributes
        )
        self._plain_sends = (
            not callable(self.client_response_hook) and self._sdk_tracer and _attribute_blind(self.tracer.sampler)
        )
        if _observe not in _errors.OBSERVERS:
            _errors.OBSERVERS.append(_observe)

    # -- what the middleware computes per request, remembered per request shape ----------------------------------

    def _shape(self, scope: Scope) -> tuple[Any, ...]:
        hosts: list[bytes] = []
        agent = None
        for name, value in scope.get("headers") or ():
            if type(name) is not bytes:  # not ASGI's bytes: worked out per request, never remembered
                raise TypeError("header names must be bytes")
            if name == b"host" or name.lower() == b"host":
                hosts.append(value)
            elif agent is None and (name == b"user-agent" or name.lower() == b"user-agent"):
                agent = value
        server = scope.get("server")
        return (
            scope["type"],
            scope.get("scheme"),
            tuple(server) if server else server,
            scope.get("http_version"),
            scope.get("path"),
            scope.get("query_string"),
            scope.get("method"),
            scope.get("root_path"),
            tuple(hosts),
            agent,
        )

    def _key(self, scope: Scope) -> tuple[Any, ...] | None:
        """The request's shape, or None for an unusual scope (worked out per request, as the middleware does)."""
        try:
            key = self._shape(scope)
            hash(key)
        except TypeError:  # unhashable values, or header names that are not bytes
            return None
        return key

    def _request_details(self, scope: Scope, key: tuple[Any, ...] | None) -> tuple[str, dict[str, Any], dict[str, Any]]:
        """The span name, the request attributes (a fresh dict) and the active-requests attributes."""
        routes = self.owner.routes
        if len(routes) != self._routes:  # a route added after start-up: forget what was worked out before it
            self._details.clear()
            self._routes = len(routes)
        if key is None:
            return self._compute(scope)
        details = self._details.get(key)
        if details is None:
            details = self.default_span_details(scope)
            if len(self._details) < _MEMO_SIZE:
                self._details[key] = details
        found = self._attributes.get(key)
        if found is None:
            anonymous = dict(scope)
            anonymous["client"] = None
            attributes = self._collect(anonymous, self.mode)
            merged = {**attributes, **details[1]}
            found = (attributes, self._active_attributes(merged, self.mode))
            if len(self._attributes) < _MEMO_SIZE:
                self._attributes[key] = found
        attributes = dict(found[0])
        client = scope.get("client")
        if client is not None:  # ``_set_http_peer_ip_server`` and ``_set_http_peer_port_server``, in line
            ip, port = client[0], client[1]
            if ip:
                attributes["net.peer.ip"] = ip
            if port:
                try:  # noqa: SIM105 - suppress() would cost a context manager per request
                    attributes["net.peer.port"] = int(port)
                except (ValueError, TypeError):
                    pass
        attributes.update(details[1])
        return details[0], attributes, found[1]

    def default_span_details(self, scope: Scope) -> tuple[str, dict[str, Any]]:
        """The span name and ``http.route`` as the FastAPI instrumentation works them out from the app's routes.

        Routes of included routers are matched in their flattened form, as the instrumentation does on FastAPI.
        """
        route = None
        for candidate in _flatten(self.owner.routes):
            match, _ = candidate.matches(scope)
            if match.name == "FULL":
                route = getattr(candidate, "path", None) or scope.get("path")
                break
            if match.name == "PARTIAL":
                route = candidate.path
        method = self._sanitize_method(scope.get("method", "").strip())
        attributes: dict[str, Any] = {}
        if method == "_OTHER":
            method = "HTTP"
        if route:
            attributes["http.route"] = route
        if method and route:
            return f"{method} {route}", attributes
        if route:
            return route, attributes
        return method, attributes

    def _compute(self, scope: Scope) -> tuple[str, dict[str, Any], dict[str, Any]]:
        name, additional = self.default_span_details(scope)
        attributes = self._collect(scope, self.mode)
        attributes.update(additional)
        return name, attributes, self._active_attributes(attributes, self.mode)

    def _holds(self, span: Any, attributes: dict[str, Any]) -> bool:
        """Whether writing ``attributes`` again would change nothing: an SDK span that holds just them, in order.

        The SDK re-inserts each key on writing: the same keys and values in the same order stay as they are (the
        values it stores are the ones given when they are strings and numbers, as the request attributes are).
        """
        if type(span) is not self._sdk_span:
            return False
        stored = getattr(getattr(span, "_attributes", None), "_dict", None)
        # The keys in the same order, then the values (one comparison in C, no list of pairs built).
        return (
            type(stored) is dict
            and len(stored) == len(attributes)
            and list(stored) == list(attributes)
            and (stored == attributes)
        )

    def _span_names(self, name: str, kind: str) -> tuple[str, str]:
        names = self._names.get((name, kind))
        if names is None:
            names = (f"{name} {kind} receive", f"{name} {kind} send")
            if len(self._names) < _MEMO_SIZE:
                self._names[(name, kind)] = names
        return names

    # -- the request ----------------------------------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Trace and measure one HTTP request or WebSocket session, as ``OpenTelemetryMiddleware`` does."""
        start = default_timer()
        kind = scope["type"]
        if (kind != "http" and kind != "websocket") or not self._instrumenting():
            await self.app(scope, receive, send)
            return
        key = self._key(scope)
        if self._excluding and self._excluded(scope, key):
            await self.app(scope, receive, send)
            return
        span_name, attributes, active_attributes = self._request_details(scope, key)
        span, token = self._start_span(scope, span_name, attributes)
        http = kind == "http"
        if http:
            self.active.add(1, active_attributes)
        request = _Request(span, self.owner)
        try:
            # ``trace.use_span(span, end_on_exit=False)``, without its generator-based context manager.
            current = self._context.attach(self._set_value(self._span_key, span))
            try:
                if span.is_recording():
                    self._annotate(span, scope, attributes)
                if callable(self.server_request_hook):
                    self.server_request_hook(span, scope)
                receive_name, send_name = self._span_names(span_name, kind)
                timings: dict[str, float] | None = None
                if http and _TIMINGS not in scope and span.is_recording():
                    timings = scope[_TIMINGS] = {}
                scope[_KEY] = request
                await self.app(
                    scope,
                    receive if self.exclude_receive_span else self._receive(receive_name, scope, receive),
                    self._send(span, send_name, scope, send, attributes, timings),
                )
            finally:
                self._context.detach(current)
        except Exception as exc:
            self._failed(span, exc)
            raise
        finally:
            scope.pop(_KEY, None)
            if http:
                self._measure(request, scope, key, attributes, active_attributes, span, start)
            if token:
                self._context.detach(token)
            if span.is_recording():
                self._end(span)

    def _start_span(self, scope: Scope, span_name: str, attributes: dict[str, Any]) -> tuple[Any, Any]:
        """The server span (an internal one inside another span) and the token of the context extracted for it.

        ``_start_internal_or_server_span`` of the instrumentation, with its getter and propagation.
        """
        token = None
        if self._get_current_span() is self._invalid_span:
            parent = self._extract(scope, getter=self._getter)
            token = self._context.attach(parent)
            span_kind = self._server_kind
        else:
            parent = self._get_current()
            span_kind = self._internal_kind
        if self._shortcuts is not None:
            return self._shortcuts.start(span_name, parent, span_kind, attributes), token
        span = self.tracer.start_span(
            name=span_name, context=parent, kind=span_kind, start_time=None, attributes=attributes
        )
        return span, token

    def _instrumenting(self) -> bool:
        """``is_http_instrumentation_enabled()``: no suppression key is set in the current context (one look-up)."""
        current = self._get_current()
        plain, http, legacy = self._suppressing
        return not (current.get(plain) or current.get(legacy) or current.get(http))

    def _excluded(self, scope: Scope, key: tuple[Any, ...] | None) -> bool:
        """Whether the excluded URLs name the request's URL (worked out once per request shape)."""
        excluded = self._excluded_shapes.get(key) if key is not None else None
        if excluded is None:
            _, _, url = self._host_port_url(scope)
            excluded = bool(self.excluded_urls.url_disabled(url))
            if key is not None and len(self._excluded_shapes) < _MEMO_SIZE:
                self._excluded_shapes[key] = excluded
        return excluded

    def _annotate(self, span: Any, scope: Scope, attributes: dict[str, Any]) -> None:
        """The request attributes again (as the middleware writes them), then the captured request headers."""
        if not self._holds(span, attributes):
            self._set_attributes(span, attributes)
        if span.kind == self._server_kind and self.capture_request:
            custom = self._custom_headers(scope, self.sanitize, self.capture_request, self._request_header_name)
            if len(custom) > 0:
                span.set_attributes(custom)

    def _measure(
        self,
        request: _Request,
        scope: Scope,
        key: tuple[Any, ...] | None,
        attributes: dict[str, Any],
        active_attributes: dict[str, Any],
        span: Any,
        start: float,
    ) -> None:
        """The metric points the middleware records when a request ends."""
        target = None
        if not request.mounts:
            target = self._collect_target(scope)
        elif request.mounts[-1].get("route") is not (request.mounts[-2] if len(request.mounts) > 1 else scope).get(
            "route"
        ):  # the mounted app's own route (where none matched, FastAPI's scope names no route)
            target = self._collect_target(request.mounts[-1])
        duration_s = default_timer() - start
        duration_attributes = self._duration_attributes_of(key, attributes, target)
        span_context = self._set_span_in_context(span)
        if self.duration:
            self.duration.record(max(round(duration_s * 1000), 0), duration_attributes, context=span_context)
        self.active.add(-1, active_attributes)
        otel = self.otel
        if otel.content_length_header and self.response_size:
            # The middleware keeps the last response's length on itself, not per request: so does this one.
            self.response_size.record(otel.content_length_header, duration_attributes, context=span_context)
        request_size = self._getter.get(scope, "content-length")
        if request_size:
            try:
                amount = int(request_size[0])
            except ValueError:
                pass
            else:
                if self.request_size:
                    self.request_size.record(amount, duration_attributes, context=span_context)

    def _duration_attributes_of(
        self, key: tuple[Any, ...] | None, attributes: dict[str, Any], target: str | None
    ) -> dict[str, Any]:
        """The attributes of the duration and size points (a fresh dict), remembered per shape, status and target.

        The middleware writes ``http.target`` on the request attributes (which nothing reads afterwards in the
        default semantic conventions) and filters them; the points' attributes follow from the request's shape,
        the status the response wrote (``http.status_code``, the one attribute added since) and the target.
        """
        memo = None
        if key is not None and type(status := attributes.get("http.status_code")) in (int, type(None)):
            memo = (key, status, target)
            found = self._durations.get(memo)
            if found is not None:
                return dict(found)
        if target:
            path, query = self._parse_url_query(target)
            self._set_http_target(attributes, target, path, query, self.mode)
        duration_attributes: dict[str, Any] = self._duration_attributes(attributes, self.mode)
        if target:
            duration_attributes["http.target"] = target
        if memo is not None and len(self._durations) < _MEMO_SIZE:
            self._durations[memo] = dict(duration_attributes)
        return duration_attributes

    def _receive(self, span_name: str, scope: Scope, receive: Receive) -> Receive:
        tracer, hook = self.tracer, self.client_request_hook
        if not self._sdk_tracer:

            async def otel_receive() -> Message:
                with tracer.start_as_current_span(span_name) as receive_span:
                    message = await receive()
                    self._read(receive_span, hook, scope, message)
                return message

            return otel_receive
        shortcuts = self._shortcuts
        attach, detach, set_value, span_key = (
            self._context.attach,
            self._context.detach,
            self._set_value,
            self._span_key,
        )

        async def sdk_receive() -> Message:
            # The SDK tracer's ``start_as_current_span``: ``start_span``, then ``use_span`` ending it on exit.
            receive_span = shortcuts.start(span_name) if shortcuts is not None else tracer.start_span(span_name)
            try:
                token = attach(set_value(span_key, receive_span))
                try:
                    message = await receive()
                    self._read(receive_span, hook, scope, message)
                finally:
                    detach(token)
            except Exception as exc:
                self._failed(receive_span, exc)
                raise
            finally:
                self._end(receive_span)
            return message

        return sdk_receive

    def _read(self, receive_span: Any, hook: Any, scope: Scope, message: Message) -> None:
        """What the middleware writes on an ``http receive`` span once the message is there."""
        if callable(hook):
            hook(receive_span, scope, message)
        if receive_span.is_recording():
            if message["type"] == "websocket.receive":
                self._set_status_code(receive_span, 200, None, self.mode)
            receive_span.set_attribute("asgi.event.type", message["type"])

    def _failed(self, span: Any, exc: Exception) -> None:
        """``use_span``'s answer to an exception leaving the span's block: recorded, and the span's status."""
        if isinstance(span, self._api_span) and span.is_recording():
            span.record_exception(exc)
            span.set_status(self._status(status_code=self._error_code, description=f"{type(exc).__name__}: {exc}"))

    def _send(
        self,
        server_span: Any,
        span_name: str,
        scope: Scope,
        send: Send,
        duration_attributes: dict[str, Any],
        timings: dict[str, float] | None,
    ) -> Send:
        expecting_trailers = False
        exclude_send_span = self.exclude_send_span
        phases_due = timings is not None

        async def otel_send(message: Message) -> None:
            nonlocal expecting_trailers, phases_due
            kind = message["type"]
            final = kind == "http.response.body" and not message.get("more_body", False)
            status_code: Any = (
                message["status"] if kind == "http.response.start" else 200 if kind == "websocket.send" else None
            )
            phases = None
            if phases_due and timings is not None and (final or (_plain_int(status_code) and status_code > 0)):
                # Zephyr's phases, all measured before the response starts: written with the status (one call
                # instead of two, in the same order), else on the span before it ends.
                phases_due = False
                phases = {_PHASES[phase]: round(s * 1000, 3) for phase, s in timings.items()}
                if final:
                    self._set_attributes(server_span, phases)
                    phases = None
            if not exclude_send_span:
                expecting_trailers = self._send_span(span_name, scope, message, status_code, expecting_trailers)
            self._describe(server_span, message, status_code, duration_attributes, phases)
            await send(message)
            if (not expecting_trailers and final) or (
                expecting_trailers and kind == "http.response.trailers" and not message.get("more_trailers", False)
            ):
                self._end(server_span)

        return otel_send

    def _send_span(
        self, span_name: str, scope: Scope, message: Message, status_code: Any, expecting_trailers: bool
    ) -> bool:
        """The ``http send`` span of one message; whether trailers are expected after the response start.

        Started with its attributes and ended, never made current: nothing can observe it in between unless a
        response hook runs, or the sampler reads the attributes it is started with (see ``_attribute_blind``).
        """
        if not self._plain_sends or not (status_code is None or (_plain_int(status_code) and status_code > 0)):
            return self._current_send_span(span_name, scope, message, status_code, expecting_trailers)
        kind = message["type"]
        attributes: dict[str, Any] = {"asgi.event.type": kind}
        if status_code:
            attributes["http.status_code"] = status_code
        if self._shortcuts is not None:
            span = self._shortcuts.start(span_name, None, None, attributes)
        else:
            span = self.tracer.start_span(span_name, attributes=attributes)
        if span.is_recording():
            if kind == "http.response.start":
                expecting_trailers = message.get("trailers", False)
            if status_code:
                self._set_status(span, status_code)
        self._end(span)
        return expecting_trailers

    def _current_send_span(
        self, span_name: str, scope: Scope, message: Message, status_code: Any, expecting_trailers: bool
    ) -> bool:
        """An ``http send`` span as the middleware opens it: current while the response hook runs."""
        with self.tracer.start_as_current_span(span_name) as send_span:
            if callable(self.client_response_hook):
                self.client_response_hook(send_span, scope, message)
            if send_span.is_recording():
                if message["type"] == "http.response.start":
                    expecting_trailers = message.get("trailers", False)
                send_span.set_attribute("asgi.event.type", message["type"])
            if status_code:
                self._set_status_code(send_span, status_code, None, self.mode)
        return expecting_trailers

    def _set_status(self, span: Any, status_code: int) -> None:
        """The span status of an HTTP status (the SDK ignores an unset one: then nothing is called)."""
        status = self._status_of(status_code, server_span=True)
        if status is not self._unset_code or type(span) is not self._sdk_span:
            span.set_status(self._status(status))

    def _describe(
        self,
        server_span: Any,
        message: Message,
        status_code: Any,
        duration_attributes: dict[str, Any],
        phases: dict[str, float] | None,
    ) -> None:
        """What one sent message writes on the server span, the response propagation and the response length.

        ``phases`` (Zephyr's own attributes) go on the span right after the status, in the same call.
        """
        recording = server_span.is_recording()
        if recording and self.capture_response and server_span.kind == self._server_kind and "headers" in message:
            custom = self._custom_headers(message, self.sanitize, self.capture_response, self._response_header_name)
            if len(custom) > 0:
                server_span.set_attributes(custom)
        if status_code:
            if _plain_int(status_code) and status_code >= 0:
                if recording and phases:
                    self._set_attributes(server_span, {"http.status_code": status_code, **phases})
                elif recording:
                    server_span.set_attribute("http.status_code", status_code)
                duration_attributes["http.status_code"] = status_code
                if recording:
                    self._set_status(server_span, status_code)
            else:
                self._set_status_code(server_span, status_code, duration_attributes, self.mode)
        propagator = self._response_propagator()
        if propagator:
            context = self._set_span_in_context(server_span, self._context.Context())
            propagator.inject(message, context=context, setter=self._asgi_setter)
        content_length = self._getter.get(message, "content-length")
        if content_length:
            with suppress(ValueError):
                self.otel.content_length_header = int(content_length[0])


def _plain_int(value: Any) -> bool:
    return type(value) is int


def _excludes_something(excluded: Any) -> bool:
    """Whether the instrumentation's excluded URLs may exclude a request (an empty ``ExcludeList`` never does)."""
    if not excluded:
        return False
    util = sys.modules.get("opentelemetry.util.http")
    exclude_list = getattr(util, "ExcludeList", None)
    return type(excluded) is not exclude_list or bool(getattr(excluded, "_excluded_urls", True))


def _attribute_blind(sampler: Any) -> bool:
    """Whether ``sampler`` is one of the SDK's own, whose decisions and span attributes ignore start attributes.

    Those samplers sample on the trace id and the parent alone and hand the attributes they are given back as the
    span's; a sampler of another kind (``AlwaysRecordSampler`` among them) may not.
    """
    sampling = sys.modules.get("opentelemetry.sdk.trace.sampling")
    if sampling is None or sampler is None:
        return False
    kinds = {getattr(sampling, name, None) for name in _BLIND_SAMPLERS} - {None}
    pending, seen = [sampler], set()
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if type(current) not in kinds:
            return False
        if isinstance(current, sampling.ParentBased):
            pending.extend(getattr(current, name, None) for name in _PARENT_BASED_DELEGATES)
    return True


_BLIND_SAMPLERS = (
    "StaticSampler",
    "TraceIdRatioBased",
    "ParentBased",
    "ParentBasedTraceIdRatio",
    "_AlwaysOff",
    "_AlwaysOn",
    "_ParentBasedAlwaysOff",
    "_ParentBasedAlwaysOn",
)
_PARENT_BASED_DELEGATES = (
    "_root",
    "_remote_parent_sampled",
    "_remote_parent_not_sampled",
    "_local_parent_sampled",
    "_local_parent_not_sampled",
)


class _PhaseNames(dict[str, str]):
    """``zephyr.<phase>_ms`` for each phase, built once per phase name."""

    def __missing__(self, phase: str) -> str:
        name = self[phase] = f"zephyr.{phase}_ms"
        return name


_PHASES = _PhaseNames()


def _flatten(routes: Any) -> Any:
    for route in routes:
        effective = getattr(route, "effective_route_contexts", None)
        if effective is not None:
            yield from effective()
        else:
            yield route


def _header_getter(base: type, decode: Callable[[bytes], str]) -> Any:
    """The ASGI getter of the instrumentation, reading a header by its lowercase name without decoding the others."""

    class HeaderGetter(base):  # type: ignore[misc]
        def get(self, carrier: Any, key: str) -> list[str] | None:
            headers = carrier.get("headers")
            if not headers:
                return None
            key = key.lower()
            wanted = key.encode("latin-1", "replace")
            found = [
                decode(value)
                for name, value in headers
                if name == wanted or (name.lower() == wanted and decode(name).lower() == key)
            ]
            return found or None

    return HeaderGetter()
