"""The incoming request: a thin, lazy view over the ASGI ``scope`` and ``receive`` channel.

``HTTPConnection`` holds what HTTP requests and WebSockets share (URL, headers, query, cookies, client, state, session,
``url_for``); ``Request`` adds the method and the body: ``stream()``, ``body()``, ``json()`` and ``form()``. Every
property is computed on first access and cached, so an endpoint pays only for what it reads.

Example:
    ```python
    @app.post("/echo")
    async def echo(request: Request) -> dict[str, object]:
        return {"path": request.url.path, "body": (await request.body()).decode()}
    ```
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import AsyncGenerator, Coroutine, Generator, Iterator, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Generic, NoReturn, cast

import anyio
from typing_extensions import TypeVar

from zephyr._bodylimit import BodyTooLargeError, InheritedFormLimits
from zephyr._interop.starlette import StarletteTwin
from zephyr._limits import (
    BODY_DEADLINE,
    CLOSE_HEADERS,
    FORM_LIMITS_SCOPE_KEY,
    MAX_BODY_SIZE,
    MAX_BODY_SIZE_SCOPE_KEY,
    MAX_FORM_FIELDS,
    MAX_FORM_FILES,
    MAX_PART_SIZE,
)
from zephyr.datastructures import URL, Address, FormData, Headers, QueryParams, State
from zephyr.exceptions import HTTPException, ZephyrError
from zephyr.types import Message, Receive, Scope, Send

if TYPE_CHECKING:
    from types import TracebackType

    from zephyr._compile.direct import DirectTarget

__all__ = (
    "ClientDisconnect",
    "HTTPConnection",
    "MiddlewareNotInstalledError",
    "Request",
    "StateT",
    "cookie_parser",
    "empty_receive",
    "empty_send",
)

StateT = TypeVar("StateT", bound="Mapping[str, Any] | State", default=State)

_NO_FORM_LIMITS: Mapping[str, Any] = MappingProxyType({})
_SERVER_PUSH_HEADERS = ("accept", "accept-encoding", "accept-language", "cache-control", "user-agent")
_COOKIE_ESCAPE = re.compile(r"\\(?:([0-3][0-7][0-7])|(.))")


class ClientDisconnect(Exception):  # noqa: N818 - Starlette's name, kept for drop-in compatibility
    """The client went away (``http.disconnect``) while the request body was being read."""


class MiddlewareNotInstalledError(ZephyrError, AssertionError):
    """``request.session``, ``.auth`` or ``.user`` was read, but the middleware that provides it is not installed.

    It subclasses ``AssertionError`` because Starlette raises one here, and code may catch that.
    """


def _unescape_cookie(match: re.Match[str]) -> str:
    octal, char = match.groups()
    return chr(int(octal, 8)) if octal else char


def cookie_parser(cookie_string: str) -> dict[str, str]:
    """Parse a ``Cookie`` header into a dict, as browsers send it rather than as RFC 6265 says.

    Chunks are split on ``;``; a chunk without ``=`` is a value with an empty name; double-quoted values are
    unquoted (backslash and octal escapes).

    Args:
        cookie_string: The header value.

    Returns:
        The cookies, later duplicates winning.
    """
    cookies: dict[str, str] = {}
    for chunk in cookie_string.split(";"):
        key, sep, value = chunk.partition("=")
        if not sep:
            key, value = "", chunk
        key = key.strip()
        value = value.strip()
        if key or value:
            if len(value) >= 2 and value[0] == '"' and value[-1] == '"':
                value = _COOKIE_ESCAPE.sub(_unescape_cookie, value[1:-1])
            cookies[key] = value
    return cookies


class HTTPConnection(StarletteTwin, Mapping[str, Any], Generic[StateT]):
    """What HTTP requests and WebSocket connections share; a read-only mapping over the ASGI scope.

    Args:
        scope: The ASGI scope (``type`` ``"http"`` or ``"websocket"``).
        receive: Ignored here; ``Request`` and ``WebSocket`` keep it.

    Raises:
        ValueError: When the scope is neither HTTP nor WebSocket.
    """

    # "__dict__" keeps arbitrary attributes working (middleware sets some); CPython creates it only when used.
    # "__weakref__": a request can be referenced weakly, as Starlette's can (telemetry processors, caches).
    __slots__ = (
        "__dict__",
        "__weakref__",
        "_base_url",
        "_cookies",
        "_headers",
        "_query_params",
        "_state",
        "_url",
        "scope",
    )

    scope: Scope
    _base_url: URL
    _cookies: dict[str, str]
    _headers: Headers
    _query_params: QueryParams
    _state: State
    _url: URL

    def __init__(self, scope: Scope, receive: Receive | None = None) -> None:
        if scope["type"] not in ("http", "websocket"):
            raise ValueError(
                f"{self.__class__.__name__} needs an 'http' or 'websocket' scope, got type {scope['type']!r}."
            )
        self.scope = scope

    def __getitem__(self, key: str) -> Any:
        return self.scope[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.scope)

    def __len__(self) -> int:
        return len(self.scope)

    # Two connections are equal only when they are the same object, not when their scopes are equal.
    __eq__ = object.__eq__
    __hash__ = object.__hash__

    @property
    def app(self) -> Any:
        """The application that received the request (``scope["app"]``)."""
        return self.scope["app"]

    @property
    def url(self) -> URL:
        """The full URL of the request."""
        try:
            return self._url
        except AttributeError:
            self._url = URL(scope=self.scope)
            return self._url

    @property
    def base_url(self) -> URL:
        """The URL of the application root (the top-level ``root_path``, even inside a mount), ending in ``/``."""
        try:
            return self._base_url
        except AttributeError:
            scope = dict(self.scope)
            # Inside a mount, url_for still builds from the top-level app's root path.
            root_path = scope.get("app_root_path", scope.get("root_path", ""))
            scope["path"] = root_path if root_path.endswith("/") else root_path + "/"
            scope["query_string"] = b""
            scope["root_path"] = root_path
            self._base_url = URL(scope=scope)
            return self._base_url

    @property
    def headers(self) -> Headers:
        """The request headers (case-insensitive; decoded lazily)."""
        try:
            return self._headers
        except AttributeError:
            self._headers = Headers(scope=self.scope)
            return self._headers

    @property
    def query_params(self) -> QueryParams:
        """The parsed query string."""
        try:
            return self._query_params
        except AttributeError:
            self._query_params = QueryParams(self.scope["query_string"])
            return self._query_params

    @property
    def path_params(self) -> dict[str, Any]:
        """The parameters matched from the path by the router."""
        path_params: dict[str, Any] = self.scope.get("path_params", {})
        return path_params

    @property
    def cookies(self) -> dict[str, str]:
        """The cookies sent in ``Cookie`` headers."""
        try:
            return self._cookies
        except AttributeError:
            cookies: dict[str, str] = {}
            for name, value in self.scope["headers"]:
                if name == b"cookie":
                    cookies.update(cookie_parser(value.decode("latin-1")))
            self._cookies = cookies
            return cookies

    @property
    def client(self) -> Address | None:
        """The client's ``(host, port)``, or ``None`` when the server does not say."""
        host_port = self.scope.get("client")
        if host_port is not None:
            return Address(*host_port)
        return None

    @property
    def session(self) -> dict[str, Any]:
        """The session dict set by ``SessionMiddleware``.

        Raises:
            MiddlewareNotInstalledError: When no session middleware is installed.
        """
        try:
            session: dict[str, Any] = self.scope["session"]
        except KeyError:
            raise MiddlewareNotInstalledError(
                "SessionMiddleware must be installed to access request.session: "
                "add app.add_middleware(SessionMiddleware, secret_key=...)."
            ) from None
        # Sessions that track access (to avoid needless Set-Cookie) expose mark_accessed().
        mark_accessed = getattr(session, "mark_accessed", None)
        if mark_accessed is not None:
            mark_accessed()
        return session

    @property
    def auth(self) -> Any:
        """The credentials set by ``AuthenticationMiddleware``.

        Raises:
            MiddlewareNotInstalledError: When no authentication middleware is installed.
        """
        try:
            return self.scope["auth"]
        except KeyError:
            raise MiddlewareNotInstalledError(
                "AuthenticationMiddleware must be installed to access request.auth: "
                "add app.add_middleware(AuthenticationMiddleware, backend=...)."
            ) from None

    @property
    def user(self) -> Any:
        """The user set by ``AuthenticationMiddleware``.

        Raises:
            MiddlewareNotInstalledError: When no authentication middleware is installed.
        """
        try:
            return self.scope["user"]
        except KeyError:
            raise MiddlewareNotInstalledError(
                "AuthenticationMiddleware must be installed to access request.user: "
                "add app.add_middleware(AuthenticationMiddleware, backend=...)."
            ) from None

    @property
    def state(self) -> StateT:
        """Per-request state: attributes stored in ``scope["state"]`` (which starts as a copy of lifespan state)."""
        try:
            return cast("StateT", self._state)
        except AttributeError:
            self._state = State(self.scope.setdefault("state", {}))
            return cast("StateT", self._state)

    def url_for(self, name: str, /, **path_params: Any) -> URL:
        """Build the absolute URL of the route called ``name``.

        Args:
            name: The route's name.
            **path_params: Values for the route's path parameters.

        Returns:
            The absolute URL, on this request's base URL.

        Raises:
            RuntimeError: When the scope has neither a router nor an app to look the name up in.
        """
        provider = self.scope.get("router") or self.scope.get("app")
        if provider is None:
            raise RuntimeError(
                f"url_for({name!r}) needs scope['router'] or scope['app']; call it inside a Zephyr app or router."
            )
        url_path = provider.url_path_for(name, **path_params)
        return cast("URL", url_path.make_absolute_url(base_url=self.base_url))


