"""The factory app built on both faces, for ``zephyr flask --app``."""

from __future__ import annotations

import flask

import zephyr.flask
from tests.flask.apps import factory

__all__ = ("app", "legacy")

app = factory.build(zephyr.flask)
legacy = factory.build(flask)
