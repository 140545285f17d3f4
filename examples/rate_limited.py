"""A rate-limited app: ``GET /limited`` allows ``RATE_LIMIT`` requests per minute per client (default 10).

Counters live in Redis when ``REDIS_URL`` is set (so every worker shares them), in memory otherwise.
``RATE_LIMIT_PREFIX`` namespaces the Redis keys; ``RATE_LIMIT_ON_STORE_ERROR`` is ``allow`` (fail open, default)
or ``deny`` (fail closed) for when Redis is unreachable.

Run it: ``REDIS_URL=redis://127.0.0.1:6379/0 uvicorn examples.rate_limited:app --workers 2``.
"""

from __future__ import annotations

import os
from typing import Literal

from zephyr import FastAPI
from zephyr.caching import cache
from zephyr.ratelimit import limit
from zephyr.stores import BaseStore, MemoryStore, RedisStore

RATE = int(os.environ.get("RATE_LIMIT", "10"))
REDIS_URL = os.environ.get("REDIS_URL")
ON_STORE_ERROR: Literal["allow", "deny"] = "deny" if os.environ.get("RATE_LIMIT_ON_STORE_ERROR") == "deny" else "allow"
PREFIX = os.environ.get("RATE_LIMIT_PREFIX", "zephyr-example:")

store: BaseStore = RedisStore(REDIS_URL, prefix=PREFIX, timeout=0.5) if REDIS_URL else MemoryStore()

app = FastAPI(title="Rate-limited example")


@app.get("/limited")
@limit(f"{RATE}/minute", store=store, on_store_error=ON_STORE_ERROR)
async def limited() -> dict[str, bool]:
    """Answer ``{"ok": true}`` until the client's quota for the minute is spent, then 429."""
    return {"ok": True}


@app.get("/cached")
@cache(expire=30, store=store)
async def cached() -> dict[str, str]:
    """A cached response: ``X-Cache`` says ``MISS`` the first time, then ``HIT`` for 30 seconds."""
    return {"hello": "world"}


@app.get("/health")
async def health() -> dict[str, str]:
    """Never limited."""
    return {"status": "ok"}
