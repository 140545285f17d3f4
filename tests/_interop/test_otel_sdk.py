"""The lighter span start for the SDK's default configuration: the same spans as ``Tracer.start_span``, field by field.

Each case starts a span through the SDK and through ``SpanShortcuts`` from the same random state, on the same tracer,
and compares the span objects (every instance attribute, in order, but timestamps and locks), what the processors
were handed at start, and the exported spans.
"""

from __future__ import annotations

import random
import threading
from typing import Any

import pytest
from opentelemetry import context as context_api
from opentelemetry import trace
from opentelemetry.sdk import version as sdk_version
from opentelemetry.sdk.trace import SpanLimits, SpanProcessor, Tracer, TracerProvider, _Span, sampling
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.id_generator import RandomIdGenerator
from opentelemetry.trace import SpanContext, SpanKind, TraceFlags, TraceState

from zephyr._interop import otel_sdk
from zephyr._interop.otel_sdk import SpanShortcuts, span_shortcuts


class _Starts(SpanProcessor):
    """Remembers what ``on_start`` was handed."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, Any]] = []

        self.ends: list[tuple[Any, ...]] = []

    def on_start(self, span: Any, parent_context: Any = None) -> None:
        self.calls.append((span, parent_context))

    def _on_ending(self, span: Any) -> None:
        self.ends.append(("ending", span.name, span.end_time is not None, span._attributes._immutable))

    def on_end(self, span: Any) -> None:
        fields = vars(span)
        self.ends.append((type(span), list(fields), {k: v for k, v in fields.items() if k != "_end_time"}))


def _tracer(**options: Any) -> tuple[Tracer, InMemorySpanExporter, _Starts]:
    exporter = InMemorySpanExporter()
    starts = _Starts()
    provider = TracerProvider(**options)
    provider.add_span_processor(starts)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("zephyr.tests", "1.0", schema_url="https://example.com/schema")
    assert isinstance(tracer, Tracer)
    return tracer, exporter, starts


_SKIPPED = {"_start_time", "_end_time", "_lock"}


def _fields(span: Any) -> dict[str, Any]:
    """Every instance attribute of ``span`` (in order) but timestamps and locks; containers by their contents."""
    fields: dict[str, Any] = {}
    for name, value in vars(span).items():
        if name in _SKIPPED:
            fields[name] = type(value)
        elif name == "_attributes":
            inner = vars(value)
            fields[name] = (
                type(value),
                list(inner),
                dict(inner["_dict"]),
                list(inner["_dict"]),
                inner["maxlen"],
                inner["dropped"],
                inner["max_value_len"],
                inner["_immutable"],
                type(inner["_lock"]),
            )
        elif name in ("_events", "_links"):
            fields[name] = (type(value), list(vars(value)), list(value), value._dq.maxlen, value.dropped)
        elif name == "_context":
            fields[name] = (type(value), tuple(value), type(value.trace_flags))
        else:
            fields[name] = value
    return fields


def _exported(exporter: InMemorySpanExporter) -> list[tuple[Any, ...]]:
    """What an exporter reads of each finished span."""
    return [
        (
            span.name,
            span.context,
            span.kind,
            span.parent,
            dict(span.attributes or {}),
            span.dropped_attributes,
            list(span.events),
            list(span.links),
            span.dropped_events,
            span.dropped_links,
            (span.status.status_code, span.status.description),
            span.start_time,
            span.end_time,
            span.resource.to_json(),
            span.instrumentation_scope,
        )
        for span in exporter.get_finished_spans()
    ]


def _both(tracer: Tracer, exporter: InMemorySpanExporter, starts: _Starts, **call: Any) -> tuple[Any, Any]:
    """The span of the SDK and the shortcuts's, from the same random state, both ended at the same time."""
    shortcuts = span_shortcuts(tracer)
    assert shortcuts is not None
    state = random.getstate()
    reference = tracer.start_span(
        call["name"],
        context=call.get("context"),
        kind=call.get("kind") or SpanKind.INTERNAL,
        attributes=call.get("attributes"),
        start_time=call.get("start_time"),
    )
    random.setstate(state)
    sdk_start = tracer.start_span
    fallbacks: list[str] = []

    def counted(*args: Any, **kwargs: Any) -> Any:
        fallbacks.append(args[0])
        return sdk_start(*args, **kwargs)

    tracer.start_span = counted  # type: ignore[method-assign]
    try:
        light = shortcuts.start(
            call["name"],
            call.get("context"),
            call.get("kind"),
            call.get("attributes"),
            start_time=call.get("start_time"),
        )
    finally:
        del tracer.start_span
    assert bool(fallbacks) is (call["name"] in _LEFT_TO_THE_SDK), "the SDK's own start was (not) used"
    assert type(light) is type(reference)
    if isinstance(reference, _Span):
        assert [(s, c) for s, c in starts.calls] == [(reference, call.get("context")), (light, call.get("context"))]
    else:
        assert starts.calls == []
    later: dict[str, Any] = {"later": 1, "http.method": "POST", "text": "x"}  # one key written again, moved to the end
    ends: list[Any] = []
    if reference.is_recording():
        reference.set_attributes(later)
        reference._start_time = 1  # type: ignore[attr-defined]  # the same timestamps, so that the exported spans compare whole
        reference.end(end_time=2)
        ends, starts.ends[:] = list(starts.ends), []
    if light.is_recording():
        shortcuts.set_attributes(light, later)
        light._start_time = 1  # type: ignore[attr-defined]
        shortcuts.end(light, end_time=2)
        assert [_without_object(end, reference) for end in ends] == [_without_object(end, light) for end in starts.ends]
    return reference, light


