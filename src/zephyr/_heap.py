"""The start-up heap, frozen once a server starts serving: full garbage collections then skip it.

CPython's full collection walks every tracked object. Under load, objects of requests in flight survive the young
collections, and every so often a full one runs: over a started app's heap (tens of thousands of objects made by
imports, models and the route table) it stalls every request for 10-30 ms, which is most of a loaded server's p99.
``gc.freeze()`` moves what exists once start-up is over to the permanent generation (what CPython's documentation
recommends before forking workers), so full collections only walk what was made since. Those objects are still freed
by reference counting; only a cycle among them is never collected, which for what start-up made is by design.

It is called once the app has started: when a ``Zephyr`` app's lifespan start-up completes under any server (not
under the test client, whose processes build app after app), and by Zephyr's HTTP protocol for uvicorn on its first
connection and its RSGI adapter after the start-up, for apps of other kinds. ``ZEPHYR_GC_FREEZE=0`` turns it off.
"""

from __future__ import annotations

import gc
import os

__all__ = ("TEST_CLIENT_SCOPE_KEY", "freeze_startup_heap")

TEST_CLIENT_SCOPE_KEY = "zephyr.test_client"
"""Set in the lifespan scope by the test client: a test process starts many apps, none of them for long."""

_frozen = os.environ.get("ZEPHYR_GC_FREEZE", "1") == "0"  # turned off: as if done already


def freeze_startup_heap() -> bool:
    """Collect once, then freeze what is left (once per process); whether it froze now."""
    global _frozen
    if _frozen:
        return False
    _frozen = True
    gc.collect()
    gc.freeze()
    return True
