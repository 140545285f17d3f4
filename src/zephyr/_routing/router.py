"""``APIRouter``: a group of routes with shared settings, and the ASGI dispatcher over a route table."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from enum import Enum
from time import perf_counter
from typing import Any

from typing_extensions import Unpack, deprecated

from zephyr import params
from zephyr._compile.checks import check_path_parameters, warn_unreadable_query
from zephyr._routing.base import BaseRoute, NoMatchFound, is_no_match
from zephyr._routing.inclusion import Inclusion, check_inclusion, include, route_appended
from zephyr._routing.lifespan import Lifespan, handlers_lifespan, merge_lifespans, run_lifespan, wrap_generator_lifespan
from zephyr._routing.match import FULL, PARTIAL
from zephyr._routing.options import RouteOptions, pick
from zephyr._routing.paths import route_path
from zephyr._routing.plain import Mount, Route, WebSocketRoute
from zephyr._routing.routes import APIRoute, APIWebSocketRoute, generate_unique_id
from zephyr._routing.table import RouteTable
from zephyr.datastructures import URL, Default, URLPath
from zephyr.exceptions import FastAPIError, HTTPException
from zephyr.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from zephyr.types import ASGIApp, DecoratedCallable, Receive, Scope, Send

__all__ = ("APIRouter",)

_VERBS = ("GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE")


class APIRouter:
    """A group of path operations with a shared prefix, tags, dependencies and responses.

    Example:
        ```python
        router = APIRouter(prefix="/items", tags=["items"])

        @router.get("/{item_id}")
        async def read_item(item_id: int) -> dict[str, int]:
            return {"item_id": item_id}

        app.include_router(router)
        ```
    """

    def __init__(
        self,
        *,
        prefix: str = "",
        tags: list[str | Enum] | None = None,
        dependencies: Sequence[params.Depends] | None = None,
        default_response_class: type[Response] = Default(JSONResponse),
        responses: dict[int | str, dict[str, Any]] | None = None,
        callbacks: list[BaseRoute] | None = None,
        routes: list[BaseRoute] | None = None,
        redirect_slashes: bool = True,
        default: ASGIApp | None = None,
        dependency_overrides_provider: Any = None,
        route_class: type[APIRoute] = APIRoute,
        on_startup: Sequence[Callable[[], Any]] | None = None,
        on_shutdown: Sequence[Callable[[], Any]] | None = None,
        lifespan: Callable[[Any], Any] | None = None,
        deprecated: bool | None = None,
        include_in_schema: bool = True,
        generate_unique_id_function: Callable[[APIRoute], str] = Default(generate_unique_id),
        strict_content_type: bool = Default(True),
    ) -> None:
        if prefix:
            if not prefix.startswith("/"):
                raise FastAPIError(f"A path prefix must start with '/'; got {prefix!r}.")
            if prefix.endswith("/"):
                raise FastAPIError(f"A path prefix must not end with '/'; got {prefix!r}. Remove the trailing slash.")
        self.prefix = prefix
        self.routes_version = 0
        self.tags: list[str | Enum] = list(tags or [])
        self.dependencies = list(dependencies or [])
        self.default_response_class = default_response_class
        self.responses = dict(responses or {})
        self.callbacks = list(callbacks or [])
        self.routes: list[BaseRoute] = _WatchedRoutes(self, routes or [])
        self.redirect_slashes = redirect_slashes
        self.default = default
        self.dependency_overrides_provider = dependency_overrides_provider
        self.route_class = route_class
        self.on_startup: list[Callable[[], Any]] = list(on_startup or [])
        self.on_shutdown: list[Callable[[], Any]] = list(on_shutdown or [])
        self.deprecated = deprecated
        self.include_in_schema = include_in_schema
        self.generate_unique_id_function = generate_unique_id_function
        self.strict_content_type = strict_content_type
        self._lifespan: Lifespan | None = wrap_generator_lifespan(lifespan) if lifespan is not None else None
        self._assigned_lifespan: Lifespan | None = None
        self._table: RouteTable[BaseRoute] | None = None
        self._inclusions: list[Inclusion] = []  # where this router is included (its routes are copied there)
        self._included: list[Inclusion] = []  # the routers included here
        self._quiet = 0  # > 0 while inclusion bookkeeping changes the routes: no propagation
        # Only the application's own router checks path parameters: a router's routes may still get a prefix that
        # declares the segment (include_router(router, prefix="/users/{user_id}")).
        self._checks_paths = False

    # -- the lifespan ---------------------------------------------------------------------------------------------

    @property
    def lifespan_context(self) -> Lifespan:
        """The router's lifespan: its ``lifespan=`` wrapped around its start-up/shut-down handlers.

        A lifespan assigned here replaces that whole: libraries wrap the current value and set the wrapper back
        (fastapi-pagination does), so the handlers inside it must not run a second time.
        """
        if self._assigned_lifespan is not None:
            return self._assigned_lifespan
        handlers = handlers_lifespan(self.on_startup, self.on_shutdown)
        return merge_lifespans(self._lifespan, handlers) if self._lifespan is not None else handlers

    @lifespan_context.setter
    def lifespan_context(self, value: Lifespan) -> None:
        self._assigned_lifespan = value

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

    # -- adding routes --------------------------------------------------------------------------------------------

    def add_api_route(
        self,
        path: str,
        endpoint: Callable[..., Any],
        *,
        methods: set[str] | list[str] | None = None,
        route_class_override: type[APIRoute] | None = None,
        **options: Unpack[RouteOptions],
    ) -> None:
        """Add a path operation (what the ``get``/``post``/... decorators call)."""
        route_class = route_class_override or self.route_class
        kwargs: dict[str, Any] = dict(options)
        responses = kwargs.pop("responses", None) or {}
        kwargs.update(
            responses={**self.responses, **responses},
            response_class=pick(kwargs.pop("response_class", Default(JSONResponse)), self.default_response_class),
            tags=[*self.tags, *(kwargs.pop("tags", None) or [])],
            dependencies=[*self.dependencies, *(kwargs.pop("dependencies", None) or [])],
            callbacks=[*self.callbacks, *(kwargs.pop("callbacks", None) or [])],
            generate_unique_id_function=pick(
                kwargs.pop("generate_unique_id_function", Default(generate_unique_id)), self.generate_unique_id_function
            ),
            strict_content_type=pick(kwargs.pop("strict_content_type", Default(True)), self.strict_content_type),
            deprecated=kwargs.pop("deprecated", None) or self.deprecated,
            include_in_schema=kwargs.pop("include_in_schema", True) and self.include_in_schema,
            dependency_overrides_provider=self.dependency_overrides_provider,
        )
        route = route_class(self.prefix + path, endpoint=endpoint, methods=methods, **kwargs)
        if self._checks_paths:
            _check_served_route(route)
        self.routes.append(route)

    def api_route(
        self, path: str, *, methods: list[str] | None = None, **options: Unpack[RouteOptions]
    ) -> Callable[[DecoratedCallable], DecoratedCallable]:
        """Decorator adding a path operation for the given methods (GET by default)."""

        def decorator(func: DecoratedCallable) -> DecoratedCallable:
            self.add_api_route(path, func, methods=methods, **options)
            return func

        return decorator

    def get(self, path: str, **options: Unpack[RouteOptions]) -> Callable[[DecoratedCallable], DecoratedCallable]:
        """Decorator adding a GET path operation."""
        return self.api_route(path, methods=["GET"], **options)

    def put(self, path: str, **options: Unpack[RouteOptions]) -> Callable[[DecoratedCallable], DecoratedCallable]:
        """Decorator adding a PUT path operation."""
        return self.api_route(path, methods=["PUT"], **options)

    def post(self, path: str, **options: Unpack[RouteOptions]) -> Callable[[DecoratedCallable], DecoratedCallable]:
        """Decorator adding a POST path operation."""
        return self.api_route(path, methods=["POST"], **options)

    def delete(self, path: str, **options: Unpack[RouteOptions]) -> Callable[[DecoratedCallable], DecoratedCallable]:
        """Decorator adding a DELETE path operation."""
        return self.api_route(path, methods=["DELETE"], **options)

    def options(self, path: str, **options: Unpack[RouteOptions]) -> Callable[[DecoratedCallable], DecoratedCallable]:
        """Decorator adding an OPTIONS path operation."""
        return self.api_route(path, methods=["OPTIONS"], **options)

    def head(self, path: str, **options: Unpack[RouteOptions]) -> Callable[[DecoratedCallable], DecoratedCallable]:
        """Decorator adding a HEAD path operation."""
        return self.api_route(path, methods=["HEAD"], **options)

    def patch(self, path: str, **options: Unpack[RouteOptions]) -> Callable[[DecoratedCallable], DecoratedCallable]:
        """Decorator adding a PATCH path operation."""
        return self.api_route(path, methods=["PATCH"], **options)

    def trace(self, path: str, **options: Unpack[RouteOptions]) -> Callable[[DecoratedCallable], DecoratedCallable]:
        """Decorator adding a TRACE path operation."""
        return self.api_route(path, methods=["TRACE"], **options)

    def add_api_websocket_route(
        self,
        path: str,
        endpoint: Callable[..., Any],
        name: str | None = None,
        *,
        dependencies: Sequence[params.Depends] | None = None,
    ) -> None:
        """Add a WebSocket endpoint whose parameters are injected like an HTTP endpoint's."""
        route = APIWebSocketRoute(
            self.prefix + path,
            endpoint,
            name=name,
            dependencies=[*self.dependencies, *(dependencies or [])],
            dependency_overrides_provider=self.dependency_overrides_provider,
        )
        if self._checks_paths:
            _check_served_route(route)
        self.routes.append(route)

    def websocket(
        self, path: str, name: str | None = None, *, dependencies: Sequence[params.Depends] | None = None
    ) -> Callable[[DecoratedCallable], DecoratedCallable]:
        """Decorator adding a WebSocket endpoint."""

        def decorator(func: DecoratedCallable) -> DecoratedCallable:
            self.add_api_websocket_route(path, func, name=name, dependencies=dependencies)
            return func

        return decorator

    def add_route(
        self,
        path: str,
        endpoint: Callable[..., Any],
        methods: Sequence[str] | None = None,
        name: str | None = None,
        include_in_schema: bool = True,
    ) -> None:
        """Add a plain ``request -> response`` route (Starlette style)."""
        self.routes.append(
            Route(self.prefix + path, endpoint, methods=methods, name=name, include_in_schema=include_in_schema)
        )

    def route(
        self, path: str, methods: Sequence[str] | None = None, name: str | None = None, include_in_schema: bool = True
    ) -> Callable[[DecoratedCallable], DecoratedCallable]:
        """Decorator form of ``add_route``."""

        def decorator(func: DecoratedCallable) -> DecoratedCallable:
            self.add_route(path, func, methods=methods, name=name, include_in_schema=include_in_schema)
            return func

        return decorator

    def add_websocket_route(self, path: str, endpoint: Callable[..., Any], name: str | None = None) -> None:
        """Add a plain WebSocket route whose endpoint takes the ``WebSocket``."""
        self.routes.append(WebSocketRoute(self.prefix + path, endpoint, name=name))

    def websocket_route(self, path: str, name: str | None = None) -> Callable[[DecoratedCallable], DecoratedCallable]:
        """Decorator form of ``add_websocket_route``."""

        def decorator(func: DecoratedCallable) -> DecoratedCallable:
            self.add_websocket_route(path, func, name=name)
            return func

        return decorator

    def mount(self, path: str, app: ASGIApp, name: str | None = None) -> None:
        """Serve another ASGI app (static files, a sub-application, a WSGI app...) under ``path``."""
        self.routes.append(Mount(self.prefix + path, app, name=name))

    def frontend(
        self,
        path: str = "/",
        *,
        directory: str | os.PathLike[str],
        fallback: str | None = "auto",
        check_dir: bool | str = "auto",
        index: str = "index.html",
        name: str | None = None,
    ) -> None:
        """Serve a built frontend from ``directory`` under ``path``, after every other route (FastAPI's signature).

        Existing files are served; other page loads fall back to ``index.html`` (or ``404.html``) as
        :class:`~zephyr.staticfiles.SinglePageApp` documents. On a router, the build moves with the router when it is
        included (under the inclusion's prefix too).
        """
        from zephyr._routing.frontend import FrontendMount
        from zephyr.staticfiles import SinglePageApp

        spa = SinglePageApp(directory=directory, index=index, fallback=fallback, check_dir=check_dir)  # type: ignore[arg-type]
        self.routes.append(FrontendMount(self.prefix + path, spa, name=name))

    def host(self, host: str, app: ASGIApp, name: str | None = None) -> None:
        """Serve ``app`` for requests whose ``Host`` matches ``host`` (``{subdomain}.example.com`` patterns allowed)."""
        from zephyr._routing.host import Host

        self.routes.append(Host(host, app, name=name))

    def include_router(
        self,
        router: APIRouter,
        *,
        prefix: str = "",
        tags: list[str | Enum] | None = None,
        dependencies: Sequence[params.Depends] | None = None,
        default_response_class: type[Response] = Default(JSONResponse),
        responses: dict[int | str, dict[str, Any]] | None = None,
        callbacks: list[BaseRoute] | None = None,
        deprecated: bool | None = None,
        include_in_schema: bool = True,
        generate_unique_id_function: Callable[[APIRoute], str] = Default(generate_unique_id),
        strict_content_type: bool = Default(True),
    ) -> None:
        """Add every route of ``router`` under ``prefix``, with extra tags, dependencies and responses."""
        if not isinstance(router, APIRouter):
            raise FastAPIError(f"include_router() needs an APIRouter, got {type(router).__name__}.")
        check_inclusion(self, router, prefix)
        include(
            self,
            router,
            {
                "prefix": prefix,
                "tags": tags,
                "dependencies": dependencies,
                "default_response_class": default_response_class,
                "responses": responses,
                "callbacks": callbacks,
                "deprecated": deprecated,
                "include_in_schema": include_in_schema,
                "generate_unique_id_function": generate_unique_id_function,
                "strict_content_type": strict_content_type,
            },
        )
        for handler in router.on_startup:
            self.add_event_handler("startup", handler)
        for handler in router.on_shutdown:
            self.add_event_handler("shutdown", handler)
        if router._lifespan is not None:
            self._lifespan = (
                merge_lifespans(self._lifespan, router._lifespan) if self._lifespan is not None else router._lifespan
            )

    # -- URLs ---------------------------------------------------------------------------------------------------

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        """The path of the route called ``name``, with ``path_params`` filled in.

        Raises:
            NoMatchFound: No route has that name and those parameters; the message suggests a near miss.
        """
        for route in self.routes:
            try:
                return route.url_path_for(name, **path_params)
            except Exception as exc:
                if is_no_match(exc):
                    continue
                raise
        raise NoMatchFound(name, path_params, [str(r.name) for r in self.routes if r.name])

    # -- ASGI dispatch -----------------------------------------------------------------------------------------

    def mark_dirty(self) -> None:
        """Routes changed: rebuild the table on the next request (and the OpenAPI document on the next call)."""
        self._table = None
        self.routes_version += 1

    def compile_routes(self) -> None:
        """Build the route table and compile every route's plan now, as the lifespan start-up does.

        Configuration errors found while compiling surface here, before the first request; and the first request is
        then as fast as the thousandth.
        """
        cache: dict[Any, Any] = {}  # validators shared by routes whose values validate alike
        for route in self._route_table().routes:
            route.prepare(cache)

    def _route_table(self) -> RouteTable[BaseRoute]:
        table = self._table
        if table is None:
            # Fallback routes (``app.frontend``) answer only what no other route matches, whenever they were added.
            ordered = [r for r in self.routes if not getattr(r, "is_fallback", False)]
            ordered += [r for r in self.routes if getattr(r, "is_fallback", False)]
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
                # A new dict per request: the table's are shared, and an endpoint may write to its path_params.
                current = scope.get("path_params")
                scope["path_params"] = {**current, **found} if current else {**found}
                scope["route"] = route
                scope["endpoint"] = getattr(route, "endpoint", None)
                if timings is not None:
                    timings["routing"] = timings.get("routing", 0.0) + (perf_counter() - started)
                await route.handle(scope, receive, send)
                return
            if accepted is PARTIAL and partial is None:
                partial, partial_params = route, found
        if partial is not None:
            scope["path_params"] = {**scope.get("path_params", {}), **partial_params}
            scope["route"] = partial
            await partial.handle(scope, receive, send)
            return
        if scope_type == "http" and self.redirect_slashes and path != "/":
            other = path[:-1] if path.endswith("/") else path + "/"
            if any(route.accepts(scope) for route, _ in self._route_table().matches(other)):
                redirect_scope = dict(scope)
                full = scope["path"]
                redirect_scope["path"] = full[:-1] if full.endswith("/") else full + "/"
                await RedirectResponse(url=str(URL(scope=redirect_scope)))(scope, receive, send)
                return
        await self.not_found(scope, receive, send)

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

    def __init__(self, router: APIRouter, routes: Sequence[BaseRoute]) -> None:
        super().__init__(routes)
        self._router = router

    def _changed(self) -> None:
        self._router.mark_dirty()

    def append(self, item: BaseRoute) -> None:
        super().append(item)
        self._changed()
        router = self._router
        if router._inclusions and not router._quiet:
            route_appended(router, item)

    def extend(self, items: Any) -> None:
        items = list(items)
        super().extend(items)
        self._changed()
        router = self._router
        if router._inclusions and not router._quiet:
            for item in items:
                route_appended(router, item)

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


def _check_served_route(route: APIRoute | APIWebSocketRoute) -> None:
    """The checks of a route the application serves (see ``zephyr._compile.checks``)."""
    kind = "WebSocket route" if isinstance(route, APIWebSocketRoute) else "route"
    where = f"the {kind} {route.path} ({getattr(route.endpoint, '__qualname__', route.name)})"
    check_path_parameters(route.dependant, route.path, where)
    warn_unreadable_query(route.dependant, where)
