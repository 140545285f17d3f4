"""Routes and routers, at the path FastAPI users import them from (``from zephyr.routing import APIRouter``)."""

from __future__ import annotations

from zephyr._routing.base import BaseRoute as BaseRoute
from zephyr._routing.base import NoMatchFound as NoMatchFound
from zephyr._routing.handler import get_request_handler as get_request_handler
from zephyr._routing.match import Match as Match
from zephyr._routing.plain import Mount as Mount
from zephyr._routing.plain import Route as Route
from zephyr._routing.plain import WebSocketRoute as WebSocketRoute
from zephyr._routing.plain import request_response as request_response
from zephyr._routing.router import APIRouter as APIRouter
from zephyr._routing.routes import APIRoute as APIRoute
from zephyr._routing.routes import APIWebSocketRoute as APIWebSocketRoute
from zephyr._routing.routes import generate_unique_id as generate_unique_id


class _IncludedRouter:
    """FastAPI >= 0.137 keeps an included router as one node of the route list; Zephyr copies its routes instead.

    No route of a Zephyr app is an ``_IncludedRouter``: the name exists so that code matching on it (fastapi-pagination
    walks ``app.routes`` with ``case _IncludedRouter():``) imports and finds the routes themselves.
    """


__all__ = (
    "APIRoute",
    "APIRouter",
    "APIWebSocketRoute",
    "BaseRoute",
    "Match",
    "Mount",
    "NoMatchFound",
    "Route",
    "WebSocketRoute",
    "generate_unique_id",
    "get_request_handler",
    "request_response",
)
