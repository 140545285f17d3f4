"""URLs: ``URL`` (parsed lazily from a string, a scope or components), ``URLPath`` and ``Address``."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from typing import Any, Literal, NamedTuple
from urllib.parse import SplitResult, parse_qsl, urlencode, urlsplit

from zephyr.datastructures.multidicts import MultiDict
from zephyr.types import Scope

__all__ = ("Address", "URL", "URLPath")

_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}
# A Host header is trusted only when it cannot change the URL's path or authority: a reg-name or a bracketed
# IP literal, then an optional numeric port.
_HOST_HEADER_PATTERN = (
    r"(?P<host>[a-z0-9._~%!$&'()*+,;=-]+|\[(?P<ipv6>[0-9a-f:.]+)\]|\[v[0-9a-f]+\.[a-z0-9._~!$&'()*+,;=:-]+\])"
    r"(?::(?P<port>[0-9]+))?"
)
_host_header: re.Pattern[str] | None = None
"""``_HOST_HEADER_PATTERN`` compiled when a URL is first built from a scope (compiling it costs ~0.4 ms at import)."""


def _compile_host_header() -> re.Pattern[str]:
    global _host_header
    _host_header = re.compile(_HOST_HEADER_PATTERN, re.IGNORECASE)
    return _host_header


class Address(NamedTuple):
    """The ``(host, port)`` of a client or server."""

    host: str
    port: int


def _netloc_from_scope(scope: Scope, scheme: str) -> str | None:
    for key, value in scope["headers"]:
        if key == b"host":
            host_header: str = value.decode("latin-1")
            match = (_host_header or _compile_host_header()).fullmatch(host_header)
            if match is not None:
                port = match["port"]
                ipv6 = match["ipv6"]
                digits = port.lstrip("0") if port is not None else ""
                valid = len(digits) <= 5 and int(digits or "0") <= 65535
                if valid and ipv6 is not None:
                    try:
                        ipaddress.IPv6Address(ipv6)
                    except ValueError:
                        valid = False
                if valid:
                    return host_header
            break
    server = scope.get("server")
    if server is None:
        return None
    host, port_number = server
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    if port_number is None or _DEFAULT_PORTS.get(scheme) == port_number:
        return str(host)
    return f"{host}:{port_number}"


class URL:
    """A URL, parsed lazily: from a string, from an ASGI ``scope``, or from components.

    Example:
        ```python
        URL("http://example.org:8000/a?b=1").port  # 8000
        URL(scheme="https", netloc="example.org", path="/")  # URL('https://example.org/')
        ```

    Args:
        url: The URL string.
        scope: An ASGI HTTP or WebSocket scope to build the URL from (scheme, Host header or server, path, query).
        **components: ``scheme``, ``netloc``, ``path``, ``query``, ``fragment`` and the other ``replace`` keywords.

    Raises:
        ValueError: When more than one of ``url``, ``scope`` and ``components`` is given.
    """

    __slots__ = ("_components", "_url")

    _components: SplitResult
    _url: str

    def __init__(self, url: str = "", scope: Scope | None = None, **components: Any) -> None:
        if scope is not None:
            if url or components:
                raise ValueError("URL() takes either a url string, a scope or components, not several; pass one.")
            url = self._from_scope(scope)
        elif components:
            if url:
                raise ValueError(f"URL() got both a url string {url!r} and components {components!r}; pass one.")
            url = URL("").replace(**components).components.geturl()
        self._url = url

    @staticmethod
    def _from_scope(scope: Scope) -> str:
        scheme = scope.get("scheme", "http")
        path: str = scope["path"]
        if "?" in path or "#" in path or "\\" in path:
            path = path.replace("?", "%3F").replace("#", "%23").replace("\\", "%5C")
        query_string: bytes = scope.get("query_string", b"")
        query = query_string.decode()
        netloc = _netloc_from_scope(scope, scheme)
        if netloc is None:
            if path.startswith("//"):
                # Without an authority, a leading "//" would be read as one.
                path = "/%2F" + path[2:]
            return f"{path}?{query}" if query else path
        if path and not path.startswith("/"):
            path = "/" + path
        url = f"{scheme}://{netloc}{path}"
        return f"{url}?{query}" if query else url

    @property
    def components(self) -> SplitResult:
        """The URL split by ``urllib.parse.urlsplit`` (computed once)."""
        try:
            return self._components
        except AttributeError:
            self._components = urlsplit(self._url)
            return self._components

    @property
    def scheme(self) -> str:
        """The scheme, such as ``"https"``."""
        return self.components.scheme

    @property
    def netloc(self) -> str:
        """The authority: ``user:password@host:port``."""
        return self.components.netloc

    @property
    def path(self) -> str:
        """The path, still percent-encoded."""
        return self.components.path

    @property
    def query(self) -> str:
        """The query string without the ``?``."""
        return self.components.query

    @property
    def fragment(self) -> str:
        """The fragment without the ``#``."""
        return self.components.fragment

    @property
    def username(self) -> str | None:
        """The user name of the authority, if any."""
        return self.components.username

    @property
    def password(self) -> str | None:
        """The password of the authority, if any."""
        return self.components.password

    @property
    def hostname(self) -> str | None:
        """The lower-cased host name, without brackets or port."""
        return self.components.hostname

    @property
    def port(self) -> int | None:
        """The explicit port, or ``None``."""
        return self.components.port

    @property
    def is_secure(self) -> bool:
        """Whether the scheme is ``https`` or ``wss``."""
        return self.scheme in ("https", "wss")

    def replace(self, **kwargs: Any) -> URL:
        """Return a copy with some components replaced.

        Keywords: ``scheme``, ``netloc``, ``path``, ``query``, ``fragment``, or the authority's parts ``username``,
        ``password``, ``hostname``, ``port``.
        """
        if "username" in kwargs or "password" in kwargs or "hostname" in kwargs or "port" in kwargs:
            kwargs["netloc"] = self._replace_netloc(kwargs)
        return self.__class__(self.components._replace(**kwargs).geturl())

    def _replace_netloc(self, kwargs: dict[str, Any]) -> str:
        hostname = kwargs.pop("hostname", None)
        port = kwargs.pop("port", self.port)
        username = kwargs.pop("username", self.username)
        password = kwargs.pop("password", self.password)
        if hostname is None:
            hostname = self.netloc.rpartition("@")[2]
            if hostname and not hostname.endswith("]"):
                hostname = hostname.rsplit(":", 1)[0]
        elif ":" in hostname and not hostname.startswith("["):
            try:
                ipaddress.IPv6Address(hostname)
            except ValueError:
                pass
            else:
                hostname = f"[{hostname}]"
        netloc = str(hostname)
        if port is not None:
            netloc = f"{netloc}:{port}"
        if username is not None:
            userinfo = f"{username}:{password}" if password is not None else str(username)
            netloc = f"{userinfo}@{netloc}"
        return netloc

    def include_query_params(self, **kwargs: Any) -> URL:
        """Return a copy with these query parameters set (each replacing all values of its key), keeping the others."""
        params = MultiDict(parse_qsl(self.query, keep_blank_values=True))
        params.update({str(key): str(value) for key, value in kwargs.items()})
        return self.replace(query=urlencode(params.multi_items()))

    def replace_query_params(self, **kwargs: Any) -> URL:
        """Return a copy whose query string holds exactly these parameters."""
        return self.replace(query=urlencode([(str(key), str(value)) for key, value in kwargs.items()]))

    def remove_query_params(self, keys: str | Sequence[str]) -> URL:
        """Return a copy without the query parameters named by ``keys`` (one key or several)."""
        if isinstance(keys, str):
            keys = [keys]
        params = MultiDict(parse_qsl(self.query, keep_blank_values=True))
        for key in keys:
            params.pop(key, None)
        return self.replace(query=urlencode(params.multi_items()))

    def __eq__(self, other: object) -> bool:
        return self._url == str(other)

    def __hash__(self) -> int:
        return hash(self._url)

    def __str__(self) -> str:
        return self._url

    def __repr__(self) -> str:
        url = self._url
        if self.password:
            url = str(self.replace(password="********"))  # noqa: S106 - a mask, not a password
        return f"{self.__class__.__name__}({url!r})"


