"""Host-based routing: ``app.host("{subdomain}.example.com", sub_app)`` serves ``sub_app`` for matching hosts."""

from __future__ import annotations

from typing import Any

from zephyr._routing.base import BaseRoute, NoMatchFound, is_no_match
from zephyr._routing.match import FULL, NONE, Match
from zephyr._routing.paths import compile_path
from zephyr._routing.served_limits import ServedLimits
from zephyr.datastructures import URLPath
from zephyr.types import ASGIApp, Receive, Scope, Send

__all__ = ("Host",)


def _host_of(scope: Scope) -> str:
    for name, value in scope.get("headers", ()):
        if name == b"host":
            return str(value.decode("latin-1")).split(":")[0]
    server = scope.get("server")
    return str(server[0]) if server else ""


class Host(ServedLimits, BaseRoute):
    """A route matching the request's ``Host`` header (without the port) instead of its path.

    ``max_body_size`` and ``form_limits`` (see ``ServedLimits``) are those the app is served under, as for a mount:
    a router's own, then an including router's.

    Args:
        host: The host pattern; ``{name}`` parts become path parameters (``{subdomain}.example.com``).
        app: The ASGI app serving the matching hosts.
        name: A name for ``url_path_for("name:route")``.
    """

    def __init__(self, host: str, app: ASGIApp, name: str | None = None) -> None:
        self.host = host
        self.app = app
        self.name = name
        self.path = ""
        self._host_pattern = compile_path(host)
        self.compiled = compile_path("/{path:path}")
        self.include_in_schema = False
        self._own_limits(app)

    @property
    def routes(self) -> list[Any]:
        return list(getattr(self.app, "routes", []))

    def match_path(self, path: str) -> dict[str, Any] | None:
        return {}

    def accepts(self, scope: Scope) -> Match:
        if scope["type"] not in ("http", "websocket"):
            return NONE
        return FULL if self._host_pattern.match(_host_of(scope)) is not None else NONE

    def prepare(self, cache: dict[Any, Any] | None = None) -> None:
        """Compile the routes of the served router (or app) now, at the including app's start-up."""
        router = getattr(self.app, "router", self.app)
        compile_routes = getattr(router, "compile_routes", None)
        if callable(compile_routes):
            compile_routes()

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        found = self._host_pattern.match(_host_of(scope)) or {}
        child = dict(scope)
        child["path_params"] = {**scope.get("path_params", {}), **found}
        await self._serve(self.app, child, receive, send)

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        if self.name is not None and not name.startswith(self.name + ":"):
            raise NoMatchFound(name, path_params)
        child_name = name if self.name is None else name[len(self.name) + 1 :]
        host_params = {k: v for k, v in path_params.items() if k in self._host_pattern.convertors}
        rest = {k: v for k, v in path_params.items() if k not in self._host_pattern.convertors}
        for route in self.routes:
            try:
                url = route.url_path_for(child_name, **rest)
            except Exception as exc:
                if is_no_match(exc):
                    continue
                raise
            host, _ = self._host_pattern.build(host_params)
            return URLPath(path=str(url), protocol=url.protocol, host=host)
        raise NoMatchFound(name, path_params)
