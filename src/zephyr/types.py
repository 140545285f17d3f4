"""ASGI type aliases, in one place.

Every ASGI callable in Zephyr takes ``(scope, receive, send)``; these aliases name those three and the
application type built from them.
"""

from __future__ import annotations

import types
from collections.abc import Awaitable, Callable, MutableMapping
from enum import Enum
from typing import Any, TypeVar, Union

from pydantic import BaseModel

__all__ = (
    "ASGIApp",
    "DecoratedCallable",
    "DependencyCacheKey",
    "IncEx",
    "Message",
    "ModelNameMap",
    "Receive",
    "Scope",
    "Send",
    "UnionType",
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

DependencyCacheKey = tuple[Callable[..., Any] | None, tuple[str, ...], str]
"""What keys a per-request dependency cache: (call, the sorted OAuth scopes when they matter, the computed scope).

``solve_dependencies(dependency_cache=...)`` reads and fills a dict keyed so (``Dependant.cache_key``)."""

ModelNameMap = dict[type[BaseModel] | type[Enum], str]
"""The name each model (or enum) gets in an OpenAPI document's ``components/schemas``."""

UnionType = getattr(types, "UnionType", Union)
"""``X | Y``'s type (``types.UnionType``)."""
