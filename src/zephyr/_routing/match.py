"""How well a route fits a request: the three answers Starlette's ``Match`` gives, with the same values.

Libraries written for Starlette (OpenTelemetry's and Prometheus' instrumentations, Sentry) call
``route.matches(scope)`` and compare the first item with their own ``starlette.routing.Match.FULL``. Starlette's
``Match`` is a plain ``Enum``, which equals only itself; ours compares equal to any enum member of the same value
(and to the bare int), so ``route.matches(scope)[0] == starlette.routing.Match.FULL`` holds.
"""

from __future__ import annotations

from enum import Enum, IntEnum
from typing import Any

__all__ = ("FULL", "Match", "NONE", "PARTIAL")


class Match(IntEnum):
    """The answer of ``route.accepts(scope)`` / ``route.matches(scope)``."""

    NONE = 0
    """The route does not serve this path."""
    PARTIAL = 1
    """The path fits but the method does not (a 405 candidate)."""
    FULL = 2
    """The route serves this request."""

    def __eq__(self, other: Any) -> bool:
        # Instrumentations compare every route's answer with Starlette's member: read its value straight from the
        # member (``_value_``), without the enum machinery's ``isinstance`` checks and ``value`` descriptor.
        if other.__class__ is int or isinstance(other, int):
            return int.__eq__(self, other) is True
        if isinstance(other, Enum):
            return self._value_ == other._value_  # type: ignore[no-any-return]
        return False

    def __ne__(self, other: Any) -> bool:
        return not self == other

    __hash__ = IntEnum.__hash__


NONE, PARTIAL, FULL = Match.NONE, Match.PARTIAL, Match.FULL
"""The members as module constants: the router compares with ``is`` against a global, not an attribute lookup."""
