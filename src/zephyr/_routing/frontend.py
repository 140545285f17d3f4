"""The routes behind ``frontend()``: static frontend builds served after every other route.

As in FastAPI 0.165, ``router.frontend()`` adds a :class:`FrontendRoute` to the router's one
:class:`FrontendRouteGroup` (``router._frontend_routes``), which sits in the router's low-priority routes
(``router._low_priority_routes``): those are tried only when no other route matched, and among frontends the longest
path wins. The route table puts one :class:`FrontendMount` per frontend route (and per inclusion of its router) after
the other routes, so requests meet the same flat table as before.

The router's dependencies (an app's ``dependencies=[...]``, an inclusion's) run before a page is served, as FastAPI
0.165 runs them: their errors answer instead, headers they set on a ``Response`` parameter are added to the page's,
their background tasks run after it, and ``yield`` dependencies exit once it is sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AsyncExitStack
from typing import Any

from zephyr._routing.base import BaseRoute, NoMatchFound, RouteGroup, first_url_path
from zephyr._routing.low_priority import frontend_path_of, join_frontend_paths, specificity
from zephyr._routing.match import Match
from zephyr._routing.paths import route_path
from zephyr._routing.plain import Mount
from zephyr.datastructures import URLPath
from zephyr.exceptions import FastAPIError, HTTPException
from zephyr.types import ASGIApp, Message, Receive, Scope, Send

__all__ = (
    "FrontendMount",
    "FrontendRoute",
    "FrontendRouteGroup",
    "check_frontend_options",
)

_PAGE_METHODS = frozenset({"GET", "HEAD"})
_FALLBACKS = ("auto", "index.html", "404.html", None)
#: The scope key holding the path a frontend serves (the part after its prefix), read by ``SinglePageApp``.
FRONTEND_PATH = "zephyr.frontend_path"


def check_frontend_options(path: str, fallback: object) -> None:
    """Reject a ``frontend()`` path that is empty or relative, and an unknown ``fallback``.

    Raises:
        FastAPIError: (an ``AssertionError`` too, as FastAPI raises) what is wrong and what to pass instead.
    """
    if fallback not in _FALLBACKS:
        raise FastAPIError(f"frontend() fallback must be 'auto', 'index.html', '404.html' or None; got {fallback!r}.")
    if not path:
        raise FastAPIError("A frontend path cannot be empty; pass '/' to serve the build at the root.")
    if not path.startswith("/"):
        raise FastAPIError(f"A frontend path must start with '/'; got {path!r}, pass {'/' + path!r}.")


def _frontend_dependency_endpoint() -> None:
    """The call the frontend's dependencies hang from (its own return value is never used)."""


