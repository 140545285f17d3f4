"""Routes and routers, at the path FastAPI users import them from (``from zephyr.routing import APIRouter``)."""

from __future__ import annotations

import sys
import types
from typing import Any

from zephyr._routing.base import BaseRoute as BaseRoute
from zephyr._routing.base import NoMatchFound as NoMatchFound
from zephyr._routing.handler import REQUEST_HANDLER
from zephyr._routing.handler import get_request_handler as get_request_handler
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


sys.modules[__name__].__class__ = _RoutingModule
