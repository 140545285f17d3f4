"""Response classes: the body is rendered once, the headers kept as raw ASGI byte pairs.

The classes and their behaviour on the wire are those of ``fastapi.responses`` (Starlette's): same headers in the
same order, same cookie strings, same Range handling. A response is an ASGI app: ``await response(scope, receive,
send)`` sends it and then runs its ``background`` task.

A ``HEAD`` request gets the same messages as a ``GET`` from ``Response`` and ``StreamingResponse`` (the server drops
the body, as with Starlette); ``FileResponse`` sends the headers only.

Example:
    ```python
    from zephyr.responses import JSONResponse


    @app.get("/items/{item_id}")
    async def read_item(item_id: str) -> JSONResponse:
        response = JSONResponse({"id": item_id}, status_code=200, headers={"X-Item": item_id})
        response.set_cookie("last_item", item_id, httponly=True)
        return response
    ```
"""

from __future__ import annotations

import importlib
import json
import os
from collections.abc import AsyncIterable, Awaitable, Callable, Iterable, Mapping
from datetime import datetime
from secrets import token_hex
from typing import TYPE_CHECKING, Any, BinaryIO, Literal
from urllib.parse import quote

# ``anyio.to_thread`` is not imported here: anyio loads it on first use (older anyio, with the package itself).
import anyio
from typing_extensions import deprecated

from zephyr import _fileresponse as _file
from zephyr import _streaming
from zephyr._header_values import encode_header_value
from zephyr._interop.starlette import StarletteTwin
from zephyr.background import BackgroundTask
from zephyr.exceptions import FastAPIDeprecationWarning, MissingDependencyError
from zephyr.types import Receive, Scope, Send

if TYPE_CHECKING:
    from http.cookies import Morsel, SimpleCookie

    from zephyr.datastructures import URL, MutableHeaders

__all__ = (
    "AsyncContentStream",
    "Content",
    "ContentStream",
    "FileResponse",
    "HTMLResponse",
    "JSONResponse",
    "ORJSONResponse",
    "PlainTextResponse",
    "RedirectResponse",
    "Response",
    "StreamingResponse",
    "SyncContentStream",
    "UJSONResponse",
)

_START = _streaming.START
_BODY = _streaming.BODY
_SAMESITE = ("strict", "lax", "none")


_cookie_tools: tuple[type[Morsel[str]], SimpleCookie] | None = None
"""``(_Morsel, SimpleCookie())``, built by the first ``set_cookie`` so that ``import zephyr`` skips ``http.cookies``."""


def _load_cookie_tools() -> tuple[type[Morsel[str]], SimpleCookie]:
    global _cookie_tools
    if _cookie_tools is None:
        import http.cookies

        class _Morsel(http.cookies.Morsel):  # type: ignore[type-arg]
            """A cookie that knows the ``Partitioned`` flag on every Python (the stdlib learnt it in 3.14)."""

            _reserved = {**http.cookies.Morsel._reserved, "partitioned": "Partitioned"}  # type: ignore[attr-defined]  # noqa: RUF012
            _flags = {*http.cookies.Morsel._flags, "partitioned"}  # type: ignore[attr-defined]  # noqa: RUF012

        # Only the cookie's value_encode() is used: stateless.
        _cookie_tools = (_Morsel, http.cookies.SimpleCookie())
    return _cookie_tools


def _content_type(media_type: str, charset: str) -> bytes:
    """Return the ``content-type`` value: ``text/*`` types get ``; charset=...`` unless they name one."""
    if media_type.startswith("text/") and "charset=" not in media_type.lower():
        media_type = f"{media_type}; charset={charset}"
    return media_type.encode("latin-1")


