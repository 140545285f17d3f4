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

    provider = TracerProvider()
    provider.add_span_processor(BatchSpanProcessor(_DropExporter()))
    trace.set_tracer_provider(provider)
    metrics.set_meter_provider(MeterProvider())
