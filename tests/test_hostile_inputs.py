"""Hostile input, in-process: every malformed, oversized or odd request gets a clear 4xx, never a 500 or a hang.

The app is ``tests/e2e/apps/hostile.py`` (typical features behind ``RequestLimitsMiddleware``). Most requests go
through raw ASGI calls, so that any bytes can sit in the path, query string, headers and body, the body can stop
early, and the client can leave mid-body or mid-response; an exception escaping the app fails the test (it is what
a server would log). Each call runs under a timeout. Hypothesis drives the random inputs with bounded example
counts; after each property the app still answers a normal request.

Known bugs in modules another helper owns are pinned by ``xfail(strict=True)`` tests at the end, each naming the
function and the fix.
"""

from __future__ import annotations

import gc
import itertools
import json
import time
import tracemalloc
import urllib.parse
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import anyio
import fastapi
import fastapi.testclient
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, Field

import zephyr
from tests.e2e.apps.hostile import BODY_TIMEOUT, LIMITS, UPLOAD_LIMIT, make_app
from tests.support.timing import no_collections
from zephyr.testclient import TestClient
from zephyr.types import ASGIApp, Message

APP = make_app()
TIMEOUT = 5.0
PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

JSON_CT = b"application/json"
FORM_CT = b"application/x-www-form-urlencoded"
BOUNDARY = b"hostile-boundary-42"
MULTIPART_CT = b"multipart/form-data; boundary=" + BOUNDARY


# --------------------------------------------------------------------------------------------------- raw ASGI calls


@dataclass
class Answer:
    """What the app sent back for one raw ASGI call."""

    status: int | None = None
    headers: dict[bytes, bytes] = field(default_factory=dict)
    body: bytes = b""
    complete: bool = False
    chunks: int = 0

    def json(self) -> Any:
        return json.loads(self.body)


def _scope(
    method: str, raw_path: bytes, query: bytes, headers: Sequence[tuple[bytes, bytes]], spec: str = "2.3"
) -> dict[str, Any]:
    # the path as uvicorn builds it from the request target
    path = urllib.parse.unquote(raw_path.decode("ascii"))
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": spec},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": raw_path,
        "query_string": query,
        "root_path": "",
        "headers": [(b"host", b"testserver"), *headers],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }


async def _acall(app: ASGIApp, scope: dict[str, Any], chunks: Sequence[bytes], *, finish: bool) -> Answer:
    """Feed ``chunks`` as the body (ending it when ``finish``, else the client leaves), collect the answer."""
    answer = Answer()
    chunks = list(chunks) or [b""]
    messages: list[Message] = [
        {"type": "http.request", "body": chunk, "more_body": not (finish and index == len(chunks) - 1)}
        for index, chunk in enumerate(chunks)
    ]

    async def receive() -> Message:
        if messages:
            return messages.pop(0)
        if finish:  # as a server does: nothing more until the client leaves (the timeout catches a hang)
            await anyio.sleep_forever()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start":
            assert answer.status is None, "two response starts"
            answer.status = message["status"]
            answer.headers = {bytes(k).lower(): bytes(v) for k, v in message.get("headers", [])}
        elif message["type"] == "http.response.body":
            assert answer.status is not None, "body before start"
            answer.body += message.get("body", b"")
            answer.chunks += 1
            answer.complete = not message.get("more_body", False)

    with anyio.fail_after(TIMEOUT):
        await app(scope, receive, send)
    return answer


def call(
    method: str,
    path: bytes | str,
    *,
    query: bytes = b"",
    headers: Sequence[tuple[bytes, bytes]] = (),
    body: bytes | Sequence[bytes] = b"",
    finish: bool = True,
    app: ASGIApp = APP,
) -> Answer:
    """One raw ASGI request; an exception escaping the app (what a server would log) fails the test."""
    raw_path = path.encode("ascii") if isinstance(path, str) else path
    chunks = [body] if isinstance(body, bytes) else list(body)
    scope = _scope(method, raw_path, query, headers)
    return anyio.run(lambda: _acall(app, scope, chunks, finish=finish))


def assert_clear(answer: Answer, allowed: set[int]) -> None:
    """The answer is complete, its status allowed, and a 4xx from Zephyr says what was wrong in JSON."""
    assert answer.status in allowed, (answer.status, answer.body[:500])
    assert answer.complete
    assert answer.status != 500
    if answer.status is not None and 400 <= answer.status < 500:
        content_type = answer.headers.get(b"content-type", b"")
        if content_type == b"application/json":
            detail = answer.json()["detail"]
            assert detail, f"an empty detail says nothing: {answer.body!r}"
            if isinstance(detail, list):
                assert all(error["loc"] and error["msg"] and error["type"] for error in detail), detail
            else:
                assert isinstance(detail, str)
        else:  # only the static files' range errors answer in plain text
            assert content_type.startswith(b"text/plain"), (answer.status, answer.headers)
            assert answer.body


