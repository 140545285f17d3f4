"""``include_router`` keeps the tree: an included router is one ``_IncludedRouter`` node of the including router.

As in FastAPI 0.165, ``app.routes`` holds an ``_IncludedRouter`` for each inclusion: the original router and the
inclusion's settings (``_RouterIncludeContext``: prefix, tags, dependencies, responses...). Routes added to, inserted
in or removed from the included router at any time are served by the including app, since nothing is copied when
the router is included: the including router's route table flattens the tree when it is rebuilt, after any change
(each router marks the routers including it). Requests meet one flat table, as before.

Flattening makes, once per route and inclusion, the route the app serves (``APIRoute.with_changes``): the original
with the inclusion's prefix, tags, dependencies... applied, and every other option kept. It is made again only when
the original's dependencies change (a library adding one, as fastapi-pagination does) or the route is replaced.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from zephyr import params
from zephyr._bodylimit import BodyLimit, first_limit, validate_form_limits, validate_max_body_size
from zephyr._routing.base import BaseRoute, NoMatchFound, RouteGroup, expand_routes, first_url_path
from zephyr._routing.dispatch import Router
from zephyr._routing.effective import (
    EFFECTIVE_ROUTE_CONTEXT_KEY,
    INCLUDED_ROUTER_KEY,
    enter_served_route,
)
from zephyr._routing.frontend import FrontendRouteGroup
from zephyr._routing.host import Host
from zephyr._routing.low_priority import order_low_priority
from zephyr._routing.match import FULL, NONE, PARTIAL, Match
from zephyr._routing.options import pick
from zephyr._routing.overriding import route_through_original, route_through_routers
from zephyr._routing.paths import route_path
from zephyr._routing.plain import Mount, Route, WebSocketRoute
from zephyr._routing.routes import APIRoute, APIWebSocketRoute, check_served_route, generate_unique_id
from zephyr.datastructures import Default, URLPath
from zephyr.exceptions import FastAPIError, HTTPException
from zephyr.responses import JSONResponse, PlainTextResponse
from zephyr.types import Receive, Scope, Send

__all__ = ("_IncludedRouter", "_RouterIncludeContext", "check_inclusion", "includes")


@dataclass
class _RouterIncludeContext:
    """The settings of one ``include_router`` call, merged with the including router's (FastAPI's fields)."""

    included_router: Any
    prefix: str = ""
    tags: list[str | Enum] = field(default_factory=list)
    dependencies: list[params.Depends] = field(default_factory=list)
    default_response_class: Any = field(default_factory=lambda: Default(JSONResponse))
    responses: dict[int | str, dict[str, Any]] = field(default_factory=dict)
    callbacks: list[BaseRoute] = field(default_factory=list)
    deprecated: bool | None = None
    include_in_schema: bool = True
    generate_unique_id_function: Any = field(default_factory=lambda: Default(generate_unique_id))
    strict_content_type: Any = field(default_factory=lambda: Default(True))
    dependency_overrides_provider: Any = None
    max_body_size: int | None = None
    form_limits: dict[str, int] = field(default_factory=dict)

    @classmethod
    def for_include(
        cls,
        parent: Any,
        router: Any,
        *,
        prefix: str,
        tags: list[str | Enum] | None,
        dependencies: Any,
        default_response_class: Any,
        responses: dict[int | str, dict[str, Any]] | None,
        callbacks: list[BaseRoute] | None,
        deprecated: bool | None,
        include_in_schema: bool,
        generate_unique_id_function: Any,
        strict_content_type: Any,
        max_body_size: int | None,
        form_limits: Any,
    ) -> _RouterIncludeContext:
        """The context of ``parent.include_router(router, ...)``: the arguments over the parent's own settings."""
        return cls(
            included_router=router,
            prefix=parent.prefix + prefix,
            tags=[*parent.tags, *(tags or [])],
            dependencies=[*parent.dependencies, *(dependencies or [])],
            default_response_class=pick(default_response_class, parent.default_response_class),
            responses={**parent.responses, **(responses or {})},
            callbacks=[*parent.callbacks, *(callbacks or [])],
            deprecated=deprecated or parent.deprecated,
            include_in_schema=parent.include_in_schema and include_in_schema,
            generate_unique_id_function=pick(generate_unique_id_function, parent.generate_unique_id_function),
            strict_content_type=pick(strict_content_type, parent.strict_content_type),
            dependency_overrides_provider=parent.dependency_overrides_provider,
            # The included router's limits, then the call's, then the parent's: FastAPI's order.
            max_body_size=first_limit(
                router.max_body_size, validate_max_body_size(max_body_size), parent.max_body_size
            ),
            form_limits={**validate_form_limits(form_limits), **router.form_limits},
        )

    def combine(self, child: _RouterIncludeContext) -> _RouterIncludeContext:
        """The context of a router included (as ``child``) in the router this context includes."""
        return _RouterIncludeContext(
            included_router=child.included_router,
            prefix=self.prefix + child.prefix,
            tags=[*self.tags, *child.tags],
            dependencies=[*self.dependencies, *child.dependencies],
            default_response_class=pick(child.default_response_class, self.default_response_class),
            responses={**self.responses, **child.responses},
            callbacks=[*self.callbacks, *child.callbacks],
            deprecated=self.deprecated or child.deprecated,
            include_in_schema=self.include_in_schema and child.include_in_schema,
            generate_unique_id_function=pick(child.generate_unique_id_function, self.generate_unique_id_function),
            strict_content_type=pick(child.strict_content_type, self.strict_content_type),
            dependency_overrides_provider=self.dependency_overrides_provider,
            max_body_size=first_limit(child.max_body_size, self.max_body_size),
            form_limits={**self.form_limits, **child.form_limits},
        )


