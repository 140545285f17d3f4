"""Zephyr: FastAPI's API on a fast ASGI core of its own, with batteries included."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ("__version__",)
