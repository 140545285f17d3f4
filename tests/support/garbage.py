"""Counting what requests leave for the garbage collector (reference cycles)."""

from __future__ import annotations

import gc
from collections.abc import Callable

from tests.support.timing import no_collections

__all__ = ("garbage_after",)


def garbage_after(serve: Callable[[], object], requests: int, warm_up: int = 3) -> int:
    """How many objects the collector frees after ``requests`` calls of ``serve``, with the collector held off.

    ``warm_up`` calls come first (routes compiled, memos filled) and are not counted. A reference cycle per request
    shows as several objects per request; a count under ``requests`` means none.
    """
    with no_collections():
        for _ in range(warm_up):
            serve()
        gc.collect()
        for _ in range(requests):
            serve()
        return gc.collect()
