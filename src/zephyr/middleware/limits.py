"""Refuse oversized or pathological requests early: body size, JSON depth, query and header counts, form limits.

Defaults (every limit can be set, and ``None`` turns it off):

========================  ===========  ==========================================================================
limit                     default      answer when exceeded
========================  ===========  ==========================================================================
``max_body_size``         10 MiB       **413** Content Too Large. From ``Content-Length`` before any byte is read,
                                       and while streaming (chunked bodies) as soon as the running total passes
                                       the limit. If the response had already started, the connection is ended.
``max_json_depth``        64           **400** Bad Request, for JSON content types (``application/json``,
                                       ``*+json``), checked on the streamed chunks before the body is parsed. 400
                                       and not 422 because nothing was validated: the body was refused unread,
                                       and a 422 answer carries FastAPI's error list.
``max_query_params``      1000         **414** URI Too Long (RFC 9110 §15.5.15): the target URI carries more than
                                       the server will interpret; the client can move the data into a body.
``max_headers``           100          **431** Request Header Fields Too Large (RFC 6585 §5).
``max_form_fields``       100          400, by the form parser (see below).
``max_files``             100          400, by the form parser.
``max_part_size``         1 MiB        400, by the form parser (non-file parts; files spill to disk).
``body_timeout``          off          **408** Request Timeout, when the client sends no body byte for that many
                                       seconds while the app waits for the body (a slow-loris upload). Off by
                                       default; servers such as uvicorn never time out a body on their own.
========================  ===========  ==========================================================================

Every refusal is a JSON ``{"detail": "..."}`` saying which limit and the value. Errors found while the app reads
the body are raised from ``receive()`` as :class:`RequestLimitError` (an ``HTTPException``), so the app's exception
handlers answer them as they answer any ``HTTPException``; if one reaches the middleware unhandled, it answers.

Per-route overrides: decorate the endpoint with :func:`limits` (above or below the route decorator). The
body-related limits (``max_body_size``, ``max_json_depth`` and the form limits) are read from ``scope["endpoint"]``
when the app first calls ``receive()`` (the router has set it by then), so a ``Content-Length`` over the *route's*
limit is refused before any body byte is read. Query and header counts are checked before routing, app-wide.

Form limits reach the form parser through ``scope["zephyr.form_limits"]``: a read-only mapping with the keys
``max_fields``, ``max_files`` and ``max_part_size``, resolved against the endpoint's overrides when read.

Example:
    ```python
    from zephyr import FastAPI, UploadFile
    from zephyr.middleware.limits import RequestLimitsMiddleware, limits

    app = FastAPI()
    app.add_middleware(RequestLimitsMiddleware, max_body_size=1024 * 1024)


    @app.post("/upload")
    @limits(max_body_size=200 * 1024 * 1024, max_files=1)
    async def upload(file: UploadFile) -> dict[str, int]:
        return {"size": file.size or 0}
    ```
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Final, TypeVar

import anyio

from zephyr._limits import (
    FORM_LIMITS_SCOPE_KEY,
    MAX_BODY_SIZE,
    MAX_BODY_SIZE_SCOPE_KEY,
    MAX_FORM_FIELDS,
    MAX_FORM_FILES,
    MAX_HEADERS,
    MAX_PART_SIZE,
    JSONDepthScanner,
    is_json_media_type,
    media_type_of,
    send_json_error,
)
from zephyr.exceptions import FastAPIError, HTTPException
from zephyr.types import ASGIApp, Message, Receive, Scope, Send

__all__ = (
    "DEFAULT_LIMITS",
    "FORM_LIMITS_SCOPE_KEY",
    "RequestLimitError",
    "RequestLimitsMiddleware",
    "limits",
    "route_limits",
)


DEFAULT_LIMITS: Final[Mapping[str, int | None]] = {
    "max_body_size": MAX_BODY_SIZE,
    "max_json_depth": 64,
    "max_query_params": 1000,
    "max_headers": MAX_HEADERS,
    "max_form_fields": MAX_FORM_FIELDS,
    "max_files": MAX_FORM_FILES,
    "max_part_size": MAX_PART_SIZE,
}
"""The default value of every limit."""

_ROUTE_KEYS: Final = frozenset({"max_body_size", "max_json_depth", "max_form_fields", "max_files", "max_part_size"})
_ATTRIBUTE: Final = "__zephyr_limits__"
_CLOSE: Final = {"Connection": "close"}

F = TypeVar("F", bound=Callable[..., Any])


class RequestLimitError(HTTPException):
    """A request exceeded a limit; answered with the status code and ``{"detail": ...}``."""


def _check_value(name: str, value: Any) -> None:
    if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
        raise FastAPIError(f"{name}={value!r} must be a non-negative int, or None for no limit.")


def limits(**overrides: int | None) -> Callable[[F], F]:
    """Override the body-related limits for one endpoint (``None`` lifts a limit for it).

    Example:
        ```python
        @app.post("/import")
        @limits(max_body_size=50 * 1024 * 1024, max_json_depth=128)
        async def bulk_import(items: list[Item]) -> dict[str, int]: ...
        ```

    Args:
        **overrides: Any of ``max_body_size``, ``max_json_depth``, ``max_form_fields``, ``max_files``,
            ``max_part_size``.

    Returns:
        A decorator that records the overrides on the function and returns it unchanged.

    Raises:
        FastAPIError: An unknown limit name or a bad value.
    """
    unknown = sorted(set(overrides) - _ROUTE_KEYS)
    if unknown:
        raise FastAPIError(
            f"@limits() got unknown limit(s) {unknown}; per-route limits are {sorted(_ROUTE_KEYS)} "
            "(query and header counts are app-wide: set them on RequestLimitsMiddleware)."
        )
    for name, value in overrides.items():
        _check_value(name, value)

    def decorate(func: F) -> F:
        merged = {**getattr(func, _ATTRIBUTE, {}), **overrides}
        setattr(func, _ATTRIBUTE, merged)
        return func

    return decorate


def route_limits(endpoint: Any) -> Mapping[str, int | None]:
    """Return the overrides recorded on ``endpoint`` by :func:`limits` (empty when none)."""
    found: Mapping[str, int | None] = getattr(endpoint, _ATTRIBUTE, None) or {}
    return found


class _FormLimits(Mapping[str, "int | float"]):
    """The form limits for one request, resolved against the endpoint's overrides when read."""

    __slots__ = ("_defaults", "_scope")

    _KEYS: Final = {"max_fields": "max_form_fields", "max_files": "max_files", "max_part_size": "max_part_size"}

    def __init__(self, scope: Scope, defaults: Mapping[str, int | None]) -> None:
        self._scope = scope
        self._defaults = defaults

    def __getitem__(self, key: str) -> int | float:
        name = self._KEYS[key]
        overrides = route_limits(self._scope.get("endpoint"))
        value = overrides[name] if name in overrides else self._defaults[name]
        if value is None:
            # the parser compares counts with floats but formats part sizes as ints
            return sys.maxsize if key == "max_part_size" else float("inf")
        return value

    def __iter__(self) -> Iterator[str]:
        return iter(self._KEYS)

    def __len__(self) -> int:
        return len(self._KEYS)

    def __repr__(self) -> str:
        return f"FormLimits({dict(self)!r})"


