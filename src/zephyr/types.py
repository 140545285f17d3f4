"""ASGI type aliases, in one place.

Every ASGI callable in Zephyr takes ``(scope, receive, send)``; these aliases name those three and the
application type built from them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any, TypeVar

__all__ = (
    "ASGIApp",
    "DecoratedCallable",
    "IncEx",
    "Message",
    "Receive",
    "Scope",
    "Send",
)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

DecoratedCallable = TypeVar("DecoratedCallable", bound=Callable[..., Any])
"""The type of a function handed to a route decorator, returned unchanged."""

IncEx = set[int] | set[str] | dict[int, Any] | dict[str, Any]
"""What ``response_model_include`` and ``response_model_exclude`` accept."""
