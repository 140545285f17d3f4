"""Key functions: who a request counts against.

A key function takes the connection (a ``Request`` in a dependency, an ``HTTPConnection`` in the middleware; both
have ``.scope``) and returns a string, or ``None`` to exempt the request. It may be a coroutine function. The built-in
ones prefix their result with its kind (``ip:``, ``user:``, ``key:``) so different kinds never collide.

Example:
    ```python
    limiter = RateLimiter("100/minute", key=api_key("X-API-Key"))
    proxied = RateLimiter("100/minute", key=client_ip(trusted_proxies=["10.0.0.0/8"]))
    ```
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, Protocol, Union

__all__ = ("HasScope", "KeyFunc", "api_key", "by_header", "by_user", "client_ip")


class HasScope(Protocol):
    """Anything carrying an ASGI ``scope``: ``Request``, ``HTTPConnection``, ``WebSocket``."""

    @property
    def scope(self) -> Any:
        """The ASGI connection scope."""
        ...


KeyFunc = Callable[[Any], Union[str, Awaitable[Union[str, None]], None]]
"""A key function: connection in, key (or ``None`` to exempt) out, possibly awaitable."""

_Network = Union[ipaddress.IPv4Network, ipaddress.IPv6Network]


def _header(scope: Any, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


def _parse_networks(trusted_proxies: Iterable[str]) -> tuple[_Network, ...]:
    networks = []
    for proxy in trusted_proxies:
        try:
            networks.append(ipaddress.ip_network(proxy.strip(), strict=False))
        except ValueError as exc:
            raise ValueError(
                f"Invalid trusted proxy {proxy!r}: give an IP address or a CIDR network such as '10.0.0.0/8'"
            ) from exc
    return tuple(networks)


def _trusted(address: str, networks: tuple[_Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_ip(trusted_proxies: Iterable[str] = ()) -> Callable[[HasScope], str | None]:
    """Key by the client's IP address, reading ``X-Forwarded-For`` only when the peer is a trusted proxy.

    With trusted proxies, the address list ``X-Forwarded-For: client, proxy1, proxy2`` plus the peer is read from the
    right, skipping trusted addresses: the first untrusted one is the client (a client cannot forge its way past a
    proxy that appends). Without trusted proxies the header is ignored: anyone could send it.

    Args:
        trusted_proxies: IP addresses or CIDR networks of the reverse proxies in front of the app.

    Returns:
        The key function (``"ip:<address>"``; ``"ip:unknown"`` when the server gives no client address).

    Raises:
        ValueError: An entry is not an IP address or network.
    """
    networks = _parse_networks(trusted_proxies)

    def key(conn: HasScope) -> str:
        scope = conn.scope
        client = scope.get("client")
        peer = client[0] if client else None
        if peer is None:
            return "ip:unknown"
        if not networks or not _trusted(peer, networks):
            return f"ip:{peer}"
        forwarded = _header(scope, b"x-forwarded-for")
        if forwarded:
            for hop in reversed([part.strip() for part in forwarded.split(",")]):
                if hop and not _trusted(hop, networks):
                    return f"ip:{hop}"
        return f"ip:{peer}"

    return key


def by_header(name: str, *, fallback: KeyFunc | None = None, prefix: str = "key") -> KeyFunc:
    """Key by the value of a request header (hashed, so secrets never reach the store).

    Args:
        name: The header, such as ``"X-API-Key"``.
        fallback: Used when the header is absent; defaults to :func:`client_ip`. Pass a function returning ``None``
            to exempt such requests instead.
        prefix: The key's kind prefix.

    Returns:
        The key function (``"<prefix>:<sha256 of the value>"``).
    """
    header = name.lower().encode("latin-1")
    other = fallback if fallback is not None else client_ip()

    def key(conn: HasScope) -> str | Awaitable[str | None] | None:
        value = _header(conn.scope, header)
        if not value:
            return other(conn)
        return f"{prefix}:{hashlib.sha256(value.encode()).hexdigest()[:32]}"

    return key


def api_key(header: str = "X-API-Key", *, fallback: KeyFunc | None = None) -> KeyFunc:
    """Key by an API key sent in ``header`` (see :func:`by_header`); requests without one fall back to the IP."""
    return by_header(header, fallback=fallback, prefix="key")


def by_user(fallback: KeyFunc | None = None) -> KeyFunc:
    """Key by the authenticated user in ``scope["user"]`` (set by authentication middleware).

    The user's ``identity``, else ``username``, else ``display_name``, else ``str(user)`` is used. Anonymous
    requests (no user, or ``is_authenticated`` false) use ``fallback``, by default :func:`client_ip`.

    Returns:
        The key function (``"user:<identity>"``).
    """
    other = fallback if fallback is not None else client_ip()

    def key(conn: HasScope) -> str | Awaitable[str | None] | None:
        user = conn.scope.get("user")
        if user is None or not getattr(user, "is_authenticated", True):
            return other(conn)
        for attribute in ("identity", "username", "display_name"):
            value = getattr(user, attribute, None)
            if value:
                return f"user:{value}"
        return f"user:{user}"

    return key
