"""Hostile clients against a real uvicorn server running ``tests/e2e/apps/hostile.py``, over raw sockets.

Malformed HTTP (bad request lines, headers without a colon, NUL bytes, huge URLs and headers, smuggling-style
framing), requests that reach Zephyr with bad parameters and bodies, bodies that stop early, clients that leave
mid-body or mid-response, slow byte-by-byte senders, pipelining, many idle connections, WebSocket abuse. Each must
get a 4xx (or a closed connection), never a 5xx, never a hang; the server log must show no unhandled exception;
and a normal request must still be answered afterwards. The server's resident memory is sampled around repeated
rounds of abuse and must not keep growing.

Everything targets 127.0.0.1; every loop is bounded in count and in time.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.e2e.apps.hostile import BODY_TIMEOUT
from tests.support.server import Server, run_server

pytestmark = pytest.mark.e2e

websockets_client = pytest.importorskip("websockets.sync.client")
websockets_exceptions = pytest.importorskip("websockets.exceptions")

TIMEOUT = 5.0
HOST = b"Host: 127.0.0.1\r\n"
JSON_CT = b"Content-Type: application/json\r\n"
# what uvicorn logs for a request its parser refuses; anything else in the log is a finding
EXPECTED_LOG = "WARNING uvicorn.error: Invalid HTTP request received."


# ------------------------------------------------------------------------------------------------------ the server


@dataclass
class Hostile:
    """The running server and the log file its app writes warnings and errors to."""

    server: Server
    log: Path
    parser: str

    @property
    def port(self) -> int:
        return self.server.port

    def log_size(self) -> int:
        return self.log.stat().st_size if self.log.exists() else 0

    def unexpected_log(self, since: int = 0, wait: float = 0.0) -> list[str]:
        """Log lines written after offset ``since`` other than the parser's refusals.

        With ``wait``, poll that long for lines to appear (the server may log after the client got its answer).
        """
        deadline = time.monotonic() + wait
        while True:
            text = ""
            if self.log.exists():
                with self.log.open("rb") as handle:
                    handle.seek(since)
                    text = handle.read().decode("utf-8", "replace")
            lines = [line for line in text.splitlines() if line and line != EXPECTED_LOG]
            if lines or time.monotonic() >= deadline:
                return lines
            time.sleep(0.05)


@pytest.fixture(scope="module", params=["httptools", "h11"])
def hostile(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hostile]:
    directory = tmp_path_factory.mktemp(f"hostile-{request.param}")
    log = directory / "server.log"
    env = {"HOSTILE_LOG": str(log), "HOSTILE_STATIC": str(directory)}
    with run_server("tests.e2e.apps.hostile:app", args=["--http", request.param], env=env) as server:
        hostile = Hostile(server, log, request.param)
        yield hostile
        # the whole module's log, once more, after giving late writers a moment
        assert hostile.unexpected_log(wait=0.5) == []


@pytest.fixture
def clean_log(hostile: Hostile) -> Iterator[Hostile]:
    """Fail the test if the server logged anything but parser refusals while it ran; check it still serves."""
    start = hostile.log_size()
    yield hostile
    assert_serving(hostile)
    assert hostile.unexpected_log(start) == []


def assert_serving(hostile: Hostile) -> None:
    with httpx.Client(base_url=hostile.server.url, timeout=TIMEOUT) as client:
        response = client.get("/health")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


# ------------------------------------------------------------------------------------------------------ raw HTTP


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> object:
        return json.loads(self.body)


def _parse_one(data: bytes) -> tuple[Reply, bytes] | None:
    """Parse one response off the front of ``data``; None when it is not complete yet."""
    head, sep, rest = data.partition(b"\r\n\r\n")
    if not sep:
        return None
    status_line, *lines = head.decode("latin-1").split("\r\n")
    status = int(status_line.split(" ")[1])
    headers = {}
    for line in lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if headers.get("transfer-encoding") == "chunked":
        body = b""
        while True:
            size_line, crlf, rest = rest.partition(b"\r\n")
            if not crlf:
                return None
            size = int(size_line.split(b";")[0], 16)
            if len(rest) < size + 2:
                return None
            body, rest = body + rest[:size], rest[size + 2 :]
            if size == 0:
                return Reply(status, headers, body), rest
    length = int(headers.get("content-length", "0"))
    if len(rest) < length:
        return None
    return Reply(status, headers, rest[:length]), rest[length:]


def exchange(
    port: int, data: bytes, *, responses: int = 1, shutdown: bool = False, timeout: float = TIMEOUT
) -> tuple[list[Reply], bool]:
    """Send ``data``; read up to ``responses`` responses. Returns them and whether the server closed the connection.

    ``shutdown`` half-closes the socket after sending (a client that stops sending and leaves).
    """
    replies: list[Reply] = []
    closed = False
    deadline = time.monotonic() + timeout
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        with contextlib.suppress(OSError):  # the server may refuse and close before everything is sent
            sock.sendall(data)
            if shutdown:
                sock.shutdown(socket.SHUT_WR)
        buffer = b""
        while len(replies) < responses:
            sock.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                closed = True
                break
            except TimeoutError:
                raise AssertionError(f"no complete answer within {timeout} s; got {buffer[:300]!r}") from None
            if not chunk:
                closed = True
                break
            buffer += chunk
            while (parsed := _parse_one(buffer)) is not None:
                reply, buffer = parsed
                replies.append(reply)
    return replies, closed


def one(port: int, data: bytes, *, shutdown: bool = False) -> Reply | None:
    """The single answer to ``data`` (None when the server closed without answering)."""
    replies, _ = exchange(port, data, shutdown=shutdown)
    return replies[0] if replies else None


def assert_clear_json(reply: Reply | None, status: int) -> dict[str, object]:
    assert reply is not None
    assert reply.status == status, (reply.status, reply.body[:300])
    assert reply.headers["content-type"] == "application/json"
    payload = reply.json()
    assert isinstance(payload, dict)
    assert payload["detail"]
    return payload


# ------------------------------------------------------------------------------------------------------ malformed


# Bodies go to /items, which reads them through Zephyr's body reader (a broken body is a 400 there); /raw reads
# request.stream() itself, see test_client_gone_mid_stream_is_not_logged_as_an_error.
MALFORMED = {
    "garbage-request-line": b"GARBAGE\r\n\r\n",
    "unknown-version": b"GET /health HTTP/9.9\r\n" + HOST + b"\r\n",
    "header-without-colon": b"GET /health HTTP/1.1\r\n" + HOST + b"NoColonHere\r\n\r\n",
    "nul-in-header": b"GET /health HTTP/1.1\r\n" + HOST + b"X-A: a\x00b\r\n\r\n",
    "nul-in-target": b"GET /he\x00alth HTTP/1.1\r\n" + HOST + b"\r\n",
    "high-bytes-in-target": b"GET /items/\xff\xfe HTTP/1.1\r\n" + HOST + b"\r\n",
    "space-before-colon": b"GET /health HTTP/1.1\r\n" + HOST + b"X-A : b\r\n\r\n",
    "obsolete-line-folding": b"GET /health HTTP/1.1\r\n" + HOST + b"X-A: b\r\n c\r\n\r\n",
    "bare-lf": b"GET /health HTTP/1.1\nHost: x\n\n",
    "content-length-and-chunked": b"POST /items HTTP/1.1\r\n"
    + HOST
    + b"Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    "two-content-lengths": b"POST /items HTTP/1.1\r\n" + HOST + b"Content-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
    "negative-content-length": b"POST /items HTTP/1.1\r\n" + HOST + b"Content-Length: -1\r\n\r\n",
    "text-content-length": b"POST /items HTTP/1.1\r\n" + HOST + b"Content-Length: abc\r\n\r\n",
    "huge-content-length": b"POST /items HTTP/1.1\r\n" + HOST + b"Content-Length: 99999999999999999999999\r\n\r\n",
    "bad-chunk-size": b"POST /items HTTP/1.1\r\n" + HOST + JSON_CT + b"Transfer-Encoding: chunked\r\n\r\nZZ\r\nabc\r\n",
    "unknown-transfer-encoding": b"POST /items HTTP/1.1\r\n" + HOST + b"Transfer-Encoding: gzip\r\n\r\nabc",
    "http2-preface": b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
    "tls-client-hello": b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(40),
    "url-100k": b"GET /" + b"a" * 100_000 + b" HTTP/1.1\r\n" + HOST + b"\r\n",
    "websocket-bad-key": b"GET /ws HTTP/1.1\r\n"
    + HOST
    + b"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: abc\r\nSec-WebSocket-Version: 13\r\n\r\n",
}


# h11 reads these leniently, as RFC 9112 allows (a bare LF as a line end, obs-fold replaced by a space, HTTP/9.9
# as the highest 1.x); httptools refuses them. Either way the answer is not a 5xx.
LENIENT = {"h11": {"unknown-version", "obsolete-line-folding", "bare-lf"}, "httptools": set()}


@pytest.mark.parametrize(("name", "data"), MALFORMED.items(), ids=MALFORMED.keys())
def test_malformed_http_is_refused_with_a_4xx_or_a_close(clean_log: Hostile, name: str, data: bytes) -> None:
    replies, closed = exchange(clean_log.port, data, responses=1)
    if replies:
        lowest = 200 if name in LENIENT[clean_log.parser] else 400
        assert lowest <= replies[0].status < 500, (replies[0].status, replies[0].body[:200])
    else:
        assert closed  # refused by closing: acceptable for bytes that are not HTTP at all


@pytest.mark.parametrize("size", [8_000, 60_000])
def test_very_long_header_is_refused_or_served(clean_log: Hostile, size: int) -> None:
    reply = one(clean_log.port, b"GET /health HTTP/1.1\r\n" + HOST + b"X-Big: " + b"a" * size + b"\r\n\r\n")
    # h11 refuses heads over 16 KiB (431 or 400), httptools has no limit; both answer
    assert reply is not None
    assert reply.status in {200, 400, 431}


# ------------------------------------------------------------------------------------------------------ reaching Zephyr


def _get(target: bytes, *headers: bytes) -> bytes:
    return b"GET " + target + b" HTTP/1.1\r\n" + HOST + b"".join(headers) + b"Connection: close\r\n\r\n"


def _post(target: bytes, body: bytes, *headers: bytes) -> bytes:
    length = b"Content-Length: %d\r\n" % len(body)
    return (
        b"POST " + target + b" HTTP/1.1\r\n" + HOST + b"".join(headers) + length + b"Connection: close\r\n\r\n" + body
    )


ZEPHYR_CASES = {
    "bad-percent-path": (_get(b"/items/%ff%fe"), 422),
    "surrogate-percent-path": (_get(b"/items/%ED%A0%80"), 422),
    "huge-int-path": (_get(b"/items/" + b"9" * 5000), 422),
    "missing-query": (_get(b"/search"), 422),
    "too-many-query-params": (_get(b"/search?" + b"&".join(b"q=%d" % i for i in range(60))), 414),
    "too-many-headers": (_get(b"/health", *(b"X-%d: 1\r\n" % i for i in range(60))), 431),
    "unknown-path": (_get(b"/nowhere/%00/.."), 404),
    "static-traversal": (_get(b"/static/../secret.txt"), 404),
    "static-encoded-traversal": (_get(b"/static/%2e%2e/secret.txt"), 404),
    "static-encoded-slash": (_get(b"/static/..%2fsecret.txt"), 404),
    "method-not-allowed": (b"DELETE /health HTTP/1.1\r\n" + HOST + b"Connection: close\r\n\r\n", 405),
    "body-too-large": (_post(b"/raw", b"x" * 70_000), 413),
    "json-too-deep": (_post(b"/json", b"[" * 40 + b"]" * 40, JSON_CT), 400),
    "json-invalid-utf8": (_post(b"/items", b'{"name":"\xff","price":1}', JSON_CT), 400),
    "json-nan-price": (_post(b"/items", b'{"name":"a","price":NaN}', JSON_CT), 422),
    "json-truncated": (_post(b"/items", b'{"name":"a","pri', JSON_CT), 422),
    "json-as-text": (_post(b"/items", b'{"name":"a","price":1}', b"Content-Type: text/plain\r\n"), 422),
    "form-as-json": (_post(b"/login", b'{"username":"u"}', JSON_CT), 422),
    "multipart-no-boundary": (
        _post(b"/upload", b"--x\r\n", b"Content-Type: multipart/form-data\r\n"),
        400,
    ),
    "multipart-wrong-boundary": (
        _post(b"/upload", b"--x\r\nfoo\r\n--x--\r\n", b"Content-Type: multipart/form-data; boundary=y\r\n"),
        400,
    ),
    "file-where-text-expected": (
        _post(
            b"/login",
            b'--b\r\nContent-Disposition: form-data; name="username"; filename="u"\r\n\r\nx\r\n--b--\r\n',
            b"Content-Type: multipart/form-data; boundary=b\r\n",
        ),
        422,
    ),
}


@pytest.mark.parametrize(("data", "status"), ZEPHYR_CASES.values(), ids=ZEPHYR_CASES.keys())
def test_bad_requests_that_reach_zephyr_get_a_clear_json_4xx(clean_log: Hostile, data: bytes, status: int) -> None:
    assert_clear_json(one(clean_log.port, data), status)


def test_static_files_serve_inside_the_directory_only(clean_log: Hostile) -> None:
    reply = one(clean_log.port, _get(b"/static/hello.txt"))
    assert reply is not None
    assert (reply.status, reply.body) == (200, b"hello, static\n")
    reply = one(clean_log.port, _get(b"/static/hello.txt", b"Range: bytes=999-1000\r\n"))
    assert reply is not None
    assert reply.status == 416
    for target in (b"/static/..%5csecret.txt", b"/static//etc/passwd", b"/static/%00", b"/static/link.txt"):
        reply = one(clean_log.port, _get(target))
        assert reply is not None
        assert reply.status == 404
        assert b"outside the served directory" not in reply.body


# ------------------------------------------------------------------------------------------------------ leaving early


EARLY = {
    "json-content-length-short": b"POST /items HTTP/1.1\r\n" + HOST + JSON_CT + b'Content-Length: 100\r\n\r\n{"na',
    "json-chunked-stops": b"POST /items HTTP/1.1\r\n"
    + HOST
    + JSON_CT
    + b'Transfer-Encoding: chunked\r\n\r\n4\r\n{"na\r\n',
    "form-stops": b"POST /login HTTP/1.1\r\n"
    + HOST
    + b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 50\r\n\r\nusername=a",
    "upload-stops": b"POST /upload HTTP/1.1\r\n"
    + HOST
    + b"Content-Type: multipart/form-data; boundary=x\r\nContent-Length: 1000\r\n\r\n"
    + b'--x\r\nContent-Disposition: form-data; name="file"; filename="a"\r\n\r\nabc',
    "headers-stop": b"GET /health HTTP/1.1\r\n" + HOST + b"X-Half: ",
}


@pytest.mark.parametrize("data", EARLY.values(), ids=EARLY.keys())
def test_client_that_stops_sending_and_leaves(clean_log: Hostile, data: bytes) -> None:
    replies, closed = exchange(clean_log.port, data, shutdown=True)
    # the server may answer 400 (the body ended early) or just close; it must not hang or log an error
    assert closed or all(400 <= reply.status < 500 for reply in replies)


def test_client_gone_mid_stream_is_not_logged_as_an_error(tmp_path: Path) -> None:
    log = tmp_path / "server.log"
    env = {"HOSTILE_LOG": str(log), "HOSTILE_STATIC": str(tmp_path)}
    with run_server("tests.e2e.apps.hostile:app", env=env) as server:  # its own server: the module's log stays clean
        hostile = Hostile(server, log, "httptools")
        data = b"POST /raw HTTP/1.1\r\n" + HOST + b"Content-Length: 100\r\n\r\nabc"
        exchange(hostile.port, data, shutdown=True)
        assert_serving(hostile)
        assert hostile.unexpected_log(wait=2.0) == []


def test_client_that_leaves_mid_response(clean_log: Hostile) -> None:
    for _ in range(10):
        with socket.create_connection(("127.0.0.1", clean_log.port), timeout=TIMEOUT) as sock:
            sock.sendall(_get(b"/stream?chunks=5000"))
            assert sock.recv(4096).startswith(b"HTTP/1.1 200 ")
            # close with a reset, mid-response
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")


def test_slow_byte_by_byte_request_is_answered(clean_log: Hostile) -> None:
    body = b'{"name":"slow","price":2}'
    data = _post(b"/items", body, JSON_CT)
    deadline = time.monotonic() + 10
    with socket.create_connection(("127.0.0.1", clean_log.port), timeout=TIMEOUT) as sock:
        for byte in data:  # about 150 bytes, 2 ms apart
            sock.sendall(bytes([byte]))
            time.sleep(0.002)
            assert time.monotonic() < deadline
        response = b""
        while chunk := sock.recv(65536):
            response += chunk
    parsed = _parse_one(response)
    assert parsed is not None
    assert (parsed[0].status, parsed[0].json()) == (201, {"id": 1, "name": "slow", "price": 2.0})


@pytest.mark.parametrize("endpoint", [b"/items", b"/upload", b"/raw"])
def test_body_that_stalls_gets_408_after_the_body_timeout(clean_log: Hostile, endpoint: bytes) -> None:
    content_type = b"Content-Type: multipart/form-data; boundary=x\r\n" if endpoint == b"/upload" else JSON_CT
    data = b"POST " + endpoint + b" HTTP/1.1\r\n" + HOST + content_type + b"Content-Length: 100\r\n\r\n--x\r\n"
    started = time.monotonic()
    # two responses asked for, so that the read goes on until the server closes the connection
    replies, closed = exchange(clean_log.port, data, responses=2, timeout=BODY_TIMEOUT + TIMEOUT)
    assert BODY_TIMEOUT <= time.monotonic() - started < BODY_TIMEOUT + 2
    assert [reply.status for reply in replies] == [408]
    assert replies[0].json() == {
        "detail": "Request body timeout: no data for 1 seconds, the limit; send the body without pauses."
    }
    assert closed


def test_slow_clients_do_not_block_others(clean_log: Hostile) -> None:
    """Connections that send half a request and wait hold nothing the next client needs."""
    with contextlib.ExitStack() as stack:
        for number in range(20):
            sock = stack.enter_context(socket.create_connection(("127.0.0.1", clean_log.port), timeout=TIMEOUT))
            partial = b"POST /items HTTP/1.1\r\n" + HOST + JSON_CT + b"Content-Length: 100\r\n\r\n{"
            sock.sendall(partial if number % 2 else b"GET /health HTTP/1.1\r\nHost: 12")
        started = time.monotonic()
        assert_serving(clean_log)
        assert time.monotonic() - started < 2


# ------------------------------------------------------------------------------------------------------ pipelining


def test_pipelined_requests_are_answered_in_order(clean_log: Hostile) -> None:
    requests = [b"GET /items/%d?q=p%d HTTP/1.1\r\n" % (n, n) + HOST + b"\r\n" for n in range(20)]
    replies, _ = exchange(clean_log.port, b"".join(requests), responses=20)
    assert [reply.json() for reply in replies] == [{"id": n, "name": f"p{n}", "price": 1.5} for n in range(20)]


def test_pipelined_bad_request_ends_the_connection_after_the_good_ones(clean_log: Hostile) -> None:
    data = (
        b"GET /health HTTP/1.1\r\n"
        + HOST
        + b"\r\n"
        + b"GET /items/abc HTTP/1.1\r\n"
        + HOST
        + b"\r\n"
        + b"GARBAGE\r\n\r\n"
        + b"GET /health HTTP/1.1\r\n"
        + HOST
        + b"\r\n"
    )
    replies, closed = exchange(clean_log.port, data, responses=4)
    statuses = [reply.status for reply in replies]
    # h11 answers the good requests, then 400; httptools parses the whole buffer first and answers only 400; Zephyr's
    # protocol on Python 3.12+ answers what finished before the parser met the garbage (eager tasks), then 400
    assert statuses in ([200, 422, 400], [200, 422], [200, 400], [400]), statuses
    assert closed


# ------------------------------------------------------------------------------------------------------ connections


def test_many_idle_connections_then_normal_requests(clean_log: Hostile) -> None:
    with contextlib.ExitStack() as stack:
        for _ in range(200):
            stack.enter_context(socket.create_connection(("127.0.0.1", clean_log.port), timeout=TIMEOUT))
        with httpx.Client(base_url=clean_log.server.url, timeout=TIMEOUT) as client:
            for number in range(20):
                assert client.get(f"/items/{number}").status_code == 200


def test_concurrent_hostile_and_normal_clients(clean_log: Hostile) -> None:
    errors: list[BaseException] = []

    def abuse(seed: int) -> None:
        try:
            payloads = list(MALFORMED.values()) + [data for data, _ in ZEPHYR_CASES.values()]
            for data in payloads[seed % 5 :: 5]:
                exchange(clean_log.port, data)
        except BaseException as exc:  # collected and reported by the test thread
            errors.append(exc)

    threads = [threading.Thread(target=abuse, args=(seed,)) for seed in range(5)]
    for thread in threads:
        thread.start()
    with httpx.Client(base_url=clean_log.server.url, timeout=TIMEOUT) as client:
        for number in range(30):
            assert client.get(f"/items/{number}").json()["id"] == number
    for thread in threads:
        thread.join(timeout=30)
    assert not [thread for thread in threads if thread.is_alive()]
    assert errors == []


# ------------------------------------------------------------------------------------------------------ WebSockets


def _ws_url(hostile: Hostile, path: str) -> str:
    return f"ws://127.0.0.1:{hostile.port}{path}"


@pytest.mark.parametrize("frame", ["{", b"\xff\xfe", "[" * 50_000 + "]" * 50_000], ids=["truncated", "binary", "deep"])
def test_websocket_non_json_frames_close_1003(clean_log: Hostile, frame: str | bytes) -> None:
    with websockets_client.connect(_ws_url(clean_log, "/ws"), open_timeout=TIMEOUT, close_timeout=TIMEOUT) as ws:
        ws.send(frame)
        with pytest.raises(websockets_exceptions.ConnectionClosed) as info:
            ws.recv(timeout=TIMEOUT)
    assert info.value.rcvd is not None
    assert (info.value.rcvd.code, info.value.rcvd.reason) == (1003, "Send JSON text frames.")


def test_websocket_json_echo_survives_odd_values(clean_log: Hostile) -> None:
    with websockets_client.connect(_ws_url(clean_log, "/ws"), open_timeout=TIMEOUT, close_timeout=TIMEOUT) as ws:
        ws.send(b'{"binary":true}')
        assert json.loads(ws.recv(timeout=TIMEOUT)) == {"echo": {"binary": True}}
        ws.send('{"big":' + "9" * 1000 + "}")
        assert json.loads(ws.recv(timeout=TIMEOUT)) == {"echo": {"big": int("9" * 1000)}}
        ws.send(r'{"lone":"\ud800"}')  # decoded, it cannot be UTF-8 encoded again: sent back escaped
        assert json.loads(ws.recv(timeout=TIMEOUT)) == {"echo": {"lone": "\ud800"}}


@pytest.mark.parametrize("path", ["/ws/rooms/abc?token=x", "/ws/rooms/1", "/ws/rooms/%FF?token=x", "/ws/nowhere"])
def test_websocket_handshake_with_bad_parameters_is_refused(clean_log: Hostile, path: str) -> None:
    with pytest.raises(websockets_exceptions.InvalidStatus) as info:
        websockets_client.connect(_ws_url(clean_log, path), open_timeout=TIMEOUT)
    assert info.value.response.status_code == 403


def test_websocket_frame_over_the_server_limit_is_closed_1009(clean_log: Hostile) -> None:
    with websockets_client.connect(
        _ws_url(clean_log, "/ws"), open_timeout=TIMEOUT, close_timeout=TIMEOUT, max_size=None
    ) as ws:
        with contextlib.suppress(websockets_exceptions.ConnectionClosed):
            ws.send("x" * (17 * 1024 * 1024))  # uvicorn's default --ws-max-size is 16 MiB
        with pytest.raises(websockets_exceptions.ConnectionClosed) as info:
            ws.recv(timeout=TIMEOUT)
    assert info.value.rcvd is not None
    assert info.value.rcvd.code == 1009


# ------------------------------------------------------------------------------------------------------ memory


def _barrage(hostile: Hostile) -> None:
    """One round of abuse: every malformed and Zephyr-refused request, early leavers, a big refused body."""
    for data in MALFORMED.values():
        exchange(hostile.port, data)
    for data, _ in ZEPHYR_CASES.values():
        exchange(hostile.port, data)
    for data in EARLY.values():
        exchange(hostile.port, data, shutdown=True)
    with httpx.Client(base_url=hostile.server.url, timeout=TIMEOUT) as client:
        assert client.post("/raw", content=b"x" * 1_000_000).status_code == 413
        files = {"file": ("big.bin", b"y" * 200_000)}
        assert client.post("/upload", files=files).status_code == 200
    # an upload past the 1 MiB spool size (so on disk) whose client leaves: the temporary file must be closed
    head = b'--x\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\n\r\n'
    exchange(
        hostile.port,
        b"POST /upload HTTP/1.1\r\n"
        + HOST
        + b"Content-Type: multipart/form-data; boundary=x\r\nContent-Length: 3000000\r\n\r\n"
        + head
        + b"z" * 1_500_000,
        shutdown=True,
    )


def _open_files(hostile: Hostile) -> int:
    return len(os.listdir(f"/proc/{hostile.server.proc.pid}/fd"))


def test_rss_does_not_grow_under_repeated_abuse(clean_log: Hostile) -> None:
    for _ in range(2):  # warm-up: imports, caches, allocator arenas
        _barrage(clean_log)
    baseline = clean_log.server.rss_bytes()
    files = _open_files(clean_log)
    samples = []
    for _ in range(6):
        _barrage(clean_log)
        samples.append(clean_log.server.rss_bytes())
    assert baseline > 0
    # no file descriptor left behind (sockets of clients that left, spooled upload files); polled: the server may
    # still be closing the last connections
    deadline = time.monotonic() + 3
    while _open_files(clean_log) > files and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _open_files(clean_log) <= files
    # measured: under 1 MiB of drift over six rounds; a leak of one request's body per request would be far more
    assert max(samples) - baseline < 16 * 1024 * 1024, (baseline, samples)


@pytest.mark.parametrize("parser", ["httptools", "h11"])
def test_unique_long_urls_do_not_pile_up(parser: str, tmp_path: Path) -> None:
    # Measured as the Python memory still allocated (tracemalloc, after a collection), not as RSS: a cache that
    # kept such URLs (the route cache once did, ~47 MiB of them) holds Python objects, while the RSS also counts
    # what the C allocator keeps of freed memory. On Python 3.13 glibc's heap kept ~37 MiB after 400 unique 60 KB
    # URLs and still grew by ~13 then ~7 MiB over two more batches, while the traced memory moved by under 0.1 MiB
    # (with MALLOC_MMAP_THRESHOLD_=32768 the RSS went +29, +21, then -41 MiB: freed memory, kept or returned).
    size = 60_000 if parser == "httptools" else 12_000  # h11 refuses request heads over 16 KiB
    env = {"HOSTILE_LOG": str(tmp_path / "server.log"), "HOSTILE_STATIC": str(tmp_path)}

    def traced(port: int) -> int:
        reply = one(port, _get(b"/__traced__"))
        assert reply is not None and reply.status == 200
        payload = reply.json()
        assert isinstance(payload, dict)
        return int(payload["traced"])

    with run_server("tests.e2e.apps.hostile_traced:app", args=["--http", parser], env=env) as server:
        exchange(server.port, _get(b"/items/warm-up" + b"a" * size))
        baseline = traced(server.port)
        for number in range(400):
            replies, _ = exchange(server.port, _get(b"/items/%d" % number + b"a" * size))
            assert [reply.status for reply in replies] == [422]
        kept = traced(server.port) - baseline
    # 400 kept URLs would be 400 * size bytes at least (23 MiB with httptools, 4.6 MiB with h11)
    assert kept < 400 * size // 10, f"{kept / 2**20:.1f} MiB of Python objects kept after 400 unique URLs"


# ------------------------------------------------------------------------------------------------------ fuzzing


VALID_REQUESTS = [
    _get(b"/items/3?q=x&limit=5", b"X-Token: t\r\n", b"Cookie: session=s\r\n"),
    _get(b"/search?q=a&q=b&ratio=2.5&flag=true"),
    _post(b"/items", b'{"name":"a","price":1.5,"tags":["x"],"attributes":{"k":1}}', JSON_CT),
    _post(b"/login", b"username=u&password=p&remember=true", b"Content-Type: application/x-www-form-urlencoded\r\n"),
    _post(
        b"/upload",
        b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\nhello\r\n'
        b'--b\r\nContent-Disposition: form-data; name="description"\r\n\r\nd\r\n--b--\r\n',
        b"Content-Type: multipart/form-data; boundary=b\r\n",
    ),
]


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    request_index=st.integers(min_value=0, max_value=len(VALID_REQUESTS) - 1),
    operation=st.sampled_from(["replace", "insert", "delete", "truncate"]),
    position=st.integers(min_value=0, max_value=400),
    data=st.binary(min_size=1, max_size=16),
)
# Content-Length and Connection: close deleted: the upload's body becomes a second request; h11 answers both (422,
# then 400 and close), httptools refuses the whole buffer once
@example(request_index=4, operation="delete", position=100, data=b"\x00" * 8)
def test_mutated_requests_never_get_a_5xx(
    hostile: Hostile, request_index: int, operation: str, position: int, data: bytes
) -> None:
    request = VALID_REQUESTS[request_index]
    position = min(position, len(request))
    if operation == "replace":
        request = request[:position] + data + request[position + len(data) :]
    elif operation == "insert":
        request = request[:position] + data + request[position:]
    elif operation == "delete":
        request = request[:position] + request[position + len(data) :]
    else:
        request = request[:position]
    start = hostile.log_size()
    # half-closed after sending: a request left incomplete by the mutation ends instead of waiting for more. Read
    # until the server closes: a mutation can make one request several (with two answers read, the close was not)
    replies, closed = exchange(hostile.port, request, responses=8, shutdown=True)
    assert closed
    assert all(reply.status < 500 for reply in replies), [(reply.status, reply.body[:200]) for reply in replies]
    assert hostile.unexpected_log(start) == []