class URLPath(str):
    """A path returned by ``url_path_for``, which may also carry the protocol and host of its route.

    Args:
        path: The path.
        protocol: ``"http"``, ``"websocket"`` or ``""`` (take the base URL's scheme).
        host: A host to use instead of the base URL's, or ``""``.

    Raises:
        ValueError: When ``protocol`` is not one of the three allowed values.
    """

    protocol: str
    host: str

    def __new__(cls, path: str, protocol: Literal["http", "websocket", ""] = "", host: str = "") -> URLPath:
        """Create the path string, escaping backslashes and a leading ``//``."""
        if protocol not in ("http", "websocket", ""):
            raise ValueError(f"URLPath protocol must be 'http', 'websocket' or '', got {protocol!r}.")
        path = path.replace("\\", "%5C")
        if path.startswith("//"):
            # A leading "//" would be read as an authority.
            path = "/%2F" + path[2:]
        return str.__new__(cls, path)

    def __init__(self, path: str, protocol: Literal["http", "websocket", ""] = "", host: str = "") -> None:
        self.protocol = protocol
        self.host = host

    def make_absolute_url(self, base_url: str | URL) -> URL:
        """Join this path onto ``base_url``, switching to a secure scheme when the base is secure.

        Args:
            base_url: The application's base URL (``request.base_url``).

        Returns:
            The absolute URL.
        """
        if isinstance(base_url, str):
            base_url = URL(base_url)
        if self.protocol == "http":
            scheme = "https" if base_url.is_secure else "http"
        elif self.protocol == "websocket":
            scheme = "wss" if base_url.is_secure else "ws"
        else:
            scheme = base_url.scheme
        netloc = self.host or base_url.netloc
        path = base_url.path.rstrip("/") + str(self)
        return URL(scheme=scheme, netloc=netloc, path=path)
