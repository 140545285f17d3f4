"""Cross-site request forgery protection: a signed double-submit token for cookie-authenticated requests.

Every response to a request without a valid token cookie sets one (``csrftoken`` by default): a random value and its
HMAC under your secret, so a token planted by a sibling subdomain without the secret is refused. A state-changing
request (any method but ``GET``, ``HEAD``, ``OPTIONS``, ``TRACE``) must send the same token back, in the
``X-CSRFToken`` header (JavaScript reads the cookie) or in the ``csrf_token`` form field (server-rendered forms: use
``{{ csrf_input() }}`` or ``{{ csrf_token() }}`` in a Jinja2 template, see :func:`install_jinja2_globals`). A page
on another site can make the browser send the cookie, but cannot read it, so it cannot send the token.

Refusals are ``403`` with ``{"detail": "CSRF ..."}``:

- the token cookie is missing or its signature is wrong;
- no token was sent, or it differs from the cookie's;
- the body is JSON but the content type is one a cross-site form can send without a CORS preflight
  (``application/x-www-form-urlencoded``, ``multipart/form-data``, ``text/plain``): a classic trick to post JSON
  from a form.

Not checked: safe methods, ``exempt_paths``, requests for which ``exempt(scope)`` is true, and requests that carry
an ``Authorization`` header and no cookies at all (API clients with bearer tokens: a browser never adds that header
cross-site on its own).

Reading the token from a form reads only as much of the body as needed (the field is usually first), and the
messages read are replayed to the app, which reads the whole body as usual.

Example:
    ```python
    from zephyr import FastAPI
    from zephyr.middleware.csrf import CSRFMiddleware

    app = FastAPI()
    app.add_middleware(CSRFMiddleware, secret="change me", cookie_secure=True)
    ```
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Callable, Collection, Iterable
from typing import Any, Final, Literal
from urllib.parse import unquote_plus

from zephyr._limits import media_type_of, send_json_error
from zephyr.datastructures import Secret
from zephyr.exceptions import FastAPIError, MissingDependencyError
from zephyr.requests import cookie_parser
from zephyr.types import ASGIApp, Message, Receive, Scope, Send

__all__ = (
    "CSRFMiddleware",
    "CSRF_SCOPE_KEY",
    "csrf_input",
    "csrf_token",
    "install_jinja2_globals",
    "rotate_csrf_token",
)

CSRF_SCOPE_KEY: Final = "csrf_token"
"""The scope key holding the current request's token."""

_MIDDLEWARE_SCOPE_KEY: Final = "zephyr.csrf"
_URLENCODED: Final = b"application/x-www-form-urlencoded"
_MULTIPART: Final = b"multipart/form-data"
_TEXT: Final = b"text/plain"
_FORM_TYPES: Final = frozenset({_URLENCODED, _MULTIPART, _TEXT})
_NAME = re.compile(rb'name="([^"]*)"', re.IGNORECASE)
_BOUNDARY = re.compile(rb'boundary="?([^";]+)"?', re.IGNORECASE)


