"""``Zephyr``, the application (also importable as ``FastAPI``): routes, middleware, errors, lifespan and docs."""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Callable, Mapping, Sequence
from enum import Enum
from typing import TYPE_CHECKING, Any

from typing_extensions import Unpack, deprecated

from zephyr import params
from zephyr._bodylimit import BodyLimit, validate_max_body_size, with_form_limits
from zephyr._docs_routes import add_docs_routes
from zephyr._errors import ErrorBoundary, ExceptionMiddleware, ServerErrorMiddleware, websocket_exception_handler
from zephyr._limits import BODY_DEADLINE, MAX_HEADER_BYTES, MAX_HEADERS, check_head, send_json_error
from zephyr._routing.base import BaseRoute
from zephyr._routing.options import RouteOptions
from zephyr._routing.overrides import OverridesDict
from zephyr._routing.router import APIRouter
from zephyr._routing.routes import APIRoute, generate_unique_id
from zephyr.datastructures import Default, State, URLPath
from zephyr.exception_handlers import (
    http_exception_handler,
    request_validation_exception_handler,
    websocket_request_validation_exception_handler,
)
from zephyr.exceptions import (
    FastAPIDeprecationWarning,
    FastAPIError,
    HTTPException,
    RequestValidationError,
    WebSocketException,
    WebSocketRequestValidationError,
)
from zephyr.responses import JSONResponse, Response
from zephyr.telemetry._api import TelemetryConfig, resolve
from zephyr.types import ASGIApp, DecoratedCallable, Receive, Scope, Send

if TYPE_CHECKING:
    from zephyr._rsgi import RSGIAdapter

__all__ = ("FastAPI", "Zephyr")

_DOCS_STATIC = "/_zephyr/docs-static"
_CLOSE = ((b"connection", b"close"),)


def _head_limit(name: str, value: Any) -> int | None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        raise FastAPIError(f"{name}={value!r} must be a positive int, or None for no limit.")
    return value


