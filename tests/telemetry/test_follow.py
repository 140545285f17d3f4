"""Telemetry follows the providers: set or replaced after the app's stack was built, as FastAPI 0.165 follows them.

Each comparison runs the same steps on FastAPI and on Zephyr, each with the OpenTelemetry globals as a fresh process
has them (the globals can be set once per process: the fixture puts them back afterwards).
"""

from collections.abc import Callable, Iterator
from typing import Any

import fastapi
import pytest
from fastapi.testclient import TestClient as FastAPIClient
from opentelemetry import metrics, trace
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

import zephyr
from zephyr.telemetry import TelemetryMiddleware
from zephyr.telemetry._middleware import telemetry_layer
from zephyr.testclient import TestClient

if not hasattr(fastapi, "telemetry") and not hasattr(fastapi.FastAPI, "_native_telemetry"):
    pytest.skip("FastAPI >= 0.163 (built-in telemetry) is the reference", allow_module_level=True)

PAIRS: list[tuple[Any, Any]] = [(fastapi, FastAPIClient), (zephyr, TestClient)]
FRAMEWORKS = [pytest.param(PAIRS[0], id="fastapi"), pytest.param(PAIRS[1], id="zephyr")]


def _reset_globals() -> Callable[[], None]:
    """Put the API's provider globals as a fresh process has them; return what puts the previous ones back."""
    from opentelemetry._logs import _internal as logs
    from opentelemetry.metrics import _internal as meters
    from opentelemetry.util._once import Once

    places = [
        (trace, ("_TRACER_PROVIDER", "_TRACER_PROVIDER_SET_ONCE", "_PROXY_TRACER_PROVIDER")),
        (meters, ("_METER_PROVIDER", "_METER_PROVIDER_SET_ONCE", "_PROXY_METER_PROVIDER")),
        (logs, ("_LOGGER_PROVIDER", "_LOGGER_PROVIDER_SET_ONCE", "_PROXY_LOGGER_PROVIDER")),
    ]
    saved = [(module, name, getattr(module, name)) for module, names in places for name in names]
    for module, (current, once, proxy) in places:
        setattr(module, current, None)
        setattr(module, once, Once())
        setattr(module, proxy, type(getattr(module, proxy))())

    def restore() -> None:
        for module, name, value in saved:
            setattr(module, name, value)

    return restore


@pytest.fixture
def fresh() -> Iterator[Callable[[], None]]:
    """``fresh()`` resets the globals (again); they are put back after the test."""
    restores: list[Callable[[], None]] = []

    def reset() -> None:
        restores.append(_reset_globals())

    yield reset
    for restore in reversed(restores):
        restore()


def _sdk() -> tuple[TracerProvider, InMemorySpanExporter, MeterProvider, InMemoryMetricReader]:
    exporter = InMemorySpanExporter()
    tracer = TracerProvider()
    tracer.add_span_processor(SimpleSpanProcessor(exporter))
    reader = InMemoryMetricReader()
    return tracer, exporter, MeterProvider(metric_readers=[reader]), reader


def _late_global(
    framework: Any, client_class: Any, named_placeholders: bool, auto_configure: bool = False
) -> tuple[list[str], list[str], bool]:
    telemetry: dict[str, Any] | None = (
        {"tracer_provider": trace.get_tracer_provider(), "meter_provider": metrics.get_meter_provider()}
        if named_placeholders
        else None
    )
    if auto_configure:
        telemetry = {**(telemetry or {}), "auto_configure": True}
    app = framework.FastAPI(telemetry=telemetry)

    @app.get("/items/{item_id}")
    def item(item_id: int) -> int:
        return item_id

    client = client_class(app)
    assert client.get("/items/1").json() == 1
    tracer, exporter, meter, reader = _sdk()
    trace.set_tracer_provider(tracer)
    metrics.set_meter_provider(meter)
    before = [span.name for span in exporter.get_finished_spans()]
    assert client.get("/items/2").json() == 2
    after = sorted(span.name for span in exporter.get_finished_spans())
    return before, after, reader.get_metrics_data() is not None


