"""Data structures shared by requests, responses and the app: URLs, headers, query strings, forms, uploads, state.

They behave as Starlette's classes of the same names, so code written against ``fastapi.datastructures`` or
``starlette.datastructures`` runs unchanged. Everything here is a thin, lazy view: ``Headers`` decodes only the key
asked for, ``URL`` splits its string only when a component is read.

Example:
    ```python
    url = URL("https://example.org/items?page=2")
    url.replace_query_params(page=3)  # URL('https://example.org/items?page=3')
    Headers({"Content-Type": "text/plain"})["content-type"]  # 'text/plain'
    ```
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import ItemsView, Iterable, Iterator, KeysView, Mapping, MutableMapping, Sequence, ValuesView
from typing import TYPE_CHECKING, Any, BinaryIO, Literal, NamedTuple, TypeVar, cast
from urllib.parse import SplitResult, parse_qsl, urlencode, urlsplit

# ``anyio.to_thread`` is not imported here: anyio loads it on first use (older anyio, with the package itself).
import anyio

from zephyr.types import Scope

if TYPE_CHECKING:
    from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
    from pydantic_core import CoreSchema

__all__ = (
    "Address",
    "CommaSeparatedStrings",
    "Default",
    "DefaultPlaceholder",
    "DefaultType",
    "FormData",
    "Headers",
    "ImmutableMultiDict",
    "MultiDict",
    "MutableHeaders",
    "QueryParams",
    "Secret",
    "State",
    "URL",
    "URLPath",
    "UploadFile",
)

_KeyType = TypeVar("_KeyType")
_CovariantValueType = TypeVar("_CovariantValueType", covariant=True)
DefaultType = TypeVar("DefaultType")

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


def _parse_query(query: str) -> list[tuple[str, str]]:
    # Same result as parse_qsl(query, keep_blank_values=True); without "%" or "+" nothing needs unquoting.
    if "%" in query or "+" in query:
        return parse_qsl(query, keep_blank_values=True)
    pairs = []
    for pair in query.split("&"):
        if pair:
            name, _, value = pair.partition("=")
            pairs.append((name, value))
    return pairs


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


class Secret:
    """A string kept out of ``repr()`` and tracebacks; call ``str()`` where the value is needed.

    Args:
        value: The secret.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}('**********')"

    def __str__(self) -> str:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)


class CommaSeparatedStrings(Sequence[str]):
    """A sequence of strings parsed from a comma-separated value (quotes group items), as used in settings.

    Args:
        value: ``"a, b, 'c,d'"`` or a sequence of strings.
    """

    __slots__ = ("_items",)

    def __init__(self, value: str | Sequence[str]) -> None:
        if isinstance(value, str):
            from shlex import shlex

            splitter = shlex(value, posix=True)
            splitter.whitespace = ","
            splitter.whitespace_split = True
            self._items = [item.strip() for item in splitter]
        else:
            self._items = list(value)

    def __len__(self) -> int:
        return len(self._items)

    def __getitem__(self, index: int | slice) -> Any:
        return self._items[index]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}({self._items!r})"

    def __str__(self) -> str:
        return ", ".join(repr(item) for item in self._items)


class ImmutableMultiDict(Mapping[_KeyType, _CovariantValueType]):
    """A read-only mapping that keeps every value of a repeated key; ``[key]`` gives the last one.

    Example:
        ```python
        d = ImmutableMultiDict([("a", "1"), ("a", "2")])
        d["a"], d.getlist("a")  # ('2', ['1', '2'])
        ```

    Args:
        *args: At most one of: another multi-dict, a mapping, or an iterable of ``(key, value)`` pairs.
        **kwargs: More pairs, added after ``args``.

    Raises:
        TypeError: When more than one positional argument is given.
    """

    __slots__ = ("_dict", "_list")

    _dict: dict[Any, Any]
    _list: list[tuple[Any, Any]]

    def __init__(
        self,
        *args: ImmutableMultiDict[_KeyType, _CovariantValueType]
        | Mapping[_KeyType, _CovariantValueType]
        | Iterable[tuple[_KeyType, _CovariantValueType]],
        **kwargs: Any,
    ) -> None:
        if len(args) > 1:
            raise TypeError(f"{self.__class__.__name__}() takes at most one positional argument, got {len(args)}.")
        items = _pairs(args[0]) if args else []
        if kwargs:
            items = items + list(kwargs.items())
        self._list = items
        self._dict = dict(items)

    def getlist(self, key: Any) -> list[_CovariantValueType]:
        """Return every value of ``key``, in order (an empty list when absent)."""
        return [item_value for item_key, item_value in self._list if item_key == key]

    def keys(self) -> KeysView[_KeyType]:
        """Return the distinct keys."""
        return self._dict.keys()

    def values(self) -> ValuesView[_CovariantValueType]:
        """Return the last value of each key."""
        return self._dict.values()

    def items(self) -> ItemsView[_KeyType, _CovariantValueType]:
        """Return ``(key, last value)`` pairs."""
        return self._dict.items()

    def multi_items(self) -> list[tuple[_KeyType, _CovariantValueType]]:
        """Return every ``(key, value)`` pair, repeated keys included, in order."""
        return list(self._list)

    def __getitem__(self, key: _KeyType) -> _CovariantValueType:
        return cast("_CovariantValueType", self._dict[key])

    def __contains__(self, key: Any) -> bool:
        return key in self._dict

    def __iter__(self) -> Iterator[_KeyType]:
        return iter(self._dict)

    def __len__(self) -> int:
        return len(self._dict)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, self.__class__):
            return False
        return sorted(self._list, key=_first) == sorted(other._list, key=_first)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}({self.multi_items()!r})"