def assert_still_serving(app: ASGIApp = APP) -> None:
    answer = call("GET", "/health", app=app)
    assert (answer.status, answer.json()) == (200, {"status": "ok"})


def multipart(*parts: tuple[str, bytes, str | None]) -> bytes:
    """A multipart body: (name, content, filename or None) per part."""
    out = b""
    for name, content, filename in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        out += b"--" + BOUNDARY + b"\r\nContent-Disposition: " + disposition.encode() + b"\r\n\r\n" + content + b"\r\n"
    return out + b"--" + BOUNDARY + b"--\r\n"


# ------------------------------------------------------------------------------------------------------- normal use


def test_the_app_serves_normal_requests() -> None:
    with TestClient(APP, cookies={"session": "s"}) as client:
        assert client.get("/items/3?q=x", headers={"x-token": "t"}).json() == {
            "id": 3,
            "name": "x",
            "price": 1.5,
        }
        assert client.post("/items", json={"name": "a", "price": 2}).status_code == 201
        assert client.post("/login", data={"username": "u", "password": "p"}).json() == {
            "username": "u",
            "remember": False,
        }
        upload = client.post("/upload", files={"file": ("a.txt", b"abc")}, data={"description": "d"})
        assert upload.json() == {"filename": "a.txt", "size": 3, "description": "d"}
        assert client.get("/static/hello.txt").text == "hello, static\n"
        with client.websocket_connect("/ws") as websocket:
            websocket.send_json({"a": 1})
            assert websocket.receive_json() == {"echo": {"a": 1}}


# ----------------------------------------------------------------------------------------------------------- limits


@pytest.mark.parametrize(
    ("request_args", "status", "detail"),
    [
        (
            {"method": "POST", "path": "/raw", "headers": [(b"content-length", b"65537")], "body": b"x" * 65537},
            413,
            "Request body too large: Content-Length is 65537 bytes, the limit is 65536.",
        ),
        (
            {"method": "POST", "path": "/raw", "body": [b"x" * 40_000, b"x" * 40_000]},
            413,
            "Request body too large: more than 65536 bytes were sent, the limit.",
        ),
        (
            {"method": "POST", "path": "/raw", "headers": [(b"content-length", b"1e3")], "body": b"x"},
            400,
            "Invalid Content-Length header: b'1e3'.",
        ),
        (
            {"method": "GET", "path": "/search", "query": b"&".join(b"q=%d" % i for i in range(51))},
            414,
            "Too many query parameters: 51, the limit is 50.",
        ),
        (
            {"method": "GET", "path": "/health", "headers": [(b"x-h", b"1")] * 40},
            431,
            "Too many request headers: 41, the limit is 40.",
        ),
        (
            {"method": "POST", "path": "/items", "headers": [(b"content-type", JSON_CT)], "body": b"[" * 33},
            400,
            "JSON body nested too deeply: more than 32 levels, the limit.",
        ),
    ],
    ids=["content-length", "streamed", "bad-content-length", "query-params", "headers", "json-depth"],
)
def test_limits_answer_with_the_limit_and_the_value(request_args: dict[str, Any], status: int, detail: str) -> None:
    answer = call(**request_args)
    assert (answer.status, answer.json()) == (status, {"detail": detail})
    assert_still_serving()


@pytest.mark.parametrize(
    ("body", "detail_start"),
    [
        (multipart(*[(f"f{i}", b"v", None) for i in range(21)]), "Too many fields"),
        (multipart(*[("file", b"v", f"{i}.txt") for i in range(4)]), "Too many files"),
        (multipart(("file", b"v", "a.txt"), ("description", b"d" * 9000, None)), "Part exceeded maximum size"),
    ],
    ids=["fields", "files", "part-size"],
)
def test_form_limits_answer_400(body: bytes, detail_start: str) -> None:
    answer = call("POST", "/upload", headers=[(b"content-type", MULTIPART_CT)], body=body)
    assert answer.status == 400
    assert answer.json()["detail"].startswith(detail_start)


def test_route_override_lifts_the_body_limit_for_uploads_only() -> None:
    body = multipart(("file", b"z" * 100_000, "big.bin"))
    answer = call("POST", "/upload", headers=[(b"content-type", MULTIPART_CT)], body=body)
    assert (answer.status, answer.json()["size"]) == (200, 100_000)
    too_big = multipart(("file", b"z" * UPLOAD_LIMIT, "big.bin"))
    assert call("POST", "/upload", headers=[(b"content-type", MULTIPART_CT)], body=too_big).status == 413
    assert call("POST", "/raw", body=b"z" * 100_000).status == 413


