"""Routes and routers, at the path FastAPI users import them from (``from zephyr.routing import APIRouter``)."""

from __future__ import annotations

from zephyr._routing.router import APIRouter as APIRouter
from zephyr._routing.routes import APIRoute as APIRoute
from zephyr._routing.routes import APIWebSocketRoute as APIWebSocketRoute
from zephyr._routing.routes import BaseRoute as BaseRoute
from zephyr._routing.routes import Mount as Mount
from zephyr._routing.routes import NoMatchFound as NoMatchFound
from zephyr._routing.routes import Route as Route
from zephyr._routing.routes import WebSocketRoute as WebSocketRoute
from zephyr._routing.routes import generate_unique_id as generate_unique_id
from zephyr._routing.routes import request_response as request_response

__all__ = (
    "APIRoute",
    "APIRouter",
    "APIWebSocketRoute",
    "BaseRoute",
    "Mount",
    "NoMatchFound",
    "Route",
    "WebSocketRoute",
    "generate_unique_id",
    "request_response",
)