class Response(StarletteTwin):
    """A response whose whole body is known up front.

    Example:
        ```python
        @app.get("/legacy", response_class=Response)
        def legacy() -> Response:
            return Response(content="<shampoo/>", media_type="application/xml", headers={"X-Version": "1"})
        ```

    Args:
        content: ``bytes``, ``memoryview`` or ``str`` (encoded with ``charset``); ``None`` for an empty body.
        status_code: The HTTP status code.
        headers: Extra headers; ``content-length`` and ``content-type`` given here are kept as they are.
        media_type: The ``content-type`` (``; charset=utf-8`` is appended for ``text/*``); defaults to the class's.
        background: A task to run after the response is sent.
    """

    # ``__dict__`` stays so that subclasses and users may set attributes (``media_type`` per instance, for one).
    __slots__ = ("__dict__", "_headers", "background", "body", "raw_headers", "status_code")

    media_type: str | None = None
    charset: str = "utf-8"
    _content_type: tuple[str | None, str, bytes] = (None, "utf-8", b"")
    """``(media_type, charset, header value)`` worked out once per class, used while both attributes are unchanged."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        media_type = cls.media_type
        cls._content_type = (
            media_type,
            cls.charset,
            b"" if media_type is None else _content_type(media_type, cls.charset),
        )

    def __init__(
        self,
        content: Any = None,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
        background: BackgroundTask | None = None,
    ) -> None:
        self.status_code = status_code
        if media_type is not None:
            self.media_type = media_type
        self.background = background
        self.body = self.render(content)
        self.init_headers(headers)

    def render(self, content: Any) -> bytes | memoryview:
        """Turn ``content`` into the body bytes; subclasses override this to serialize.

        Raises:
            TypeError: ``content`` is not ``None``, ``str``, ``bytes``, ``bytearray`` or ``memoryview``.
        """
        if content is None:
            return b""
        if isinstance(content, bytes):
            return content
        if isinstance(content, str):
            return content.encode(self.charset)
        if isinstance(content, memoryview):
            return content.cast("B") if content.c_contiguous else content.tobytes()
        if isinstance(content, bytearray):
            return bytes(content)
        raise TypeError(
            f"{type(self).__name__} cannot send content of type {type(content).__name__} ({content!r:.60}): "
            "pass str or bytes, or use JSONResponse for data to serialize."
        )

    def init_headers(self, headers: Mapping[str, str] | None = None) -> None:
        """Build ``raw_headers``: the given headers, then ``content-length`` and ``content-type`` unless given."""
        need_length = need_type = True
        if headers is None:
            raw: list[tuple[bytes, bytes]] = []
        else:
            values = "".join(headers.values())
            if values.isascii() and values.isprintable():  # two scans for all values: nothing to check further
                raw = [(key.lower().encode("latin-1"), value.encode("ascii")) for key, value in headers.items()]
            else:  # the exact check, which refuses (or RFC 8187-encodes) what cannot be sent
                raw = [
                    (key.lower().encode("latin-1"), encode_header_value(key, value)) for key, value in headers.items()
                ]
            for key, _ in raw:
                if key == b"content-length":
                    need_length = False
                elif key == b"content-type":
                    need_type = False
        if need_length:
            body = getattr(self, "body", None)
            status_code = self.status_code
            if body is not None and status_code >= 200 and status_code != 204 and status_code != 304:
                raw.append((b"content-length", b"%d" % len(body)))
        media_type = self.media_type
        if media_type is not None and need_type:
            known = type(self)._content_type
            if known[0] is media_type and known[1] is self.charset:
                raw.append((b"content-type", known[2]))
            else:
                raw.append((b"content-type", _content_type(media_type, self.charset)))
        self.raw_headers = raw

    @property
    def headers(self) -> MutableHeaders:
        """The headers as ``MutableHeaders``; edits change ``raw_headers`` in place."""
        try:
            headers = self._headers
        except AttributeError:
            pass
        else:
            # Still a view of the current list, unless ``raw_headers`` was replaced since.
            if headers.raw is self.raw_headers:
                return headers
        from zephyr.datastructures import MutableHeaders

        self._headers: MutableHeaders = MutableHeaders(raw=self.raw_headers)
        return self._headers

    def set_cookie(
        self,
        key: str,
        value: str = "",
        max_age: int | None = None,
        expires: datetime | str | int | None = None,
        path: str | None = "/",
        domain: str | None = None,
        secure: bool = False,
        httponly: bool = False,
        samesite: Literal["lax", "strict", "none"] | None = "lax",
        partitioned: bool = False,
    ) -> None:
        """Add a ``set-cookie`` header, formatted exactly as Starlette's.

        Args:
            key: The cookie name.
            value: The cookie value (quoted when it needs to be).
            max_age: Lifetime in seconds.
            expires: An aware UTC ``datetime``, an HTTP date string, or seconds from now.
            path: The path the cookie applies to; ``None`` to leave it out.
            domain: The domain the cookie applies to.
            secure: Send only over HTTPS.
            httponly: Hide the cookie from JavaScript.
            samesite: ``"lax"``, ``"strict"``, ``"none"``, or ``None`` to leave it out.
            partitioned: Add the ``Partitioned`` flag (CHIPS), on every Python version.

        Raises:
            ValueError: ``samesite`` is not one of the three values.
            http.cookies.CookieError: ``key`` is not a legal cookie name.
        """
        morsel_class, cookie_quoting = _cookie_tools or _load_cookie_tools()
        morsel = morsel_class()
        real_value, coded_value = cookie_quoting.value_encode(value)
        morsel.set(key, real_value, coded_value)
        if max_age is not None:
            morsel["max-age"] = max_age
        if expires is not None:
            if isinstance(expires, datetime):
                from email.utils import format_datetime

                expires = format_datetime(expires, usegmt=True)
            morsel["expires"] = expires
        if path is not None:
            morsel["path"] = path
        if domain is not None:
            morsel["domain"] = domain
        if secure:
            morsel["secure"] = True
        if httponly:
            morsel["httponly"] = True
        if samesite is not None:
            if samesite.lower() not in _SAMESITE:
                raise ValueError(f"samesite must be 'strict', 'lax' or 'none' (or None to omit it), not {samesite!r}.")
            morsel["samesite"] = samesite
        if partitioned:
            morsel["partitioned"] = True
        self.raw_headers.append((b"set-cookie", morsel.OutputString().encode("latin-1")))

    def delete_cookie(
        self,
        key: str,
        path: str = "/",
        domain: str | None = None,
        secure: bool = False,
        httponly: bool = False,
        samesite: Literal["lax", "strict", "none"] | None = "lax",
        partitioned: bool = False,
    ) -> None:
        """Add a ``set-cookie`` header that expires the cookie now; give the ``path`` and ``domain`` it was set with.

        Args:
            key: The cookie name.
            path: The cookie's path.
            domain: The cookie's domain.
            secure: As when it was set.
            httponly: As when it was set.
            samesite: As when it was set.
            partitioned: As when it was set.
        """
        self.set_cookie(
            key,
            max_age=0,
            expires=0,
            path=path,
            domain=domain,
            secure=secure,
            httponly=httponly,
            samesite=samesite,
            partitioned=partitioned,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Send the response (as a WebSocket denial response in a ``websocket`` scope), then run ``background``."""
        if scope["type"] == "websocket":
            send = _streaming.websocket_denial(send)
        await send({"type": _START, "status": self.status_code, "headers": self.raw_headers})
        await send({"type": _BODY, "body": self.body})
        if self.background is not None:
            await self.background()


