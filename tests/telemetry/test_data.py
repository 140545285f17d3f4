"""``get_telemetry_data``: the same app on FastAPI and on Zephyr shows processors the same request data.

And the operation spans are current while their work runs: a span the endpoint starts is the child of
``fastapi.endpoint`` on both, also for a plain ``def`` endpoint (whose span starts in the worker thread).
"""

from typing import Any

import fastapi
import fastapi.telemetry
import pytest
from fastapi.testclient import TestClient as FastAPIClient
from opentelemetry import context, trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from pydantic import BaseModel

import zephyr
import zephyr.telemetry
from zephyr.testclient import TestClient

pytestmark = pytest.mark.current_reference


class Item(BaseModel):
    name: str


def _run(framework: Any, client_class: Any, sync: bool) -> tuple[list[Any], list[tuple[str, str | None]], Any]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    telemetry = framework.telemetry
    app = framework.FastAPI(telemetry={"tracer_provider": provider, "metrics": False})
    seen: list[Any] = []
    kept: list[Any] = []

    def dependency(request: framework.Request) -> str:
        data = telemetry.get_telemetry_data()
        seen.append(("dependency", data.request is request, data.body, data.values, data.errors))
        return "service"

    def work(item: Item, value: str, request: framework.Request) -> str:
        data = telemetry.get_telemetry_data()
        seen.append(("endpoint", data.request is request, data.body, sorted(data.values), data.errors))
        kept.append(context.get_current())
        with provider.get_tracer("test").start_as_current_span("inner.work"):
            return item.name + value

    if sync:

        @app.post("/items/{name}")
        def endpoint(item: Item, value: str = framework.Depends(dependency), *, request: framework.Request) -> str:
            return work(item, value, request)
    else:

        @app.post("/items/{name}")
        async def endpoint(
            item: Item, value: str = framework.Depends(dependency), *, request: framework.Request
        ) -> str:
            return work(item, value, request)

    with client_class(app) as client:
        assert client.post("/items/a", json={"name": "x"}).json() == "xservice"
        assert client.post("/items/a", content=b"{", headers={"content-type": "application/json"}).status_code == 422
    seen.append(("after", telemetry.get_telemetry_data(), [telemetry.get_telemetry_data(kept[0])]))
    spans = {span.context.span_id: span for span in exporter.get_finished_spans()}
    tree = sorted((span.name, spans[span.parent.span_id].name if span.parent else None) for span in spans.values())
    return seen, tree, telemetry


@pytest.mark.parametrize("sync", [False, True])
def test_data_and_current_operation_spans_match_fastapi(sync: bool) -> None:
    ours, our_tree, _ = _run(zephyr, TestClient, sync)
    theirs, their_tree, _ = _run(fastapi, FastAPIClient, sync)
    assert ours == theirs
    assert ours[0] == ("dependency", True, {"name": "x"}, None, None)
    assert ours[1] == ("endpoint", True, {"name": "x"}, ["item", "request", "value"], [])
    assert our_tree == their_tree
    assert ("inner.work", "fastapi.endpoint") in our_tree


def test_validation_failure_data_and_no_operations_for_malformed_json() -> None:
    def run(framework: Any, client_class: Any) -> list[Any]:
        exporter = InMemorySpanExporter()
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(exporter))
        app = framework.FastAPI(telemetry={"tracer_provider": provider, "metrics": False})

        @app.post("/items")
        def endpoint(item: dict[str, int]) -> Any:
            return item  # pragma: no cover

        answers = []
        with client_class(app) as client:
            for content in (b"{", b'{"a": "b"}'):
                response = client.post("/items", content=content, headers={"content-type": "application/json"})
                names = sorted(span.name for span in exporter.get_finished_spans())
                exporter.clear()
                answers.append((response.status_code, names))
        return answers

    ours, theirs = run(zephyr, TestClient), run(fastapi, FastAPIClient)
    assert ours == theirs
    assert ours[0] == (422, ["POST /items"])


def test_no_data_outside_requests_or_without_opentelemetry_context() -> None:
    assert zephyr.telemetry.get_telemetry_data() is None
    assert zephyr.telemetry.get_telemetry_data(context.Context()) is None
    data = zephyr.telemetry.TelemetryData(body={"a": 1})
    assert data.body == {"a": 1} and data.values is None
    assert "body={'a': 1}" in repr(data)


def test_untraced_app_has_no_data() -> None:
    app = zephyr.FastAPI()
    seen = []

    @app.get("/")
    def endpoint() -> str:
        seen.append(zephyr.telemetry.get_telemetry_data())
        return "ok"

    assert trace.get_tracer_provider() is not None
    TestClient(app).get("/")
    assert seen == [None]
