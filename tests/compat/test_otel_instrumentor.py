"""OpenTelemetry's ``FastAPIInstrumentor`` on FastAPI and on Zephyr: the same spans and metric points.

Each build gets its own tracer provider (an in-memory exporter) and meter provider (an in-memory reader); both
serve the same table of requests, then every finished span (name, kind, attributes, status, events, parent and
instrumentation scope) and every metric point (name, unit, description, attributes, counts, bucket bounds and the
deterministic sums) are compared. Only what differs between any two runs is normalised: ids, timestamps, the
request durations, exception stack traces, the ``http receive`` spans of Starlette's streaming response (it reads
the request while it streams, Zephyr's does not), and Zephyr's own ``zephyr.<phase>_ms`` timings (extra attributes it
writes on purpose). Zephyr answers an instrumented app with its native equivalent of the instrumentation's ASGI
middleware (``zephyr._interop.otel_asgi``) where it covers the options, so this also compares the two.
"""

from __future__ import annotations

from typing import Any

import fastapi.testclient
import pytest

import zephyr.testclient
from tests.compat.harness import build_pair

pytest.importorskip("opentelemetry.instrumentation.fastapi")

SOURCE = """
from fastapi import APIRouter, FastAPI, HTTPException
from fastapi.responses import StreamingResponse
from fastapi import WebSocket
from pydantic import BaseModel
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

app = FastAPI()
router = APIRouter(prefix="/r")
sub = FastAPI()


class Item(BaseModel):
    name: str
    price: float


@app.get("/hello")
async def hello():
    return {"message": "hello"}


@app.get("/items/{item_id}")
def read_item(item_id: int, q: str | None = None):
    return {"item_id": item_id, "q": q}


@app.post("/items")
async def create_item(item: Item):
    return item


@app.get("/boom")
async def boom():
    raise ValueError("boom")


@app.get("/teapot")
async def teapot():
    raise HTTPException(status_code=418, detail="short and stout")


@app.get("/unavailable")
async def unavailable():
    raise HTTPException(status_code=503, detail="later")


@app.get("/stream")
async def stream():
    async def chunks():
        for part in (b"a", b"b", b"c"):
            yield part

    return StreamingResponse(chunks(), media_type="text/plain")


@router.get("/ping/{name}")
async def ping(name: str):
    return {"pong": name}


@sub.get("/inner/{x}")
async def inner(x: int):
    return {"x": x}


@app.websocket("/ws")
async def ws(websocket: WebSocket):
    await websocket.accept()
    text = await websocket.receive_text()
    await websocket.send_text(text.upper())
    await websocket.close()


app.include_router(router)
app.mount("/sub", sub)

exporter = InMemorySpanExporter()
tracer_provider = TracerProvider()
tracer_provider.add_span_processor(SimpleSpanProcessor(exporter))
reader = InMemoryMetricReader()
meter_provider = MeterProvider(metric_readers=[reader])
"""