def _first(pair: tuple[Any, Any]) -> Any:
    return pair[0]


def _pairs(value: Any) -> list[tuple[Any, Any]]:
    if not value:
        return []
    if hasattr(value, "multi_items"):
        return list(value.multi_items())
    if hasattr(value, "items"):
        return list(value.items())
    return list(value)


class MultiDict(ImmutableMultiDict[Any, Any]):
    """A mutable ``ImmutableMultiDict``: assignment replaces all values of a key, ``append`` adds one."""

    __slots__ = ()

    def __setitem__(self, key: Any, value: Any) -> None:
        self.setlist(key, [value])

    def __delitem__(self, key: Any) -> None:
        self._list = [(k, v) for k, v in self._list if k != key]
        del self._dict[key]

    def pop(self, key: Any, default: Any = None) -> Any:
        """Remove every value of ``key`` and return the last one (or ``default``)."""
        self._list = [(k, v) for k, v in self._list if k != key]
        return self._dict.pop(key, default)

    def popitem(self) -> tuple[Any, Any]:
        """Remove the most recently set key and return ``(key, last value)``."""
        key, value = self._dict.popitem()
        self._list = [(k, v) for k, v in self._list if k != key]
        return key, value

    def poplist(self, key: Any) -> list[Any]:
        """Remove ``key`` and return all of its values."""
        values = [v for k, v in self._list if k == key]
        self.pop(key)
        return values

    def clear(self) -> None:
        """Remove everything."""
        self._dict.clear()
        self._list.clear()

    def setdefault(self, key: Any, default: Any = None) -> Any:
        """Set ``key`` to ``default`` unless present; return its value."""
        if key not in self._dict:
            self._dict[key] = default
            self._list.append((key, default))
        return self._dict[key]

    def setlist(self, key: Any, values: list[Any]) -> None:
        """Replace all values of ``key`` with ``values`` (removing the key when empty)."""
        if not values:
            self.pop(key, None)
            return
        self._list = [(k, v) for k, v in self._list if k != key]
        self._list.extend((key, value) for value in values)
        self._dict[key] = values[-1]

    def append(self, key: Any, value: Any) -> None:
        """Add one more value for ``key``."""
        self._list.append((key, value))
        self._dict[key] = value

    def update(self, *args: MultiDict | Mapping[Any, Any] | list[tuple[Any, Any]], **kwargs: Any) -> None:
        """Replace the values of every key present in the arguments, keeping the other keys."""
        value = MultiDict(*args, **kwargs)
        new_keys = value._dict.keys()
        self._list = [(k, v) for k, v in self._list if k not in new_keys]
        self._list.extend(value._list)
        self._dict.update(value._dict)


