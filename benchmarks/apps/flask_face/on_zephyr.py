"""The Flask-face benchmark app on ``zephyr.flask`` (served by uvicorn, one worker)."""

import zephyr.flask
from benchmarks.apps.flask_face import build

__all__ = ("app",)

app = build(zephyr.flask)
