"""Cross-Origin Resource Sharing (CORS) middleware.

Answers preflight requests (``OPTIONS`` with ``Access-Control-Request-Method``) itself and adds the CORS headers to
the responses of simple requests, exactly as Starlette's ``CORSMiddleware`` does on the wire.

Example:
    ```python
    from zephyr import FastAPI
    from zephyr.middleware.cors import CORSMiddleware

    app = FastAPI()
    app.add_middleware(
        CORSMiddleware,
        allow_origins=["https://example.com"],
        allow_methods=["*"],
        allow_headers=["*"],
        allow_credentials=True,
    )
    ```
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable

from zephyr.middleware._send import add_vary
from zephyr.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ("ALL_METHODS", "CORSMiddleware", "SAFELISTED_HEADERS")

ALL_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "QUERY")
"""The methods that ``allow_methods=["*"]`` stands for."""

SAFELISTED_HEADERS = frozenset({"Accept", "Accept-Language", "Content-Language", "Content-Type"})
"""Request headers a browser may always send cross-origin; listed in every preflight answer."""

_ORIGIN = b"origin"
_REQUEST_METHOD = b"access-control-request-method"
_REQUEST_HEADERS = b"access-control-request-headers"
_REQUEST_PRIVATE_NETWORK = b"access-control-request-private-network"
_ALLOW_ORIGIN = b"access-control-allow-origin"
_ALLOW_HEADERS = b"access-control-allow-headers"
_ALLOW_PRIVATE_NETWORK = (b"access-control-allow-private-network", b"true")
_PREFLIGHT_VARY = (
    b"vary",
    b"Origin, Access-Control-Request-Method, Access-Control-Request-Headers, Access-Control-Request-Private-Network",
)
_TEXT_PLAIN = (b"content-type", b"text/plain; charset=utf-8")


def _as_tuple(value: Collection[str] | str) -> tuple[str, ...]:
    # Starlette tests membership with ``in``, so a bare string such as ``"*"`` works there; accept it as one item.
    if isinstance(value, str):
        return (value,)
    return tuple(value)


def _read_preflight(raw: list[tuple[bytes, bytes]]) -> tuple[str | None, str | None, bool]:
    """Return the requested method and headers (first of each) and whether Private Network Access is asked for."""
    method = headers = None
    private_network = False
    for name, value in raw:
        if name == _REQUEST_METHOD and method is None:
            method = value.decode("latin-1")
        elif name == _REQUEST_HEADERS and headers is None:
            headers = value.decode("latin-1")
        elif name == _REQUEST_PRIVATE_NETWORK:
            private_network = True
    return method, headers, private_network


def _vary_origin_sender(send: Send) -> Send:
    async def send_with_vary(message: Message) -> None:
        if message["type"] == "http.response.start":
            message["headers"] = add_vary(message.get("headers", ()), b"Origin")
        await send(message)

    return send_with_vary


class CORSMiddleware:
    r"""Add CORS headers to responses and answer preflight requests.

    Requests without an ``Origin`` header pass through after one scan of the headers; their responses only gain
    ``Vary: Origin``, since they would have carried CORS headers had the request come with an ``Origin``.

    Args:
        app: The ASGI app to wrap.
        allow_origins: Origins allowed to make cross-origin requests, such as ``"https://example.com"``;
            ``"*"`` allows any origin.
        allow_methods: Methods allowed in cross-origin requests; ``"*"`` allows all of ``ALL_METHODS``.
        allow_headers: Request headers allowed in cross-origin requests (the CORS-safelisted ones always are);
            ``"*"`` allows any header.
        allow_credentials: Whether cookies and authorization headers may be sent; the allowed origin is then echoed
            instead of ``*``.
        allow_origin_regex: A regular expression that an allowed origin must match in full, such as
            ``r"https://.*\.example\.com"``.
        allow_private_network: Whether to answer Private Network Access preflights with
            ``Access-Control-Allow-Private-Network: true``.
        expose_headers: Response headers the browser may show to the page.
        max_age: How many seconds a browser may cache a preflight answer.

    Raises:
        re.error: If ``allow_origin_regex`` is not a valid regular expression.
    """

    __slots__ = (
        "_allow_all_headers",
        "_allow_all_origins",
        "_allow_headers",
        "_allow_methods",
        "_allow_origins",
        "_allow_private_network",
        "_echo_origin",
        "_origin_regex",
        "_preflight_headers",
        "_simple_echo_origin",
        "_simple_headers",
        "_simple_names",
        "_simple_names_and_origin",
        "app",
    )

    def __init__(
        self,
        app: ASGIApp,
        allow_origins: Collection[str] = (),
        allow_methods: Collection[str] = ("GET",),
        allow_headers: Collection[str] = (),
        allow_credentials: bool = False,
        allow_origin_regex: str | None = None,
        allow_private_network: bool = False,
        expose_headers: Collection[str] = (),
        max_age: int = 600,
    ) -> None:
        origins = _as_tuple(allow_origins)
        methods = _as_tuple(allow_methods)
        headers = _as_tuple(allow_headers)
        exposed = _as_tuple(expose_headers)
        if "*" in methods:
            methods = ALL_METHODS

        self.app = app
        self._allow_all_origins = "*" in origins
        self._allow_all_headers = "*" in headers
        self._allow_origins = frozenset(origins)
        self._origin_regex = re.compile(allow_origin_regex) if allow_origin_regex is not None else None
        self._allow_methods = frozenset(methods)
        self._allow_headers = frozenset(header.lower() for header in headers) | {
            header.lower() for header in SAFELISTED_HEADERS
        }
        self._allow_private_network = allow_private_network
        # With credentials, a browser refuses ``*``: the allowed origin itself must be echoed.
        self._echo_origin = not self._allow_all_origins or allow_credentials
        self._simple_echo_origin = self._allow_all_origins and allow_credentials

        simple: list[tuple[bytes, bytes]] = []
        if self._allow_all_origins and not allow_credentials:
            simple.append((_ALLOW_ORIGIN, b"*"))
        if allow_credentials:
            simple.append((b"access-control-allow-credentials", b"true"))
        if exposed:
            simple.append((b"access-control-expose-headers", ", ".join(exposed).encode("latin-1")))
        self._simple_headers = tuple(simple)
        self._simple_names = frozenset(name for name, _ in simple)
        self._simple_names_and_origin = self._simple_names | {_ALLOW_ORIGIN}

        preflight: list[tuple[bytes, bytes]] = []
        if not self._echo_origin:
            preflight.append((_ALLOW_ORIGIN, b"*"))
        preflight.append((b"access-control-allow-methods", ", ".join(methods).encode("latin-1")))
        preflight.append((b"access-control-max-age", str(max_age).encode("latin-1")))
        if not self._allow_all_headers:
            listed = sorted(SAFELISTED_HEADERS | set(headers))
            preflight.append((_ALLOW_HEADERS, ", ".join(listed).encode("latin-1")))
        if allow_credentials:
            preflight.append((b"access-control-allow-credentials", b"true"))
        preflight.append(_PREFLIGHT_VARY)
        self._preflight_headers = tuple(preflight)

    def _is_allowed_origin(self, origin: str) -> bool:
        if self._allow_all_origins or origin in self._allow_origins:
            return True
        return self._origin_regex is not None and self._origin_regex.fullmatch(origin) is not None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI connection: answer a preflight, or run the app and add CORS headers to its answer."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        origin: bytes | None = None
        for name, value in scope["headers"]:
            if name == _ORIGIN:
                origin = value
                break
        if origin is None:
            # The answer still depends on ``Origin`` (it would carry CORS headers if one were sent): say so to caches.
            await self.app(scope, receive, _vary_origin_sender(send))
            return
        if scope["method"] == "OPTIONS":
            for name, _ in scope["headers"]:
                if name == _REQUEST_METHOD:
                    await self._preflight(scope, origin, send)
                    return
        await self._simple(scope, receive, send, origin)

    async def _preflight(self, scope: Scope, origin: bytes, send: Send) -> None:
        requested_method, requested_headers, private_network = _read_preflight(scope["headers"])
        headers = list(self._preflight_headers)
        failures: list[str] = []
        if self._is_allowed_origin(origin.decode("latin-1")):
            if self._echo_origin:
                headers.append((_ALLOW_ORIGIN, origin))
        else:
            failures.append("origin")
        if requested_method not in self._allow_methods:
            failures.append("method")
        if requested_headers is not None:
            if self._allow_all_headers:
                headers.append((_ALLOW_HEADERS, requested_headers.encode("latin-1")))
            elif any(part.strip().lower() not in self._allow_headers for part in requested_headers.split(",")):
                failures.append("headers")
        if private_network:
            if self._allow_private_network:
                headers.append(_ALLOW_PRIVATE_NETWORK)
            else:
                failures.append("private-network")

        if failures:
            status, body = 400, ("Disallowed CORS " + ", ".join(failures)).encode()
        else:
            status, body = 200, b"OK"
        headers.append((b"content-length", str(len(body)).encode("latin-1")))
        headers.append(_TEXT_PLAIN)
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def _simple(self, scope: Scope, receive: Receive, send: Send, origin: bytes) -> None:
        if self._simple_echo_origin:
            echo = True
        else:
            echo = not self._allow_all_origins and self._is_allowed_origin(origin.decode("latin-1"))

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = self._add_simple_headers(message.get("headers", ()), origin if echo else None)
            await send(message)

        await self.app(scope, receive, send_with_cors)

    def _add_simple_headers(
        self, raw: Iterable[tuple[bytes, bytes]], origin: bytes | None
    ) -> list[tuple[bytes, bytes]]:
        replaced = self._simple_names if origin is None else self._simple_names_and_origin
        # Header names are compared as sent: ASGI apps send them lowercased, and so does every Zephyr response.
        headers = [(name, value) for name, value in add_vary(raw, b"Origin") if name not in replaced]
        headers.extend(self._simple_headers)
        if origin is not None:
            headers.append((_ALLOW_ORIGIN, origin))
        return headers