class _LimitedReceive:
    """Wraps ``receive``: checks the route's limits on the first call, then counts bytes and JSON depth."""

    __slots__ = (
        "_content_length",
        "_depth",
        "_done",
        "_failed",
        "_json",
        "_limit",
        "_middleware",
        "_receive",
        "_scope",
        "_total",
    )

    def __init__(self, middleware: RequestLimitsMiddleware, scope: Scope, receive: Receive) -> None:
        self._middleware = middleware
        self._scope = scope
        self._receive = receive
        self._limit: int | None = None
        self._depth: JSONDepthScanner | None = None
        self._json = False
        self._total = 0
        self._done = False  # the last body chunk arrived: later calls wait for the disconnect, untimed
        self._failed = False  # a limit was refused: later reads (a disconnect watcher's) pass through unchecked
        self._content_length = -1  # -1: the first call has not happened yet

    def _start(self) -> None:
        overrides = route_limits(self._scope.get("endpoint"))
        settings = self._middleware.settings
        limit = overrides["max_body_size"] if "max_body_size" in overrides else settings["max_body_size"]
        depth = overrides["max_json_depth"] if "max_json_depth" in overrides else settings["max_json_depth"]
        self._content_length = 0
        for name, value in self._scope["headers"]:
            if name == b"content-length":
                try:
                    self._content_length = int(value)
                except ValueError:
                    raise RequestLimitError(400, f"Invalid Content-Length header: {value!r}.", _CLOSE) from None
                break
        if limit is not None and self._content_length > limit:
            raise RequestLimitError(
                413,
                f"Request body too large: Content-Length is {self._content_length} bytes, the limit is {limit}.",
                _CLOSE,
            )
        self._limit = limit
        # Bodies read whole follow this limit, not the default, unless FastAPI's max_body_size set one for the route.
        self._scope.setdefault(MAX_BODY_SIZE_SCOPE_KEY, limit)
        if depth is not None and is_json_media_type(media_type_of(self._scope["headers"])):
            self._depth = JSONDepthScanner(depth)

    async def _timed_receive(self, timeout: float) -> Message:
        with anyio.move_on_after(timeout):
            return await self._receive()
        raise RequestLimitError(
            408,
            f"Request body timeout: no data for {timeout:g} seconds, the limit; send the body without pauses.",
            _CLOSE,
        )

    async def __call__(self) -> Message:
        if self._failed:
            # The request was refused; the answer is on its way. Whoever reads now (a disconnect watcher) gets
            # the raw messages: raising again would log a traceback for what the client already got a 4xx for.
            return await self._receive()
        try:
            return await self._checked()
        except RequestLimitError:
            self._failed = True
            raise

    async def _checked(self) -> Message:
        if self._content_length == -1:
            self._start()
        timeout = self._middleware.body_timeout
        if timeout is None or self._done:
            message = await self._receive()
        else:
            message = await self._timed_receive(timeout)
        if message["type"] != "http.request":
            return message
        if not message.get("more_body", False):
            self._done = True
        body = message.get("body", b"")
        if body:
            self._total += len(body)
            if self._limit is not None and self._total > self._limit:
                raise RequestLimitError(
                    413, f"Request body too large: more than {self._limit} bytes were sent, the limit.", _CLOSE
                )
            if self._depth is not None and not self._depth.feed(body):
                raise RequestLimitError(
                    400, f"JSON body nested too deeply: more than {self._depth.max_depth} levels, the limit."
                )
        return message


