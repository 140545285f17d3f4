"""Hooks by which features attach themselves to an endpoint function before it is registered.

A decorator such as ``@limit("10/minute")`` or ``@cache(expire=60)`` does not wrap the endpoint (which would hide its
signature from the dependency compiler); it records what it needs on the function, and the route compiler reads the
records once, when the route is added:

- extra dependencies, run before the endpoint's own parameters (after router and app dependencies);
- per-route ASGI middleware, wrapped around the compiled route handler (``scope["route"]`` is set by then);
- extra OpenAPI responses, merged into the route's ``responses``.

The decorators may sit above or below the route decorator: a route reads the records when it compiles its plan and
builds its ASGI app, on first use, so a decorator applied right after registration still counts. One applied after
the route has served requests is not seen.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from zephyr.types import ASGIApp

__all__ = (
    "add_route_dependency",
    "add_route_middleware",
    "add_route_responses",
    "route_dependencies",
    "route_middleware",
    "route_responses",
)

_DEPS = "__zephyr_dependencies__"
_MIDDLEWARE = "__zephyr_route_middleware__"
_RESPONSES = "__zephyr_responses__"


def _append(func: Callable[..., Any], attribute: str, value: Any) -> None:
    current = list(getattr(func, attribute, ()))
    current.append(value)
    setattr(func, attribute, tuple(current))


def add_route_dependency(func: Callable[..., Any], dependency: Any) -> None:
    """Record a ``Depends(...)`` marker to run before ``func``'s own parameters."""
    _append(func, _DEPS, dependency)


def add_route_middleware(func: Callable[..., Any], factory: Callable[[ASGIApp], ASGIApp]) -> None:
    """Record an ASGI middleware factory to wrap around ``func``'s compiled route (first recorded is innermost)."""
    _append(func, _MIDDLEWARE, factory)


def add_route_responses(func: Callable[..., Any], responses: dict[int | str, dict[str, Any]]) -> None:
    """Record extra OpenAPI responses for ``func``'s route."""
    merged = dict(getattr(func, _RESPONSES, {}))
    merged.update(responses)
    setattr(func, _RESPONSES, merged)


def route_dependencies(func: Callable[..., Any]) -> tuple[Any, ...]:
    """Return the dependencies recorded on ``func``."""
    return tuple(getattr(func, _DEPS, ()))


def _callables(func: Callable[..., Any], dependencies: Sequence[Any]) -> list[Any]:
    return [func, *(getattr(dep, "dependency", None) for dep in dependencies)]


def route_middleware(
    func: Callable[..., Any], dependencies: Sequence[Any] = ()
) -> tuple[Callable[[ASGIApp], ASGIApp], ...]:
    """Return the middleware factories recorded on ``func`` and on the route's ``dependencies``, innermost first.

    A dependency (e.g. an ``Idempotency`` instance in a router's ``dependencies=[...]``) records middleware on itself,
    so opting in on an app or router wraps every route it reaches.
    """
    found: list[Callable[[ASGIApp], ASGIApp]] = []
    for call in _callables(func, dependencies):
        for factory in getattr(call, _MIDDLEWARE, ()):
            if factory not in found:
                found.append(factory)
    return tuple(found)


def route_responses(func: Callable[..., Any], dependencies: Sequence[Any] = ()) -> dict[int | str, dict[str, Any]]:
    """Return the extra OpenAPI responses recorded on ``func`` and on the route's ``dependencies``."""
    merged: dict[int | str, dict[str, Any]] = {}
    for call in reversed(_callables(func, dependencies)):
        merged.update(getattr(call, _RESPONSES, {}))
    return merged
