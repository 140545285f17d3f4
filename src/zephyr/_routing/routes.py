"""The compiled API routes: ``APIRoute`` (HTTP path operations) and ``APIWebSocketRoute``.

A route analyses its endpoint once, when it is created (so configuration errors surface at registration), and
compiles its request plan from that analysis at start-up (``prepare``, from the lifespan) or on first use, whichever
comes first: decorators placed above the route decorator, such as ``@limit``, still count. The plan is compiled
again, from a fresh analysis, only when ``app.dependency_overrides`` changes.
"""

from __future__ import annotations

import copy
import dataclasses
import inspect
import re
import sys
from collections.abc import Awaitable, Callable, Mapping, Sequence
from enum import Enum
from typing import Any

from pydantic import TypeAdapter
from typing_extensions import Self

from zephyr import _hooks, params
from zephyr._bodylimit import BodyLimit, validate_form_limits, validate_max_body_size
from zephyr._compile import typing_utils as tu
from zephyr._compile.checks import (
    INVALID_FIELD,
    check_path_parameters,
    check_responses,
    ensure_pydantic_v2,
    warn_unreadable_query,
)
from zephyr._compile.dependant import Dependant, build_dependant, sub_dependant, with_route_dependencies
from zephyr._compile.execute import HTTPRunner, body_allowed
from zephyr._compile.plan import ModelCache, Plan, build_plan
from zephyr._interop.switch import is_installed as switch_installed
from zephyr._routing.base import BaseRoute, OrderedMethods, expand_routes, name_of
from zephyr._routing.effective import EFFECTIVE_ROUTE_CONTEXT_KEY, FASTAPI_SCOPE_KEY, route_context_var
from zephyr._routing.handler import REQUEST_HANDLER, _Unversioned, make_runner
from zephyr._routing.match import FULL, NONE, PARTIAL, Match
from zephyr._routing.overrides import OverridesDict
from zephyr._routing.paths import compile_path
from zephyr._routing.plain import request_response
from zephyr.datastructures import Default, DefaultPlaceholder
from zephyr.exceptions import FastAPIError, HTTPException
from zephyr.requests import Request
from zephyr.responses import JSONResponse, PlainTextResponse, Response
from zephyr.types import ASGIApp, Receive, Scope, Send

__all__ = (
    "APIRoute",
    "APIWebSocketRoute",
    "build_custom_included_handlers",
    "check_served_route",
    "generate_unique_id",
)


def generate_unique_id(route: APIRoute) -> str:
    """FastAPI's default ``operationId``: the route name and path, made an identifier, plus the method."""
    operation_id = re.sub(r"\W", "_", f"{route.name}{route.path_format}")
    return f"{operation_id}_{next(iter(route.methods)).lower()}"


def _unwrap(value: Any) -> Any:
    return value.value if isinstance(value, DefaultPlaceholder) else value


def _is_foreign_response_class(annotation: Any) -> bool:
    """``-> starlette.responses.Response`` means "no response model", as it does in FastAPI."""
    if "starlette" not in sys.modules:
        return False
    from zephyr._interop.starlette import is_starlette_response_class

    return is_starlette_response_class(annotation)


_UNSET: Any = object()