class QueryParams(ImmutableMultiDict[str, str]):
    """The parsed query string: an immutable multi-dict of strings; ``str()`` re-encodes it.

    Example:
        ```python
        QueryParams("a=1&a=2&b=")  # QueryParams('a=1&a=2&b=')
        ```

    Args:
        *args: A query string (``str`` or ``bytes``), a mapping, a multi-dict or a list of pairs.
        **kwargs: More parameters.
    """

    __slots__ = ()

    def __init__(
        self,
        *args: ImmutableMultiDict[Any, Any] | Mapping[Any, Any] | list[tuple[Any, Any]] | str | bytes,
        **kwargs: Any,
    ) -> None:
        value = args[0] if len(args) == 1 else None
        if isinstance(value, bytes):
            value = value.decode("latin-1")
        if isinstance(value, str):
            super().__init__(_parse_query(value), **kwargs)
            if not kwargs:
                return  # parse_qsl already gave strings
        else:
            super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._list = [(str(k), str(v)) for k, v in self._list]
        self._dict = {str(k): str(v) for k, v in self._dict.items()}

    def __str__(self) -> str:
        return urlencode(self._list)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}({str(self)!r})"


class UploadFile:
    """A file uploaded in a request (also usable as a parameter or Pydantic field type).

    Its async methods touch the file in a worker thread only when the file has been rolled to disk; while a
    ``SpooledTemporaryFile`` is still in memory they run inline.

    Example:
        ```python
        @app.post("/upload")
        async def upload(file: UploadFile) -> dict[str, object]:
            return {"filename": file.filename, "size": len(await file.read())}
        ```

    Args:
        file: The underlying binary file (blocking; use it directly in ``def`` endpoints).
        size: The size in bytes, when known; ``write`` keeps it up to date.
        filename: The client-given file name.
        headers: The part's headers.
    """

    __slots__ = ("_max_mem_size", "file", "filename", "headers", "size")

    file: BinaryIO
    filename: str | None
    size: int | None
    headers: Headers

    def __init__(
        self, file: BinaryIO, *, size: int | None = None, filename: str | None = None, headers: Headers | None = None
    ) -> None:
        self.file = file
        self.size = size
        self.filename = filename
        self.headers = headers if headers is not None else Headers()
        # SpooledTemporaryFile's threshold (0 means it never rolls).
        self._max_mem_size: int = getattr(file, "_max_size", 0)

    @property
    def content_type(self) -> str | None:
        """The part's ``Content-Type`` header, if any."""
        content_type: str | None = self.headers.get("content-type")
        return content_type

    @property
    def _in_memory(self) -> bool:
        return not getattr(self.file, "_rolled", True)

    def _will_roll(self, size_to_add: int) -> bool:
        if not self._in_memory:
            return True
        return bool(self._max_mem_size) and self.file.tell() + size_to_add > self._max_mem_size

    async def write(self, data: bytes) -> None:
        """Append ``data`` to the file and add its length to ``size``."""
        if self.size is not None:
            self.size += len(data)
        if self._will_roll(len(data)):
            await anyio.to_thread.run_sync(self.file.write, data)
        else:
            self.file.write(data)

    async def read(self, size: int = -1) -> bytes:
        """Read up to ``size`` bytes (all remaining when negative)."""
        if self._in_memory:
            return self.file.read(size)
        return await anyio.to_thread.run_sync(self.file.read, size)

    async def seek(self, offset: int) -> None:
        """Move to byte ``offset``."""
        if self._in_memory:
            self.file.seek(offset)
        else:
            await anyio.to_thread.run_sync(self.file.seek, offset)

    async def close(self) -> None:
        """Close the file (deleting it when it is a temporary file)."""
        if self._in_memory:
            self.file.close()
        else:
            await anyio.to_thread.run_sync(self.file.close)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(filename={self.filename!r}, size={self.size!r}, headers={self.headers!r})"

    @classmethod
    def _validate(cls, value: Any) -> UploadFile:
        if not isinstance(value, UploadFile):
            raise ValueError(f"Expected UploadFile, received: {type(value)}")
        return value

    @classmethod
    def __get_pydantic_core_schema__(cls, source: type[Any], handler: GetCoreSchemaHandler) -> CoreSchema:
        from pydantic_core import core_schema

        return core_schema.no_info_plain_validator_function(cls._validate)

    @classmethod
    def __get_pydantic_json_schema__(cls, schema: CoreSchema, handler: GetJsonSchemaHandler) -> dict[str, Any]:
        # FastAPI 0.16x (OpenAPI 3.1) describes a file as binary string content, with no "format".
        return {"type": "string", "contentMediaType": "application/octet-stream"}


