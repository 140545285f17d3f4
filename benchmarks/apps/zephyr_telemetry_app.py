"""The Zephyr benchmark app with native OpenTelemetry (``zephyr.telemetry``), set up as for FastAPI."""

from benchmarks.apps._otel import global_providers

global_providers()

from benchmarks.apps.zephyr_app import app  # noqa: E402

__all__ = ("app",)
