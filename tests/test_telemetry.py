"""``FastAPI(telemetry=...)``: the same app on FastAPI 0.165 and on Zephyr exports the same spans, metrics and logs.

Everything is compared except timings, ids, the instrumentation version and Zephyr's own ``zephyr.<phase>_ms`` span
attributes (something FastAPI does not measure).
"""

from typing import Annotated, Any

import fastapi
import pytest
from fastapi.testclient import TestClient as FastAPIClient
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

import zephyr
from zephyr.telemetry import TelemetryMiddleware, telemetry_layer
from zephyr.testclient import TestClient

if not hasattr(fastapi, "telemetry") and not hasattr(fastapi.FastAPI, "_native_telemetry"):
    pytest.skip("FastAPI >= 0.163 (built-in telemetry) is the reference", allow_module_level=True)

_NO_METRICS: Any = type("NoMetrics", (), {"resource_metrics": ()})()
TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


class Exporters:
    def __init__(self) -> None:
        self.spans = InMemorySpanExporter()
        self.metrics = InMemoryMetricReader()
        self.logs = InMemoryLogRecordExporter()  # type: ignore[no-untyped-call]
        self.tracer_provider = TracerProvider()
        self.tracer_provider.add_span_processor(SimpleSpanProcessor(self.spans))
        self.logger_provider = LoggerProvider()
        self.logger_provider.add_log_record_processor(SimpleLogRecordProcessor(self.logs))

    def config(self, **extra: Any) -> dict[str, Any]:
        return {
            "tracer_provider": self.tracer_provider,
            "meter_provider": MeterProvider(metric_readers=[self.metrics]),
            "logger_provider": self.logger_provider,
            **extra,
        }


async def raw_asgi(scope: Any, receive: Any, send: Any) -> None:
    """A mounted app of no framework: FastAPI names its requests ``/raw/{path}``."""
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"raw"})


def remember(thing: dict[str, int]) -> None:
    """A background task: FastAPI traces it as ``fastapi.background_task``."""


def _build(framework: Any, exporters: Exporters, **extra: Any) -> Any:
    app = framework.FastAPI(telemetry=exporters.config(**extra))

    def caller(x_caller: Annotated[str, framework.Header()] = "anonymous") -> str:
        if x_caller == "banned":
            raise framework.HTTPException(status_code=401, detail="banned")
        return x_caller

    @app.get("/items/{item_id}")
    def read(item_id: int, q: str | None = None) -> dict[str, Any]:
        return {"item_id": item_id, "q": q}

    @app.post("/things")
    def create(
        thing: dict[str, int], user: Annotated[str, framework.Depends(caller)], tasks: framework.BackgroundTasks
    ) -> dict[str, int]:
        tasks.add_task(remember, thing)
        return thing

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("boom")

    @app.get("/unavailable")
    def unavailable() -> None:
        raise framework.HTTPException(status_code=503, detail="later")

    @app.get("/text")
    def text() -> Any:
        return framework.responses.PlainTextResponse("as is")  # a returned response: nothing to serialize

    router = framework.APIRouter(prefix="/v1")

    @router.get("/ping/{n}")
    async def ping(n: int) -> dict[str, int]:
        return {"pong": n}

    app.include_router(router, prefix="/api")
    sub = framework.FastAPI()

    @sub.get("/hi/{who}")
    async def hi(who: str) -> dict[str, str]:
        return {"hi": who}

    app.mount("/sub", sub)
    app.mount("/raw", raw_asgi)

    @app.websocket("/ws/{room}")
    async def chat(websocket: framework.WebSocket, room: int) -> None:
        await websocket.accept()
        text = await websocket.receive_text()
        if text == "crash":
            raise ValueError("crash")
        await websocket.send_text(f"{room}:{text}")
        await websocket.close()

    return app


def _exercise(client: Any) -> list[Any]:
    answers = [
        client.get("/items/3?q=a%20b&sig=secret&empty=").status_code,
        client.get("/items/x").status_code,
        client.get("/missing").status_code,
        client.post("/things", json={"a": 1}).status_code,
        client.post("/things", json={"a": 1}, headers={"x-caller": "banned"}).status_code,
        client.post("/things", content=b"{oops", headers={"content-type": "application/json"}).status_code,
        client.get("/boom").status_code,
        client.get("/unavailable").status_code,
        client.get("/items/4", headers={"traceparent": TRACEPARENT, "host": "api.example.com:8443"}).status_code,
        client.get("/api/v1/ping/5").status_code,
        client.get("/sub/hi/ann").status_code,
        client.get("/raw/a/b").status_code,
        client.get("/text").status_code,
    ]
    with client.websocket_connect("/ws/7") as ws:
        ws.send_text("hi")
        answers.append(ws.receive_text())
    with pytest.raises(Exception), client.websocket_connect("/ws/seven") as ws:  # noqa: B017 - each client's own
        ws.receive_text()
    with pytest.raises(ValueError, match="crash"), client.websocket_connect("/ws/8") as ws:
        ws.send_text("crash")
        ws.receive_text()
    return answers