def _without_object(end: tuple[Any, ...], span: Any) -> tuple[Any, ...]:
    """A processor's record of an ending span, with the span's own name and fields standing for themselves."""
    if end[0] == "ending":
        return end
    kind, names, fields = end
    own = {"_attributes": span._attributes, "_events": span._events, "_links": span._links}
    return (kind, names, {k: (f"<the span's {k}>" if v is own.get(k) else v) for k, v in fields.items()})


_REMOTE = SpanContext(
    0x0AF7651916CD43DD8448EB211C80319C,
    0xB7AD6B7169203331,
    is_remote=True,
    trace_flags=TraceFlags(TraceFlags.SAMPLED),
    trace_state=TraceState([("vendor", "value")]),
)
_LOCAL_RANDOM = SpanContext(
    0x0AF7651916CD43DD8448EB211C80319D, 0xB7AD6B7169203332, is_remote=False, trace_flags=TraceFlags(0x03)
)
_UNSAMPLED = SpanContext(0x0AF7651916CD43DD8448EB211C80319E, 0xB7AD6B7169203333, is_remote=True)


def _in(parent: SpanContext) -> Any:
    return trace.set_span_in_context(trace.NonRecordingSpan(parent))


_LEFT_TO_THE_SDK = {"dropped", "seq", "key", "value", "many", "long"}
"""The names of the spans the shortcuts hands to ``Tracer.start_span`` (their outcome is not the plain one)."""

_CASES: dict[str, dict[str, Any]] = {
    "root, no attributes": {"name": "root"},
    "server with attributes": {
        "name": "GET /hello",
        "kind": SpanKind.SERVER,
        "attributes": {"http.method": "GET", "net.host.port": 8000, "ok": True, "ratio": 0.5, "raw": b"x", "n": None},
        "start_time": 1234,
    },
    "empty attributes": {"name": "empty", "attributes": {}},
    "remote sampled parent with a trace state": {"name": "child", "context": _in(_REMOTE), "kind": SpanKind.SERVER},
    "local parent with a random trace id": {"name": "child", "context": _in(_LOCAL_RANDOM), "attributes": {"a": "b"}},
    "parent not sampled": {"name": "dropped", "context": _in(_UNSAMPLED), "attributes": {"a": "b"}},
    "an empty context": {"name": "orphan", "context": context_api.Context()},
    "sequence values": {"name": "seq", "attributes": {"list": [1, 2], "tuple": ("a", "b")}},
    "a key that is not a string": {"name": "key", "attributes": {1: "one", "two": 2}},
    "an empty key": {"name": "key", "attributes": {"": "none", "two": 2}},
    "a value of another type": {"name": "value", "attributes": {"obj": object.__new__(RandomIdGenerator)}},
    "too many attributes": {"name": "many", "attributes": {f"k{i}": i for i in range(130)}},
}


@pytest.mark.parametrize("case", list(_CASES), ids=list(_CASES))
def test_the_shortcuts_span_is_the_sdks(case: str) -> None:
    tracer, exporter, starts = _tracer()
    reference, light = _both(tracer, exporter, starts, **_CASES[case])
    if isinstance(reference, _Span):
        assert _fields(light) == _fields(reference)
        assert list(_fields(light)) == list(_fields(reference))
    else:  # not sampled: both non-recording, with the same context
        assert type(light) is type(reference)
        assert light.get_span_context() == reference.get_span_context()
    exported = _exported(exporter)
    assert len(exported) == (2 if isinstance(reference, _Span) else 0)
    assert exported[1:] == exported[:1]


