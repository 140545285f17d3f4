"""The per-route ASGI wrapper of the response cache: serve a stored response, or run the route and store its own."""

from __future__ import annotations

import asyncio
import hashlib
import inspect
import string
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from zephyr.caching._response import Capture, RouteConfig, TagsArg, directives, marked, serve
from zephyr.exceptions import FastAPIError
from zephyr.stores.base import BaseStore
from zephyr.types import ASGIApp, Receive, Scope, Send

if TYPE_CHECKING:
    from zephyr.caching.cache import CacheEntry

__all__ = ("RouteCacheMiddleware", "check_tag_fields", "default_key")

_CACHEABLE_METHODS = frozenset({"GET", "HEAD"})
_POLL_INTERVAL = 0.025


def check_tag_fields(tags: TagsArg, func: Callable[..., Any]) -> None:
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
