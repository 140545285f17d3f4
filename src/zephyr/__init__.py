"""Zephyr: FastAPI's API on a fast ASGI core of its own, with batteries included.

``from zephyr import FastAPI, Depends, Query, ...`` runs FastAPI apps unchanged; ``Zephyr`` is the same app class
under our own name.
"""

from zephyr import status as status
from zephyr._interop.switch import install_as_fastapi as install_as_fastapi
from zephyr._version import __version__ as __version__
from zephyr.applications import FastAPI as FastAPI
from zephyr.applications import Zephyr as Zephyr
from zephyr.background import BackgroundTasks as BackgroundTasks
from zephyr.datastructures import UploadFile as UploadFile
from zephyr.exceptions import HTTPException as HTTPException
from zephyr.exceptions import WebSocketException as WebSocketException
from zephyr.param_functions import Body as Body
from zephyr.param_functions import Cookie as Cookie
from zephyr.param_functions import Depends as Depends
from zephyr.param_functions import File as File
from zephyr.param_functions import Form as Form
from zephyr.param_functions import Header as Header
from zephyr.param_functions import Path as Path
from zephyr.param_functions import Query as Query
from zephyr.param_functions import Security as Security
from zephyr.requests import Request as Request
from zephyr.responses import Response as Response
from zephyr.routing import APIRouter as APIRouter
from zephyr.websockets import WebSocket as WebSocket
from zephyr.websockets import WebSocketDisconnect as WebSocketDisconnect

__all__ = (
    "APIRouter",
    "BackgroundTasks",
    "Body",
    "Cookie",
    "Depends",
    "FastAPI",
    "File",
    "Form",
    "HTTPException",
    "Header",
    "Path",
    "Query",
    "Request",
    "Response",
    "Security",
    "UploadFile",
    "WebSocket",
    "WebSocketDisconnect",
    "WebSocketException",
    "Zephyr",
    "__version__",
    "install_as_fastapi",
    "status",
)
