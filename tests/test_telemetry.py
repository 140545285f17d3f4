"""``FastAPI(telemetry=...)``: native OpenTelemetry spans and metrics, compared with FastAPI's own."""

from __future__ import annotations

from typing import Any

import fastapi
import pytest
from fastapi.testclient import TestClient as FastAPIClient
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

import zephyr
from zephyr.telemetry import TelemetryMiddleware, telemetry_layer
from zephyr.testclient import TestClient

_NO_METRICS: Any = type("NoMetrics", (), {"resource_metrics": ()})()
COMMON = ("http.request.method", "http.route", "http.response.status_code", "url.path", "url.scheme", "error.type")


def _build(framework: Any, exporter: InMemorySpanExporter, reader: InMemoryMetricReader, **extra: Any) -> Any:
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    app = framework.FastAPI(
        telemetry={"tracer_provider": provider, "meter_provider": MeterProvider(metric_readers=[reader]), **extra}
    )

    @app.get("/items/{item_id}")
    def read(item_id: int) -> dict[str, int]:
        return {"item_id": item_id}

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("boom")

    return app


def _run(framework: Any, client_class: Any, **extra: Any) -> tuple[list[Any], dict[str, Any]]:
    exporter, reader = InMemorySpanExporter(), InMemoryMetricReader()
    app = _build(framework, exporter, reader, **extra)
    with client_class(app, raise_server_exceptions=False) as client:
        assert client.get("/items/3?x=1").json() == {"item_id": 3}
        assert client.get("/boom").status_code == 500
    spans = exporter.get_finished_spans()
    metrics = {
        metric.name: sorted(
            (dict(point.attributes or {}).get("http.route"), getattr(point, "count", None))
            for point in metric.data.data_points
        )
        for resource in (reader.get_metrics_data() or _NO_METRICS).resource_metrics
        for scope in resource.scope_metrics
        for metric in scope.metrics
    }
    return list(spans), metrics


def _servers(spans: list[Any]) -> list[tuple[str, dict[str, Any]]]:
    return sorted(
        (s.name, {k: v for k, v in (s.attributes or {}).items() if k in COMMON})
        for s in spans
        if s.kind.name == "SERVER"
    )


def test_server_spans_and_metrics_match_fastapis() -> None:
    ours, our_metrics = _run(zephyr, TestClient)
    theirs, their_metrics = _run(fastapi, FastAPIClient)
    assert _servers(ours) == [
        (
            "GET /boom",
            {
                "http.request.method": "GET",
                "http.route": "/boom",
                "http.response.status_code": 500,
                "url.path": "/boom",
                "url.scheme": "http",
                "error.type": "500",
            },
        ),
        (
            "GET /items/{item_id}",
            {
                "http.request.method": "GET",
                "http.route": "/items/{item_id}",
                "http.response.status_code": 200,
                "url.path": "/items/3",
                "url.scheme": "http",
            },
        ),
    ]
    assert [name for name, _ in _servers(ours)] == [name for name, _ in _servers(theirs)]
    item = next(s for s in ours if s.name == "GET /items/{item_id}")
    assert (item.attributes or {})["url.query"] == "x=1"
    assert sorted(k for k in item.attributes if k.startswith("zephyr.")) == [
        "zephyr.handler_ms",
        "zephyr.routing_ms",
        "zephyr.serialization_ms",
        "zephyr.validation_ms",
    ]
    children = sorted(s.name for s in ours if s.parent is not None and s.parent.span_id == item.context.span_id)
    assert children == ["fastapi.dependencies", "fastapi.endpoint", "fastapi.serialization"]
    their_item = next(s for s in theirs if s.name == "GET /items/{item_id}")
    their_children = {s.name for s in theirs if s.parent is not None and s.parent.span_id == their_item.context.span_id}
    assert set(children) <= their_children | {"fastapi.dependencies"}
    assert our_metrics["http.server.request.duration"] == [("/boom", 1), ("/items/{item_id}", 1)]
    assert our_metrics["http.server.request.duration"] == their_metrics["http.server.request.duration"]
    assert "http.server.active_requests" in our_metrics


def test_operation_spans_off_and_excluded_requests() -> None:
    exporter, reader = InMemorySpanExporter(), InMemoryMetricReader()
    app = _build(zephyr, exporter, reader, operation_spans=False, exclude=lambda scope: scope["path"] == "/boom")
    with TestClient(app, raise_server_exceptions=False) as client:
        client.get("/items/1")
        client.get("/boom")
    assert [s.name for s in exporter.get_finished_spans()] == ["GET /items/{item_id}"]


def test_no_provider_means_no_layer() -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        raise AssertionError("not called")

    assert telemetry_layer(app, {"tracing": False, "metrics": False}) is app
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