# ----------------------------------------------------------------------------------------------------------- bodies


ENDPOINTS: dict[str, set[int]] = {
    "/items": {201, 400, 413, 422},
    "/items/7/note": {200, 400, 413, 422},
    "/json": {200, 400, 413, 422},
    "/login": {200, 400, 413, 422},
    "/upload": {200, 400, 413, 422},
    "/files": {200, 400, 413, 422},
    "/raw": {200, 413},
}
CONTENT_TYPES: list[bytes | None] = [
    None,
    JSON_CT,
    b"application/vnd.api+json",
    b"application/json; charset=latin-1",
    FORM_CT,
    MULTIPART_CT,
    b"multipart/form-data",
    b"multipart/form-data; boundary=",
    b'multipart/form-data; boundary="\xff\x00"',
    b"text/plain",
    b"application/octet-stream",
    b"\xff\xfe;;==\x01",
]


def _post(endpoint: str, content_type: bytes | None, body: bytes | Sequence[bytes], *, finish: bool = True) -> Answer:
    headers = [(b"content-type", content_type)] if content_type is not None else []
    return call("POST", endpoint, headers=headers, body=body, finish=finish)


@PROPERTY
@given(
    endpoint=st.sampled_from(sorted(ENDPOINTS)),
    content_type=st.sampled_from(CONTENT_TYPES),
    body=st.binary(max_size=2000),
)
def test_random_bytes_under_each_content_type(endpoint: str, content_type: bytes | None, body: bytes) -> None:
    assert_clear(_post(endpoint, content_type, body), ENDPOINTS[endpoint])


@PROPERTY
@given(
    endpoint=st.sampled_from(sorted(ENDPOINTS)),
    content_type=st.sampled_from(CONTENT_TYPES),
    body=st.binary(min_size=1, max_size=4000),
    cuts=st.lists(st.integers(min_value=1, max_value=4000), max_size=4),
    finish=st.booleans(),
)
def test_bodies_in_pieces_that_may_stop_early(
    endpoint: str, content_type: bytes | None, body: bytes, cuts: list[int], finish: bool
) -> None:
    points = sorted({0, len(body), *(cut for cut in cuts if cut < len(body))})
    pieces = [body[start:end] for start, end in itertools.pairwise(points)]
    allowed = ENDPOINTS[endpoint]
    # request.stream() raises ClientDisconnect when the client leaves: see the e2e test_client_gone_mid_stream
    assume(finish or endpoint != "/raw")
    answer = _post(endpoint, content_type, pieces, finish=finish)
    assert_clear(answer, allowed if finish else allowed - {200, 201})


def _json_text(value: Any) -> str:
    """Serialize with the literals a hostile client writes: NaN, Infinity, huge numbers, duplicate keys."""
    if isinstance(value, Literal):
        return value.text
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(k)}:{_json_text(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_json_text(v) for v in value) + "]"
    return json.dumps(value)


@dataclass(frozen=True)
class Literal:
    text: str


NUMBER_LITERALS = st.sampled_from(
    ["NaN", "Infinity", "-Infinity", "1e999", "-1e999", "1e-999", "-0", "0.0", "9" * 400, "-" + "9" * 4000]
).map(Literal)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20) | NUMBER_LITERALS,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(["name", "price", "tags", "attributes", "note", "x"]), children, max_size=5)
    ),
    max_leaves=20,
)


@PROPERTY
@given(
    endpoint=st.sampled_from(["/items", "/items/7/note", "/json"]),
    value=JSON_VALUES,
    duplicate=st.sampled_from(["", ',"name":"dup"', ',"price":NaN', ',"price":"x"']),
)
def test_json_like_bodies_with_odd_literals(endpoint: str, value: Any, duplicate: str) -> None:
    text = _json_text(value)
    if duplicate and text.startswith("{") and text != "{}":
        text = text[:-1] + duplicate + "}"
    body = text.encode()
    answer = _post(endpoint, JSON_CT, body)
    assert_clear(answer, ENDPOINTS[endpoint])


@pytest.mark.parametrize(
    ("body", "status", "price"),
    [
        (b'{"name":"a","price":1e999}', 201, None),  # inf >= 0; the response model writes null, as FastAPI
        (b'{"name":"a","price":-1e999}', 422, "-Infinity"),
        (b'{"name":"a","price":NaN}', 422, "NaN"),
        (b'{"name":"a","price":-Infinity}', 422, "-Infinity"),
        (b'{"name":"a","price":1,"price":-1}', 422, -1),
        (b'{"name":"a","price":-1,"price":2}', 201, 2.0),
    ],
)
def test_non_finite_numbers_and_duplicate_keys(body: bytes, status: int, price: Any) -> None:
    answer = _post("/items", JSON_CT, body)
    assert answer.status == status
    if status == 422:
        [error] = answer.json()["detail"]
        assert (error["loc"], error["input"]) == (["body", "price"], price)
    else:
        assert answer.json()["price"] == price


