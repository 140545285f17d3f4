"""The Flask-face benchmark app on Flask itself (served by gunicorn, one sync worker)."""

import flask

from benchmarks.apps.flask_face import build

__all__ = ("app",)

app = build(flask)