class FrontendMount(BaseRoute):
    """A catch-all mount that always sorts after every other route (``app.frontend`` / ``router.frontend``).

    Args:
        path: The URL prefix the build is served under.
        app: The ASGI app serving it (a :class:`~zephyr.staticfiles.SinglePageApp`).
        name: A name for ``url_path_for``.
        dependencies: The router's dependencies, run before a page is served.
        dependency_overrides_provider: Where ``dependency_overrides`` are read (the app).
    """

    def __init__(
        self,
        path: str,
        app: ASGIApp,
        name: str | None,
        *,
        dependencies: Sequence[Any] = (),
        dependency_overrides_provider: Any = None,
    ) -> None:
        self._mount = Mount(path.rstrip("/"), app, name=name)
        self.compiled = self._mount.compiled
        self.path = self._mount.path
        self.name = name
        self.include_in_schema = False
        self.is_fallback = True
        self.dependencies = list(dependencies)
        self.dependency_overrides_provider = dependency_overrides_provider
        self._dependant: Any = None

    @property
    def app(self) -> ASGIApp:
        """The ASGI app serving the build."""
        return self._mount.app

    def match_path(self, path: str) -> dict[str, Any] | None:
        # The prefix itself too (``/app`` for a frontend at ``/app``), as FastAPI's frontends match it: its directory
        # index redirects to ``/app/``. The route table offers the path to this route already (same leading segments).
        if path == self.path:
            return {"path": ""}
        return self.compiled.match(path)

    def accepts(self, scope: Scope) -> Match:
        return self._mount.accepts(scope)

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        return self._mount.url_path_for(name, **path_params)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        # The path under the frontend's prefix, as routing matched it: the build serves it even when the request's
        # path does not carry its root path (a proxy that strips it), as FastAPI's frontends do.
        await self.serve(scope, receive, send, str(scope.get("path_params", {}).get("path", "")))

    async def serve(self, scope: Scope, receive: Receive, send: Send, served: str) -> None:
        """Serve ``served`` (the path under the frontend's prefix) from the build, after the dependencies."""
        scope = {**scope, FRONTEND_PATH: "/" + served}
        if not self.dependencies or scope["type"] != "http" or scope["method"] not in _PAGE_METHODS:
            await self._mount.handle(scope, receive, send)
            return
        await self._handle_with_dependencies(scope, receive, send)

    async def _handle_with_dependencies(self, scope: Scope, receive: Receive, send: Send) -> None:
        from zephyr.dependencies.utils import get_dependant, get_parameterless_sub_dependant, solve_dependencies
        from zephyr.exceptions import RequestValidationError
        from zephyr.requests import Request

        if self._dependant is None:
            dependant = get_dependant(path="", call=_frontend_dependency_endpoint)
            for depends in self.dependencies:
                dependant.dependencies.append(get_parameterless_sub_dependant(depends=depends, path=""))
            self._dependant = dependant
        async with AsyncExitStack() as stack:
            solved = await solve_dependencies(
                request=Request(scope, receive, send),
                dependant=self._dependant,
                dependency_overrides_provider=self.dependency_overrides_provider,
                async_exit_stack=stack,
            )
            if solved.errors:
                raise RequestValidationError(solved.errors)
            extra_headers = list(solved.response.raw_headers)

            async def send_with_headers(message: Message) -> None:
                if message["type"] == "http.response.start" and extra_headers:
                    message = {**message, "headers": [*message.get("headers", ()), *extra_headers]}
                await send(message)

            await self._mount.handle(scope, receive, send_with_headers)
            if solved.background_tasks is not None:
                await solved.background_tasks()


# -- FastAPI's frontend routes: what ``router.frontend()`` records, and what the route table serves of it ------------

#: Where :meth:`FrontendRoute.matches` puts the path it serves and its specificity, as FastAPI 0.165 does.
_FASTAPI_SCOPE = "fastapi"
_SERVED_PATH = "frontend_path"
_SPECIFICITY = "frontend_specificity"


class FrontendRoute(BaseRoute):
    """One ``frontend()`` call: the build's app (``.app``, a :class:`~zephyr.staticfiles.SinglePageApp`) at ``path``.

    It answers ``matches`` and ``url_path_for`` as FastAPI's frontend route does (code walking
    ``router._frontend_routes`` calls them); requests are served by the route table's :class:`FrontendMount`.

    Args:
        path: The URL prefix, with the router's prefix (normalized: no trailing ``/`` but for the root).
        app: The ASGI app serving the build.
        name: A name for ``url_path_for`` (Zephyr's; FastAPI's frontends have none).
    """

    def __init__(self, path: str, app: Any, name: str | None = None) -> None:
        self.path = path if path == "/" else path.rstrip("/")
        self.methods = set(_PAGE_METHODS)
        self.app = app
        self.name = name
        self.include_in_schema = False

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        """Whether this frontend serves ``scope`` (``PARTIAL`` for another method), and the path it would serve."""
        return self.matches_with_path(scope, self.path)

    def matches_with_path(self, scope: Scope, path: str) -> tuple[Match, Scope]:
        """:meth:`matches` for this frontend placed at ``path`` (its path under an inclusion's prefix)."""
        if scope["type"] != "http":
            return Match.NONE, {}
        served = frontend_path_of(path, route_path(scope))
        if served is None:
            return Match.NONE, {}
        child = {_FASTAPI_SCOPE: {_SERVED_PATH: served, _SPECIFICITY: specificity(path)}}
        return (Match.FULL if scope["method"] in self.methods else Match.PARTIAL), child

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve ``scope`` from the build, without the router's dependencies (the group runs those)."""
        fit, child = self.matches(scope)
        if fit is Match.NONE:
            raise HTTPException(status_code=404)
        served = child[_FASTAPI_SCOPE][_SERVED_PATH]
        await FrontendMount(self.path, self.app, self.name).serve(scope, receive, send, served)

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        if self.name is None or name != self.name or set(path_params) != {"path"}:
            raise NoMatchFound(name, path_params)
        return URLPath(path=join_frontend_paths(self.path.rstrip("/"), "/" + str(path_params["path"]).lstrip("/")))


