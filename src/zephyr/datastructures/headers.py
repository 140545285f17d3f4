"""HTTP headers: the case-insensitive, lazily decoded ``Headers`` and its mutable twin."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, MutableMapping
from typing import Any

from zephyr._header_values import encode_header_value

__all__ = ("Headers", "MutableHeaders")


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


def _encode(key: str, value: str) -> bytes:
    """Encode a header value set by the app; the exact check runs only for values with an unusual character."""
    if value.isascii() and value.isprintable():
        return value.encode("ascii")
    return encode_header_value(key, value)


class MutableHeaders(Headers):
    """Headers that can be edited; edits change the underlying raw list in place.

    So ``MutableHeaders(raw=response.raw_headers)`` edits the response's headers, and ``response.headers`` is this.
    """

    __slots__ = ()

    def __setitem__(self, key: str, value: str) -> None:
        name = key.lower().encode("latin-1")
        encoded = _encode(key, value)
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
        self._list.append((name, _encode(key, value)))
        return value

    def update(self, other: Mapping[str, str]) -> None:
        """Set each header of ``other``, replacing existing values."""
        for key, value in other.items():
            self[key] = value

    def append(self, key: str, value: str) -> None:
        """Add a header, keeping existing ones of the same name."""
        self._list.append((key.lower().encode("latin-1"), _encode(key, value)))

    def add_vary_header(self, vary: str) -> None:
        """Add ``vary`` to the ``Vary`` header, merging existing values into one header."""
        self["vary"] = ", ".join([*self.getlist("vary"), vary])
