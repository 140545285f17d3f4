"""``Cache``: cached values with key and tag invalidation on any store.

Invalidation works by versions: each key and each tag has a version in the store, and every entry records the
versions it was written under. ``invalidate("k")`` and ``invalidate_tags("t")`` replace those versions with fresh
random tokens, so older entries stop matching and read as misses; nothing needs to list the keys carrying a tag, so
the plain ``get``/``set`` of any store (memory, Redis, your own) is enough. A lost version key (evicted, expired)
can only turn a hit into a miss, never serve stale data.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple, Optional, TypeVar

from zephyr._hooks import add_route_middleware
from zephyr.caching._response import KeyBuilder, RouteConfig, TagsArg
from zephyr.caching.middleware import RouteCacheMiddleware, check_tag_fields
from zephyr.stores.base import REPORTED_ERRORS, BaseStore, Store
from zephyr.stores.memory import MemoryStore

if TYPE_CHECKING:
    from zephyr.stores.breaker import CircuitBreaker

__all__ = ("Cache", "CacheEntry")

logger = logging.getLogger("zephyr.caching")

F = TypeVar("F", bound=Callable[..., Any])

_VERSION_TTL = 7 * 86400.0
_WARN_INTERVAL = 60.0
_BACKOFF = 1.0
_PARSED_MAX = 256
_Parsed = tuple[str, dict[str, str], float, Optional[float], bytes]
_ZERO = b"0"


class CacheEntry(NamedTuple):
    """A value read from the cache with its age."""

    value: bytes
    """The stored bytes."""
    created_at: float
    """When it was stored (``time.time()``)."""
    expire: float | None
    """Its lifetime in seconds when stored, ``None`` for no expiry."""

    @property
    def age(self) -> int:
        """Whole seconds since it was stored, as the ``Age`` header reports it."""
        return max(0, int(time.time() - self.created_at))

    @property
    def ttl(self) -> int | None:
        """Whole seconds it stays fresh (``None`` without expiry)."""
        if self.expire is None:
            return None
        return max(0, math.ceil(self.expire - (time.time() - self.created_at)))


class Cache:
    """A cache on a store, with invalidation by key and by tag; also the source of route-cache decorators.

    Example:
        ```python
        cache = Cache(RedisStore(prefix="myapp:"))

        @app.get("/items/{item_id}")
        @cache.cached(expire=300, tags=["items", "item:{item_id}"])
        async def read_item(item_id: int) -> Item: ...

        @app.put("/items/{item_id}")
        async def update_item(item_id: int, item: Item) -> Item:
            ...
            await cache.invalidate_tags(f"item:{item_id}")
        ```

    Args:
        store: Where entries live: a ``MemoryStore`` (default, per process) or a ``RedisStore`` (shared).
        prefix: Prepended to the cache's keys inside the store.
        default_expire: Lifetime in seconds of entries set without ``expire`` (``None``: until invalidated).
    """

    __slots__ = (
        "_breaker",
        "_errors",
        "_inflight",
        "_last_warning",
        "_parsed",
        "_skip_until",
        "default_expire",
        "prefix",
        "store",
    )

    def __init__(
        self, store: Store | None = None, *, prefix: str = "cache:", default_expire: float | None = 60.0
    ) -> None:
        if store is not None and not isinstance(store, Store):
            raise TypeError(
                f"Cache needs a store with async get/set/delete/close (MemoryStore, RedisStore), got {store!r}"
            )
        self.store: Store = store if store is not None else MemoryStore()
        self._breaker: CircuitBreaker | None = getattr(self.store, "breaker", None)
        self.prefix = prefix
        self.default_expire = default_expire
        self._last_warning = -math.inf
        self._errors = 0
        self._skip_until = 0.0
        self._parsed: dict[bytes, _Parsed] = {}
        self._inflight: dict[str, asyncio.Future[bytes]] = {}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.store!r}, prefix={self.prefix!r})"

    def _entry_key(self, key: str) -> str:
        return f"{self.prefix}e:{key}"

    def _key_version(self, key: str) -> str:
        return f"{self.prefix}k:{key}"

    def _tag_version(self, tag: str) -> str:
        return f"{self.prefix}t:{tag}"

    async def _get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        store = self.store
        if isinstance(store, BaseStore):
            return await store.get_many(keys)
        return [await store.get(key) for key in keys]

    async def versions(self, base_key: str, tags: Iterable[str] = ()) -> dict[str, str]:
        """Return the current versions of ``base_key`` and ``tags``; pass them to :meth:`set` to detect races."""
        tag_list = list(tags)
        values = await self._get_many([self._key_version(base_key)] + [self._tag_version(t) for t in tag_list])
        names = ["\x00key", *tag_list]
        return {name: (value or _ZERO).decode() for name, value in zip(names, values, strict=True)}

    async def get_entry(self, key: str, *, base_key: str | None = None) -> CacheEntry | None:
        """Return the entry under ``key`` with its age, or ``None`` when absent, expired or invalidated.

        Args:
            key: The entry's key.
            base_key: The key whose invalidation also drops this entry (route caches store vary variants as
                ``base_key`` plus a suffix); defaults to ``key``.
        """
        base = key if base_key is None else base_key
        raw, key_version = await self._get_many([self._entry_key(key), self._key_version(base)])
        if raw is None:
            return None
        parsed = self._parsed.get(raw)
        if parsed is None:
            parsed = self._parse(raw)
            if parsed is None:
                return None
        version, recorded, created, expire, value = parsed
        if version != (key_version or _ZERO).decode():
            return None
        if recorded:
            tags = list(recorded)
            current = await self._get_many([self._tag_version(t) for t in tags])
            if any((now or _ZERO).decode() != recorded[t] for t, now in zip(tags, current, strict=True)):
                return None
        return CacheEntry(value, created, expire)

    def _parse(self, raw: bytes) -> _Parsed | None:
        # bytes cache their hash: with the memory store (the same object on every hit) the memo lookup is cheap
        head, _, value = raw.partition(b"\n")
        try:
            meta = json.loads(head.decode())
        except ValueError:
            return None
        recorded: dict[str, str] = meta["v"]
        version = recorded.pop("\x00key", "0")
        parsed = (version, recorded, meta["c"], meta["e"], value)
        if len(self._parsed) >= _PARSED_MAX:
            self._parsed.clear()
        self._parsed[raw] = parsed
        return parsed

    async def get(self, key: str) -> bytes | None:
        """Return the value under ``key``, or ``None`` when absent, expired or invalidated (by key or tag)."""
        entry = await self.get_entry(key)
        return None if entry is None else entry.value

    async def set(
        self,
        key: str,
        value: bytes,
        expire: float | None = None,
        *,
        tags: Iterable[str] = (),
        base_key: str | None = None,
        versions: dict[str, str] | None = None,
    ) -> None:
        """Store ``value`` under ``key`` for ``expire`` seconds (default: ``default_expire``), labelled with ``tags``.

        Args:
            key: The entry's key.
            value: The bytes to store.
            expire: Lifetime in seconds; ``None`` uses ``default_expire``.
            tags: Labels; :meth:`invalidate_tags` drops every entry carrying one of them.
            base_key: See :meth:`get_entry`.
            versions: Versions read (with :meth:`versions`) before computing the value, so an invalidation that
                happened meanwhile makes this entry stale at once; read now when omitted.
        """
        lifetime = self.default_expire if expire is None else expire
        base = key if base_key is None else base_key
        tag_list = list(tags)
        if versions is None:
            versions = await self.versions(base, tag_list)
        meta = {"v": versions, "c": time.time(), "e": lifetime}
        await self.store.set(self._entry_key(key), json.dumps(meta).encode() + b"\n" + value, lifetime)

    async def get_or_set(
        self,
        key: str,
        factory: Callable[[], Awaitable[bytes]],
        expire: float | None = None,
        *,
        tags: Iterable[str] = (),
    ) -> bytes:
        """Return the value under ``key``, computing and storing it with ``factory`` on a miss.

        Concurrent misses for one key in this process await a single ``factory`` call (its exception, too).

        Example:
            ```python
            report = await cache.get_or_set("report", build_report, expire=300, tags=["reports"])
            ```
        """
        value = await self.get(key)
        if value is not None:
            return value
        pending = self._inflight.get(key)
        if pending is not None:
            try:
                return await asyncio.shield(pending)
            except asyncio.CancelledError:
                if not pending.cancelled():
                    raise  # this task was cancelled
                return await self.get_or_set(key, factory, expire, tags=tags)  # the computing task was
        future: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        self._inflight[key] = future
        try:
            tag_list = list(tags)
            versions = await self.versions(key, tag_list)
            value = await factory()
            await self.set(key, value, expire, tags=tag_list, versions=versions)
        except asyncio.CancelledError:
            future.cancel()
            raise
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved here, so an unawaited failure is not reported as never retrieved
            raise
        else:
            future.set_result(value)
            return value
        finally:
            del self._inflight[key]

    async def invalidate(self, *keys: str) -> None:
        """Drop the entries under ``keys`` (and, for route caches, all their ``vary`` variants)."""
        for key in keys:
            await self.store.set(self._key_version(key), uuid.uuid4().hex.encode(), _VERSION_TTL)
            await self.store.delete(self._entry_key(key))

    async def invalidate_tags(self, *tags: str) -> None:
        """Drop every entry labelled with any of ``tags``."""
        for tag in tags:
            await self.store.set(self._tag_version(tag), uuid.uuid4().hex.encode(), _VERSION_TTL)

    async def delete(self, key: str) -> None:
        """Remove the single entry under ``key`` (its variants stay; use :meth:`invalidate` for those)."""
        await self.store.delete(self._entry_key(key))

    async def close(self) -> None:
        """Close the store."""
        await self.store.close()

    def cached(
        self,
        expire: float | None = None,
        *,
        key: KeyBuilder | None = None,
        vary: Sequence[str] = (),
        tags: TagsArg = (),
        allow_authorized: bool = False,
        status_codes: Iterable[int] = (200,),
        etag: bool = True,
        max_body_size: int = 1024 * 1024,
        lock_timeout: float = 10.0,
    ) -> Callable[[F], F]:
        """Return a route decorator caching responses in this cache (see :func:`zephyr.caching.cache`)."""
        config = RouteConfig(
            self,
            expire=expire,
            key=key,
            vary=vary,
            tags=tags,
            allow_authorized=allow_authorized,
            status_codes=status_codes,
            etag=etag,
            max_body_size=max_body_size,
            lock_timeout=lock_timeout,
        )

        def decorator(func: F) -> F:
            check_tag_fields(tags, func)
            add_route_middleware(func, lambda app: RouteCacheMiddleware(app, config))
            return func

        return decorator

    @property
    def available(self) -> bool:
        """False while the store is failing: route caches then serve uncached instead of waiting on it.

        A store with a circuit breaker (``RedisStore``) answers for itself; another store is skipped for a second
        after each failure.
        """
        breaker = self._breaker
        if breaker is not None and not breaker.available:
            return False
        return not self._skip_until or time.monotonic() >= self._skip_until

    def warn(self, exc: Exception) -> None:
        """Record a store failure: skip the store for a second and log, at most once a minute.

        Failures the store reported itself (its circuit breaker logged them and skips it) are not logged again.
        """
        if isinstance(exc, REPORTED_ERRORS):
            return
        self._skip_until = time.monotonic() + _BACKOFF
        self._errors += 1
        now = time.monotonic()
        if now - self._last_warning < _WARN_INTERVAL:
            return
        logger.warning(
            "Response cache: the store %r failed (%s: %s); serving uncached (%d failure(s) since the last warning)",
            self.store,
            type(exc).__name__,
            exc,
            self._errors,
        )
        self._last_warning = now
        self._errors = 0