async def empty_receive() -> NoReturn:
    """The ``receive`` of a request built without one: reading the body is an error.

    Raises:
        RuntimeError: Always.
    """
    raise RuntimeError("Receive channel has not been made available: build the Request with scope and receive.")


async def empty_send(message: Message) -> NoReturn:
    """The ``send`` of a request built without one: sending is an error.

    Raises:
        RuntimeError: Always.
    """
    raise RuntimeError("Send channel has not been made available: build the Request with scope, receive and send.")


class _FormResult:
    """What ``Request.form()`` returns: await it, or use it as an async context manager that closes the form."""

    __slots__ = ("_coroutine", "_form")

    def __init__(self, coroutine: Coroutine[Any, Any, FormData]) -> None:
        self._coroutine = coroutine
        self._form: FormData | None = None

    def __await__(self) -> Generator[Any, None, FormData]:
        return self._coroutine.__await__()

    async def __aenter__(self) -> FormData:
        self._form = await self._coroutine
        return self._form

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        if self._form is not None:
            await self._form.close()


class Request(HTTPConnection[StateT]):
    """An HTTP request: the connection plus the method and the body.

    The body can be read once, as a stream (``stream()``) or whole (``body()``, cached, also read by ``json()``
    and ``form()``). Subclasses may override ``body()`` and store the result in ``self._body``.

    Example:
        ```python
        async def app(scope, receive, send):
            request = Request(scope, receive)
            async with request.form() as form:
                names = [upload.filename for upload in form.getlist("files")]
            response = JSONResponse({"method": request.method, "files": names})
            await response(scope, receive, send)
        ```

    Args:
        scope: The ASGI HTTP scope.
        receive: The ASGI receive channel.
        send: The ASGI send channel (used for server push and early hints).

    Raises:
        ValueError: When the scope is not an HTTP scope.
    """

    __slots__ = ("_body", "_form", "_is_disconnected", "_json", "_receive", "_send", "_stream_consumed")

    _body: bytes
    _json: Any
    _form: FormData | None

    def __init__(self, scope: Scope, receive: Receive = empty_receive, send: Send = empty_send) -> None:
        if scope["type"] != "http":
            raise ValueError(f"Request needs an 'http' scope, got type {scope['type']!r}; use WebSocket instead.")
        self.scope = scope
        self._receive = receive
        self._send = send
        self._stream_consumed = False
        self._is_disconnected = False
        self._form = None

    @property
    def method(self) -> str:
        """The HTTP method, upper-case."""
        method: str = self.scope["method"]
        return method

    @property
    def receive(self) -> Receive:
        """The ASGI receive channel."""
        return self._receive

    async def stream(self) -> AsyncGenerator[bytes, None]:
        """Yield the body in chunks as they arrive, ending with ``b""``.

        Yields:
            The chunks (the cached body as one chunk when it was already read).

        Raises:
            RuntimeError: When the stream was already consumed.
            ClientDisconnect: When the client disconnects first.
        """
        try:
            body = self._body
        except AttributeError:
            pass
        else:
            yield body
            yield b""
            return
        if self._stream_consumed:
            raise RuntimeError("Stream consumed: the request body can be read only once; use await request.body().")
        while not self._stream_consumed:
            message = await self._receive()
            if message["type"] == "http.request":
                chunk = message.get("body", b"")
                if not message.get("more_body", False):
                    self._stream_consumed = True
                if chunk:
                    yield chunk
            elif message["type"] == "http.disconnect":
                self._is_disconnected = True
                raise ClientDisconnect
        yield b""

    async def body(self) -> bytes:
        """Read the whole body (once; later calls return the cached bytes).

        Returns:
            The body.

        Raises:
            RuntimeError: When the body was already consumed by ``stream()``.
            ClientDisconnect: When the client disconnects first.
        """
        try:
            return self._body
        except AttributeError:
            pass
        chunks: list[bytes] = []
        if type(self).stream is not Request.stream:
            # A subclass transforms the stream; read through it.
            async for chunk in self.stream():
                chunks.append(chunk)
        else:
            await self._receive_body(chunks)
        self._body = chunks[0] if len(chunks) == 1 else b"".join(chunks)
        return self._body

    def _take_body(self, server: DirectTarget) -> bytes | None:
        """Take the whole body from the server's cycle as ``body()`` reads it; None: read it through ``receive``.

        For Zephyr's routes (``zephyr._compile.body``) on Zephyr's own server: when this request receives from the
        cycle directly and the whole body is already in, it is kept as ``body()`` keeps it (the size limit checked,
        the stream consumed) without a message and three awaits.
        """
        if self._stream_consumed or self._receive != server.receive:
            return None
        body = server.take_body()
        if body is None:
            return None
        self._body = self._whole(body)
        return body

    def _whole(self, body: bytes) -> bytes:
        """``body``, which came whole: the stream is consumed, and the body held to the size limit."""
        self._stream_consumed = True
        limit = self.scope.get(MAX_BODY_SIZE_SCOPE_KEY, MAX_BODY_SIZE)
        if limit is not None and len(body) > limit:
            raise BodyTooLargeError
        return body

    async def _receive_body(self, chunks: list[bytes]) -> None:
        if self._stream_consumed:
            raise RuntimeError("Stream consumed: the request body can be read only once; use await request.body().")
        message = await self._receive()
        if message["type"] == "http.request":
            chunk = message.get("body", b"")
            more = message.get("more_body", False)
            if more and chunk and self._declares(len(chunk)):
                # The whole declared body came in one message that still says more_body (Granian's ASGI does this,
                # then sends an empty last message): the body is complete, and the server frames it by its
                # Content-Length, so nothing can follow. The last message is not awaited: on Granian each receive
                # is a round trip through the server's threads, the dearest step of a small POST (issue 14).
                more = False
            if not more:
                # The common case: the whole body in one message, already in memory.
                if self._whole(chunk):
                    chunks.append(chunk)
                return
        await self._receive_rest(message, chunks)

    def _declares(self, size: int) -> bool:
        """Whether the request's ``Content-Length`` is ``size``."""
        for name, value in self.scope["headers"]:
            if name == b"content-length":
                return bool(value == b"%d" % size)
        return False

    async def _receive_rest(self, message: Message, chunks: list[bytes]) -> None:
        """Read a body that comes in several messages, within the size limit and the whole-body deadline."""
        limit = self.scope.get(MAX_BODY_SIZE_SCOPE_KEY, MAX_BODY_SIZE)
        if limit is not None:
            declared = self.headers.get("content-length")
            if declared is not None and declared.isdigit() and int(declared) > limit:
                raise BodyTooLargeError  # refused before the rest is read
        total = 0
        deadline: float | None = getattr(self.scope.get("app"), "body_deadline", BODY_DEADLINE)
        with anyio.move_on_after(math.inf if deadline is None else deadline):
            while True:
                message_type = message["type"]
                if message_type == "http.request":
                    chunk = message.get("body", b"")
                    if chunk:
                        total += len(chunk)
                        if limit is not None and total > limit:
                            raise BodyTooLargeError
                        chunks.append(chunk)
                    if not message.get("more_body", False):
                        self._stream_consumed = True
                        return
                elif message_type == "http.disconnect":
                    self._is_disconnected = True
                    raise ClientDisconnect
                message = await self._receive()
        raise HTTPException(
            408,
            f"Request body timeout: the body did not arrive within {deadline:g} seconds.",
            headers=dict(CLOSE_HEADERS),
        )

    async def json(self) -> Any:
        """Parse the body as JSON (once; cached).

        Returns:
            The decoded value.
        """
        try:
            return self._json
        except AttributeError:
            self._json = json.loads(await self.body())
            return self._json

    async def _get_form(self, *, max_files: int | float, max_fields: int | float, max_part_size: int) -> FormData:
        if self._form is None:
            from zephyr import _multipart

            content_type = self.headers.get("content-type") or ""
            media_type = content_type.partition(";")[0].strip().lower()
            if media_type == "multipart/form-data":
                self._form = await _multipart.parse_multipart(
                    content_type,
                    self.stream(),
                    max_files=max_files,
                    max_fields=max_fields,
                    max_part_size=max_part_size,
                )
            elif media_type == "application/x-www-form-urlencoded":
                # Read whole, so within the body size limit and deadline: every field is held in memory anyway.
                self._form = await _multipart.parse_urlencoded(
                    self._whole_body(), max_fields=max_fields, max_part_size=max_part_size
                )
            else:
                self._form = FormData()
        return self._form

    async def _whole_body(self) -> AsyncGenerator[bytes, None]:
        yield await self.body()

    def form(
        self,
        *,
        max_files: int | float | None = None,
        max_fields: int | float | None = None,
        max_part_size: int | None = None,
    ) -> _FormResult:
        """Parse a url-encoded or multipart body into ``FormData`` (once; cached).

        Await it (``form = await request.form()``) or use it as ``async with request.form() as form:``, which
        closes the uploaded files at the end. Another content type gives an empty form.

        Args:
            max_files: The most file parts accepted (default 100).
            max_fields: The most non-file fields accepted (default 100).
            max_part_size: The largest non-file field, in bytes (default 1 MiB; files spill to disk and are not
                limited).

        Limits not given here come from ``RequestLimitsMiddleware`` (``scope["zephyr.form_limits"]``) when it is
        installed, then from the defaults (:mod:`zephyr._limits`); an app's or router's ``form_limits`` are for the
        forms parsed for ``Form``/``File`` parameters only, as on FastAPI. A url-encoded body is read whole, so it is
        also within the body size limit (10 MiB by default, 413); a multipart body is streamed and its files spill
        to disk, so only its counts and non-file parts are limited.

        Returns:
            An awaitable async context manager giving the ``FormData``.

        Raises:
            HTTPException: 400 when the body is malformed or exceeds a limit.
            MissingDependencyError: When python-multipart is not installed.
        """
        configured: Mapping[str, Any] | None = self.scope.get(FORM_LIMITS_SCOPE_KEY)
        if configured is None:
            configured = _NO_FORM_LIMITS
        elif type(configured) is InheritedFormLimits:
            # Limits given here come from the route's parameters; a handler's own call keeps the middleware's.
            configured = configured.manual or _NO_FORM_LIMITS
        return _FormResult(
            self._get_form(
                max_files=max_files if max_files is not None else configured.get("max_files", MAX_FORM_FILES),
                max_fields=max_fields if max_fields is not None else configured.get("max_fields", MAX_FORM_FIELDS),
                max_part_size=max_part_size
                if max_part_size is not None
                else configured.get("max_part_size", MAX_PART_SIZE),
            )
        )

    async def close(self) -> None:
        """Close the uploaded files of the parsed form, if any."""
        if self._form is not None:
            await self._form.close()

    async def is_disconnected(self) -> bool:
        """Whether the client has disconnected, checked without waiting for a message.

        Returns:
            ``True`` once an ``http.disconnect`` has been received.
        """
        if not self._is_disconnected:
            message: Message = {}
            # Poll: receive only if a message is ready right now.
            with anyio.CancelScope() as scope:
                scope.cancel()
                message = await self._receive()
            if message.get("type") == "http.disconnect":
                self._is_disconnected = True
        return self._is_disconnected

    async def send_push_promise(self, path: str) -> None:
        """Ask an HTTP/2 server to push ``path`` (a no-op when the server lacks the extension).

        Args:
            path: The path to push.
        """
        if "http.response.push" in self.scope.get("extensions", {}):
            raw_headers = [
                (name.encode("latin-1"), value.encode("latin-1"))
                for name in _SERVER_PUSH_HEADERS
                for value in self.headers.getlist(name)
            ]
            await self._send({"type": "http.response.push", "path": path, "headers": raw_headers})

    async def send_early_hints(self, link: str, /, *additional_links: str) -> None:
        """Send a 103 Early Hints response with ``Link`` values (a no-op when the server lacks the extension).

        Args:
            link: A ``Link`` header value.
            *additional_links: More values.
        """
        if "http.response.early_hint" in self.scope.get("extensions", {}):
            links = [value.encode("latin-1") for value in (link, *additional_links)]
            await self._send({"type": "http.response.early_hint", "links": links})
