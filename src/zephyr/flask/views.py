"""Flask's class-based views, for ``from zephyr.flask.views import MethodView`` in place of ``flask.views``."""

from __future__ import annotations

from flask.views import MethodView as MethodView
from flask.views import View as View

__all__ = ("MethodView", "View")
