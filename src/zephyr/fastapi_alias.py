"""A pytest plugin that serves every ``import fastapi`` with Zephyr, to run a FastAPI app's own tests on Zephyr.

Load it by name so that it runs before any test module or ``conftest.py`` is imported::

    python -m pytest -p zephyr.fastapi_alias tests/

Loading it calls :func:`zephyr.install_as_fastapi`: from then on ``fastapi`` and every ``fastapi.*`` module is the
``zephyr`` module of the same name, even when FastAPI is installed or its source tree is the current directory.
Starlette is untouched: tests that import ``starlette`` directly get the real one, and Zephyr accepts Starlette's
requests, responses and middleware where FastAPI does. ``scripts/fastapi-suite`` runs FastAPI's own test suite
this way and prints the pass rate.
"""

from __future__ import annotations

from zephyr._interop.switch import install_as_fastapi

__all__ = ("pytest_report_header",)

install_as_fastapi()


def pytest_report_header() -> str:
    """The first lines of the run say which framework answers ``import fastapi``."""
    return "fastapi: served by zephyr (zephyr.fastapi_alias)"