CALLS: list[tuple[str, str, dict[str, Any]]] = [
    ("GET", "/hello", {}),
    ("GET", "/hello", {"headers": {"user-agent": "curl/8.0", "x-trace": "1"}}),
    ("GET", "/hello", {"headers": {"traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}}),
    ("GET", "/items/5?q=abc&x=%20y", {}),
    ("GET", "/items/nope", {}),
    ("POST", "/items", {"json": {"name": "a", "price": 1.5}}),
    ("POST", "/items", {"json": {"name": "a"}}),
    ("POST", "/items", {"content": b"{bad", "headers": {"content-type": "application/json"}}),
    ("GET", "/missing", {}),
    ("POST", "/hello", {}),
    ("GET", "/boom", {}),
    ("GET", "/teapot", {}),
    ("GET", "/unavailable", {}),
    ("GET", "/stream", {}),
    ("GET", "/r/ping/zed", {}),
    ("GET", "/sub/inner/3", {}),
    ("GET", "/sub/nothing", {}),
    ("OPTIONS", "/hello", {}),
    ("BREW", "/hello", {}),
    ("GET", "/hello", {"headers": {"host": "example.com:8443"}}),
]

_VOLATILE_ATTRIBUTES = ("exception.stacktrace",)


def _span_record(span: Any, index: dict[int, int]) -> dict[str, Any]:
    parent = span.parent
    if parent is None:
        parent_ref: Any = None
    elif parent.span_id in index:
        parent_ref = index[parent.span_id]
    else:
        parent_ref = ("remote", f"{parent.trace_id:032x}", f"{parent.span_id:016x}", parent.is_remote)
    return {
        "name": span.name,
        "kind": span.kind.name,
        "attributes": {k: v for k, v in (span.attributes or {}).items() if not k.startswith("zephyr.")},
        "status": (span.status.status_code.name, span.status.description),
        "events": [
            (e.name, {k: v for k, v in (e.attributes or {}).items() if k not in _VOLATILE_ATTRIBUTES})
            for e in span.events
        ],
        "parent": parent_ref,
        "scope": (span.instrumentation_scope.name, span.instrumentation_scope.schema_url),
        "dropped": (span.dropped_attributes, span.dropped_events, span.dropped_links),
    }


def _spans(exporter: Any) -> list[list[dict[str, Any]]]:
    """Finished spans grouped by trace in request order; parents named by their index in the trace."""
    traces: dict[int, list[Any]] = {}
    for span in exporter.get_finished_spans():
        traces.setdefault(span.context.trace_id, []).append(span)
    grouped = []
    for spans in traces.values():
        if any(span.name == "GET /stream" for span in spans):
            # Starlette's StreamingResponse listens for a disconnect while it streams (a receive call, traced as
            # an ``http receive`` span); Zephyr's streams without that listener: a difference of the responses.
            spans = [span for span in spans if not span.name.endswith(" http receive")]
        index = {span.context.span_id: i for i, span in enumerate(spans)}
        grouped.append([_span_record(span, index) for span in spans])
    return grouped


def _metrics(reader: Any) -> list[tuple[Any, ...]]:
    data = reader.get_metrics_data()
    found: list[tuple[Any, ...]] = []
    for resource_metrics in data.resource_metrics:
        for scope_metrics in resource_metrics.scope_metrics:
            scope = (scope_metrics.scope.name, scope_metrics.scope.schema_url)
            for metric in scope_metrics.metrics:
                points: list[tuple[Any, ...]] = []
                for point in metric.data.data_points:
                    attributes = sorted(dict(point.attributes or {}).items())
                    if hasattr(point, "bucket_counts"):
                        timed = metric.name in ("http.server.duration", "http.server.request.duration")
                        points.append(
                            (
                                attributes,
                                point.count,
                                tuple(point.explicit_bounds),
                                None if timed else (point.sum, tuple(point.bucket_counts), point.min, point.max),
                            )
                        )
                    else:
                        points.append((attributes, point.value))
                found.append((scope, metric.name, metric.unit, metric.description, sorted(points, key=repr)))
    return sorted(found, key=repr)


def _drive(module: Any, client_class: Any, **options: Any) -> tuple[list[Any], list[Any], list[Any]]:
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    FastAPIInstrumentor.instrument_app(
        module.app, tracer_provider=module.tracer_provider, meter_provider=module.meter_provider, **options
    )
    answers: list[tuple[Any, ...]] = []
    with client_class(module.app, raise_server_exceptions=False) as client:
        for method, url, kwargs in CALLS:
            response = client.request(method, url, **kwargs)
            answers.append((method, url, response.status_code, response.content))
        with client.websocket_connect("/ws") as websocket:
            websocket.send_text("hi")
            answers.append(("WS", "/ws", websocket.receive_text()))
    return answers, _spans(module.exporter), _metrics(module.reader)


def _hook_calls() -> tuple[dict[str, Any], list[Any]]:
    seen: list[Any] = []

    def server_request_hook(span: Any, scope: dict[str, Any]) -> None:
        seen.append(("server", scope["type"], scope.get("path")))
        span.set_attribute("custom.server", scope.get("path", ""))

    def client_request_hook(span: Any, scope: dict[str, Any], message: dict[str, Any]) -> None:
        if scope.get("path") != "/stream":  # Starlette's streaming response also reads (see _spans)
            seen.append(("request", message["type"]))
        span.set_attribute("custom.request", message["type"])

    def client_response_hook(span: Any, scope: dict[str, Any], message: dict[str, Any]) -> None:
        seen.append(("response", message["type"]))
        if message["type"] == "http.response.start":
            raise RuntimeError("a failing hook is recorded, not raised")

    hooks = {
        "server_request_hook": server_request_hook,
        "client_request_hook": client_request_hook,
        "client_response_hook": client_response_hook,
    }
    return hooks, seen


OPTION_SETS: dict[str, Any] = {
    "defaults": dict,
    "excluded_urls": lambda: {"excluded_urls": "hello,/r/ping/.*"},
    "exclude_send_receive": lambda: {"exclude_spans": ["send", "receive"]},
    "exclude_receive": lambda: {"exclude_spans": ["receive"]},
    "header_capture": lambda: {
        "http_capture_headers_server_request": ["user-agent", "x-trace"],
        "http_capture_headers_server_response": ["content-type"],
    },
}


@pytest.mark.parametrize("options", sorted(OPTION_SETS))
def test_instrumentor_emits_the_same_telemetry(options: str) -> None:
    reference, ours = build_pair(SOURCE)
    expected = _drive(reference, fastapi.testclient.TestClient, **OPTION_SETS[options]())
    got = _drive(ours, zephyr.testclient.TestClient, **OPTION_SETS[options]())
    assert got[0] == expected[0]
    assert len(got[1]) == len(expected[1])
    for ours_trace, their_trace in zip(got[1], expected[1], strict=True):
        assert ours_trace == their_trace
    assert got[2] == expected[2]


def test_instrumentor_hooks_see_the_same_calls() -> None:
    reference, ours = build_pair(SOURCE)
    hooks, seen_reference = _hook_calls()
    expected = _drive(reference, fastapi.testclient.TestClient, **hooks)
    hooks, seen_ours = _hook_calls()
    got = _drive(ours, zephyr.testclient.TestClient, **hooks)
    assert seen_ours == seen_reference
    assert got[1] == expected[1]
    assert got[2] == expected[2]


HANDBACK = """
from fastapi import BackgroundTasks, FastAPI
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

native, legacy = InMemorySpanExporter(), InMemorySpanExporter()
native_provider, legacy_provider = TracerProvider(), TracerProvider()
native_provider.add_span_processor(SimpleSpanProcessor(native))
legacy_provider.add_span_processor(SimpleSpanProcessor(legacy))
app = FastAPI(telemetry={"tracer_provider": native_provider, "metrics": False, "logs": False})
ran = []


def remember(n: int):
    ran.append(n)


@app.get("/items/{n}")
def item(n: int, tasks: BackgroundTasks):
    tasks.add_task(remember, n)
    return n
"""


def _hand_back(module: Any, client_class: Any) -> list[Any]:
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    def names(exporter: Any) -> list[str]:
        found = sorted(span.name for span in exporter.get_finished_spans())
        exporter.clear()
        return found

    FastAPIInstrumentor.instrument_app(module.app, tracer_provider=module.legacy_provider, exclude_spans=["send"])
    client = client_class(module.app)
    try:
        assert client.get("/items/1").json() == 1
        instrumented = (names(module.native), names(module.legacy))
    finally:
        FastAPIInstrumentor.uninstrument_app(module.app)
    assert client.get("/items/2").json() == 2
    return [instrumented, (names(module.native), names(module.legacy)), module.ran]


@pytest.mark.current_reference
def test_uninstrument_app_hands_back_to_native_telemetry_and_tasks_are_traced_as_on_fastapi(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """While instrumented, the instrumentation traces (each background task in a ``BackgroundTask <name>`` span, by
    its replacement of Starlette's ``BackgroundTask.__call__``); ``uninstrument_app`` hands back to native telemetry."""
    from starlette.background import BackgroundTask

    stale = vars(BackgroundTask).get("_otel_original_call")
    if stale is not None:  # an app instrumented earlier in this process, never uninstrumented: start from Starlette's
        monkeypatch.setattr(BackgroundTask, "__call__", stale)
        monkeypatch.delattr(BackgroundTask, "_otel_original_call")
    reference, ours = build_pair(HANDBACK)
    expected = _hand_back(reference, fastapi.testclient.TestClient)
    got = _hand_back(ours, zephyr.testclient.TestClient)
    assert got == expected
    assert got[0] == ([], ["BackgroundTask remember", "GET /items/{n}"])
    native = ["GET /items/{n}", "fastapi.background_task", "fastapi.dependencies", "fastapi.endpoint"]
    assert got[1] == (sorted([*native, "fastapi.serialization"]), [])


_SEEING_SAMPLER = '''
from opentelemetry.sdk.trace.sampling import Decision, Sampler, SamplingResult


class Seeing(Sampler):
    """Samples everything and writes how many start attributes it saw on the span."""

    def should_sample(self, parent_context, trace_id, name, kind=None, attributes=None, links=None, trace_state=None):
        return SamplingResult(Decision.RECORD_AND_SAMPLE, {**(attributes or {}), "sampler.saw": len(attributes or {})})

    def get_description(self):
        return "Seeing"


tracer_provider = TracerProvider(sampler=Seeing())
'''


def test_a_sampler_that_reads_start_attributes_gets_the_same_send_spans() -> None:
    # The http send spans are opened without attributes by the instrumentation: a sampler of the application's own
    # may read (or rewrite) start attributes, so Zephyr starts them the same way under such a sampler.
    source = SOURCE.replace("tracer_provider = TracerProvider()\n", _SEEING_SAMPLER)
    reference, ours = build_pair(source)
    expected = _drive(reference, fastapi.testclient.TestClient)
    got = _drive(ours, zephyr.testclient.TestClient)
    saw = {span["attributes"]["sampler.saw"] for trace in expected[1] for span in trace if "send" in span["name"]}
    assert saw == {0}  # the instrumentation's send spans start bare: the comparison below can tell
    assert got[1] == expected[1]
    assert got[2] == expected[2]
