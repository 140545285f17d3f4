"""OpenTelemetry's FastAPI instrumentor on a Zephyr app (no switch needed): spans by route, per-phase attributes."""

from __future__ import annotations

import inspect
from typing import Any

import pytest
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from starlette.middleware.errors import ServerErrorMiddleware as StarletteServerErrorMiddleware

from zephyr import FastAPI
from zephyr._interop.otel_asgi import NativeOpenTelemetryMiddleware
from zephyr._interop.tracing import instrumented_stack, with_sentry
from zephyr.middleware.cors import CORSMiddleware
from zephyr.testclient import TestClient


def _app() -> FastAPI:
    app = FastAPI()

    @app.get("/items/{item_id}")
    async def read(item_id: int) -> dict[str, int]:
        return {"item_id": item_id}

    @app.get("/fail")
    async def fail() -> None:
        raise RuntimeError("no")

    return app


def test_instrumented_app_exports_server_spans_with_route_and_phases() -> None:
    app = _app()
    app.add_middleware(CORSMiddleware, allow_origins=["*"])
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    FastAPIInstrumentor.instrument_app(app, tracer_provider=provider)  # type: ignore[arg-type]
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.get("/items/3").json() == {"item_id": 3}
        assert client.get("/fail").status_code == 500
        assert client.get("/nowhere").status_code == 404
    # The instrumentor finds the stack it checks for; Zephyr then serves its middleware natively.
    assert isinstance(app.build_middleware_stack(), StarletteServerErrorMiddleware)
    assert isinstance(app.middleware_stack, NativeOpenTelemetryMiddleware)
    servers = sorted(
        (s.name, (s.attributes or {}).get("http.route"))
        for s in exporter.get_finished_spans()
        if s.kind.name == "SERVER"
    )
    assert servers == [("GET", None), ("GET /fail", "/fail"), ("GET /items/{item_id}", "/items/{item_id}")]
    span = next(s for s in exporter.get_finished_spans() if s.name == "GET /items/{item_id}")
    phases = sorted(k for k in (span.attributes or {}) if k.startswith("zephyr."))
    assert phases == ["zephyr.handler_ms", "zephyr.routing_ms", "zephyr.serialization_ms", "zephyr.validation_ms"]
    assert all(float(span.attributes[k]) >= 0 for k in phases)  # type: ignore[index,arg-type]


def test_plain_app_stack_is_untouched() -> None:
    app = _app()
    stack = app.build_middleware_stack()
    assert instrumented_stack(app, stack, False) is stack
    assert type(stack).__module__ == "zephyr._errors"


def test_without_an_enabled_sentry_client_the_stack_is_unchanged() -> None:
    app = _app()
    stack = app.build_middleware_stack()
    assert with_sentry(stack) is stack


def test_an_enabled_sentry_integration_wraps_the_stack(monkeypatch: pytest.MonkeyPatch) -> None:
    import sentry_sdk
    from sentry_sdk.integrations.asgi import SentryAsgiMiddleware

    class Integration:
        identifier = "fastapi"
        transaction_style = "url"
        origin = "auto.http.starlette"
        http_methods_to_capture = ("GET",)

    class Client:
        def get_integration(self, name: str) -> Any:
            return Integration() if name == "fastapi" else None

    monkeypatch.setattr(sentry_sdk, "get_client", Client)
    stack = _app().build_middleware_stack()
    wrapped = with_sentry(stack)
    assert isinstance(wrapped, SentryAsgiMiddleware)
    accepted = inspect.signature(SentryAsgiMiddleware).parameters
    if "transaction_style" in accepted:  # sentry-sdk 2
        assert getattr(wrapped, "transaction_style", None) == "url"
    else:  # sentry-sdk 3 names transactions from the route; a path holds its root_path, as on current Starlette
        assert "EITHER" in str(wrapped.root_path_in_path)
    assert wrapped.mechanism_type == "fastapi" and wrapped.http_methods_to_capture == ("GET",)
