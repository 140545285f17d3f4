"""OpenTelemetry as production apps set it up: an SDK tracer provider, batched export, the FastAPI instrumentor.

The exporter drops the spans (the benchmark measures the server, not a collector), but every span is created,
attributed, ended and handed to the batch processor as it would be for a real exporter.
"""

from typing import Any

from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult

__all__ = ("global_providers", "instrument")


class _DropExporter(SpanExporter):
    def export(self, spans: Any) -> SpanExportResult:
        return SpanExportResult.SUCCESS


def instrument(app: Any) -> Any:
    """Instrument ``app`` with OpenTelemetry (server spans, send/receive spans and metrics, as by default)."""
    provider = TracerProvider()
    provider.add_span_processor(BatchSpanProcessor(_DropExporter()))
    FastAPIInstrumentor.instrument_app(app, tracer_provider=provider)
    return app


def global_providers() -> None:
    """Set the global tracer and meter providers: FastAPI >= 0.163 and Zephyr then trace natively (``telemetry=``)."""
    from opentelemetry import metrics, trace
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import MetricExporter, MetricExportResult, PeriodicExportingMetricReader

    class _DropMetrics(MetricExporter):
        def export(self, metrics_data: Any, timeout_millis: float = 10_000, **kwargs: Any) -> MetricExportResult:
            return MetricExportResult.SUCCESS

        def force_flush(self, timeout_millis: float = 10_000) -> bool:
            return True

        def shutdown(self, timeout_millis: float = 30_000, **kwargs: Any) -> None:
            return None

    provider = TracerProvider()
    provider.add_span_processor(BatchSpanProcessor(_DropExporter()))
    trace.set_tracer_provider(provider)
    # with a reader, as a production app has one: every metric point is aggregated (a provider without one drops them)
    reader = PeriodicExportingMetricReader(_DropMetrics(), export_interval_millis=5_000)
    metrics.set_meter_provider(MeterProvider(metric_readers=[reader]))
