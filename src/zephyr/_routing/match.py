"""How well a route fits a request: the three answers Starlette's ``Match`` gives, with the same values.

Libraries written for Starlette (OpenTelemetry's and Prometheus' instrumentations, Sentry) call
``route.matches(scope)`` and compare the first item with ``Match.FULL``; the values are Starlette's so that
their comparisons hold either way.
"""

from __future__ import annotations

from enum import IntEnum

__all__ = ("FULL", "Match", "NONE", "PARTIAL")


class Match(IntEnum):
    """The answer of ``route.accepts(scope)`` / ``route.matches(scope)``."""

    NONE = 0
    """The route does not serve this path."""
    PARTIAL = 1
    """The path fits but the method does not (a 405 candidate)."""
    FULL = 2
    """The route serves this request."""


NONE, PARTIAL, FULL = Match.NONE, Match.PARTIAL, Match.FULL
"""The members as module constants: the router compares with ``is`` against a global, not an attribute lookup."""
