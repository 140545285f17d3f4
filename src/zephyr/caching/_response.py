"""The response side of the route cache: its configuration, storing a response and serving a stored one."""

from __future__ import annotations

import asyncio
import inspect
import json
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, Union

from zephyr.caching.etag import etag_matches, make_etag
from zephyr.stores.base import BaseStore
from zephyr.stores.memory import MemoryStore
from zephyr.types import Message, Send

if TYPE_CHECKING:
    from zephyr.caching.cache import Cache, CacheEntry

__all__ = ("Capture", "KeyBuilder", "RouteConfig", "TagsArg", "directives", "marked", "serve")

KeyBuilder = Callable[[Any], Union[str, Awaitable[str]]]
"""A cache-key function: the ``Request`` in, the key out (possibly awaitable)."""

TagsArg = Union[Sequence[str], Callable[[Any], Iterable[str]]]
"""Tags: strings (``{name}`` fields are filled from the path parameters) or a function of the ``Request``."""

_NOT_MODIFIED_HEADERS = frozenset({b"cache-control", b"content-location", b"date", b"etag", b"expires", b"vary"})
_DROP_ON_STORE = frozenset({b"age", b"x-cache", b"date"})


class RouteConfig:
    __slots__ = (
        "allow_authorized",
        "cache",
        "decoded",
        "distributed",
        "etag",
        "expire",
        "inflight",
        "key",
        "key_is_async",
        "lock_timeout",
        "max_body_size",
        "status_codes",
        "tags",
        "vary",
    )

    def __init__(
        self,
        cache: Cache,
        *,
        expire: float | None,
        key: KeyBuilder | None,
        vary: Sequence[str],
        tags: TagsArg,
        allow_authorized: bool,
        status_codes: Iterable[int],
        etag: bool,
        max_body_size: int,
        lock_timeout: float,
    ) -> None:
        if expire is not None and expire <= 0:
            raise ValueError(f"cache expire must be a positive number of seconds or None, got {expire!r}")
        if isinstance(tags, str):
            raise TypeError(f"tags must be a list of strings or a function, got the string {tags!r}; write [{tags!r}]")
        self.cache = cache
        self.expire = expire if expire is not None else cache.default_expire
        self.key = key
        self.key_is_async = key is not None and inspect.iscoroutinefunction(key)
        self.vary = tuple(name.lower().encode("latin-1") for name in vary)
        self.tags = tags
        self.allow_authorized = allow_authorized
        self.status_codes = frozenset(status_codes)
        self.etag = etag
        self.max_body_size = max_body_size
        self.lock_timeout = lock_timeout
        store = cache.store
        # one process needs only the in-process single flight; a shared store also needs a lock across workers
        self.distributed = isinstance(store, BaseStore) and not isinstance(store, MemoryStore)
        self.inflight: dict[str, asyncio.Event] = {}
        self.decoded: dict[bytes, _Decoded] = {}


def directives(value: str | None) -> set[str]:
    if not value:
        return set()
    return {part.strip().lower().replace(" ", "") for part in value.split(",")}


def marked(send: Send, value: bytes) -> Send:
    async def marked_send(message: Message) -> None:
        if message["type"] == "http.response.start":
            message["headers"] = [*message.get("headers", ()), (b"x-cache", value)]
        await send(message)

    return marked_send


_Decoded = tuple[int, list[tuple[bytes, bytes]], Union[str, None], bytes]
_DECODED_MAX = 256


def _decode(config: RouteConfig, value: bytes) -> _Decoded:
    # bytes cache their hash, so with the memory store (the same object every hit) this lookup is cheap; a bounded
    # per-route memo saves re-parsing the headers on every hit
    decoded = config.decoded.get(value)
    if decoded is None:
        head_line, _, body = value.partition(b"\n")
        meta = json.loads(head_line.decode())
        headers = [(name.encode("latin-1"), val.encode("latin-1")) for name, val in meta["h"]]
        decoded = (meta["s"], headers, meta.get("t"), body)
        if len(config.decoded) >= _DECODED_MAX:
            config.decoded.clear()
        config.decoded[value] = decoded
    return decoded


async def serve(config: RouteConfig, entry: CacheEntry, send: Send, if_none_match: str | None, head: bool) -> None:
    status, stored, etag, body = _decode(config, entry.value)
    headers = [*stored, (b"age", str(entry.age).encode()), (b"x-cache", b"HIT")]
    if if_none_match is not None and etag_matches(if_none_match, etag):
        kept = [(n, v) for n, v in headers if n.lower() in _NOT_MODIFIED_HEADERS or n in (b"age", b"x-cache")]
        await send({"type": "http.response.start", "status": 304, "headers": kept})
        await send({"type": "http.response.body", "body": b""})
        return
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if head else body})


