"""Routes that decide for themselves: a ``BaseRoute`` subclass with its own ``matches(scope)`` and no path.

Starlette lets a route class implement just ``matches`` and ``handle`` (a catch-all, a route keyed on a header).
Zephyr's route table finds candidates by their compiled path, so such a route is put in the table behind a
:class:`ScopeMatchedRoute`, which is a candidate for every path at the route's place in the order and asks the
route's own ``matches`` whether it fits. Only such routes pay for it, once when the table is built.
"""

from __future__ import annotations

from typing import Any

from zephyr._routing.base import BaseRoute
from zephyr._routing.match import NONE, Match
from zephyr._routing.paths import compile_path
from zephyr.types import Receive, Scope, Send

__all__ = ("ScopeMatchedRoute", "table_route")

_CHILD_SCOPES = "zephyr.custom_route_scopes"
_ANY_PATH = compile_path("/{path:path}")


def table_route(route: BaseRoute) -> BaseRoute:
    """``route`` as the route table takes it: as it is when it has a compiled path, else wrapped."""
    return route if hasattr(route, "compiled") else ScopeMatchedRoute(route)


class ScopeMatchedRoute(BaseRoute):
    """Puts a route without a compiled path in the route table; it fits wherever its ``matches`` says so.

    Args:
        route: The route (its ``matches(scope)`` returns ``(Match, child_scope)``, as Starlette's do).
    """

    def __init__(self, route: BaseRoute) -> None:
        self.route = route
        self.compiled = _ANY_PATH
        self.path = getattr(route, "path", "")
        self.name = getattr(route, "name", None)
        self.include_in_schema = False

    def match_path(self, path: str) -> dict[str, Any] | None:
        return {}  # a candidate for every path: the route's own ``matches`` decides, in ``accepts``

    def accepts(self, scope: Scope) -> Match:
        fit, child = self.matches(scope)
        if fit is not NONE:
            # Kept for ``handle`` (another such route may be asked before this one is chosen).
            scope.setdefault(_CHILD_SCOPES, {})[id(self)] = child
        return fit

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        fit, child = self.route.matches(scope)
        # Starlette's own ``Match`` (a route class written against it) is read by its value.
        return Match(getattr(fit, "value", fit)), child

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        children = scope.pop(_CHILD_SCOPES, None) or {}
        scope.update(children.get(id(self)) or {})
        scope["route"] = self.route
        await self.route.handle(scope, receive, send)

    def url_path_for(self, name: str, /, **path_params: Any) -> Any:
        return self.route.url_path_for(name, **path_params)
