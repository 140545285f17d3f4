"""``State``: the attribute bag behind ``app.state`` and ``request.state``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

__all__ = ("State",)


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
