"""``zephyr._protocol``: Zephyr's HTTP protocol against uvicorn's httptools protocol, byte for byte, on real servers.

Two in-process uvicorn servers on 127.0.0.1 serve the same apps, one with uvicorn's ``HttpToolsProtocol``, one with
``ZephyrHttpProtocol``; every case sends the same raw bytes to both and compares everything that comes back (the
``date`` header aside). Cases cover keep-alive, pipelining, HTTP/1.0, ``HEAD``, 204/304, streamed and chunked
responses, chunked and large request bodies, ``Expect: 100-continue``, malformed requests, app errors, root paths
and proxy headers, on a Zephyr app (the direct path) and on a plain ASGI app.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn
from pydantic import BaseModel
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from tests.support.garbage import garbage_after
from tests.support.services import free_port, port_open
from tests.support.transport import RecordingTransport
from zephyr import FastAPI, Request, Response
from zephyr._protocol import _EAGER, ZephyrHttpProtocol, _Cycle
from zephyr.responses import PlainTextResponse, StreamingResponse

UVICORN = "uvicorn.protocols.http.httptools_impl:HttpToolsProtocol"
ZEPHYR = "zephyr._protocol:ZephyrHttpProtocol"

app = FastAPI()


class UserIn(BaseModel):
    name: str
    age: int


@app.get("/hello")
async def hello() -> dict[str, str]:
    return {"message": "hello"}


@app.get("/users/{user_id}")
async def read_user(user_id: int, limit: int = 10, q: str | None = None) -> dict[str, Any]:
    return {"user_id": user_id, "limit": limit, "q": q}


@app.post("/users", status_code=201)
async def create_user(user: UserIn) -> dict[str, Any]:
    return {"id": 1, **user.model_dump()}


@app.post("/small", max_body_size=10)
async def small(user: UserIn) -> dict[str, Any]:
    return user.model_dump()


@app.get("/cookie")
async def cookie(response: Response) -> dict[str, bool]:
    response.set_cookie("session", "abc")
    response.headers["X-Extra"] = "1"
    return {"ok": True}


@app.get("/close")
async def close(response: Response) -> dict[str, bool]:
    response.headers["Connection"] = "close"
    return {"ok": True}


@app.delete("/items/{item_id}", status_code=204)
async def delete_item(item_id: int) -> None:
    return None


@app.get("/stream")
async def stream() -> StreamingResponse:
    async def chunks() -> Any:
        for number in range(3):
            yield f"chunk {number}\n"
            await asyncio.sleep(0)

    return StreamingResponse(chunks(), media_type="text/plain")


@app.post("/echo")
async def echo(request: Request) -> PlainTextResponse:
    body = await request.body()
    return PlainTextResponse(f"{len(body)} {body[:20].decode()}")


@app.get("/boom")
async def boom() -> None:
    raise RuntimeError("boom")


@app.get("/sync")
def sync_endpoint() -> dict[str, str]:
    return {"thread": "yes"}


@app.get("/slow")
async def slow() -> dict[str, str]:
    await asyncio.sleep(0.05)
    return {"slow": "yes"}


HEARD: list[str] = []
"""What ``raw_app`` received after the body, on ``/wait``."""


async def raw_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """A plain ASGI app (no direct path): echoes what it received, in the framing the path asks for."""
    if scope["type"] != "http":
        return
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    body = b"".join(chunks)
    path = scope["path"].removeprefix(scope["root_path"])  # uvicorn's path holds the root path
    if path == "/wait":  # the client is to leave: what does receive say then?
        HEARD.append((await receive())["type"])
        return
    info = f"{scope['method']} {scope['path']} {scope['query_string']!r} {scope['http_version']} {len(body)}".encode()
    if path == "/raise-late":
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"10")]})
        raise RuntimeError("after the start")
    if path == "/late-body":  # the head goes out before a body that takes its time
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"4")]})
        await asyncio.sleep(0.5)
        await send({"type": "http.response.body", "body": b"late"})
        return
    if path == "/nothing":
        return
    if path == "/chunked":
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": info, "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": True})
        await send({"type": "http.response.body", "body": b"!"})
        return
    if path == "/not-modified":
        await send({"type": "http.response.start", "status": 304, "headers": [(b"etag", b'"x"')]})
        await send({"type": "http.response.body", "body": b""})
        return
    headers = [(b"content-type", b"text/plain"), (b"content-length", str(len(info)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": info})


class _Served:
    def __init__(self, target: Any, http: str, **options: Any) -> None:
        self.port = free_port()
        config = uvicorn.Config(target, host="127.0.0.1", port=self.port, http=http, log_level="critical", **options)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> int:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not port_open("127.0.0.1", self.port, timeout=0.2):
            assert time.monotonic() < deadline, "the in-process server did not start"
            time.sleep(0.05)
        return self.port

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)


@pytest.fixture(scope="module")
def pair() -> Iterator[tuple[int, int]]:
    """A Zephyr app on both protocols: ``(uvicorn's port, Zephyr's port)``."""
    with _Served(app, UVICORN) as reference, _Served(app, ZEPHYR) as ours:
        yield reference, ours


@pytest.fixture(scope="module")
def raw_pair() -> Iterator[tuple[int, int]]:
    """The plain ASGI app on both protocols, under a root path."""
    with _Served(raw_app, UVICORN, root_path="/base") as reference, _Served(raw_app, ZEPHYR, root_path="/base") as ours:
        yield reference, ours


def exchange(port: int, data: bytes | list[bytes], limit: float = 10.0) -> bytes:
    """Send ``data`` (pieces with a pause between) and read until the server closes; the ``date`` value masked."""
    pieces = [data] if isinstance(data, bytes) else data
    received = b""
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.settimeout(limit)
        for piece in pieces:
            sock.sendall(piece)
            time.sleep(0.05)
        with contextlib.suppress(TimeoutError, ConnectionResetError):
            while chunk := sock.recv(65536):
                received += chunk
    return re.sub(rb"date: [^\r]*\r\n", b"date: -\r\n", received)


def _get(path: str, *headers: str, version: str = "1.1", close: bool = False) -> bytes:
    lines = [f"GET {path} HTTP/{version}", "Host: 127.0.0.1", *headers]
    if close:
        lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def _post(path: str, body: bytes, *headers: str, close: bool = True) -> bytes:
    lines = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", "Content-Type: application/json", *headers]
    if not any(h.lower().startswith("transfer-encoding") for h in headers):
        lines.append(f"Content-Length: {len(body)}")
    if close:
        lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


_USER = b'{"name": "Ada", "age": 36}'

CASES: dict[str, bytes | list[bytes]] = {
    "json": _get("/hello", close=True),
    "keep-alive then close": _get("/hello") + _get("/users/42?limit=3&q=x") + _get("/hello", close=True),
    "pipelined with a slow first": _get("/slow") + _get("/hello") + _get("/sync", close=True),
    "path and query": _get("/users/42?limit=3&q=a%20b", close=True),
    "percent-encoded path": _get("/users/4%32", close=True),
    "validation error": _get("/users/abc", close=True),
    "not found": _get("/nope", close=True),
    "method not allowed": _post("/hello", b""),
    "post a model": _post("/users", _USER),
    "post an invalid model": _post("/users", b'{"name": "Ada"}'),
    "post a broken body": _post("/users", b"{nope"),
    "post a model, kept alive": _post("/users", _USER, close=False) + _post("/users", b'{"name": "Bo", "age": 40}'),
    "post a model in pieces": [_post("/users", _USER)[:-6], _USER[-6:]],
    "post a model in chunks": _post(
        "/users", b"%x\r\n%b\r\n%x\r\n%b\r\n0\r\n\r\n" % (9, _USER[:9], 17, _USER[9:]), "Transfer-Encoding: chunked"
    ),
    "post a model, expecting 100-continue": _post("/users", _USER, "Expect: 100-continue"),
    "post a model over the route's limit": _post("/small", _USER),
    "head": b"HEAD /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    "204": b"DELETE /items/3 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    "extra headers": _get("/cookie", close=True),
    "app asks to close": _get("/close") + _get("/hello"),
    "http/1.0": _get("/hello", version="1.0"),
    "http/1.0 keep-alive": _get("/hello", "Connection: keep-alive", version="1.0") + _get("/hello", close=True),
    "streamed response": _get("/stream", close=True),
    "app error": _get("/boom"),
    "sync endpoint": _get("/sync", close=True),
    "chunked upload": _post("/echo", b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", "Transfer-Encoding: chunked"),
    "large upload": _post("/echo", b"x" * 300_000),
    "upload in pieces": [_post("/echo", b"a" * 10)[:-5], b"aaaaa"],
    "100-continue": _post("/echo", b"abc", "Expect: 100-continue"),
    "malformed": b"GET /hello HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n",
    "malformed after a good one": _get("/hello") + b"NOT HTTP\r\n\r\n",
    "forwarded": _get("/hello", "X-Forwarded-For: 10.0.0.1", "X-Forwarded-Proto: https", close=True),
}


@pytest.mark.parametrize("case", list(CASES))
def test_same_bytes_as_uvicorn_on_a_zephyr_app(pair: tuple[int, int], case: str) -> None:
    reference, ours = pair
    expected = exchange(reference, CASES[case])
    assert expected  # the case answers something
    if case == "malformed after a good one" and _EAGER:
        # Python 3.12+ runs the good request before the parser meets the bad one: answered, then 400 (as h11
        # does); uvicorn's task for it runs after the 400 closed the connection, so only the 400 goes out.
        expected = exchange(reference, _get("/hello")[:-2] + b"Connection: close\r\n\r\n") + expected
        expected = expected.replace(b"connection: close\r\n\r\n{", b"\r\n{", 1)
    assert exchange(ours, CASES[case]) == expected


RAW_CASES: dict[str, bytes | list[bytes]] = {
    "root path and query": _get("/x/y?a=1", close=True),
    "chunked response": _get("/chunked", close=True),
    "304": _get("/not-modified", close=True),
    "head without a length": b"HEAD /chunked HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    "error after the start": _get("/raise-late"),
    "no response at all": _get("/nothing"),
    "absolute-form target": b"GET http://example.com/a?b=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    "chunked body in pieces": [
        b"POST /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n3\r\nabc\r\n",
        b"2\r\nde\r\n",
        b"0\r\n\r\n",
    ],
    "late body": _get("/late-body", close=True),
    "pipelined bodies": _post("/a", b"12345", close=False) + _post("/b", b"678", close=False) + _get("/c", close=True),
}


@pytest.mark.parametrize("case", list(RAW_CASES))
def test_same_bytes_as_uvicorn_on_a_plain_asgi_app(raw_pair: tuple[int, int], case: str) -> None:
    reference, ours = raw_pair
    expected = exchange(reference, RAW_CASES[case])
    assert expected
    assert exchange(ours, RAW_CASES[case]) == expected


def test_a_zephyr_app_answers_json_through_the_direct_path(
    pair: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, ours = pair
    calls: list[int] = []
    respond = _Cycle.respond_json

    def counted(self: _Cycle, status: int, *args: Any) -> None:
        calls.append(status)
        respond(self, status, *args)

    monkeypatch.setattr(_Cycle, "respond_json", counted)
    exchange(
        ours, _get("/hello") + _get("/cookie") + b"DELETE /items/3 HTTP/1.1\r\nHost: x\r\n\r\n" + _get("/x", close=True)
    )
    assert calls == [200, 200, 204]  # not the 404, which an exception handler answers
    assert issubclass(ZephyrHttpProtocol, HttpToolsProtocol)


def test_a_zephyr_route_takes_a_whole_body_without_receive(
    pair: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A body that is all in when the route reads it is taken from the cycle (zephyr._compile.direct), as the one
    # message receive would hand over; a body still on its way, or one the client waits to send (100-continue),
    # goes through receive. The answers are uvicorn's either way (the byte-for-byte cases above).
    _, ours = pair
    received: list[bool] = []
    taken: list[bytes | None] = []
    receive, take = _Cycle.receive, _Cycle.take_body

    async def counted_receive(self: _Cycle) -> dict[str, Any]:
        received.append(True)
        return await receive(self)

    def counted_take(self: _Cycle) -> bytes | None:
        taken.append(take(self))
        return taken[-1]

    monkeypatch.setattr(_Cycle, "receive", counted_receive)
    monkeypatch.setattr(_Cycle, "take_body", counted_take)
    assert b'"name":"Ada"' in exchange(ours, CASES["post a model"])
    assert (taken, received) == ([_USER], [])
    taken.clear()
    assert b'"name":"Ada"' in exchange(ours, CASES["post a model in chunks"])
    assert (taken, received) == ([_USER], [])  # two pieces in one buffer, handed over as one bytes object
    taken.clear()
    assert b'"name":"Ada"' in exchange(ours, CASES["post a model in pieces"])
    assert taken == [None]
    assert received


def test_the_app_hears_the_client_leave(raw_pair: tuple[int, int]) -> None:
    for port in raw_pair:
        HEARD.clear()
        with socket.create_connection(("127.0.0.1", port)) as sock:
            sock.sendall(_get("/wait"))
            time.sleep(0.1)
        deadline = time.monotonic() + 5
        while not HEARD and time.monotonic() < deadline:
            time.sleep(0.02)
        assert HEARD == ["http.disconnect"]


def test_over_the_concurrency_limit_both_answer_503_alike() -> None:
    with (
        _Served(raw_app, UVICORN, limit_concurrency=1) as reference,
        _Served(raw_app, ZEPHYR, limit_concurrency=1) as ours,
    ):
        expected = exchange(reference, _get("/x", close=True))
        assert expected.startswith(b"HTTP/1.1 503 ")
        assert exchange(ours, _get("/x", close=True)) == expected


def test_the_access_log_reads_as_uvicorn_s(raw_pair: tuple[int, int], caplog: pytest.LogCaptureFixture) -> None:
    lines = []
    for port in raw_pair:
        caplog.clear()
        with caplog.at_level(logging.INFO, logger="uvicorn.access"):
            exchange(port, _get("/x?a=1") + b"HEAD /y HTTP/1.0\r\nHost: x\r\n\r\n")
        lines.append([re.sub(r":\d+ - ", ":- - ", record.getMessage()) for record in caplog.records])
    assert lines[0] == ['127.0.0.1:- - "GET /base/x?a=1 HTTP/1.1" 200', '127.0.0.1:- - "HEAD /base/y HTTP/1.0" 200']
    assert lines[1] == lines[0]


def test_a_response_head_is_not_held_back_while_the_app_waits(raw_pair: tuple[int, int]) -> None:
    _, ours = raw_pair
    with socket.create_connection(("127.0.0.1", ours)) as sock:
        sock.settimeout(5)
        sock.sendall(_get("/late-body", close=True))
        head = sock.recv(65536)
        assert head.startswith(b"HTTP/1.1 200 OK\r\n")
        assert head.endswith(b"\r\n\r\n")  # the head alone: the body is still 0.5 s away


_REQUESTS_COUNTED = 50

_CYCLE_CASES = {
    "json": _get("/hello"),
    "params": _get("/users/42?limit=3"),
    "body": _post("/users", b'{"name": "Ada", "age": 36}', "Content-Type: application/json", close=False),
    "invalid": _get("/users/abc"),
    "missing": _get("/nowhere"),
    "error": _get("/boom"),
}


@pytest.mark.parametrize("case", list(_CYCLE_CASES))
def test_a_request_on_the_direct_path_leaves_no_cycles(case: str) -> None:
    # The scope names the cycle answering it (the direct response) and the cycle holds the scope: unless that link
    # goes once the request is served, every request is garbage only the collector frees, and its full passes stall
    # a loaded server for tens of milliseconds.
    from uvicorn.server import ServerState

    config = uvicorn.Config(app, http=ZEPHYR, lifespan="off", access_log=False, log_level="critical")
    config.load()
    state = ServerState()
    loop = asyncio.new_event_loop()

    async def serve(protocol: ZephyrHttpProtocol, transport: RecordingTransport) -> None:
        served = state.total_requests
        protocol.data_received(_CYCLE_CASES[case])
        for _ in range(1000):
            await asyncio.sleep(0)
            if state.total_requests > served and not protocol.tasks:
                return
        raise AssertionError(f"no answer: {transport.written[-300:]!r}")

    try:
        with contextlib.redirect_stderr(None):
            protocol = ZephyrHttpProtocol(config=config, server_state=state, app_state={}, _loop=loop)
            transport = RecordingTransport()
            protocol.connection_made(transport)
            # A cycle per request would leave hundreds of objects; fewer than one per request is what other threads
            # of the test process (in-process servers of other tests) may leave meanwhile.
            left = garbage_after(lambda: loop.run_until_complete(serve(protocol, transport)), _REQUESTS_COUNTED)
            assert left < _REQUESTS_COUNTED
            protocol.connection_lost(None)
    finally:
        loop.close()
