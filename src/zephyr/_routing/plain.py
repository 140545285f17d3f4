"""Starlette-style routes: ``Route`` and ``WebSocketRoute`` (the endpoint takes the connection) and ``Mount``."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AsyncExitStack
from typing import Any

from zephyr._compile import typing_utils as tu
from zephyr._routing.base import BaseRoute, NoMatchFound, OrderedMethods, is_no_match, name_of
from zephyr._routing.dispatch import Router
from zephyr._routing.match import FULL, NONE, PARTIAL, Match
from zephyr._routing.paths import compile_path, route_path
from zephyr._routing.served_limits import ServedLimits
from zephyr.datastructures import URLPath
from zephyr.exceptions import FastAPIError, HTTPException
from zephyr.requests import Request
from zephyr.responses import Response
from zephyr.types import ASGIApp, Receive, Scope, Send

__all__ = ("Mount", "Route", "WebSocketRoute", "request_response")


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
        self.name = name_of(endpoint) if name is None else name
        self.include_in_schema = include_in_schema
        is_function = inspect.isfunction(endpoint) or inspect.ismethod(endpoint)
        if is_function:
            self.methods: set[str] | None = OrderedMethods(m.upper() for m in (methods or ["GET"]))
            if "GET" in self.methods:
                self.methods.add("HEAD")
            self.app: ASGIApp = request_response(_as_async(endpoint))
        else:
            self.methods = OrderedMethods(m.upper() for m in methods) if methods else None
            self.app = endpoint

    def accepts(self, scope: Scope) -> Match:
        if scope["type"] != "http":
            return NONE
        if self.methods is None or scope["method"] in self.methods:
            return FULL
        return PARTIAL

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.accepts(scope) is not FULL:
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


class WebSocketRoute(BaseRoute):
    """A plain WebSocket route whose endpoint takes the ``WebSocket`` (Starlette style)."""

    def __init__(self, path: str, endpoint: Callable[..., Any], *, name: str | None = None) -> None:
        self.path = path
        self.endpoint = endpoint
        self.compiled = compile_path(path)
        self.name = name_of(endpoint) if name is None else name
        self.include_in_schema = False

    def accepts(self, scope: Scope) -> Match:
        return FULL if scope["type"] == "websocket" else NONE

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        if inspect.isfunction(self.endpoint) or inspect.ismethod(self.endpoint):
            from zephyr.websockets import WebSocket

            await self.endpoint(WebSocket(scope, receive, send))
        else:
            await self.endpoint(scope, receive, send)


class Mount(ServedLimits, BaseRoute):
    """Serve another ASGI app under a path prefix (``app.mount("/static", StaticFiles(...))``).

    ``max_body_size`` and ``form_limits`` (see ``ServedLimits``) are those the mounted app is served under.
    """

    def __init__(self, path: str, app: ASGIApp | None = None, *, name: str | None = None, routes: Any = None) -> None:
        if path != "" and not path.startswith("/"):
            raise FastAPIError(f"Routed paths must start with '/'; got {path!r}.")
        if app is None and routes is not None:
            app = Router(routes=routes)
        if app is None:
            raise FastAPIError("Mount needs an ASGI app (or routes=[...]).")
        self.path = path.rstrip("/")
        self.app = app
        self.name = name
        self.compiled = compile_path(self.path + "/{path:path}")
        self._prefix = compile_path(self.path)
        self.include_in_schema = False
        # A router mounted as it is serves its routes=[...] under its own limits, as FastAPI's router does; they
        # win over an including router's.
        self._own_limits(app)

    @property
    def routes(self) -> list[BaseRoute]:
        return list(getattr(self.app, "routes", []))

    def accepts(self, scope: Scope) -> Match:
        return FULL if scope["type"] in ("http", "websocket") else NONE

    def prepare(self, cache: dict[Any, Any] | None = None) -> None:
        """Compile the routes of a mounted router (or app) now, at the including app's start-up."""
        router = getattr(self.app, "router", self.app)
        compile_routes = getattr(router, "compile_routes", None)
        if callable(compile_routes):
            compile_routes()

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        fit, child = super().matches(scope)
        if fit is Match.NONE:
            return fit, child
        params = child["path_params"]
        remaining = "/" + str(params.pop("path", ""))
        prefix = route_path(scope)[: -len(remaining)]
        child["endpoint"] = self.app
        child["app_root_path"] = scope.get("app_root_path", scope.get("root_path", ""))
        child["root_path"] = scope.get("root_path", "") + prefix
        return fit, child

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        params = dict(scope.get("path_params", {}))
        remaining = "/" + str(params.pop("path", ""))
        matched = route_path(scope)
        # A frontend (``FrontendMount``) also serves its prefix itself (``/app``): all of it is the prefix then.
        prefix = matched[: -len(remaining)] if matched.endswith(remaining) else matched
        child = dict(scope)
        child["path_params"] = params
        child["app_root_path"] = scope.get("app_root_path", scope.get("root_path", ""))
        child["root_path"] = scope.get("root_path", "") + prefix
        traced = scope.get("zephyr.telemetry")
        if traced is not None:  # native telemetry names the request by the mounted app's route too
            traced.mounted(child)
        instrumented = scope.get("zephyr.otel_asgi")
        if instrumented is not None:  # and so does the instrumentor's (zephyr._interop.otel_asgi)
            instrumented.mounted(child)
        await self._serve(self.app, child, receive, send)

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
                except Exception as exc:
                    if is_no_match(exc):
                        continue
                    raise
                prefix, _ = self._prefix.build(prefix_params)
                return URLPath(path=prefix.rstrip("/") + str(url), protocol=url.protocol)  # type: ignore[arg-type]
        raise NoMatchFound(name, path_params)
