"""Serve every ``import flask`` with ``zephyr.flask``, to run a Flask app's own test suite on Zephyr unchanged.

Load it before the app is imported, for instance as a pytest plugin::

    python -m pytest -p zephyr.flask.alias tests/

From then on ``from flask import Flask, request`` gives ``zephyr.flask``'s (``zephyr.flask.Flask``, Flask's own
``request``...). Flask's submodules (``flask.views``, ``flask.json``, ``flask.testing``, ``flask.cli``...) stay the
real ones, and Werkzeug is untouched. This is how Flask's own example apps are checked against ``zephyr.flask``.
"""

from __future__ import annotations

import importlib
import sys

import zephyr.flask

__all__ = ("install",)

_SUBMODULES = (
    "cli",
    "ctx",
    "globals",
    "helpers",
    "json",
    "sessions",
    "signals",
    "templating",
    "testing",
    "views",
    "wrappers",
)


def install() -> None:
    """Make ``sys.modules["flask"]`` be ``zephyr.flask`` (idempotent)."""
    if sys.modules.get("flask") is zephyr.flask:
        return
    for name in _SUBMODULES:  # imported while "flask" is still Flask, so they stay reachable as flask.<name>
        importlib.import_module(f"flask.{name}")
    for name in zephyr.flask.__all__:
        getattr(zephyr.flask, name)
    sys.modules["flask"] = zephyr.flask


install()
