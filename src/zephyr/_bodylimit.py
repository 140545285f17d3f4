"""FastAPI 0.16x's ``max_body_size`` and ``form_limits`` settings: validation and the ASGI body limit.

``max_body_size`` (on ``FastAPI``, ``APIRouter``, ``include_router`` and each route) caps every read of the body,
streamed or not, and is answered as FastAPI answers it:

- a ``Content-Length`` over the limit replaces whatever the app answers (a 404 included) with a plain-text
  ``413 Content Too Large``, before any body byte is read;
- a body without ``Content-Length`` (chunked) that grows past the limit raises ``HTTPException(413, "Content Too
  Large")`` from ``receive()``, which the app's exception handlers answer (``{"detail": "Content Too Large"}``).

The innermost setting wins: a route's limit replaces its router's, which replaces the app's, even when larger. Only
routes (and apps) that set a limit pay for it: the limit is decided when the route is registered.

``form_limits`` is a mapping with any of ``max_fields``, ``max_files`` and ``max_part_size``; each key set replaces
Zephyr's default for the routes below it. A router's limits are given to the routes it creates or includes when they
are registered; the routes it did not create (``FastAPI(routes=[...])``, the routes of a mounted app) inherit them as
FastAPI's do, through the scope: an app or mount with limits adds a layer (:func:`with_form_limits`) that records them
in ``scope["zephyr.form_limits"]`` (:class:`InheritedFormLimits`), read when a route parses its form. Apps and
mounts without limits add nothing.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Final

from zephyr._limits import FORM_LIMITS_SCOPE_KEY, MAX_BODY_SIZE_SCOPE_KEY
from zephyr.exceptions import FastAPIError, HTTPException
from zephyr.types import ASGIApp, Message, Receive, Scope, Send

__all__ = (
    "BodyLimit",
    "BodyTooLargeError",
    "FormLimitsError",
    "InheritedFormLimits",
    "body_limit_error",
    "first_limit",
    "validate_form_limits",
    "validate_max_body_size",
    "with_form_limits",
)

FORM_LIMIT_KEYS: Final = ("max_fields", "max_files", "max_part_size")
_LIMITER_SCOPE_KEY: Final = "zephyr._body_limiter"
_PLAIN_413: Final = b"Content Too Large"


class BodyTooLargeError(HTTPException):
    """The body passed its limit: FastAPI's ``413 Content Too Large``.

    It carries ``Connection: close``: the rest of the body is never read, so the connection cannot serve another
    request (FastAPI leaves that header out and lets the server drain the body).
    """

    def __init__(self) -> None:
        super().__init__(status_code=413, detail="Content Too Large", headers={"Connection": "close"})


class _ReplacedError(Exception):
    """The app's response was replaced by the 413: stop the app."""


def validate_max_body_size(value: Any) -> int | None:
    """Check a ``max_body_size`` as FastAPI does (same ``ValueError`` message).

    Raises:
        ValueError: Not a non-negative int or ``None``.
    """
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
        raise ValueError("max_body_size must be a non-negative integer or None")
    return value


class FormLimitsError(FastAPIError, ValueError):
    """A ``form_limits=`` mapping is wrong; a ``ValueError`` as well, as FastAPI's (Pydantic's) validation error is."""


def validate_form_limits(limits: Mapping[str, Any] | None) -> dict[str, int]:
    """Check a ``form_limits`` mapping and return it as a plain dict (empty for ``None``).

    Raises:
        FormLimitsError: An unknown key or a value that is not a non-negative int; the message names both. It is
            a ``FastAPIError`` and a ``ValueError`` (what FastAPI raises), so code catching either keeps working.
    """
    if limits is None:
        return {}
    if not isinstance(limits, Mapping):
        raise FormLimitsError(
            f'form_limits={limits!r} must be a dict with any of {", ".join(FORM_LIMIT_KEYS)}, e.g. {{"max_files": 10}}.'
        )
    checked: dict[str, int] = {}
    for key, value in limits.items():
        if key not in FORM_LIMIT_KEYS:
            raise FormLimitsError(f"form_limits got an unknown key {key!r}; the keys are {', '.join(FORM_LIMIT_KEYS)}.")
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise FormLimitsError(f"form_limits[{key!r}]={value!r} must be a non-negative int.")
        checked[key] = value
    return checked


def body_limit_error(exc: BaseException) -> BodyTooLargeError | None:
    """``exc`` when it is the body limit's 413, or the first of an exception group made only of those, else None.

    A middleware that reads the body in a task of its own (``BaseHTTPMiddleware``) raises it inside a group.
    """
    if isinstance(exc, BodyTooLargeError):
        return exc
    members = getattr(exc, "exceptions", None)
    if not isinstance(members, tuple) or not members or not hasattr(exc, "split"):
        return None
    found = [body_limit_error(member) for member in members]
    return found[0] if all(found) else None