class _PlannedRoute(BaseRoute):
    """What ``APIRoute`` and ``APIWebSocketRoute`` share: the endpoint analysed once, and the plan compiled from it."""

    endpoint: Callable[..., Any]
    dependencies: list[params.Depends]
    dependency_overrides_provider: Any
    dependant: Dependant
    _plan_name: str

    def _init_plan(self) -> None:
        # The body as analysed now, as FastAPI fixes ``route.body_field`` when the route is made: libraries that
        # change ``route.dependant`` afterwards (fastapi-jsonrpc adds its method's dependencies for the parameters
        # they document) leave the documented body as it was, unless they set ``route.body_field`` themselves.
        self._registered_body_params = self.dependant.flat_body_params()
        self._plan: Plan | None = None
        self._plan_version: Any = None
        self._full: Dependant | None = None
        self._full_hooks: tuple[Any, ...] = ()

    def with_changes(self, **changes: Any) -> Self:
        """A copy of the route with ``changes`` made to its attributes, and what derives from them worked out again.

        It is what an including router serves for a route of an included one (``include_router``): the path under
        the inclusion's prefix, its tags and dependencies added... Every other attribute, every option the route was
        created with (including those of a subclass), is the original's.
        """
        route = copy.copy(self)
        vars(route).update(changes)
        route._derive()
        return route

    def _derive(self) -> None:
        """Work out again what the path and the dependencies decide: the compiled path, the analysis, the plan."""
        self.compiled = compile_path(self.path)
        self.dependant = with_route_dependencies(
            build_dependant(self.endpoint, path=self.path), self.dependencies, path=self.path, overrides=None
        )
        self._init_plan()

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        """Starlette's question, answered as FastAPI does: a fitting route also puts itself in the child scope.

        Asked of an included route as registered while the request's effective context is one of its included
        copies, the copy answers (its full path).
        """
        fastapi_scope = scope.get(FASTAPI_SCOPE_KEY)
        context = fastapi_scope.get(EFFECTIVE_ROUTE_CONTEXT_KEY) if type(fastapi_scope) is dict else None
        if context is not None and context is not self and context.original_route is self:
            fit, child = BaseRoute.matches(context, scope)
        else:
            fit, child = super().matches(scope)
        if fit is not NONE:
            child["route"] = self
        return fit, child

    def _overrides(self) -> Any:
        provider = self.dependency_overrides_provider
        return getattr(provider, "dependency_overrides", None) if provider is not None else None

    def full_dependant(self, overrides: dict[Any, Any] | None = None) -> Dependant:
        """The endpoint's dependant with route, hook and override dependencies applied.

        Without overrides this is the analysis made at registration, with any hook dependencies (``@limit``...)
        spliced in after the route's own: the endpoint is not analysed again.
        """
        hooks = _hooks.route_dependencies(self.endpoint)
        if overrides:
            dependant = build_dependant(self.endpoint, path=self.path, overrides=overrides)
            return with_route_dependencies(dependant, [*self.dependencies, *hooks], path=self.path, overrides=overrides)
        if self._full is None or self._full_hooks != hooks:
            full = self.dependant
            if hooks:
                extra = [
                    sub_dependant(dep, None, path=self.path, name=None, scopes=(), overrides=None) for dep in hooks
                ]
                cut = len(self.dependencies)
                full = dataclasses.replace(
                    full, dependencies=[*full.dependencies[:cut], *extra, *full.dependencies[cut:]]
                )
            self._full, self._full_hooks = full, hooks
        return self._full

    def plan(self, cache: ModelCache | None = None) -> Plan:
        """The compiled request plan (recompiled when ``dependency_overrides`` changed).

        Args:
            cache: Validators already built at this start-up, by shape, to reuse (see ``build_plan``).
        """
        overrides = self._overrides()
        version = getattr(overrides, "version", None) if overrides else None
        if overrides and version is None:
            version = tuple(overrides.items())
        if self._plan is None or version != self._plan_version:
            full = self.full_dependant(overrides or None)
            websocket = self.url_protocol == "websocket"
            self._plan = build_plan(full, self._plan_name, cache, websocket=websocket)
            self._plan_version = version
        return self._plan


