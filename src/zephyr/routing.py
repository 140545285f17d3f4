"""Routes and routers, at the path FastAPI users import them from (``from zephyr.routing import APIRouter``)."""

from __future__ import annotations

import sys
import types
from typing import Any

from zephyr._routing import contexts as _contexts
from zephyr._routing import effective as _effective
from zephyr._routing import lifespan as _lifespan
from zephyr._routing.base import BaseRoute as BaseRoute
from zephyr._routing.base import NoMatchFound as NoMatchFound
from zephyr._routing.contexts import RouteContext as RouteContext
from zephyr._routing.contexts import iter_route_contexts as iter_route_contexts
from zephyr._routing.dispatch import Router as Router
from zephyr._routing.handler import REQUEST_HANDLER
from zephyr._routing.handler import get_request_handler as get_request_handler
from zephyr._routing.handler import get_websocket_app as get_websocket_app
from zephyr._routing.handler import run_endpoint_function as run_endpoint_function
from zephyr._routing.handler import serialize_response as serialize_response
from zephyr._routing.host import Host as Host
from zephyr._routing.inclusion import _IncludedRouter as _IncludedRouter
from zephyr._routing.inclusion import _RouterIncludeContext as _RouterIncludeContext
from zephyr._routing.match import Match as Match
from zephyr._routing.plain import Mount as Mount
from zephyr._routing.plain import Route as Route
from zephyr._routing.plain import WebSocketRoute as WebSocketRoute
from zephyr._routing.plain import request_response as request_response
from zephyr._routing.router import APIRouter as APIRouter
from zephyr._routing.routes import APIRoute as APIRoute
from zephyr._routing.routes import APIWebSocketRoute as APIWebSocketRoute
from zephyr._routing.routes import generate_unique_id as generate_unique_id
from zephyr.dependencies.utils import solve_dependencies as solve_dependencies

# FastAPI's private names that its own tests and some libraries import.
_DefaultLifespan = _lifespan.DefaultLifespan
_iter_included_route_candidates = _contexts.iter_included_route_candidates
_restore_fastapi_scope_key = _effective.restore_fastapi_scope_key
_effective_route_context_var = _effective.route_context_var

__all__ = (
    "APIRoute",
    "APIRouter",
    "APIWebSocketRoute",
    "BaseRoute",
    "Host",
    "Match",
    "Mount",
    "NoMatchFound",
    "Route",
    "RouteContext",
    "Router",
    "WebSocketRoute",
    "generate_unique_id",
    "get_request_handler",
    "get_websocket_app",
    "iter_route_contexts",
    "request_response",
    "run_endpoint_function",
    "serialize_response",
    "solve_dependencies",
)


class _RoutingModule(types.ModuleType):
    """This module, which hands a replaced ``get_request_handler`` to the routes.

    Libraries written for FastAPI wrap every route's handler by assigning ``fastapi.routing.get_request_handler``
    (Sentry does); routes built afterwards then build their handlers with the replacement (see
    ``zephyr._routing.handler``).
    """

    def __setattr__(self, name: str, value: Any) -> None:
        super().__setattr__(name, value)
        if name == "get_request_handler":
            REQUEST_HANDLER.factory = value
        elif name == "solve_dependencies":  # logfire replaces these two: routes then run through them
            REQUEST_HANDLER.solve = None if value is _own_solve_dependencies else value
        elif name == "run_endpoint_function":
            REQUEST_HANDLER.run = None if value is _own_run_endpoint_function else value
        elif name == "_PING_INTERVAL":  # FastAPI's tests shorten the event streams' keep-alive interval here
            import zephyr.sse

            zephyr.sse._PING_INTERVAL = value


#: Seconds of silence after which an event stream sends a keep-alive comment; FastAPI keeps it in this module.
#: Assigning it here sets ``zephyr.sse._PING_INTERVAL``, which the streams read.
_PING_INTERVAL: float = 15.0


_own_solve_dependencies = solve_dependencies
_own_run_endpoint_function = run_endpoint_function
sys.modules[__name__].__class__ = _RoutingModule