@pytest.mark.current_reference
@pytest.mark.parametrize("named_placeholders", [False, True], ids=["global", "named-placeholders"])
def test_providers_set_after_the_first_request_trace_the_next_ones(
    fresh: Callable[[], None], named_placeholders: bool
) -> None:
    results = []
    for framework, client_class in PAIRS:
        fresh()
        results.append(_late_global(framework, client_class, named_placeholders))
    ours, theirs = results[1], results[0]
    assert ours == theirs
    expected = ["GET /items/{item_id}", "fastapi.dependencies", "fastapi.endpoint", "fastapi.serialization"]
    assert ours == ([], sorted(expected), True)


@pytest.mark.current_reference
@pytest.mark.parametrize("named_placeholders", [False, True], ids=["global", "named-placeholders"])
def test_providers_set_after_the_first_request_trace_the_next_ones_with_auto_configure(
    fresh: Callable[[], None], named_placeholders: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``auto_configure`` decides at the first request (after the start-up): with no provider yet, one set later is
    followed all the same."""
    for name in ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_SDK_DISABLED"):
        monkeypatch.delenv(name, raising=False)
    results = []
    for framework, client_class in PAIRS:
        fresh()
        results.append(_late_global(framework, client_class, named_placeholders, auto_configure=True))
    ours, theirs = results[1], results[0]
    assert ours == theirs
    expected = ["GET /items/{item_id}", "fastapi.dependencies", "fastapi.endpoint", "fastapi.serialization"]
    assert ours == ([], sorted(expected), True)


@pytest.mark.current_reference
@pytest.mark.parametrize("frameworks", FRAMEWORKS)
def test_a_replaced_global_provider_is_followed(
    frameworks: tuple[Any, Any], fresh: Callable[[], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    framework, client_class = frameworks
    fresh()
    first, first_spans, _, _ = _sdk()
    second, second_spans, _, _ = _sdk()
    monkeypatch.setattr(trace, "get_tracer_provider", lambda: first)
    client = client_class(framework.FastAPI(telemetry={"metrics": False}))
    assert client.get("/").status_code == 404
    monkeypatch.setattr(trace, "get_tracer_provider", lambda: second)
    assert client.get("/").status_code == 404
    assert [s.name for s in first_spans.get_finished_spans()] == [s.name for s in second_spans.get_finished_spans()]
    assert len(first_spans.get_finished_spans()) == len(second_spans.get_finished_spans()) == 1


class ProxyTracerProvider(trace.TracerProvider):
    """A vendor's proxy provider (Logfire has one of this name): set globally, it counts as configured."""

    def __init__(self, real: TracerProvider) -> None:
        self.real = real

    def get_tracer(self, *args: Any, **kwargs: Any) -> trace.Tracer:
        return self.real.get_tracer(*args, **kwargs)


@pytest.mark.current_reference
@pytest.mark.parametrize("frameworks", FRAMEWORKS)
def test_a_vendor_proxy_set_globally_counts_as_a_provider(
    frameworks: tuple[Any, Any], fresh: Callable[[], None]
) -> None:
    framework, client_class = frameworks
    fresh()
    tracer, exporter, _, _ = _sdk()
    trace.set_tracer_provider(ProxyTracerProvider(tracer))
    assert client_class(framework.FastAPI()).get("/").status_code == 404
    assert [span.name for span in exporter.get_finished_spans()] == ["GET"]


def test_the_layer_is_put_in_place_when_a_provider_is_set(fresh: Callable[[], None]) -> None:
    """Nothing per request while no provider is set: the stack has no layer until one is, then it has one."""
    fresh()
    app = zephyr.FastAPI()
    client = TestClient(app)
    assert client.get("/").status_code == 404
    untraced = app.middleware_stack
    assert not isinstance(untraced, TelemetryMiddleware)
    metrics.set_meter_provider(_sdk()[2])
    layer = app.middleware_stack
    assert isinstance(layer, TelemetryMiddleware) and layer.app is untraced
    assert layer.tracer is None and layer.duration is not None
    assert layer.providers is not None  # it follows the global providers from now on
    assert client.get("/").status_code == 404


def test_auto_configure_without_a_provider_serves_the_app_directly_until_one_is_set(
    fresh: Callable[[], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first request decides: no provider, no layer (nothing per request); a provider set later adds it."""
    from zephyr.telemetry import _middleware

    monkeypatch.delenv("OTEL_EXPORTER_OTLP_ENDPOINT", raising=False)
    fresh()
    app = zephyr.FastAPI(telemetry={"auto_configure": True, "metrics": False, "logs": False})
    client = TestClient(app)
    assert client.get("/").status_code == 404
    deciding: Any = app.middleware_stack
    assert deciding.layer is deciding.app  # requests go straight to the app
    assert deciding in _middleware._deciding
    tracer, exporter, _, _ = _sdk()
    trace.set_tracer_provider(tracer)
    assert isinstance(deciding.layer, TelemetryMiddleware) and deciding.layer.app is deciding.app
    assert deciding not in _middleware._deciding
    assert client.get("/").status_code == 404
    assert [span.name for span in exporter.get_finished_spans()] == ["GET"]


def test_the_layer_goes_under_the_wrappers_outside_it(fresh: Callable[[], None]) -> None:
    """An outer wrapper (Sentry's middleware wraps the whole stack) keeps its place: the layer goes inside it."""
    from zephyr.telemetry import _follow

    fresh()
    app = zephyr.FastAPI()
    assert TestClient(app).get("/").status_code == 404

    class Outer:
        def __init__(self, app: Any) -> None:
            self.app = app

        async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
            await self.app(scope, receive, send)

    inner = app.middleware_stack
    outer = Outer(inner)
    app.middleware_stack = outer
    trace.set_tracer_provider(_sdk()[0])
    stack: Any = app.middleware_stack
    assert stack is outer
    assert isinstance(outer.app, TelemetryMiddleware) and outer.app.app is inner
    assert app not in _follow._apps


def test_providers_named_in_the_settings_are_not_asked_per_request() -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        raise AssertionError("not called")

    tracer, _, meter, _ = _sdk()
    named = telemetry_layer(app, {"tracer_provider": tracer, "meter_provider": meter, "logs": False})
    assert isinstance(named, TelemetryMiddleware) and named.providers is None
    noop = telemetry_layer(app, {"tracer_provider": trace.NoOpTracerProvider(), "metrics": False, "logs": False})
    assert noop is app  # a no-op provider records nothing: no layer


@pytest.mark.current_reference
@pytest.mark.parametrize("frameworks", FRAMEWORKS)
def test_a_provider_set_up_by_the_start_up_traces_the_requests(
    frameworks: tuple[Any, Any], fresh: Callable[[], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The stack is built when the lifespan starts, before the start-up runs; even with OpenTelemetry imported only
    by the start-up (Zephyr then had nothing to follow yet), the requests are traced."""
    import sys
    from contextlib import asynccontextmanager

    framework, client_class = frameworks
    fresh()
    tracer, exporter, _, _ = _sdk()
    imported = sys.modules["opentelemetry.trace"]
    monkeypatch.delitem(sys.modules, "opentelemetry.trace")  # as if nothing had imported it yet

    @asynccontextmanager
    async def lifespan(app: Any) -> Any:
        sys.modules["opentelemetry.trace"] = imported  # the start-up imports it...
        trace.set_tracer_provider(tracer)  # ...and sets a provider up
        yield

    app = framework.FastAPI(lifespan=lifespan, telemetry={"metrics": False, "logs": False})
    with client_class(app) as client:
        assert client.get("/").status_code == 404
    assert [span.name for span in exporter.get_finished_spans()] == ["GET"]
    with client_class(app) as client:  # a second lifespan: still one layer
        assert client.get("/").status_code == 404
    assert [span.name for span in exporter.get_finished_spans()] == ["GET", "GET"]
