"""Sessions: ``request.session`` kept in a signed cookie (Starlette's wire format) or in a server-side store.

Cookie mode (the default) is byte-for-byte Starlette's ``SessionMiddleware``: the cookie holds the session dict as
base64 JSON, signed with itsdangerous' ``TimestampSigner``, so apps can move between the two without logging users
out. The data is readable by the user (signed, not encrypted): keep secrets out of it, and keep it small (browsers
drop cookies over 4 KB).

Store mode (``store=MemoryStore()`` or ``RedisStore(...)``) keeps only a random session id in the signed cookie and
the data in the store, under ``store_prefix + id``, for ``max_age`` seconds. It allows large sessions, server-side
logout (delete the key) and id rotation: call ``request.session.regenerate()`` after a login or a privilege change
so an id planted before the login (session fixation) is worthless.

When the store fails (a ``RedisStore`` that is down or hung costs at most one ``timeout``, then its circuit breaker
skips it), ``on_store_error`` decides: ``"deny"`` (default) answers ``503`` with ``Retry-After: 1`` to a request
that carries a session, or whose changed session cannot be saved (a WebSocket is closed with ``1013``);
``"empty"`` serves it with an empty session and, if the session cannot be saved, without a ``Set-Cookie`` (the
browser keeps its old cookie, so the session comes back with the store). Requests without a session cookie never
touch the store until they write to the session.

The session object is a ``dict`` with these additions:

- ``regenerate()``: give the session a new id at the end of the request, keeping its data (store mode; in cookie
  mode the cookie is simply re-issued);
- ``invalidate()``: empty it and drop its id (logout); the cookie is cleared;
- ``session_id``: the id in store mode (``None`` for a new session or in cookie mode);
- ``accessed``/``modified``: whether the request read or changed it; the cookie is only sent when it changed, and
  ``Vary: Cookie`` is added when it was read.

Example:
    ```python
    from zephyr import FastAPI, Request
    from zephyr.middleware.sessions import SessionMiddleware
    from zephyr.stores import RedisStore

    app = FastAPI()
    app.add_middleware(SessionMiddleware, secret_key="change me", store=RedisStore("redis://127.0.0.1:6379/0"))


    @app.post("/login")
    async def login(request: Request) -> dict[str, bool]:
        request.session.regenerate()  # a fresh id for the authenticated session
        request.session["user"] = "alice"
        return {"ok": True}
    ```
"""

from __future__ import annotations

import json
import logging
import math
import secrets
import time
from base64 import b64decode, b64encode
from typing import TYPE_CHECKING, Any, Literal

from zephyr.exceptions import FastAPIError, MissingDependencyError
from zephyr.requests import cookie_parser
from zephyr.types import ASGIApp, Message, Receive, Scope, Send

if TYPE_CHECKING:
    from zephyr.stores.base import Store

__all__ = ("Session", "SessionMiddleware")

_logger = logging.getLogger("zephyr.sessions")
_MAX_COOKIE_SIZE = 4096
_EXPIRED = "expires=Thu, 01 Jan 1970 00:00:00 GMT; "
_UNAVAILABLE = "Sessions are unavailable right now. Retry after 1 second."
_WARN_INTERVAL = 60.0


class Session(dict[str, Any]):
    """The session dict: a ``dict`` that records reads and writes, with id helpers for server-side sessions."""

    accessed: bool = False
    modified: bool = False
    session_id: str | None = None
    """The id under which the store keeps this session (store mode), ``None`` when new or in cookie mode."""
    _rotate: bool = False

    def mark_accessed(self) -> None:
        """Record that the request read the session (adds ``Vary: Cookie`` to the response)."""
        self.accessed = True

    def mark_modified(self) -> None:
        """Record that the session changed, so it is saved and its cookie re-issued."""
        self.accessed = True
        self.modified = True

    def regenerate(self) -> None:
        """Move the data to a new session id at the end of the request (call it after login)."""
        self._rotate = True
        self.mark_modified()

    def invalidate(self) -> None:
        """Empty the session and forget its id: the stored data is deleted and the cookie cleared."""
        self.clear()
        self._rotate = True

    def __setitem__(self, key: str, value: Any) -> None:
        self.mark_modified()
        super().__setitem__(key, value)

    def __delitem__(self, key: str) -> None:
        self.mark_modified()
        super().__delitem__(key)

    def clear(self) -> None:
        """Remove every item."""
        self.mark_modified()
        super().clear()

    def pop(self, key: str, *args: Any) -> Any:
        """Remove ``key`` and return its value (or the default)."""
        if key in self:
            self.mark_modified()
        return super().pop(key, *args)

    def popitem(self) -> tuple[str, Any]:
        """Remove and return the last item."""
        item = super().popitem()
        self.mark_modified()
        return item

    def setdefault(self, key: str, default: Any = None) -> Any:
        """Return ``self[key]``, storing ``default`` first when absent."""
        if key not in self:
            self.mark_modified()
        return super().setdefault(key, default)

    def update(self, *args: Any, **kwargs: Any) -> None:
        """Update from a mapping or pairs, and keyword arguments."""
        self.mark_modified()
        super().update(*args, **kwargs)

    def __ior__(self, other: Any, /) -> Session:  # type: ignore[override, misc]
        self.mark_modified()
        super().update(other)
        return self