def _spans(exporter: InMemorySpanExporter) -> list[Any]:
    spans = exporter.get_finished_spans()
    names = {span.context.span_id: span.name for span in spans}
    rows = []
    for span in spans:
        attributes = {k: v for k, v in (span.attributes or {}).items() if not k.startswith("zephyr.")}
        parent = None
        if span.parent is not None:
            parent = names.get(span.parent.span_id, format(span.parent.trace_id, "032x"))
        rows.append(
            (
                span.name,
                span.kind.name,
                parent,
                sorted(attributes.items()),
                span.status.status_code.name,
                [event.name for event in span.events],
                (
                    getattr(span.instrumentation_scope, "name", None),
                    getattr(span.instrumentation_scope, "schema_url", ""),
                ),
            )
        )
    return sorted(rows, key=repr)


def _metrics(reader: InMemoryMetricReader) -> list[Any]:
    rows = []
    for resource in (reader.get_metrics_data() or _NO_METRICS).resource_metrics:
        for scope in resource.scope_metrics:
            for metric in scope.metrics:
                for point in metric.data.data_points:
                    value = getattr(point, "value", None)
                    count = getattr(point, "count", None)
                    bounds = tuple(getattr(point, "explicit_bounds", ()) or ())
                    rows.append(
                        (
                            scope.scope.name,
                            metric.name,
                            metric.unit,
                            metric.description,
                            sorted(dict(point.attributes or {}).items()),
                            value,
                            count,
                            bounds,
                        )
                    )
    return sorted(rows, key=repr)


def _logs(exporter: InMemoryLogRecordExporter) -> list[Any]:
    rows = []
    for record in exporter.get_finished_logs():
        log = record.log_record
        attributes = dict(log.attributes or {})
        rows.append(
            (
                log.event_name,
                log.severity_text,
                log.body,
                sorted((k, v) for k, v in attributes.items() if not k.startswith("exception.stacktrace")),
                log.trace_id is not None and log.trace_id != 0,
            )
        )
    return sorted(rows, key=repr)


def _run(framework: Any, client_class: Any, **extra: Any) -> tuple[list[Any], Exporters]:
    exporters = Exporters()
    app = _build(framework, exporters, **extra)
    with client_class(app, raise_server_exceptions=False) as client:
        answers = _exercise(client)
    return answers, exporters


def test_spans_metrics_and_logs_match_fastapis() -> None:
    our_answers, ours = _run(zephyr, TestClient)
    their_answers, theirs = _run(fastapi, FastAPIClient)
    assert our_answers == their_answers == [200, 422, 404, 200, 401, 422, 500, 503, 200, 200, 200, 200, 200, "7:hi"]
    our_spans, their_spans = _spans(ours.spans), _spans(theirs.spans)
    assert our_spans == their_spans
    assert _metrics(ours.metrics) == _metrics(theirs.metrics)
    assert _logs(ours.logs) == _logs(theirs.logs)
    assert len(_logs(ours.logs)) == 5  # three validation failures (query, JSON, WebSocket path), two exceptions


def test_phase_timings_are_zephyrs_addition() -> None:
    _, ours = _run(zephyr, TestClient)
    item = next(s for s in ours.spans.get_finished_spans() if s.name == "GET /items/{item_id}")
    assert sorted(k for k in item.attributes or {} if k.startswith("zephyr.")) == [
        "zephyr.handler_ms",
        "zephyr.routing_ms",
        "zephyr.serialization_ms",
        "zephyr.validation_ms",
    ]


def test_operation_spans_off_and_excluded_requests() -> None:
    exporters = Exporters()
    app = _build(zephyr, exporters, operation_spans=False, exclude=lambda scope: scope["path"] == "/boom")
    with TestClient(app, raise_server_exceptions=False) as client:
        client.get("/items/1")
        client.get("/boom")
    assert [s.name for s in exporters.spans.get_finished_spans()] == ["GET /items/{item_id}"]


def test_no_provider_means_no_layer() -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        raise AssertionError("not called")

    assert telemetry_layer(app, {"tracing": False, "metrics": False, "logs": False}) is app
    assert telemetry_layer(app, None) is app  # the global providers are the API's defaults: nothing configured
    assert isinstance(
        telemetry_layer(app, {"tracer_provider": TracerProvider(), "metrics": False}), TelemetryMiddleware
    )


