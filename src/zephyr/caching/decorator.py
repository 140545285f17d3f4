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

import asyncio
import hashlib
import inspect
import string
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any, TypeVar, Union

from zephyr._hooks import add_route_middleware
from zephyr.caching._response import Capture, RouteConfig, directives, marked, serve
from zephyr.caching.cache import Cache, CacheEntry
from zephyr.exceptions import FastAPIError
from zephyr.stores.base import BaseStore, Store
from zephyr.types import ASGIApp, Receive, Scope, Send

__all__ = ("KeyBuilder", "RouteCacheMiddleware", "TagsArg", "cache", "default_key")

F = TypeVar("F", bound=Callable[..., Any])

KeyBuilder = Callable[[Any], Union[str, Awaitable[str]]]
"""A cache-key function: the ``Request`` in, the key out (possibly awaitable)."""

TagsArg = Union[Sequence[str], Callable[[Any], Iterable[str]]]
"""Tags: strings (``{name}`` fields are filled from the path parameters) or a function of the ``Request``."""

_CACHEABLE_METHODS = frozenset({"GET", "HEAD"})
_POLL_INTERVAL = 0.025


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
    config = RouteConfig(
        backend,
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
        _check_tag_fields(tags, func)
        add_route_middleware(func, lambda app: RouteCacheMiddleware(app, config))
        return func

    return decorator


def _check_tag_fields(tags: TagsArg, func: Callable[..., Any]) -> None:
    """Refuse, when the decorator is applied, a ``{field}`` in a tag that is not a parameter of the endpoint."""
    if callable(tags):
        return
    try:
        parameters = set(inspect.signature(func).parameters)
    except (TypeError, ValueError):  # pragma: no cover - builtins without a signature
        return
    for tag in tags:
        for _, field, _, _ in string.Formatter().parse(tag):
            if field is not None and field not in parameters:
                raise FastAPIError(
                    f"The cache tag {tag!r} of {getattr(func, '__qualname__', func)!r} uses {{{field}}}, which is not "
                    f"a parameter of the endpoint (parameters: {', '.join(sorted(parameters)) or 'none'}); "
                    "tags are filled from the path parameters"
                )


def _request_headers(scope: Scope, wanted: Iterable[bytes]) -> dict[bytes, str]:
    names = set(wanted)
    found: dict[bytes, str] = {}
    for name, value in scope.get("headers", ()):
        lower = name.lower()
        if lower in names:
            text = value.decode("latin-1")
            found[lower] = f"{found[lower]}, {text}" if lower in found else text
    return found


def default_key(scope: Scope) -> str:
    """The default cache key: the path, plus the query string with its parameters sorted."""
    query = scope.get("query_string", b"")
    if not query:
        return str(scope["path"])
    return f"{scope['path']}?{'&'.join(sorted(query.decode('latin-1').split('&')))}"


class RouteCacheMiddleware:
    """The per-route ASGI wrapper that ``@cache`` attaches; see :func:`cache`."""

    __slots__ = ("_config", "_wanted", "app")

    def __init__(self, app: ASGIApp, config: RouteConfig) -> None:
        self.app = app
        self._config = config
        self._wanted = (b"authorization", b"cache-control", b"pragma", b"if-none-match", *config.vary)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve from the cache, or run the route and store its response."""
        if scope["type"] != "http" or scope["method"] not in _CACHEABLE_METHODS:
            await self.app(scope, receive, send)
            return
        config = self._config
        if not config.cache.available:
            await self.app(scope, receive, marked(send, b"MISS"))
            return
        headers = _request_headers(scope, self._wanted)
        requested = directives(headers.get(b"cache-control"))
        if "no-store" in requested or (b"authorization" in headers and not config.allow_authorized):
            await self.app(scope, receive, marked(send, b"BYPASS"))
            return
        no_cache = (
            "no-cache" in requested or "max-age=0" in requested or "no-cache" in directives(headers.get(b"pragma"))
        )
        base_key = await self._base_key(scope, receive)
        full_key = base_key
        if config.vary:
            variant = "\x1f".join(headers.get(name, "") for name in config.vary)
            full_key = f"{base_key}|{hashlib.sha256(variant.encode()).hexdigest()[:24]}"
        if_none_match = headers.get(b"if-none-match")
        head = scope["method"] == "HEAD"
        if not no_cache:
            try:
                entry = await config.cache.get_entry(full_key, base_key=base_key)
            except Exception as exc:  # a store failure serves uncached, never a 500
                config.cache.warn(exc)
                await self.app(scope, receive, marked(send, b"MISS"))
                return
            if entry is not None:
                await serve(config, entry, send, if_none_match, head)
                return
        if head:
            # a HEAD response has no body to store; the next GET fills the entry
            await self.app(scope, receive, marked(send, b"MISS"))
            return
        await self._miss(scope, receive, send, base_key, full_key, if_none_match, no_cache)

    async def _base_key(self, scope: Scope, receive: Receive) -> str:
        config = self._config
        if config.key is None:
            return default_key(scope)
        from zephyr.requests import Request

        value: Any = config.key(Request(scope, receive))
        if config.key_is_async or inspect.isawaitable(value):
            value = await value
        return str(value)

    def _tags(self, scope: Scope, receive: Receive) -> list[str]:
        tags = self._config.tags
        if callable(tags):
            from zephyr.requests import Request

            return list(tags(Request(scope, receive)))
        params = scope.get("path_params", {})
        return [tag.format_map(params) if "{" in tag else tag for tag in tags]

    async def _miss(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        base_key: str,
        full_key: str,
        if_none_match: str | None,
        no_cache: bool,
    ) -> None:
        config = self._config
        inflight = config.inflight
        leader = inflight.get(full_key)
        if leader is not None and not no_cache:
            await leader.wait()
            entry = await self._read(full_key, base_key)
            if entry is not None:
                await serve(config, entry, send, if_none_match, False)
                return
            await self._compute(scope, receive, send, base_key, full_key, if_none_match)
            return
        event = inflight[full_key] = asyncio.Event()
        lock_key = f"{config.cache.prefix}l:{full_key}"
        locked = False
        try:
            if config.distributed and not no_cache:
                locked = await self._lock(lock_key)
                # Locked: another worker may have stored the entry and let go of the lock since this one read the
                # store, so read it again before computing a second time. Not locked: wait for that worker.
                if locked:
                    entry = await self._read(full_key, base_key)
                else:
                    entry = await self._wait_for_other_worker(lock_key, full_key, base_key)
                if entry is not None:
                    await serve(config, entry, send, if_none_match, False)
                    return
            await self._compute(scope, receive, send, base_key, full_key, if_none_match)
        finally:
            event.set()
            if inflight.get(full_key) is event:
                del inflight[full_key]
            if locked:
                await self._unlock(lock_key)

    async def _read(self, full_key: str, base_key: str) -> CacheEntry | None:
        try:
            return await self._config.cache.get_entry(full_key, base_key=base_key)
        except Exception as exc:  # a store failure serves uncached
            self._config.cache.warn(exc)
            return None

    async def _lock(self, lock_key: str) -> bool:
        store = self._config.cache.store
        if not isinstance(store, BaseStore):  # pragma: no cover - distributed implies BaseStore
            return True
        try:
            return await store.add(lock_key, b"1", self._config.lock_timeout)
        except Exception as exc:  # no lock: compute without it
            self._config.cache.warn(exc)
            return True

    async def _unlock(self, lock_key: str) -> None:
        try:
            await self._config.cache.store.delete(lock_key)
        except Exception as exc:  # the lock expires by itself
            self._config.cache.warn(exc)

    async def _wait_for_other_worker(self, lock_key: str, full_key: str, base_key: str) -> CacheEntry | None:
        """Poll until another worker stored the entry or released its lock (bounded by ``lock_timeout``)."""
        store = self._config.cache.store
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._config.lock_timeout
        while loop.time() < deadline:
            await asyncio.sleep(_POLL_INTERVAL)
            entry = await self._read(full_key, base_key)
            if entry is not None:
                return entry
            try:
                if await store.get(lock_key) is None:
                    return await self._read(full_key, base_key)
            except Exception as exc:  # give up waiting and compute
                self._config.cache.warn(exc)
                return None
        return None

    async def _compute(
        self, scope: Scope, receive: Receive, send: Send, base_key: str, full_key: str, if_none_match: str | None
    ) -> None:
        config = self._config
        tags = self._tags(scope, receive)
        try:
            versions = await config.cache.versions(base_key, tags)
        except Exception as exc:
            config.cache.warn(exc)
            await self.app(scope, receive, marked(send, b"MISS"))
            return
        capture = Capture(send, config, full_key, base_key, tags, versions, if_none_match)
        await self.app(scope, receive, capture)
