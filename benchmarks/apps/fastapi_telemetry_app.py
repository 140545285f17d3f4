"""The FastAPI benchmark app with native OpenTelemetry (FastAPI >= 0.163 traces once global providers are set)."""

from benchmarks.apps._otel import global_providers

global_providers()

from benchmarks.apps.fastapi_app import app  # noqa: E402

__all__ = ("app",)
