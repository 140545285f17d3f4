"""Starlette's types, recognised by module and name: parameters injected, responses sent, annotations not models."""

from __future__ import annotations

from typing import Any

from starlette.background import BackgroundTasks as StarletteBackgroundTasks
from starlette.requests import HTTPConnection as StarletteHTTPConnection
from starlette.requests import Request as StarletteRequest
from starlette.responses import JSONResponse as StarletteJSONResponse
from starlette.responses import PlainTextResponse as StarlettePlainText
from starlette.responses import Response as StarletteResponse
from starlette.websockets import WebSocket as StarletteWebSocket

from zephyr import FastAPI
from zephyr._interop.starlette import (
    is_asgi_response,
    is_starlette_response_class,
    is_starlette_upload,
    starlette_special_kind,
)
from zephyr.testclient import TestClient


def test_special_kinds_by_module_and_name() -> None:
    assert starlette_special_kind(StarletteRequest) == "request_param_name"
    assert starlette_special_kind(StarletteHTTPConnection) == "http_connection_param_name"
    assert starlette_special_kind(StarletteWebSocket) == "websocket_param_name"
    assert starlette_special_kind(StarletteResponse) == "response_param_name"
    assert starlette_special_kind(StarletteJSONResponse) == "response_param_name"
    assert starlette_special_kind(StarletteBackgroundTasks) == "background_tasks_param_name"
    assert starlette_special_kind(int) is None
    assert starlette_special_kind("Request") is None


def test_response_class_and_asgi_response_recognition() -> None:
    assert is_starlette_response_class(StarlettePlainText) is True
    assert is_starlette_response_class(dict) is False
    assert is_asgi_response(StarlettePlainText("x")) is True
    assert is_asgi_response({"a": 1}) is False
    assert is_asgi_response(StarlettePlainText) is False
    assert is_asgi_response(len) is False


def test_starlette_uploads_by_module_and_name() -> None:
    import io

    from starlette.datastructures import UploadFile as StarletteUploadFile

    from zephyr import UploadFile

    class Own(StarletteUploadFile): ...

    assert is_starlette_upload(StarletteUploadFile(io.BytesIO())) is True
    assert is_starlette_upload(Own(io.BytesIO())) is True
    assert is_starlette_upload(UploadFile(io.BytesIO())) is False  # Zephyr's: recognised as Zephyr's
    assert is_starlette_upload("text") is False


def test_starlette_parameters_are_injected_and_responses_sent_as_is() -> None:
    app = FastAPI()
    done: list[str] = []

    @app.get("/echo/{name}")
    def echo(
        name: str, request: StarletteRequest, response: StarletteResponse, tasks: StarletteBackgroundTasks
    ) -> StarletteResponse:
        response.headers["x-from-sub"] = "yes"
        tasks.add_task(done.append, name)
        return StarlettePlainText(f"{request.url.path} {request.query_params.get('q')}", headers={"x-own": "1"})

    @app.get("/data")
    async def data(connection: StarletteHTTPConnection) -> dict[str, Any]:
        return {"path": connection.url.path}

    with TestClient(app) as client:
        answer = client.get("/echo/ada", params={"q": "1"})
        plain = client.get("/data")
    assert answer.status_code == 200
    assert answer.text == "/echo/ada 1"
    assert answer.headers["content-type"] == "text/plain; charset=utf-8"
    assert answer.headers["x-own"] == "1"
    assert done == ["ada"]
    assert plain.json() == {"path": "/data"}
    route = next(r for r in app.routes if getattr(r, "path", "") == "/echo/{name}")
    assert route.response_model is None  # type: ignore[attr-defined]
    assert [p.name for p in route.dependant.params] == ["name"]  # type: ignore[attr-defined]


def test_starlette_response_from_a_custom_route_handler_is_returned() -> None:
    from zephyr.routing import APIRoute

    class Wrapped(APIRoute):
        def get_route_handler(self) -> Any:
            handler = super().get_route_handler()

            async def wrapped(request: Any) -> Any:
                response = await handler(request)
                response.headers["x-wrapped"] = "1"
                return response

            return wrapped

    app = FastAPI()
    app.router.route_class = Wrapped

    @app.get("/s")
    def s() -> StarletteResponse:
        return StarletteJSONResponse({"ok": True})

    with TestClient(app) as client:
        answer = client.get("/s")
    assert answer.json() == {"ok": True}
    assert answer.headers["x-wrapped"] == "1"


