"""``APIRouter``: path-operation decorators and ``include_router`` over a ``dispatch.Router``."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from enum import Enum
from typing import Any

from typing_extensions import Unpack

from zephyr import params
from zephyr._bodylimit import first_limit, validate_form_limits, validate_max_body_size
from zephyr._routing.base import BaseRoute
from zephyr._routing.dispatch import Router
from zephyr._routing.effective import FASTAPI_SCOPE_KEY, INCLUDED_ROUTER_KEY
from zephyr._routing.frontend import FrontendRouteGroup
from zephyr._routing.inclusion import _IncludedRouter, _RouterIncludeContext, check_inclusion
from zephyr._routing.lifespan import merge_lifespans
from zephyr._routing.match import Match
from zephyr._routing.options import RouteOptions, pick
from zephyr._routing.overriding import CONTINUE_SCOPE_KEY
from zephyr._routing.plain import Mount, Route, WebSocketRoute
from zephyr._routing.routes import APIRoute, APIWebSocketRoute, check_served_route, generate_unique_id
from zephyr.datastructures import Default
from zephyr.exceptions import FastAPIError
from zephyr.responses import JSONResponse, Response
from zephyr.types import ASGIApp, DecoratedCallable, Receive, Scope, Send

__all__ = ("APIRouter",)

_VERBS = ("GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE")


class APIRouter(Router):
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
        max_body_size: int | None = None,
        form_limits: Mapping[str, int] | None = None,
    ) -> None:
        if prefix:
            if not prefix.startswith("/"):
                raise FastAPIError(f"A path prefix must start with '/'; got {prefix!r}.")
            if prefix.endswith("/"):
                raise FastAPIError(f"A path prefix must not end with '/'; got {prefix!r}. Remove the trailing slash.")
        super().__init__(routes, redirect_slashes, default, on_startup, on_shutdown, lifespan)
        self.prefix = prefix
        self.tags: list[str | Enum] = list(tags or [])
        self.dependencies = list(dependencies or [])
        self.default_response_class = default_response_class
        self.responses = dict(responses or {})
        self.callbacks = list(callbacks or [])
        self.dependency_overrides_provider = dependency_overrides_provider
        self.route_class = route_class
        self.deprecated = deprecated
        self.include_in_schema = include_in_schema
        self.generate_unique_id_function = generate_unique_id_function
        self.strict_content_type = strict_content_type
        self.max_body_size = validate_max_body_size(max_body_size)
        self.form_limits = validate_form_limits(form_limits)
        # Only the application's own router checks path parameters: a router's routes may still get a prefix that
        # declares the segment (include_router(router, prefix="/users/{user_id}")).
        self._checks_paths = False
        self._frontend_routes: FrontendRouteGroup | None = None
        """The router's frontends (``frontend()``), one of its low-priority routes once there is one (FastAPI's)."""

    # -- serving as an included router (FastAPI's ``APIRouter.matches``/``handle``) -------------------------------

    def _inclusion(self, scope: Scope) -> _IncludedRouter | None:
        fastapi_scope = scope.get(FASTAPI_SCOPE_KEY)
        node = fastapi_scope.get(INCLUDED_ROUTER_KEY) if isinstance(fastapi_scope, dict) else None
        return node if isinstance(node, _IncludedRouter) and node.original_router is self else None

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        """How well one of the routes fits ``scope`` under the inclusion recorded in it (``NONE`` outside one)."""
        node = self._inclusion(scope)
        return node.matches(scope) if node is not None else (Match.NONE, {})

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve ``scope``: under the inclusion recorded in it, or as this router on its own."""
        node = self._inclusion(scope)
        if node is not None:
            # A subclass's handle() called this on the way to a route chosen already: go on to it.
            after = scope.pop(CONTINUE_SCOPE_KEY, None)
            await (after or node.handle)(scope, receive, send)
            return
        await self(scope, receive, send)

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
            # A route's limits replace its router's, key by key for form limits (as FastAPI resolves them).
            max_body_size=first_limit(kwargs.pop("max_body_size", None), self.max_body_size),
            form_limits={**self.form_limits, **validate_form_limits(kwargs.pop("form_limits", None))},
            deprecated=kwargs.pop("deprecated", None) or self.deprecated,
            include_in_schema=kwargs.pop("include_in_schema", True) and self.include_in_schema,
            dependency_overrides_provider=self.dependency_overrides_provider,
        )
        route = route_class(self.prefix + path, endpoint=endpoint, methods=methods, **kwargs)
        if self._checks_paths:
            check_served_route(route)
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
            check_served_route(route)
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
        from zephyr._routing.frontend import FrontendRouteGroup, check_frontend_options
        from zephyr._routing.low_priority import join_frontend_paths
        from zephyr.staticfiles import SinglePageApp

        check_frontend_options(path, fallback)
        spa = SinglePageApp(directory=directory, index=index, fallback=fallback, check_dir=check_dir)  # type: ignore[arg-type]
        group = self._frontend_routes
        if group is None:
            group = self._frontend_routes = FrontendRouteGroup(
                dependencies=self.dependencies, dependency_overrides_provider=self.dependency_overrides_provider
            )
            self._low_priority_routes.append(group)
        normalized = path if path == "/" else path.rstrip("/")
        group.add_frontend_route(join_frontend_paths(self.prefix, normalized), app=spa, name=name)
        self.mark_dirty()

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
        max_body_size: int | None = None,
        form_limits: Mapping[str, int] | None = None,
    ) -> None:
        """Serve every route of ``router`` under ``prefix``, with extra tags, dependencies and responses.

        The router is kept by reference, as one ``_IncludedRouter`` entry of ``routes`` (as in FastAPI): routes added
        to it later are served too. ``max_body_size`` and ``form_limits`` apply to the included routes that (and
        whose router) set none.
        """
        if not isinstance(router, APIRouter):
            raise FastAPIError(f"include_router() needs an APIRouter, got {type(router).__name__}.")
        check_inclusion(self, router, prefix)
        context = _RouterIncludeContext.for_include(
            self,
            router,
            prefix=prefix,
            tags=tags,
            dependencies=dependencies,
            default_response_class=default_response_class,
            responses=responses,
            callbacks=callbacks,
            deprecated=deprecated,
            include_in_schema=include_in_schema,
            generate_unique_id_function=generate_unique_id_function,
            strict_content_type=strict_content_type,
            max_body_size=max_body_size,
            form_limits=form_limits,
        )
        entry = _IncludedRouter(
            original_router=router,
            include_context=context,
            _checks_paths=self._checks_paths,
            _parent_form_limits=dict(self.form_limits),
        )
        # Made now, so that a route the app cannot serve fails at this line rather than at the first request.
        entry.effective_routes()
        router._includers.add(self)
        self.routes.append(entry)
        for handler in router.on_startup:
            self.add_event_handler("startup", handler)
        for handler in router.on_shutdown:
            self.add_event_handler("shutdown", handler)
        # What of the included router runs at start-up: its lifespan, and its handlers unless this router runs
        # them (they were just copied here; FastAPI would run them twice, Zephyr once).
        included = router._lifespan if self._runs_handlers and router._runs_handlers else router.lifespan_context
        if included is not None:
            self._lifespan = merge_lifespans(self._lifespan, included) if self._lifespan is not None else included
