"""The HTTP client library the test client is built on: ``httpx2``, else ``httpx``.

Importing this module (which only ``zephyr.testclient`` does) raises ``MissingDependencyError`` naming the
``testclient`` extra when neither is installed; ``import zephyr`` never imports either.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING

import anyio.from_thread

from zephyr.exceptions import MissingDependencyError

if TYPE_CHECKING:
    import httpx2 as httpx
else:
    try:
        import httpx2 as httpx
    except ModuleNotFoundError:
        try:
            import httpx
        except ModuleNotFoundError:
            raise MissingDependencyError("httpx2", "testclient", "zephyr.testclient") from None

__all__ = ("PortalFactory", "httpx")

PortalFactory = Callable[[], AbstractContextManager[anyio.from_thread.BlockingPortal]]
"""Gives the blocking portal to run the app in: the client's own inside ``with client:``, else a fresh one."""
