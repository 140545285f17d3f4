"""Recognise Starlette's classes by module and name, without importing Starlette.

Libraries written for FastAPI declare ``starlette.requests.Request`` or ``starlette.responses.Response`` parameters,
annotate endpoints with Starlette's ``Response`` and return Starlette response objects. Zephyr answers them as
FastAPI does, but never imports Starlette: a class is Starlette's when one class of its MRO is defined in a
``starlette.`` module under the expected name. These checks run when a route is registered, never per request.
"""

from __future__ import annotations

import inspect
from typing import Any

__all__ = ("is_asgi_response", "is_starlette_response_class", "starlette_special_kind")

# (module, class name) -> the Dependant attribute that receives the connection object of that kind.
_SPECIAL_KINDS: dict[tuple[str, str], str] = {
    ("starlette.requests", "Request"): "request_param",
    ("starlette.websockets", "WebSocket"): "websocket_param",
    ("starlette.requests", "HTTPConnection"): "http_connection_param",
    ("starlette.responses", "Response"): "response_param",
    ("starlette.background", "BackgroundTasks"): "background_tasks_param",
}


def _starlette_bases(annotation: Any) -> list[tuple[str, str]]:
    if not isinstance(annotation, type):
        return []
    return [
        (cls.__module__, cls.__name__)
        for cls in annotation.__mro__
        if cls.__module__ == "starlette" or cls.__module__.startswith("starlette.")
    ]


def starlette_special_kind(annotation: Any) -> str | None:
    """The Dependant attribute for a parameter typed with a Starlette connection class, or ``None``.

    ``starlette.requests.Request`` (and subclasses) receives the request, ``starlette.responses.Response`` the
    sub-response whose headers, cookies and status the endpoint may set, ``starlette.background.BackgroundTasks``
    the request's background tasks, ``HTTPConnection`` and ``WebSocket`` the connection.
    """
    for key in _starlette_bases(annotation):
        kind = _SPECIAL_KINDS.get(key)
        if kind is not None:
            return kind
    return None


def is_starlette_response_class(annotation: Any) -> bool:
    """Whether ``annotation`` is ``starlette.responses.Response`` or a subclass (a return type that is no model)."""
    return ("starlette.responses", "Response") in _starlette_bases(annotation)


def is_asgi_response(result: Any) -> bool:
    """Whether an endpoint's return value is a response object to send as is (a foreign ASGI response).

    Data an endpoint returns (dicts, lists, models, strings) is never callable; a response object of another
    framework (Starlette's, sse-starlette's ``EventSourceResponse``) is an instance whose class defines
    ``__call__(scope, receive, send)``. Classes and functions are data for the serializer, as in FastAPI.
    """
    return callable(result) and not isinstance(result, type) and not inspect.isroutine(result)
