"""Where a warning should point: the first frame outside Zephyr (the user's decorator, include or frontend line)."""

from __future__ import annotations

import sys

__all__ = ("user_stacklevel",)


def user_stacklevel() -> int:
    """The ``stacklevel`` for ``warnings.warn`` that names the first frame outside Zephyr, seen from the caller."""
    frame = sys._getframe(1)
    level = 1
    while frame is not None and frame.f_globals.get("__name__", "").startswith("zephyr."):
        frame = frame.f_back  # type: ignore[assignment]
        level += 1
    return level
