"""Trust ``X-Forwarded-*`` and RFC 7239 ``Forwarded`` headers, but only from proxies you name.

Behind a reverse proxy, the server sees the proxy as the client and plain HTTP as the scheme. This middleware
rewrites ``scope["client"]``, ``scope["scheme"]``, ``scope["server"]`` and the ``Host`` header from the headers the
proxy adds, so ``request.client.host``, ``request.url`` and ``url_for`` show what the user's browser used.

The headers are believed only when the direct peer is a trusted proxy (an address or a CIDR network). The client
address is found by walking the forwarded-for chain from the right (the hop nearest to us) past every trusted
proxy: the first untrusted address is the client. A header a client forged at the start of the chain is never
taken for the client's address, because an untrusted hop stops the walk first.

``Forwarded`` wins over the ``X-Forwarded-*`` headers when both are present.

Example:
    ```python
    from zephyr import FastAPI
    from zephyr.middleware.proxy_headers import ProxyHeadersMiddleware

    app = FastAPI()
    app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=["127.0.0.1", "10.0.0.0/8"])
    ```
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from zephyr.types import ASGIApp, Receive, Scope, Send

__all__ = ("ProxyHeadersMiddleware",)

_Network = ipaddress.IPv4Network | ipaddress.IPv6Network
_WS_SCHEMES = {"http": "ws", "https": "wss", "ws": "ws", "wss": "wss"}
_HTTP_SCHEMES = {"http": "http", "https": "https", "ws": "http", "wss": "https"}
_NAMES = {
    b"forwarded": 0,
    b"x-forwarded-for": 1,
    b"x-forwarded-proto": 2,
    b"x-forwarded-host": 3,
    b"x-forwarded-port": 4,
}
_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}


class _Trust:
    __slots__ = ("everything", "names", "networks")

    def __init__(self, trusted: Iterable[str] | str) -> None:
        items = [trusted] if isinstance(trusted, str) else list(trusted)
        expanded = [part.strip() for item in items for part in item.split(",") if part.strip()]
        self.everything = "*" in expanded
        self.networks: list[_Network] = []
        self.names: set[str] = set()
        for item in expanded:
            if item == "*":
                continue
            try:
                self.networks.append(ipaddress.ip_network(item, strict=False))
            except ValueError:
                self.names.add(item)  # a non-IP peer name, such as a unix socket path

    def __call__(self, host: str | None) -> bool:
        if host is None:
            return False
        if self.everything or host in self.names:
            return True
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return False
        return any(address in network for network in self.networks)


def _strip_node(node: str) -> str:
    """Turn an RFC 7239 node (``"[2001:db8::1]:4711"``, ``192.0.2.1:80``, ``_hidden``) into its address."""
    node = node.strip().strip('"')
    if node.startswith("["):
        end = node.find("]")
        return node[1:end] if end != -1 else node[1:]
    if node.count(":") == 1:
        return node.split(":", 1)[0]
    return node


def _parse_forwarded(value: str) -> list[dict[str, str]]:
    elements: list[dict[str, str]] = []
    for element in value.split(","):
        pairs: dict[str, str] = {}
        for pair in element.split(";"):
            name, sep, raw = pair.partition("=")
            if sep:
                pairs[name.strip().lower()] = raw.strip().strip('"')
        elements.append(pairs)
    return elements


def _split_host(host: str, scheme: str) -> tuple[str, int]:
    if host.startswith("["):
        end = host.find("]")
        name, rest = host[: end + 1], host[end + 1 :]
        port = rest[1:] if rest.startswith(":") else ""
    else:
        name, _, port = host.partition(":")
    return name, int(port) if port.isascii() and port.isdigit() else _DEFAULT_PORTS.get(scheme, 80)


def _collect(headers: Iterable[tuple[bytes, bytes]]) -> list[bytes | None]:
    """Return the ``Forwarded``, ``X-Forwarded-For/-Proto/-Host/-Port`` values (repeated lists joined by commas)."""
    found: list[bytes | None] = [None] * len(_NAMES)
    for name, value in headers:
        index = _NAMES.get(name)
        if index is not None:
            current = found[index]
            found[index] = value if current is None else current + b"," + value
    return found


class ProxyHeadersMiddleware:
    """Rewrite client, scheme and host from proxy headers when the direct peer is a trusted proxy.

    Example:
        ```python
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts="10.0.0.0/8,127.0.0.1")
        ```

    Args:
        app: The ASGI app to wrap.
        trusted_hosts: Addresses and CIDR networks of trusted proxies (a list, or one comma-separated string);
            ``"*"`` trusts every peer (only when the app is reachable solely through the proxy).
    """

    __slots__ = ("app", "trusted")

    def __init__(self, app: ASGIApp, trusted_hosts: Iterable[str] | str = ("127.0.0.1",)) -> None:
        self.app = app
        self.trusted = _Trust(trusted_hosts)

    def _client_from(self, chain: list[str]) -> int:
        """Return the index in ``chain`` of the client: the first untrusted hop from the right."""
        for index in range(len(chain) - 1, -1, -1):
            if not self.trusted(chain[index]):
                return index
        return 0  # every hop is trusted: the leftmost is the origin

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI connection, rewritten from the proxy headers when the peer is trusted."""
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        if not self.trusted(client[0] if client else None):
            await self.app(scope, receive, send)
            return
        forwarded, x_for, x_proto, x_host, x_port = _collect(scope["headers"])
        proto = host = for_host = None
        if forwarded is not None:
            elements = _parse_forwarded(forwarded.decode("latin-1"))
            chain = [_strip_node(element.get("for", "unknown")) for element in elements]
            chosen = elements[self._client_from(chain)]
            for_host = _strip_node(chosen["for"]) if "for" in chosen else None
            proto = chosen.get("proto")
            host = chosen.get("host")
        else:
            if x_for is not None:
                chain = [hop.strip() for hop in x_for.decode("latin-1").split(",") if hop.strip()]
                if chain:
                    for_host = chain[self._client_from(chain)]
            if x_proto is not None:
                proto = x_proto.decode("latin-1").split(",")[-1].strip()
            if x_host is not None:
                host = x_host.decode("latin-1").split(",")[-1].strip()
        scope = self._rewrite(scope, for_host, proto, host, x_port)
        await self.app(scope, receive, send)

    def _rewrite(
        self, scope: Scope, for_host: str | None, proto: str | None, host: str | None, port: bytes | None
    ) -> Scope:
        if for_host:
            scope["client"] = (for_host, 0)
        if proto:
            proto = proto.lower()
            table = _WS_SCHEMES if scope["type"] == "websocket" else _HTTP_SCHEMES
            if proto in table:
                scope["scheme"] = table[proto]
        scheme = scope.get("scheme", "http")
        if host or port:
            if host:
                name, number = _split_host(host, scheme)
            else:
                server = scope.get("server") or ("localhost", _DEFAULT_PORTS.get(scheme, 80))
                name, number = server[0], _DEFAULT_PORTS.get(scheme, 80)
            if port is not None and port.strip().isdigit():
                number = int(port)
            scope["server"] = (name.strip("[]"), number)
            header = name if number == _DEFAULT_PORTS.get(scheme, 80) else f"{name}:{number}"
            headers = [(k, v) for k, v in scope["headers"] if k != b"host"]
            headers.append((b"host", header.encode("latin-1")))
            scope["headers"] = headers
        return scope
