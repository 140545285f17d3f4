"""``app.dependency_overrides``: a dict that counts its changes, so plans recompile only when it changes."""

from __future__ import annotations

import itertools
from typing import Any

__all__ = ("OverridesDict",)

_overrides_versions = itertools.count(1)


class OverridesDict(dict[Any, Any]):
    """``app.dependency_overrides``: a dict that counts its changes, so routes recompile only when it changes."""

    __slots__ = ("version",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.version = next(_overrides_versions)

    def _bump(self) -> None:
        self.version = next(_overrides_versions)

    def replace(self, value: dict[Any, Any] | None) -> None:
        """Make the overrides exactly ``value`` (what ``app.dependency_overrides = value`` does; None clears them)."""
        items = dict(value) if value is not None else {}
        super().clear()
        super().update(items)
        self._bump()

    def __setitem__(self, key: Any, value: Any) -> None:
        super().__setitem__(key, value)
        self._bump()

    def __delitem__(self, key: Any) -> None:
        super().__delitem__(key)
        self._bump()

    def clear(self) -> None:
        super().clear()
        self._bump()

    def update(self, *args: Any, **kwargs: Any) -> None:
        super().update(*args, **kwargs)
        self._bump()

    def pop(self, key: Any, *default: Any) -> Any:
        value = super().pop(key, *default)
        self._bump()
        return value

    def popitem(self) -> tuple[Any, Any]:
        item = super().popitem()
        self._bump()
        return item

    def setdefault(self, key: Any, default: Any = None) -> Any:
        value = super().setdefault(key, default)
        self._bump()
        return value
