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

WebSocket sessions get a server span too (``WS /ws``, with ``network.protocol.name`` and the ``fastapi.dependencies``
and ``fastapi.endpoint`` children, the endpoint's starting at its first message), and with a logger provider the
log records FastAPI emits: ``fastapi.validation.failed`` (a warning with the error count) and
``http.server.request.exception`` / ``fastapi.websocket.exception`` for unhandled exceptions. The instrumentation
scope is named ``fastapi``, as FastAPI's, so dashboards and filters written for it keep working.

Whether telemetry runs is decided when the middleware stack is built (the first request), and again when a global
provider is set later (``_follow``): nothing is asked per request while no provider is set. Once on, a signal that
records to the global provider follows it at each request, as FastAPI's does (a provider replaced later gets new
instruments). A provider named in ``telemetry=`` is used as it is, even the API's placeholder; a no-op one records
nothing. An app instrumented with ``FastAPIInstrumentor`` keeps that instrumentation instead, as in FastAPI, until
``uninstrument_app`` hands it back. Tasks of ``BackgroundTasks`` run in ``fastapi.background_task`` spans, as in
FastAPI.

``get_telemetry_data()`` gives a synchronous processor the request's data (``TelemetryData``: the request, body,
endpoint arguments, validation errors) while it is served. With ``auto_configure`` (or
``FASTAPI_OTEL_AUTO_CONFIGURE=true``) the app's start-up adds OTLP exporters from the ``OTEL_*`` environment
(``zephyr.telemetry._runtime``). The modules mirror FastAPI's ``fastapi.telemetry`` package: ``_api`` (the settings
and the data), ``_runtime`` (exporters from the environment), ``_asgi`` (the per-request layer).
"""

from __future__ import annotations

from zephyr.telemetry._api import TelemetryConfig, TelemetryData, get_telemetry_data
from zephyr.telemetry._middleware import TelemetryMiddleware, telemetry_layer

__all__ = ("TelemetryConfig", "TelemetryData", "TelemetryMiddleware", "get_telemetry_data", "telemetry_layer")
