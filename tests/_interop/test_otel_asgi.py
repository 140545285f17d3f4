"""Zephyr's native equivalent of OpenTelemetry's ASGI middleware: when it is used, and when the real one stays."""

from __future__ import annotations

import contextlib
import subprocess
import sys
from typing import Any

import pytest
from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from zephyr import FastAPI
from zephyr._interop import otel_asgi
from zephyr.testclient import TestClient


def _instrumented() -> tuple[FastAPI, InMemorySpanExporter]:
    app = FastAPI()

    @app.get("/hello")
    async def hello() -> dict[str, str]:
        return {"message": "hello"}

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    FastAPIInstrumentor.instrument_app(app, tracer_provider=provider)  # type: ignore[arg-type]
    return app, exporter


def _server_names(exporter: InMemorySpanExporter) -> list[str]:
    return [s.name for s in exporter.get_finished_spans() if s.kind.name == "SERVER"]


def test_the_instrumentors_middleware_is_served_natively() -> None:
    app, exporter = _instrumented()
    with TestClient(app) as client:
        assert client.get("/hello").status_code == 200
    assert isinstance(app.middleware_stack, otel_asgi.NativeOpenTelemetryMiddleware)
    assert _server_names(exporter) == ["GET /hello"]


def test_an_unchecked_instrumentation_version_keeps_its_own_middleware(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(otel_asgi, "SUPPORTED_VERSIONS", frozenset({"0.0b0"}))
    app, exporter = _instrumented()
    with TestClient(app) as client:
        assert client.get("/hello").status_code == 200
    assert isinstance(getattr(app.middleware_stack, "app", None), OpenTelemetryMiddleware)
    assert _server_names(exporter) == ["GET /hello"]


def test_another_semantic_convention_mode_keeps_the_middleware() -> None:
    from opentelemetry.instrumentation._semconv import _StabilityMode

    app, _ = _instrumented()
    stack: Any = app.build_middleware_stack()
    stack.app._sem_conv_opt_in_mode = _StabilityMode.HTTP_DUP
    assert otel_asgi.native_stack(app, stack) is stack


def test_a_stack_of_another_shape_is_left_alone() -> None:
    app, _ = _instrumented()
    stack: Any = app.build_middleware_stack()
    stack.app.app = stack.app.app.app  # one layer fewer than the instrumentor builds
    assert otel_asgi.native_stack(app, stack) is stack


def test_a_route_added_after_the_first_request_names_its_spans() -> None:
    app, exporter = _instrumented()
    with TestClient(app) as client:
        assert client.get("/later").status_code == 404

        @app.get("/later")
        async def later() -> dict[str, str]:
            return {}

        assert client.get("/later").status_code == 200
    assert _server_names(exporter) == ["GET", "GET /later"]


def test_a_plain_app_loads_none_of_it() -> None:
    code = (
        "import sys\n"
        "from zephyr import FastAPI\n"
        "from zephyr.testclient import TestClient\n"
        "app = FastAPI()\n"
        "app.get('/')(lambda: {})\n"
        "assert TestClient(app).get('/').status_code == 200\n"
        "print(sorted(m for m in sys.modules if m.startswith('opentelemetry') or m.endswith('otel_asgi')))\n"
    )
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert found.stdout.strip() == "[]"


def test_headers_of_another_type_are_worked_out_as_the_instrumentation_does() -> None:
    from opentelemetry.instrumentation.asgi import collect_request_attributes

    app, _ = _instrumented()
    with TestClient(app) as client:
        client.get("/hello")
    layer: Any = app.middleware_stack
    scope = {"type": "http", "method": "GET", "path": "/hello", "headers": [("host", "a.example")], "app": app}
    with pytest.raises(AttributeError) as theirs:
        collect_request_attributes(scope)  # type: ignore[no-untyped-call]
    with pytest.raises(AttributeError) as ours:  # the same failure, and nothing remembered for the next request
        layer._request_details(scope, layer._key(scope))
    assert str(ours.value) == str(theirs.value)
    assert layer._attributes.keys() == layer._details.keys()


def test_only_the_sdks_own_samplers_let_send_spans_start_with_their_attributes() -> None:
    from opentelemetry.sdk.trace import sampling

    class Custom(sampling.Sampler):
        def should_sample(self, *args: Any, **kwargs: Any) -> sampling.SamplingResult:
            return sampling.SamplingResult(sampling.Decision.RECORD_AND_SAMPLE)

        def get_description(self) -> str:
            return "Custom"

    cyclic = sampling.ParentBased(sampling.ALWAYS_ON)
    cyclic._local_parent_sampled = cyclic
    for blind in (
        sampling.DEFAULT_ON,
        sampling.DEFAULT_OFF,
        sampling.ALWAYS_OFF,
        sampling.TraceIdRatioBased(0.5),
        sampling.ParentBasedTraceIdRatio(0.5),
        cyclic,
    ):
        assert otel_asgi._attribute_blind(blind), blind
    for seeing in (
        Custom(),
        sampling.ParentBased(Custom()),
        sampling.ParentBased(sampling.ALWAYS_ON, local_parent_sampled=Custom()),
        sampling.AlwaysRecordSampler(sampling.ALWAYS_OFF),  # hands back no attributes for a dropped span
        None,
    ):
        assert not otel_asgi._attribute_blind(seeing), seeing


def test_an_empty_exclude_list_excludes_nothing_without_looking() -> None:
    from opentelemetry.util.http import ExcludeList, parse_excluded_urls

    assert not otel_asgi._excludes_something(None)
    assert not otel_asgi._excludes_something(parse_excluded_urls(""))
    assert otel_asgi._excludes_something(parse_excluded_urls("health"))
    assert otel_asgi._excludes_something(ExcludeList(["a"]))


def test_another_instrumentation_release_keeps_the_middleware(monkeypatch: pytest.MonkeyPatch) -> None:
    from opentelemetry.instrumentation import version

    app, _ = _instrumented()
    stack: Any = app.build_middleware_stack()
    monkeypatch.setattr(version, "__version__", "0.0b0")
    assert otel_asgi.native_stack(app, stack) is stack


@pytest.mark.parametrize(
    "key", ["_SUPPRESS_INSTRUMENTATION_KEY", "_SUPPRESS_HTTP_INSTRUMENTATION_KEY", "suppress_instrumentation", None]
)
def test_suppressed_instrumentation_is_read_as_the_instrumentation_reads_it(key: str | None) -> None:
    from opentelemetry import context
    from opentelemetry.instrumentation.utils import is_http_instrumentation_enabled

    app, _ = _instrumented()
    with TestClient(app) as client:
        client.get("/hello")
    layer: Any = app.middleware_stack
    token = context.attach(context.set_value(getattr(context, key, key), True)) if key else None
    try:
        assert layer._instrumenting() is is_http_instrumentation_enabled() is (key is None)
    finally:
        if token is not None:
            context.detach(token)


@pytest.mark.parametrize(
    "client", [("10.0.0.1", 81), ("10.0.0.1", "81"), ("", 0), ("10.0.0.1", "x"), (None, None), ["h", 2]]
)
def test_the_peer_attributes_are_the_instrumentations(client: Any) -> None:
    from opentelemetry.instrumentation.asgi import collect_request_attributes

    app, _ = _instrumented()
    with TestClient(app) as client_:
        client_.get("/hello")
    layer: Any = app.middleware_stack
    scope = {
        "type": "http",
        "method": "GET",
        "scheme": "http",
        "path": "/hello",
        "query_string": b"",
        "headers": [(b"host", b"a.example")],
        "server": ("a.example", 80),
        "client": client,
        "app": app,
    }
    _, ours, _ = layer._request_details(scope, layer._key(scope))
    theirs = collect_request_attributes(scope)  # type: ignore[no-untyped-call]
    assert list(ours.items()) == [*theirs.items(), ("http.route", "/hello")]


def test_zephyrs_phases_follow_the_status_on_the_server_span() -> None:
    from zephyr.responses import StreamingResponse

    app, exporter = _instrumented()

    @app.get("/stream")
    async def stream() -> StreamingResponse:
        async def chunks() -> Any:
            yield b"a"
            yield b"b"

        return StreamingResponse(chunks())

    @app.get("/missing")
    async def missing() -> None:
        from zephyr import HTTPException

        raise HTTPException(status_code=404)

    with TestClient(app) as client:
        assert client.get("/hello").status_code == 200
        assert client.get("/stream").content == b"ab"
        assert client.get("/missing").status_code == 404
    servers = [s for s in exporter.get_finished_spans() if s.kind.name == "SERVER"]
    assert [s.name for s in servers] == ["GET /hello", "GET /stream", "GET /missing"]
    for span in servers:
        keys = list(span.attributes or {})
        phases = [k for k in keys if k.startswith("zephyr.")]
        assert "zephyr.routing_ms" in phases, span.name
        # the request attributes, the status, then Zephyr's own phases, each measured (a number of milliseconds)
        assert keys[-len(phases) - 1 :] == ["http.status_code", *phases], span.name
        assert all(isinstance((span.attributes or {})[k], float) for k in phases)


@pytest.mark.parametrize("fails", [False, True])
def test_a_receive_span_is_the_instrumentations(fails: bool) -> None:
    import asyncio

    from opentelemetry import trace

    app, exporter = _instrumented()
    with TestClient(app) as client:
        client.get("/hello")
    layer: Any = app.middleware_stack
    exporter.clear()
    scope = {"type": "http", "path": "/hello"}
    current: list[str] = []

    async def receive() -> dict[str, Any]:
        current.append(getattr(trace.get_current_span(), "name", "?"))  # the receive span is current meanwhile
        if fails:
            raise OSError("gone")
        return {"type": "http.request", "body": b"", "more_body": False}

    def spans(wrapped: Any) -> list[Any]:
        with pytest.raises(OSError) if fails else contextlib.nullcontext():
            asyncio.run(wrapped())
        found = [
            (
                s.name,
                dict(s.attributes or {}),
                (s.status.status_code, s.status.description),
                [
                    (e.name, {k: v for k, v in (e.attributes or {}).items() if k != "exception.stacktrace"})
                    for e in s.events
                ],
                s.end_time is not None,
            )
            for s in exporter.get_finished_spans()
        ]
        exporter.clear()
        return found

    theirs = spans(layer.otel._get_otel_receive("GET /hello", scope, receive))
    ours = spans(layer._receive("GET /hello http receive", scope, receive))
    assert ours == theirs
    assert len(ours) == 1
    assert current == ["GET /hello http receive"] * 2


def test_the_lighter_span_start_exports_the_same_spans(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests._interop.test_otel_sdk import comparable

    def run() -> tuple[list[Any], list[Any], bool]:
        app, exporter = _instrumented()

        @app.post("/echo")
        async def echo(body: dict[str, int]) -> dict[str, int]:
            return body

        @app.get("/boom")
        async def boom() -> None:
            raise ValueError("boom")

        with TestClient(app, raise_server_exceptions=False) as client:
            answers = [
                client.get("/hello?x=1", headers={"user-agent": "t"}).status_code,
                client.post("/echo", json={"a": 1}).status_code,
                client.post("/echo", content=b"{oops", headers={"content-type": "application/json"}).status_code,
                client.get("/missing").status_code,
                client.get("/boom").status_code,
                client.get(
                    "/hello", headers={"traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}
                ).status_code,
            ]
        stack: Any = app.middleware_stack
        return answers, comparable(exporter.get_finished_spans()), stack._shortcuts is not None

    light_answers, light, used = run()
    assert used
    monkeypatch.setattr(otel_asgi, "span_shortcuts", lambda tracer: None)
    sdk_answers, sdk, used = run()
    assert not used
    assert light_answers == sdk_answers == [200, 200, 422, 404, 500, 200]
    assert light == sdk