class SessionMiddleware:
    """Provide ``request.session``, kept in a signed cookie or in a store.

    Example:
        ```python
        app.add_middleware(SessionMiddleware, secret_key=settings.secret_key, https_only=True)
        ```

    Args:
        app: The ASGI app to wrap.
        secret_key: Signs the cookie; anyone who knows it can forge sessions. A string (or ``Secret``).
        session_cookie: The cookie's name.
        max_age: Lifetime in seconds of the cookie, of its signature and (store mode) of the stored data, from the
            last change; ``None`` makes a browser-session cookie (and, in store mode, data kept 14 days).
        path: The cookie's ``Path``.
        same_site: The cookie's ``SameSite``: ``"lax"``, ``"strict"`` or ``"none"`` (which needs ``https_only``).
        https_only: Add ``Secure``: the browser sends the cookie over HTTPS only.
        domain: The cookie's ``Domain``, to share it with subdomains.
        partitioned: Add ``Partitioned`` (CHIPS), for cookies in third-party contexts.
        store: Keep the data server-side in this store (``MemoryStore``, ``RedisStore`` or any ``Store``), with only
            the signed id in the cookie.
        store_prefix: Prefix of the store keys.
        on_store_error: What a request gets when the store fails (store mode): ``"deny"`` (``503``, default) or
            ``"empty"`` (an empty session; changes are not saved). See the module docs.

    Raises:
        FastAPIError: ``same_site`` is not one of the three values, ``secret_key`` is empty, or
            ``on_store_error`` is not ``"deny"`` or ``"empty"``.
        MissingDependencyError: itsdangerous is not installed (``pip install 'zephyr[sessions]'``).
    """

    __slots__ = (
        "_bad_signature",
        "_cookie_name",
        "_errors",
        "_last_warning",
        "_security_flags",
        "app",
        "max_age",
        "on_store_error",
        "path",
        "session_cookie",
        "signer",
        "store",
        "store_prefix",
    )

    def __init__(
        self,
        app: ASGIApp,
        secret_key: Any,
        session_cookie: str = "session",
        max_age: int | None = 14 * 24 * 60 * 60,
        path: str = "/",
        same_site: Literal["lax", "strict", "none"] = "lax",
        https_only: bool = False,
        domain: str | None = None,
        partitioned: bool = False,
        store: Store | None = None,
        store_prefix: str = "session:",
        on_store_error: Literal["deny", "empty"] = "deny",
    ) -> None:
        try:
            import itsdangerous
            from itsdangerous.exc import BadSignature
        except ImportError as exc:  # pragma: no cover - the test environment has itsdangerous
            raise MissingDependencyError("itsdangerous", "sessions", "SessionMiddleware") from exc
        if same_site not in ("lax", "strict", "none"):
            raise FastAPIError(f"SessionMiddleware(same_site={same_site!r}) must be 'lax', 'strict' or 'none'.")
        if not str(secret_key):
            raise FastAPIError("SessionMiddleware(secret_key='') would let anyone forge sessions; use a long secret.")
        if on_store_error not in ("deny", "empty"):
            raise FastAPIError(
                f"SessionMiddleware(on_store_error={on_store_error!r}) must be 'deny' (answer 503 while the store "
                "fails) or 'empty' (serve an empty session, changes not saved)."
            )
        self.app = app
        self.signer = itsdangerous.TimestampSigner(str(secret_key))
        self._bad_signature = BadSignature
        self.session_cookie = session_cookie
        self._cookie_name = session_cookie
        self.max_age = max_age
        self.path = path
        flags = "httponly; samesite=" + same_site
        if https_only:
            flags += "; secure"
        if domain is not None:
            flags += f"; domain={domain}"
        if partitioned:
            flags += "; partitioned"
        self._security_flags = flags
        self.store = store
        self.store_prefix = store_prefix
        self.on_store_error = on_store_error
        self._errors = 0
        self._last_warning = -math.inf

    def _read_cookie(self, scope: Scope) -> bytes | None:
        for name, value in scope["headers"]:
            if name == b"cookie":
                found = cookie_parser(value.decode("latin-1")).get(self._cookie_name)
                if found is not None:
                    try:
                        return self.signer.unsign(found.encode("utf-8"), max_age=self.max_age)
                    except self._bad_signature:
                        return None
        return None

    async def _load(self, scope: Scope) -> tuple[Session, bool] | None:
        """Return the session and whether the request brought a valid one; ``None`` when the store failed."""
        raw = self._read_cookie(scope)
        if raw is None:
            return Session(), False
        if self.store is None:
            try:
                return Session(json.loads(b64decode(raw))), True
            except ValueError:
                return Session(), False
        session_id = raw.decode("latin-1")
        try:
            stored = await self.store.get(self.store_prefix + session_id)
        except Exception as exc:  # a store failure is the configured answer, never a 500
            self._store_failed(exc)
            return None
        if stored is None:
            return Session(), False  # expired or deleted server-side: the old id must not come back
        session = Session(json.loads(stored))
        session.session_id = session_id
        return session, True

    def _cookie(self, value: str) -> bytes:
        max_age = f"Max-Age={self.max_age}; " if self.max_age is not None else ""
        header = f"{self.session_cookie}={value}; path={self.path}; {max_age}{self._security_flags}"
        if len(header) > _MAX_COOKIE_SIZE:
            _logger.warning(
                "The session cookie is %d bytes; browsers drop cookies over %d bytes. Keep less in the session, or "
                "use SessionMiddleware(store=...) to keep the data server-side.",
                len(header),
                _MAX_COOKIE_SIZE,
            )
        return header.encode("latin-1")

    def _clear_cookie(self) -> bytes:
        return f"{self.session_cookie}=null; path={self.path}; {_EXPIRED}{self._security_flags}".encode("latin-1")

    async def _save(self, session: Session, had_session: bool) -> bytes | None:
        """Persist a modified session; return the ``Set-Cookie`` value to send, if any."""
        if self.store is None:
            if session:
                data = self.signer.sign(b64encode(json.dumps(session).encode("utf-8")))
                return self._cookie(data.decode("utf-8"))
            return self._clear_cookie() if had_session else None
        old_id = session.session_id
        if old_id is not None and (session._rotate or not session):
            await self.store.delete(self.store_prefix + old_id)
            session.session_id = old_id = None
        if not session:
            return self._clear_cookie() if had_session else None
        session_id = old_id or secrets.token_urlsafe(32)
        session.session_id = session_id
        expires_in = float(self.max_age) if self.max_age is not None else 14 * 24 * 60 * 60.0
        await self.store.set(self.store_prefix + session_id, json.dumps(session).encode("utf-8"), expires_in)
        return self._cookie(self.signer.sign(session_id.encode("latin-1")).decode("utf-8"))

    def _store_failed(self, exc: Exception) -> None:
        """Log a store failure the store did not report itself (at most once a minute)."""
        from zephyr.stores.base import REPORTED_ERRORS

        if isinstance(exc, REPORTED_ERRORS):
            return  # the store's circuit breaker logged it
        self._errors += 1
        now = time.monotonic()
        if now - self._last_warning >= _WARN_INTERVAL:
            _logger.warning(
                "Sessions: the store %r failed (%s: %s); on_store_error=%r (%d failure(s) since the last warning)",
                self.store,
                type(exc).__name__,
                exc,
                self.on_store_error,
                self._errors,
            )
            self._last_warning = now
            self._errors = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI connection with ``scope["session"]`` loaded, saving it when the response starts."""
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        loaded = await self._load(scope)
        if loaded is None:
            if self.on_store_error == "deny":
                await _unavailable(scope, send)
                return
            loaded = Session(), False
        session, had_session = loaded
        scope["session"] = session
        denied = False

        async def send_with_session(message: Message) -> None:
            nonlocal denied
            if denied:
                return  # a 503 replaced this response
            if message["type"] == "http.response.start":
                current = scope["session"]
                headers = list(message.get("headers", ()))
                if getattr(current, "accessed", False):
                    _add_vary_cookie(headers)
                if getattr(current, "modified", False):
                    try:
                        cookie = await self._save(current, had_session)
                    except Exception as exc:  # the changes are lost: say so, or serve without them
                        self._store_failed(exc)
                        if self.on_store_error == "deny":
                            denied = True
                            await _unavailable(scope, send)
                            return
                        cookie = None
                    if cookie is not None:
                        headers.append((b"set-cookie", cookie))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_session)


async def _unavailable(scope: Scope, send: Send) -> None:
    if scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": 1013, "reason": _UNAVAILABLE})
        return
    body = json.dumps({"detail": _UNAVAILABLE}).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"retry-after", b"1"),
    ]
    await send({"type": "http.response.start", "status": 503, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _add_vary_cookie(headers: list[tuple[bytes, bytes]]) -> None:
    for index, (name, value) in enumerate(headers):
        if name.lower() == b"vary":
            if b"cookie" not in value.lower():
                headers[index] = (name, value + b", Cookie")
            return
    headers.append((b"vary", b"Cookie"))
