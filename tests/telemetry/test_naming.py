"""Span names and attributes Zephyr writes as FastAPI does: redirects, known methods, error types (differential)."""

import asyncio
import weakref
from typing import Any

import fastapi
import pytest
from fastapi.testclient import TestClient as FastAPIClient
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

import zephyr
from zephyr.telemetry._asgi import NativeTelemetry
from zephyr.testclient import TestClient

pytestmark = pytest.mark.current_reference


def _traced(framework: Any, **settings: Any) -> tuple[Any, InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return framework.FastAPI(telemetry={"tracer_provider": provider, "metrics": False, **settings}), exporter


def _spans(exporter: InMemorySpanExporter) -> list[tuple[str, dict[str, Any]]]:
    keep = ("http.route", "http.request.method", "http.request.method_original", "error.type")
    return sorted(
        (span.name, {k: v for k, v in (span.attributes or {}).items() if k in keep})
        for span in exporter.get_finished_spans()
    )


def _redirect(framework: Any, client_class: Any) -> Any:
    app, exporter = _traced(framework)
    child = framework.FastAPI()
    router = framework.APIRouter()
    router.add_api_route("/items/{item_id}/", lambda item_id: item_id)
    child.include_router(router, prefix="/api")
    app.mount("/tenants/{tenant}", child)
    response = client_class(app).get("/tenants/a/api/items/1", follow_redirects=False)
    return response.status_code, _spans(exporter)


def test_redirect_is_named_by_the_route_it_leads_to() -> None:
    ours = _redirect(zephyr, TestClient)
    assert ours == _redirect(fastapi, FastAPIClient)
    assert ours[1][0][0] == "GET /tenants/{tenant}/api/items/{item_id}/"


def _methods(framework: Any, client_class: Any) -> Any:
    app, exporter = _traced(framework)
    app.api_route("/x", methods=["PROPFIND", "GET"])(lambda: "ok")
    client = client_class(app)
    client.request("PROPFIND", "/x")
    client.get("/x")
    return _spans(exporter)


def test_known_methods_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS", " PROPFIND ,")
    ours = _methods(zephyr, TestClient)
    assert ours == _methods(fastapi, FastAPIClient)
    assert ours[0] == (
        "HTTP /x",
        {"http.request.method": "_OTHER", "http.request.method_original": "GET"} | {"http.route": "/x"},
    )


def _task_error(framework: Any, client_class: Any) -> Any:
    app, exporter = _traced(framework)

    def fail() -> None:
        raise framework.HTTPException(503)

    @app.get("/")
    async def endpoint(tasks: framework.BackgroundTasks) -> str:
        tasks.add_task(fail)
        return "ok"

    client_class(app, raise_server_exceptions=False).get("/")
    return [attributes for name, attributes in _spans(exporter) if name == "fastapi.background_task"]


def test_error_type_names_fastapis_exception_module() -> None:
    ours = _task_error(zephyr, TestClient)
    assert ours == _task_error(fastapi, FastAPIClient) == [{"error.type": "fastapi.exceptions.HTTPException"}]


def test_native_telemetry_wraps_any_asgi_app() -> None:
    app, exporter = _traced(zephyr)
    sent: list[Any] = []

    async def inner(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    async def send(message: Any) -> None:
        sent.append(message["type"])

    async def receive() -> Any:
        return {"type": "http.disconnect"}  # pragma: no cover

    native = NativeTelemetry(app._telemetry)
    assert native.enabled()
    scope = {"type": "http", "method": "GET", "scheme": "http", "path": "/", "headers": []}
    asyncio.run(native(app=inner, scope=scope, receive=receive, send=send))
    assert sent == ["http.response.start", "http.response.body"]
    assert [span.name for span in exporter.get_finished_spans()] == ["GET"]
    assert "zephyr.telemetry" not in scope


def test_request_can_be_weakly_referenced() -> None:
    request = zephyr.Request({"type": "http", "method": "GET", "path": "/", "headers": []})
    assert weakref.ref(request)() is request


def test_websocket_disconnect_is_starlettes_once_starlette_is_loaded() -> None:
    import pickle

    import starlette.websockets

    error = zephyr.WebSocketDisconnect(1001, "bye")
    assert isinstance(error, starlette.websockets.WebSocketDisconnect)
    assert isinstance(error, zephyr.WebSocketDisconnect)
    copy = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own bytes, just written
    assert (copy.code, copy.reason, type(copy)) == (1001, "bye", type(error))
