"""``/expensive-computation/{param}`` cached in Redis with Zephyr's cache, shared by every worker.

The first request for a ``param`` computes (``COMPUTE_SECONDS`` of work) and stores the response in Redis for
``CACHE_TTL`` seconds; the next ones are answered from Redis (``X-Cache: HIT``, an ``ETag``; ``If-None-Match``
gets 304) by whichever worker receives them. ``DELETE /expensive-computation/{param}`` drops that entry (by its
tag), so the next request computes again. If Redis goes away the route is served uncached, never a 500.

The article writes this by hand (``redis.get``, ``json.loads``, ``redis.setex`` around the handler); the docs'
caching page shows that version beside this one, and what the decorator adds.

Settings from the environment (pydantic-settings): ``REDIS_URL`` (default ``redis://127.0.0.1:6379/0``),
``CACHE_PREFIX`` (default ``examples-caching:``, the keys' namespace), ``CACHE_TTL`` (default 300) and
``COMPUTE_SECONDS`` (default 1).

Run it: ``zephyr run examples.caching:app --workers 2``, then ``curl -i localhost:8000/expensive-computation/42``
twice: one second, then at once with ``x-cache: HIT``.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from typing import Any

from pydantic_settings import BaseSettings

from zephyr import FastAPI
from zephyr.caching import Cache, cache
from zephyr.stores import RedisStore

__all__ = ("Settings", "app", "create_app", "expensive")


class Settings(BaseSettings):
    """Read from environment variables of the same names (case-insensitive)."""

    redis_url: str = "redis://127.0.0.1:6379/0"
    cache_prefix: str = "examples-caching:"
    cache_ttl: int = 300
    compute_seconds: float = 1.0


def expensive(param: str) -> str:
    """The result of the expensive computation (a hash chain, so it is the same in every worker)."""
    digest = param.encode()
    for _ in range(10_000):
        digest = hashlib.sha256(digest).digest()
    return digest.hex()[:16]


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; ``settings`` default to the environment's."""
    settings = settings or Settings()
    responses = Cache(RedisStore(settings.redis_url, prefix=settings.cache_prefix))
    app = FastAPI(title="Cached in Redis")
    app.state.computations = 0

    @app.get("/expensive-computation/{param}")
    @cache(expire=settings.cache_ttl, store=responses, tags=["param:{param}"])
    async def expensive_computation(param: str) -> dict[str, Any]:
        """Computed on a miss, then served from Redis."""
        app.state.computations += 1
        await asyncio.sleep(settings.compute_seconds)  # stands for a slow query or a remote call
        return {"param": param, "result": expensive(param), "computed_at": time.time()}

    @app.delete("/expensive-computation/{param}", status_code=204)
    async def forget(param: str) -> None:
        """Drop the cached response for ``param``."""
        await responses.invalidate_tags(f"param:{param}")

    return app


app = create_app()
