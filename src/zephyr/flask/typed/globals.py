"""``g``: Flask's per-request namespace, for hooks and views of Flask-style routes.

``g.user = ...`` in a ``before_request`` hook is read back as ``g.user`` in the view (and in the other hooks of
the same request). The values live in the request's ASGI scope, under ``"zephyr.flask.g"``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from zephyr.flask.typed.hooks import current_view

__all__ = ("g",)

_KEY = "zephyr.flask.g"


def _namespace() -> dict[str, Any]:
    current = current_view()
    if current is None:
        raise RuntimeError(
            "Working outside of a Flask-style request: 'g' exists only while a Flask-style view or one of its hooks "
            "runs. Use request.state in FastAPI-style routes."
        )
    namespace: dict[str, Any] = current[0].scope.setdefault(_KEY, {})
    return namespace


class _AppCtxGlobals:
    """The type of ``g``: attribute access to the current request's namespace."""

    __slots__ = ()

    def __getattr__(self, name: str) -> Any:
        try:
            return _namespace()[name]
        except KeyError:
            raise AttributeError(f"'g' has no attribute {name!r}; set it first (g.{name} = ...).") from None

    def __setattr__(self, name: str, value: Any) -> None:
        _namespace()[name] = value

    def __delattr__(self, name: str) -> None:
        try:
            del _namespace()[name]
        except KeyError:
            raise AttributeError(f"'g' has no attribute {name!r}.") from None

    def get(self, name: str, default: Any = None) -> Any:
        """The value of ``name``, or ``default``."""
        return _namespace().get(name, default)

    def pop(self, name: str, *default: Any) -> Any:
        """Remove ``name`` and return its value (or ``default``; ``KeyError`` without one)."""
        return _namespace().pop(name, *default)

    def setdefault(self, name: str, default: Any = None) -> Any:
        """The value of ``name``, set to ``default`` first if missing."""
        return _namespace().setdefault(name, default)

    def __contains__(self, name: str) -> bool:
        return name in _namespace()

    def __iter__(self) -> Iterator[str]:
        return iter(list(_namespace()))

    def __repr__(self) -> str:
        current = current_view()
        return f"<flask.g of {current[1].endpoint!r}>" if current is not None else "<flask.g (no request)>"


g = _AppCtxGlobals()
"""Flask's ``g``, valid while a Flask-style view or one of its hooks runs."""