class RequestLimitsMiddleware:
    """Refuse requests over the size, depth and count limits, with a JSON ``detail``.

    Example:
        ```python
        app.add_middleware(RequestLimitsMiddleware, max_body_size=2 * 1024 * 1024, max_headers=64)
        ```

    Args:
        app: The ASGI app to wrap.
        max_body_size: The largest request body, in bytes (413).
        max_json_depth: The deepest nesting of arrays and objects in a JSON body (400).
        max_query_params: The most query parameters (414).
        max_headers: The most request header lines (431).
        max_form_fields: The most non-file form fields, for the form parser.
        max_files: The most uploaded files, for the form parser.
        max_part_size: The largest non-file multipart part, in bytes, for the form parser.
        body_timeout: The most seconds to wait for the next body chunk while the app reads the body (408); ``None``
            (the default) waits as long as the server does.

    Raises:
        FastAPIError: A limit is negative or not an int, or ``body_timeout`` is not a positive number.
    """

    __slots__ = ("app", "body_timeout", "settings")

    def __init__(
        self,
        app: ASGIApp,
        max_body_size: int | None = DEFAULT_LIMITS["max_body_size"],
        max_query_params: int | None = DEFAULT_LIMITS["max_query_params"],
        max_headers: int | None = DEFAULT_LIMITS["max_headers"],
        max_json_depth: int | None = DEFAULT_LIMITS["max_json_depth"],
        max_form_fields: int | None = DEFAULT_LIMITS["max_form_fields"],
        max_files: int | None = DEFAULT_LIMITS["max_files"],
        max_part_size: int | None = DEFAULT_LIMITS["max_part_size"],
        body_timeout: float | None = None,
    ) -> None:
        self.app = app
        if body_timeout is not None and (
            not isinstance(body_timeout, int | float)
            or isinstance(body_timeout, bool)
            or not math.isfinite(body_timeout)
            or body_timeout <= 0
        ):
            raise FastAPIError(f"body_timeout={body_timeout!r} must be a positive number of seconds, or None.")
        self.body_timeout: float | None = body_timeout
        self.settings: dict[str, int | None] = {
            "max_body_size": max_body_size,
            "max_query_params": max_query_params,
            "max_headers": max_headers,
            "max_json_depth": max_json_depth,
            "max_form_fields": max_form_fields,
            "max_files": max_files,
            "max_part_size": max_part_size,
        }
        for name, value in self.settings.items():
            _check_value(name, value)

    def _refusal(self, scope: Scope) -> tuple[int, str] | None:
        max_headers = self.settings["max_headers"]
        if max_headers is not None and len(scope["headers"]) > max_headers:
            count = len(scope["headers"])
            return 431, f"Too many request headers: {count}, the limit is {max_headers}."
        max_query = self.settings["max_query_params"]
        query: bytes = scope.get("query_string", b"")
        if max_query is not None and len(query) > max_query:  # each parameter takes at least one byte
            count = sum(1 for part in query.split(b"&") if part)
            if count > max_query:
                return 414, f"Too many query parameters: {count}, the limit is {max_query}."
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI connection within the limits."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refusal = self._refusal(scope)
        if refusal is not None:
            await send_json_error(send, *refusal)
            return
        scope[FORM_LIMITS_SCOPE_KEY] = _FormLimits(scope, self.settings)
        started = False

        async def send_tracking(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, _LimitedReceive(self, scope, receive), send_tracking)
        except RequestLimitError as exc:
            if started:
                raise  # too late for a 413: the server ends the connection
            headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in (exc.headers or {}).items()]
            await send_json_error(send, exc.status_code, str(exc.detail), headers)