def test_a_span_without_a_parent_is_the_sdks_when_the_current_span_is_set() -> None:
    tracer, exporter, starts = _tracer()
    with tracer.start_as_current_span("outer"):
        starts.calls.clear()
        reference, light = _both(tracer, exporter, starts, name="inner", attributes={"k": "v"})
    assert _fields(light) == _fields(reference)
    assert light.parent is not None
    assert light.parent == reference.parent


def test_a_limit_on_attribute_length_is_left_to_the_sdk() -> None:
    tracer, exporter, starts = _tracer(span_limits=SpanLimits(max_span_attribute_length=3))
    reference, light = _both(tracer, exporter, starts, name="long", attributes={"k": "abcdef"})
    assert light.attributes["k"] == "abc"
    assert _fields(light) == _fields(reference)


def test_the_shortcuts_follow_a_tracer_reconfigured_after_it_was_made() -> None:
    tracer, _, _ = _tracer()
    shortcuts = span_shortcuts(tracer)
    assert shortcuts is not None
    tracer.sampler = sampling.ALWAYS_OFF
    assert not shortcuts.start("off").is_recording()
    tracer.sampler = shortcuts._sampler
    tracer._tracer_config = type(tracer._tracer_config)(is_enabled=False)
    assert not shortcuts.start("disabled").is_recording()


def test_the_spans_can_be_used_from_another_thread() -> None:
    tracer, exporter, _ = _tracer()
    shortcuts = span_shortcuts(tracer)
    assert shortcuts is not None
    span = shortcuts.start("threaded", attributes={"a": 1})
    worker = threading.Thread(target=lambda: (span.set_attribute("b", 2), span.end()))
    worker.start()
    worker.join(5)
    assert [dict(s.attributes or {}) for s in exporter.get_finished_spans()] == [{"a": 1, "b": 2}]


@pytest.mark.parametrize(
    "options",
    [
        {"sampler": sampling.ALWAYS_ON},
        {"sampler": sampling.ParentBased(sampling.TraceIdRatioBased(0.5))},
        {"sampler": sampling.ParentBased(sampling.ALWAYS_ON, remote_parent_not_sampled=sampling.ALWAYS_ON)},
        {"id_generator": type("Ids", (RandomIdGenerator,), {})()},
    ],
    ids=["always on", "ratio", "other delegates", "custom id generator"],
)
def test_other_configurations_keep_the_sdks_own_start(options: dict[str, Any]) -> None:
    tracer, _, _ = _tracer(**options)
    assert span_shortcuts(tracer) is None