class HTMLResponse(Response):
    """A ``text/html; charset=utf-8`` response."""

    __slots__ = ()
    media_type = "text/html"


class PlainTextResponse(Response):
    """A ``text/plain; charset=utf-8`` response."""

    __slots__ = ()
    media_type = "text/plain"


_json_encoder = json.JSONEncoder(ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":"))
"""Stateless; the same settings as Starlette's ``json.dumps`` call, built once rather than per response."""
_ascii_json_encoder = json.JSONEncoder(ensure_ascii=True, allow_nan=False, indent=None, separators=(",", ":"))


class JSONResponse(Response):
    """A JSON response, serialized with the standard library (compact, UTF-8, no NaN).

    Plain ``json`` cannot serialize datetimes or models: run ``jsonable_encoder`` on such content first.
    """

    __slots__ = ()
    media_type = "application/json"

    def __init__(
        self,
        content: Any,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
        background: BackgroundTask | None = None,
    ) -> None:
        super().__init__(content, status_code, headers, media_type, background)

    def render(self, content: Any) -> bytes:
        """Serialize ``content`` to compact JSON bytes.

        A string holding a lone surrogate (a client's surrogate escape, decoded by ``json.loads``) cannot be UTF-8
        encoded; such content is written with every non-ASCII character escaped instead (the same JSON value),
        where Starlette fails with a 500.
        """
        text = _json_encoder.encode(content)
        try:
            return text.encode("utf-8")
        except UnicodeEncodeError:
            return _ascii_json_encoder.encode(content).encode("ascii")


