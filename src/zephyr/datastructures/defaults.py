"""``Default``: marks a parameter default the user did not set, so an explicit equal value still wins."""

from __future__ import annotations

from typing import Any, TypeVar

__all__ = ("Default", "DefaultPlaceholder", "DefaultType")

DefaultType = TypeVar("DefaultType")


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