def test_the_default_sampler_from_the_environment_is_covered(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_TRACES_SAMPLER", "parentbased_always_on")
    tracer, _, _ = _tracer()
    assert isinstance(span_shortcuts(tracer), SpanShortcuts)


def test_an_unchecked_sdk_version_keeps_the_sdks_own_start(monkeypatch: pytest.MonkeyPatch) -> None:
    tracer, _, _ = _tracer()
    monkeypatch.setattr(otel_sdk, "SUPPORTED_SDK_VERSIONS", frozenset({"0.0"}))
    assert span_shortcuts(tracer) is None
    monkeypatch.setattr(otel_sdk, "SUPPORTED_SDK_VERSIONS", frozenset({sdk_version.__version__}))
    assert span_shortcuts(tracer) is not None


def test_tracers_other_than_the_sdks_are_not_covered() -> None:
    assert span_shortcuts(trace.NoOpTracer()) is None
    assert span_shortcuts(object()) is None


def comparable(spans: Any) -> list[tuple[Any, ...]]:
    """Every exported field of ``spans``, in export order, with ids as positions and without timestamps.

    Zephyr's ``zephyr.<phase>_ms`` attributes keep their keys (their values are timings); exception stack traces
    are left out (their line numbers differ between two code paths).
    """
    spans = list(spans)
    position = {span.context.span_id: index for index, span in enumerate(spans)}
    traces: dict[int, int] = {}
    rows = []
    for span in spans:
        parent = span.parent
        attributes = {k: (None if k.startswith("zephyr.") else v) for k, v in (span.attributes or {}).items()}
        rows.append(
            (
                span.name,
                span.kind,
                traces.setdefault(span.context.trace_id, len(traces)),
                (span.context.trace_flags, span.context.trace_state, span.context.is_remote),
                None if parent is None else (position.get(parent.span_id, "outside"), parent.is_remote),
                list(attributes.items()),
                span.dropped_attributes,
                [
                    (e.name, {k: v for k, v in (e.attributes or {}).items() if k != "exception.stacktrace"})
                    for e in span.events
                ],
                list(span.links),
                (span.status.status_code, span.status.description),
                span.resource.to_json(),
                span.instrumentation_scope,
                span.start_time is not None and span.end_time is not None and span.start_time <= span.end_time,
            )
        )
    return rows


def test_comparable_spans_tell_a_difference() -> None:
    tracer, exporter, _ = _tracer()
    with tracer.start_as_current_span("a", attributes={"k": 1}):
        tracer.start_span("b").end()
    first = comparable(exporter.get_finished_spans())
    exporter.clear()
    with tracer.start_as_current_span("a", attributes={"k": 2}):
        tracer.start_span("b").end()
    assert comparable(exporter.get_finished_spans()) != first
    assert [row[4] for row in first] == [(1, False), None]


@pytest.mark.parametrize(
    ("written", "limit", "own"),
    [
        ({"b": 2, "a": "again", "c": None}, None, True),
        ({"seq": [1, 2]}, None, False),
        ({"b": 2, "c": 3}, 3, False),  # would reach the limit of 3 attributes: the oldest is dropped
        ({"b": 2}, 3, True),
        ({"": 1}, None, False),
    ],
    ids=["plain", "a sequence", "over the limit", "within the limit", "an empty key"],
)
def test_written_attributes_are_the_sdks(
    monkeypatch: pytest.MonkeyPatch, written: dict[str, Any], limit: int | None, own: bool
) -> None:
    limits = SpanLimits(max_span_attributes=limit) if limit else SpanLimits()
    tracer, _, _ = _tracer(span_limits=limits)
    shortcuts = span_shortcuts(tracer)
    assert shortcuts is not None
    reference = tracer.start_span("s", attributes={"a": 1, "x": "y"})
    light = shortcuts.start("s", attributes={"a": 1, "x": "y"})
    reference.set_attributes(written)
    calls: list[Any] = []
    sdk_set = _Span.set_attributes

    def counted(span: Any, attributes: Any) -> None:
        calls.append(attributes)
        sdk_set(span, attributes)

    monkeypatch.setattr(_Span, "set_attributes", counted)
    shortcuts.set_attributes(light, written)
    assert bool(calls) is not own
    assert _fields(light)["_attributes"] == _fields(reference)["_attributes"]


def test_an_ended_span_is_left_to_the_sdk(caplog: pytest.LogCaptureFixture) -> None:
    tracer, exporter, _ = _tracer()
    shortcuts = span_shortcuts(tracer)
    assert shortcuts is not None
    span = shortcuts.start("once")
    shortcuts.end(span)
    ended = span.end_time
    with caplog.at_level("WARNING", logger="opentelemetry.sdk.trace"):
        shortcuts.set_attributes(span, {"late": 1})
        shortcuts.end(span)
    assert [r.getMessage() for r in caplog.records] == [
        "Setting attribute on ended span.",
        "Calling end() on an ended span.",
    ]
    assert span.end_time == ended
    assert [dict(s.attributes or {}) for s in exporter.get_finished_spans()] == [{}]


def test_spans_of_other_kinds_end_and_take_attributes_their_own_way() -> None:
    tracer, _, _ = _tracer()
    shortcuts = span_shortcuts(tracer)
    assert shortcuts is not None
    span = trace.NonRecordingSpan(_REMOTE)
    shortcuts.set_attributes(span, {"a": 1})
    shortcuts.end(span)
    assert not span.is_recording()


def test_ids_come_from_the_tracers_id_generator_as_patched(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(RandomIdGenerator, "generate_trace_id", lambda self: 0x1234)
    monkeypatch.setattr(RandomIdGenerator, "generate_span_id", lambda self: 0x5678)
    tracer, _, _ = _tracer()
    shortcuts = span_shortcuts(tracer)
    assert shortcuts is not None
    reference = tracer.start_span("fixed")
    light = shortcuts.start("fixed")
    assert light.get_span_context() == reference.get_span_context()
    assert (light.get_span_context().trace_id, light.get_span_context().span_id) == (0x1234, 0x5678)
