"""``Router``: an ordered list of routes served over ASGI, with a lifespan (what Starlette's ``Router`` is).

``APIRouter`` adds the path-operation decorators and ``include_router`` on top; ``Mount(routes=[...])`` serves a
plain ``Router``.
"""

from __future__ import annotations

import gc
import weakref
from collections.abc import Callable, Sequence
from time import perf_counter
from typing import Any

from typing_extensions import deprecated

from zephyr._interop.starlette import StarletteTwin
from zephyr._routing.base import BaseRoute, NoMatchFound, expand_routes, first_url_path
from zephyr._routing.custom import table_route
from zephyr._routing.effective import enter_served_route
from zephyr._routing.lifespan import (
    Lifespan,
    call_handler,
    handlers_lifespan,
    merge_lifespans,
    run_lifespan,
    wrap_generator_lifespan,
)
from zephyr._routing.low_priority import order_low_priority
from zephyr._routing.match import FULL, PARTIAL
from zephyr._routing.own_matches import route_through_own_matches
from zephyr._routing.paths import route_path
from zephyr._routing.table import RouteTable
from zephyr.datastructures import URL, URLPath
from zephyr.exceptions import FastAPIError, HTTPException
from zephyr.requests import Request
from zephyr.responses import PlainTextResponse, RedirectResponse
from zephyr.types import ASGIApp, DecoratedCallable, Receive, Scope, Send

__all__ = ("Router",)


