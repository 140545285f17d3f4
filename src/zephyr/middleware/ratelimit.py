"""``RateLimitMiddleware``, at the path FastAPI-style apps import middleware from.

See :mod:`zephyr.ratelimit` for route limits, key functions and algorithms.
"""

from __future__ import annotations

from zephyr.ratelimit.middleware import RateLimitMiddleware

__all__ = ("RateLimitMiddleware",)