class Zephyr:
    """The application: an ASGI app with FastAPI's constructor, decorators and behaviour.

    Example:
        ```python
        from zephyr import FastAPI

        app = FastAPI(title="Shop")

        @app.get("/items/{item_id}")
        async def read_item(item_id: int, q: str | None = None) -> dict[str, object]:
            return {"item_id": item_id, "q": q}
        ```

    The arguments are FastAPI's; ``scalar_url`` (default ``"/scalar"``) adds a Scalar API reference page, and
    ``telemetry`` turns on native OpenTelemetry as FastAPI's does (see :mod:`zephyr.telemetry`). Zephyr's own safe
    defaults against hostile clients (see :mod:`zephyr._limits` and ``docs/limits.md``) are set with
    ``max_headers`` (100 header lines, 431), ``max_header_bytes`` (16 KiB of header names and values, 431) and
    ``body_deadline`` (60 s for a body read whole into memory, 408); ``None`` turns one off. FastAPI's
    ``max_body_size`` and ``form_limits`` replace the defaults for bodies and forms where they are set.
    """

    def __init__(
        self,
        *,
        telemetry: TelemetryConfig | None = None,
        debug: bool = False,
        routes: list[BaseRoute] | None = None,
        title: str = "FastAPI",
        summary: str | None = None,
        description: str = "",
        version: str = "0.1.0",
        openapi_url: str | None = "/openapi.json",
        openapi_tags: list[dict[str, Any]] | None = None,
        servers: list[dict[str, Any]] | None = None,
        dependencies: Sequence[params.Depends] | None = None,
        default_response_class: type[Response] = Default(JSONResponse),
        redirect_slashes: bool = True,
        docs_url: str | None = "/docs",
        redoc_url: str | None = "/redoc",
        scalar_url: str | None = "/scalar",
        swagger_ui_oauth2_redirect_url: str | None = "/docs/oauth2-redirect",
        swagger_ui_init_oauth: dict[str, Any] | None = None,
        middleware: Sequence[Any] | None = None,
        exception_handlers: dict[int | type[Exception], Callable[..., Any]] | None = None,
        on_startup: Sequence[Callable[[], Any]] | None = None,
        on_shutdown: Sequence[Callable[[], Any]] | None = None,
        lifespan: Callable[[Any], Any] | None = None,
        terms_of_service: str | None = None,
        contact: dict[str, Any] | None = None,
        license_info: dict[str, Any] | None = None,
        openapi_prefix: str = "",
        root_path: str = "",
        root_path_in_servers: bool = True,
        responses: dict[int | str, dict[str, Any]] | None = None,
        callbacks: list[BaseRoute] | None = None,
        webhooks: APIRouter | None = None,
        deprecated: bool | None = None,
        include_in_schema: bool = True,
        swagger_ui_parameters: dict[str, Any] | None = None,
        generate_unique_id_function: Callable[[APIRoute], str] = Default(generate_unique_id),
        separate_input_output_schemas: bool = True,
        openapi_external_docs: dict[str, Any] | None = None,
        strict_content_type: bool = True,
        docs_assets_url: str | None = _DOCS_STATIC,
        max_body_size: int | None = None,
        form_limits: Mapping[str, int] | None = None,
        max_headers: int | None = MAX_HEADERS,
        max_header_bytes: int | None = MAX_HEADER_BYTES,
        body_deadline: float | None = BODY_DEADLINE,
        **extra: Any,
    ) -> None:
        self.debug = debug
        self.telemetry = telemetry
        self._telemetry = resolve(telemetry)  # every setting, defaults filled in (FastAPI's ``_telemetry``)
        self._telemetry_inner: ASGIApp | None = None  # the stack as built without telemetry, while it has none
        self.title = title
        self.summary = summary
        self.description = description
        self.version = version
        self.terms_of_service = terms_of_service
        self.contact = contact
        self.license_info = license_info
        self.openapi_url = openapi_url
        self.openapi_tags = openapi_tags
        self.root_path_in_servers = root_path_in_servers
        self.docs_url = docs_url
        self.redoc_url = redoc_url
        self.scalar_url = scalar_url
        self.swagger_ui_oauth2_redirect_url = swagger_ui_oauth2_redirect_url
        self.swagger_ui_init_oauth = swagger_ui_init_oauth
        self.swagger_ui_parameters = swagger_ui_parameters
        self.servers = list(servers or [])
        self.separate_input_output_schemas = separate_input_output_schemas
        self.openapi_external_docs = openapi_external_docs
        self.docs_assets_url = docs_assets_url
        self.extra = extra
        self.max_body_size = validate_max_body_size(max_body_size)
        self.max_headers = _head_limit("max_headers", max_headers)
        self.max_header_bytes = _head_limit("max_header_bytes", max_header_bytes)
        if body_deadline is not None and (
            isinstance(body_deadline, bool) or not isinstance(body_deadline, (int, float)) or not body_deadline > 0
        ):
            raise FastAPIError(f"body_deadline={body_deadline!r} must be a positive number of seconds, or None.")
        self.body_deadline = body_deadline
        self.openapi_version = "3.1.0"
        self.openapi_schema: dict[str, Any] | None = None
        self._openapi_routes_version: int | None = None
        if root_path:
            warnings.warn(
                "The `root_path` parameter is deprecated. Configure the server's root path instead, for example with "
                "`zephyr run --root-path /api/v1` (as `fastapi run --root-path /api/v1` or `uvicorn --root-path`).",
                category=FastAPIDeprecationWarning,
                stacklevel=2,
            )
        self.root_path = root_path or openapi_prefix
        self.state = State()
        self._dependency_overrides = OverridesDict()
        self.router = APIRouter(
            routes=routes,
            redirect_slashes=redirect_slashes,
            dependency_overrides_provider=self,
            on_startup=on_startup,
            on_shutdown=on_shutdown,
            lifespan=lifespan,
            default_response_class=default_response_class,
            dependencies=dependencies,
            callbacks=callbacks,
            deprecated=deprecated,
            include_in_schema=include_in_schema,
            responses=responses,
            generate_unique_id_function=generate_unique_id_function,
            strict_content_type=strict_content_type,
            max_body_size=max_body_size,
            form_limits=form_limits,
        )
        self.router._checks_paths = True  # the routes it serves are complete: their path parameters are checked
        self.webhooks = webhooks or APIRouter()
        self.middleware_stack: ASGIApp | None = None
        self._handler_table: dict[Any, Callable[..., Any]] = {}
        self._server_errors: ServerErrorMiddleware | None = None  # the layer answering 500s, once built
        self.exception_handlers: dict[Any, Callable[..., Any]] = {
            HTTPException: http_exception_handler,
            RequestValidationError: request_validation_exception_handler,
            WebSocketRequestValidationError: websocket_request_validation_exception_handler,
            WebSocketException: websocket_exception_handler,
        }
        for key, handler in (exception_handlers or {}).items():
            self.add_exception_handler(key, handler)
        self.user_middleware: list[Any] = list(middleware or [])
        self._rsgi: RSGIAdapter | None = None  # built by __rsgi_init__ when Granian serves the app on RSGI
        self.setup()

    # -- properties FastAPI apps use ----------------------------------------------------------------------------

    @property
    def dependency_overrides(self) -> OverridesDict:
        """Replace dependencies in tests: ``app.dependency_overrides[get_db] = get_test_db``."""
        return self._dependency_overrides

    @dependency_overrides.setter
    def dependency_overrides(self, value: dict[Any, Any] | None) -> None:
        # Replaced in place: compiled routes watch this one dict's version. None means no overrides, as in FastAPI.
        self._dependency_overrides.replace(value)

    @property
    def routes(self) -> list[BaseRoute]:
        """All routes, in order; an included router is one ``_IncludedRouter`` entry (as in FastAPI 0.165)."""
        return self.router.routes

    @property
    def on_startup(self) -> list[Callable[[], Any]]:
        """The start-up handlers (``on_startup=`` and ``@app.on_event("startup")``)."""
        return self.router.on_startup

    @property
    def on_shutdown(self) -> list[Callable[[], Any]]:
        """The shut-down handlers."""
        return self.router.on_shutdown

    # -- docs and the OpenAPI document -------------------------------------------------------------------------

    def openapi(self) -> dict[str, Any]:
        """The OpenAPI document, built once and cached in ``openapi_schema`` (rebuilt if routes were added since)."""
        routes_version = getattr(self.router, "routes_version", 0)
        if not self.openapi_schema or self._openapi_routes_version != routes_version:
            self._openapi_routes_version = routes_version
            from zephyr._routing.routes import build_custom_included_handlers
            from zephyr.openapi.utils import get_openapi

            build_custom_included_handlers(self.routes)

            self.openapi_schema = get_openapi(
                title=self.title,
                version=self.version,
                openapi_version=self.openapi_version,
                summary=self.summary,
                description=self.description,
                terms_of_service=self.terms_of_service,
                contact=self.contact,
                license_info=self.license_info,
                routes=self.routes,
                webhooks=self.webhooks.routes,
                tags=self.openapi_tags,
                servers=self.servers,
                separate_input_output_schemas=self.separate_input_output_schemas,
                external_docs=self.openapi_external_docs,
            )
        return self.openapi_schema

    def setup(self) -> None:
        """Add the ``/openapi.json`` route and the docs pages (unless their URLs are ``None``)."""
        if not self.openapi_url:
            return
        add_docs_routes(self)

    # -- routes -------------------------------------------------------------------------------------------------

    def add_api_route(
        self,
        path: str,
        endpoint: Callable[..., Any],
        *,
        methods: list[str] | None = None,
        **options: Unpack[RouteOptions],
    ) -> None:
        """Add a path operation (what the ``get``/``post``/... decorators call)."""
        self.router.add_api_route(path, endpoint, methods=methods, **options)

    def api_route(
        self, path: str, *, methods: list[str] | None = None, **options: Unpack[RouteOptions]
    ) -> Callable[[DecoratedCallable], DecoratedCallable]:
        """Decorator adding a path operation for the given methods (GET by default)."""
        return self.router.api_route(path, methods=methods, **options)

    def get(self, path: str, **options: Unpack[RouteOptions]) -> Callable[[DecoratedCallable], DecoratedCallable]:
        """Decorator adding a GET path operation."""
        return self.router.get(path, **options)

    def put(self, path: str, **options: Unpack[RouteOptions]) -> Callable[[DecoratedCallable], DecoratedCallable]:
        """Decorator adding a PUT path operation."""
        return self.router.put(path, **options)

    def post(self, path: str, **options: Unpack[RouteOptions]) -> Callable[[DecoratedCallable], DecoratedCallable]:
        """Decorator adding a POST path operation."""
        return self.router.post(path, **options)

    def delete(self, path: str, **options: Unpack[RouteOptions]) -> Callable[[DecoratedCallable], DecoratedCallable]:
        """Decorator adding a DELETE path operation."""
        return self.router.delete(path, **options)

    def options(self, path: str, **options: Unpack[RouteOptions]) -> Callable[[DecoratedCallable], DecoratedCallable]:
        """Decorator adding an OPTIONS path operation."""
        return self.router.options(path, **options)

    def head(self, path: str, **options: Unpack[RouteOptions]) -> Callable[[DecoratedCallable], DecoratedCallable]:
        """Decorator adding a HEAD path operation."""
        return self.router.head(path, **options)

    def patch(self, path: str, **options: Unpack[RouteOptions]) -> Callable[[DecoratedCallable], DecoratedCallable]:
        """Decorator adding a PATCH path operation."""
        return self.router.patch(path, **options)

    def trace(self, path: str, **options: Unpack[RouteOptions]) -> Callable[[DecoratedCallable], DecoratedCallable]:
        """Decorator adding a TRACE path operation."""
        return self.router.trace(path, **options)

    def websocket(
        self, path: str, name: str | None = None, *, dependencies: Sequence[params.Depends] | None = None
    ) -> Callable[[DecoratedCallable], DecoratedCallable]:
        """Decorator adding a WebSocket endpoint."""
        return self.router.websocket(path, name, dependencies=dependencies)

    def add_api_websocket_route(
        self,
        path: str,
        endpoint: Callable[..., Any],
        name: str | None = None,
        *,
        dependencies: Sequence[params.Depends] | None = None,
    ) -> None:
        """Add a WebSocket endpoint."""
        self.router.add_api_websocket_route(path, endpoint, name, dependencies=dependencies)

    def websocket_route(self, path: str, name: str | None = None) -> Callable[[DecoratedCallable], DecoratedCallable]:
        """Decorator adding a plain WebSocket route (the endpoint takes the ``WebSocket``)."""
        return self.router.websocket_route(path, name)

    def add_websocket_route(self, path: str, endpoint: Callable[..., Any], name: str | None = None) -> None:
        """Add a plain WebSocket route."""
        self.router.add_websocket_route(path, endpoint, name)

    def add_route(
        self,
        path: str,
        route: Callable[..., Any],
        methods: list[str] | None = None,
        name: str | None = None,
        include_in_schema: bool = True,
    ) -> None:
        """Add a plain ``request -> response`` route (Starlette style)."""
        self.router.add_route(path, route, methods=methods, name=name, include_in_schema=include_in_schema)

    def route(
        self, path: str, methods: list[str] | None = None, name: str | None = None, include_in_schema: bool = True
    ) -> Callable[[DecoratedCallable], DecoratedCallable]:
        """Decorator form of ``add_route``."""
        return self.router.route(path, methods=methods, name=name, include_in_schema=include_in_schema)

    def include_router(
        self,
        router: APIRouter,
        *,
        prefix: str = "",
        tags: list[str | Enum] | None = None,
        dependencies: Sequence[params.Depends] | None = None,
        responses: dict[int | str, dict[str, Any]] | None = None,
        deprecated: bool | None = None,
        include_in_schema: bool = True,
        default_response_class: type[Response] = Default(JSONResponse),
        callbacks: list[BaseRoute] | None = None,
        generate_unique_id_function: Callable[[APIRoute], str] = Default(generate_unique_id),
        strict_content_type: bool = Default(True),
        max_body_size: int | None = None,
        form_limits: Mapping[str, int] | None = None,
    ) -> None:
        """Add every route of ``router`` under ``prefix`` (see ``APIRouter.include_router``)."""
        self.router.include_router(
            router,
            prefix=prefix,
            tags=tags,
            dependencies=dependencies,
            responses=responses,
            deprecated=deprecated,
            include_in_schema=include_in_schema,
            default_response_class=default_response_class,
            callbacks=callbacks,
            generate_unique_id_function=generate_unique_id_function,
            strict_content_type=strict_content_type,
            max_body_size=max_body_size,
            form_limits=form_limits,
        )

    def mount(self, path: str, app: ASGIApp, name: str | None = None) -> None:
        """Serve another ASGI app under ``path`` (static files, a sub-application, a WSGI app via a2wsgi...)."""
        self.router.mount(path, app, name=name)

    def host(self, host: str, app: ASGIApp, name: str | None = None) -> None:
        """Serve ``app`` for requests whose ``Host`` matches ``host`` (``{subdomain}.example.com`` patterns allowed)."""
        self.router.host(host, app, name=name)

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
        :class:`~zephyr.staticfiles.SinglePageApp` documents.
        """
        self.router.frontend(path, directory=directory, fallback=fallback, check_dir=check_dir, index=index, name=name)

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        """The path of the route called ``name`` (raises ``NoMatchFound`` with a near-miss suggestion)."""
        return self.router.url_path_for(name, **path_params)

    # -- events, errors and middleware -------------------------------------------------------------------------

    @deprecated(
        "on_event is deprecated, use lifespan event handlers instead. "
        "Read more in FastAPI's docs for Lifespan Events: https://fastapi.tiangolo.com/advanced/events/"
    )
    def on_event(self, event_type: str) -> Callable[[DecoratedCallable], DecoratedCallable]:
        """Run the decorated function at ``"startup"`` or ``"shutdown"`` (prefer ``lifespan=``)."""

        def decorator(func: DecoratedCallable) -> DecoratedCallable:
            self.router.add_event_handler(event_type, func)
            return func

        return decorator

    def add_event_handler(self, event_type: str, func: Callable[[], Any]) -> None:
        """Run ``func`` at ``"startup"`` or ``"shutdown"``."""
        self.router.add_event_handler(event_type, func)

    def add_exception_handler(
        self, exc_class_or_status_code: int | type[Exception], handler: Callable[..., Any]
    ) -> None:
        """Answer an exception class (or an ``HTTPException`` status code) with ``handler(request, exc)``."""
        key = exc_class_or_status_code
        if isinstance(key, type) and key.__module__ == "starlette.exceptions" and key.__name__ == "HTTPException":
            # FastAPI's docs register handlers for Starlette's HTTPException so routing errors (404, 405) are caught
            # too; ours are zephyr.exceptions.HTTPException, so the handler answers those.
            self.exception_handlers[HTTPException] = handler
        self.exception_handlers[key] = handler
        if self.middleware_stack is not None:
            # Already serving: swap the handler tables the built layers hold, in place. Rebuilding the stack would
            # construct every user middleware again and lose its state (a rate limiter's counts, for one).
            self._install_handlers()

    def exception_handler(
        self, exc_class_or_status_code: int | type[Exception]
    ) -> Callable[[DecoratedCallable], DecoratedCallable]:
        """Decorator form of ``add_exception_handler``."""

        def decorator(func: DecoratedCallable) -> DecoratedCallable:
            self.add_exception_handler(exc_class_or_status_code, func)
            return func

        return decorator

    def add_middleware(self, middleware_class: Callable[..., ASGIApp], *args: Any, **kwargs: Any) -> None:
        """Add a pure ASGI middleware (the last added runs first).

        Raises:
            RuntimeError: The app already started serving; middleware must be added before the first request.
        """
        if self.middleware_stack is not None:
            raise RuntimeError(
                "Cannot add middleware after an application has started: the middleware stack is built on the first "
                f"request. Add {getattr(middleware_class, '__name__', middleware_class)!r} before serving."
            )
        from zephyr.middleware import Middleware

        self.user_middleware.insert(0, Middleware(middleware_class, *args, **kwargs))

    def middleware(self, middleware_type: str) -> Callable[[DecoratedCallable], DecoratedCallable]:
        """Decorator for ``async def mw(request, call_next)`` function middleware (only ``"http"``)."""
        if middleware_type != "http":
            raise FastAPIError(f'Only "http" function middleware is supported; got {middleware_type!r}.')

        def decorator(func: DecoratedCallable) -> DecoratedCallable:
            from zephyr.middleware.base import BaseHTTPMiddleware

            self.add_middleware(BaseHTTPMiddleware, dispatch=func)
            return func

        return decorator

    def build_middleware_stack(self) -> ASGIApp:
        """Wrap the router in the exception layers and the user's middleware (done once, at the first request)."""
        error_handler = self._install_handlers()
        handlers = self._handler_table
        # The router's form_limits reach the routes it did not create (routes=[...], mounted apps) through the scope.
        app: ASGIApp = with_form_limits(self.router, getattr(self.router, "form_limits", None))
        if not self.user_middleware:
            if self.max_body_size is not None:
                app = BodyLimit(app, self.max_body_size)  # inside the exception layers, as FastAPI places it
            boundary = ErrorBoundary(app, handlers, error_handler, self.debug)
            self._server_errors = boundary.server_errors
            app = boundary
        else:
            app = ExceptionMiddleware(app, handlers, self.debug)
            for entry in reversed(self.user_middleware):
                cls, args, kwargs = entry
                app = cls(app, *args, **kwargs)
            if self.max_body_size is not None:
                # Around the user's middleware, as FastAPI places it: a middleware reading the body reads under
                # the app's limit (a route's own limit still applies when the route runs).
                app = BodyLimit(app, self.max_body_size, answers_reads=True)
            app = self._server_errors = ServerErrorMiddleware(app, error_handler, self.debug)
        if self._instrumented():  # an instrumentation wrapped this method (OpenTelemetry does)
            from zephyr._interop.tracing import instrumented_stack

            return instrumented_stack(self, app, self.debug)
        settings = self._telemetry
        if self.telemetry is not None or settings["auto_configure"] or "opentelemetry.trace" in sys.modules:
            from zephyr.telemetry._middleware import telemetry_layer

            layered = telemetry_layer(app, settings)
            if layered is not app:
                return layered
        if "opentelemetry.trace" in sys.modules:
            from zephyr.telemetry._follow import follow

            follow(self, app)  # no provider yet: one set later starts the telemetry
        else:
            self._telemetry_inner = app  # OpenTelemetry not imported yet: the start-up may set a provider up
        return app

    def _instrumented(self) -> bool:
        """Whether an instrumentation replaced this app's ``build_middleware_stack`` (and has not handed it back).

        ``FastAPIInstrumentor.uninstrument_app`` hands it back by assigning the bound method it replaced: the app is
        then itself again.
        """
        replaced = vars(self).get("build_middleware_stack")
        return replaced is not None and getattr(replaced, "__func__", None) is not type(self).build_middleware_stack

    def _install_handlers(self) -> Callable[..., Any] | None:
        """Split ``exception_handlers`` into the table the exception layer reads and the last-resort 500 handler.

        The table is updated in place, so layers already built see a handler added after start-up.

        Returns:
            The ``500``/``Exception`` handler, if any.
        """
        error_handler = None
        handlers: dict[Any, Callable[..., Any]] = {}
        for key, value in self.exception_handlers.items():
            if key in (500, Exception):
                error_handler = value
            else:
                handlers[key] = value
        self._handler_table.clear()
        self._handler_table.update(handlers)
        if self._server_errors is not None:
            self._server_errors.handler = error_handler
        return error_handler

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one ASGI connection (HTTP, WebSocket or lifespan)."""
        scope["app"] = self
        kind = scope["type"]
        if kind == "http":
            refusal = check_head(scope["headers"], self.max_headers, self.max_header_bytes)
            if refusal is not None:
                await send_json_error(send, *refusal, headers=_CLOSE)
                return
        elif kind == "lifespan":
            await self._lifespan(scope, receive, send)
            return
        if self.root_path:
            scope["root_path"] = self.root_path
        stack = self.middleware_stack
        if stack is None:
            stack = self._first_stack()
        await stack(scope, receive, send)

    def _first_stack(self) -> ASGIApp:
        """Build the middleware stack, at the first request (or lifespan), and keep it."""
        stack = self.build_middleware_stack()
        if "opentelemetry.instrumentation.asgi" in sys.modules and self._instrumented():
            from zephyr._interop.otel_asgi import native_stack

            stack = native_stack(self, stack)  # OpenTelemetry's ASGI middleware, computed once per request shape
        if "sentry_sdk" in sys.modules:  # Sentry wraps the whole app, as its patch of Starlette's __call__ does
            from zephyr._interop.tracing import with_sentry

            stack = with_sentry(stack)
        self.middleware_stack = stack
        return stack

    async def _lifespan(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the lifespan through the middleware stack, with telemetry's exporter set-up and flush around it."""
        from zephyr.telemetry._runtime import lifespan

        if self.root_path:
            scope["root_path"] = self.root_path
        stack = self.middleware_stack
        if stack is None:
            stack = self._first_stack()
        await lifespan(
            config=self._telemetry, app=stack, scope=scope, receive=receive, send=send, started=self._started
        )

    def _started(self) -> None:
        """The start-up is complete: a provider it set up (importing OpenTelemetry first) starts the telemetry."""
        inner = self._telemetry_inner
        if inner is not None and "opentelemetry.trace" in sys.modules and self.middleware_stack is not None:
            from zephyr.telemetry._follow import follow, provider_set

            follow(self, inner)
            provider_set()

    # -- Granian's RSGI interface (zephyr._rsgi), beside ASGI: nothing of it runs for ASGI requests --------------

    def __rsgi_init__(self, loop: Any) -> None:
        """Run the start-up (lifespan) before Granian serves this app on RSGI, in the worker's event ``loop``."""
        from zephyr._rsgi import RSGIAdapter

        self._rsgi = RSGIAdapter(self, direct=type(self).__call__ is Zephyr.__call__)
        self._rsgi.startup(loop)

    def __rsgi__(self, scope: Any, protocol: Any) -> Any:
        """Serve one RSGI request or WebSocket (see :mod:`zephyr._rsgi`)."""
        adapter = self._rsgi
        if adapter is None:  # served without __rsgi_init__ (no lifespan ran)
            from zephyr._rsgi import RSGIAdapter

            adapter = self._rsgi = RSGIAdapter(self, direct=type(self).__call__ is Zephyr.__call__)
        if scope.proto == "http":
            return adapter.http(scope, protocol)
        return adapter.websocket(scope, protocol)

    def __rsgi_del__(self, loop: Any) -> None:
        """Run the shut-down (lifespan) after Granian stopped serving this app."""
        if self._rsgi is not None:
            self._rsgi.shutdown(loop)


FastAPI = Zephyr
"""FastAPI's name for the application class: ``from zephyr import FastAPI`` runs FastAPI apps unchanged."""