class Capture:
    """Buffer a response to store it, then send it on; stream it through when it cannot be stored."""

    __slots__ = (
        "base_key",
        "body",
        "config",
        "full_key",
        "if_none_match",
        "passthrough",
        "send",
        "size",
        "start",
        "tags",
        "versions",
    )

    def __init__(
        self,
        send: Send,
        config: RouteConfig,
        full_key: str,
        base_key: str,
        tags: list[str],
        versions: dict[str, str],
        if_none_match: str | None,
    ) -> None:
        self.send = send
        self.config = config
        self.full_key = full_key
        self.base_key = base_key
        self.tags = tags
        self.versions = versions
        self.if_none_match = if_none_match
        self.start: Message | None = None
        self.body: list[bytes] = []
        self.size = 0
        self.passthrough = False

    async def __call__(self, message: Message) -> None:
        if self.passthrough:
            await self.send(message)
            return
        kind = message["type"]
        if kind == "http.response.start":
            message["headers"] = [*message.get("headers", ()), (b"x-cache", b"MISS")]
            if self._storable(message):
                self.start = message
            else:
                self.passthrough = True
                await self.send(message)
            return
        if kind != "http.response.body" or self.start is None:
            await self._flush(None)
            await self.send(message)
            return
        chunk = message.get("body", b"")
        self.body.append(chunk)
        self.size += len(chunk)
        if self.size > self.config.max_body_size:
            await self._flush(bool(message.get("more_body", False)))
            return
        if not message.get("more_body", False):
            await self._finish()

    def _storable(self, message: Message) -> bool:
        if message["status"] not in self.config.status_codes:
            return False
        for name, value in message.get("headers", ()):
            lower = name.lower()
            if lower == b"set-cookie":
                return False
            if lower == b"cache-control" and directives(value.decode("latin-1")) & {"no-store", "private"}:
                return False
            if lower == b"content-type" and value.startswith(b"text/event-stream"):
                return False  # an event stream never ends: buffering it would hold every event back
        return True

    async def _flush(self, more_body: bool | None) -> None:
        """Give up storing: send what was held back (ending the body unless ``more_body``), pass the rest through."""
        self.passthrough = True
        if self.start is not None:
            start, self.start = self.start, None
            await self.send(start)
            body = b"".join(self.body)
            self.body = []
            if body or more_body is not None:
                await self.send({"type": "http.response.body", "body": body, "more_body": more_body is not False})

    async def _finish(self) -> None:
        config = self.config
        start = self.start
        if start is None:  # pragma: no cover - _finish only runs after a start was held
            return
        body = b"".join(self.body)
        headers = [(n, v) for n, v in start["headers"] if n.lower() not in _DROP_ON_STORE]
        names = {n.lower() for n, _ in headers}
        etag: str | None = None
        for name, value in headers:
            if name.lower() == b"etag":
                etag = value.decode("latin-1")
        if etag is None and config.etag:
            etag = make_etag(body)
            headers.append((b"etag", etag.encode("latin-1")))
        if b"cache-control" not in names and config.expire is not None:
            headers.append((b"cache-control", f"max-age={int(config.expire)}".encode()))
        if config.vary:
            headers.append((b"vary", b", ".join(config.vary)))
        meta = {"s": start["status"], "h": [(n.decode("latin-1"), v.decode("latin-1")) for n, v in headers], "t": etag}
        payload = json.dumps(meta).encode() + b"\n" + body
        try:
            await config.cache.set(
                self.full_key,
                payload,
                config.expire,
                tags=self.tags,
                base_key=self.base_key,
                versions=self.versions,
            )
        except Exception as exc:  # served anyway, just not stored
            config.cache.warn(exc)
        self.passthrough = True
        headers.append((b"age", b"0"))
        headers.append((b"x-cache", b"MISS"))
        if etag_matches(self.if_none_match, etag):
            kept = [(n, v) for n, v in headers if n.lower() in _NOT_MODIFIED_HEADERS or n in (b"age", b"x-cache")]
            await self.send({"type": "http.response.start", "status": 304, "headers": kept})
            await self.send({"type": "http.response.body", "body": b""})
            return
        await self.send({"type": "http.response.start", "status": start["status"], "headers": headers})
        await self.send({"type": "http.response.body", "body": body})