class RedirectResponse(Response):
    """A redirect with an empty body and a ``location`` header.

    Example:
        ```python
        @app.post("/login")
        def login() -> RedirectResponse:
            return RedirectResponse("/home", status_code=303)
        ```

    Args:
        url: Where to; characters not allowed in a URL are percent-quoted.
        status_code: 307 keeps the method and body; use 303 after a form POST, 301/308 for permanent moves.
        headers: Extra headers.
        background: A task to run after the response is sent.
    """

    __slots__ = ()

    def __init__(
        self,
        url: str | URL,
        status_code: int = 307,
        headers: Mapping[str, str] | None = None,
        background: BackgroundTask | None = None,
    ) -> None:
        super().__init__(content=b"", status_code=status_code, headers=headers, background=background)
        location = quote(str(url), safe=":/%#?=@[]!$&'()*+,;")
        _file.set_header(self.raw_headers, b"location", location.encode("latin-1"))


_DEPRECATED_JSON = (
    "{name} is deprecated: Zephyr serializes data directly to JSON bytes with Pydantic when the endpoint has a "
    "return type or response_model, which is faster and needs no custom response class. Return the data and annotate "
    "the return type instead (or use JSONResponse)."
)


@deprecated(_DEPRECATED_JSON.format(name="UJSONResponse"), category=FastAPIDeprecationWarning, stacklevel=2)
class UJSONResponse(JSONResponse):
    """JSON via ``ujson`` (deprecated, as in FastAPI; needs ``pip install 'zephyr[ujson]'``)."""

    __slots__ = ()

    def render(self, content: Any) -> bytes:
        """Serialize ``content`` with ``ujson``."""
        try:
            import ujson
        except ImportError:
            raise MissingDependencyError("ujson", "ujson", "UJSONResponse") from None
        result: bytes = ujson.dumps(content, ensure_ascii=False).encode("utf-8")
        return result


@deprecated(_DEPRECATED_JSON.format(name="ORJSONResponse"), category=FastAPIDeprecationWarning, stacklevel=2)
class ORJSONResponse(JSONResponse):
    """JSON via ``orjson``, with non-str keys and numpy arrays (deprecated, as in FastAPI; needs ``zephyr[orjson]``)."""

    __slots__ = ()

    def render(self, content: Any) -> bytes:
        """Serialize ``content`` with ``orjson``."""
        try:
            import orjson
        except ImportError:
            raise MissingDependencyError("orjson", "orjson", "ORJSONResponse") from None
        return orjson.dumps(content, option=orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY)


Content = str | bytes | memoryview
"""One chunk of a streamed body."""
SyncContentStream = Iterable[Content]
AsyncContentStream = AsyncIterable[Content]
ContentStream = AsyncContentStream | SyncContentStream
"""What ``StreamingResponse`` accepts: a sync or async iterable of ``str``, ``bytes`` or ``memoryview`` chunks."""


