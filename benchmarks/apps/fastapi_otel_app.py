"""The FastAPI benchmark app, instrumented with OpenTelemetry (``_otel.py``)."""

from benchmarks.apps._otel import instrument
from benchmarks.apps.fastapi_app import app

__all__ = ("app",)

instrument(app)
