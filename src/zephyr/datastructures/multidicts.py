"""Multi-dicts (mappings that keep every value of a repeated key) and the parsed query string."""

from __future__ import annotations

from collections.abc import ItemsView, Iterable, Iterator, KeysView, Mapping, ValuesView
from typing import Any, TypeVar, cast
from urllib.parse import parse_qsl, urlencode

__all__ = ("ImmutableMultiDict", "MultiDict", "QueryParams", "parse_query_pairs")

_KeyType = TypeVar("_KeyType")
_CovariantValueType = TypeVar("_CovariantValueType", covariant=True)


def parse_query_pairs(query: str) -> list[tuple[str, str]]:
    """A query string's ``(name, value)`` pairs, as Starlette reads them: blank values kept, ``+`` is a space.

    The same result as ``parse_qsl(query, keep_blank_values=True)``; without ``%`` or ``+`` nothing needs
    unquoting, and a plain split is several times faster. The one query-string parser: ``QueryParams`` and the
    compiled routes' parameter reader both use it.
    """
    if "%" in query or "+" in query:
        return parse_qsl(query, keep_blank_values=True)
    pairs = []
    for pair in query.split("&"):
        if pair:
            name, _, value = pair.partition("=")
            pairs.append((name, value))
    return pairs


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
            super().__init__(parse_query_pairs(value), **kwargs)
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