class FormData(ImmutableMultiDict[str, UploadFile | str]):
    """A parsed form: an immutable multi-dict of strings and ``UploadFile`` objects.

    Args:
        *args: A mapping, a form or a list of pairs.
        **kwargs: More fields.
    """

    __slots__ = ()

    def __init__(
        self,
        *args: FormData | Mapping[str, str | UploadFile] | list[tuple[str, str | UploadFile]],
        **kwargs: str | UploadFile,
    ) -> None:
        super().__init__(*args, **kwargs)

    async def close(self) -> None:
        """Close every uploaded file in the form."""
        for _, value in self._list:
            if isinstance(value, UploadFile):
                await value.close()


class Headers(Mapping[str, str]):
    """Immutable, case-insensitive HTTP headers that keep repeated names; values are decoded only when read.

    Example:
        ```python
        headers = Headers(raw=[(b"set-cookie", b"a=1"), (b"set-cookie", b"b=2")])
        headers["Set-Cookie"], headers.getlist("set-cookie")  # ('a=1', ['a=1', 'b=2'])
        ```

    Args:
        headers: A mapping of names to values.
        raw: A list of ``(lower-case name, value)`` byte pairs, used as is (not copied).
        scope: An ASGI scope whose ``"headers"`` to view.

    Raises:
        ValueError: When more than one source is given.
    """

    __slots__ = ("_list",)

    def __init__(
        self,
        headers: Mapping[str, str] | None = None,
        raw: list[tuple[bytes, bytes]] | None = None,
        scope: MutableMapping[str, Any] | None = None,
    ) -> None:
        if headers is not None:
            if raw is not None or scope is not None:
                raise ValueError("Headers() takes one of 'headers', 'raw' or 'scope', not several; pass one.")
            self._list = [(key.lower().encode("latin-1"), value.encode("latin-1")) for key, value in headers.items()]
        elif raw is not None:
            if scope is not None:
                raise ValueError("Headers() takes one of 'headers', 'raw' or 'scope', not several; pass one.")
            self._list = raw
        elif scope is not None:
            # ASGI allows any iterable; keep one list shared with the scope so edits are seen by both.
            scope_headers = scope["headers"]
            if type(scope_headers) is not list:
                scope_headers = scope["headers"] = list(scope_headers)
            self._list = scope_headers
        else:
            self._list = []

    @property
    def raw(self) -> list[tuple[bytes, bytes]]:
        """A copy of the raw ``(name, value)`` byte pairs."""
        return list(self._list)

    def keys(self) -> list[str]:  # type: ignore[override]
        """Return every header name, repeats included."""
        return [key.decode("latin-1") for key, _ in self._list]

    def values(self) -> list[str]:  # type: ignore[override]
        """Return every header value, in order."""
        return [value.decode("latin-1") for _, value in self._list]

    def items(self) -> list[tuple[str, str]]:  # type: ignore[override]
        """Return every ``(name, value)`` pair, repeats included."""
        return [(key.decode("latin-1"), value.decode("latin-1")) for key, value in self._list]

    def get(self, key: str, default: Any = None) -> Any:
        """Return the first value of ``key``, or ``default``."""
        wanted = key.lower().encode("latin-1")
        for name, value in self._list:
            if name == wanted:
                return value.decode("latin-1")
        return default

    def getlist(self, key: str) -> list[str]:
        """Return every value of ``key`` (an empty list when absent)."""
        wanted = key.lower().encode("latin-1")
        return [value.decode("latin-1") for name, value in self._list if name == wanted]

    def mutablecopy(self) -> MutableHeaders:
        """Return a ``MutableHeaders`` holding a copy of these headers."""
        return MutableHeaders(raw=self._list[:])

    def __getitem__(self, key: str) -> str:
        wanted = key.lower().encode("latin-1")
        for name, value in self._list:
            if name == wanted:
                return value.decode("latin-1")
        raise KeyError(key)

    def __contains__(self, key: Any) -> bool:
        wanted = key.lower().encode("latin-1")
        for name, _ in self._list:  # noqa: SIM110 - a plain loop is faster than any() on this hot path
            if name == wanted:
                return True
        return False

    def __iter__(self) -> Iterator[Any]:
        return iter(self.keys())

    def __len__(self) -> int:
        return len(self._list)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Headers):
            return False
        return sorted(self._list) == sorted(other._list)

    def __repr__(self) -> str:
        as_dict = dict(self.items())
        if len(as_dict) == len(self):
            return f"{self.__class__.__name__}({as_dict!r})"
        return f"{self.__class__.__name__}(raw={self.raw!r})"


