"""The route classes: ``APIRoute``, ``APIWebSocketRoute``, ``Route``, ``WebSocketRoute`` and ``Mount``.

A route analyses its endpoint when it is created (so configuration errors surface at registration) and compiles its
request plan on first use (so decorators placed above the route decorator, such as ``@limit``, still count).
"""

from __future__ import annotations

import inspect
import itertools
import re
import sys
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AsyncExitStack
from enum import Enum
from typing import Any

from pydantic import TypeAdapter

from zephyr import _hooks, params
from zephyr._compile import typing_utils as tu
from zephyr._compile.dependant import Dependant, build_dependant, with_route_dependencies
from zephyr._compile.execute import HTTPRunner, body_allowed
from zephyr._compile.plan import Plan, build_plan
from zephyr._compile.serialize import ResponseModel
from zephyr._routing.paths import CompiledPath, compile_path, route_path
from zephyr.datastructures import Default, DefaultPlaceholder, URLPath
from zephyr.exceptions import FastAPIError, HTTPException, ZephyrError
from zephyr.requests import Request
from zephyr.responses import JSONResponse, Response
from zephyr.types import ASGIApp, Receive, Scope, Send

__all__ = (
    "APIRoute",
    "APIWebSocketRoute",
    "BaseRoute",
    "Mount",
    "NoMatchFound",
    "Route",
    "WebSocketRoute",
    "generate_unique_id",
    "request_response",
)

_overrides_versions = itertools.count(1)


class NoMatchFound(ZephyrError, LookupError):  # noqa: N818 - Starlette's name, which users catch
    """``url_path_for`` found no route with that name and those parameters."""

    def __init__(self, name: str, path_params: dict[str, Any], known: Sequence[str] = ()) -> None:
        params_text = ", ".join(sorted(path_params))
        message = f'No route exists for name "{name}" and params "{params_text}".'
        import difflib

        close = difflib.get_close_matches(name, list(known), n=1)
        if close:
            message += f" Did you mean {close[0]!r}?"
        super().__init__(message)


