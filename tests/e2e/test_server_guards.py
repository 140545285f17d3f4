"""``zephyr run``'s server guards (``zephyr._server``) on real uvicorn: h11, httptools and Zephyr's protocol.

A fresh connection that sends nothing, a head sent a line at a time (slow-loris), a head too large to buffer, and a
connection idle after its response are each closed in bounded time; ordinary and pipelined requests are served.
"""

from __future__ import annotations

import contextlib
import socket
import time
from collections.abc import Iterator

import pytest

from tests.support.processes import started

pytestmark = pytest.mark.e2e

HEAD_TIMEOUT = 1.5
KEEP_ALIVE = 1
REQUEST = b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


@pytest.fixture(scope="module", params=["h11", "httptools", "zephyr"])
def port(request: pytest.FixtureRequest) -> Iterator[int]:
    def command(port: int) -> list[str]:
        return [
            "-m", "zephyr.cli", "run", "tests.e2e.apps.defaults:app", "--port", str(port),
            "--http", request.param, "--head-timeout", str(HEAD_TIMEOUT), "--timeout-keep-alive", str(KEEP_ALIVE),
            "--log-level", "warning",
        ]  # fmt: skip

    with started(command, name=f"zephyr run --http {request.param}", timeout=20) as server:
        yield server.port


def read_until_closed(sock: socket.socket, limit: float) -> tuple[bytes, float]:
    """Read until EOF; return the bytes and the seconds it took (``limit`` at most)."""
    started = time.monotonic()
    sock.settimeout(limit)
    data = b""
    with contextlib.suppress(TimeoutError, ConnectionResetError):
        while chunk := sock.recv(65536):
            data += chunk
    return data, time.monotonic() - started


def test_a_connection_that_sends_nothing_is_closed(port: int) -> None:
    with socket.create_connection(("127.0.0.1", port)) as sock:
        data, took = read_until_closed(sock, HEAD_TIMEOUT + 8)
    assert data == b""
    assert HEAD_TIMEOUT - 0.2 <= took < HEAD_TIMEOUT + 6


def test_a_slow_head_is_answered_408_and_closed(port: int) -> None:
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        started = time.monotonic()
        with contextlib.suppress(OSError):
            for number in range(40):  # a header line every 0.2 s: never idle, never done
                sock.sendall(b"X-Slow-%d: 1\r\n" % number)
                time.sleep(0.2)
                if time.monotonic() - started > HEAD_TIMEOUT + 6:
                    break
        data, _ = read_until_closed(sock, 5)
    assert data.startswith(b"HTTP/1.1 408 Request Timeout\r\n"), data
    assert data.endswith(b"The request head did not arrive in time.")


def test_a_huge_head_is_refused_while_it_streams_in(port: int, request: pytest.FixtureRequest) -> None:
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        with contextlib.suppress(OSError):
            for _ in range(64):  # up to 4 MiB in 64 KiB pieces; the server refuses after the first 64 KiB
                sock.sendall(b"X-Big: " + b"a" * 65_000 + b"\r\n")
        data, _ = read_until_closed(sock, 10)
    if request.node.callspec.params["port"] != "h11":
        assert data.startswith(b"HTTP/1.1 431 Request Header Fields Too Large\r\n"), data
        assert data.endswith(b"The request head is too large.")
    else:  # h11_max_incomplete_event_size, set by zephyr run to the same 64 KiB
        assert data.startswith(b"HTTP/1.1 400 Bad Request\r\n"), data


def test_ordinary_and_pipelined_requests_are_served_then_idle_connections_closed(port: int) -> None:
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(REQUEST + REQUEST)
        data, took = read_until_closed(sock, KEEP_ALIVE + HEAD_TIMEOUT + 8)
    assert data.count(b"HTTP/1.1 200 OK") == 2
    assert data.count(b'{"status":"ok"}') == 2
    assert b"408" not in data
    assert took < KEEP_ALIVE + HEAD_TIMEOUT + 6  # closed by the keep-alive timeout, not left open
