"""Rates such as ``"100/minute"``: parsing and the :class:`Rate` value.

Accepted forms: ``"<count>/<unit>"``, ``"<count>/<n> <unit>"`` and ``"<count> per <n> <unit>"`` where the unit is
``second``, ``minute``, ``hour`` or ``day`` (singular, plural, or ``s``/``sec``/``m``/``min``/``h``/``hr``/``d``).
Examples: ``"5/second"``, ``"100/minute"``, ``"10/5 seconds"``, ``"1000 per hour"``.
"""

from __future__ import annotations

import re
from typing import NamedTuple

__all__ = ("Rate", "parse_rate")

_UNITS = {
    "s": 1.0,
    "sec": 1.0,
    "secs": 1.0,
    "second": 1.0,
    "seconds": 1.0,
    "m": 60.0,
    "min": 60.0,
    "mins": 60.0,
    "minute": 60.0,
    "minutes": 60.0,
    "h": 3600.0,
    "hr": 3600.0,
    "hrs": 3600.0,
    "hour": 3600.0,
    "hours": 3600.0,
    "d": 86400.0,
    "day": 86400.0,
    "days": 86400.0,
}
_PATTERN = re.compile(r"^\s*(\d+)\s*(?:/|per)\s*(\d+(?:\.\d+)?)?\s*([a-z]+)\s*$", re.IGNORECASE)
_NAMES = {1.0: "second", 60.0: "minute", 3600.0: "hour", 86400.0: "day"}


class Rate(NamedTuple):
    """``limit`` requests per ``period`` seconds."""

    limit: int
    """How many requests are allowed per period."""
    period: float
    """The period, in seconds."""

    def __str__(self) -> str:
        name = _NAMES.get(self.period)
        if name is not None:
            return f"{self.limit}/{name}"
        return f"{self.limit}/{self.period:g} seconds"


def parse_rate(rate: str | Rate | tuple[int, float]) -> Rate:
    """Turn ``"100/minute"`` (or a :class:`Rate`, or a ``(limit, seconds)`` tuple) into a :class:`Rate`.

    Args:
        rate: The rate to parse.

    Returns:
        The parsed rate.

    Raises:
        ValueError: The text does not follow the accepted forms, or the limit or period is not positive.
    """
    if isinstance(rate, tuple):
        limit, period = int(rate[0]), float(rate[1])
    elif isinstance(rate, str):
        match = _PATTERN.match(rate)
        unit = _UNITS.get(match.group(3).lower()) if match else None
        if match is None or unit is None:
            raise ValueError(
                f"Invalid rate {rate!r}: write it as '<count>/<unit>' or '<count>/<n> <unit>' with a unit of "
                "second, minute, hour or day, for example '100/minute' or '10/5 seconds'"
            )
        limit = int(match.group(1))
        period = float(match.group(2) or 1) * unit
    else:
        raise TypeError(f"A rate must be a string such as '100/minute' or a (limit, seconds) tuple, got {rate!r}")
    if limit < 1 or period <= 0:
        raise ValueError(f"Invalid rate {rate!r}: the limit must be at least 1 and the period positive")
    return Rate(limit, period)
