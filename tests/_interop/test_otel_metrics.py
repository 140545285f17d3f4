"""The lighter measurement recording: the same metrics as the SDK's instruments' own ``record`` and ``add``.

Each case records the same measurements (same amounts, attributes, current spans and random state) through the
instruments' methods on one provider and through ``MeasurementShortcut`` on another, then compares what the SDK's
``InMemoryMetricReader`` collects (every field but timestamps) and the measurements the readers' storages consumed.
"""

from __future__ import annotations

import dataclasses
import logging
import random
import sys
from collections.abc import Mapping
from enum import Enum
from typing import Any

import pytest
from opentelemetry import context as context_api
from opentelemetry import trace
from opentelemetry.metrics import NoOpMeter
from opentelemetry.sdk import version as sdk_version
from opentelemetry.sdk.metrics import (
    AlwaysOnExemplarFilter,
    Counter,
    ExemplarFilter,
    Histogram,
    MeterProvider,
    UpDownCounter,
)
from opentelemetry.sdk.metrics._internal import _MeterConfig
from opentelemetry.sdk.metrics._internal._view_instrument_match import _hash_attributes
from opentelemetry.sdk.metrics._internal.aggregation import _ExplicitBucketHistogramAggregation, _SumAggregation
from opentelemetry.sdk.metrics.export import AggregationTemporality, HistogramDataPoint, InMemoryMetricReader
from opentelemetry.sdk.metrics.view import View
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.util.instrumentation import InstrumentationScope
from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags

from zephyr._interop import otel_metrics
from zephyr._interop.otel_metrics import MeasurementShortcut, measurement_recorder

_DELTA = AggregationTemporality.DELTA
_DESCRIBED = View(instrument_name="*", description="d")
_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0)
_SAMPLED = NonRecordingSpan(SpanContext(0x1234, 0x5678, is_remote=False, trace_flags=TraceFlags(TraceFlags.SAMPLED)))
_UNSAMPLED = NonRecordingSpan(SpanContext(0x4321, 0x8765, is_remote=False, trace_flags=TraceFlags(0)))


def _steps() -> list[tuple[str, float, dict[str, Any], Any]]:
    """Three measurements per request, as the telemetry layer records them, over a few request shapes."""
    steps: list[tuple[str, float, dict[str, Any], Any]] = []
    rng = random.Random(7)
    for n in range(120):
        method = ("GET", "POST", "_OTHER")[n % 3]
        base = {"url.scheme": "http", "http.request.method": method}
        full: dict[str, Any] = {**base, "network.protocol.version": "1.1", "http.route": f"/items/{n % 4}"}
        full["http.response.status_code"] = (200, 404, 500)[n % 3]
        if n % 3 == 2:
            full["error.type"] = "500"
        span = (None, _SAMPLED, _UNSAMPLED)[n % 3 if n % 5 else 1]
        steps.append(("active", 1, base, span))
        steps.append(("duration", rng.random() * (0.2 if n % 7 else 20), full, span))
        steps.append(("active", -1, base, span))
        steps.append(("count", n % 4, {"flag": n % 2 == 0, "ratio": n / 3, "raw": b"x", "none": None}, span))
    return steps


def _instruments(provider: MeterProvider) -> dict[str, Any]:
    meter = provider.get_meter("fastapi", "1.0", schema_url="https://opentelemetry.io/schemas/1.26.0")
    return {
        "duration": meter.create_histogram(
            "http.server.request.duration",
            unit="s",
            description="Duration of HTTP server requests.",
            explicit_bucket_boundaries_advisory=_BUCKETS,
        ),
        "active": meter.create_up_down_counter(
            "http.server.active_requests", unit="{request}", description="Number of active HTTP server requests."
        ),
        "count": meter.create_counter("zephyr.tests.count", unit="1", description="A counter."),
    }


def _record(provider: MeterProvider, shortcut: bool, steps: list[tuple[str, float, dict[str, Any], Any]]) -> None:
    instruments = _instruments(provider)
    recorders = {name: measurement_recorder(i) if shortcut else _own(i) for name, i in instruments.items()}
    if shortcut:
        assert all(type(r) is MeasurementShortcut for r in recorders.values())
    random.seed(11)  # the sums' exemplar reservoir draws from ``random``
    for name, amount, attributes, span in steps:
        token = None if span is None else context_api.attach(trace.set_span_in_context(span))
        try:
            recorders[name](amount, dict(attributes))
        finally:
            if token is not None:
                context_api.detach(token)