class OverridesDict(dict[Any, Any]):
    """``app.dependency_overrides``: a dict that counts its changes, so routes recompile only when it changes."""

    __slots__ = ("version",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.version = next(_overrides_versions)

    def _bump(self) -> None:
        self.version = next(_overrides_versions)

    def __setitem__(self, key: Any, value: Any) -> None:
        super().__setitem__(key, value)
        self._bump()

    def __delitem__(self, key: Any) -> None:
        super().__delitem__(key)
        self._bump()

    def clear(self) -> None:
        super().clear()
        self._bump()

    def update(self, *args: Any, **kwargs: Any) -> None:
        super().update(*args, **kwargs)
        self._bump()

    def pop(self, key: Any, *default: Any) -> Any:
        value = super().pop(key, *default)
        self._bump()
        return value

    def popitem(self) -> tuple[Any, Any]:
        item = super().popitem()
        self._bump()
        return item

    def setdefault(self, key: Any, default: Any = None) -> Any:
        value = super().setdefault(key, default)
        self._bump()
        return value


def generate_unique_id(route: APIRoute) -> str:
    """FastAPI's default ``operationId``: the route name and path, made an identifier, plus the method."""
    operation_id = re.sub(r"\W", "_", f"{route.name}{route.path_format}")
    return f"{operation_id}_{next(iter(route.methods)).lower()}"


def _value(first: Any, *others: Any) -> Any:
    """The first value that is not a ``Default(...)`` placeholder, else the first placeholder."""
    for item in (first, *others):
        if not isinstance(item, DefaultPlaceholder):
            return item
    return first


def _unwrap(value: Any) -> Any:
    return value.value if isinstance(value, DefaultPlaceholder) else value


def _name_of(endpoint: Any) -> str:
    return str(getattr(endpoint, "__name__", type(endpoint).__name__))


class BaseRoute:
    """Common base of every route type."""

    path: str
    name: str | None = None
    compiled: CompiledPath
    include_in_schema: bool = True

    def match_path(self, path: str) -> dict[str, Any] | None:
        return self.compiled.match(path)

    @property
    def static_path(self) -> str | None:
        return self.compiled.path if self.compiled.is_static else None

    @property
    def first_segment(self) -> str | None:
        segment = self.compiled.path[1:].split("/", 1)[0]
        return None if "{" in segment else segment

    @property
    def path_format(self) -> str:
        return self.compiled.format

    @property
    def path_regex(self) -> re.Pattern[str]:
        return self.compiled.regex

    @property
    def param_convertors(self) -> dict[str, Any]:
        return dict(self.compiled.convertors)

    def accepts(self, scope: Scope) -> int:
        """2: full match, 1: path matches but not the method, 0: wrong scope type."""
        raise NotImplementedError

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        raise NotImplementedError

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        if name != self.name or set(path_params) != set(self.compiled.convertors):
            raise NoMatchFound(name, path_params)
        path, _ = self.compiled.build(path_params)
        return URLPath(path=path, protocol="websocket" if isinstance(self, APIWebSocketRoute) else "http")


class APIRoute(BaseRoute):
    """One HTTP path operation: an endpoint function with its path, methods and response settings."""

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
    ) -> None:
        self.path = path
        self.endpoint = endpoint
        self.compiled = compile_path(path)
        self.name = _name_of(endpoint) if name is None else name
        self.methods: set[str] = _OrderedMethods(m.upper() for m in (methods or ["GET"]))
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
        self.dependant = with_route_dependencies(
            build_dependant(endpoint, path=path, signature=signature), self.dependencies, path=path, overrides=None
        )
        self._plan: Plan | None = None
        self._plan_version: Any = None
        self._asgi: ASGIApp | None = None

    # -- registration-time analysis ---------------------------------------------------------------------------

    def _resolve_response_model(self, response_model: Any, signature: inspect.Signature | None = None) -> Any:
        if isinstance(response_model, DefaultPlaceholder):
            if signature is None:
                signature = tu.typed_signature(self.endpoint)
            annotation = signature.return_annotation
            if annotation is inspect.Signature.empty or annotation is None or self.is_stream:
                return None
            if tu.lenient_issubclass(annotation, Response):
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
        try:
            return TypeAdapter(model)
        except Exception as exc:
            raise FastAPIError(
                f"Invalid args for response field! Hint: check that {model} is a valid Pydantic field type. "
                "If you are using a return type annotation that is not a valid Pydantic field (e.g. "
                "Union[Response, dict, None]) you can disable generating the response model from the type "
                "annotation with the path operation decorator parameter response_model=None. Read more: "
                "https://fastapi.tiangolo.com/tutorial/response-model/"
            ) from exc

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

    # -- compile on first use ------------------------------------------------------------------------------------

    def _overrides(self) -> Any:
        provider = self.dependency_overrides_provider
        return getattr(provider, "dependency_overrides", None) if provider is not None else None

    def full_dependant(self, overrides: dict[Any, Any] | None = None) -> Dependant:
        """The endpoint's dependant with route, hook and override dependencies applied."""
        dependant = build_dependant(self.endpoint, path=self.path, overrides=overrides)
        extra = [*self.dependencies, *_hooks.route_dependencies(self.endpoint)]
        return with_route_dependencies(dependant, extra, path=self.path, overrides=overrides)

    def plan(self) -> Plan:
        """The compiled request plan (recompiled when ``dependency_overrides`` changed)."""
        overrides = self._overrides()
        version = getattr(overrides, "version", None) if overrides else None
        if overrides and version is None:
            version = tuple(overrides.items())
        if self._plan is None or version != self._plan_version:
            self._plan = build_plan(self.full_dependant(overrides or None), re.sub(r"\W", "_", self.unique_id))
            self._plan_version = version
        return self._plan

    def _runner(self) -> HTTPRunner:
        response_class = _unwrap(self.response_class)
        stream = None
        if self.is_stream:
            from zephyr.sse import EventSourceResponse

            if tu.lenient_issubclass(response_class, EventSourceResponse):
                stream = "sse"
            elif isinstance(self.response_class, DefaultPlaceholder):
                stream = "jsonl"
            else:
                stream = "raw"
        adapter = self.response_field
        model = None
        if adapter is not None:
            model = ResponseModel(
                adapter,
                include=self.response_model_include,
                exclude=self.response_model_exclude,
                by_alias=self.response_model_by_alias,
                exclude_unset=self.response_model_exclude_unset,
                exclude_defaults=self.response_model_exclude_defaults,
                exclude_none=self.response_model_exclude_none,
            )
        return HTTPRunner(
            self.plan,
            status_code=self.status_code,
            response_class=response_class,
            response_class_is_default=isinstance(self.response_class, DefaultPlaceholder),
            response_model=model,
            strict_content_type=bool(_unwrap(self.strict_content_type)),
            stream=stream,
        )

    def get_route_handler(self) -> Callable[[Request], Awaitable[Response]]:
        """A ``request -> response`` handler for the route; override it in a subclass to wrap every request."""
        runner = self._runner()

        async def handler(request: Request) -> Response:
            stack = request.scope.get("zephyr.exit_stack")
            return await runner.build(request, stack)

        return handler

    @property
    def app(self) -> ASGIApp:
        """The route's ASGI application, built on first use."""
        if self._asgi is None:
            if type(self).get_route_handler is APIRoute.get_route_handler:
                app: ASGIApp = self._runner()
            else:
                app = request_response(self.get_route_handler())
            for factory in _hooks.route_middleware(self.endpoint):
                app = factory(app)
            self._asgi = app
        return self._asgi

    def accepts(self, scope: Scope) -> int:
        if scope["type"] != "http":
            return 0
        method = scope["method"]
        if method in self.methods or (method == "HEAD" and "GET" in self.methods):
            return 2
        return 1

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.accepts(scope) != 2:
            raise HTTPException(status_code=405, headers={"Allow": ", ".join(self.methods)})
        await self.app(scope, receive, send)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(path={self.path!r}, name={self.name!r}, methods={sorted(self.methods)!r})"


