"""``zephyr._server.protocol_for``; the guards themselves run end to end in ``e2e/test_server_guards``."""

from __future__ import annotations

import contextlib
import socket
import sys
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn
from websockets.sync.client import connect

from tests.support.services import free_port, port_open
from zephyr import FastAPI, WebSocket, _server
from zephyr._server import GuardedH11Protocol, GuardedHttpToolsProtocol, protocol_for


def test_protocol_for_each_choice() -> None:
    assert protocol_for("h11") == "zephyr._server:GuardedH11Protocol"
    assert protocol_for("httptools") == "zephyr._server:GuardedHttpToolsProtocol"
    assert protocol_for("auto") == "zephyr._protocol:ZephyrHttpProtocol"  # httptools is installed here
    assert protocol_for("zephyr") == "zephyr._protocol:ZephyrHttpProtocol"
    assert GuardedH11Protocol.__name__ == "GuardedH11Protocol"
    assert GuardedHttpToolsProtocol.__name__ == "GuardedHttpToolsProtocol"
    with pytest.raises(ValueError, match=r"^Unknown --http 'h2'; choose auto, h11, httptools or zephyr\.$"):
        protocol_for("h2")


def test_auto_falls_back_to_uvicorns_httptools_protocol_when_zephyrs_does_not_load(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # a uvicorn release that moved the parts Zephyr's protocol builds on: auto still serves, with the same guards
    monkeypatch.setitem(sys.modules, "zephyr._protocol", None)  # importing it raises ImportError
    assert protocol_for("auto") == "zephyr._server:GuardedHttpToolsProtocol"
    assert protocol_for("zephyr") == "zephyr._protocol:ZephyrHttpProtocol"  # asked for by name: uvicorn reports it


# ------------------------------------------------------------- the protocols in-process (coverage sees them here)

_app = FastAPI()


@_app.get("/health")
async def _health() -> dict[str, str]:
    return {"status": "ok"}


@_app.websocket("/echo")
async def _echo(websocket: WebSocket) -> None:
    await websocket.accept()
    while True:
        await websocket.send_text(await websocket.receive_text())


@pytest.fixture(params=["h11", "httptools", "zephyr"])
def served(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    monkeypatch.setattr(_server, "HEAD_TIMEOUT", 0.5)
    port = free_port()
    config = uvicorn.Config(
        _app, host="127.0.0.1", port=port, http=protocol_for(request.param), log_level="critical", lifespan="off"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not port_open("127.0.0.1", port, timeout=0.2):
            assert time.monotonic() < deadline, "the in-process server did not start"
            time.sleep(0.05)
        yield port
    finally:
        server.should_exit = True
        thread.join(timeout=15)


def _read_all(sock: socket.socket, limit: float) -> bytes:
    sock.settimeout(limit)
    data = b""
    with contextlib.suppress(TimeoutError, ConnectionResetError):
        while chunk := sock.recv(65536):
            data += chunk
    return data


def test_guards_in_process(served: int, request: pytest.FixtureRequest) -> None:
    get = b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    with socket.create_connection(("127.0.0.1", served)) as sock:  # served, then the head deadline closes it
        sock.sendall(get + get)
        assert _read_all(sock, 10).count(b'{"status":"ok"}') == 2
    with socket.create_connection(("127.0.0.1", served)) as sock:  # sends nothing: closed without a word
        assert _read_all(sock, 10) == b""
    with socket.create_connection(("127.0.0.1", served)) as sock:  # half a head: 408
        sock.sendall(b"GET /health HTTP/1.1\r\n")
        assert _read_all(sock, 10).startswith(b"HTTP/1.1 408 Request Timeout\r\n")
    with socket.create_connection(("127.0.0.1", served)) as sock:  # a head over 64 KiB: refused as it streams in
        with contextlib.suppress(OSError):
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n" + b"X-Big: " + b"a" * 70_000 + b"\r\n")
        answer = _read_all(sock, 10)
    # httptools: bounded by zephyr._server as it streams in; h11: by h11_max_incomplete_event_size (zephyr run sets it;
    # this in-process config keeps h11's 16 KiB default)
    assert answer.startswith(
        b"HTTP/1.1 400 " if request.node.callspec.params["served"] == "h11" else b"HTTP/1.1 431 "
    ), answer


def test_a_websocket_outlives_the_head_deadline(served: int) -> None:
    # The upgrade hands the connection to the WebSocket protocol: the HTTP protocol's head timer must not fire into it.
    with connect(f"ws://127.0.0.1:{served}/echo") as client:
        client.send("a")
        assert client.recv(timeout=5) == "a"
        time.sleep(1.0)  # twice the head deadline the fixture sets
        client.send("b")
        assert client.recv(timeout=5) == "b"