@PROPERTY
@given(depth=st.integers(min_value=1, max_value=3000), kind=st.sampled_from(["[]", "{}"]))
def test_deeply_nested_json_is_refused_before_parsing(depth: int, kind: str) -> None:
    opening = b"[" if kind == "[]" else b'{"x":'
    body = opening * depth + b"1" + (b"]" if kind == "[]" else b"}") * depth
    answer = _post("/json", JSON_CT, body)
    if depth > LIMITS["max_json_depth"]:
        assert answer.status == 400
    else:
        assert answer.status == 200


def _valid_upload() -> bytes:
    return multipart(("file", b"0123456789" * 20, "a.txt"), ("description", "é".encode(), None))


@PROPERTY
@given(
    operation=st.sampled_from(["truncate", "delete", "replace", "insert", "boundary"]),
    position=st.integers(min_value=0, max_value=300),
    length=st.integers(min_value=1, max_value=40),
    data=st.binary(min_size=1, max_size=40),
)
def test_broken_multipart_bodies(operation: str, position: int, length: int, data: bytes) -> None:
    body = _valid_upload()
    content_type = MULTIPART_CT
    if operation == "truncate":
        body = body[:position]
    elif operation == "delete":
        body = body[:position] + body[position + length :]
    elif operation == "replace":
        body = body[:position] + data + body[position + len(data) :]
    elif operation == "insert":
        body = body[:position] + data + body[position:]
    else:
        content_type = b"multipart/form-data; boundary=" + data.replace(b"\r", b"").replace(b"\n", b"")
    assert_clear(_post("/upload", content_type, body), {200, 400, 422})


def test_broken_multipart_examples() -> None:
    part = b'Content-Disposition: form-data; name="file"; filename="a"\r\n\r\nabc'
    cases = {
        b"--" + BOUNDARY + b"\r\n" + part: 422,  # never closed: the part is dropped
        b"--other\r\n" + part + b"\r\n--other--\r\n": 400,
        b"--" + BOUNDARY + b"\r\nContent-Disposition\r\n\r\nabc\r\n--" + BOUNDARY + b"--\r\n": 400,
        b"--" + BOUNDARY + b"\r\nX-No-Disposition: 1\r\n\r\nabc\r\n--" + BOUNDARY + b"--\r\n": 400,
        b"": 422,
    }
    for body, status in cases.items():
        answer = _post("/upload", MULTIPART_CT, body)
        assert_clear(answer, {status})
    assert_clear(_post("/upload", b"multipart/form-data", multipart(("file", b"x", "a"))), {400})
    assert_still_serving()


@PROPERTY
@given(body=st.binary(max_size=500) | st.text(max_size=200).map(lambda t: t.encode("utf-8", "surrogatepass")))
def test_random_urlencoded_forms(body: bytes) -> None:
    assert_clear(_post("/login", FORM_CT, body), {200, 400, 422})


@pytest.mark.parametrize(
    ("endpoint", "content_type", "body"),
    [
        ("/login", JSON_CT, b'{"username":"u","password":"p"}'),
        ("/items", FORM_CT, b"name=a&price=1"),
        ("/items", MULTIPART_CT, multipart(("name", b"a", None))),
        ("/upload", JSON_CT, b'{"file":"a"}'),
        ("/upload", FORM_CT, b"file=a"),
        ("/login", MULTIPART_CT, multipart(("username", b"u", "u.txt"), ("password", b"p", None))),
        ("/files", MULTIPART_CT, multipart(("uploads", b"text, not a file", None))),
    ],
)
def test_wrong_content_types_are_422(endpoint: str, content_type: bytes, body: bytes) -> None:
    answer = _post(endpoint, content_type, body)
    assert_clear(answer, {422})


# ------------------------------------------------------------------------------------------------- URLs and headers


PERCENT = st.integers(min_value=0, max_value=255).map(lambda b: f"%{b:02X}")
URL_TEXT = st.lists(
    st.sampled_from([*"abcXYZ019-._~!$&'()*+,;=:@/?#[] ", "..", "%", "%zz", "%E", "%ED%A0%80", "%C0%AF"]) | PERCENT,
    max_size=30,
).map("".join)