class StreamingResponse(Response):
    """A response whose body comes from an iterator, sent chunk by chunk as it is produced.

    Each chunk is awaited into ``send`` before the next is fetched, so a slow client slows the producer. When the
    client disconnects, the iterator is stopped and closed (``aclose()``, or ``close()`` for a sync generator), so
    its ``finally`` blocks run; then ``background`` runs.

    Example:
        ```python
        async def numbers() -> AsyncIterator[str]:
            for number in range(10):
                yield str(number)


        return StreamingResponse(numbers(), media_type="text/plain")
        ```

    Args:
        content: A sync or async iterable of ``str``/``bytes``/``memoryview``; sync ones are iterated in the
            thread pool.
        status_code: The HTTP status code.
        headers: Extra headers (no ``content-length`` is added).
        media_type: The ``content-type``.
        background: A task to run after the body is sent.
    """

    __slots__ = ()

    body_iterator: AsyncIterable[Content]

    def __init__(
        self,
        content: ContentStream,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
        background: BackgroundTask | None = None,
    ) -> None:
        if isinstance(content, AsyncIterable):
            self.body_iterator = content
        else:
            self.body_iterator = _streaming.iterate_sync(content)
        self.status_code = status_code
        if media_type is not None:
            self.media_type = media_type
        self.background = background
        self.init_headers(headers)

    async def stream_response(self, send: Send) -> None:
        """Send the start message and every chunk, then close the iterator even if sending fails."""
        await send({"type": _START, "status": self.status_code, "headers": self.raw_headers})
        iterator = aiter(self.body_iterator)
        charset = self.charset
        try:
            async for chunk in iterator:
                if not isinstance(chunk, bytes | memoryview):
                    chunk = chunk.encode(charset)
                await send({"type": _BODY, "body": chunk, "more_body": True})
        finally:
            aclose = getattr(iterator, "aclose", None)
            if aclose is not None:
                with anyio.CancelScope(shield=True):
                    await aclose()
        await send({"type": _BODY, "body": b"", "more_body": False})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Stream the body, stopping if the client disconnects, then run ``background``."""
        if scope["type"] == "websocket":
            await self.stream_response(_streaming.websocket_denial(send))
        elif _streaming.spec_version(scope) >= (2, 4):
            # Such servers raise OSError from send() once the client is gone.
            try:
                await self.stream_response(send)
            except OSError:
                from zephyr.requests import ClientDisconnect

                raise ClientDisconnect() from None
        else:
            await _streaming.cancel_on_disconnect(lambda: self.stream_response(send), receive)
        if self.background is not None:
            await self.background()


class FileResponse(Response):
    """Send a file from disk, in 64 KiB chunks read in a worker thread (never the whole file in memory).

    Adds ``content-length``, ``last-modified``, ``etag`` (MD5 of ``"{mtime}-{size}"``, as Starlette) and
    ``accept-ranges: bytes``; guesses the media type from the file name. Answers, for a 200 response to GET or HEAD:

    - ``Range: bytes=...`` with 206 (one range, ``content-range``) or 206 ``multipart/byteranges`` (several, merged
      when they overlap); 416 with ``content-range: bytes */size`` when a range starts past the end; 400 when the
      header is malformed (Starlette 1.x's rules and messages); ``If-Range`` is honoured;
    - ``If-None-Match`` / ``If-Modified-Since`` matching the file with 304 Not Modified (Starlette's ``FileResponse``
      leaves this to ``StaticFiles``; answering it here is allowed by RFC 9110 and saves the transfer);
    - HEAD with the headers only.

    Uses the ``http.response.pathsend`` extension when the server offers it. The ``background`` task runs after
    every answer, including 304, 400 and 416.

    Example:
        ```python
        @app.get("/report")
        async def report() -> FileResponse:
            return FileResponse("reports/2024.pdf", filename="report 2024.pdf")
        ```

    Args:
        path: The file to send.
        status_code: The status of a full answer.
        headers: Extra headers.
        media_type: The ``content-type``; guessed from ``filename`` or ``path`` when omitted.
        background: A task to run after the response is sent.
        filename: Adds ``content-disposition`` with this name (RFC 6266 ``filename*=utf-8''...`` when not ASCII-safe).
        stat_result: The file's ``os.stat()`` result, if already known (saves a call).
        method: ``"HEAD"`` to send the headers only whatever the request method (older Starlette's parameter).
        content_disposition_type: ``"attachment"`` (download) or ``"inline"`` (display).

    Raises:
        RuntimeError: When sent, if the file does not exist or is not a regular file.
    """

    __slots__ = ()

    chunk_size = 64 * 1024
    """Bytes read per thread hop and sent per message."""
    max_ranges = 100
    """A Range header asking for more ranges than this is ignored (the whole file is sent), as in Starlette."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
        background: BackgroundTask | None = None,
        filename: str | None = None,
        stat_result: os.stat_result | None = None,
        method: str | None = None,
        content_disposition_type: str = "attachment",
    ) -> None:
        self.path = path
        self.status_code = status_code
        self.filename = filename
        self.send_header_only = method is not None and method.upper() == "HEAD"
        if media_type is None:
            from mimetypes import guess_type

            media_type = guess_type(filename or path)[0] or "application/octet-stream"
        self.media_type = media_type
        self.background = background
        self.init_headers(headers)
        raw = self.raw_headers
        _file.setdefault_header(raw, b"accept-ranges", b"bytes")
        if filename is not None:
            quoted = quote(filename)
            if quoted != filename:
                disposition = f"{content_disposition_type}; filename*=utf-8''{quoted}"
            else:
                disposition = f'{content_disposition_type}; filename="{filename}"'
            _file.setdefault_header(raw, b"content-disposition", disposition.encode("latin-1"))
        self.stat_result = stat_result
        if stat_result is not None:
            self.set_stat_headers(stat_result)

    def set_stat_headers(self, stat_result: os.stat_result) -> None:
        """Add ``content-length``, ``last-modified`` and ``etag`` for the file, unless already set."""
        raw = self.raw_headers
        for name, value in _file.stat_headers(stat_result):
            _file.setdefault_header(raw, name, value)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:  # noqa: C901 - one decision table
        """Stat the file if needed, pick the answer (200, 206, 304, 400, 416, headers only) and send it."""
        is_http = scope["type"] == "http"
        method = scope["method"].upper() if is_http else "GET"
        header_only = is_http and (method == "HEAD" or self.send_header_only)
        pathsend = is_http and not header_only and "http.response.pathsend" in (scope.get("extensions") or {})
        plain_send = send
        if scope["type"] == "websocket":
            send = _streaming.websocket_denial(send)

        range_value = if_range = if_none_match = if_modified_since = None
        for name, value in scope.get("headers") or ():
            if name == b"range":
                range_value = range_value or value
            elif name == b"if-range":
                if_range = if_range or value
            elif name == b"if-none-match":
                if_none_match = if_none_match or value
            elif name == b"if-modified-since":
                if_modified_since = if_modified_since or value
        full = self.status_code == 200 and method in ("GET", "HEAD")
        conditional = full and (if_none_match is not None or if_modified_since is not None)
        ranged = range_value is not None and full

        first: tuple[bytes, BinaryIO | None] | None = None
        if self.stat_result is not None:
            stat_result = self.stat_result
        else:
            if header_only or pathsend or conditional or ranged:
                stat_result = await anyio.to_thread.run_sync(_file.stat_path, self.path)
            else:
                # The common case, a plain GET: stat, open and read the first chunk in one thread hop.
                stat_result, first = await anyio.to_thread.run_sync(_file.stat_and_read, self.path, self.chunk_size)
            self.set_stat_headers(stat_result)
        raw = self.raw_headers

        if conditional and _file.is_not_modified(
            if_none_match, if_modified_since, _file.get_header(raw, b"etag"), _file.get_header(raw, b"last-modified")
        ):
            await send({"type": _START, "status": 304, "headers": _file.not_modified_headers(raw)})
            await send({"type": _BODY, "body": b"", "more_body": False})
            if self.background is not None:
                await self.background()
            return

        size = stat_result.st_size
        ranges: list[tuple[int, int]] = []
        if ranged and range_value is not None and (if_range is None or self._should_use_range(if_range)):
            try:
                ranges = _file.parse_range_header(range_value.decode("latin-1"), size, self.max_ranges)
            except _file.MalformedRangeHeader as exc:
                await PlainTextResponse(exc.content, status_code=400, background=self.background)(
                    scope, receive, plain_send
                )
                return
            except _file.RangeNotSatisfiable as exc:
                headers = {"Content-Range": f"bytes */{exc.max_size}"}
                await PlainTextResponse(status_code=416, headers=headers, background=self.background)(
                    scope, receive, plain_send
                )
                return

        if len(ranges) == 1:
            start, end = ranges[0]
            send_file: Callable[[], Awaitable[None]] = lambda: self._send_single_range(  # noqa: E731
                send, start, end, size, header_only
            )
        elif ranges:
            send_file = lambda: self._send_multiple_ranges(send, ranges, size, header_only)  # noqa: E731
        elif pathsend:
            send_file = lambda: self._send_pathsend(send)  # noqa: E731
        else:
            send_file = lambda: self._send_whole(send, size, header_only, first)  # noqa: E731

        if not is_http or header_only or (pathsend and not ranges) or _streaming.spec_version(scope) >= (2, 4):
            await send_file()
        else:
            await _streaming.cancel_on_disconnect(send_file, receive)
        if self.background is not None:
            await self.background()

    def _should_use_range(self, if_range: bytes) -> bool:
        # A weak validator never matches If-Range (RFC 9110, section 13.1.5).
        if if_range.startswith(b"W/"):
            return False
        raw = self.raw_headers
        return if_range in (_file.get_header(raw, b"last-modified"), _file.get_header(raw, b"etag"))

    async def _send_body(
        self, send: Send, start: int, length: int, more_after: bool, first: tuple[bytes, BinaryIO | None] | None
    ) -> int:
        """Send ``length`` bytes from ``start``; return how many were missing (the file shrank)."""
        if first is None:
            first = await anyio.to_thread.run_sync(_file.open_and_read, self.path, start, length, self.chunk_size)
        data, file = first
        try:
            remaining = length - len(data)
            while file is not None:
                await send({"type": _BODY, "body": data, "more_body": True})
                data, file = await anyio.to_thread.run_sync(_file.read_next, file, remaining, self.chunk_size)
                remaining -= len(data)
        finally:
            if file is not None:
                file.close()
        await send({"type": _BODY, "body": data, "more_body": more_after})
        return remaining

    async def _send_whole(
        self, send: Send, size: int, header_only: bool, first: tuple[bytes, BinaryIO | None] | None
    ) -> None:
        try:
            await send({"type": _START, "status": self.status_code, "headers": self.raw_headers})
        except BaseException:
            if first is not None and first[1] is not None:
                first[1].close()
            raise
        if header_only:
            await send({"type": _BODY, "body": b"", "more_body": False})
        else:
            await self._send_body(send, 0, size, False, first)

    async def _send_pathsend(self, send: Send) -> None:
        await send({"type": _START, "status": self.status_code, "headers": self.raw_headers})
        await send({"type": "http.response.pathsend", "path": str(self.path)})

    async def _send_single_range(self, send: Send, start: int, end: int, size: int, header_only: bool) -> None:
        headers = list(self.raw_headers)
        _file.set_header(headers, b"content-range", f"bytes {start}-{end - 1}/{size}".encode("latin-1"))
        _file.set_header(headers, b"content-length", b"%d" % (end - start))
        await send({"type": _START, "status": 206, "headers": headers})
        if header_only:
            await send({"type": _BODY, "body": b"", "more_body": False})
        else:
            await self._send_body(send, start, end - start, False, None)

    async def _send_multiple_ranges(
        self, send: Send, ranges: list[tuple[int, int]], size: int, header_only: bool
    ) -> None:
        # Browsers use boundaries of about 95 bits of entropy; 13 random bytes match that.
        boundary = token_hex(13)
        content_type = (_file.get_header(self.raw_headers, b"content-type") or b"").decode("latin-1")
        headers = list(self.raw_headers)
        _file.set_header(headers, b"content-type", f"multipart/byteranges; boundary={boundary}".encode("latin-1"))
        length = _file.multipart_length(ranges, boundary, content_type, size)
        _file.set_header(headers, b"content-length", b"%d" % length)
        await send({"type": _START, "status": 206, "headers": headers})
        if header_only:
            await send({"type": _BODY, "body": b"", "more_body": False})
            return
        for start, end in ranges:
            part_header = _file.multipart_part_header(boundary, content_type, start, end, size)
            await send({"type": _BODY, "body": part_header, "more_body": True})
            if await self._send_body(send, start, end - start, True, None):
                raise RuntimeError(f"File at path {self.path} is shorter than expected.")
            await send({"type": _BODY, "body": b"\r\n", "more_body": True})
        await send({"type": _BODY, "body": f"--{boundary}--".encode("latin-1"), "more_body": False})


if not TYPE_CHECKING:
    # Hidden from type checkers, so that a typo such as ``responses.JSONRespons`` is still reported.

    def __getattr__(name: str) -> Any:
        # ``fastapi.responses`` re-exports ``EventSourceResponse``; ``zephyr.sse`` imports this module: load it late.
        if name == "EventSourceResponse":
            return importlib.import_module("zephyr.sse").EventSourceResponse
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