def test_starlette_middleware_classes_plug_in() -> None:
    from starlette.middleware import Middleware as StarletteMiddleware
    from starlette.middleware.base import BaseHTTPMiddleware as StarletteBaseHTTPMiddleware
    from starlette.middleware.gzip import GZipMiddleware as StarletteGZip

    class Stamp(StarletteBaseHTTPMiddleware):
        async def dispatch(self, request: Any, call_next: Any) -> Any:
            response = await call_next(request)
            response.headers["x-stamp"] = request.url.path
            return response

    app = FastAPI(middleware=[StarletteMiddleware(StarletteGZip, minimum_size=10)])
    app.add_middleware(Stamp)

    @app.get("/big")
    def big() -> dict[str, str]:
        return {"text": "z" * 500}

    with TestClient(app) as client:
        answer = client.get("/big", headers={"accept-encoding": "gzip"})
    assert answer.status_code == 200
    assert answer.headers["x-stamp"] == "/big"
    assert answer.headers["content-encoding"] == "gzip"
    assert answer.json() == {"text": "z" * 500}


def test_starlette_websocket_parameter_is_the_connection() -> None:
    app = FastAPI()

    @app.websocket("/ws")
    async def ws(websocket: StarletteWebSocket) -> None:
        await websocket.accept()
        await websocket.send_json({"path": websocket.url.path})
        await websocket.close()

    with TestClient(app) as client, client.websocket_connect("/ws") as connection:
        assert connection.receive_json() == {"path": "/ws"}


def _is(obj: object, cls: type) -> bool:
    return isinstance(obj, cls)  # through a function: mypy would narrow the object between checks


def test_zephyr_objects_pass_isinstance_checks_against_starlettes_classes() -> None:
    # slowapi checks requests and responses against Starlette's classes, fastapi-utils' cbv checks routes.
    import starlette.routing

    from zephyr import APIRouter, Request, Response
    from zephyr.responses import JSONResponse
    from zephyr.routing import APIRoute, Route

    request = Request({"type": "http", "method": "GET", "path": "/", "headers": [], "query_string": b""})
    assert _is(request, StarletteRequest) and _is(request, StarletteHTTPConnection)
    assert _is(request, Request) and type(request) is Request
    assert not _is(request, StarletteWebSocket) and not _is(request, StarletteResponse)
    assert _is(JSONResponse({}), StarletteJSONResponse) and _is(Response(), StarletteResponse)
    assert not _is(Response(), StarletteJSONResponse)
    router = APIRouter()

    @router.get("/x")
    def x() -> None: ...

    route = router.routes[0]
    assert _is(route, APIRoute) and _is(route, starlette.routing.Route)
    assert not _is(route, Route) and not _is(route, starlette.routing.Mount)
    assert _is(router, starlette.routing.Router)
    # The reported class derives from Zephyr's first: code that dispatches on it finds Zephyr's methods.
    assert request.__class__.__mro__[1] is Request and request.__class__.__name__ == "Request"


def test_the_twin_class_waits_for_starlette_to_be_imported(monkeypatch: Any) -> None:
    import sys

    from zephyr import Request
    from zephyr._interop.starlette import starlette_twin

    class MyRequest(Request): ...

    monkeypatch.delitem(sys.modules, "starlette")
    assert starlette_twin(MyRequest) is MyRequest
    monkeypatch.undo()
    assert issubclass(starlette_twin(MyRequest), StarletteRequest)
    assert issubclass(starlette_twin(MyRequest), MyRequest)
    assert starlette_twin(int) is int


def test_pickling_and_copying_keep_zephyrs_own_class() -> None:
    # With Starlette loaded ``__class__`` is the twin; pickle must still rebuild Zephyr's class (fastapi-cache2's
    # PickleCoder pickles what endpoints return).
    import copy
    import pickle

    from zephyr.responses import JSONResponse

    response = JSONResponse({"a": 1}, status_code=201, headers={"x-a": "1"})
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        again = pickle.loads(pickle.dumps(response, protocol=protocol))  # noqa: S301 - our own bytes
        assert type(again) is JSONResponse
        assert (again.status_code, again.body, again.headers["x-a"]) == (201, b'{"a":1}', "1")
    assert type(copy.copy(response)) is JSONResponse and type(copy.deepcopy(response)) is JSONResponse


def test_starlette_json_responses_document_the_route_model() -> None:
    from zephyr import APIRouter

    router = APIRouter(default_response_class=StarletteJSONResponse)  # type: ignore[arg-type]

    @router.get("/json")
    def json_route() -> None: ...

    @router.get("/text", response_class=StarlettePlainText)
    def text_route() -> None: ...

    app = FastAPI()
    app.include_router(router)
    paths = app.openapi()["paths"]
    assert paths["/json"]["get"]["responses"]["200"]["content"] == {"application/json": {"schema": {}}}
    assert paths["/text"]["get"]["responses"]["200"]["content"]["text/plain"] == {"schema": {"type": "string"}}
