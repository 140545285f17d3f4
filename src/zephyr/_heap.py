"""The start-up heap, frozen once a server starts serving: full garbage collections then skip it.

CPython's full collection walks every tracked object. Under load, objects of requests in flight survive the young
collections, and every so often a full one runs: over a started app's heap (tens of thousands of objects made by
imports, models and the route table) it stalls every request for 10-30 ms, which is most of a loaded server's p99.
``gc.freeze()`` moves what exists once start-up is over to the permanent generation (what CPython's documentation
recommends before forking workers), so full collections only walk what was made since. Those objects are still freed
by reference counting; only a cycle among them is never collected, which for what start-up made is by design.

Zephyr's servers call :func:`freeze_startup_heap` once the app has started: its HTTP protocol for uvicorn on the
first connection, its RSGI adapter after the lifespan start-up. ``ZEPHYR_GC_FREEZE=0`` turns it off.
"""

from __future__ import annotations

import gc
import os

__all__ = ("freeze_startup_heap",)

_frozen = False


def freeze_startup_heap() -> bool:
    """Collect once, then freeze what is left (once per process); whether it froze now."""
    global _frozen  # noqa: PLW0603 - once per process, by design
    if _frozen or os.environ.get("ZEPHYR_GC_FREEZE", "1") == "0":
        return False
    _frozen = True
    gc.collect()
    gc.freeze()
    return True
