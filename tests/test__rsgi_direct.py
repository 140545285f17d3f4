"""The RSGI adapter's direct path: an app of Zephyr's own stack skips the ASGI wrappers and answers JSON in one call.

Every answer must be the one the ASGI way through the adapter gives (``RSGIAdapter(app)`` without ``direct``): the
same status, headers (in order) and body, request after request.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from pydantic import BaseModel, Field

from tests.support.garbage import garbage_after
from tests.test__rsgi import _HTTPProtocol, _Scope, _served
from zephyr import BackgroundTasks, FastAPI, HTTPException, Request, Response
from zephyr._compile.direct import DIRECT_RESPONSE
from zephyr._rsgi import RSGIAdapter
from zephyr.responses import PlainTextResponse, StreamingResponse


class _UserIn(BaseModel):
    name: str
    age: int = Field(ge=18)


class _UserOut(BaseModel):
    id: int
    name: str
    age: int


def _app(**options: Any) -> FastAPI:
    app = FastAPI(**options)
    done: list[str] = []
    app.state.done = done

    @app.get("/hello")
    async def hello() -> dict[str, str]:
        return {"message": "hello"}

    @app.get("/users/{user_id}")
    async def user(user_id: int, limit: int = 10, q: str | None = None) -> dict[str, Any]:
        return {"user_id": user_id, "limit": limit, "q": q}

    @app.post("/users", response_model=_UserOut, status_code=201)
    async def create(user: _UserIn) -> dict[str, Any]:
        return {"id": 7, **user.model_dump()}

    @app.get("/headers")
    async def headers(response: Response) -> dict[str, bool]:
        response.headers["x-extra"] = "1"
        response.set_cookie("k", "v")
        return {"ok": True}

    @app.get("/status")
    async def status(response: Response) -> dict[str, bool]:
        response.status_code = 202
        return {"accepted": True}

    @app.delete("/empty", status_code=204)
    async def empty() -> None:
        return None

    @app.get("/later")
    async def later(tasks: BackgroundTasks) -> dict[str, bool]:
        tasks.add_task(done.append, "ran")
        return {"queued": True}

    @app.get("/refuse")
    async def refuse() -> None:
        raise HTTPException(418, "no tea", headers={"x-why": "teapot"})

    @app.get("/crash")
    async def crash() -> None:
        raise ValueError("boom")

    @app.get("/plain")
    async def plain() -> PlainTextResponse:
        return PlainTextResponse("text", headers={"x-p": "1"})

    @app.get("/stream")
    async def stream() -> StreamingResponse:
        async def parts() -> AsyncIterator[bytes]:
            yield b"a"
            yield b"b"

        return StreamingResponse(parts(), media_type="text/plain")

    @app.get("/direct")
    async def direct(request: Request) -> dict[str, bool]:
        return {"direct": DIRECT_RESPONSE in request.scope}

    @app.exception_handler(LookupError)
    async def lookup(request: Request, exc: LookupError) -> PlainTextResponse:
        return PlainTextResponse("missing", status_code=409)

    @app.get("/handled")
    async def handled() -> None:
        raise KeyError("k")

    return app


_BODY = json.dumps({"name": "Ada", "age": 36}).encode()
_REQUESTS: list[tuple[str, str, str, list[tuple[str, str]], bytes]] = [
    ("GET", "/hello", "", [], b""),
    ("HEAD", "/hello", "", [], b""),
    ("GET", "/users/42", "limit=10&q=abc", [], b""),
    ("GET", "/users/x", "", [], b""),  # 422
    ("POST", "/users", "", [("content-type", "application/json"), ("content-length", str(len(_BODY)))], _BODY),
    ("POST", "/users", "", [("content-type", "application/json"), ("content-length", "21")], b'{"name":"A","age":10}'),
    ("POST", "/users", "", [("content-type", "application/json"), ("content-length", "3")], b"{x}"),  # bad JSON
    ("POST", "/users", "", [("content-type", "text/plain"), ("content-length", str(len(_BODY)))], _BODY),
    ("POST", "/hello", "", [], b""),  # 405
    ("GET", "/nowhere", "", [], b""),  # 404
    ("GET", "/hello/", "", [], b""),  # redirect
    ("GET", "/headers", "", [], b""),
    ("GET", "/status", "", [], b""),
    ("DELETE", "/empty", "", [], b""),
    ("GET", "/later", "", [], b""),
    ("GET", "/refuse", "", [], b""),
    ("GET", "/crash", "", [], b""),
    ("GET", "/plain", "", [], b""),
    ("GET", "/stream", "", [], b""),
    ("GET", "/handled", "", [], b""),
    ("GET", "/hello", "", [("content-length", "1"), ("transfer-encoding", "chunked")], b""),  # ambiguous: 400
    ("GET", "/hello", "", [(f"x-h{i}", "v") for i in range(120)], b""),  # too many headers: 431
]


def _answer(adapter: Any, loop: asyncio.AbstractEventLoop, request: tuple[Any, ...]) -> tuple[Any, ...]:
    method, path, query, headers, body = request
    protocol = _HTTPProtocol(body)
    with contextlib.suppress(ValueError):  # the 500 was sent, then the error is raised to the server, both ways
        loop.run_until_complete(adapter(_Scope(method, path, query, [("host", "h"), *headers]), protocol))
    return (protocol.response, protocol.chunks)


@pytest.mark.parametrize("options", [{}, {"max_body_size": 10}, {"root_path": "/api"}])
def test_the_direct_path_answers_as_the_asgi_way_through_the_adapter(options: dict[str, Any]) -> None:
    root_path = options.pop("root_path", "")
    app = _app(**options)
    app.root_path = root_path  # FastAPI(root_path=...) warns that it is deprecated; the attribute is what is read
    with _served(app) as loop:
        assert app._rsgi is not None and app._rsgi.direct
        asgi_way = RSGIAdapter(app)  # not direct: through Zephyr.__call__ and the whole stack
        for _ in range(3):  # repeated: memos and the direct path's checks give the same answers every time
            for request in _REQUESTS:
                direct = _answer(app.__rsgi__, loop, request)
                through = _answer(asgi_way, loop, request)
                assert direct == through, request
    assert app.state.done == ["ran"] * 6  # background tasks run on both ways


def test_an_app_of_zephyrs_own_stack_goes_direct() -> None:
    app = _app()
    with _served(app) as loop:
        protocol = _HTTPProtocol()
        loop.run_until_complete(app.__rsgi__(_Scope("GET", "/direct"), protocol))
    assert protocol.response is not None and json.loads(protocol.response[3]) == {"direct": True}


def test_an_app_with_user_middleware_goes_through_the_asgi_stack() -> None:
    app = _app()
    seen: list[str] = []

    @app.middleware("http")
    async def mark(request: Request, call_next: Any) -> Any:
        seen.append(request.url.path)
        response = await call_next(request)
        response.headers["x-mw"] = "1"
        return response

    with _served(app) as loop:
        protocol = _HTTPProtocol()
        loop.run_until_complete(app.__rsgi__(_Scope("GET", "/direct"), protocol))
    assert protocol.response is not None
    assert json.loads(b"".join(protocol.chunks)) == {"direct": False}  # BaseHTTPMiddleware streams the body
    assert ("x-mw", "1") in protocol.response[2]
    assert seen == ["/direct"]


def test_an_app_class_with_its_own_call_goes_through_it() -> None:
    calls: list[str] = []

    class Traced(FastAPI):
        async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
            calls.append(scope["type"])
            await super().__call__(scope, receive, send)

    app = Traced()

    @app.get("/direct")
    async def direct(request: Request) -> dict[str, bool]:
        return {"direct": DIRECT_RESPONSE in request.scope}

    with _served(app) as loop:
        protocol = _HTTPProtocol()
        loop.run_until_complete(app.__rsgi__(_Scope("GET", "/direct"), protocol))
    assert protocol.response is not None and json.loads(protocol.response[3]) == {"direct": False}
    assert calls == ["lifespan", "http"]


def test_a_send_wrapped_below_the_boundary_gets_the_asgi_messages() -> None:
    app = _app()
    messages: list[str] = []
    route = next(r for r in app.routes if getattr(r, "path", "") == "/hello")
    inner = route.app  # type: ignore[attr-defined]

    async def wrapped(scope: Any, receive: Any, send: Any) -> None:
        async def spy(message: Any) -> None:
            messages.append(message["type"])
            await send(message)

        await inner(scope, receive, spy)

    route.app = wrapped  # type: ignore[attr-defined]
    with _served(app) as loop:
        protocol = _HTTPProtocol()
        loop.run_until_complete(app.__rsgi__(_Scope("GET", "/hello"), protocol))
    assert messages == ["http.response.start", "http.response.body"]
    assert protocol.response is not None and protocol.response[1:] == (
        200,
        [("content-length", "19"), ("content-type", "application/json")],
        b'{"message":"hello"}',
    )


_REQUESTS_COUNTED = 50


@pytest.mark.parametrize("request_", _REQUESTS[:8], ids=lambda r: f"{r[0]} {r[1]}")
def test_a_request_on_the_direct_path_leaves_no_cycles(request_: tuple[Any, ...]) -> None:
    # The scope names the cycle answering it (DIRECT_RESPONSE) and the cycle holds the scope: unless the key goes
    # once the request is served, every request is garbage only the collector frees (and its full passes stall).
    app = _app()
    with _served(app) as loop:
        # A cycle per request would leave hundreds of objects; fewer than one per request is what other threads of
        # the test process may leave meanwhile.
        assert garbage_after(lambda: _answer(app.__rsgi__, loop, request_), _REQUESTS_COUNTED) < _REQUESTS_COUNTED