def first_limit(*limits: int | None) -> int | None:
    """The first limit that is set (``None`` when none is)."""
    for limit in limits:
        if limit is not None:
            return limit
    return None


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class _Limiter:
    """Counts the bytes of one request's body against the innermost ``max_body_size`` (routes inside change it)."""

    __slots__ = ("content_length", "limit", "receive", "send", "started", "total")

    def __init__(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        self.limit = limit
        self.receive = receive
        self.send = send
        self.content_length = _content_length(scope)
        self.total = 0
        self.started = False

    def _over(self, size: int | None) -> bool:
        return size is not None and size > self.limit

    async def limited_receive(self) -> Message:
        if self._over(self.content_length):
            raise BodyTooLargeError
        message = await self.receive()
        if message["type"] == "http.request":
            self.total += len(message.get("body", b""))
            if self._over(self.total):
                raise BodyTooLargeError
        return message

    async def limited_send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.started = True
            if self._over(self.content_length):
                await self.send_413()
                raise _ReplacedError
        await self.send(message)

    async def send_413(self) -> None:
        await self.send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-length", str(len(_PLAIN_413)).encode("latin-1")),
                    (b"content-type", b"text/plain; charset=utf-8"),
                    (b"connection", b"close"),
                ],
            }
        )
        await self.send({"type": "http.response.body", "body": _PLAIN_413})


class BodyLimit:
    """Run an ASGI app with ``max_body_size`` in force (a nested one only changes the limit)."""

    __slots__ = ("answers_reads", "app", "max_body_size")

    def __init__(self, app: ASGIApp, max_body_size: int, *, answers_reads: bool = False) -> None:
        self.app = app
        self.max_body_size = max_body_size
        #: Placed outside the exception handlers (around the user's middleware): a read past the limit that no
        #: handler answered is answered here with the plain 413, as FastAPI's outer limit layer does.
        self.answers_reads = answers_reads

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        scope[MAX_BODY_SIZE_SCOPE_KEY] = self.max_body_size
        active: _Limiter | None = scope.get(_LIMITER_SCOPE_KEY)
        if active is not None:
            active.limit = self.max_body_size
            if active._over(active.total):
                raise BodyTooLargeError
            await self.app(scope, receive, send)
            return
        limiter = scope[_LIMITER_SCOPE_KEY] = _Limiter(scope, receive, send, self.max_body_size)
        try:
            await self.app(scope, limiter.limited_receive, limiter.limited_send)
        except _ReplacedError:
            pass
        except Exception as exc:
            # An error the app's handlers answer outside this layer (the 413 from receive(), a 404): with a
            # Content-Length over the limit, FastAPI's answer is the plain 413 whatever the error was; so is the
            # 413 of a middleware's read, when this layer sits outside the handlers.
            over = limiter._over(limiter.content_length)
            if limiter.started or not (over or (self.answers_reads and body_limit_error(exc))):
                raise
            await limiter.send_413()
        finally:
            scope.pop(_LIMITER_SCOPE_KEY, None)


class InheritedFormLimits(Mapping[str, "int | float"]):
    """The ``form_limits`` of an app or router a request passed through, over the limits it met before.

    A key set here replaces the outer one; the outer mapping (an enclosing app's limits, or
    ``RequestLimitsMiddleware``'s, which resolve against the endpoint) is read only when a route parses its form.
    """

    __slots__ = ("manual", "outer", "own")

    def __init__(self, outer: Mapping[str, int | float] | None, own: Mapping[str, int]) -> None:
        self.outer = outer
        """What the request met before this app or router (``None``: nothing)."""
        self.own = own
        """This app's or router's ``form_limits`` (not empty)."""
        self.manual: Mapping[str, Any] | None = outer.manual if isinstance(outer, InheritedFormLimits) else outer
        """What ``request.form()`` called by hand reads: FastAPI's ``form_limits`` are only for the forms parsed for
        ``Form``/``File`` parameters, so a handler's own ``request.form()`` keeps the defaults (or the middleware's)."""

    def __getitem__(self, key: str) -> int | float:
        own = self.own
        if key in own:
            return own[key]
        if self.outer is None:
            raise KeyError(key)
        return self.outer[key]

    def __iter__(self) -> Iterator[str]:
        yield from self.own
        if self.outer is not None:
            yield from (key for key in self.outer if key not in self.own)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __repr__(self) -> str:
        return f"InheritedFormLimits({dict(self)!r})"


class _FormLimitsLayer:
    """Record an app's or router's ``form_limits`` in the scope of each HTTP request on its way in."""

    __slots__ = ("app", "limits")

    def __init__(self, app: ASGIApp, limits: Mapping[str, int]) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope[FORM_LIMITS_SCOPE_KEY] = InheritedFormLimits(scope.get(FORM_LIMITS_SCOPE_KEY), self.limits)
        await self.app(scope, receive, send)


def with_form_limits(app: ASGIApp, limits: Mapping[str, int] | None) -> ASGIApp:
    """``app`` serving its requests under ``limits`` (a router's or app's ``form_limits``); ``app`` itself without any.

    Decided when the app or mount is built, so an app without limits pays nothing per request.
    """
    return _FormLimitsLayer(app, dict(limits)) if limits else app
