"""``RouteContext`` and ``iter_route_contexts``: every route of a route list as it is served (FastAPI 0.165's).

``app.routes`` holds an ``_IncludedRouter`` node per ``include_router`` call; code that wants the routes themselves,
with the paths and settings their inclusions give them (an instrumentation naming requests, a filtered OpenAPI
document, a conflict check), walks ``iter_route_contexts(app.routes)``. Each item shows the route as served (its
``path``, ``tags``, ``dependencies``... and any other attribute) and keeps the route as registered in
``original_route``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from zephyr._routing.base import BaseRoute, RouteView
from zephyr._routing.host import Host
from zephyr._routing.inclusion import _IncludedRouter

__all__ = ("RouteContext", "iter_included_route_candidates", "iter_route_contexts", "iter_routes_with_context")


@dataclass(frozen=True)
class RouteContext(RouteView):
    """One route of a route list as it is served: under its inclusions' prefixes, with their settings.

    Attributes other than those below are the served route's (``tags``, ``dependencies``, ``param_convertors``,
    ``routes`` of a mount, ``host`` of a host route...).

    Example:
        ```python
        from fastapi.routing import iter_route_contexts

        public = [c for c in iter_route_contexts(app.routes) if "public" in getattr(c, "tags", [])]
        schema = get_openapi(title="Public API", version="1.0.0", routes=public)
        ```
    """

    route: BaseRoute
    """The route as it was registered (for an included route: in the included router, without the prefix)."""
    _route_context: Any = field(default=None, repr=False)
    """The route the inclusion made (``None`` for a route of the list itself)."""

    @property
    def original_route(self) -> BaseRoute:
        """The route as it was registered."""
        if self._route_context is not None:
            return self._route_context.original_route  # type: ignore[no-any-return]
        return self.route

    @property
    def _effective_route(self) -> Any:
        return self._route_context if self._route_context is not None else self.route

    @property
    def path(self) -> str | None:
        """The full path, prefixes included (``None`` for a host route, which has none)."""
        route = self._effective_route
        return None if isinstance(route, Host) else getattr(route, "path", None)

    @property
    def path_format(self) -> str | None:
        """The full path with the parameters' convertors left out (``/items/{item_id}``)."""
        route = self._effective_route
        return None if isinstance(route, Host) else getattr(route, "path_format", None)

    @property
    def name(self) -> str | None:
        """The route's name (what ``url_path_for`` takes)."""
        return getattr(self._effective_route, "name", None)

    @property
    def methods(self) -> set[str] | None:
        """The HTTP methods (``None`` for WebSocket routes and mounts)."""
        return getattr(self._effective_route, "methods", None)

    @property
    def endpoint(self) -> Callable[..., Any] | None:
        """The endpoint function (``None`` for mounts and host routes)."""
        return getattr(self._effective_route, "endpoint", None)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self._effective_route, name)


def iter_routes_with_context(routes: Sequence[BaseRoute]) -> Iterator[tuple[BaseRoute, Any]]:
    """Each route of ``routes`` with what its inclusion made of it (``None`` for a route of the list itself)."""
    for route in routes:
        if isinstance(route, _IncludedRouter):
            for served in route.effective_route_contexts():
                yield vars(served)["original_route"], served
        else:
            yield route, None


def iter_route_contexts(routes: Sequence[BaseRoute | RouteContext]) -> Iterator[RouteContext]:
    """Every route of ``routes`` as served, included routers' routes one by one (FastAPI 0.165's function).

    Args:
        routes: A route list (``app.routes``, ``router.routes``, ``app.webhooks.routes``); ``RouteContext`` items
            are passed through.
    """
    for route in routes:
        if isinstance(route, RouteContext):
            yield route
            continue
        for original, served in iter_routes_with_context([route]):
            yield RouteContext(original, served)


def iter_included_route_candidates(routes: Sequence[BaseRoute]) -> Iterator[BaseRoute]:
    """The routes requests meet: included API routes as registered, other included routes as served."""
    for route, served in iter_routes_with_context(routes):
        starlette_route = getattr(served, "starlette_route", None) if served is not None else None
        yield starlette_route if starlette_route is not None else route
