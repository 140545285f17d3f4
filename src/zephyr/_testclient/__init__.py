"""The machinery behind ``zephyr.testclient``: the in-process transport, WebSocket sessions and lifespan runner."""

from __future__ import annotations

__all__ = ()