def _own(instrument: Any) -> Any:
    return instrument.record if hasattr(instrument, "record") else instrument.add


def _timeless(data: Any) -> Any:
    """The collected metrics as plain values, type names included, with every timestamp zeroed."""
    if dataclasses.is_dataclass(data) and not isinstance(data, type):
        return (
            type(data).__name__,
            {
                f.name: 0 if f.name.endswith("time_unix_nano") else _timeless(getattr(data, f.name))
                for f in dataclasses.fields(data)
            },
        )
    if isinstance(data, Resource):
        return ("Resource", _timeless(data.attributes), data.schema_url)
    if isinstance(data, InstrumentationScope):
        return ("Scope", data.name, data.version, data.schema_url, _timeless(data.attributes))
    if isinstance(data, Mapping):
        return ("mapping", [(k, _timeless(v)) for k, v in data.items()])
    if isinstance(data, (list, tuple)):
        return (type(data).__name__, [_timeless(v) for v in data])
    if isinstance(data, Enum):
        return data
    return (type(data).__name__, data)


def _collected(shortcut: bool, steps: list[Any], **options: Any) -> Any:
    raw = options.pop("raw", False)
    reader = InMemoryMetricReader(**options.pop("reader", {}))
    provider = MeterProvider(metric_readers=[reader], **options)
    try:
        _record(provider, shortcut, steps)
        data = reader.get_metrics_data()
        return data if raw else _timeless(data)
    finally:
        provider.shutdown()


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"exemplar_filter": AlwaysOnExemplarFilter()},
        {"reader": {"preferred_temporality": dict.fromkeys((Counter, UpDownCounter, Histogram), _DELTA)}},
        {"views": [View(instrument_name="http.server.*", attribute_keys={"http.request.method"})]},
        {"views": [View(instrument_name="*", aggregation_cardinality_limit=3)]},
        {
            "views": [
                View(instrument_name="http.server.request.duration", name="renamed"),
                View(instrument_name="*", description="d"),
            ]
        },
    ],
    ids=["default", "always-on-exemplars", "delta", "view", "overflow", "two-views"],
)
def test_shortcut_collects_the_same_metrics(options: dict[str, Any]) -> None:
    steps = _steps()
    regular = _collected(False, steps, **dict(options))
    shortcut = _collected(True, steps, **dict(options))
    assert shortcut == regular
    data = _collected(False, steps, raw=True, **dict(options))
    metrics = data.resource_metrics[0].scope_metrics[0].metrics
    names = {m.name for m in metrics}
    assert names >= {"zephyr.tests.count"} and len(metrics) >= 3
    if not options:  # exemplars were kept for the sampled span only
        points = next(m for m in metrics if m.name == "http.server.request.duration").data.data_points
        exemplars = [e for p in points for e in p.exemplars]
        assert exemplars and {e.trace_id for e in exemplars} == {0x1234}


def test_shortcut_hands_the_aggregations_the_same_measurements(monkeypatch: pytest.MonkeyPatch) -> None:
    consumed: list[tuple[str, Any, list[str], dict[str, Any], bool]] = []

    def spying(cls: Any) -> None:
        own = cls.aggregate

        def spy(self: Any, measurement: Any, should_sample_exemplar: bool = True) -> None:
            fields = {k: v for k, v in vars(measurement).items() if k != "time_unix_nano"}
            fields["instrument"] = fields["instrument"].name
            consumed.append((cls.__name__, self._attributes, list(vars(measurement)), fields, should_sample_exemplar))
            own(self, measurement, should_sample_exemplar)

        monkeypatch.setattr(cls, "aggregate", spy)

    spying(_SumAggregation)
    spying(_ExplicitBucketHistogramAggregation)
    steps = _steps()[:40]
    found = []
    for shortcut in (False, True):
        consumed.clear()
        reader = InMemoryMetricReader()
        provider = MeterProvider(metric_readers=[reader])
        _record(provider, shortcut, steps)
        provider.shutdown()
        found.append(list(consumed))
    assert found[0] == found[1]
    assert len(found[0]) == len(steps)


def test_shortcut_records_nothing_without_a_reader_and_follows_a_reader_added_later() -> None:
    provider = MeterProvider()
    histogram = provider.get_meter("fastapi").create_histogram("h")
    record = measurement_recorder(histogram)
    assert isinstance(record, MeasurementShortcut)
    record(0.5, {"a": "b"})  # nothing reads it: nothing is kept
    reader = InMemoryMetricReader()
    provider.add_metric_reader(reader)
    record(0.25, {"a": "b"})
    data = reader.get_metrics_data()
    assert data is not None
    (point,) = data.resource_metrics[0].scope_metrics[0].metrics[0].data.data_points
    assert isinstance(point, HistogramDataPoint)
    assert (point.count, point.sum, point.attributes) == (1, 0.25, {"a": "b"})
    provider.shutdown()


