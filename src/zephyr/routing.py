"""Routes and routers, at the path FastAPI users import them from (``from zephyr.routing import APIRouter``)."""

from __future__ import annotations

from zephyr._routing.base import BaseRoute as BaseRoute
from zephyr._routing.base import NoMatchFound as NoMatchFound
from zephyr._routing.plain import Mount as Mount
from zephyr._routing.plain import Route as Route
from zephyr._routing.plain import WebSocketRoute as WebSocketRoute
from zephyr._routing.plain import request_response as request_response
from zephyr._routing.router import APIRouter as APIRouter
from zephyr._routing.routes import APIRoute as APIRoute
from zephyr._routing.routes import APIWebSocketRoute as APIWebSocketRoute
from zephyr._routing.routes import generate_unique_id as generate_unique_id

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
