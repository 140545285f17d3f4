"""``@cache(...)``: cache a GET/HEAD route's responses, with ETags, ``304 Not Modified`` and single-flight misses.

The decorator attaches a per-route ASGI wrapper (``zephyr._hooks.add_route_middleware``), so the endpoint keeps its
signature and the wrapper sees the request and the response messages. Responses carry ``X-Cache: HIT`` (served
from the cache, with ``Age``), ``MISS`` (computed now) or ``BYPASS`` (the request asked for ``no-store`` or carried
``Authorization``).

Example:
    ```python
    @app.get("/items/{item_id}")
    @cache(expire=60, tags=["items", "item:{item_id}"], vary=["Accept-Language"])
    async def read_item(item_id: int) -> dict[str, int]: ...
    ```
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from zephyr.caching._response import KeyBuilder, TagsArg
from zephyr.caching.cache import Cache
from zephyr.stores.base import Store

__all__ = ("cache",)

F = TypeVar("F", bound=Callable[..., Any])


def cache(
    expire: float | None = 60.0,
    *,
    key: KeyBuilder | None = None,
    vary: Sequence[str] = (),
    tags: TagsArg = (),
    store: Cache | Store | None = None,
    allow_authorized: bool = False,
    status_codes: Iterable[int] = (200,),
    etag: bool = True,
    max_body_size: int = 1024 * 1024,
    lock_timeout: float = 10.0,
) -> Callable[[F], F]:
    """Cache a GET/HEAD route's responses; place it above or below the route decorator.

    Only responses with a status in ``status_codes`` are stored, and never ones that set a cookie or say
    ``Cache-Control: no-store``/``private``; requests carrying ``Authorization`` bypass the cache unless
    ``allow_authorized``. A request's ``Cache-Control: no-store`` bypasses it; ``no-cache`` (or ``max-age=0``,
    ``Pragma: no-cache``) recomputes and refreshes the entry. Stored responses get ``Cache-Control: max-age=<expire>``
    (unless they set their own) and an ``ETag``; ``If-None-Match`` with a matching ETag is answered ``304``.
    Concurrent misses for one key compute once per process, and, with a shared store, once across workers (the
    others wait for a short lock, then read the entry). Store failures are logged and the route served uncached.

    Args:
        expire: Seconds an entry stays fresh (``None``: the cache's ``default_expire``).
        key: Builds the cache key from the ``Request``; default: the path and the sorted query string, which is
            also what :meth:`Cache.invalidate` takes (``await cache.invalidate("/items/1")``).
        vary: Request headers whose values select separate entries (sent back as ``Vary``).
        tags: Labels for :meth:`Cache.invalidate_tags`; ``"item:{item_id}"`` is filled from the path parameters.
        store: A :class:`Cache` (to invalidate programmatically) or a store; default: a private in-memory cache.
        allow_authorized: Also cache requests carrying ``Authorization`` (only for responses that do not depend on
            who asks).
        status_codes: Which response statuses are stored.
        etag: Add an ``ETag`` (a hash of the body) to stored responses that have none.
        max_body_size: Larger responses are streamed through and not stored.
        lock_timeout: How long a worker holds the cross-worker lock, and the most others wait on it.
    """
    backend = store if isinstance(store, Cache) else Cache(store)
    return backend.cached(
        expire,
        key=key,
        vary=vary,
        tags=tags,
        allow_authorized=allow_authorized,
        status_codes=status_codes,
        etag=etag,
        max_body_size=max_body_size,
        lock_timeout=lock_timeout,
    )
