"""Compress responses with gzip for clients that accept it.

Example:
    ```python
    from zephyr import FastAPI
    from zephyr.middleware.gzip import GZipMiddleware

    app = FastAPI()
    app.add_middleware(GZipMiddleware, minimum_size=1000, compresslevel=5)
    ```
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Iterable

import anyio
import anyio.to_thread

from zephyr.middleware._send import add_vary
from zephyr.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ("DEFAULT_EXCLUDED_CONTENT_TYPES", "GZipMiddleware")

DEFAULT_EXCLUDED_CONTENT_TYPES = (
    "application/grpc",
    "application/gzip",
    "application/x-gzip",
    "application/zip",
    "audio/*",
    "font/woff",
    "font/woff2",
    "image/avif",
    "image/gif",
    "image/jpeg",
    "image/png",
    "image/webp",
    "text/event-stream",
    "video/*",
)
"""Media types never compressed: already compressed formats, and event streams that must reach the client at once."""

_ACCEPT_ENCODING = b"accept-encoding"
_CONTENT_ENCODING = b"content-encoding"
_CONTENT_LENGTH = b"content-length"
_CONTENT_TYPE = b"content-type"
_GZIP = (_CONTENT_ENCODING, b"gzip")

# Responder states.
_START, _PENDING, _IDENTITY, _GZIP_STREAM = range(4)


def _media_type(value: str) -> str:
    return value.split(";", 1)[0].strip().lower()


def _compress(compressor: zlib._Compress, body: bytes, more: bool) -> bytes:
    return compressor.compress(body) + compressor.flush(zlib.Z_SYNC_FLUSH if more else zlib.Z_FINISH)


class GZipMiddleware:
    """Compress response bodies with gzip when the request's ``Accept-Encoding`` mentions ``gzip``.

    A response is compressed when its first body message is at least ``minimum_size`` bytes, or when it is streamed
    (its first body message says ``more_body``): each streamed chunk is then compressed and flushed on its own, so
    the client receives it at once. Such responses get ``Vary: Accept-Encoding`` whether or not the client accepts
    gzip. Left alone: responses that already have a ``Content-Encoding``, ``206 Partial Content`` answers, and
    media types in ``exclude_content_types``. Behaves on the wire as Starlette's ``GZipMiddleware``.

    Args:
        app: The ASGI app to wrap.
        minimum_size: The smallest one-message body worth compressing, in bytes.
        compresslevel: The zlib level, from 1 (fastest) to 9 (smallest).
        thread_minimum_size: Bodies or chunks at least this big are compressed in a worker thread, so that the event
            loop keeps serving other requests meanwhile.
        exclude_content_types: Media types never to compress; ``"type/*"`` covers a whole type. Parameters such as
            ``charset`` are ignored, case does not matter.

    Raises:
        ValueError: If ``compresslevel`` is not between -1 and 9, or a size is negative.
    """

    __slots__ = (
        "_excluded",
        "_excluded_prefixes",
        "_limiter",
        "app",
        "compresslevel",
        "minimum_size",
        "thread_minimum_size",
    )

    def __init__(
        self,
        app: ASGIApp,
        minimum_size: int = 500,
        compresslevel: int = 9,
        thread_minimum_size: int = 131072,
        *,
        exclude_content_types: tuple[str, ...] = DEFAULT_EXCLUDED_CONTENT_TYPES,
    ) -> None:
        if not -1 <= compresslevel <= 9:
            raise ValueError(
                f"GZipMiddleware got compresslevel={compresslevel!r}; pass a level from 0 to 9 (or -1, zlib's default)."
            )
        if minimum_size < 0 or thread_minimum_size < 0:
            raise ValueError(
                f"GZipMiddleware got minimum_size={minimum_size!r}, thread_minimum_size={thread_minimum_size!r}; "
                "sizes are byte counts and cannot be negative."
            )
        self.app = app
        self.minimum_size = minimum_size
        self.compresslevel = compresslevel
        self.thread_minimum_size = thread_minimum_size
        normalized = [_media_type(media_type) for media_type in exclude_content_types]
        self._excluded = frozenset(media_type for media_type in normalized if not media_type.endswith("/*"))
        self._excluded_prefixes = tuple(media_type[:-1] for media_type in normalized if media_type.endswith("/*"))
        self._limiter: anyio.CapacityLimiter | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the app, compressing its response if the client accepts gzip."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        accepts_gzip = False
        for name, value in scope["headers"]:
            if name == _ACCEPT_ENCODING:
                accepts_gzip = b"gzip" in value
                break
        await self.app(scope, receive, _Responder(self, send, accepts_gzip).send)

    def _is_excluded(self, content_type: bytes) -> bool:
        media_type = _media_type(content_type.decode("latin-1"))
        if self._matches(media_type):
            return True
        # gRPC variants (``application/grpc+proto``...) are excluded with ``application/grpc``.
        return media_type.startswith("application/grpc+") and self._matches("application/grpc")

    def _matches(self, media_type: str) -> bool:
        return media_type in self._excluded or media_type.startswith(self._excluded_prefixes)

    async def _compress(self, compressor: zlib._Compress, body: bytes, more: bool) -> bytes:
        if len(body) < self.thread_minimum_size:
            return _compress(compressor, body, more)
        if self._limiter is None:
            # Created on first use: a limiter belongs to the running event loop. One thread per CPU at most, so
            # large bodies cannot crowd out the worker threads that sync endpoints run on.
            self._limiter = anyio.CapacityLimiter(os.cpu_count() or 1)
        return await anyio.to_thread.run_sync(_compress, compressor, body, more, limiter=self._limiter)


class _Responder:
    """The ``send`` of one response: holds the start message until the first body shows whether to compress."""

    __slots__ = ("_accepts_gzip", "_compressor", "_middleware", "_send", "_start", "_state")

    def __init__(self, middleware: GZipMiddleware, send: Send, accepts_gzip: bool) -> None:
        self._middleware = middleware
        self._send = send
        self._accepts_gzip = accepts_gzip
        self._state = _START
        self._start: Message | None = None
        self._compressor: zlib._Compress | None = None

    async def send(self, message: Message) -> None:
        state = self._state
        if state == _IDENTITY:
            await self._send(message)
        elif state == _GZIP_STREAM:
            await self._send_compressed(message)
        elif state == _START:
            await self._on_start(message)
        else:
            await self._on_first_body(message)

    async def _on_start(self, message: Message) -> None:
        if message["type"] != "http.response.start":
            await self._send(message)
            return
        if message.get("status") == 206 or self._leaves_alone(message.get("headers", ())):
            self._state = _IDENTITY
            await self._send(message)
            return
        self._start = message
        self._state = _PENDING

    def _leaves_alone(self, headers: Iterable[tuple[bytes, bytes]]) -> bool:
        content_type = None
        for name, value in headers:
            if name == _CONTENT_ENCODING:
                return True
            if name == _CONTENT_TYPE and content_type is None:
                content_type = value
        return content_type is not None and self._middleware._is_excluded(content_type)

    async def _on_first_body(self, message: Message) -> None:
        start = self._start
        if start is None:  # pragma: no cover - _PENDING is only entered with a start message
            raise RuntimeError("GZipMiddleware received a body before the response start.")
        self._start = None
        if message["type"] != "http.response.body":
            self._state = _IDENTITY
            await self._send(start)
            await self._send(message)
            return
        body: bytes = message.get("body", b"")
        more: bool = message.get("more_body", False)
        if not more and len(body) < self._middleware.minimum_size:
            self._state = _IDENTITY
            await self._send(start)
            await self._send(message)
            return
        headers = add_vary(start.get("headers", ()), b"Accept-Encoding")
        if not self._accepts_gzip:
            self._state = _IDENTITY
            start["headers"] = headers
            await self._send(start)
            await self._send(message)
            return
        self._compressor = zlib.compressobj(self._middleware.compresslevel, zlib.DEFLATED, 31)
        data = await self._middleware._compress(self._compressor, body, more)
        if more:
            headers = [(name, value) for name, value in headers if name != _CONTENT_LENGTH]
            headers.append(_GZIP)
        else:
            headers = _with_length(headers, len(data))
        start["headers"] = headers
        self._state = _GZIP_STREAM
        await self._send(start)
        if more:
            await self._send({"type": "http.response.body", "body": data, "more_body": True})
        else:
            await self._send({"type": "http.response.body", "body": data})

    async def _send_compressed(self, message: Message) -> None:
        if message["type"] != "http.response.body" or self._compressor is None:
            await self._send(message)
            return
        more: bool = message.get("more_body", False)
        data = await self._middleware._compress(self._compressor, message.get("body", b""), more)
        if not more:
            self._compressor = None
        await self._send({"type": "http.response.body", "body": data, "more_body": more})


def _with_length(headers: list[tuple[bytes, bytes]], length: int) -> list[tuple[bytes, bytes]]:
    """Add ``Content-Encoding: gzip`` and set ``Content-Length`` (in place of the old one, if any)."""
    value = str(length).encode("latin-1")
    result: list[tuple[bytes, bytes]] = []
    replaced = False
    for name, old in headers:
        if name == _CONTENT_LENGTH:
            if not replaced:
                result.append((name, value))
                replaced = True
            continue
        result.append((name, old))
    result.append(_GZIP)
    if not replaced:
        result.append((_CONTENT_LENGTH, value))
    return result