class APIRoute(_PlannedRoute):
    """One HTTP path operation: an endpoint function with its path, methods and response settings."""

    head_declared_later = False
    """Whether a later route of this path declares HEAD (set by the router's table): then a GET route leaves it HEAD."""

    def __init__(
        self,
        path: str,
        endpoint: Callable[..., Any],
        *,
        response_model: Any = Default(None),
        status_code: int | None = None,
        tags: list[str | Enum] | None = None,
        dependencies: Sequence[params.Depends] | None = None,
        summary: str | None = None,
        description: str | None = None,
        response_description: str = "Successful Response",
        responses: dict[int | str, dict[str, Any]] | None = None,
        deprecated: bool | None = None,
        name: str | None = None,
        methods: set[str] | list[str] | None = None,
        operation_id: str | None = None,
        response_model_include: Any = None,
        response_model_exclude: Any = None,
        response_model_by_alias: bool = True,
        response_model_exclude_unset: bool = False,
        response_model_exclude_defaults: bool = False,
        response_model_exclude_none: bool = False,
        include_in_schema: bool = True,
        response_class: type[Response] | DefaultPlaceholder = Default(JSONResponse),
        dependency_overrides_provider: Any = None,
        callbacks: list[BaseRoute] | None = None,
        openapi_extra: dict[str, Any] | None = None,
        generate_unique_id_function: Callable[[APIRoute], str] | DefaultPlaceholder = Default(generate_unique_id),
        strict_content_type: bool | DefaultPlaceholder = Default(True),
        max_body_size: int | None = None,
        form_limits: Mapping[str, int] | None = None,
    ) -> None:
        self.path = path
        self.endpoint = endpoint
        self.max_body_size = validate_max_body_size(max_body_size)
        self.form_limits = validate_form_limits(form_limits)
        self.compiled = compile_path(path)
        self.name = name_of(endpoint) if name is None else name
        self.methods: set[str] = OrderedMethods(m.upper() for m in (methods or ["GET"]))
        self.tags = list(tags or [])
        self.dependencies = list(dependencies or [])
        self.summary = summary
        self.response_description = response_description
        self.responses = dict(responses or {})
        self.deprecated = deprecated
        self.operation_id = operation_id
        self.response_model_include = response_model_include
        self.response_model_exclude = response_model_exclude
        self.response_model_by_alias = response_model_by_alias
        self.response_model_exclude_unset = response_model_exclude_unset
        self.response_model_exclude_defaults = response_model_exclude_defaults
        self.response_model_exclude_none = response_model_exclude_none
        self.include_in_schema = include_in_schema
        self.response_class = response_class
        self.dependency_overrides_provider = dependency_overrides_provider
        self.callbacks = callbacks
        self.openapi_extra = openapi_extra
        self.generate_unique_id_function = generate_unique_id_function
        self.strict_content_type = strict_content_type
        self.status_code = status_code
        self.description = (description or inspect.cleandoc(endpoint.__doc__ or "")).split("\f")[0].strip()
        self.is_stream = tu.is_gen_callable(endpoint) or tu.is_async_gen_callable(endpoint)
        # Worked out once for the response model and the dependant, at the moment the first of them needs it.
        signature = tu.typed_signature(endpoint) if isinstance(response_model, DefaultPlaceholder) else None
        self.response_model = self._resolve_response_model(response_model, signature)
        self.unique_id = self.operation_id or _unwrap(generate_unique_id_function)(self)
        self.response_field = self._response_adapter()
        check_responses(self.responses, self._where())
        self.dependant = with_route_dependencies(
            build_dependant(endpoint, path=path, signature=signature), self.dependencies, path=path, overrides=None
        )
        self._plan_name = re.sub(r"\W", "_", self.unique_id)
        self._init_plan()
        self._asgi: ASGIApp | None = None
        self._body_field: Any = _UNSET
        self._embed_body: bool | None = None

    def _derive(self) -> None:
        self.compiled = compile_path(self.path)
        self.unique_id = self.operation_id or _unwrap(self.generate_unique_id_function)(self)
        self._plan_name = re.sub(r"\W", "_", self.unique_id)
        check_responses(self.responses, self._where())
        super()._derive()
        self._asgi = None
        self._direct_runner = None
        self._body_field = _UNSET

    # -- registration-time analysis ---------------------------------------------------------------------------

    def _resolve_response_model(self, response_model: Any, signature: inspect.Signature | None = None) -> Any:
        if isinstance(response_model, DefaultPlaceholder):
            if signature is None:
                signature = tu.typed_signature(self.endpoint)
            annotation = signature.return_annotation
            if annotation is inspect.Signature.empty or annotation is None or self.is_stream:
                return None
            if tu.lenient_issubclass(annotation, Response) or _is_foreign_response_class(annotation):
                return None
            response_model = annotation
        if response_model is not None and self.status_code is not None and not body_allowed(self.status_code):
            raise FastAPIError(f"Status code {self.status_code} must not have a response body")
        return response_model

    def _response_adapter(self) -> TypeAdapter[Any] | None:
        model = self.response_model
        if model is None:
            model = self._stream_item_type()
            if model is None:
                return None
        ensure_pydantic_v2(model, f"the response model of {self._where()}")
        try:
            return TypeAdapter(model)
        except Exception as exc:
            raise FastAPIError(
                INVALID_FIELD.format(type_=model) + f" Here it is the response model of {self._where()}."
            ) from exc

    def _where(self) -> str:
        return f"the route {' '.join(sorted(self.methods))} {self.path} ({name_of(self.endpoint)})"

    def _stream_item_type(self) -> Any:
        if not self.is_stream:
            return None
        annotation = tu.typed_signature(self.endpoint).return_annotation
        args = getattr(annotation, "__args__", ())
        if annotation is inspect.Signature.empty or not args:
            return None
        sse = sys.modules.get("zephyr.sse")
        if sse is not None and tu.lenient_issubclass(args[0], sse.ServerSentEvent):
            return None  # the event is the transport, not the payload: FastAPI documents no item model for it
        return args[0]

    # -- compiling ------------------------------------------------------------------------------------------

    def _runner(self) -> HTTPRunner:
        overrides = self._overrides()
        return make_runner(
            self.plan(),
            refresh=self.plan if self.dependency_overrides_provider is not None else None,
            watch=overrides if isinstance(overrides, OverridesDict) else _Unversioned(),
            call=self.endpoint,
            status_code=self.status_code,
            response_class=self.response_class,
            response_field=self.response_field,
            response_model_include=self.response_model_include,
            response_model_exclude=self.response_model_exclude,
            response_model_by_alias=self.response_model_by_alias,
            response_model_exclude_unset=self.response_model_exclude_unset,
            response_model_exclude_defaults=self.response_model_exclude_defaults,
            response_model_exclude_none=self.response_model_exclude_none,
            strict_content_type=self.strict_content_type,
            form_limits=self.form_limits,
        )

    @property
    def body_field(self) -> Any:
        """FastAPI's ``route.body_field``: the body's field (``None`` when the route reads no body).

        Zephyr reads the body from the dependant's fields; the value is for code that inspects routes.
        """
        if self._body_field is _UNSET:
            from zephyr.dependencies.utils import _get_body_field

            self._body_field = _get_body_field(flat_dependant=self.dependant, name=self.unique_id)
        return self._body_field

    @body_field.setter
    def body_field(self, value: Any) -> None:
        self._body_field = value

    @property
    def _embed_body_fields(self) -> bool:
        """FastAPI's flag: the body is an object keyed by parameter name (several body parameters, ``embed=True``)."""
        if self._embed_body is None:
            from zephyr.dependencies.utils import _get_flat_body_params, _should_embed_body_fields

            return _should_embed_body_fields(_get_flat_body_params(self.dependant))
        return self._embed_body

    @_embed_body_fields.setter
    def _embed_body_fields(self, value: bool) -> None:
        self._embed_body = value

    def get_route_handler(self) -> Callable[[Request], Awaitable[Response]]:
        """A ``request -> response`` handler for the route; override it in a subclass to wrap every request.

        It calls ``zephyr.routing.get_request_handler`` as FastAPI does, so replacing that function wraps the
        handler of every route built afterwards.
        """
        context = route_context_var.get()
        if context is not None and context.original_route is self:
            return APIRoute.get_route_handler(context)  # building the handler of one of its included copies
        handler: Callable[[Request], Awaitable[Response]] = REQUEST_HANDLER.factory(
            dependant=self.full_dependant(),
            body_field=None,
            status_code=self.status_code,
            response_class=self.response_class,
            response_field=self.response_field,
            response_model_include=self.response_model_include,
            response_model_exclude=self.response_model_exclude,
            response_model_by_alias=self.response_model_by_alias,
            response_model_exclude_unset=self.response_model_exclude_unset,
            response_model_exclude_defaults=self.response_model_exclude_defaults,
            response_model_exclude_none=self.response_model_exclude_none,
            dependency_overrides_provider=self.dependency_overrides_provider,
            strict_content_type=self.strict_content_type,
        )
        return handler

    def prepare(self, cache: ModelCache | None = None) -> None:
        """Compile the plan and build the ASGI app now (at start-up) rather than on the first request."""
        self.plan(cache)
        _ = self.app

    @property
    def app(self) -> ASGIApp:
        """The route's ASGI application, built at start-up or on first use."""
        app = self._asgi
        if app is None:
            app = self._asgi = self._build_app()
            if type(app) is HTTPRunner and type(self).handle is APIRoute.handle and "handle" not in vars(self):
                self._direct_runner = app  # nothing around the compiled route: the router may call it past handle
        return app

    @app.setter
    def app(self, value: ASGIApp) -> None:
        # Libraries that change a route after registration rebuild its app, as on FastAPI (fastapi-pagination).
        self._asgi = value
        self._direct_runner = None

    def _build_app(self) -> ASGIApp:
        # Nothing replaced FastAPI's handler hooks: run the compiled route directly (no per-request cost).
        direct = not REQUEST_HANDLER.replaced and not REQUEST_HANDLER.hooked
        if direct and type(self).get_route_handler is APIRoute.get_route_handler:
            app: ASGIApp = self._runner()
        else:
            app = request_response(self._route_handler())
        for factory in _hooks.route_middleware(self.endpoint, self.dependencies):
            app = factory(app)
        if self.max_body_size is not None:
            app = BodyLimit(app, self.max_body_size)
        return app

    def _route_handler(self) -> Callable[[Request], Awaitable[Response]]:
        """``get_route_handler()``; for a route an inclusion made, its original's, building this route's handler.

        As in FastAPI, an ``APIRoute`` subclass's ``get_route_handler`` runs on the route as registered, with the
        included route it builds for in the effective route context (read by ``APIRoute.get_route_handler``).
        """
        origin = self._origin
        if not isinstance(origin, APIRoute):
            return self.get_route_handler()
        token = route_context_var.set(self)
        try:
            return origin.get_route_handler()
        finally:
            route_context_var.reset(token)

    def accepts(self, scope: Scope) -> Match:
        if scope["type"] != "http":
            return NONE
        method = scope["method"]
        if method in self.methods or (method == "HEAD" and "GET" in self.methods and not self.head_declared_later):
            return FULL
        return PARTIAL

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.accepts(scope) is not FULL:
            headers = {"Allow": ", ".join(self.methods)}
            if "app" in scope:
                raise HTTPException(status_code=405, headers=headers)
            # Served outside an application (a router or route called directly): answer as Starlette does.
            await PlainTextResponse("Method Not Allowed", status_code=405, headers=headers)(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(path={self.path!r}, name={self.name!r}, methods={sorted(self.methods)!r})"


class APIWebSocketRoute(_PlannedRoute):
    """A WebSocket endpoint whose parameters are injected as for HTTP routes."""

    url_protocol = "websocket"

    def __init__(
        self,
        path: str,
        endpoint: Callable[..., Any],
        *,
        name: str | None = None,
        dependencies: Sequence[params.Depends] | None = None,
        dependency_overrides_provider: Any = None,
    ) -> None:
        self.path = path
        self.endpoint = endpoint
        self.compiled = compile_path(path)
        self.name = name_of(endpoint) if name is None else name
        self.dependencies = list(dependencies or [])
        self.dependency_overrides_provider = dependency_overrides_provider
        self.dependant = with_route_dependencies(
            build_dependant(endpoint, path=path), self.dependencies, path=path, overrides=None
        )
        self._plan_name = "websocket_" + re.sub(r"\W", "_", self.path)
        self._init_plan()
        self.include_in_schema = False

    def _derive(self) -> None:
        self._plan_name = "websocket_" + re.sub(r"\W", "_", self.path)
        super()._derive()

    def prepare(self, cache: ModelCache | None = None) -> None:
        """Compile the plan now (at start-up) rather than on the first connection."""
        self.plan(cache)

    def accepts(self, scope: Scope) -> Match:
        return FULL if scope["type"] == "websocket" else NONE

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        if REQUEST_HANDLER.solve is not None:  # a library replaced ``solve_dependencies``: sessions run through it
            from zephyr._routing.handler import get_websocket_app
            from zephyr.websockets import WebSocket

            session = get_websocket_app(self.full_dependant(), self.dependency_overrides_provider)
            await session(WebSocket(scope, receive, send))
            return
        from zephyr._compile.websocket import run_websocket

        await run_websocket(self.plan(), scope, receive, send)


def check_served_route(route: APIRoute | APIWebSocketRoute) -> None:
    """The checks of a route the application serves (see ``zephyr._compile.checks``).

    Not under the ``fastapi`` import switch: an app written for FastAPI runs as it does there, where such routes
    are accepted silently (and test suites often turn every warning into an error). Zephyr's own apps get them.
    """
    if switch_installed():
        return
    kind = "WebSocket route" if isinstance(route, APIWebSocketRoute) else "route"
    where = f"the {kind} {route.path} ({getattr(route.endpoint, '__qualname__', route.name)})"
    check_path_parameters(route.dependant, route.path, where)
    warn_unreadable_query(route.dependant, where)


def build_custom_included_handlers(routes: Sequence[BaseRoute]) -> None:
    """Build the handlers of the included routes whose original's class overrides ``get_route_handler``, if not yet.

    FastAPI builds an included route's handler when it first needs the route as the inclusion serves it: for the
    OpenAPI document or at the first request. A ``get_route_handler`` that raises then makes ``app.openapi()`` raise
    (a later call tries again). Only such overrides can tell when a handler is built: the others are built at
    start-up, as before.
    """
    for route in expand_routes(routes):
        if not isinstance(route, APIRoute):
            continue
        origin = route._origin
        if isinstance(origin, APIRoute) and type(origin).get_route_handler is not APIRoute.get_route_handler:
            _ = route.app