class Router(StarletteTwin):
    """Routes matched in order, a route table rebuilt when they change, and the app's lifespan.

    Args:
        routes: The routes.
        redirect_slashes: Redirect ``/a/`` to ``/a`` (and back) when only the other one is routed.
        default: The ASGI app answering what no route matches (default: 404).
        on_startup: Start-up handlers.
        on_shutdown: Shut-down handlers.
        lifespan: A lifespan context manager factory (or async generator function).
    """

    def __init__(
        self,
        routes: Sequence[BaseRoute] | None = None,
        redirect_slashes: bool = True,
        default: ASGIApp | None = None,
        on_startup: Sequence[Callable[[], Any]] | None = None,
        on_shutdown: Sequence[Callable[[], Any]] | None = None,
        lifespan: Callable[[Any], Any] | None = None,
    ) -> None:
        self.routes_version = 0
        self._table: RouteTable[BaseRoute] | None = None
        # The routers that include this one (``include_router``): a change here changes what they serve too.
        self._includers: weakref.WeakSet[Router] = weakref.WeakSet()
        self.routes: list[BaseRoute] = _WatchedRoutes(self, routes or [])
        # FastAPI 0.165's low-priority routes: tried only when no route of ``routes`` matched (``frontend()`` puts
        # its route group here; a library may add its own catch-all). The route table places them last.
        self._low_priority_routes: list[BaseRoute] = _WatchedRoutes(self, [])
        self._low_priority_ids: frozenset[int] = frozenset()
        self.redirect_slashes = redirect_slashes
        self.default = default
        self.on_startup: list[Callable[[], Any]] = list(on_startup or [])
        self.on_shutdown: list[Callable[[], Any]] = list(on_shutdown or [])
        # The router's own ``lifespan=``, then those of the routers it includes, merged in order.
        self._lifespan: Lifespan | None = wrap_generator_lifespan(lifespan) if lifespan is not None else None
        self._assigned_lifespan: Lifespan | None = None
        # As in FastAPI, a router given ``lifespan=`` no longer runs its start-up/shut-down handlers itself: the
        # lifespan takes their place (one that wants them enters ``routing._DefaultLifespan(router)``).
        self._runs_handlers = lifespan is None

    # -- the lifespan ---------------------------------------------------------------------------------------------

    @property
    def lifespan_context(self) -> Lifespan:
        """The router's lifespan: its ``lifespan=`` wrapped around its start-up/shut-down handlers.

        A lifespan assigned here replaces that whole: libraries wrap the current value and set the wrapper back
        (fastapi-pagination does), so the handlers inside it must not run a second time.
        """
        if self._assigned_lifespan is not None:
            return self._assigned_lifespan
        if not self._runs_handlers:
            assert self._lifespan is not None  # noqa: S101 - a router that runs no handlers was given a lifespan
            return self._lifespan
        handlers = handlers_lifespan(self.on_startup, self.on_shutdown)
        return merge_lifespans(handlers, self._lifespan) if self._lifespan is not None else handlers

    @lifespan_context.setter
    def lifespan_context(self, value: Lifespan) -> None:
        self._assigned_lifespan = value

    async def _startup(self) -> None:
        """Run the start-up handlers, in order (FastAPI's name: libraries build lifespans on it)."""
        for handler in self.on_startup:
            await call_handler(handler)

    async def _shutdown(self) -> None:
        """Run the shut-down handlers, in order."""
        for handler in self.on_shutdown:
            await call_handler(handler)

    def add_event_handler(self, event_type: str, func: Callable[[], Any]) -> None:
        """Run ``func`` at ``"startup"`` or ``"shutdown"``."""
        if event_type == "startup":
            self.on_startup.append(func)
        elif event_type == "shutdown":
            self.on_shutdown.append(func)
        else:
            raise FastAPIError(f"Unknown event type {event_type!r}; use 'startup' or 'shutdown'.")

    @deprecated(
        "on_event is deprecated, use lifespan event handlers instead. "
        "Read more in FastAPI's docs for Lifespan Events: https://fastapi.tiangolo.com/advanced/events/"
    )
    def on_event(self, event_type: str) -> Callable[[DecoratedCallable], DecoratedCallable]:
        """Decorator form of ``add_event_handler`` (deprecated in FastAPI in favour of ``lifespan``)."""

        def decorator(func: DecoratedCallable) -> DecoratedCallable:
            self.add_event_handler(event_type, func)
            return func

        return decorator

    # -- URLs ---------------------------------------------------------------------------------------------------

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        """The path of the route called ``name``, with ``path_params`` filled in.

        Raises:
            NoMatchFound: No route has that name and those parameters; the message suggests a near miss.
        """
        found = first_url_path(self.routes, name, path_params)
        if found is None:
            found = first_url_path(expand_routes(self._low_priority_items()), name, path_params)
        if found is None:
            raise NoMatchFound(name, path_params, [str(r.name) for r in expand_routes(self.routes) if r.name])
        return found

    # -- ASGI dispatch -----------------------------------------------------------------------------------------

    def mark_dirty(self) -> None:
        """Routes changed: rebuild the table on the next request (and the OpenAPI document on the next call).

        The routers including this one are marked too: the change reaches every app serving these routes, at the
        cost of one flag per including router now and nothing per request.
        """
        self._table = None
        self.routes_version += 1
        for includer in list(self._includers):
            includer.mark_dirty()

    def _mark_routes_changed(self) -> None:
        """FastAPI's name for :meth:`mark_dirty` (a change to the lists is noticed anyway)."""
        self.mark_dirty()

    def _low_priority_items(self) -> list[BaseRoute]:
        """The low-priority routes this router serves: its own, then those of the routers it includes."""
        items = list(self._low_priority_routes)
        for route in self.routes:
            included = getattr(route, "effective_low_priority_routes", None)
            if included is not None:
                items.extend(included())
        return items

    def _get_routes_version(self) -> int:
        """FastAPI's name for ``routes_version``: it changes whenever these routes, or an included router's, change."""
        return self.routes_version

    def compile_routes(self) -> None:
        """Build the route table and compile every route's plan now, as the lifespan start-up does.

        Configuration errors found while compiling surface here, before the first request; and the first request is
        then as fast as the thousandth.
        """
        cache: dict[Any, Any] = {}  # validators shared by routes whose values validate alike
        # What is made here lives as long as the app: the cyclic collector, paused meanwhile, would only walk it again
        # and again (with 10,000 routes it was half the compile time). It runs again as before once this returns.
        collecting = gc.isenabled()
        gc.disable()
        try:
            for route in self._route_table().routes:
                route.prepare(cache)
        finally:
            if collecting:
                gc.enable()

    def _route_table(self) -> RouteTable[BaseRoute]:
        table = self._table
        if table is None:
            # Included routers are flattened here, once per change: requests meet one flat table. Low-priority
            # routes (``app.frontend``'s) answer only what no other route matches, whenever they were added.
            ordered = [table_route(route) for route in expand_routes(self.routes, refresh=True)]
            low = [table_route(route) for route in expand_routes(self._low_priority_items(), refresh=True)]
            low = order_low_priority(low)
            self._low_priority_ids = frozenset(id(route) for route in low)
            ordered += low
            _mark_declared_heads(ordered)
            for route in ordered:
                route_through_own_matches(route)
            table = self._table = RouteTable(ordered)
        return table

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope_type = scope["type"]
        if scope_type == "lifespan":
            await run_lifespan(self.lifespan_context, scope.get("app"), scope, receive, send, self.compile_routes)
            return
        if "router" not in scope:
            scope["router"] = self
        timings: dict[str, float] | None = scope.get("zephyr.timings")
        started = perf_counter() if timings is not None else 0.0
        path = route_path(scope)
        partial: BaseRoute | None = None
        partial_params: dict[str, Any] = {}
        for route, found in self._route_table().matches(path):
            accepted = route.accepts(scope)
            if accepted is FULL:
                if partial is not None and _answers_first(partial, route, self._low_priority_ids):
                    break  # a route that serves the path with another method answers (405) before a frontend
                # A new dict per request: the table's are shared, and an endpoint may write to its path_params.
                current = scope.get("path_params")
                scope["path_params"] = {**current, **found} if current else {**found}
                if route._origin is None:
                    scope["route"] = route
                else:  # an included route: FastAPI's original route, and the served one as its effective context
                    enter_served_route(scope, route)
                scope["endpoint"] = getattr(route, "endpoint", None)
                if timings is not None:
                    timings["routing"] = timings.get("routing", 0.0) + (perf_counter() - started)
                runner = route._direct_runner
                if runner is not None:  # what handle would do (its method check already passed), one step sooner
                    await runner.run(Request(scope, receive, send), send)
                else:
                    await route.handle(scope, receive, send)
                return
            if accepted is PARTIAL and partial is None:
                partial, partial_params = route, found
        if partial is not None:
            scope["path_params"] = {**scope.get("path_params", {}), **partial_params}
            _enter(scope, partial)
            await partial.handle(scope, receive, send)
            return
        if (
            scope_type == "http"
            and self.redirect_slashes
            and path != "/"
            and await self._redirect_slash(scope, path, receive, send)
        ):
            return
        await self.not_found(scope, receive, send)

    async def _redirect_slash(self, scope: Scope, path: str, receive: Receive, send: Send) -> bool:
        """Redirect to ``path`` with its trailing slash added or removed, if a route serves that; else False."""
        other = path[:-1] if path.endswith("/") else path + "/"
        target = next((route for route, _ in self._route_table().matches(other) if route.accepts(scope)), None)
        if target is None:
            return False
        traced = scope.get("zephyr.telemetry")
        if traced is not None:  # native telemetry names the redirect by the route it leads to, as FastAPI does
            traced.redirected(target)
        redirect_scope = dict(scope)
        full = scope["path"]
        redirect_scope["path"] = full[:-1] if full.endswith("/") else full + "/"
        await RedirectResponse(url=str(URL(scope=redirect_scope)))(scope, receive, send)
        return True

    async def not_found(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer a request no route matched (or hand it to ``default``)."""
        if self.default is not None:
            await self.default(scope, receive, send)
            return
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1000, "reason": ""})
            return
        if "app" in scope:
            raise HTTPException(status_code=404)
        await PlainTextResponse("Not Found", status_code=404)(scope, receive, send)


class _WatchedRoutes(list[BaseRoute]):
    """The router's route list: any change marks the route table for a rebuild on the next request."""

    def __init__(self, router: Router, routes: Sequence[BaseRoute]) -> None:
        super().__init__(routes)
        self._router = router

    def _changed(self) -> None:
        self._router.mark_dirty()

    def append(self, item: BaseRoute) -> None:
        super().append(item)
        self._changed()

    def extend(self, items: Any) -> None:
        super().extend(items)
        self._changed()

    def insert(self, index: Any, item: BaseRoute) -> None:
        super().insert(index, item)
        self._changed()

    def remove(self, item: BaseRoute) -> None:
        super().remove(item)
        self._changed()

    def pop(self, index: Any = -1) -> BaseRoute:
        item = super().pop(index)
        self._changed()
        return item

    def clear(self) -> None:
        super().clear()
        self._changed()

    def __setitem__(self, index: Any, value: Any) -> None:
        super().__setitem__(index, value)
        self._changed()

    def __delitem__(self, index: Any) -> None:
        super().__delitem__(index)
        self._changed()

    def __iadd__(self, items: Any) -> _WatchedRoutes:  # type: ignore[override,misc]
        super().__iadd__(items)
        self._changed()
        return self


def _enter(scope: Scope, route: BaseRoute) -> None:
    """Record in ``scope`` the route serving it (FastAPI's original route, for one an inclusion made)."""
    if route._origin is None:
        scope["route"] = route
    else:
        enter_served_route(scope, route)


def _mark_declared_heads(routes: list[BaseRoute]) -> None:
    """Tell each GET route whether a later route of its path declares HEAD: then that one answers HEAD requests.

    A GET route answers HEAD as well (without the body), but a HEAD path operation declared for the same path must
    answer exactly as its endpoint says, as in FastAPI. Decided once per table, so requests pay nothing for it.
    """
    heads: set[str] = set()
    for route in reversed(routes):
        if hasattr(route, "head_declared_later"):
            route.head_declared_later = route.path_regex.pattern in heads
        methods = getattr(route, "methods", None)
        if methods and "HEAD" in methods and hasattr(route, "compiled"):
            heads.add(route.path_regex.pattern)


def _answers_first(partial: BaseRoute, route: BaseRoute, low_priority: frozenset[int]) -> bool:
    """Whether ``partial`` (a route serving the path with another method) answers before ``route``, which fits.

    A route of ``routes`` does, when ``route`` is a low-priority one (a frontend): FastAPI tries those only after
    every other route, whose 405 therefore wins.
    """
    return id(route) in low_priority and id(partial) not in low_priority