@pytest.mark.anyio
async def test_an_app_that_never_answers_is_recorded_as_incomplete() -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))

    async def silent(scope: Any, receive: Any, send: Any) -> None:
        return None

    layer = telemetry_layer(silent, {"tracer_provider": provider, "metrics": False})

    async def receive() -> Any:
        return {"type": "http.request"}

    async def send(message: Any) -> None:
        return None

    scope = {"type": "http", "method": "BREW", "path": "/pot", "headers": [], "server": ("127.0.0.1", None)}
    await layer(scope, receive, send)
    (span,) = exporter.get_finished_spans()
    assert span.name == "HTTP"
    assert (span.attributes or {})["error.type"] == "RuntimeError"
    assert (span.attributes or {})["http.request.method_original"] == "BREW"


@pytest.mark.parametrize(
    "raw", [b"a=1&b=2", b"a&b=", b"q=a%20b+c", b"sig=x&X-Amz-Signature=y&ok=1", b"x=%ZZ", b"k=v;w", b"=v"]
)
def test_url_query_is_parsed_redacted_and_encoded_again(raw: bytes) -> None:
    from urllib.parse import parse_qsl, urlencode

    from zephyr.telemetry._parts import query

    secret = {"sig", "X-Amz-Signature"}
    pairs = parse_qsl(raw.decode("latin-1"), keep_blank_values=True)
    assert query(raw) == urlencode([(k, "REDACTED" if k in secret else v) for k, v in pairs])


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        (b"example.com", {"server.address": "example.com", "server.port": 443}),
        (b"[::1]:8080", {"server.address": "::1", "server.port": 8080}),
        (b"user@example.com", {}),
        (b"example.com:99999", {}),
    ],
)
def test_server_address_comes_from_the_host_header(host: bytes, expected: dict[str, Any]) -> None:
    from zephyr.telemetry._parts import server_attributes

    scope = {"scheme": "https", "server": ("10.0.0.1", 8000)}
    assert server_attributes(scope, [(b"host", host)]) == expected
    assert server_attributes(scope, []) == {"server.address": "10.0.0.1", "server.port": 8000}


def test_logs_alone_match_fastapis() -> None:
    our_answers, ours = _run(zephyr, TestClient, tracing=False, metrics=False)
    their_answers, theirs = _run(fastapi, FastAPIClient, tracing=False, metrics=False)
    assert our_answers == their_answers
    assert ours.spans.get_finished_spans() == theirs.spans.get_finished_spans() == ()
    assert _metrics(ours.metrics) == _metrics(theirs.metrics) == []
    assert _logs(ours.logs) == _logs(theirs.logs)
    assert len(_logs(ours.logs)) == 5


def test_the_lighter_span_start_exports_the_same_spans(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests._interop.test_otel_sdk import comparable
    from zephyr._interop.otel_sdk import span_shortcuts
    from zephyr.telemetry import _middleware

    built: list[Any] = []

    def remembered(tracer: Any) -> Any:
        built.append(span_shortcuts(tracer))
        return built[-1]

    monkeypatch.setattr(_middleware, "span_shortcuts", remembered)
    light_answers, light = _run(zephyr, TestClient)
    assert built
    assert all(shortcuts is not None for shortcuts in built)
    monkeypatch.setattr(_middleware, "span_shortcuts", lambda tracer: None)
    sdk_answers, sdk = _run(zephyr, TestClient)
    assert light_answers == sdk_answers
    assert comparable(light.spans.get_finished_spans()) == comparable(sdk.spans.get_finished_spans())
    assert _metrics(light.metrics) == _metrics(sdk.metrics)


def test_the_lighter_measurements_export_the_same_metrics(monkeypatch: pytest.MonkeyPatch) -> None:
    from zephyr._interop.otel_metrics import MeasurementShortcut, measurement_recorder
    from zephyr.telemetry import _middleware

    built: list[Any] = []

    def remembered(instrument: Any) -> Any:
        built.append(measurement_recorder(instrument))
        return built[-1]

    monkeypatch.setattr(_middleware, "measurement_recorder", remembered)
    light_answers, light = _run(zephyr, TestClient)
    assert built
    assert all(type(recorder) is MeasurementShortcut for recorder in built)
    monkeypatch.setattr(_middleware, "measurement_recorder", lambda i: i.record if hasattr(i, "record") else i.add)
    sdk_answers, sdk = _run(zephyr, TestClient)
    assert light_answers == sdk_answers
    assert _metrics(light.metrics) == _metrics(sdk.metrics) != []