class _OrderedMethods(set[str]):
    """A set of methods that iterates in declaration order (for a stable ``Allow`` header and operation ids)."""

    def __init__(self, methods: Any) -> None:
        self._order = list(dict.fromkeys(methods))
        super().__init__(self._order)

    def __iter__(self) -> Any:
        return iter([m for m in self._order if m in self] + [m for m in set.__iter__(self) if m not in self._order])


def request_response(func: Callable[[Request], Awaitable[Response]]) -> ASGIApp:
    """Turn a ``request -> response`` function into an ASGI app (exit stack kept open until the response is sent)."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        async with AsyncExitStack() as stack:
            scope["zephyr.exit_stack"] = stack
            request = Request(scope, receive, send)
            response = await func(request)
            await response(scope, receive, send)

    return app


class Route(BaseRoute):
    """A plain route whose endpoint takes a ``Request`` and returns a ``Response`` (Starlette style)."""

    def __init__(
        self,
        path: str,
        endpoint: Callable[..., Any],
        *,
        methods: Sequence[str] | None = None,
        name: str | None = None,
        include_in_schema: bool = True,
    ) -> None:
        self.path = path
        self.endpoint = endpoint
        self.compiled = compile_path(path)
        self.name = _name_of(endpoint) if name is None else name
        self.include_in_schema = include_in_schema
        is_function = inspect.isfunction(endpoint) or inspect.ismethod(endpoint)
        if is_function:
            self.methods: set[str] | None = _OrderedMethods(m.upper() for m in (methods or ["GET"]))
            if "GET" in self.methods:
                self.methods.add("HEAD")
            self.app: ASGIApp = request_response(_as_async(endpoint))
        else:
            self.methods = _OrderedMethods(m.upper() for m in methods) if methods else None
            self.app = endpoint

    def accepts(self, scope: Scope) -> int:
        if scope["type"] != "http":
            return 0
        if self.methods is None or scope["method"] in self.methods:
            return 2
        return 1

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.accepts(scope) != 2:
            raise HTTPException(status_code=405, headers={"Allow": ", ".join(self.methods or ())})
        await self.app(scope, receive, send)


def _as_async(endpoint: Callable[..., Any]) -> Callable[[Request], Awaitable[Response]]:
    if tu.is_coroutine_callable(endpoint):
        return endpoint

    async def call(request: Request) -> Response:
        from zephyr.concurrency import run_in_threadpool

        result: Response = await run_in_threadpool(endpoint, request)
        return result

    return call


class APIWebSocketRoute(BaseRoute):
    """A WebSocket endpoint whose parameters are injected as for HTTP routes."""

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
        self.name = _name_of(endpoint) if name is None else name
        self.dependencies = list(dependencies or [])
        self.dependency_overrides_provider = dependency_overrides_provider
        self.dependant = build_dependant(endpoint, path=path)
        self._plan: Plan | None = None
        self._plan_version: Any = None
        self.include_in_schema = False

    def _overrides(self) -> Any:
        provider = self.dependency_overrides_provider
        return getattr(provider, "dependency_overrides", None) if provider is not None else None

    def plan(self) -> Plan:
        """The compiled plan (recompiled when ``dependency_overrides`` changed)."""
        overrides = self._overrides()
        version = getattr(overrides, "version", None) if overrides else None
        if self._plan is None or version != self._plan_version:
            dependant = build_dependant(self.endpoint, path=self.path, overrides=overrides or None)
            dependant = with_route_dependencies(
                dependant, self.dependencies, path=self.path, overrides=overrides or None
            )
            self._plan = build_plan(dependant, "websocket_" + re.sub(r"\W", "_", self.path))
            self._plan_version = version
        return self._plan

    def accepts(self, scope: Scope) -> int:
        return 2 if scope["type"] == "websocket" else 0

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        from zephyr._compile.websocket import run_websocket

        await run_websocket(self.plan(), scope, receive, send)


class WebSocketRoute(BaseRoute):
    """A plain WebSocket route whose endpoint takes the ``WebSocket`` (Starlette style)."""

    def __init__(self, path: str, endpoint: Callable[..., Any], *, name: str | None = None) -> None:
        self.path = path
        self.endpoint = endpoint
        self.compiled = compile_path(path)
        self.name = _name_of(endpoint) if name is None else name
        self.include_in_schema = False

    def accepts(self, scope: Scope) -> int:
        return 2 if scope["type"] == "websocket" else 0

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        if inspect.isfunction(self.endpoint) or inspect.ismethod(self.endpoint):
            from zephyr.websockets import WebSocket

            await self.endpoint(WebSocket(scope, receive, send))
        else:
            await self.endpoint(scope, receive, send)


class Mount(BaseRoute):
    """Serve another ASGI app under a path prefix (``app.mount("/static", StaticFiles(...))``)."""

    def __init__(self, path: str, app: ASGIApp | None = None, *, name: str | None = None, routes: Any = None) -> None:
        if path != "" and not path.startswith("/"):
            raise FastAPIError(f"Routed paths must start with '/'; got {path!r}.")
        if app is None and routes is not None:
            from zephyr._routing.router import APIRouter

            app = APIRouter(routes=routes)
        if app is None:
            raise FastAPIError("Mount needs an ASGI app (or routes=[...]).")
        self.path = path.rstrip("/")
        self.app = app
        self.name = name
        self.compiled = compile_path(self.path + "/{path:path}")
        self._prefix = compile_path(self.path)
        self.include_in_schema = False

    @property
    def routes(self) -> list[BaseRoute]:
        return list(getattr(self.app, "routes", []))

    @property
    def first_segment(self) -> str | None:
        segment = self.path[1:].split("/", 1)[0]
        return None if not segment or "{" in segment else segment

    def accepts(self, scope: Scope) -> int:
        return 2 if scope["type"] in ("http", "websocket") else 0

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        params = dict(scope.get("path_params", {}))
        remaining = "/" + str(params.pop("path", ""))
        matched = route_path(scope)
        prefix = matched[: -len(remaining)]
        child = dict(scope)
        child["path_params"] = params
        child["app_root_path"] = scope.get("app_root_path", scope.get("root_path", ""))
        child["root_path"] = scope.get("root_path", "") + prefix
        await self.app(child, receive, send)

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        if self.name is not None and name == self.name and "path" in path_params:
            path, _ = self.compiled.build({**path_params, "path": path_params["path"].lstrip("/")})
            return URLPath(path=path)
        if self.name is None or name.startswith(self.name + ":"):
            child_name = name if self.name is None else name[len(self.name) + 1 :]
            prefix_params = {k: v for k, v in path_params.items() if k in self._prefix.convertors}
            rest = {k: v for k, v in path_params.items() if k not in self._prefix.convertors}
            for route in self.routes:
                try:
                    url = route.url_path_for(child_name, **rest)
                except NoMatchFound:
                    continue
                prefix, _ = self._prefix.build(prefix_params)
                return URLPath(path=prefix.rstrip("/") + str(url), protocol=url.protocol)  # type: ignore[arg-type]
        raise NoMatchFound(name, path_params)