@dataclass(eq=False)
class _IncludedRouter(RouteGroup):
    """One ``include_router`` call, as an entry of the including router's routes (FastAPI's fields).

    Attributes:
        original_router: The included router, by reference: what it holds now is what is served.
        include_context: The inclusion's settings.
    """

    original_router: Any
    include_context: _RouterIncludeContext
    _effective_routes_lock: Any = field(default_factory=threading.Lock, repr=False, compare=False)
    _effective_candidates: list[BaseRoute] = field(default_factory=list)
    """What the router's routes became at the last flattening (nested inclusions as ``_IncludedRouter`` nodes)."""
    _effective_candidates_version: int | None = None
    """The included router's ``routes_version`` at that flattening."""
    _effective_low_priority_routes: list[BaseRoute] = field(default_factory=list)
    """The router's low-priority routes (its ``frontend()`` group...) as served here, nested inclusions' after them:
    every app tries them after its other routes."""
    _effective_low_priority_routes_version: int | None = None
    _made: dict[int, tuple[BaseRoute, BaseRoute, tuple[int, ...]]] = field(
        default_factory=dict, repr=False, compare=False
    )
    """By the original route's id: the original, what was made of it, and the ids of the dependencies it was made
    with (made again when they change)."""
    _checks_paths: bool = field(default=False, repr=False, compare=False)
    """Whether the made routes are checked as served routes (the inclusion is, directly or not, in an app)."""
    _parent_form_limits: dict[str, int] = field(default_factory=dict, repr=False, compare=False)
    _outer: tuple[_IncludedRouter, ...] = field(default=(), repr=False, compare=False)
    """The inclusions this one is nested in, outermost first (a node made for a router included in an included one)."""
    """The including router's form limits, under the inclusion's and the route's own."""
    _flat: list[BaseRoute] | None = field(default=None, repr=False, compare=False)
    _flat_version: int | None = field(default=None, repr=False, compare=False)
    _served_cache: tuple[list[BaseRoute], list[BaseRoute]] | None = field(default=None, repr=False, compare=False)

    # -- flattening ----------------------------------------------------------------------------------------------

    def effective_routes(self, refresh: bool = False) -> list[BaseRoute]:
        """The routes this inclusion serves, with their full paths and merged settings (nested inclusions flattened).

        Args:
            refresh: Look at every original route again, even if no route was added or removed since the last call,
                to make again those whose dependencies changed in place (the route table does, when rebuilt).
        """
        version = self.original_router._get_routes_version()
        if refresh or self._flat is None or self._flat_version != version:
            flat: list[BaseRoute] = []
            for candidate in self._candidates() if refresh else self.effective_candidates():
                if isinstance(candidate, _IncludedRouter):
                    flat.extend(candidate.effective_routes(refresh))
                else:
                    flat.append(candidate)
            self._flat, self._flat_version = flat, version
        return self._flat

    def effective_candidates(self) -> list[BaseRoute]:
        """What the router's routes are as served here (nested inclusions as ``_IncludedRouter`` nodes; FastAPI's).

        Made again after the included router changed; concurrent callers get the same list.
        """
        version = self.original_router._get_routes_version()
        if version == self._effective_candidates_version:
            return self._effective_candidates
        with self._effective_routes_lock:
            version = self.original_router._get_routes_version()
            if version != self._effective_candidates_version:
                self._candidates()
            return self._effective_candidates

    def effective_low_priority_routes(self) -> list[BaseRoute]:
        """The low-priority routes this inclusion serves (its router's frontends...), nested inclusions' included.

        FastAPI's: the same list until the included router (or one it includes) changes.
        """
        version = self.original_router._get_routes_version()
        if version == self._effective_low_priority_routes_version:
            return self._effective_low_priority_routes
        with self._effective_routes_lock:
            version = self.original_router._get_routes_version()
            if version != self._effective_low_priority_routes_version:
                self._candidates()
            return self._effective_low_priority_routes

    def _candidates(self) -> list[BaseRoute]:
        """The router's routes as served here, made or reused (an O(routes) walk, run when a table is rebuilt)."""
        router = self.original_router
        version = router._get_routes_version()
        made: dict[int, tuple[BaseRoute, BaseRoute, tuple[int, ...]]] = {}
        candidates: list[BaseRoute] = []
        for route in router.routes:
            dependencies = tuple(id(dep) for dep in getattr(route, "dependencies", None) or ())
            known = self._made.get(id(route))
            if known is not None and known[0] is route and known[2] == dependencies:
                served: BaseRoute | None = known[1]
            else:
                served = self._make(route)
            if served is None:
                continue  # a route type inclusions do not know (FastAPI ignores it too)
            made[id(route)] = (route, served, dependencies)
            candidates.append(served)
        # The router's low-priority routes (its frontends among them), then those of the routers it includes.
        low: list[BaseRoute] = []
        for route in getattr(router, "_low_priority_routes", ()):
            known = self._made.get(id(route))
            served = known[1] if known is not None and known[0] is route else self._make_low_priority(route)
            if served is not None:
                made[id(route)] = (route, served, ())
                low.append(served)
        self._made = made
        for candidate in candidates:
            if isinstance(candidate, _IncludedRouter):
                low.extend(candidate.effective_low_priority_routes())
        self._effective_candidates = candidates
        self._effective_candidates_version = version
        self._effective_low_priority_routes = low
        self._effective_low_priority_routes_version = version
        return candidates

    def _make_low_priority(self, original: BaseRoute) -> BaseRoute | None:
        """What the including app serves for one of the router's low-priority routes (its frontends, as a group)."""
        if isinstance(original, FrontendRouteGroup):
            context = self.include_context
            return original.for_inclusion(
                prefix=context.prefix,
                dependencies=context.dependencies,
                dependency_overrides_provider=context.dependency_overrides_provider,
                max_body_size=context.max_body_size,
            )
        return self._make(original)

    def _make(self, original: BaseRoute) -> BaseRoute | None:
        """What the including app serves for ``original`` of the included router (``None``: a type it cannot serve)."""
        context = self.include_context
        prefix = context.prefix
        route = _adopt(original)
        if isinstance(route, _IncludedRouter):
            return _IncludedRouter(
                original_router=route.original_router,
                include_context=context.combine(route.include_context),
                _checks_paths=self._checks_paths,
                _parent_form_limits={**self._parent_form_limits, **route._parent_form_limits},
                _outer=(*self._outer, self),
            )
        limit = context.max_body_size
        if isinstance(route, APIRoute):
            served: BaseRoute = route.with_changes(
                path=prefix + route.path,
                tags=[*context.tags, *route.tags],
                dependencies=[*context.dependencies, *route.dependencies],
                responses={**context.responses, **route.responses},
                deprecated=route.deprecated or context.deprecated,
                include_in_schema=route.include_in_schema and context.include_in_schema,
                response_class=pick(route.response_class, context.default_response_class),
                callbacks=[*context.callbacks, *(route.callbacks or [])],
                generate_unique_id_function=pick(
                    route.generate_unique_id_function, context.generate_unique_id_function
                ),
                strict_content_type=pick(route.strict_content_type, context.strict_content_type),
                max_body_size=first_limit(route.max_body_size, limit),
                form_limits={**self._parent_form_limits, **context.form_limits, **route.form_limits},
                dependency_overrides_provider=context.dependency_overrides_provider,
            )
        elif isinstance(route, APIWebSocketRoute):
            served = route.with_changes(
                path=prefix + route.path,
                dependencies=[*context.dependencies, *route.dependencies],
                dependency_overrides_provider=context.dependency_overrides_provider,
            )
        elif isinstance(route, Route):
            methods = list(route.methods or []) or None
            plain = Route(
                prefix + route.path,
                route.endpoint,
                methods=methods,
                name=route.name,
                include_in_schema=route.include_in_schema,
            )
            if limit is not None:  # plain routes take the inclusion's limit, as on FastAPI
                plain.app = BodyLimit(plain.app, limit)
            served = plain
        elif isinstance(route, WebSocketRoute):
            served = WebSocketRoute(prefix + route.path, route.endpoint, name=route.name)
        elif isinstance(route, Mount):
            mount = Mount(prefix + route.path, route.app, name=route.name)
            mount.max_body_size = limit  # mounted apps too
            mount.form_limits = {**self._parent_form_limits, **context.form_limits}  # inherited through the scope
            served = mount
        elif isinstance(route, Host):
            # The host's app answers the paths under the prefix, without it (FastAPI mounts it at the prefix).
            app = Router(routes=[Mount(prefix, route.app)]) if prefix else route.app
            host = Host(route.host, app, name=route.name)
            host.max_body_size = limit  # served as a mounted app is (its router's own limits win inside)
            host.form_limits = {**self._parent_form_limits, **context.form_limits}
            served = host
        else:
            return None
        if self._checks_paths and isinstance(served, (APIRoute, APIWebSocketRoute)):
            check_served_route(served)
        # What the request meets: FastAPI's original route in scope["route"], this one as its effective context.
        if isinstance(original, APIRoute):
            route_through_original(original, served)
        route_through_routers((*self._outer, self), served)
        served._origin = original
        served._fastapi_scope = {EFFECTIVE_ROUTE_CONTEXT_KEY: served, INCLUDED_ROUTER_KEY: self}
        vars(served).update(original_route=original, starlette_route=None if isinstance(route, APIRoute) else served)
        return served

    # -- the route interface (for code walking ``app.routes``; Zephyr's router matches the flat table) -------------

    def effective_route_contexts(self) -> Iterator[BaseRoute]:
        """The routes served here, one by one, nested inclusions flattened (FastAPI's effective route contexts).

        Each has its full path and merged settings, and the included router's route it was made from in
        ``original_route`` (instrumentations call this to name a request by its route).
        """
        return iter(self.effective_routes())

    def _served(self) -> list[BaseRoute]:
        """The routes, then the low-priority ones in the order they are tried (made again after a change)."""
        flat = self.effective_routes()
        cached = self._served_cache
        if cached is not None and cached[0] is flat:
            return cached[1]
        served = flat + order_low_priority(expand_routes(self.effective_low_priority_routes()))
        self._served_cache = (flat, served)
        return served

    def _find(self, scope: Scope) -> tuple[Match, BaseRoute | None, dict[str, Any]]:
        partial: tuple[BaseRoute, dict[str, Any]] | None = None
        if scope["type"] not in ("http", "websocket"):
            return NONE, None, {}
        path = route_path(scope)
        for route in self._served():
            found = route.match_path(path)
            if found is None:
                continue
            fit = route.accepts(scope)
            if fit is FULL:
                return FULL, route, found
            if fit is PARTIAL and partial is None:
                partial = (route, found)
        if partial is not None:
            return PARTIAL, partial[0], partial[1]
        return NONE, None, {}

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        """How well one of the included routes fits ``scope`` (as FastAPI, with an empty child scope)."""
        fit, _, _ = self._find(scope)
        return fit, {}

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve ``scope`` with the included route that fits it best (a 404 when none does)."""
        _, route, found = self._find(scope)
        if route is None:
            if "app" in scope:
                raise HTTPException(status_code=404)
            await PlainTextResponse("Not Found", status_code=404)(scope, receive, send)
            return
        scope["path_params"] = {**scope.get("path_params", {}), **found}
        enter_served_route(scope, route)
        scope["endpoint"] = getattr(route, "endpoint", None)
        await route.handle(scope, receive, send)

    _handle_selected = handle  # FastAPI's name for serving the route it selected

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        found = first_url_path(self.effective_routes(), name, path_params)
        if found is None:
            raise NoMatchFound(name, path_params)
        return found


_STARLETTE_KINDS = ("Route", "WebSocketRoute", "Mount", "Host")


def _starlette_kind(route: Any) -> str | None:
    """Which of Starlette's own route classes ``route`` is an instance of (``None``: none, or one of ours)."""
    for cls in type(route).__mro__:
        if cls.__module__ == "starlette.routing" and cls.__name__ in _STARLETTE_KINDS:
            return cls.__name__
    return None


