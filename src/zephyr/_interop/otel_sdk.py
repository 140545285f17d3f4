"""Lighter ways to start, write and end the SDK tracer's spans, in OpenTelemetry's default configuration (issue 11).

``Tracer.start_span`` of the SDK asks the sampler (``ParentBased(ALWAYS_ON)`` by default: three calls and a
``SamplingResult`` per span), builds the span with keyword arguments through two ``__init__`` methods, and copies
the attributes through ``BoundedAttributes``, which cleans every value with a recursive, ``isinstance``-based walk
(about half of a traced request's cost in Zephyr's benchmarks). :class:`SpanShortcuts` makes the same span for the
configuration whose outcome is known without asking:

- the installed ``opentelemetry-sdk`` is a version this module was compared with (``SUPPORTED_SDK_VERSIONS``);
- the tracer is the SDK's own ``Tracer``, enabled, with the default sampler (``ParentBased`` over ``ALWAYS_ON``
  and ``ALWAYS_OFF`` in the default positions) and the default ``RandomIdGenerator``;
- the parent is absent, invalid or sampled (a parent that is not sampled means a non-recording span: the SDK's
  own path makes it);
- the attributes are a plain ``dict`` of non-empty ``str`` keys and ``str``/``int``/``float``/``bool``/``bytes``/
  ``None`` values, within the span limits (anything else is copied by ``BoundedAttributes`` itself).

The span is a ``_Span`` with the same instance attributes, in the same order, holding equal values: same name,
kind, parent, resource, scope, limits, processor, status, sampler; a ``SpanContext`` with trace and span ids drawn
from the tracer's id generator in the same order, the same trace flags and trace state. The tracer's internal
metrics are asked as the SDK asks them, and the processors' ``on_start`` is called with the span and the context,
as ``Span.start`` does. Everything else (the tracer's configuration changed since, another version, a custom
sampler or id generator) goes through ``Tracer.start_span`` unchanged.

``SpanShortcuts.set_attributes`` writes plain attributes on an open ``_Span`` as ``BoundedAttributes`` does (each
key re-inserted at the end, under the span's and the attributes' locks) when no limit can be reached, and
``SpanShortcuts.end`` ends one as ``_Span.end`` does, handing the processors a ``ReadableSpan`` with the same
attributes in the same order; any other span, or state, is left to the span's own methods.
``tests/_interop/test_otel_sdk.py`` exports spans both ways and compares every field but ids and timestamps.
"""

from __future__ import annotations

import inspect
import sys
import threading
from collections import deque
from collections.abc import Mapping
from time import time_ns
from typing import Any

__all__ = (
    "SUPPORTED_SDK_VERSIONS",
    "SpanShortcuts",
    "end_span",
    "plain_attributes",
    "set_span_attributes",
    "span_shortcuts",
)

SUPPORTED_SDK_VERSIONS = frozenset({"1.45.2"})
"""Versions of ``opentelemetry-sdk`` whose ``Tracer.start_span`` and ``_Span`` this module was compared with."""

_PLAIN_VALUES = frozenset({str, int, float, bool, bytes, type(None)})
"""Attribute value types ``BoundedAttributes`` stores as they are (without a length limit)."""


def span_shortcuts(tracer: Any) -> SpanShortcuts | None:
    """A :class:`SpanShortcuts` for ``tracer``, or ``None`` when its configuration is not the one it covers."""
    sdk = sys.modules.get("opentelemetry.sdk.trace")
    if sdk is None or type(tracer) is not getattr(sdk, "Tracer", None):
        return None
    from opentelemetry.sdk import version

    if getattr(version, "__version__", None) not in SUPPORTED_SDK_VERSIONS:
        return None
    from opentelemetry.sdk.trace import id_generator

    if type(tracer.id_generator) is not id_generator.RandomIdGenerator or not _default_sampler(tracer.sampler):
        return None
    return SpanShortcuts(tracer)


def end_span(span: Any) -> None:
    """``span.end()``: what stands in for ``SpanShortcuts.end`` when there are none."""
    span.end()


def set_span_attributes(span: Any, attributes: Mapping[str, Any]) -> None:
    """``span.set_attributes(attributes)``: what stands in for ``SpanShortcuts.set_attributes`` when there are none."""
    span.set_attributes(attributes)


