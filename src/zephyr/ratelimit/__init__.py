"""Rate limiting: per app (``RateLimitMiddleware``), per router or route (``RateLimiter``, ``@limit``).

Counters live in a store: ``MemoryStore`` for one process, ``RedisStore`` to share them between workers (one Lua
script per algorithm, one round trip per request). See ``docs/ratelimit.md``.

Example:
    ```python
    from zephyr import Depends, FastAPI
    from zephyr.ratelimit import RateLimiter, RateLimitMiddleware, limit

    app = FastAPI()
    app.add_middleware(RateLimitMiddleware, rate="1000/hour")

    @app.get("/search", dependencies=[Depends(RateLimiter("5/second"))])
    async def search() -> list[str]: ...

    @limit("10/minute")
    @app.get("/report")
    async def report() -> dict[str, str]: ...
    ```
"""

from __future__ import annotations

from zephyr.ratelimit.algorithms import Algorithm, FixedWindow, SlidingWindow, TokenBucket, make_algorithm
from zephyr.ratelimit.dependency import RateLimiter, limit
from zephyr.ratelimit.keys import KeyFunc, api_key, by_header, by_user, client_ip
from zephyr.ratelimit.middleware import RateLimitMiddleware
from zephyr.ratelimit.rates import Rate, parse_rate

__all__ = (
    "Algorithm",
    "FixedWindow",
    "KeyFunc",
    "Rate",
    "RateLimitMiddleware",
    "RateLimiter",
    "SlidingWindow",
    "TokenBucket",
    "api_key",
    "by_header",
    "by_user",
    "client_ip",
    "limit",
    "make_algorithm",
    "parse_rate",
)
