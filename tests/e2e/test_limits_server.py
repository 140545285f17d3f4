"""RequestLimitsMiddleware on a real uvicorn server: oversized uploads get 413 and the server keeps serving."""

from __future__ import annotations

import json
import socket
import time

import httpx
import pytest

from tests.support.server import run_server
from zephyr import FastAPI, Request
from zephyr.middleware.limits import RequestLimitsMiddleware, limits
from zephyr.types import Receive, Scope, Send

pytestmark = pytest.mark.e2e


async def _echo_length(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            await send({"type": f"{message['type']}.complete"})
            if message["type"] == "lifespan.shutdown":
                return
    total = 0
    more = True
    while more:
        message = await receive()
        total += len(message.get("body", b""))
        more = message.get("more_body", False)
    body = json.dumps({"received": total}).encode()
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": body})


app = RequestLimitsMiddleware(_echo_length, max_body_size=10_000)

zephyr_app = FastAPI()
zephyr_app.add_middleware(RequestLimitsMiddleware, max_body_size=10_000)


@zephyr_app.post("/upload")
async def upload(request: Request) -> dict[str, int]:
    return {"received": len(await request.body())}


@zephyr_app.post("/big")
@limits(max_body_size=100_000)
async def big(request: Request) -> dict[str, int]:
    return {"received": len(await request.body())}


@zephyr_app.get("/")
async def index() -> dict[str, bool]:
    return {"ok": True}


def _read_response(sock: socket.socket, deadline: float) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data or len(data) < data.index(b"\r\n\r\n") + 4 + _content_length(data):
        sock.settimeout(max(0.05, deadline - time.monotonic()))
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def _content_length(data: bytes) -> int:
    head = data.split(b"\r\n\r\n", 1)[0].lower()
    for line in head.split(b"\r\n"):
        if line.startswith(b"content-length:"):
            return int(line.split(b":", 1)[1])
    return 0


@pytest.mark.parametrize(
    ("target", "server_name"), [("app", "uvicorn"), ("zephyr_app", "uvicorn"), ("zephyr_app", "granian-rsgi")]
)
def test_oversized_chunked_upload_gets_413_before_body_ends_and_server_keeps_serving(
    target: str, server_name: str
) -> None:
    with run_server(f"tests.e2e.test_limits_server:{target}", server=server_name) as server:
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
            sock.sendall(
                b"POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n"
                b"Content-Type: application/octet-stream\r\n\r\n"
            )
            chunk = b"x" * 4000
            for _ in range(3):  # 12 000 bytes > 10 000, and the terminating chunk is never sent
                sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            response = _read_response(sock, time.monotonic() + 10)
        status_line, _, rest = response.partition(b"\r\n")
        assert status_line.startswith(b"HTTP/1.1 413 ")  # the reason phrase depends on the Python version
        assert b"connection: close" in rest.lower()
        assert json.loads(rest.split(b"\r\n\r\n", 1)[1]) == {
            "detail": "Request body too large: more than 10000 bytes were sent, the limit."
        }

        # The server is still serving, and in-limit uploads still work.
        with httpx.Client(base_url=server.url, timeout=5) as client:
            ok = client.post("/upload", content=iter([b"y" * 3000, b"y" * 3000]))
            assert (ok.status_code, ok.json()) == (200, {"received": 6000})
            too_big = client.post("/upload", content=b"z" * 20_000)
            assert too_big.status_code == 413
            assert too_big.json() == {
                "detail": "Request body too large: Content-Length is 20000 bytes, the limit is 10000."
            }
            assert client.post("/upload", content=b"fine").json() == {"received": 4}


@pytest.mark.parametrize("server_name", ["uvicorn", "granian-rsgi"])
def test_zephyr_app_route_override_on_real_server(server_name: str) -> None:
    with (
        run_server("tests.e2e.test_limits_server:zephyr_app", server=server_name) as server,
        httpx.Client(base_url=server.url, timeout=5) as client,
    ):
        chunks = iter([b"b" * 30_000, b"b" * 30_000])
        assert client.post("/big", content=chunks).json() == {"received": 60_000}
        assert client.post("/big", content=b"b" * 100_001).status_code == 413
        assert client.post("/upload", content=b"u" * 10_001).status_code == 413
        assert client.get("/").json() == {"ok": True}


deadline_app = FastAPI(body_deadline=1.0)


@deadline_app.post("/echo")
async def deadline_echo(request: Request) -> dict[str, int]:
    return {"received": len(await request.body())}


@pytest.mark.parametrize("server_name", ["uvicorn", "granian-rsgi"])
def test_a_body_that_stalls_gets_408_after_the_body_deadline(server_name: str) -> None:
    with run_server("tests.e2e.test_limits_server:deadline_app", server=server_name) as server:
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
            started = time.monotonic()
            sock.sendall(
                b"POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                b'Content-Length: 100\r\n\r\n{"a"'
            )
            response = _read_response(sock, time.monotonic() + 8)
            elapsed = time.monotonic() - started
        assert response.startswith(b"HTTP/1.1 408 "), response[:200]
        assert b"did not arrive within 1 seconds" in response
        assert 0.9 <= elapsed < 4
        with httpx.Client(base_url=server.url, timeout=5) as client:
            assert client.post("/echo", content=b"{}").json() == {"received": 2}