def _sign(secret: bytes, nonce: str) -> str:
    digest = hmac.new(secret, nonce.encode("utf-8"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def csrf_token(request: Any) -> str:
    """Return the CSRF token to embed in a form or page for this request.

    Args:
        request: The ``Request`` (or anything with a ``.scope``).

    Returns:
        The token (the same value as the cookie).

    Raises:
        FastAPIError: ``CSRFMiddleware`` is not installed.
    """
    token = request.scope.get(CSRF_SCOPE_KEY)
    if token is None:
        raise FastAPIError("csrf_token(request) needs CSRFMiddleware: app.add_middleware(CSRFMiddleware, secret=...).")
    return str(token)


def rotate_csrf_token(request: Any) -> str:
    """Replace the request's CSRF token with a new one, sent as the cookie of this response (call it at login).

    Args:
        request: The ``Request`` (or anything with a ``.scope``).

    Returns:
        The new token, to embed in the page the response renders.

    Raises:
        FastAPIError: ``CSRFMiddleware`` is not installed.
    """
    middleware = request.scope.get(_MIDDLEWARE_SCOPE_KEY)
    if middleware is None:
        raise FastAPIError(
            "rotate_csrf_token(request) needs CSRFMiddleware: app.add_middleware(CSRFMiddleware, secret=...)."
        )
    token: str = middleware.new_token()
    request.scope[CSRF_SCOPE_KEY] = token
    return token


def csrf_input(request: Any, field_name: str = "csrf_token") -> Any:
    """Return a hidden ``<input>`` carrying the token, as Jinja2 ``Markup`` (plain ``str`` without Jinja2)."""
    html = f'<input type="hidden" name="{field_name}" value="{csrf_token(request)}">'
    try:
        from markupsafe import Markup
    except ImportError:  # pragma: no cover - markupsafe comes with jinja2
        return html
    return Markup(html)  # noqa: S704 - the token is URL-safe base64 and a dot: nothing to escape


def install_jinja2_globals(target: Any, field_name: str = "csrf_token") -> None:
    """Add ``csrf_token()`` and ``csrf_input()`` to a Jinja2 environment, reading ``request`` from the context.

    Example:
        ```python
        templates = Jinja2Templates(directory="templates")
        install_jinja2_globals(templates)  # or templates.env
        # <form method="post">{{ csrf_input() }} ... </form>
        ```

    Args:
        target: A ``jinja2.Environment`` or an object with an ``env`` attribute (``Jinja2Templates``).
        field_name: The form field name, matching the middleware's ``form_field``.

    Raises:
        MissingDependencyError: Jinja2 is not installed.
    """
    try:
        import jinja2
    except ImportError as exc:  # pragma: no cover - the test environment has jinja2
        raise MissingDependencyError("jinja2", "templates", "CSRF template helpers") from exc
    env = getattr(target, "env", target)

    @jinja2.pass_context
    def token_global(context: Any) -> str:
        return csrf_token(context["request"])

    @jinja2.pass_context
    def input_global(context: Any) -> Any:
        return csrf_input(context["request"], field_name)

    env.globals["csrf_token"] = token_global
    env.globals["csrf_input"] = input_global


class _Body:
    """The request body read so far, and the messages to replay."""

    __slots__ = ("complete", "data", "messages")

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.data = b""
        self.complete = False

    async def read_more(self, receive: Receive) -> None:
        message = await receive()
        self.messages.append(message)
        if message["type"] != "http.request":
            self.complete = True
            return
        self.data += message.get("body", b"")
        self.complete = not message.get("more_body", False)

    def replay(self, receive: Receive) -> Receive:
        pending = list(self.messages)

        async def replaying() -> Message:
            if pending:
                return pending.pop(0)
            return await receive()

        return replaying


def _urlencoded_field(data: bytes, complete: bool, name: bytes) -> str | None:
    pieces = data.split(b"&")
    if not complete:
        pieces.pop()  # the last piece may be cut in the middle
    for piece in pieces:
        key, _, value = piece.partition(b"=")
        if unquote_plus(key.decode("latin-1")) == name.decode("latin-1"):
            return unquote_plus(value.decode("latin-1"))
    return None


def _multipart_field(data: bytes, boundary: bytes, name: bytes) -> str | None:
    parts = data.split(b"--" + boundary)
    for part in parts[1:-1]:  # the first is the preamble; the last may be incomplete
        head, _, value = part.partition(b"\r\n\r\n")
        found = _NAME.search(head)
        if found is not None and found.group(1) == name:
            return value.removesuffix(b"\r\n").decode("utf-8", "replace")
    return None


def _looks_like_json(data: bytes) -> bool:
    stripped = data.lstrip()
    if not stripped.startswith((b"{", b"[")):
        return False
    try:
        json.loads(stripped)
    except ValueError:
        return False
    return True


class CSRFMiddleware:
    """Require a signed double-submit token on state-changing, cookie-carrying requests.

    Example:
        ```python
        app.add_middleware(
            CSRFMiddleware,
            secret=settings.secret_key,
            exempt_paths=["/webhooks/"],
            cookie_secure=True,
        )
        ```

    Args:
        app: The ASGI app to wrap.
        secret: Signs the tokens (a string, bytes or ``Secret``); keep it secret and the same on every worker.
        cookie_name: The token cookie.
        header_name: The request header carrying the token.
        form_field: The form field carrying the token (url-encoded and multipart bodies).
        safe_methods: Methods never checked.
        exempt_paths: Paths never checked: an entry ending with ``/`` exempts every path under it, others match
            exactly.
        exempt: A callable given the scope that returns ``True`` to skip the check.
        cookie_path: The cookie's ``Path``.
        cookie_domain: The cookie's ``Domain``.
        cookie_secure: Add ``Secure`` (HTTPS only).
        cookie_httponly: Add ``HttpOnly``; then JavaScript cannot read the token, so only forms can send it.
        cookie_samesite: The cookie's ``SameSite``.
        cookie_max_age: The cookie's ``Max-Age`` in seconds; ``None`` for a browser-session cookie.
        max_scan_size: The most body bytes read while looking for the form field or checking for JSON.

    Raises:
        FastAPIError: ``secret`` is empty or ``cookie_samesite`` is invalid.
    """

    __slots__ = (
        "_cookie_flags",
        "_exempt_exact",
        "_exempt_prefixes",
        "_field",
        "_header",
        "_secret",
        "app",
        "cookie_name",
        "exempt",
        "max_scan_size",
        "safe_methods",
    )

    def __init__(
        self,
        app: ASGIApp,
        secret: str | bytes | Secret,
        cookie_name: str = "csrftoken",
        header_name: str = "x-csrftoken",
        form_field: str = "csrf_token",
        safe_methods: Collection[str] = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"}),
        exempt_paths: Iterable[str] = (),
        exempt: Callable[[Scope], bool] | None = None,
        cookie_path: str = "/",
        cookie_domain: str | None = None,
        cookie_secure: bool = False,
        cookie_httponly: bool = False,
        cookie_samesite: Literal["lax", "strict", "none"] = "lax",
        cookie_max_age: int | None = None,
        max_scan_size: int = 1024 * 1024,
    ) -> None:
        if not secret:
            raise FastAPIError("CSRFMiddleware(secret='') would let anyone forge tokens; use a long random secret.")
        if cookie_samesite not in ("lax", "strict", "none"):
            raise FastAPIError(f"cookie_samesite={cookie_samesite!r} must be 'lax', 'strict' or 'none'.")
        self.app = app
        self._secret = secret if isinstance(secret, bytes) else str(secret).encode("utf-8")
        self.cookie_name = cookie_name
        self._header = header_name.lower().encode("latin-1")
        self._field = form_field.encode("utf-8")
        self.safe_methods = frozenset(method.upper() for method in safe_methods)
        paths = list(exempt_paths)
        self._exempt_prefixes = tuple(p for p in paths if p.endswith("/"))
        self._exempt_exact = frozenset(p for p in paths if not p.endswith("/"))
        self.exempt = exempt
        self.max_scan_size = max_scan_size
        flags = f"; Path={cookie_path}; SameSite={cookie_samesite.capitalize()}"
        if cookie_domain:
            flags += f"; Domain={cookie_domain}"
        if cookie_max_age is not None:
            flags += f"; Max-Age={cookie_max_age}"
        if cookie_secure:
            flags += "; Secure"
        if cookie_httponly:
            flags += "; HttpOnly"
        self._cookie_flags = flags

    def new_token(self) -> str:
        """Make a fresh signed token."""
        nonce = secrets.token_urlsafe(32)
        return f"{nonce}.{_sign(self._secret, nonce)}"

    def is_valid(self, token: str | None) -> bool:
        """Tell whether ``token`` carries this middleware's signature."""
        if not token:
            return False
        nonce, _, signature = token.partition(".")
        # bytes: compare_digest refuses non-ASCII str, and a cookie can hold anything
        expected = _sign(self._secret, nonce).encode("ascii")
        return bool(nonce) and hmac.compare_digest(signature.encode("utf-8"), expected)

    def _is_exempt(self, scope: Scope) -> bool:
        path: str = scope["path"]
        if path in self._exempt_exact or (self._exempt_prefixes and path.startswith(self._exempt_prefixes)):
            return True
        return self.exempt is not None and self.exempt(scope)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI connection, refusing forged state-changing requests."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cookie_header: str | None = None
        header_token: str | None = None
        has_authorization = False
        for name, value in scope["headers"]:
            if name == b"cookie":
                text = value.decode("latin-1")
                cookie_header = text if cookie_header is None else f"{cookie_header}; {text}"
            elif name == self._header:
                header_token = value.decode("latin-1")
            elif name == b"authorization":
                has_authorization = True
        cookie_token = cookie_parser(cookie_header).get(self.cookie_name) if cookie_header else None
        valid_cookie = self.is_valid(cookie_token)
        token = cookie_token if valid_cookie and cookie_token else self.new_token()
        scope[CSRF_SCOPE_KEY] = token
        scope[_MIDDLEWARE_SCOPE_KEY] = self
        send = self._setting_cookie(send, scope, None if valid_cookie else token)
        if (
            scope["method"] in self.safe_methods
            or (has_authorization and cookie_header is None)
            or self._is_exempt(scope)
        ):
            await self.app(scope, receive, send)
            return
        if not valid_cookie:
            await self._refuse(send, "CSRF cookie missing or invalid: load a page of this site first.")
            return
        body = _Body()
        problem = await self._check(scope, receive, body, header_token, token)
        if problem is not None:
            await self._refuse(send, problem)
            return
        await self.app(scope, body.replay(receive) if body.messages else receive, send)

    async def _check(
        self, scope: Scope, receive: Receive, body: _Body, header_token: str | None, expected: str
    ) -> str | None:
        media = media_type_of(scope["headers"])
        submitted = header_token
        if media in _FORM_TYPES:
            await body.read_more(receive)
            if body.data.lstrip()[:1] in (b"{", b"["):
                while not body.complete and len(body.data) <= self.max_scan_size:
                    await body.read_more(receive)
                if _looks_like_json(body.data):
                    return "CSRF check failed: a JSON body was sent with a form content type."
            if submitted is None and media != _TEXT:
                submitted = await self._form_token(scope, receive, body, media)
        if not submitted:
            return (
                f"CSRF token missing: send it in the {self._header.decode()} header "
                f"or the {self._field.decode()} form field."
            )
        if not hmac.compare_digest(submitted.encode("utf-8"), expected.encode("utf-8")):
            return "CSRF token incorrect."
        return None

    async def _form_token(self, scope: Scope, receive: Receive, body: _Body, media: bytes) -> str | None:
        boundary = b""
        if media == _MULTIPART:
            for name, value in scope["headers"]:
                if name == b"content-type":
                    found = _BOUNDARY.search(value)
                    boundary = found.group(1) if found else b""
            if not boundary:
                return None
        while True:
            if media == _URLENCODED:
                token = _urlencoded_field(body.data, body.complete, self._field)
            else:
                token = _multipart_field(body.data, boundary, self._field)
            if token is not None or body.complete or len(body.data) > self.max_scan_size:
                return token
            await body.read_more(receive)

    def _setting_cookie(self, send: Send, scope: Scope, new_token: str | None) -> Send:
        """Wrap ``send`` to set the cookie when the request had no valid token, or the app rotated it."""
        original = scope[CSRF_SCOPE_KEY]

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                current = scope.get(CSRF_SCOPE_KEY, original)
                token = current if current != original else new_token
                if token is not None:
                    cookie = f"{self.cookie_name}={token}{self._cookie_flags}".encode("latin-1")
                    message["headers"] = [*message.get("headers", ()), (b"set-cookie", cookie)]
            await send(message)

        return send_with_cookie

    async def _refuse(self, send: Send, detail: str) -> None:
        await send_json_error(send, 403, detail)
