"""Hostile input against an app on Zephyr's defaults (no limits configured), on real uvicorn under h11 and httptools.

The cases follow public advisories and their classes of attack:

- request smuggling through ambiguous framing (``Content-Length`` with ``Transfer-Encoding``, conflicting lengths:
  uvicorn GHSA-33c7-2mpw-hg34-style desync, h11's and llhttp's CL/TE advisories);
- header floods and oversized headers (llhttp and Node's ``max-http-header-size`` advisories, Werkzeug's unbounded
  header parsing), a duplicate ``Host`` (host-header confusion);
- bodies read whole into memory (Litestar's and Starlette's unbounded ``request.body()`` / form reports), slow bodies
  (slow-loris on the body);
- multipart: too many fields or files (Starlette CVE-2023-30798, Werkzeug CVE-2023-25577), oversized part headers
  (python-multipart GHSA-59g5-xgcq-4qw3), junk before the first boundary (python-multipart CVE-2024-53981, a log
  line per byte), a ``Content-Type`` built to backtrack (Starlette/python-multipart CVE-2024-24762);
- response splitting through header values the app copies from the request (CWE-113), non-Latin-1 download names;
- deeply nested JSON (Werkzeug/Flask recursion reports), answered without a traceback in the server's log.

Each case asserts the exact status, that the connection is closed when the request was not read whole, that nothing
smuggled behind a request is answered, and at the end that the server's output holds no traceback or ERROR line.
Everything targets 127.0.0.1; every loop is bounded in count and time.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.support.server import Server, run_server

pytestmark = pytest.mark.e2e

TIMEOUT = 10.0
HOST = b"Host: 127.0.0.1\r\n"
DEADLINE = 2.0  # the app's body_deadline in this battery


@dataclass
class Running:
    server: Server
    log: Path
    parser: str

    def output(self) -> str:
        return self.log.read_text("utf-8", "replace") if self.log.exists() else ""


@pytest.fixture(scope="module", params=["h11", "httptools"])
def running(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    log = tmp_path_factory.mktemp(f"defaults-{request.param}") / "server.log"
    env = {"DEFAULTS_BODY_DEADLINE": str(DEADLINE)}
    with run_server("tests.e2e.apps.defaults:app", args=["--http", request.param], env=env, log=log) as server:
        yield Running(server, log, request.param)
    # The only tracebacks are the app's own bug of copying a client's string into a header, named clearly.
    text = log.read_text("utf-8", "replace")
    assert text.count("Traceback") == text.count("HeaderValueError: Response header 'X-Echo'"), text
    errors = [line for line in text.splitlines() if "ERROR" in line]
    assert set(errors) <= {"ERROR:    Exception in ASGI application"}, errors


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes


def _parse(data: bytes) -> tuple[list[Reply], bool]:
    """The complete responses in ``data`` and whether the stream ended with EOF."""
    closed = data.endswith(b"<EOF>")
    data = data.removesuffix(b"<EOF>")
    replies = []
    while data:
        head, sep, rest = data.partition(b"\r\n\r\n")
        if not sep:
            break
        status_line, *lines = head.decode("latin-1").split("\r\n")
        headers = {}
        for line in lines:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0"))
        replies.append(Reply(int(status_line.split(" ")[1]), headers, rest[:length]))
        data = rest[length:]
    return replies, closed


def exchange(
    port: int, *parts: bytes, wait: float = TIMEOUT, pause: float = 0.0, expect: int | None = None
) -> tuple[list[Reply], bool]:
    """Send ``parts`` on one connection; read until it closes, ``expect`` answers came, or ``wait`` passed."""
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as sock:
        for part in parts:
            try:
                sock.sendall(part)
            except OSError:
                break  # the server refused and closed while we were still sending: what we want
            if pause:
                time.sleep(pause)
        data = b""
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                break
            except OSError:
                data += b"<EOF>"
                break
            if not chunk:
                data += b"<EOF>"
                break
            data += chunk
            if expect is not None and len(_complete(data)) >= expect:
                break
    return _parse(data)


def _complete(data: bytes) -> list[Reply]:
    replies, _ = _parse(data)
    if replies and len(replies[-1].body) < int(replies[-1].headers.get("content-length", "0")):
        replies.pop()
    return replies


def refused(running: Running, request: bytes, *statuses: int) -> Reply:
    """Send one request; it must get exactly one answer with one of ``statuses``, and the connection must close."""
    replies, closed = exchange(running.server.port, request)
    assert len(replies) == 1, replies
    assert replies[0].status in statuses, replies[0]
    assert closed, "the server kept the connection open after refusing the request"
    return replies[0]


def post(path: bytes, body: bytes, *headers: bytes, length: int | None = None) -> bytes:
    declared = len(body) if length is None else length
    return (
        b"POST "
        + path
        + b" HTTP/1.1\r\n"
        + HOST
        + b"".join(h + b"\r\n" for h in headers)
        + b"Content-Length: %d\r\n\r\n" % declared
        + body
    )


def assert_serving(running: Running) -> None:
    with httpx.Client(base_url=running.server.url, timeout=TIMEOUT) as client:
        assert client.get("/health").json() == {"status": "ok"}


# ------------------------------------------------------------------------------------------- framing and headers


def test_content_length_with_transfer_encoding_is_refused_and_nothing_smuggled(running: Running) -> None:
    smuggled = b"GET /?smuggled HTTP/1.1\r\n" + HOST + b"\r\n"
    request = (
        b"POST /raw HTTP/1.1\r\n"
        + HOST
        + b"Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
        + smuggled
    )
    reply = refused(running, request, 400)  # h11 passes it to the app, which refuses; httptools refuses it itself
    assert b"smuggled" not in reply.body
    assert_serving(running)


def test_conflicting_content_lengths_are_refused(running: Running) -> None:
    refused(running, b"POST /raw HTTP/1.1\r\n" + HOST + b"Content-Length: 2\r\nContent-Length: 3\r\n\r\nabc", 400)


def test_duplicate_host_is_refused(running: Running) -> None:
    reply = refused(running, b"GET / HTTP/1.1\r\nHost: a.example\r\nHost: b.example\r\n\r\n", 400)
    if running.parser == "httptools":  # h11 refuses it in its parser; the app answers under httptools
        assert json.loads(reply.body) == {"detail": "Duplicate Host header: a request names one host."}


def test_too_many_headers_are_refused_with_431(running: Running) -> None:
    headers = b"".join(b"X-H%d: v\r\n" % i for i in range(150))
    reply = refused(running, b"GET / HTTP/1.1\r\n" + HOST + headers + b"\r\n", 431)
    assert json.loads(reply.body) == {"detail": "Too many request headers: 151, the limit is 100."}


@pytest.mark.parametrize("size", [20 * 1024, 1024 * 1024], ids=["20KiB", "1MiB"])
def test_oversized_header_is_refused(running: Running, size: int) -> None:
    # h11 refuses a head that is still incomplete past 16 KiB in its parser (400); a head that arrives whole, and any
    # head under httptools, reaches the app, which answers 431.
    expected = 400 if running.parser == "h11" and size > 64 * 1024 else 431
    refused(running, b"GET / HTTP/1.1\r\n" + HOST + b"X-Big: " + b"a" * size + b"\r\n\r\n", expected)
    assert_serving(running)


def test_header_flood_is_refused(running: Running) -> None:
    flood = b"".join(b"X-%d: v\r\n" % i for i in range(20_000))
    refused(running, b"GET / HTTP/1.1\r\n" + HOST + flood + b"\r\n", 400, 431)
    assert_serving(running)


def test_ordinary_requests_keep_the_connection(running: Running) -> None:
    request = b"GET /?a=1 HTTP/1.1\r\n" + HOST + b"\r\n"
    replies, closed = exchange(running.server.port, request + request, wait=1.0, expect=2)
    assert [r.status for r in replies] == [200, 200]
    assert not closed


# ------------------------------------------------------------------------------------------------------ bodies


def test_declared_oversized_body_is_refused_before_it_is_read(running: Running) -> None:
    # 50 MB declared, 64 KiB sent: the 413 comes at once, without the rest.
    started = time.monotonic()
    request = post(b"/json", b"{" + b" " * 65535, b"Content-Type: application/json", length=50_000_000)
    reply = refused(running, request, 413)
    assert (json.loads(reply.body), reply.headers["connection"]) == ({"detail": "Content Too Large"}, "close")
    assert time.monotonic() - started < 5


def test_chunked_body_over_the_default_limit_is_refused(running: Running) -> None:
    chunk = b"a" * (1024 * 1024)
    chunks = [b"%x\r\n" % len(chunk) + chunk + b"\r\n" for _ in range(11)]
    head = b"POST /raw HTTP/1.1\r\n" + HOST + b"Transfer-Encoding: chunked\r\n\r\n"
    replies, closed = exchange(running.server.port, head, *chunks, b"0\r\n\r\n")
    assert [r.status for r in replies] == [413]
    assert closed


def test_body_under_the_default_limit_is_read(running: Running) -> None:
    with httpx.Client(base_url=running.server.url, timeout=TIMEOUT) as client:
        assert client.post("/raw", content=b"x" * (9 * 1024 * 1024)).json() == {"size": 9 * 1024 * 1024}
        assert client.post("/stream", content=b"x" * (12 * 1024 * 1024)).json() == {"size": 12 * 1024 * 1024}


def test_slow_body_hits_the_whole_body_deadline(running: Running) -> None:
    # One byte every 0.2 s keeps any inter-chunk timeout happy; the whole-body deadline (2 s here) cuts it off.
    head = b"POST /raw HTTP/1.1\r\n" + HOST + b"Content-Length: 100\r\n\r\n"
    started = time.monotonic()
    replies, closed = exchange(running.server.port, head, *([b"x"] * 30), pause=0.2, wait=TIMEOUT)
    assert [r.status for r in replies] == [408]
    assert json.loads(replies[0].body) == {
        "detail": f"Request body timeout: the body did not arrive within {DEADLINE:g} seconds."
    }
    assert closed
    assert time.monotonic() - started < DEADLINE + 6


# --------------------------------------------------------------------------------------------------- multipart


def _multipart(parts: list[bytes], boundary: bytes = b"B0UNDARY") -> tuple[bytes, bytes]:
    body = b"".join(b"--" + boundary + b"\r\n" + part + b"\r\n" for part in parts) + b"--" + boundary + b"--\r\n"
    return body, b"Content-Type: multipart/form-data; boundary=" + boundary


def _field(i: int) -> bytes:
    return b'Content-Disposition: form-data; name="f%d"\r\n\r\nv' % i


def _file(i: int) -> bytes:
    return b'Content-Disposition: form-data; name="files"; filename="f%d.txt"\r\n\r\nx' % i


@pytest.mark.parametrize(
    ("parts", "status", "detail"),
    [
        ([_field(i) for i in range(100)], 200, None),
        ([_field(i) for i in range(101)], 400, "Too many fields. Maximum number of fields is 100."),
        ([_file(i) for i in range(100)], 200, None),
        ([_file(i) for i in range(101)], 400, "Too many files. Maximum number of files is 100."),
    ],
    ids=["100-fields", "101-fields", "100-files", "101-files"],
)
def test_multipart_counts(running: Running, parts: list[bytes], status: int, detail: str | None) -> None:
    body, content_type = _multipart(parts)
    replies, _ = exchange(running.server.port, post(b"/form", body, content_type), expect=1)
    assert [r.status for r in replies] == [status]
    if detail is not None:
        assert json.loads(replies[0].body) == {"detail": detail}


def test_urlencoded_field_flood(running: Running) -> None:
    body = b"&".join(b"f%d=v" % i for i in range(200))
    replies, _ = exchange(
        running.server.port, post(b"/form", body, b"Content-Type: application/x-www-form-urlencoded"), expect=1
    )
    assert [r.status for r in replies] == [400]
    assert json.loads(replies[0].body) == {"detail": "Too many fields. Maximum number of fields is 100."}


def test_huge_part_header_is_refused(running: Running) -> None:
    body, content_type = _multipart([b"X-Junk: " + b"a" * 200_000 + b"\r\n" + _field(1)])
    replies, _ = exchange(running.server.port, post(b"/form", body, content_type), expect=1)
    assert [r.status for r in replies] == [400]


def test_junk_before_the_first_boundary_is_cheap_and_quiet(running: Running) -> None:
    body, content_type = _multipart([_field(1)])
    junk = b"\r\n-" * 300_000  # a python-multipart release before 0.0.18 logged a line per byte of this
    started = time.monotonic()
    replies, _ = exchange(running.server.port, post(b"/form", junk + body, content_type), expect=1)
    assert [r.status for r in replies] in ([200], [400])
    assert time.monotonic() - started < 5


def test_backtracking_content_type_is_cheap(running: Running) -> None:
    content_type = b"Content-Type: application/x-www-form-urlencoded; !=" + b'\\"' * 4000
    started = time.monotonic()
    replies, _ = exchange(running.server.port, post(b"/form", b"a=1", content_type), expect=1)
    assert [r.status for r in replies] == [200]
    assert time.monotonic() - started < 3


def test_many_large_uploads_spool_to_disk_uncapped(running: Running) -> None:
    with httpx.Client(base_url=running.server.url, timeout=30) as client:
        files = [("files", (f"{i}.bin", b"z" * (6 * 1024 * 1024))) for i in range(2)]
        assert client.post("/upload", files=files).json() == {"files": 2, "size": 12 * 1024 * 1024}


# ------------------------------------------------------------------------------------- headers set by the app


@pytest.mark.parametrize("value", ["a\r\nSet-Cookie: evil=1", "a\nb", "a\x00b", "caf\u2713"])
def test_unsendable_response_header_is_a_500_not_a_dropped_connection(running: Running, value: str) -> None:
    with httpx.Client(base_url=running.server.url, timeout=TIMEOUT) as client:
        response = client.get("/echo-header", params={"value": value})
    assert (response.status_code, response.text) == (500, "Internal Server Error")
    assert "set-cookie" not in response.headers


def test_non_latin1_download_name_is_encoded(running: Running) -> None:
    with httpx.Client(base_url=running.server.url, timeout=TIMEOUT) as client:
        response = client.get("/download", params={"name": "résumé✓.pdf"})
    assert response.status_code == 200
    assert response.headers["content-disposition"] == (
        "attachment; filename=\"resume.pdf\"; filename*=utf-8''r%C3%A9sum%C3%A9%E2%9C%93.pdf"
    )


# ------------------------------------------------------------------------------------------------- quiet logs


def test_deeply_nested_json_is_a_4xx_without_traceback(running: Running) -> None:
    body = b'{"name": "a", "tags": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    before = running.output()
    replies, _ = exchange(running.server.port, post(b"/json", body, b"Content-Type: application/json"), expect=1)
    assert [r.status for r in replies] == [400]
    assert json.loads(replies[0].body) == {"detail": "There was an error parsing the body"}
    time.sleep(0.3)
    assert running.output() == before


@pytest.mark.parametrize("parser", ["h11", "httptools"])
def test_deep_json_refused_by_the_limits_middleware_logs_nothing(parser: str, tmp_path: Path) -> None:
    """Issue 12's log noise: the depth refusal was raised again when a disconnect watcher read after the answer."""
    log = tmp_path / "server.log"
    env = {"DEFAULTS_DEPTH_LIMIT": "64"}
    with run_server("tests.e2e.apps.defaults:app", args=["--http", parser], env=env, log=log) as server:
        body = b'{"name": "a", "tags": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
        for path in (b"/json", b"/raw", b"/stream"):
            replies, _ = exchange(server.port, post(path, body, b"Content-Type: application/json"), expect=1)
            assert [r.status for r in replies] == [400], path
            assert json.loads(replies[0].body) == {
                "detail": "JSON body nested too deeply: more than 64 levels, the limit."
            }
        with httpx.Client(base_url=server.url, timeout=TIMEOUT) as client:
            assert client.get("/health").status_code == 200
    assert log.read_text("utf-8", "replace") == ""
