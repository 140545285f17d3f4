"""Refuse requests whose ``Host`` header is not one of the app's own host names.

Example:
    ```python
    from zephyr import FastAPI
    from zephyr.middleware.trustedhost import TrustedHostMiddleware

    app = FastAPI()
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=["example.com", "*.example.com"])
    ```
"""

from __future__ import annotations

from collections.abc import Sequence

from zephyr.datastructures import URL
from zephyr.exceptions import FastAPIError
from zephyr.middleware._send import INVALID_HOST, redirect, send_plain_text
from zephyr.types import ASGIApp, Receive, Scope, Send

__all__ = ("TrustedHostMiddleware",)


def _host_of(header: bytes) -> str | None:
    """Return the lower-cased host of a ``Host`` header (brackets kept for IPv6), or ``None`` if it is malformed."""
    value = header.decode("latin-1")
    if value.startswith("["):
        end = value.find("]") + 1
        if end == 0:
            return None
        host, rest = value[:end], value[end:]
    else:
        host, colon, port = value.partition(":")
        rest = colon + port
    if not host:
        return None
    if rest:
        port = rest[1:]
        if rest[0] != ":" or not (port.isascii() and port.isdigit()):
            return None
    return host.lower()


class TrustedHostMiddleware:
    """Answer ``400 Invalid host header`` to requests for a host the app does not serve.

    Guards against Host-header attacks (poisoned password-reset links, cache poisoning).

    Args:
        app: The ASGI app to wrap.
        allowed_hosts: Host names to accept, compared without the port and case-insensitively. ``"*.example.com"``
            accepts every subdomain of ``example.com`` (not ``example.com`` itself); ``"*"`` (the default) accepts
            any host.
        www_redirect: When the host is ``example.com`` and only ``www.example.com`` is allowed, redirect to it
            instead of refusing.

    Raises:
        FastAPIError: If ``allowed_hosts`` is a single string, or a pattern uses ``*`` other than as ``"*"`` or
            a leading ``"*."``.
    """

    __slots__ = ("_allow_any", "_exact", "_suffixes", "_www_targets", "allowed_hosts", "app", "www_redirect")

    def __init__(self, app: ASGIApp, allowed_hosts: Sequence[str] | None = None, www_redirect: bool = True) -> None:
        if allowed_hosts is None:
            allowed_hosts = ["*"]
        elif isinstance(allowed_hosts, str):
            raise FastAPIError(
                f"TrustedHostMiddleware got allowed_hosts={allowed_hosts!r}, a single string. "
                f"Pass a list of host names instead: allowed_hosts=[{allowed_hosts!r}]."
            )
        for pattern in allowed_hosts:
            if "*" in pattern[1:] or (pattern.startswith("*") and pattern != "*" and not pattern.startswith("*.")):
                raise FastAPIError(
                    f"TrustedHostMiddleware got the host pattern {pattern!r}: a '*' may only stand alone ('*', any "
                    "host) or start a domain wildcard such as '*.example.com'."
                )
        self.app = app
        self.allowed_hosts = list(allowed_hosts)
        self.www_redirect = www_redirect
        patterns = [pattern.lower() for pattern in allowed_hosts]
        self._allow_any = "*" in patterns
        self._exact = frozenset(pattern for pattern in patterns if not pattern.startswith("*"))
        self._suffixes = tuple(pattern[1:] for pattern in patterns if pattern.startswith("*."))
        self._www_targets = frozenset(pattern[4:] for pattern in self._exact if pattern.startswith("www."))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on if its host is allowed; otherwise redirect to ``www.`` or answer 400."""
        if self._allow_any or scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        host = None
        for name, value in scope["headers"]:
            if name == b"host":
                host = _host_of(value)
                break
        if host is not None and (host in self._exact or (self._suffixes and host.endswith(self._suffixes))):
            await self.app(scope, receive, send)
            return
        if host is not None and self.www_redirect and host in self._www_targets:
            url = URL(scope=scope)
            if url.netloc:
                await redirect(scope, send, str(url.replace(netloc="www." + url.netloc)))
                return
        await send_plain_text(scope, send, 400, INVALID_HOST)
