"""Subclasses' own ``matches`` and ``handle`` asked about included routes, as FastAPI 0.165 asks them.

FastAPI serves an included route through the objects as registered: each included ``APIRouter``'s ``matches`` and
``handle``, then the ``APIRoute``'s. Zephyr serves the flat table an inclusion makes; when (and only when) a subclass
overrides one of those methods, the route the table holds is given an ``accepts`` or ``handle`` of its own, decided
when the table is built, that calls them in FastAPI's order. Every other route is served as before, at no cost.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from zephyr._routing.base import BaseRoute
from zephyr._routing.effective import EFFECTIVE_ROUTE_CONTEXT_KEY, FASTAPI_SCOPE_KEY, INCLUDED_ROUTER_KEY, served_route
from zephyr._routing.match import NONE, Match
from zephyr._routing.own_matches import merged_match as _merged
from zephyr._routing.own_matches import overrides as _overrides
from zephyr._routing.routes import APIRoute
from zephyr.types import Receive, Scope, Send

__all__ = ("CONTINUE_SCOPE_KEY", "route_through_original", "route_through_routers")

CONTINUE_SCOPE_KEY = "zephyr.included_router_continue"
"""What ``APIRouter.handle`` runs next when a subclass's ``handle`` calls it (the next router's, then the route)."""

_CHECKING_SCOPE_KEY = "zephyr.included_router_check"
_MISSING: Any = object()
_ROUTER_MODULES = ("zephyr._routing.router", "zephyr._routing.dispatch")


def _swap(scope: Scope, key: str, value: Any) -> Any:
    fastapi_scope = scope.get(FASTAPI_SCOPE_KEY)
    if not isinstance(fastapi_scope, dict):
        fastapi_scope = scope[FASTAPI_SCOPE_KEY] = {}
    previous = fastapi_scope.get(key, _MISSING)
    fastapi_scope[key] = value
    return previous


def _put_back(scope: Scope, key: str, previous: Any) -> None:
    fastapi_scope = scope[FASTAPI_SCOPE_KEY]
    if previous is _MISSING:
        fastapi_scope.pop(key, None)
    else:
        fastapi_scope[key] = previous


def route_through_original(original: APIRoute, served: BaseRoute) -> None:
    """Let an ``APIRoute`` subclass's own ``matches`` and ``handle`` decide for its included copy (as on FastAPI).

    Only for a subclass that overrides them: the copy's ``accepts`` then asks the original's ``matches`` (with the
    copy as the effective context, so the original matches the full path), and its ``handle`` is the original's,
    whose app serves each included copy with that copy's app.
    """
    cls = type(original)
    if cls.matches is not APIRoute.matches:

        def accepts(scope: Scope) -> Match:
            previous = _swap(scope, EFFECTIVE_ROUTE_CONTEXT_KEY, served)
            try:
                fit, child = original.matches(scope)
            finally:
                _put_back(scope, EFFECTIVE_ROUTE_CONTEXT_KEY, previous)
            return _merged(scope, fit, child)

        vars(served)["accepts"] = accepts
    if cls.handle is not APIRoute.handle:
        if not isinstance(original._asgi, _ContextApp):
            original._asgi = _ContextApp(original)
        vars(served)["handle"] = original.handle
        served._direct_runner = None  # served through that handle, never past it


class _ContextApp:
    """The app of an ``APIRoute`` whose subclass overrides ``handle``: the request's included copy's app, if any."""

    __slots__ = ("own", "route")

    def __init__(self, route: APIRoute) -> None:
        self.route = route
        self.own: Any = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        served = served_route(scope)
        if served is not self.route and getattr(served, "original_route", None) is self.route:
            await served.app(scope, receive, send)
            return
        if self.own is None:
            self.own = self.route._build_app()
        await self.own(scope, receive, send)


def route_through_routers(chain: Sequence[Any], served: BaseRoute) -> None:
    """Let the ``matches`` and ``handle`` of ``APIRouter`` subclasses among ``chain`` decide for ``served``.

    Args:
        chain: The inclusions ``served`` is made through, outermost first (``_IncludedRouter`` nodes).
        served: A route the innermost one made.
    """
    checks = [node for node in chain if _overrides(node.original_router, "matches", _ROUTER_MODULES)]
    handlers = [node for node in chain if _overrides(node.original_router, "handle", _ROUTER_MODULES)]
    if checks:
        own_accepts: Callable[[Scope], Match] = served.accepts

        def accepts(scope: Scope) -> Match:
            if scope.get(_CHECKING_SCOPE_KEY):  # a router's matches() asking its routes: only the route answers
                return own_accepts(scope)
            for node in checks:
                previous = _swap(scope, INCLUDED_ROUTER_KEY, node)
                scope[_CHECKING_SCOPE_KEY] = True
                try:
                    fit, _ = node.original_router.matches(scope)
                finally:
                    del scope[_CHECKING_SCOPE_KEY]
                    _put_back(scope, INCLUDED_ROUTER_KEY, previous)
                if Match(getattr(fit, "value", fit)) is NONE:
                    return NONE
            return own_accepts(scope)

        vars(served)["accepts"] = accepts
    if handlers:
        last: Callable[[Scope, Receive, Send], Awaitable[None]] = served.handle

        def step(index: int) -> Callable[[Scope, Receive, Send], Awaitable[None]]:
            if index == len(handlers):
                return last
            node = handlers[index]

            async def through(scope: Scope, receive: Receive, send: Send) -> None:
                scope[FASTAPI_SCOPE_KEY][INCLUDED_ROUTER_KEY] = node
                scope[CONTINUE_SCOPE_KEY] = step(index + 1)
                await node.original_router.handle(scope, receive, send)

            return through

        first = step(0)

        async def handle(scope: Scope, receive: Receive, send: Send) -> None:
            included = scope[FASTAPI_SCOPE_KEY].get(INCLUDED_ROUTER_KEY)
            await first(scope, receive, send)
            scope[FASTAPI_SCOPE_KEY][INCLUDED_ROUTER_KEY] = included

        vars(served)["handle"] = handle
