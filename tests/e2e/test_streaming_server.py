"""Streaming and SSE on a real uvicorn server: chunks arrive as produced, and a client going away closes the
generator on the server (each app generator writes a marker file from its ``finally``)."""

from __future__ import annotations

import socket
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.server import SERVERS, Server, run_server

pytestmark = pytest.mark.e2e

APP = "tests.e2e.apps.streaming:app"


@pytest.fixture(scope="module")
def markers(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("markers")


@pytest.fixture(scope="module", params=SERVERS)
def server(markers: Path, request: pytest.FixtureRequest) -> Iterator[Server]:
    env = {"MARKER_DIR": str(markers), "SSE_PING_INTERVAL": "0.2"}
    with run_server(APP, env=env, server=request.param) as server:
        yield server


def wait_for_marker(markers: Path, name: str, timeout: float = 5.0) -> str:
    """The marker's content, polled until it exists or the deadline passes."""
    path = markers / name
    deadline = time.monotonic() + timeout
    while not path.exists():
        if time.monotonic() > deadline:
            raise AssertionError(f"marker {name!r} not written within {timeout} s")
        time.sleep(0.01)
    return path.read_text()


def read_until(chunks: Iterator[bytes], needle: bytes, limit: int = 1 << 20) -> bytes:
    """Read from the response until ``needle`` has arrived (bounded in size; the client's timeout bounds time)."""
    received = b""
    while needle not in received:
        received += next(chunks)
        assert len(received) < limit, received[-200:]
    return received


def client() -> httpx.Client:
    return httpx.Client(timeout=httpx.Timeout(5.0))


def test_streaming_response_arrives_incrementally_and_disconnect_closes_it(server: Server, markers: Path) -> None:
    ident = uuid.uuid4().hex
    with client() as http, http.stream("GET", f"{server.url}/stream", params={"id": ident}) as response:
        assert response.status_code == 200
        chunks = response.iter_raw()
        # The server generator waits for go-<id> after its first chunk: receiving that chunk proves it was sent
        # before the generator went on.
        assert read_until(chunks, b"first\n") == b"first\n"
        assert not (markers / f"stream-{ident}").exists()
        (markers / f"go-{ident}").touch()
        read_until(chunks, b"chunk 5\n")
    assert wait_for_marker(markers, f"stream-{ident}") == "closed"


def test_sse_arrives_incrementally_with_headers_and_disconnect_closes_it(server: Server, markers: Path) -> None:
    ident = uuid.uuid4().hex
    with client() as http, http.stream("GET", f"{server.url}/sse", params={"id": ident}) as response:
        assert response.status_code == 200
        assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
        assert response.headers["cache-control"] == "no-cache"
        assert response.headers["x-accel-buffering"] == "no"
        assert response.headers["transfer-encoding"] == "chunked"
        chunks = response.iter_raw()
        assert read_until(chunks, b"\n\n") == b'data: "first"\nid: 0\n\n'
        (markers / f"go-{ident}").touch()
        received = read_until(chunks, b"id: 3\n\n")
        assert received.startswith(b'data: {"n": 1}\nid: 1\n\ndata: {"n": 2}\nid: 2\n\n')
        assert not (markers / f"sse-{ident}").exists()
    assert wait_for_marker(markers, f"sse-{ident}") == "closed"


def test_sync_sse_generator_is_closed_when_the_client_goes_away(server: Server, markers: Path) -> None:
    ident = uuid.uuid4().hex
    with client() as http, http.stream("GET", f"{server.url}/sse-sync", params={"id": ident}) as response:
        assert read_until(response.iter_raw(), b"data: 3\n\n").startswith(b"data: 0\n\ndata: 1\n\n")
    assert wait_for_marker(markers, f"sse-sync-{ident}") == "closed"


def test_sse_keepalive_pings_while_the_generator_is_idle(server: Server, markers: Path) -> None:
    ident = uuid.uuid4().hex
    with client() as http, http.stream("GET", f"{server.url}/sse-idle", params={"id": ident}) as response:
        chunks = response.iter_raw()
        assert read_until(chunks, b"\n\n") == b'data: "hello"\n\n'
        started = time.monotonic()
        received = read_until(chunks, b": ping\n\n: ping\n\n")
        assert received == b": ping\n\n: ping\n\n"
        assert time.monotonic() - started < 3
    assert wait_for_marker(markers, f"sse-idle-{ident}") == "closed"


def test_jsonl_stream_is_closed_when_the_client_goes_away(server: Server, markers: Path) -> None:
    ident = uuid.uuid4().hex
    with client() as http, http.stream("GET", f"{server.url}/jsonl", params={"id": ident}) as response:
        assert response.headers["content-type"] == "application/jsonl"
        read_until(response.iter_raw(), b"}\n{")  # a second line has begun
    assert wait_for_marker(markers, f"jsonl-{ident}") == "closed"


def test_request_is_disconnected_sees_the_client_leave(server: Server, markers: Path) -> None:
    ident = uuid.uuid4().hex
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(f"GET /watch?id={ident} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        assert wait_for_marker(markers, f"watch-started-{ident}") == "yes"
    assert wait_for_marker(markers, f"watch-{ident}") == "disconnected"
