"""A lighter way to record a measurement on the SDK's synchronous instruments (issue 11).

``Histogram.record`` and ``Counter.add``/``UpDownCounter.add`` of the SDK build a ``Measurement``, a frozen dataclass
whose ``__post_init__`` copies the attributes through ``_clean_attribute_value`` (a recursive, ``isinstance``-based
walk of every key and value), then ask the provider's exemplar filter and hand the measurement to each metric
reader's storage. For the HTTP server metrics (three measurements per request, with the same small dictionaries of
strings and integers) the cleaning is about half of the cost, and with no metric reader at all (a ``MeterProvider()``
nobody reads) the whole call records nothing. :class:`MeasurementShortcut` does the same thing for the case whose
outcome is known without the walk:

- the installed ``opentelemetry-sdk`` is a version this module was compared with (``SUPPORTED_SDK_VERSIONS``);
- the instrument is one of the SDK's own counters, up-down counters or histograms (the ``_Counter``,
  ``_UpDownCounter`` and ``_Histogram`` its meters make), enabled, recording to the SDK's
  ``SynchronousMeasurementConsumer``;
- the amount is a finite ``int`` or ``float`` (and not negative, but for an ``UpDownCounter``): the SDK would warn;
- the attributes are a plain ``dict`` of non-empty ``str`` keys and ``str``/``int``/``float``/``bool``/``bytes``/
  ``None`` values, which the cleaning copies as they are (anything else goes through the SDK's own method).

The measurement is then the ``Measurement`` the SDK makes (the same fields, in the same order, holding the time
taken at the call, the current context and a copy of the attributes), the provider's own exemplar filter is asked
as the SDK asks it, and each reader's storage consumes it. Where a view keeps every attribute, aggregates
cumulatively and already has an aggregation for this attribute set, that aggregation (found by the key the SDK's
``_hash_attributes`` gives, computed without its generic walk) aggregates the measurement directly, as
``_ViewInstrumentMatch.consume_measurement`` would after its own copy and walk; a first attribute set, an attribute
filter, delta temporality or the cardinality overflow go through the SDK's storage or view code. Aggregations,
cardinality limits, views and exemplar reservoirs are the SDK's own objects, untouched.

With no reader and one of the SDK's three exemplar filters (which only read the context), nothing would be kept,
and nothing is done. The configuration is read at each call, so a reader added later, or the meter disabled, is
followed. ``tests/_interop/test_otel_metrics.py`` collects the metrics both ways through the SDK's
``InMemoryMetricReader`` and compares every field but timestamps, and what each aggregation was handed.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from time import time_ns
from typing import Any

from zephyr._interop.otel_sdk import plain_attributes

__all__ = ("MeasurementShortcut", "SUPPORTED_SDK_VERSIONS", "measurement_recorder")

SUPPORTED_SDK_VERSIONS = frozenset({"1.45.2"})
"""Versions of ``opentelemetry-sdk`` whose instruments, ``Measurement`` and measurement consumer this was compared
with."""

_AMOUNTS = frozenset({int, float})


def measurement_recorder(instrument: Any) -> Callable[[float, dict[str, Any]], None]:
    """What records ``amount`` with ``attributes`` on ``instrument``: a :class:`MeasurementShortcut` or its own method.

    The method is ``record`` for a histogram and ``add`` for the counters; the shortcut is used for the SDK's own
    instruments, in a version this module knows (see the module).
    """
    method: Callable[[float, dict[str, Any]], None] = getattr(
        instrument, "record" if hasattr(instrument, "record") else "add"
    )
    sdk = sys.modules.get("opentelemetry.sdk.metrics._internal.instrument")
    if sdk is None:
        return method
    kind = type(instrument)
    if kind not in (sdk._Counter, sdk._UpDownCounter, sdk._Histogram):
        return method
    from opentelemetry.sdk import version

    if getattr(version, "__version__", None) not in SUPPORTED_SDK_VERSIONS:
        return method
    from opentelemetry.sdk.metrics._internal.measurement_consumer import SynchronousMeasurementConsumer

    if type(instrument._measurement_consumer) is not SynchronousMeasurementConsumer:
        return method
    return MeasurementShortcut(instrument, method, negative=kind is sdk._UpDownCounter)


class MeasurementShortcut:
    """``instrument.add(amount, attributes)`` or ``instrument.record(amount, attributes)``, without re-cleaning.

    Falls back to the instrument's own method for anything it does not cover (see the module).
    """

    __slots__ = ("_consumer", "_filters", "_get_current", "_measurement", "fallback", "instrument", "negative")

    def __init__(self, instrument: Any, fallback: Callable[[float, dict[str, Any]], None], *, negative: bool) -> None:
        from opentelemetry.context import get_current
        from opentelemetry.sdk.metrics import AlwaysOffExemplarFilter, AlwaysOnExemplarFilter, TraceBasedExemplarFilter
        from opentelemetry.sdk.metrics._internal.measurement import Measurement

        self.instrument = instrument
        self.fallback = fallback
        """The instrument's own ``add`` or ``record``."""
        self.negative = negative
        """Whether negative amounts are recorded (an ``UpDownCounter``'s) rather than refused with a warning."""
        self._consumer = instrument._measurement_consumer
        self._measurement: Any = Measurement
        self._get_current = get_current
        self._filters = frozenset({AlwaysOffExemplarFilter, AlwaysOnExemplarFilter, TraceBasedExemplarFilter})

    def __call__(self, amount: float, attributes: dict[str, Any]) -> None:
        """Record ``amount`` with ``attributes`` (in the current context), as the instrument's method does."""
        instrument = self.instrument
        consumer = self._consumer
        config = instrument._meter_config
        if (
            instrument._measurement_consumer is not consumer
            or (config is not None and not config.is_enabled)
            or type(amount) not in _AMOUNTS
            or not math.isfinite(amount)
            or (amount < 0 and not self.negative)
            or not attributes
            or (cleaned := plain_attributes(attributes, None)) is None
        ):
            self.fallback(amount, attributes)
            return
        exemplars = consumer._sdk_config.exemplar_filter
        storages = consumer._reader_storages
        if not storages and type(exemplars) in self._filters:
            return  # no reader: the SDK's filter reads the context and nothing keeps the measurement
        time_unix_nano = time_ns()
        context = self._get_current()
        # ``Measurement(amount, time_unix_nano, instrument, context, attributes)`` with the attributes as its
        # ``__post_init__`` leaves plain ones: copied into a new dictionary, in their order.
        measurement = object.__new__(self._measurement)
        put = object.__setattr__
        put(measurement, "value", amount)
        put(measurement, "time_unix_nano", time_unix_nano)
        put(measurement, "instrument", instrument)
        put(measurement, "context", context)
        put(measurement, "attributes", cleaned)
        sample = exemplars.should_sample(amount, time_unix_nano, cleaned, context)
        key: Any = None
        for storage in storages.values():
            matches = storage._instrument_view_instrument_matches.get(instrument)
            if matches is None:  # the instrument's first measurement for this reader: the SDK finds its views
                storage.consume_measurement(measurement, sample)
                continue
            for match in matches:
                # ``_ViewInstrumentMatch.consume_measurement`` for the common case (no attribute filter, cumulative
                # aggregations that are never dropped, the attribute set seen before): the aggregation it would
                # find, found by the same key; anything else (a first attribute set, overflow) is the SDK's own.
                if match._view._attribute_keys is None and not match._reset_on_collect:
                    if key is None:
                        key = _attributes_key(cleaned)
                    aggregation = match._attributes_aggregation.get(key)
                    if aggregation is not None:
                        aggregation.aggregate(measurement, sample)
                        continue
                match.consume_measurement(measurement, sample)


def _attributes_key(attributes: dict[str, Any]) -> tuple[str, tuple[tuple[str, tuple[str, Any]], ...]]:
    """``_hash_attributes(attributes)`` of the SDK, for plain attributes: the key its aggregations are found by.

    ``("mapping", ((key, (type name, value)), ...))`` with the keys sorted (they are all ``str``); the type name
    keeps ``True``, ``1`` and ``1.0`` apart.
    """
    return ("mapping", tuple([(k, (type(v).__name__, v)) for k, v in sorted(attributes.items())]))
