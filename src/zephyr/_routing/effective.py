"""The effective route context of a request: what an included route is, served under its inclusion.

FastAPI 0.165 keeps an included route as it was registered (``scope["route"]`` is that original, with its own,
unprefixed path) and puts what the inclusion made of it (full path, merged tags, dependencies, responses...) in
``scope["fastapi"]["effective_route_context"]``. Zephyr's route table already holds what the inclusion made of each
route (``_IncludedRouter`` makes it once per change): that served route is the effective context, and it knows its
original (``original_route``). The scope keys are written from values prepared with the table, so serving an included
route costs a dict update; a route of the app itself costs nothing more.

``route_context_var`` is FastAPI's ``_effective_route_context_var``: set only while an original route subclass that
overrides ``get_route_handler`` builds the handler of one of its served copies (so ``super().get_route_handler()``
builds the copy's), ``None`` at every other moment.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from zephyr.types import Scope

__all__ = (
    "EFFECTIVE_ROUTE_CONTEXT_KEY",
    "FASTAPI_SCOPE_KEY",
    "INCLUDED_ROUTER_KEY",
    "enter_served_route",
    "restore_fastapi_scope_key",
    "route_context_var",
    "served_route",
)

FASTAPI_SCOPE_KEY = "fastapi"
"""The scope key of FastAPI's own request state (a dict)."""

EFFECTIVE_ROUTE_CONTEXT_KEY = "effective_route_context"
"""Under ``scope["fastapi"]``: the route as the inclusion serves it (full path, merged settings)."""

INCLUDED_ROUTER_KEY = "included_router"
"""Under ``scope["fastapi"]``: the innermost ``_IncludedRouter`` node the request went through."""

route_context_var: ContextVar[Any | None] = ContextVar("fastapi_effective_route_context", default=None)

_MISSING = object()


def enter_served_route(scope: Scope, route: Any) -> None:
    """Record in ``scope`` that ``route``, a served copy made by an inclusion, serves the request (as FastAPI does).

    ``scope["route"]`` becomes the original route; ``scope["fastapi"]`` gets the effective context and the inclusion.
    """
    scope["route"] = route._origin
    fastapi_scope = scope.get(FASTAPI_SCOPE_KEY)
    if type(fastapi_scope) is dict:
        fastapi_scope.update(route._fastapi_scope)
    else:
        scope[FASTAPI_SCOPE_KEY] = dict(route._fastapi_scope)


def served_route(scope: Scope) -> Any:
    """The route serving ``scope`` with its full path: the effective context of an included route, else the route."""
    fastapi_scope = scope.get(FASTAPI_SCOPE_KEY)
    if type(fastapi_scope) is dict:
        context = fastapi_scope.get(EFFECTIVE_ROUTE_CONTEXT_KEY)
        if context is not None and context.original_route is scope.get("route"):
            return context
    return scope.get("route")


def restore_fastapi_scope_key(scope: Scope, key: str, previous: Any = _MISSING) -> None:
    """Put back ``scope["fastapi"][key]`` as it was (``previous``; removed when it was missing).

    A ``scope["fastapi"]`` that is not a dict (someone else's value) is left alone.
    """
    fastapi_scope = scope.get(FASTAPI_SCOPE_KEY)
    if not isinstance(fastapi_scope, dict):
        return
    if previous is _MISSING:
        fastapi_scope.pop(key, None)
    else:
        fastapi_scope[key] = previous
