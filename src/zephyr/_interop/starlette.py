"""Recognise Starlette's classes by module and name, without importing Starlette.

Libraries written for FastAPI declare ``starlette.requests.Request`` or ``starlette.responses.Response`` parameters,
annotate endpoints with Starlette's ``Response`` and return Starlette response objects. Zephyr answers them as
FastAPI does, but never imports Starlette: a class is Starlette's when one class of its MRO is defined in a
``starlette.`` module under the expected name. These checks run when a route is registered, never per request.
"""

from __future__ import annotations

import inspect
import sys
from typing import Any

__all__ = (
    "StarletteTwin",
    "is_asgi_response",
    "is_starlette_json_response_class",
    "is_starlette_response_class",
    "is_starlette_upload",
    "starlette_special_kind",
    "starlette_twin",
)

# (module, class name) -> the Dependant attribute that receives the connection object of that kind.
_SPECIAL_KINDS: dict[tuple[str, str], str] = {
    ("starlette.requests", "Request"): "request_param_name",
    ("starlette.websockets", "WebSocket"): "websocket_param_name",
    ("starlette.requests", "HTTPConnection"): "http_connection_param_name",
    ("starlette.responses", "Response"): "response_param_name",
    ("starlette.background", "BackgroundTasks"): "background_tasks_param_name",
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


def is_starlette_upload(value: Any) -> bool:
    """Whether ``value`` is an upload of Starlette's own (``starlette.datastructures.UploadFile`` or a subclass).

    A library may build a Starlette ``FormData`` holding such uploads and hand it to FastAPI's extraction functions,
    or pass one to an ``UploadFile`` field: FastAPI accepts them, and so does Zephyr.
    """
    return ("starlette.datastructures", "UploadFile") in _starlette_bases(type(value))


def is_starlette_json_response_class(cls: Any) -> bool:
    """Whether ``cls`` is ``starlette.responses.JSONResponse`` or a subclass (documented with the route's model)."""
    return ("starlette.responses", "JSONResponse") in _starlette_bases(cls)


def is_asgi_response(result: Any) -> bool:
    """Whether an endpoint's return value is a response object to send as is (a foreign ASGI response).

    Data an endpoint returns (dicts, lists, models, strings) is never callable; a response object of another
    framework (Starlette's, sse-starlette's ``EventSourceResponse``) is an instance whose class defines
    ``__call__(scope, receive, send)``. Classes and functions are data for the serializer, as in FastAPI.
    """
    return callable(result) and not isinstance(result, type) and not inspect.isroutine(result)


_TWINS: dict[type, type] = {}
"""Zephyr class -> the class its instances report as ``__class__`` once Starlette is loaded (itself when none fits)."""


# FastAPI's classes that derive from a Starlette class of another name; every other class keeps its name.
_RENAMED = {"APIRoute": "Route", "APIWebSocketRoute": "WebSocketRoute", "APIRouter": "Router"}


def _counterpart(cls: type) -> type | None:
    """Starlette's class for the nearest Zephyr class in ``cls``'s MRO, if its module is loaded.

    ``zephyr.requests.Request`` -> ``starlette.requests.Request``, ``zephyr._routing.routes.APIRoute`` ->
    ``starlette.routing.Route`` (as FastAPI's ``APIRoute`` derives from it).
    """
    for klass in cls.__mro__:
        parts = klass.__module__.split(".")
        if len(parts) < 2 or parts[0] != "zephyr":
            continue
        loaded = sys.modules.get("starlette." + parts[1].lstrip("_"))
        found = getattr(loaded, _RENAMED.get(klass.__name__, klass.__name__), None) if loaded is not None else None
        if isinstance(found, type):
            return found
    return None


def starlette_twin(cls: type) -> type:
    """The class a Zephyr request, WebSocket, response, route or router reports as its ``__class__``.

    Libraries written for FastAPI check ``isinstance(request, starlette.requests.Request)``,
    ``isinstance(response, starlette.responses.Response)`` (slowapi) or ``isinstance(route, starlette.routing.Route)``
    (fastapi-utils' ``cbv``) on objects that are Zephyr's under the switch. ``isinstance`` falls back to
    ``obj.__class__`` when ``type(obj)`` is no subclass, so once the library has imported Starlette, Zephyr's objects
    report a class derived first from their own class and then from Starlette's twin: checks against Zephyr's classes
    behave as before, checks against Starlette's pass. Starlette is never imported here; until something else
    imports it, or for classes without a twin, this is ``cls`` itself.
    """
    twin = _TWINS.get(cls)
    if twin is not None:
        return twin
    if "starlette" not in sys.modules:
        return cls
    counterpart = _counterpart(cls)
    if counterpart is None:  # its Starlette module may be imported later: look again then
        return cls
    twin = cls
    if not issubclass(cls, counterpart):
        namespace = {"__module__": cls.__module__, "__qualname__": cls.__qualname__, "__slots__": ()}
        try:
            metaclass: Any = type(cls)
            twin = metaclass(cls.__name__, (cls, counterpart), namespace)
        except TypeError:  # incompatible layouts or metaclasses: keep Zephyr's class, isinstance checks fail as before
            twin = cls
    _TWINS[cls] = twin
    return twin


def _new(cls: type, *args: Any) -> Any:
    return cls.__new__(cls, *args)


class StarletteTwin:
    """Base of Zephyr's requests, WebSockets, responses, routes and routers: ``__class__`` is ``starlette_twin``'s.

    Pickling and copying keep ``type(obj)``: the default reduction pairs ``type(obj)`` with ``__new__`` and pickle
    refuses that pair when ``obj.__class__`` differs, so the reduction names a plain constructor instead.
    """

    __slots__ = ()

    @property  # type: ignore[misc]
    def __class__(self) -> type:
        return starlette_twin(type(self))

    def __reduce_ex__(self, protocol: Any) -> Any:
        reduced = super().__reduce_ex__(max(protocol, 2))  # protocols 0-1 would name ``obj.__class__``
        if isinstance(reduced, tuple) and getattr(reduced[0], "__name__", None) == "__newobj__":
            return (_new, reduced[1], *reduced[2:])
        return reduced
