"""Response caching: the ``@cache`` route decorator and the programmatic ``Cache``, on memory or Redis stores.

See ``docs/caching.md``.

Example:
    ```python
    from zephyr.caching import Cache, cache
    from zephyr.stores import RedisStore

    responses = Cache(RedisStore())

    @app.get("/items/{item_id}")
    @responses.cached(expire=60, tags=["item:{item_id}"])
    async def read_item(item_id: int) -> dict[str, int]: ...

    @app.get("/stats")
    @cache(expire=10)
    async def stats() -> dict[str, int]: ...
    ```
"""

from __future__ import annotations

from zephyr.caching._response import KeyBuilder, TagsArg
from zephyr.caching.cache import Cache, CacheEntry
from zephyr.caching.decorator import cache
from zephyr.caching.etag import etag_matches, make_etag
from zephyr.caching.middleware import RouteCacheMiddleware, default_key

__all__ = (
    "Cache",
    "CacheEntry",
    "KeyBuilder",
    "RouteCacheMiddleware",
    "TagsArg",
    "cache",
    "default_key",
    "etag_matches",
    "make_etag",
)
