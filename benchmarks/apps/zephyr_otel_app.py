"""The Zephyr benchmark app, instrumented with OpenTelemetry exactly as the FastAPI one (``_otel.py``)."""

import zephyr

zephyr.install_as_fastapi()  # the instrumentor imports fastapi: with the switch, Zephyr answers those imports

from benchmarks.apps._otel import instrument  # noqa: E402
from benchmarks.apps.zephyr_app import app  # noqa: E402

__all__ = ("app",)

instrument(app)