class FrontendRouteGroup(RouteGroup):
    """A router's frontends (``router._frontend_routes``, FastAPI's name), with the dependencies they run.

    It is one of the router's low-priority routes. An inclusion of the router serves a copy with the inclusion's
    prefix, dependencies and body limit (:meth:`for_inclusion`); the route table serves :meth:`effective_routes`.

    Args:
        dependencies: The router's dependencies, run before a page is served.
        dependency_overrides_provider: Where ``dependency_overrides`` are read (the app).
        prefix: The inclusion's prefix (for a copy an inclusion made).
        max_body_size: The inclusion's body limit.
    """

    def __init__(
        self,
        *,
        dependencies: Sequence[Any] | None = None,
        dependency_overrides_provider: Any = None,
        prefix: str = "",
        max_body_size: int | None = None,
        routes: list[FrontendRoute] | None = None,
    ) -> None:
        self.routes: list[FrontendRoute] = routes if routes is not None else []
        self.dependencies = list(dependencies or [])
        self.dependency_overrides_provider = dependency_overrides_provider
        self.prefix = prefix
        self.max_body_size = max_body_size
        self.path = prefix
        self.name = None
        self.include_in_schema = False
        self._served: tuple[tuple[int, ...], list[FrontendMount]] | None = None

    def add_frontend_route(self, path: str, *, app: Any, name: str | None = None) -> None:
        """Add the frontend ``app`` at ``path`` (its full path under the router's own prefix)."""
        self.routes.append(FrontendRoute(path, app, name))

    def for_inclusion(
        self, *, prefix: str, dependencies: Sequence[Any], dependency_overrides_provider: Any, max_body_size: int | None
    ) -> FrontendRouteGroup:
        """What an inclusion serves: these frontends (the same list, so later ones too) under its prefix."""
        return FrontendRouteGroup(
            dependencies=[*dependencies, *self.dependencies],
            dependency_overrides_provider=dependency_overrides_provider,
            prefix=prefix + self.prefix,
            max_body_size=max_body_size,
            routes=self.routes,
        )

    def effective_routes(self, refresh: bool = False) -> list[BaseRoute]:
        """One :class:`FrontendMount` per frontend, at its full path (made again when frontends were added)."""
        return list(self._mounts())

    def _mounts(self) -> list[FrontendMount]:
        key = tuple(id(route) for route in self.routes)
        if self._served is None or self._served[0] != key:
            mounts = []
            for route in self.routes:
                mount = FrontendMount(
                    join_frontend_paths(self.prefix, route.path),
                    route.app,
                    route.name,
                    dependencies=self.dependencies,
                    dependency_overrides_provider=self.dependency_overrides_provider,
                )
                mount._mount.max_body_size = self.max_body_size
                mounts.append(mount)
            self._served = (key, mounts)
        return self._served[1]

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        """The best fit among the frontends (the longest path; ``PARTIAL`` for another method)."""
        fit, child, _ = self._best(scope, self.prefix)
        return fit, child

    def matches_with_prefix(self, scope: Scope, prefix: str) -> tuple[Match, Scope]:
        """:meth:`matches` with the frontends under ``prefix`` (an inclusion's)."""
        fit, child, _ = self._best(scope, prefix)
        return fit, child

    def _best(self, scope: Scope, prefix: str) -> tuple[Match, Scope, int | None]:
        best: tuple[Match, Scope, int, int] | None = None
        for index, route in enumerate(self.routes):
            path = join_frontend_paths(prefix, route.path)
            fit, child = route.matches_with_path(scope, path)
            if fit is Match.NONE:
                continue
            rank = (int(fit), specificity(path))
            if best is None or rank > (int(best[0]), best[2]):
                best = (fit, child, rank[1], index)
        if best is None:
            return Match.NONE, {}, None
        return best[0], best[1], best[3]

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve ``scope`` with the frontend that fits it best, after the dependencies.

        Raises:
            HTTPException: 404 when no frontend serves the path.
        """
        _, child, index = self._best(scope, self.prefix)
        if index is None:
            raise HTTPException(status_code=404)
        await self._mounts()[index].handle(
            {**scope, "path_params": {"path": child[_FASTAPI_SCOPE][_SERVED_PATH]}}, receive, send
        )

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        found = first_url_path(self.effective_routes(), name, path_params)
        if found is None:
            raise NoMatchFound(name, path_params)
        return found