class MutableHeaders(Headers):
    """Headers that can be edited; edits change the underlying raw list in place.

    So ``MutableHeaders(raw=response.raw_headers)`` edits the response's headers, and ``response.headers`` is this.
    """

    __slots__ = ()

    def __setitem__(self, key: str, value: str) -> None:
        name = key.lower().encode("latin-1")
        encoded = value.encode("latin-1")
        items = self._list
        first = -1
        index = 0
        while index < len(items):
            if items[index][0] == name:
                if first < 0:
                    first = index
                else:
                    del items[index]
                    continue
            index += 1
        if first < 0:
            items.append((name, encoded))
        else:
            items[first] = (name, encoded)

    def __delitem__(self, key: str) -> None:
        name = key.lower().encode("latin-1")
        self._list[:] = [item for item in self._list if item[0] != name]

    def __ior__(self, other: Mapping[str, str]) -> MutableHeaders:
        if not isinstance(other, Mapping):
            raise TypeError(f"Expected a mapping but got {other.__class__.__name__}")
        self.update(other)
        return self

    def __or__(self, other: Mapping[str, str]) -> MutableHeaders:
        if not isinstance(other, Mapping):
            raise TypeError(f"Expected a mapping but got {other.__class__.__name__}")
        new = self.mutablecopy()
        new.update(other)
        return new

    @property
    def raw(self) -> list[tuple[bytes, bytes]]:
        """The raw ``(name, value)`` byte pairs themselves (not a copy)."""
        return self._list

    def setdefault(self, key: str, value: str) -> str:
        """Set ``key`` to ``value`` unless present; return its (first) value."""
        name = key.lower().encode("latin-1")
        for item_name, item_value in self._list:
            if item_name == name:
                return item_value.decode("latin-1")
        self._list.append((name, value.encode("latin-1")))
        return value

    def update(self, other: Mapping[str, str]) -> None:
        """Set each header of ``other``, replacing existing values."""
        for key, value in other.items():
            self[key] = value

    def append(self, key: str, value: str) -> None:
        """Add a header, keeping existing ones of the same name."""
        self._list.append((key.lower().encode("latin-1"), value.encode("latin-1")))

    def add_vary_header(self, vary: str) -> None:
        """Add ``vary`` to the ``Vary`` header, merging existing values into one header."""
        self["vary"] = ", ".join([*self.getlist("vary"), vary])


class State:
    """An attribute bag over a dict, used for ``app.state`` and ``request.state``.

    Example:
        ```python
        app.state.db = connect()
        request.state.user_id = 42
        ```

    Args:
        state: The dict to store attributes in (shared, not copied).
    """

    __slots__ = ("_state",)

    _state: dict[str, Any]

    def __init__(self, state: dict[str, Any] | None = None) -> None:
        object.__setattr__(self, "_state", {} if state is None else state)

    def __setattr__(self, key: str, value: Any) -> None:
        self._state[key] = value

    def __reduce__(self) -> tuple[type[State], tuple[dict[str, Any]]]:
        # copy.copy shares the dict (as an unslotted object's copy would); deepcopy and pickle copy it.
        return (self.__class__, (self._state,))

    def __getattr__(self, key: str) -> Any:
        if key == "_state":  # not set yet (an instance made without __init__): do not recurse
            raise AttributeError(key)
        try:
            return self._state[key]
        except KeyError:
            raise AttributeError(f"'{self.__class__.__name__}' object has no attribute '{key}'") from None

    def __delattr__(self, key: str) -> None:
        try:
            del self._state[key]
        except KeyError:
            raise AttributeError(f"'{self.__class__.__name__}' object has no attribute '{key}'") from None

    def __getitem__(self, key: str) -> Any:
        return self._state[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self._state[key] = value

    def __delitem__(self, key: str) -> None:
        del self._state[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._state)

    def __len__(self) -> int:
        return len(self._state)

    def __contains__(self, key: object) -> bool:
        return key in self._state

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}({self._state!r})"


class DefaultPlaceholder:
    """Marks a default value that the user did not set, so an explicit value (even an equal one) wins.

    Args:
        value: The default.
    """

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __bool__(self) -> bool:
        return bool(self.value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DefaultPlaceholder) and other.value == self.value

    def __repr__(self) -> str:
        return f"Default({self.value!r})"


def Default(value: DefaultType) -> DefaultType:  # noqa: N802 - FastAPI's name
    """Wrap ``value`` in a ``DefaultPlaceholder``, typed as the value itself so it fits the parameter's annotation."""
    return DefaultPlaceholder(value)  # type: ignore[return-value]