class _Counting(ExemplarFilter):
    """An exemplar filter with a side effect: it must be asked even when no reader keeps the measurement."""

    def __init__(self) -> None:
        self.asked = 0

    def should_sample(self, value: Any, time_unix_nano: Any, attributes: Any, context: Any) -> bool:
        self.asked += 1
        return False


def test_shortcut_asks_a_custom_exemplar_filter_without_a_reader() -> None:
    exemplars = _Counting()
    provider = MeterProvider(exemplar_filter=exemplars)
    record = measurement_recorder(provider.get_meter("fastapi").create_counter("c"))
    record(1, {"a": "b"})
    assert exemplars.asked == 1


@pytest.mark.parametrize(
    ("kind", "amount", "attributes"),
    [
        ("histogram", -1.0, {"a": "b"}),
        ("histogram", float("nan"), {"a": "b"}),
        ("counter", -1, {"a": "b"}),
        ("histogram", 1.0, {"a": ["x", "y"]}),
        ("histogram", 1.0, {"": "empty key"}),
        ("histogram", 1.0, {}),
        ("up_down_counter", True, {"a": "b"}),
    ],
)
def test_shortcut_falls_back_to_the_instrument_for_what_it_does_not_cover(
    kind: str, amount: Any, attributes: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    results = []
    for shortcut in (False, True):
        reader = InMemoryMetricReader()
        provider = MeterProvider(metric_readers=[reader])
        instrument = getattr(provider.get_meter("fastapi"), f"create_{kind}")("i")
        caplog.clear()
        with caplog.at_level(logging.WARNING):
            (measurement_recorder(instrument) if shortcut else _own(instrument))(amount, dict(attributes))
        results.append(([r.getMessage() for r in caplog.records], _timeless(reader.get_metrics_data())))
        provider.shutdown()
    assert results[0] == results[1]


def test_shortcut_follows_a_disabled_meter() -> None:
    reader = InMemoryMetricReader()
    provider = MeterProvider(metric_readers=[reader])
    meter = provider.get_meter("fastapi")
    record = measurement_recorder(meter.create_up_down_counter("u"))
    meter._set_meter_config(_MeterConfig(is_enabled=False))  # type: ignore[attr-defined]
    record(1, {"a": "b"})
    assert reader.get_metrics_data() is None
    meter._set_meter_config(_MeterConfig(is_enabled=True))  # type: ignore[attr-defined]
    record(1, {"a": "b"})
    assert reader.get_metrics_data() is not None
    provider.shutdown()


def test_recorder_is_the_instruments_own_method_outside_the_known_configuration(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    provider = MeterProvider()
    meter = provider.get_meter("fastapi")
    api_histogram = NoOpMeter("n").create_histogram("h")
    assert measurement_recorder(api_histogram) == api_histogram.record
    histogram = meter.create_histogram("h")
    monkeypatch.setattr(sdk_version, "__version__", "0.0.0")
    assert measurement_recorder(histogram) == histogram.record
    monkeypatch.undo()
    assert type(measurement_recorder(histogram)) is MeasurementShortcut
    assert "1.45.2" in otel_metrics.SUPPORTED_SDK_VERSIONS


@pytest.mark.parametrize(
    "attributes",
    [
        {"b": "x", "a": 1, "c": 1.0, "d": True, "e": None, "f": b"raw"},
        {"a": True},
        {"a": 1},
        {"a": 1.0},
        {"url.scheme": "http", "http.request.method": "GET"},
    ],
)
def test_attributes_key_is_the_sdks_aggregation_key(attributes: dict[str, Any]) -> None:
    assert otel_metrics._attributes_key(attributes) == _hash_attributes(attributes)


def test_recorder_is_the_instruments_own_method_for_another_consumer_or_without_the_sdk(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    histogram = MeterProvider().get_meter("fastapi").create_histogram("h")
    monkeypatch.setattr(histogram, "_measurement_consumer", object())
    assert measurement_recorder(histogram) == histogram.record
    monkeypatch.undo()
    monkeypatch.delitem(sys.modules, "opentelemetry.sdk.metrics._internal.instrument")
    assert measurement_recorder(histogram) == histogram.record