def _adopt(route: Any) -> Any:
    """Zephyr's equivalent of a route built with Starlette's classes (FastAPI serves those too), else ``route``."""
    kind = _starlette_kind(route)
    if kind == "Route":
        methods = list(route.methods or []) or None
        return Route(
            route.path, route.endpoint, methods=methods, name=route.name, include_in_schema=route.include_in_schema
        )
    if kind == "WebSocketRoute":
        return WebSocketRoute(route.path, route.endpoint, name=route.name)
    if kind == "Mount":
        return Mount(route.path, route.app, name=route.name)
    if kind == "Host":
        return Host(route.host, route.app, name=route.name)
    return route


def includes(router: Any, other: Any) -> bool:
    """Whether ``router`` includes ``other``, directly or through routers it includes."""
    seen: set[int] = set()
    stack = [router]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        for route in current.routes:
            if isinstance(route, _IncludedRouter):
                if route.original_router is other:
                    return True
                stack.append(route.original_router)
    return False


def check_inclusion(parent: Any, router: Any, prefix: str) -> None:
    """Refuse an ``include_router`` call FastAPI refuses, saying why.

    Raises:
        FastAPIError: ``router`` is ``parent`` itself or includes it, or ``prefix`` (or, without one, a route's path)
            is malformed.
    """
    if router is parent:
        raise FastAPIError(
            "Cannot include the same APIRouter instance into itself. Did you mean to include a different router?"
        )
    if includes(router, parent):
        raise FastAPIError(
            "Cannot include an APIRouter instance that already includes this router: the routes would include "
            "themselves. Include a different router."
        )
    if prefix:
        if not prefix.startswith("/"):
            raise FastAPIError(f"A path prefix must start with '/'; got {prefix!r}.")
        if prefix.endswith("/"):
            raise FastAPIError(f"A path prefix must not end with '/'; got {prefix!r}. Remove the trailing slash.")
        return
    for route in router.routes:
        if isinstance(route, _IncludedRouter):
            continue  # its routes sit under its own inclusion's prefix or path, checked when it was included
        path = getattr(route, "path", None)
        name = getattr(route, "name", None)
        if not path and not isinstance(route, (Mount, Host)) and _starlette_kind(route) is None:
            raise FastAPIError(
                f"Prefix and path cannot be both empty (path operation: {name}). "
                "Give the router a prefix or the route a path."
            )
