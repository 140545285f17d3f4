"""What every route shares: ``BaseRoute`` (path matching, ``url_path_for``) and ``NoMatchFound``."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Literal

from zephyr._interop.starlette import StarletteTwin
from zephyr._routing.match import NONE, Match
from zephyr._routing.paths import CompiledPath, route_path
from zephyr.datastructures import URLPath
from zephyr.exceptions import ZephyrError
from zephyr.types import Receive, Scope, Send

__all__ = (
    "BaseRoute",
    "NoMatchFound",
    "OrderedMethods",
    "RouteGroup",
    "RouteView",
    "expand_routes",
    "first_url_path",
    "is_no_match",
    "name_of",
)


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


def is_no_match(exc: Exception) -> bool:
    """Ours or a mounted foreign app's ``NoMatchFound`` (Starlette's, for sqladmin): "no such route here"."""
    return isinstance(exc, NoMatchFound) or type(exc).__name__ == "NoMatchFound"


def name_of(endpoint: Any) -> str:
    return str(getattr(endpoint, "__name__", type(endpoint).__name__))


class BaseRoute(StarletteTwin):
    """Common base of every route type."""

    path: str
    name: str | None = None
    compiled: CompiledPath
    include_in_schema: bool = True
    url_protocol: Literal["http", "websocket"] = "http"
    """The protocol of the paths ``url_path_for`` builds."""
    _direct_runner: Any = None
    """The compiled route the router calls directly, past ``handle`` and its ASGI app (an ``APIRoute`` whose app is
    its bare runner: no handler hook, route middleware or body limit around it, ``handle`` not overridden)."""
    _origin: BaseRoute | None = None
    """For a route an inclusion made (``include_router``), the included router's route it was made from."""
    _fastapi_scope: dict[str, Any] | None = None
    """For such a route, what serving it writes in ``scope["fastapi"]`` (see ``_routing.effective``)."""

    def match_path(self, path: str) -> dict[str, Any] | None:
        return self.compiled.match(path)

    @property
    def path_format(self) -> str:
        return self.compiled.format

    @property
    def path_regex(self) -> re.Pattern[str]:
        return self.compiled.regex

    @property
    def param_convertors(self) -> dict[str, Any]:
        return dict(self.compiled.convertors)

    def accepts(self, scope: Scope) -> Match:
        """How well the route fits a request whose path it matched.

        Returns:
            ``FULL``; ``PARTIAL`` when only the method differs (a 405 candidate); ``NONE`` for another scope type.
        """
        raise NotImplementedError

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        """Starlette's question: how well does this route fit ``scope``, and what would it add to the scope?

        Returns ``(Match.FULL | Match.PARTIAL | Match.NONE, child_scope)``; the child scope holds the ``endpoint``
        and the merged ``path_params``. Instrumentations (OpenTelemetry, Prometheus) call it to name a request by
        its route template; Zephyr's own router uses its route table instead.
        """
        # Instrumentations call this for every route, per request: the common case (no root path) reads the path
        # directly, and a miss returns before anything else is looked at.
        kind = scope["type"]
        if kind != "http" and kind != "websocket":
            return NONE, {}
        found = self.match_path(scope["path"] if not scope.get("root_path") else route_path(scope))
        if found is None:
            return NONE, {}
        fit = Match(type(self).accepts(self, scope))  # the class's: an included copy may route its own through others
        if fit is Match.NONE:
            return Match.NONE, {}
        child = {"endpoint": getattr(self, "endpoint", None), "path_params": {**scope.get("path_params", {}), **found}}
        return fit, child

    def prepare(self, cache: dict[Any, Any] | None = None) -> None:
        """Do now, at start-up, what the first request would otherwise do (compile a plan, build an app)."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        raise NotImplementedError

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        if name != self.name or set(path_params) != set(self.compiled.convertors):
            raise NoMatchFound(name, path_params)
        path, _ = self.compiled.build(path_params)
        return URLPath(path=path, protocol=self.url_protocol)


class RouteGroup(BaseRoute):
    """A node of a route list that stands for other routes (an included router): flattened wherever routes are used.

    It has no path of its own; :func:`expand_routes` replaces it by :meth:`effective_routes`, the routes it serves
    with their full paths, wherever routes are matched (the route table), documented or named.
    """

    def effective_routes(self, refresh: bool = False) -> list[BaseRoute]:
        """The routes this node serves, flattened and with their full paths, in matching order (do not change it).

        Args:
            refresh: Look again at what may have changed in place since the last call (a route table rebuild does).
        """
        raise NotImplementedError


class RouteView:
    """A stand-in for one route in a route list (FastAPI's ``RouteContext``): :func:`expand_routes` reads the route."""

    @property
    def _effective_route(self) -> Any:
        raise NotImplementedError


def expand_routes(routes: Sequence[Any], refresh: bool = False) -> list[BaseRoute]:
    """``routes`` with every :class:`RouteGroup` replaced by the routes it serves (the flat list requests meet).

    A :class:`RouteView` (``iter_route_contexts``' items) stands for the route it shows.
    """
    flat: list[BaseRoute] = []
    for route in routes:
        if isinstance(route, RouteGroup):
            flat.extend(route.effective_routes(refresh))
        elif isinstance(route, RouteView):
            flat.append(route._effective_route)
        else:
            flat.append(route)
    return flat


class OrderedMethods(set[str]):
    """A set of methods that iterates in declaration order (for a stable ``Allow`` header and operation ids)."""

    def __init__(self, methods: Any) -> None:
        self._order = list(dict.fromkeys(methods))
        super().__init__(self._order)

    def __iter__(self) -> Any:
        return iter([m for m in self._order if m in self] + [m for m in set.__iter__(self) if m not in self._order])


def first_url_path(routes: Any, name: str, path_params: dict[str, Any]) -> URLPath | None:
    """The path the first of ``routes`` builds for ``name``, or ``None`` when none of them knows it.

    A route that does not know the name says so with a ``NoMatchFound`` (its own or a foreign framework's); any other
    error propagates.
    """
    for route in routes:
        try:
            found: URLPath = route.url_path_for(name, **path_params)
        except Exception as exc:
            if is_no_match(exc):
                continue
            raise
        return found
    return None
