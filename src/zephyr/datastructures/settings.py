"""Values read from settings: ``Secret`` (kept out of reprs) and ``CommaSeparatedStrings``."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

__all__ = ("CommaSeparatedStrings", "Secret")


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
