"""A route class's own ``matches``, asked about the requests its route could serve, as FastAPI's router asks it.

Zephyr's router finds routes through its table and asks each candidate's ``accepts``; a subclass that overrides
``matches`` (to refuse requests, or to add keys to the scope) gets an ``accepts`` of its own that asks it, decided when
the table is built. Every other route is served as before, at no cost.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from zephyr._routing.base import BaseRoute
from zephyr._routing.match import FULL, Match
from zephyr.types import Scope

__all__ = ("merged_match", "overrides", "route_through_own_matches")

_ROUTE_MODULES = ("zephyr._routing.base", "zephyr._routing.routes", "zephyr._routing.plain", "zephyr._routing.custom")


def overrides(obj: Any, name: str, base_modules: Sequence[str]) -> bool:
    """Whether ``obj``'s class defines ``name`` itself (or a class between it and ours does)."""
    for cls in type(obj).__mro__:
        if name in cls.__dict__:
            return cls.__module__ not in base_modules
    return False


#: The keys of a route's child scope that Zephyr's router writes itself when the route serves the request.
_ROUTER_WRITES = frozenset(("endpoint", "path_params", "route"))


def merged_match(scope: Scope, fit: Any, child: Scope) -> Match:
    """``fit`` as Zephyr's ``Match``; on a full match, what else the child scope holds is put into ``scope``.

    FastAPI's router updates the scope with the child scope of the route that serves; a subclass's ``matches`` may
    add keys of its own there (``scope["fastapi"]`` data an endpoint reads).
    """
    match = Match(getattr(fit, "value", fit))  # Starlette's Match too
    if match is FULL and child:
        for key, value in child.items():
            if key not in _ROUTER_WRITES:
                scope[key] = value
    return match


def route_through_own_matches(route: BaseRoute) -> None:
    """Let a route class's own ``matches`` decide for a route of the app itself (not included), as on FastAPI.

    Only for a subclass that overrides ``matches``; decided when the route table is built. Its ``accepts`` then asks
    that ``matches`` and puts the extra keys of its child scope into the request's scope.
    """
    if "accepts" in vars(route) or not overrides(route, "matches", _ROUTE_MODULES):
        return
    own_matches = route.matches

    def accepts(scope: Scope) -> Match:
        fit, child = own_matches(scope)
        return merged_match(scope, fit, child)

    vars(route)["accepts"] = accepts