def _default_sampler(sampler: Any) -> bool:
    """Whether ``sampler`` decides as ``ParentBased(ALWAYS_ON)``: sampled unless the parent is valid and not sampled."""
    from opentelemetry.sdk.trace import sampling

    if type(sampler) not in (sampling.ParentBased, sampling._ParentBasedAlwaysOn):
        return False
    on, off = sampling.ALWAYS_ON, sampling.ALWAYS_OFF
    delegates = (
        sampler._root,
        sampler._remote_parent_sampled,
        sampler._remote_parent_not_sampled,
        sampler._local_parent_sampled,
        sampler._local_parent_not_sampled,
    )
    return (
        type(on) is sampling.StaticSampler
        and on._decision is sampling.Decision.RECORD_AND_SAMPLE
        and all(a is b for a, b in zip(delegates, (on, on, off, on, off), strict=True))
    )


class SpanShortcuts:
    """``start_span``, ``set_attributes`` and ``end`` of the SDK's spans, for the SDK tracer's default configuration.

    Each falls back to the SDK's own method for anything it does not cover (see the module).
    """

    __slots__ = (
        "_attributes_type",
        "_get_current_span",
        "_internal",
        "_limits",
        "_list",
        "_lock",
        "_readable_type",
        "_record_and_sample",
        "_sampled",
        "_sampled_random",
        "_sampler",
        "_span_context",
        "_span_type",
        "_unset",
        "ids",
        "tracer",
    )

    def __init__(self, tracer: Any) -> None:
        from opentelemetry import trace
        from opentelemetry.attributes import BoundedAttributes
        from opentelemetry.sdk.trace import ReadableSpan, _Span, sampling
        from opentelemetry.sdk.util import BoundedList

        self.tracer = tracer
        self.ids = tracer.id_generator
        self._sampler = tracer.sampler
        self._limits = tracer._span_limits
        self._span_type: Any = _Span
        self._readable_type = ReadableSpan
        self._attributes_type = BoundedAttributes
        self._list = BoundedList
        self._lock = threading.Lock
        self._span_context = trace.SpanContext
        self._get_current_span = trace.get_current_span
        self._internal = trace.SpanKind.INTERNAL
        flags = trace.TraceFlags
        self._sampled = flags(flags.SAMPLED)
        self._sampled_random = flags(flags.SAMPLED | flags.RANDOM_TRACE_ID)
        self._record_and_sample = sampling.Decision.RECORD_AND_SAMPLE
        # ``ReadableSpan``'s default status: one object shared by every span the SDK starts.
        self._unset = inspect.signature(ReadableSpan.__init__).parameters["status"].default

    def start(
        self,
        name: str,
        context: Any = None,
        kind: Any = None,
        attributes: Mapping[str, Any] | None = None,
        start_time: int | None = None,
    ) -> Any:
        """The span ``tracer.start_span(name, context, kind, attributes, start_time=start_time)`` would start.

        ``kind`` ``None`` means ``SpanKind.INTERNAL``, the SDK's default.
        """
        tracer = self.tracer
        limits = self._limits
        if kind is None:
            kind = self._internal
        if (
            tracer.sampler is not self._sampler
            or tracer.id_generator is not self.ids
            or tracer._span_limits is not limits
            or not tracer._tracer_config.is_enabled
        ):
            return tracer.start_span(name, context, kind, attributes, start_time=start_time)
        stored = (
            plain_attributes(attributes, limits.max_span_attributes)
            if limits.max_span_attribute_length is None
            else None
        )
        parent: Any = self._get_current_span(context).get_span_context()
        if stored is None or type(parent) is not self._span_context:
            return tracer.start_span(name, context, kind, attributes, start_time=start_time)
        if parent.is_valid:
            parent_flags = parent.trace_flags
            if not parent_flags & 1:  # not sampled: ALWAYS_OFF answers, and the SDK makes a non-recording span
                return tracer.start_span(name, context, kind, attributes, start_time=start_time)
            trace_id = parent.trace_id
            flags = self._sampled_random if parent_flags & 2 else self._sampled
            trace_state = parent.trace_state
        else:
            parent = None
            # The generator's own methods, called as the SDK calls them (a test may patch them).
            trace_id = self.ids.generate_trace_id()
            flags = self._sampled_random if self.ids.is_trace_id_random() else self._sampled
            trace_state = None
        span_id = self.ids.generate_span_id()
        span_context = self._span_context(
            trace_id, span_id, is_remote=False, trace_flags=flags, trace_state=trace_state
        )
        record_end_metrics = tracer._tracer_metrics.start_span(parent, self._record_and_sample)
        bounded = object.__new__(self._attributes_type)
        bounded._dict = stored
        bounded.maxlen = limits.max_span_attributes
        bounded.dropped = 0
        bounded.max_value_len = None
        bounded._lock = self._lock()
        bounded._immutable = False
        span = object.__new__(self._span_type)
        processor = tracer.span_processor
        # ``ReadableSpan.__init__`` then ``_Span.__init__``: the same attributes, in the same order.
        span._name = name
        span._context = span_context
        span._kind = kind
        span._instrumentation_info = tracer.instrumentation_info
        span._instrumentation_scope = tracer._instrumentation_scope
        span._parent = parent
        span._start_time = start_time if start_time is not None else time_ns()  # ``Span.start``
        span._end_time = None
        span._attributes = bounded
        span._events = self._bounded_list(limits.max_events)
        span._links = self._bounded_list(limits.max_links)
        span._resource = tracer.resource
        span._status = self._unset
        span._sampler = self._sampler
        span._trace_config = None
        span._record_exception = True
        span._set_status_on_exception = True
        span._span_processor = processor
        span._limits = limits
        span._lock = self._lock()
        span._record_end_metrics = record_end_metrics
        processor.on_start(span, parent_context=context)
        return span

    def _bounded_list(self, maxlen: int | None) -> Any:
        """``BoundedList(maxlen)``: its three attributes, in its order."""
        bounded: Any = object.__new__(self._list)
        bounded.dropped = 0
        bounded._dq = deque(maxlen=maxlen)
        bounded._lock = self._lock()
        return bounded

    def set_attributes(self, span: Any, attributes: Mapping[str, Any]) -> None:
        """``span.set_attributes(attributes)``: each key re-inserted at the end, as ``BoundedAttributes`` does.

        Taken when ``span`` is the SDK's ``_Span``, still open, the values plain and the limits out of reach;
        anything else is the span's own method. (Attributes are read one by one, never through ``vars()``:
        that would give the objects a dictionary of their own, which the SDK's never have.)
        """
        if type(span) is self._span_type:
            bounded = span._attributes
            if type(bounded) is self._attributes_type:
                stored = bounded._dict
                maxlen = bounded.maxlen
                if (
                    bounded.max_value_len is None
                    and (maxlen is None or len(stored) + len(attributes) <= maxlen)
                    and plain_attributes(attributes, None) is not None
                ):
                    with span._lock:
                        if span._end_time is None and not bounded._immutable:
                            with bounded._lock:
                                for key, value in attributes.items():
                                    if key in stored:
                                        del stored[key]
                                    stored[key] = value
                            return
        span.set_attributes(attributes)

    def end(self, span: Any, end_time: int | None = None) -> None:
        """``span.end(end_time)``: the processors are handed the same ``ReadableSpan``, built without keywords."""
        if type(span) is not self._span_type:
            span.end(end_time)
            return
        with span._lock:
            if span._start_time is None or span._end_time is not None:
                ending = False  # not started, or ended: the span's own method raises or warns
            else:
                ending = True
                span._end_time = end_time if end_time is not None else time_ns()
                span._attributes._immutable = True
        if not ending:
            span.end(end_time)
            return
        span._record_end_metrics()
        processor = span._span_processor
        processor._on_ending(span)
        readable = object.__new__(self._readable_type)
        # ``_Span._readable_span``: ``ReadableSpan.__init__``'s attributes, in its order.
        readable._name = span._name
        readable._context = span._context
        readable._kind = span._kind
        readable._instrumentation_info = span._instrumentation_info
        readable._instrumentation_scope = span._instrumentation_scope
        readable._parent = span._parent
        readable._start_time = span._start_time
        readable._end_time = span._end_time
        readable._attributes = span._attributes
        readable._events = span._events
        readable._links = span._links
        readable._resource = span._resource
        readable._status = span._status
        processor.on_end(readable)


def plain_attributes(attributes: Mapping[str, Any] | None, maxlen: int | None) -> dict[str, Any] | None:
    """A copy of ``attributes`` as the SDK would store them, or ``None`` if it might store (clean) them otherwise.

    Plain means a ``dict`` of non-empty ``str`` keys and ``str``/``int``/``float``/``bool``/``bytes``/``None`` values,
    at most ``maxlen`` of them: what ``BoundedAttributes`` and the metric instruments keep as they are.
    """
    if not attributes:
        return {}
    if type(attributes) is not dict or (maxlen is not None and len(attributes) > maxlen):
        return None
    plain = _PLAIN_VALUES
    for key, value in attributes.items():
        if type(key) is not str or not key or type(value) not in plain:
            return None
    return dict(attributes)