@PROPERTY
@given(query=st.binary(max_size=300) | URL_TEXT.map(str.encode), path=st.sampled_from(["/search", "/items/3"]))
def test_random_query_strings(query: bytes, path: str) -> None:
    assert_clear(call("GET", path, query=query), {200, 414, 422})


@PROPERTY
@given(
    prefix=st.sampled_from(["/", "/items/", "/static/", "/search/", "/ws/rooms/"]),
    rest=URL_TEXT.map(lambda t: t.replace("?", "%3F").replace("#", "%23").replace(" ", "%20")),
    method=st.sampled_from(["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "BREW"]),
)
def test_random_paths_and_methods(prefix: str, rest: str, method: str) -> None:
    answer = call(method, (prefix + rest).encode("ascii"))
    assert_clear(answer, {200, 307, 404, 405, 422})
    if answer.status == 307:  # redirect_slashes: to the same origin, never elsewhere
        assert answer.headers[b"location"].startswith(b"http://testserver/"), answer.headers
        assert not answer.headers[b"location"].startswith(b"http://testserver//"), answer.headers
    if answer.status == 200 and prefix == "/static/":
        assert answer.body in (b"hello, static\n", b"")  # nothing outside the directory, ever
    assert b"outside the served directory" not in answer.body


HEADER_VALUES = st.binary(max_size=200).map(lambda v: v.replace(b"\r", b"").replace(b"\n", b"").replace(b"\0", b""))


@PROPERTY
@given(
    name=st.sampled_from(
        [b"x-token", b"cookie", b"content-type", b"accept", b"host", b"range", b"if-none-match", b"if-modified-since"]
    ),
    value=HEADER_VALUES,
    path=st.sampled_from(["/items/3", "/static/hello.txt", "/search"]),
)
def test_random_header_values_and_cookies(name: bytes, value: bytes, path: str) -> None:
    answer = call("GET", path, query=b"q=a", headers=[(name, value)])
    assert_clear(answer, {200, 206, 304, 400, 416, 422})


@PROPERTY
@given(
    cookie=st.lists(
        st.tuples(st.text(max_size=10), st.text(max_size=20)).map(lambda kv: f"{kv[0]}={kv[1]}")
        | st.sampled_from(['"', ";", "=", "session", 'session="\\"', "session=\x7f\x01"]),
        max_size=8,
    ).map(lambda parts: "; ".join(parts).encode("utf-8", "surrogatepass").replace(b"\r", b"").replace(b"\n", b""))
)
def test_random_cookie_strings(cookie: bytes) -> None:
    answer = call("GET", "/items/3", headers=[(b"cookie", cookie)])
    assert_clear(answer, {200})


def test_invalid_utf8_everywhere() -> None:
    bad = b"\xff\xfe\xc0\xaf\xed\xa0\x80"
    assert_clear(call("GET", "/search", query=b"q=" + bad + b"&limit=" + bad), {422})
    assert_clear(call("GET", "/search", query=b"q=%FF%FE%ED%A0%80"), {200})
    assert_clear(call("GET", "/items/%FF%ED%A0%80"), {422})
    assert_clear(call("GET", "/items/3", headers=[(b"x-token", bad), (b"cookie", b"session=" + bad)]), {200})
    assert_clear(_post("/items", JSON_CT, b'{"name":"' + bad + b'","price":1}'), {400})
    assert_clear(_post("/login", FORM_CT, b"username=" + bad + b"&password=%ff"), {200})
    body = multipart(("username", bad, None), ("password", bad, None))
    assert_clear(_post("/login", MULTIPART_CT, body), {200})
    upload = multipart(("file", bad, bad.decode("latin-1")), ("description", bad, None))
    assert_clear(_post("/upload", MULTIPART_CT, upload), {200})
    assert_clear(_post("/items", b"application/json; charset=" + bad, b'{"name":"a","price":1}'), {201})
    assert_still_serving()


def test_huge_numbers_in_path_and_query() -> None:
    assert_clear(call("GET", "/items/" + "9" * 5000), {422})
    assert_clear(call("GET", "/search", query=b"q=a&limit=" + b"9" * 5000), {422})
    assert_clear(call("GET", "/search", query=b"q=a&ratio=1e999"), {200})
    assert_clear(call("GET", "/search", query=b"q=a&ratio=nan&flag=maybe"), {422})


# ---------------------------------------------------------------------------------------------- Content-Length lies


def test_content_length_larger_than_the_body_then_the_client_leaves() -> None:
    headers = [(b"content-type", JSON_CT), (b"content-length", b"1000")]
    answer = call("POST", "/items", headers=headers, body=b'{"name":', finish=False)
    assert (answer.status, answer.json()) == (400, {"detail": "There was an error parsing the body"})


def test_content_length_smaller_than_the_body_reads_what_the_server_delivers() -> None:
    headers = [(b"content-type", JSON_CT), (b"content-length", b"3")]
    answer = call("POST", "/items", headers=headers, body=b'{"name":"a","price":1}')
    assert answer.status == 201  # the server frames the body; the app reads what it is given


@pytest.mark.parametrize("value", [b"-1", b" 12 ", b"1_0", b"0x10", b"\xd9\xa1", b""])
def test_odd_content_length_values_never_break_the_app(value: bytes) -> None:
    headers = [(b"content-type", JSON_CT), (b"content-length", value)]
    assert_clear(call("POST", "/items", headers=headers, body=b"{}"), {400, 422})


# ------------------------------------------------------------------------------------------------------ disconnects


@pytest.mark.parametrize(
    ("endpoint", "content_type", "body"),
    [
        ("/items", JSON_CT, b'{"name":"a","pri'),
        ("/login", FORM_CT, b"username=a&pass"),
        ("/upload", MULTIPART_CT, multipart(("file", b"x" * 5000, "a.bin"))[:3000]),
        ("/files", MULTIPART_CT, b"--" + BOUNDARY + b"\r\nContent-Disp"),
        ("/items/7/note", JSON_CT, b""),
    ],
)
def test_client_gone_mid_body_is_400(endpoint: str, content_type: bytes, body: bytes) -> None:
    answer = _post(endpoint, content_type, [body[: len(body) // 2], body[len(body) // 2 :]] if body else [])
    assert answer.status in {200, 201, 422}  # sanity: with the body complete, the request is valid or not
    answer = call("POST", endpoint, headers=[(b"content-type", content_type)], body=[body], finish=False)
    assert (answer.status, answer.json()) == (400, {"detail": "There was an error parsing the body"})
    assert_still_serving()


def test_client_gone_mid_response_stops_the_stream() -> None:
    scope = _scope("GET", b"/stream", b"chunks=10000", [])
    sent: list[Message] = []

    async def receive() -> Message:
        if len(sent) < 5:
            await anyio.sleep(0.001)
            return {"type": "http.request", "body": b"", "more_body": False}
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)
        await anyio.sleep(0)

    async def run() -> None:
        with anyio.fail_after(TIMEOUT):
            await APP(scope, receive, send)

    anyio.run(run)
    assert sent[0]["status"] == 200
    assert 2 <= len(sent) < 10_000  # stopped well before the end
    assert_still_serving()


def test_slow_body_is_answered_408_after_the_body_timeout() -> None:
    """A client that stops sending mid-body gets 408 once ``body_timeout`` passes (uvicorn alone would wait)."""
    scope = _scope("POST", b"/items", b"", [(b"content-type", JSON_CT)])
    calls = 0
    sent: list[Message] = []

    async def receive() -> Message:
        nonlocal calls
        calls += 1
        if calls == 1:
            return {"type": "http.request", "body": b'{"na', "more_body": True}
        await anyio.sleep_forever()
        raise AssertionError("unreachable")

    async def send(message: Message) -> None:
        sent.append(message)

    async def run() -> float:
        started = time.monotonic()
        with anyio.fail_after(BODY_TIMEOUT + TIMEOUT):
            await APP(scope, receive, send)
        return time.monotonic() - started

    elapsed = anyio.run(run)
    assert BODY_TIMEOUT <= elapsed < BODY_TIMEOUT + 1
    assert sent[0]["status"] == 408
    assert json.loads(sent[1]["body"])["detail"].startswith("Request body timeout: no data for 1 seconds")
    assert_still_serving()


# ------------------------------------------------------------------------------------------------------- WebSockets


def _websocket_answers(path: str, frames: Sequence[str | bytes]) -> list[Message]:
    """Send ``frames`` after the handshake; return what the app sent (close included)."""
    scope = {
        "type": "websocket",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "scheme": "ws",
        "path": urllib.parse.unquote(path.split("?")[0]),
        "raw_path": path.split("?")[0].encode(),
        "query_string": path.partition("?")[2].encode(),
        "root_path": "",
        "headers": [(b"host", b"testserver")],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
        "subprotocols": [],
    }
    inbox: list[Message] = [{"type": "websocket.connect"}]
    inbox += [
        {"type": "websocket.receive", "bytes": f} if isinstance(f, bytes) else {"type": "websocket.receive", "text": f}
        for f in frames
    ]
    sent: list[Message] = []

    async def receive() -> Message:
        if inbox:
            return inbox.pop(0)
        return {"type": "websocket.disconnect", "code": 1000}

    async def send(message: Message) -> None:
        sent.append(message)

    async def run() -> None:
        with anyio.fail_after(TIMEOUT):
            await APP(scope, receive, send)

    anyio.run(run)
    return sent


@pytest.mark.parametrize(
    "frame",
    ["{", "", "\udc80", "[" * 100_000 + "]" * 100_000, b"\xff\xfe", b"{", b"[" * 100_000],
    ids=["truncated", "empty", "surrogate", "deep-text", "not-utf8", "binary-truncated", "deep-binary"],
)
def test_websocket_frames_that_are_not_json_close_1003(frame: str | bytes) -> None:
    sent = _websocket_answers("/ws", [frame])
    assert [m["type"] for m in sent] == ["websocket.accept", "websocket.close"]
    assert (sent[1]["code"], sent[1]["reason"]) == (1003, "Send JSON text frames.")


def test_websocket_json_in_a_binary_frame_is_read() -> None:
    sent = _websocket_answers("/ws", [b'{"a":[1,2]}', '{"b":null}'])
    assert [m.get("text") for m in sent[1:]] == ['{"echo":{"a":[1,2]}}', '{"echo":{"b":null}}']


def test_websocket_echo_of_a_lone_surrogate_escape_can_be_encoded() -> None:
    sent = _websocket_answers("/ws", [r'["\ud800", "é", "\ud83d\ude00"]', '"é"'])
    texts = [m["text"] for m in sent[1:]]
    assert texts == [r'{"echo":["\ud800","\u00e9","\ud83d\ude00"]}', '{"echo":"é"}']
    for text in texts:
        text.encode("utf-8")  # what the server does with a text frame: it must not fail


@pytest.mark.parametrize(
    "path", ["/ws/rooms/abc?token=x", "/ws/rooms/1", "/ws/rooms/1?token=", "/ws/rooms/%FF?token=x"]
)
def test_websocket_invalid_parameters_close_1008(path: str) -> None:
    sent = _websocket_answers(path, [])
    assert [m["type"] for m in sent] == ["websocket.close"]
    assert sent[0]["code"] == 1008


# -------------------------------------------------------------------------------------------------- against FastAPI


class Thing(BaseModel):
    name: str = Field(max_length=10)
    count: int = 0


def _twin(lib: Any) -> Any:
    """The same small app on Zephyr or FastAPI (no Zephyr-only middleware)."""
    app: zephyr.FastAPI = lib.FastAPI()  # typed as Zephyr for both: the same API

    @app.post("/things")
    async def create(thing: Thing) -> dict[str, Any]:
        return thing.model_dump()

    @app.post("/any")
    async def anything(payload: Any = lib.Body()) -> dict[str, str]:
        return {"type": type(payload).__name__}

    @app.post("/form")
    async def form(name: str = lib.Form(), upload: Any = lib.File(None)) -> dict[str, str]:
        return {"name": name}

    @app.get("/things/{thing_id}")
    async def read(thing_id: int, q: list[int] = lib.Query([]), x_n: int = lib.Header(0)) -> dict[str, Any]:
        return {"id": thing_id, "q": q, "n": x_n}

    return app


TWIN_CASES: list[tuple[str, str, dict[str, Any]]] = [
    ("POST", "/things", {"content": b'{"name":"a","name":"b"}', "headers": {"content-type": "application/json"}}),
    ("POST", "/things", {"content": b'{"name":"\xff"}', "headers": {"content-type": "application/json"}}),
    ("POST", "/things", {"content": b'{"name":', "headers": {"content-type": "application/json"}}),
    (
        "POST",
        "/things",
        {"content": b'{"count":' + b"9" * 5000 + b"}", "headers": {"content-type": "application/json"}},
    ),
    ("POST", "/things", {"content": b'{"name":"a"}', "headers": {"content-type": "text/plain"}}),
    ("POST", "/things", {"content": b"name=a", "headers": {"content-type": "application/x-www-form-urlencoded"}}),
    ("POST", "/things", {"content": b"", "headers": {"content-type": "application/json"}}),
    ("POST", "/any", {"content": b"[NaN, Infinity, 1e999]", "headers": {"content-type": "application/json"}}),
    ("POST", "/any", {"content": b"\x00\x01", "headers": {"content-type": "application/json"}}),
    ("POST", "/form", {"content": b"--x\r\nfoo", "headers": {"content-type": "multipart/form-data; boundary=y"}}),
    ("POST", "/form", {"content": b"--x\r\n", "headers": {"content-type": "multipart/form-data"}}),
    (
        "POST",
        "/form",
        {"content": b"name=%ff%zz&name=b", "headers": {"content-type": "application/x-www-form-urlencoded"}},
    ),
    ("GET", "/things/1?q=1&q=x&q=" + "9" * 5000, {}),
    ("GET", "/things/%ff", {"headers": {"x-n": "nan"}}),
    ("GET", "/things/1", {"headers": {"x-n": "1e3"}}),
    ("DELETE", "/things/1", {}),
    ("GET", "/nowhere/%00", {}),
]


@pytest.fixture(scope="module")
def twins() -> Iterator[tuple[TestClient, fastapi.testclient.TestClient]]:
    with (
        TestClient(_twin(zephyr)) as ours,
        fastapi.testclient.TestClient(_twin(fastapi), raise_server_exceptions=False) as theirs,
    ):
        yield ours, theirs


@pytest.mark.parametrize(("method", "url", "kwargs"), TWIN_CASES)
def test_hostile_requests_answered_as_fastapi_answers_them(
    twins: tuple[TestClient, fastapi.testclient.TestClient], method: str, url: str, kwargs: dict[str, Any]
) -> None:
    ours, theirs = twins
    response = ours.request(method, url, **kwargs)
    expected = theirs.request(method, url, **kwargs)
    assert expected.status_code != 500
    assert (response.status_code, response.json()) == (expected.status_code, expected.json())


# ----------------------------------------------------------------------------------- JSON only json.loads reads


def _plain_app() -> zephyr.FastAPI:
    """No RequestLimitsMiddleware: the app as most users build it."""
    app = zephyr.FastAPI()

    @app.post("/any")
    async def anything(payload: Any = zephyr.Body()) -> dict[str, str]:
        return {"type": type(payload).__name__}

    @app.post("/echo")
    async def echo(payload: Any = zephyr.Body()) -> Any:
        return payload

    @app.post("/echo-model", response_model=dict[str, Any])
    async def echo_model(payload: dict[str, Any]) -> Any:
        return payload

    return app


@pytest.mark.parametrize(
    "body",
    [
        b'\xef\xbb\xbf{"a":1}',
        '{"a":1}'.encode("utf-16"),
        b'"\\ud800"',
        b"[" * 300 + b"]" * 300,
    ],
    ids=["bom", "utf-16", "lone-surrogate", "depth-300"],
)
def test_json_python_accepts_but_pydantic_core_refuses(body: bytes) -> None:
    answer = call("POST", "/any", headers=[(b"content-type", JSON_CT)], body=body, app=_plain_app())
    assert (answer.status, answer.json()) == (200, {"type": type(json.loads(body)).__name__})


def test_json_nested_beyond_the_recursion_limit_is_400() -> None:
    body = b"[" * 100_000 + b"]" * 100_000
    answer = call("POST", "/any", headers=[(b"content-type", JSON_CT)], body=body, app=_plain_app())
    assert (answer.status, answer.json()) == (400, {"detail": "There was an error parsing the body"})


def test_integer_too_large_for_a_float_is_422_as_in_fastapi() -> None:
    body = b'{"name":"a","price":1' + b"0" * 400 + b"}"
    answer = _post("/items", JSON_CT, body)
    assert answer.status == 422


# ---------------------------------------------------------------------------------------------- routing under abuse


def test_unique_long_paths_are_not_retained() -> None:
    """The route table remembers matches of short paths only: unique long URLs must not pile up in memory."""
    app = make_app()
    call("GET", "/items/1", app=app)
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for number in range(100):
            assert call("GET", b"/items/%d" % number + b"a" * 100_000, app=app).status == 422
        gc.collect()
        retained = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert retained < 4 * 1024 * 1024, f"{retained / 2**20:.1f} MiB retained by 100 requests of 100 KB paths"


def test_route_with_several_parameters_in_one_segment_does_not_backtrack() -> None:
    """{x}.{y}.{z} must not backtrack polynomially on a segment full of dots followed by another segment."""
    app = zephyr.FastAPI()

    @app.get("/a/{x}.{y}.{z}")
    async def dotted(x: str, y: str, z: str) -> dict[str, str]:
        return {"x": x}

    with no_collections():
        started = time.monotonic()
        answer = call("GET", b"/a/" + b"." * 600 + b"/x", app=app)
        elapsed = time.monotonic() - started
    assert answer.status == 404
    assert elapsed < 0.2, f"{elapsed:.2f} s to refuse a 600-character path"


# ------------------------------------------------------------------------------------------------------- known bugs


@pytest.mark.parametrize("path", ["/echo", "/echo-model"])
def test_echoed_lone_surrogate_is_sent_escaped(path: str) -> None:
    body = b'{"text":"\\ud800"}'
    answer = call("POST", path, headers=[(b"content-type", JSON_CT)], body=body, app=_plain_app())
    assert (answer.status, answer.json()) == (200, {"text": "\ud800"})
