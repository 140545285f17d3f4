"""Zephyr's RSGI interface, in process, against stand-ins for Granian's scope and protocol objects.

The end-to-end tests that run on ``granian-rsgi`` (tests/e2e/*_server.py) cover it on the real server.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from zephyr import FastAPI, Request, WebSocket
from zephyr.responses import FileResponse, StreamingResponse


class _Headers:
    def __init__(self, items: list[tuple[str, str]]) -> None:
        self._items = items

    def items(self) -> list[tuple[str, str]]:
        return list(self._items)

    def get(self, key: str, default: Any = None) -> Any:
        return next((v for k, v in self._items if k == key), default)

    def __contains__(self, key: str) -> bool:
        return any(k == key for k, _ in self._items)


class _Scope:
    def __init__(self, method: str, path: str, query: str = "", headers: Any = (), proto: str = "http") -> None:
        self.proto = proto
        self.http_version = "1.1"
        self.method = method
        self.scheme = "http"
        self.path = path
        self.query_string = query
        self.headers = _Headers(list(headers))
        self.client = "127.0.0.1:5000"
        self.server = "127.0.0.1:8000"


class _Stream:
    def __init__(self, protocol: _HTTPProtocol) -> None:
        self.protocol = protocol

    async def send_bytes(self, data: bytes) -> None:
        if self.protocol.gone:
            raise RuntimeError("closed")  # what RSGIProtocolClosed is
        self.protocol.chunks.append(data)


class _HTTPProtocol:
    def __init__(self, body: bytes = b"", pieces: list[bytes] | None = None, delay: float = 0.0) -> None:
        self.body = body
        self.pieces = pieces
        self.delay = delay
        self.calls = 0
        self.response: tuple[Any, ...] | None = None
        self.chunks: list[bytes] = []
        self.gone = False

    async def __call__(self) -> bytes:
        self.calls += 1
        if self.delay:
            await asyncio.sleep(self.delay)
        return self.body

    async def _iterate(self) -> AsyncIterator[bytes]:
        self.calls += 1
        for piece in self.pieces or [self.body]:
            yield piece

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._iterate()

    async def client_disconnect(self) -> None:
        await asyncio.sleep(3600)

    def response_bytes(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.response = ("bytes", status, headers, body)

    def response_file(self, status: int, headers: list[tuple[str, str]], file: str) -> None:
        self.response = ("file", status, headers, file)

    def response_stream(self, status: int, headers: list[tuple[str, str]]) -> _Stream:
        self.response = ("stream", status, headers)
        return _Stream(self)


@contextlib.contextmanager
def _served(app: FastAPI) -> Iterator[asyncio.AbstractEventLoop]:
    loop = asyncio.new_event_loop()
    try:
        app.__rsgi_init__(loop)
        yield loop
        app.__rsgi_del__(loop)
    finally:
        loop.close()


def _app() -> FastAPI:
    started: list[str] = []

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[dict[str, Any]]:
        started.append("up")
        yield {"pool": "p1"}
        started.append("down")

    app = FastAPI(lifespan=lifespan, body_deadline=0.2)
    app.state.events = started

    @app.get("/items/{item_id}")
    async def item(item_id: int, request: Request, q: str = "") -> dict[str, Any]:
        scope = request.scope
        return {
            "id": item_id,
            "q": q,
            "pool": request.state.pool,
            "agent": request.headers["x-agent"],
            "root": scope["root_path"],
            "client": list(scope["client"]),
            "raw": scope["raw_path"].decode(),
        }

    @app.post("/echo")
    async def echo(request: Request) -> dict[str, int]:
        return {"size": len(await request.body())}

    @app.get("/stream")
    async def stream() -> StreamingResponse:
        async def parts() -> AsyncIterator[bytes]:
            yield b"a"
            yield b"b"

        return StreamingResponse(parts(), media_type="text/plain")

    @app.get("/file")
    async def file() -> FileResponse:
        return FileResponse(__file__)

    return app


def _json(protocol: _HTTPProtocol) -> Any:
    assert protocol.response is not None
    return json.loads(protocol.response[3])


def test_a_request_is_answered_with_one_response_bytes_call_and_the_lifespan_state() -> None:
    app = _app()
    with _served(app) as loop:
        assert app.state.events == ["up"]
        protocol = _HTTPProtocol()
        scope = _Scope("GET", "/items/3", "q=a%20b", [("x-agent", "t"), ("host", "h")])
        loop.run_until_complete(app.__rsgi__(scope, protocol))
    assert app.state.events == ["up", "down"]
    assert protocol.response is not None
    kind, status, headers, _ = protocol.response
    assert (kind, status, protocol.calls) == ("bytes", 200, 0)  # a GET without a body never reads one
    assert ("content-type", "application/json") in headers
    assert _json(protocol) == {
        "id": 3,
        "q": "a b",
        "pool": "p1",
        "agent": "t",
        "root": "",
        "client": ["127.0.0.1", 5000],
        "raw": "/items/3",
    }


def test_root_path_comes_from_the_environment_and_raw_path_is_encoded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZEPHYR_ROOT_PATH", "/api")
    app = _app()
    with _served(app) as loop:
        protocol = _HTTPProtocol()
        loop.run_until_complete(app.__rsgi__(_Scope("GET", "/api/items/4", headers=[("x-agent", "é")]), protocol))
    body = _json(protocol)
    assert (body["root"], body["raw"], body["agent"]) == ("/api", "/api/items/4", "é")


def test_a_small_body_is_read_with_one_call_and_a_large_one_streamed() -> None:
    app = _app()
    with _served(app) as loop:
        small = _HTTPProtocol(b"x" * 10)
        loop.run_until_complete(app.__rsgi__(_Scope("POST", "/echo", headers=[("content-length", "10")]), small))
        chunked = _HTTPProtocol(pieces=[b"a" * 3, b"b" * 4])
        scope = _Scope("POST", "/echo", headers=[("transfer-encoding", "chunked")])
        loop.run_until_complete(app.__rsgi__(scope, chunked))
        too_big = _HTTPProtocol(b"")
        scope = _Scope("POST", "/echo", headers=[("content-length", str(20 * 1024 * 1024))])
        loop.run_until_complete(app.__rsgi__(scope, too_big))
    assert (_json(small), small.calls) == ({"size": 10}, 1)
    assert _json(chunked) == {"size": 7}
    assert too_big.response is not None and too_big.response[1] == 413
    assert too_big.calls == 0  # refused from Content-Length, before reading


def test_a_body_arriving_after_the_deadline_is_answered_408() -> None:
    app = _app()
    with _served(app) as loop:
        slow = _HTTPProtocol(b"late", delay=5)
        loop.run_until_complete(app.__rsgi__(_Scope("POST", "/echo", headers=[("content-length", "4")]), slow))
    assert slow.response is not None and slow.response[1] == 408
    assert "did not arrive within 0.2 seconds" in _json(slow)["detail"]


def test_streams_use_response_stream_and_files_response_file() -> None:
    app = _app()
    with _served(app) as loop:
        streamed = _HTTPProtocol()
        loop.run_until_complete(app.__rsgi__(_Scope("GET", "/stream"), streamed))
        file = _HTTPProtocol()
        loop.run_until_complete(app.__rsgi__(_Scope("GET", "/file"), file))
        gone = _HTTPProtocol()
        gone.gone = True
        loop.run_until_complete(app.__rsgi__(_Scope("GET", "/stream"), gone))  # the client left: no error
    assert streamed.response is not None and streamed.response[:2] == ("stream", 200)
    assert streamed.chunks == [b"a", b"b"]
    assert file.response is not None and file.response[:2] == ("file", 200)
    assert Path(file.response[3]) == Path(__file__)
    assert gone.chunks == []


def test_a_failing_startup_stops_the_worker_with_the_traceback() -> None:
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if app.title:
            raise ValueError("no database")
        yield  # pragma: no cover

    app = FastAPI(lifespan=lifespan)
    loop = asyncio.new_event_loop()
    try:
        with pytest.raises(RuntimeError, match=r"(?s)lifespan.startup failed.*ValueError: no database"):
            app.__rsgi_init__(loop)
    finally:
        loop.close()


class _Message:
    def __init__(self, kind: int, data: Any = None) -> None:
        self.kind = kind
        self.data = data


class _WSTransport:
    def __init__(self, incoming: list[_Message]) -> None:
        self.incoming = incoming
        self.sent: list[Any] = []

    async def receive(self) -> _Message:
        return self.incoming.pop(0)

    async def send_str(self, data: str) -> None:
        self.sent.append(data)

    async def send_bytes(self, data: bytes) -> None:
        self.sent.append(data)


class _WSProtocol:
    def __init__(self, incoming: list[_Message]) -> None:
        self.transport = _WSTransport(incoming)
        self.accepted = False
        self.closed: list[int | None] = []

    async def accept(self) -> _WSTransport:
        self.accepted = True
        return self.transport

    def close(self, status: int | None) -> tuple[int, bool]:
        self.closed.append(status)
        return (status or 0, True)


def test_websockets_map_onto_the_rsgi_transport() -> None:
    app = FastAPI()
    seen: list[Any] = []

    @app.websocket("/ws")
    async def ws(websocket: WebSocket) -> None:
        await websocket.accept()
        seen.append(await websocket.receive_text())
        seen.append(await websocket.receive_bytes())
        await websocket.send_text("t")
        await websocket.send_bytes(b"b")
        message = await websocket.receive()
        seen.append((message["type"], message["code"]))

    @app.websocket("/leave")
    async def leave(websocket: WebSocket) -> None:
        await websocket.accept()

    @app.websocket("/reject")
    async def reject(websocket: WebSocket) -> None:
        await websocket.close()

    with _served(app) as loop:
        protocol = _WSProtocol([_Message(2, "hi"), _Message(1, b"\x00"), _Message(0)])
        loop.run_until_complete(app.__rsgi__(_Scope("GET", "/ws", proto="ws"), protocol))
        left = _WSProtocol([])
        loop.run_until_complete(app.__rsgi__(_Scope("GET", "/leave", proto="ws"), left))
        refused = _WSProtocol([])
        loop.run_until_complete(app.__rsgi__(_Scope("GET", "/reject", proto="ws"), refused))
    assert seen == ["hi", b"\x00", ("websocket.disconnect", 1005)]
    assert protocol.transport.sent == ["t", b"b"]
    assert protocol.closed == []  # the client closed first: nothing left to close
    assert left.closed == [1000]  # the endpoint returned without closing: the adapter closes
    assert (refused.accepted, refused.closed) == (False, [403])


def test_addresses_raw_paths_and_headers_convert_as_asgi_has_them() -> None:
    from zephyr._rsgi import _address, _raw_path, _request_headers, _response_headers

    assert _address("127.0.0.1:5000") == ("127.0.0.1", 5000)
    assert _address("[::1]:8000") == ("::1", 8000)
    assert _address("unix-socket") is None
    assert _raw_path("/items/a b") == b"/items/a%20b"
    assert _raw_path("/caf\u00e9") == b"/caf%C3%A9"
    assert _raw_path("/plain/path") == b"/plain/path"
    assert _request_headers(_Headers([("x-a", "1"), ("x-a", "2")])) == [(b"x-a", b"1"), (b"x-a", b"2")]
    assert _request_headers(_Headers([("x-name", "\u20ac")])) == [(b"x-name", "\u20ac".encode())]
    assert _response_headers([(b"x-b", b"\xe9"), [b"x-c", b"2"]]) == [("x-b", "\u00e9"), ("x-c", "2")]
