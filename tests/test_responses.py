from __future__ import annotations

import datetime as dt
import hashlib
import http.cookies
import json
import os
import re
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterator
from email.utils import formatdate
from pathlib import Path
from typing import Any

import anyio
import fastapi.exceptions
import fastapi.responses
import pytest
import starlette.background
import starlette.responses

from tests.support.server import run_server
from zephyr import responses
from zephyr.background import BackgroundTask
from zephyr.exceptions import FastAPIDeprecationWarning
from zephyr.requests import ClientDisconnect
from zephyr.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from zephyr.types import Message, Receive, Scope, Send

pytestmark = pytest.mark.anyio


# --- helpers --------------------------------------------------------------------------------------------------------


def make_scope(
    method: str = "GET",
    headers: tuple[tuple[str, str], ...] = (),
    scope_type: str = "http",
    spec_version: str | None = None,
    extensions: dict[str, Any] | None = None,
) -> Scope:
    scope: Scope = {
        "type": scope_type,
        "path": "/",
        "query_string": b"",
        "headers": [(key.lower().encode("latin-1"), value.encode("latin-1")) for key, value in headers],
    }
    if scope_type == "http":
        scope["method"] = method
    if spec_version is not None:
        scope["asgi"] = {"version": "3.0", "spec_version": spec_version}
    if extensions is not None:
        scope["extensions"] = extensions
    return scope


def idle_receive() -> Receive:
    """A receive like a server's: the (empty) request body, then nothing until the client goes away."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await anyio.sleep_forever()
        raise AssertionError("unreachable")

    return receive


def disconnect_receive() -> Receive:
    async def receive() -> Message:
        return {"type": "http.disconnect"}

    return receive


async def call(app: Any, scope: Scope | None = None, receive: Receive | None = None) -> list[Message]:
    messages: list[Message] = []

    async def send(message: Message) -> None:
        messages.append(message)

    await app(scope if scope is not None else make_scope(), receive or idle_receive(), send)
    return messages


def summary(messages: list[Message]) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """Status, headers and the whole body; checks that the body ends properly."""
    start = messages[0]
    assert start["type"] in ("http.response.start", "websocket.http.response.start")
    bodies = messages[1:]
    assert bodies, "no body message"
    assert all(m["type"].endswith("http.response.body") for m in bodies)
    assert all(m.get("more_body", False) for m in bodies[:-1])
    assert not bodies[-1].get("more_body", False)
    return start["status"], list(start["headers"]), b"".join(bytes(m["body"]) for m in bodies)


# --- Response -------------------------------------------------------------------------------------------------------

RESPONSE_CASES: list[dict[str, Any]] = [
    {},
    {"content": b"hello"},
    {"content": "héllo", "media_type": "text/plain"},
    {"content": "<b>x</b>", "media_type": "text/html; charset=latin-1"},
    {"content": "x", "media_type": "TEXT/css"},
    {"content": b"{}", "media_type": "application/json"},
    {"content": b"abc", "headers": {"X-A": "1", "Content-Type": "text/custom"}, "media_type": "text/plain"},
    {"content": b"abc", "headers": {"Content-Length": "99"}},
    {"content": b"", "status_code": 204},
    {"content": b"", "status_code": 304, "media_type": "text/plain"},
    {"content": b"", "status_code": 101},
    {"content": None, "status_code": 201},
    {"content": memoryview(b"abcdef")},
]


@pytest.mark.parametrize("kwargs", RESPONSE_CASES)
async def test_response_matches_starlette(kwargs: dict[str, Any]) -> None:
    ours = Response(**kwargs)
    theirs = starlette.responses.Response(**kwargs)
    assert bytes(ours.body) == bytes(theirs.body)
    assert ours.raw_headers == theirs.raw_headers
    assert ours.status_code == theirs.status_code
    assert summary(await call(ours)) == summary(await call(theirs))


async def test_response_plain_bytes_exact_headers() -> None:
    response = Response(b"hello", media_type="text/plain")
    assert response.body == b"hello"
    assert response.raw_headers == [(b"content-length", b"5"), (b"content-type", b"text/plain; charset=utf-8")]
    assert await call(response) == [
        {"type": "http.response.start", "status": 200, "headers": response.raw_headers},
        {"type": "http.response.body", "body": b"hello"},
    ]


async def test_response_head_sends_the_body_as_starlette_does() -> None:
    messages = await call(Response(b"abc"), make_scope("HEAD"))
    assert messages[1] == {"type": "http.response.body", "body": b"abc"}


def test_response_non_contiguous_memoryview_is_copied() -> None:
    view = memoryview(b"abcdef")[::2]
    response = Response(view)
    assert bytes(response.body) == b"ace"
    assert response.raw_headers == [(b"content-length", b"3")]


def test_response_2d_memoryview_is_cast_to_bytes() -> None:
    view = memoryview(b"abcdef").cast("B", (2, 3))
    response = Response(view)
    assert bytes(response.body) == b"abcdef"
    assert response.raw_headers == [(b"content-length", b"6")]


def test_response_bytearray_content() -> None:
    assert Response(bytearray(b"ab")).body == b"ab"


def test_response_rejects_other_content_with_a_useful_message() -> None:
    with pytest.raises(TypeError, match=r"Response cannot send content of type int \(42\).*JSONResponse"):
        Response(42)


def test_response_charset_class_attribute() -> None:
    class Latin(PlainTextResponse):
        charset = "latin-1"

    response = Latin("é")
    assert response.body == b"\xe9"
    assert response.raw_headers == [(b"content-length", b"1"), (b"content-type", b"text/plain; charset=latin-1")]


def test_response_subclass_media_type_and_later_class_changes() -> None:
    class CSV(Response):
        media_type = "text/csv"

    assert CSV("a").raw_headers[-1] == (b"content-type", b"text/csv; charset=utf-8")
    CSV.media_type = "application/vnd.ms-excel"
    assert CSV("a").raw_headers[-1] == (b"content-type", b"application/vnd.ms-excel")
    CSV.charset = "latin-1"
    CSV.media_type = "text/x-csv"
    assert CSV("a").raw_headers[-1] == (b"content-type", b"text/x-csv; charset=latin-1")


def test_response_headers_edit_raw_headers_in_place() -> None:
    response = Response(b"x", headers={"X-One": "1"})
    headers = response.headers
    assert headers is response.headers
    headers["x-two"] = "2"
    headers["X-One"] = "uno"
    del headers["content-length"]
    assert response.raw_headers == [(b"x-one", b"uno"), (b"x-two", b"2")]
    assert response.headers["x-two"] == "2"
    response.raw_headers = [(b"x-new", b"1")]
    assert response.headers["x-new"] == "1"
    response.headers["x-more"] = "2"
    assert response.raw_headers == [(b"x-new", b"1"), (b"x-more", b"2")]


def test_response_accepts_user_attributes() -> None:
    response = Response(b"")
    response.custom = 1  # type: ignore[attr-defined]
    assert response.custom == 1  # type: ignore[attr-defined]


async def test_response_runs_background_after_sending() -> None:
    events: list[str] = []

    async def task(name: str) -> None:
        events.append(f"task {name}")

    messages: list[str] = []

    async def send(message: Message) -> None:
        messages.append(message["type"])
        events.append(message["type"])

    response = Response(b"x", background=BackgroundTask(task, "a"))
    await response(make_scope(), idle_receive(), send)
    assert events == ["http.response.start", "http.response.body", "task a"]


async def test_response_as_websocket_denial() -> None:
    response = PlainTextResponse("denied", status_code=403)
    messages = await call(response, make_scope(scope_type="websocket"))
    assert messages == [
        {
            "type": "websocket.http.response.start",
            "status": 403,
            "headers": [(b"content-length", b"6"), (b"content-type", b"text/plain; charset=utf-8")],
        },
        {"type": "websocket.http.response.body", "body": b"denied"},
    ]
    theirs = await call(
        starlette.responses.PlainTextResponse("denied", status_code=403), make_scope(scope_type="websocket")
    )
    assert messages == theirs


# --- cookies --------------------------------------------------------------------------------------------------------

COOKIE_CASES: list[dict[str, Any]] = [
    {"key": "a", "value": "1"},
    {"key": "session", "value": 'abc def;"x"', "httponly": True, "secure": True},
    {"key": "a", "value": "b", "max_age": 3600, "path": "/app", "domain": "example.com", "samesite": "strict"},
    {"key": "a", "value": "b", "path": None, "samesite": None},
    {"key": "a", "value": "b", "samesite": "none", "secure": True},
    {"key": "a", "expires": "Thu, 01 Jan 2099 00:00:00 GMT"},
    {"key": "a", "expires": dt.datetime(2030, 5, 6, 7, 8, 9, tzinfo=dt.timezone.utc)},
    {"key": "a", "value": "é"},
]


@pytest.mark.parametrize("kwargs", COOKIE_CASES)
def test_set_cookie_matches_starlette(kwargs: dict[str, Any]) -> None:
    ours = Response()
    theirs = starlette.responses.Response()
    ours.set_cookie(**kwargs)
    theirs.set_cookie(**kwargs)
    assert ours.raw_headers == theirs.raw_headers


def test_set_cookie_exact_string() -> None:
    response = Response()
    response.set_cookie("token", "abc", max_age=60, httponly=True, secure=True, domain="example.com")
    assert response.raw_headers[-1] == (
        b"set-cookie",
        b"token=abc; Domain=example.com; HttpOnly; Max-Age=60; Path=/; SameSite=lax; Secure",
    )


def test_set_cookie_quotes_special_values() -> None:
    response = Response()
    response.set_cookie("k", "a b")
    assert response.raw_headers[-1] == (b"set-cookie", b'k="a b"; Path=/; SameSite=lax')


def test_set_cookie_expires_in_seconds_is_a_date() -> None:
    response = Response()
    response.set_cookie("k", "v", expires=10)
    value = response.raw_headers[-1][1].decode()
    match = re.fullmatch(r"k=v; expires=(.+ GMT); Path=/; SameSite=lax", value)
    assert match is not None
    expires = dt.datetime.strptime(match.group(1), "%a, %d %b %Y %H:%M:%S GMT").replace(tzinfo=dt.timezone.utc)
    assert abs((expires - dt.datetime.now(dt.timezone.utc)).total_seconds() - 10) < 5


def test_set_cookie_partitioned_works_on_every_python() -> None:
    response = Response()
    response.set_cookie("k", "v", secure=True, samesite="none", partitioned=True)
    assert response.raw_headers[-1] == (b"set-cookie", b"k=v; Partitioned; Path=/; SameSite=none; Secure")


def test_set_cookie_invalid_samesite_raises_value_error() -> None:
    with pytest.raises(ValueError, match=r"samesite must be 'strict', 'lax' or 'none'.*'sometimes'"):
        Response().set_cookie("k", "v", samesite="sometimes")  # type: ignore[arg-type]


def test_set_cookie_illegal_key_raises_cookie_error() -> None:
    with pytest.raises(http.cookies.CookieError):
        Response().set_cookie("bad key", "v")


def test_set_cookie_naive_datetime_raises_like_starlette() -> None:
    with pytest.raises(ValueError, match="usegmt"):
        Response().set_cookie("k", expires=dt.datetime(2030, 1, 1))


def test_delete_cookie_matches_starlette() -> None:
    ours = Response()
    theirs = starlette.responses.Response()
    ours.delete_cookie("k", path="/x", domain="example.com", secure=True, httponly=True, samesite="strict")
    theirs.delete_cookie("k", path="/x", domain="example.com", secure=True, httponly=True, samesite="strict")
    pattern = rb'k=""; Domain=example.com; expires=[^;]+ GMT; HttpOnly; Max-Age=0; Path=/x; SameSite=strict; Secure'
    assert re.fullmatch(pattern, ours.raw_headers[-1][1])
    # The expiry is "now": equal unless the second ticked over in between.
    assert ours.raw_headers[-1][0] == theirs.raw_headers[-1][0] == b"set-cookie"


def test_several_cookies_are_separate_headers() -> None:
    response = Response()
    response.set_cookie("a", "1")
    response.set_cookie("b", "2")
    assert [value for key, value in response.raw_headers if key == b"set-cookie"] == [
        b"a=1; Path=/; SameSite=lax",
        b"b=2; Path=/; SameSite=lax",
    ]


# --- subclasses -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [{"a": 1, "b": [1, 2.5, None, True]}, "héllo ✓", [], None, 1, {"nested": {"k": "v"}}],
)
def test_json_response_matches_starlette(content: Any) -> None:
    ours = JSONResponse(content)
    theirs = starlette.responses.JSONResponse(content)
    assert ours.body == theirs.body
    assert ours.raw_headers == theirs.raw_headers


def test_json_response_exact_bytes() -> None:
    response = JSONResponse({"name": "Zoë", "n": [1, 2]}, status_code=201, headers={"X-Id": "7"})
    assert response.body == '{"name":"Zoë","n":[1,2]}'.encode()
    assert response.status_code == 201
    assert response.raw_headers == [
        (b"x-id", b"7"),
        (b"content-length", b"25"),
        (b"content-type", b"application/json"),
    ]


def test_json_response_rejects_nan() -> None:
    with pytest.raises(ValueError, match="Out of range float values are not JSON compliant"):
        JSONResponse(float("nan"))


def test_html_and_plain_text_media_types() -> None:
    assert HTMLResponse("<p>").raw_headers == [
        (b"content-length", b"3"),
        (b"content-type", b"text/html; charset=utf-8"),
    ]
    assert PlainTextResponse("p").raw_headers[-1] == (b"content-type", b"text/plain; charset=utf-8")
    assert HTMLResponse("<p>").raw_headers == starlette.responses.HTMLResponse("<p>").raw_headers


@pytest.mark.parametrize(
    "url",
    [
        "/next",
        "https://example.com/a b?q=1 2&x=é#frag",
        "/path/with%20escape/and spaces",
        "/ünïcode/[x]!$&'()*+,;=:@",
    ],
)
def test_redirect_response_matches_starlette(url: str) -> None:
    ours = RedirectResponse(url)
    theirs = starlette.responses.RedirectResponse(url)
    assert ours.status_code == theirs.status_code == 307
    assert ours.raw_headers == theirs.raw_headers


def test_redirect_response_exact_headers() -> None:
    response = RedirectResponse("/a b", status_code=303, headers={"Location": "/old", "X-A": "1"})
    assert response.status_code == 303
    assert response.body == b""
    assert response.raw_headers == [(b"location", b"/a%20b"), (b"x-a", b"1"), (b"content-length", b"0")]


def test_redirect_response_accepts_url_objects() -> None:
    from zephyr.datastructures import URL

    assert RedirectResponse(URL("http://testserver/x?y=1")).raw_headers[-1] == (b"location", b"http://testserver/x?y=1")


@pytest.mark.parametrize("name", ["ORJSONResponse", "UJSONResponse"])
def test_orjson_and_ujson_responses_are_deprecated_and_match_fastapi(name: str) -> None:
    content = {"a": "é", "b": [1, 2]}
    ours_class = getattr(responses, name)
    theirs_class = getattr(fastapi.responses, name)
    with pytest.warns(FastAPIDeprecationWarning, match=f"{name} is deprecated"):
        ours = ours_class(content)
    with pytest.warns(fastapi.exceptions.FastAPIDeprecationWarning):
        theirs = theirs_class(content)
    assert ours.body == theirs.body
    assert ours.raw_headers == theirs.raw_headers


def test_orjson_response_serializes_non_str_keys() -> None:
    with pytest.warns(FastAPIDeprecationWarning):
        response = responses.ORJSONResponse({1: "a"})
    assert response.body == b'{"1":"a"}'


def test_orjson_response_missing_dependency(monkeypatch: pytest.MonkeyPatch) -> None:
    from zephyr.exceptions import MissingDependencyError

    monkeypatch.setitem(sys.modules, "orjson", None)
    with (
        pytest.warns(FastAPIDeprecationWarning),
        pytest.raises(MissingDependencyError, match=r"pip install 'zephyr\[orjson\]'"),
    ):
        responses.ORJSONResponse({})


def test_ujson_response_missing_dependency(monkeypatch: pytest.MonkeyPatch) -> None:
    from zephyr.exceptions import MissingDependencyError

    monkeypatch.setitem(sys.modules, "ujson", None)
    with (
        pytest.warns(FastAPIDeprecationWarning),
        pytest.raises(MissingDependencyError, match=r"pip install 'zephyr\[ujson\]'"),
    ):
        responses.UJSONResponse({})


def test_module_has_no_unknown_attribute() -> None:
    with pytest.raises(AttributeError, match="has no attribute 'Nope'"):
        responses.Nope  # type: ignore[attr-defined]  # noqa: B018


def test_exported_names_are_sorted_and_public() -> None:
    assert list(responses.__all__) == sorted(responses.__all__)
    for name in responses.__all__:
        assert hasattr(responses, name)


# --- StreamingResponse ----------------------------------------------------------------------------------------------


async def test_streaming_async_iterator_messages() -> None:
    async def numbers() -> AsyncIterator[str | bytes | memoryview]:
        yield "a"
        yield b"b"
        yield memoryview(b"c")

    response = StreamingResponse(numbers(), media_type="text/plain", headers={"X-A": "1"})
    assert response.raw_headers == [(b"x-a", b"1"), (b"content-type", b"text/plain; charset=utf-8")]
    messages = await call(response)
    assert messages == [
        {"type": "http.response.start", "status": 200, "headers": response.raw_headers},
        {"type": "http.response.body", "body": b"a", "more_body": True},
        {"type": "http.response.body", "body": b"b", "more_body": True},
        {"type": "http.response.body", "body": memoryview(b"c"), "more_body": True},
        {"type": "http.response.body", "body": b"", "more_body": False},
    ]


async def test_streaming_custom_async_iterator_and_iterable() -> None:
    class Countdown:
        def __init__(self) -> None:
            self.left = 3

        def __aiter__(self) -> Countdown:
            return self

        async def __anext__(self) -> str:
            if not self.left:
                raise StopAsyncIteration
            self.left -= 1
            return str(self.left)

    class Letters:
        async def __aiter__(self) -> AsyncIterator[str]:
            for letter in "ab":
                yield letter

    assert summary(await call(StreamingResponse(Countdown())))[2] == b"210"
    assert summary(await call(StreamingResponse(Letters())))[2] == b"ab"


async def test_streaming_keeps_a_given_content_length() -> None:
    response = StreamingResponse(iter(["hello", "world"]), headers={"content-length": "10"})
    assert response.raw_headers == [(b"content-length", b"10")]
    assert summary(await call(response)) == (200, [(b"content-length", b"10")], b"helloworld")


async def test_streaming_sync_iterator_runs_in_threads() -> None:
    main_thread = threading.get_ident()
    threads: list[int] = []

    def chunks() -> Iterator[str]:
        for text in ("x", "y"):
            threads.append(threading.get_ident())
            yield text

    messages = await call(StreamingResponse(chunks()))
    assert summary(messages) == (200, [], b"xy")
    assert threads and main_thread not in threads


async def test_streaming_matches_starlette_for_lists() -> None:
    ours = await call(StreamingResponse(["a", b"b"], status_code=201, media_type="application/x-ndjson"))
    theirs = await call(starlette.responses.StreamingResponse(["a", b"b"], 201, media_type="application/x-ndjson"))
    assert ours == theirs


async def test_streaming_disconnect_closes_async_iterator_and_runs_background() -> None:
    events: list[str] = []

    async def forever() -> AsyncIterator[bytes]:
        try:
            while True:
                yield b"."
                await anyio.sleep(0.001)
        finally:
            events.append("closed")

    async def background() -> None:
        events.append("background")

    response = StreamingResponse(forever(), background=BackgroundTask(background))
    with anyio.fail_after(5):
        await call(response, receive=disconnect_receive())
    assert events == ["closed", "background"]


async def test_streaming_disconnect_closes_sync_generator() -> None:
    closed = threading.Event()
    started = threading.Event()

    def forever() -> Iterator[bytes]:
        try:
            while True:
                started.set()
                yield b"."
        finally:
            closed.set()

    gate = anyio.Event()
    sent = 0

    async def receive() -> Message:
        await gate.wait()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        nonlocal sent
        sent += 1
        if sent == 3:
            gate.set()
        await anyio.sleep(0)

    with anyio.fail_after(5):
        await StreamingResponse(forever())(make_scope(), receive, send)
    assert started.is_set()
    assert closed.is_set()


async def test_streaming_awaits_each_send_before_the_next_chunk() -> None:
    produced: list[int] = []
    observed: list[tuple[int, int]] = []

    async def chunks() -> AsyncIterator[bytes]:
        for index in range(5):
            produced.append(index)
            yield b"%d" % index

    async def send(message: Message) -> None:
        if message["type"] == "http.response.body" and message["more_body"]:
            await anyio.sleep(0.001)
            observed.append((int(message["body"]), len(produced)))

    await StreamingResponse(chunks())(make_scope(), idle_receive(), send)
    # When chunk n has been sent, only chunks 0..n have been produced.
    assert observed == [(index, index + 1) for index in range(5)]


async def test_streaming_spec_2_4_send_error_becomes_client_disconnect() -> None:
    events: list[str] = []

    async def chunks() -> AsyncIterator[bytes]:
        try:
            yield b"a"
            yield b"b"
        finally:
            events.append("closed")

    async def send(message: Message) -> None:
        if message["type"] == "http.response.body":
            raise OSError("connection lost")

    with pytest.raises(ClientDisconnect):
        await StreamingResponse(chunks())(make_scope(spec_version="2.4"), idle_receive(), send)
    assert events == ["closed"]


async def test_streaming_spec_2_4_streams_without_listening() -> None:
    async def receive() -> Message:
        raise AssertionError("receive must not be called")

    messages = await call(StreamingResponse(iter([b"a"])), make_scope(spec_version="2.4"), receive)
    assert summary(messages) == (200, [], b"a")


async def test_streaming_iterator_error_propagates_unwrapped() -> None:
    async def broken() -> AsyncIterator[bytes]:
        yield b"a"
        raise KeyError("boom")

    with pytest.raises(KeyError, match="boom"):
        await call(StreamingResponse(broken()))


async def test_streaming_as_websocket_denial() -> None:
    messages = await call(StreamingResponse(iter(["no"]), status_code=401), make_scope(scope_type="websocket"))
    assert [m["type"] for m in messages] == [
        "websocket.http.response.start",
        "websocket.http.response.body",
        "websocket.http.response.body",
    ]
    assert messages[0]["status"] == 401


async def test_streaming_background_runs_after_body() -> None:
    events: list[str] = []

    def task() -> None:
        events.append("task")

    async def send(message: Message) -> None:
        events.append(message["type"])

    response = StreamingResponse(iter([b"a"]), background=starlette_compatible_task(task))
    await response(make_scope(), idle_receive(), send)
    assert events == ["http.response.start", "http.response.body", "http.response.body", "task"]


def starlette_compatible_task(func: Any) -> Any:
    """Starlette's own BackgroundTask works as ``background=`` too (duck typing)."""
    return starlette.background.BackgroundTask(func)


# --- FileResponse ---------------------------------------------------------------------------------------------------

FILE_SIZE = 200_000
FILE_BYTES = bytes(index % 251 for index in range(FILE_SIZE))


@pytest.fixture
def data_file(tmp_path: Path) -> Path:
    path = tmp_path / "data.txt"
    path.write_bytes(FILE_BYTES)
    return path


def normalize_boundary(result: tuple[int, list[tuple[bytes, bytes]], bytes]) -> tuple[int, list[Any], bytes]:
    status, headers, body = result
    content_type = dict(headers).get(b"content-type", b"")
    match = re.match(rb"multipart/byteranges; boundary=([0-9a-f]+)$", content_type)
    if match is None:
        return status, headers, body
    boundary = match.group(1)
    assert len(boundary) == 26
    return (
        status,
        [(key, value.replace(boundary, b"BOUNDARY")) for key, value in headers],
        body.replace(boundary, b"BOUNDARY"),
    )


async def both(path: Path, scope: Scope, **kwargs: Any) -> tuple[Any, Any]:
    ours = normalize_boundary(summary(await call(FileResponse(path, **kwargs), scope)))
    theirs = normalize_boundary(summary(await call(starlette.responses.FileResponse(path, **kwargs), scope)))
    return ours, theirs


def content_range(start: int, end: int) -> bytes:
    return f"bytes {start}-{end}/{FILE_SIZE}".encode()


async def test_file_response_full_get_exact(data_file: Path) -> None:
    stat = data_file.stat()
    messages = await call(FileResponse(data_file))
    status, headers, body = summary(messages)
    assert status == 200
    assert body == FILE_BYTES
    assert headers == [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"accept-ranges", b"bytes"),
        (b"content-length", b"200000"),
        (b"last-modified", formatdate(stat.st_mtime, usegmt=True).encode()),
        (
            b"etag",
            f'"{hashlib.md5(f"{stat.st_mtime}-{stat.st_size}".encode(), usedforsecurity=False).hexdigest()}"'.encode(),
        ),
    ]
    # Never more than a 64 KiB chunk per message.
    assert [len(m["body"]) for m in messages[1:]] == [65536, 65536, 65536, 3392]


@pytest.mark.parametrize("size", [0, 1, 65535, 65536, 65537, 131072])
async def test_file_response_sizes_match_starlette(tmp_path: Path, size: int) -> None:
    path = tmp_path / "blob.bin"
    path.write_bytes(FILE_BYTES[:size])
    ours, theirs = await both(path, make_scope())
    assert ours == theirs
    assert ours[2] == FILE_BYTES[:size]


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"filename": "report.pdf"},
        {"filename": "résumé 2024.pdf"},
        {"filename": 'quote".txt', "content_disposition_type": "inline"},
        {"media_type": "application/x-custom"},
        {"headers": {"X-A": "1", "ETag": '"mine"', "Accept-Ranges": "none"}},
        {"status_code": 404},
    ],
)
async def test_file_response_headers_match_starlette(data_file: Path, kwargs: dict[str, Any]) -> None:
    ours, theirs = await both(data_file, make_scope(), **kwargs)
    assert ours == theirs


def test_file_response_content_disposition_exact(data_file: Path) -> None:
    ascii_name = FileResponse(data_file, filename="a.txt").raw_headers
    assert (b"content-disposition", b'attachment; filename="a.txt"') in ascii_name
    unicode_name = FileResponse(data_file, filename="ü.txt", content_disposition_type="inline").raw_headers
    assert (b"content-disposition", b"inline; filename*=utf-8''%C3%BC.txt") in unicode_name


def test_file_response_media_type_guessed(tmp_path: Path) -> None:
    assert FileResponse(tmp_path / "x.png").media_type == "image/png"
    assert FileResponse(tmp_path / "x.unknownext").media_type == "application/octet-stream"
    assert FileResponse(tmp_path / "x", filename="y.html").media_type == "text/html"


async def test_file_response_stat_result_given_sets_headers_at_once(data_file: Path) -> None:
    stat = data_file.stat()
    ours = FileResponse(data_file, stat_result=stat)
    theirs = starlette.responses.FileResponse(data_file, stat_result=stat)
    assert ours.raw_headers == theirs.raw_headers
    assert summary(await call(ours))[2] == FILE_BYTES


async def test_file_response_head_sends_headers_only(data_file: Path) -> None:
    ours, theirs = await both(data_file, make_scope("HEAD"))
    assert ours == theirs
    assert ours[2] == b""
    assert (b"content-length", b"200000") in ours[1]


async def test_file_response_method_head_parameter(data_file: Path) -> None:
    status, headers, body = summary(await call(FileResponse(data_file, method="HEAD")))
    assert (status, body) == (200, b"")
    assert (b"content-length", b"200000") in headers


async def test_file_response_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "missing.txt"
    with pytest.raises(RuntimeError, match=f"File at path {re.escape(str(path))} does not exist."):
        await call(FileResponse(path))
    with pytest.raises(RuntimeError, match="does not exist"):
        await call(FileResponse(path), make_scope("HEAD"))


async def test_file_response_directory_is_not_a_file(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match=f"File at path {re.escape(str(tmp_path))} is not a file."):
        await call(FileResponse(tmp_path))


async def test_file_response_pathsend(data_file: Path) -> None:
    response = FileResponse(data_file)
    messages = await call(response, make_scope(extensions={"http.response.pathsend": {}}))
    assert messages == [
        {"type": "http.response.start", "status": 200, "headers": response.raw_headers},
        {"type": "http.response.pathsend", "path": str(data_file)},
    ]
    theirs = await call(
        starlette.responses.FileResponse(data_file), make_scope(extensions={"http.response.pathsend": {}})
    )
    assert messages == theirs


async def test_file_response_as_websocket_denial(data_file: Path) -> None:
    messages = await call(FileResponse(data_file, status_code=403), make_scope(scope_type="websocket"))
    assert {m["type"] for m in messages} == {"websocket.http.response.start", "websocket.http.response.body"}
    assert b"".join(m["body"] for m in messages[1:]) == FILE_BYTES


async def test_file_response_runs_background(data_file: Path) -> None:
    done: list[str] = []
    await call(FileResponse(data_file, background=BackgroundTask(done.append, "x")))
    assert done == ["x"]


# Ranges: every case against Starlette 1.x, plus the exact expected answer.
RANGE_CASES: list[tuple[str, int, list[tuple[bytes, bytes]], bytes]] = [
    ("bytes=0-99", 206, [(b"content-range", content_range(0, 99))], FILE_BYTES[:100]),
    ("bytes=-500", 206, [(b"content-range", content_range(FILE_SIZE - 500, FILE_SIZE - 1))], FILE_BYTES[-500:]),
    ("bytes=100-", 206, [(b"content-range", content_range(100, FILE_SIZE - 1))], FILE_BYTES[100:]),
    ("bytes=0-0", 206, [(b"content-range", content_range(0, 0))], FILE_BYTES[:1]),
    ("bytes=10-9999999", 206, [(b"content-range", content_range(10, FILE_SIZE - 1))], FILE_BYTES[10:]),
    ("bytes=-9999999", 206, [(b"content-range", content_range(0, FILE_SIZE - 1))], FILE_BYTES),
    ("bytes=0-99,50-150", 206, [(b"content-range", content_range(0, 150))], FILE_BYTES[:151]),
    ("bytes=0-99,100-199", 206, [(b"content-range", content_range(0, 199))], FILE_BYTES[:200]),
    (" BYTES = 5-9 ", 206, [(b"content-range", content_range(5, 9))], FILE_BYTES[5:10]),
    ("bytes=0-9, abc, -, ,", 206, [(b"content-range", content_range(0, 9))], FILE_BYTES[:10]),
    ("bytes=500-100", 400, [], b"Range header: start must be less than end"),
    ("bytes=200000-", 416, [(b"content-range", b"bytes */200000")], b""),
    ("bytes=-0", 416, [(b"content-range", b"bytes */200000")], b""),
    ("bytes=0-9,300000-", 416, [(b"content-range", b"bytes */200000")], b""),
    ("items=0-1", 400, [], b"Only support bytes range"),
    ("bytes", 400, [], b"Malformed range header."),
    ("bytes=", 400, [], b"Range header: range must be requested"),
    ("bytes=abc-def", 400, [], b"Range header: range must be requested"),
    ("bytes=" + ",".join(f"{n}-{n}" for n in range(0, 202, 2)), 200, [], FILE_BYTES),
]


@pytest.mark.parametrize(("range_value", "status", "headers", "body"), RANGE_CASES)
async def test_file_response_ranges_match_starlette(
    data_file: Path, range_value: str, status: int, headers: list[tuple[bytes, bytes]], body: bytes
) -> None:
    ours, theirs = await both(data_file, make_scope(headers=(("Range", range_value),)))
    assert ours == theirs
    assert ours[0] == status
    assert ours[2] == body
    for header in headers:
        assert header in ours[1]
    if status == 206:
        assert (b"content-length", str(len(body)).encode()) in ours[1]


async def test_file_response_multiple_ranges_exact(data_file: Path) -> None:
    scope = make_scope(headers=(("Range", "bytes=300-309, 0-4, 2-6"),))
    ours, theirs = await both(data_file, scope)
    assert ours == theirs
    status, headers, body = ours
    expected_body = (
        b"--BOUNDARY\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Range: bytes 0-6/200000\r\n\r\n"
        + FILE_BYTES[0:7]
        + b"\r\n--BOUNDARY\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Range: bytes 300-309/200000\r\n\r\n"
        + FILE_BYTES[300:310]
        + b"\r\n--BOUNDARY--"
    )
    assert status == 206
    assert body == expected_body
    real_length = len(expected_body.replace(b"BOUNDARY", b"b" * 26))
    assert (b"content-length", str(real_length).encode()) in headers
    assert (b"content-type", b"multipart/byteranges; boundary=BOUNDARY") in headers


async def test_file_response_multiple_large_ranges(data_file: Path) -> None:
    ours, theirs = await both(data_file, make_scope(headers=(("Range", "bytes=0-69999,100000-"),)))
    assert ours == theirs
    assert FILE_BYTES[:70000] in ours[2]
    assert FILE_BYTES[100000:] in ours[2]


async def test_file_response_ranges_on_head(data_file: Path) -> None:
    for value in ("bytes=0-9", "bytes=0-9,20-29"):
        ours, theirs = await both(data_file, make_scope("HEAD", headers=(("Range", value),)))
        assert ours == theirs
        assert ours[0] == 206
        assert ours[2] == b""


@pytest.mark.current_reference
async def test_file_response_range_ignored_for_post_and_non_200(data_file: Path) -> None:
    ours, theirs = await both(data_file, make_scope("POST", headers=(("Range", "bytes=0-9"),)))
    assert ours == theirs
    assert ours[0] == 200
    ours, theirs = await both(data_file, make_scope(headers=(("Range", "bytes=0-9"),)), status_code=404)
    assert ours == theirs
    assert ours[0] == 404


async def test_file_response_range_on_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    ours, theirs = await both(path, make_scope(headers=(("Range", "bytes=0-"),)))
    assert ours == theirs
    assert ours[0] == 416


async def test_file_response_if_range(data_file: Path) -> None:
    stat = data_file.stat()
    etag = f'"{hashlib.md5(f"{stat.st_mtime}-{stat.st_size}".encode(), usedforsecurity=False).hexdigest()}"'
    last_modified = formatdate(stat.st_mtime, usegmt=True)
    cases = [(etag, 206), (last_modified, 206), ('"other"', 200), ("W/" + etag, 200)]
    for if_range, status in cases:
        scope = make_scope(headers=(("Range", "bytes=0-9"), ("If-Range", if_range)))
        ours, theirs = await both(data_file, scope)
        assert ours == theirs
        assert ours[0] == status


async def test_file_response_range_errors_run_background(data_file: Path) -> None:
    done: list[str] = []
    for value in ("bytes=9-1", "bytes=999999-"):
        response = FileResponse(data_file, background=BackgroundTask(done.append, value))
        await call(response, make_scope(headers=(("Range", value),)))
    assert done == ["bytes=9-1", "bytes=999999-"]


async def test_file_response_shorter_than_stat_fails_multirange(data_file: Path) -> None:
    real = data_file.stat()
    fake = os.stat_result((real.st_mode, 0, 0, 1, 0, 0, FILE_SIZE * 2, 0, real.st_mtime, real.st_mtime))
    response = FileResponse(data_file, stat_result=fake)
    with pytest.raises(RuntimeError, match="is shorter than expected"):
        await call(response, make_scope(headers=(("Range", "bytes=0-1,300000-300001"),)))


# Conditional requests: 304 Not Modified.


async def test_file_response_if_none_match_gives_304(data_file: Path) -> None:
    response = FileResponse(data_file, headers={"Cache-Control": "no-cache", "X-Other": "1"})
    etag = dict(response.raw_headers).get(b"etag")
    assert etag is None  # set when sent
    first = summary(await call(response))
    etag = dict(first[1])[b"etag"]
    for value in (etag.decode(), "*", f'"x", W/{etag.decode()}'):
        done: list[str] = []
        response = FileResponse(
            data_file, headers={"Cache-Control": "no-cache", "X-Other": "1"}, background=BackgroundTask(done.append, "")
        )
        result = summary(await call(response, make_scope(headers=(("If-None-Match", value),))))
        assert result == (304, [(b"cache-control", b"no-cache"), (b"etag", etag)], b"")
        assert done == [""]


async def test_file_response_if_none_match_mismatch_wins_over_if_modified_since(data_file: Path) -> None:
    headers = (("If-None-Match", '"nope"'), ("If-Modified-Since", "Fri, 01 Jan 2100 00:00:00 GMT"))
    assert summary(await call(FileResponse(data_file), make_scope(headers=headers)))[0] == 200


@pytest.mark.parametrize(
    ("since", "status"),
    [
        ("Fri, 01 Jan 2100 00:00:00 GMT", 304),
        ("Thu, 01 Jan 1970 00:00:00 GMT", 200),
        ("not a date", 200),
    ],
)
async def test_file_response_if_modified_since(data_file: Path, since: str, status: int) -> None:
    result = summary(await call(FileResponse(data_file), make_scope("HEAD", headers=(("If-Modified-Since", since),))))
    assert result[0] == status


async def test_file_response_conditional_only_for_get_and_head_200(data_file: Path) -> None:
    headers = (("If-Modified-Since", "Fri, 01 Jan 2100 00:00:00 GMT"),)
    assert summary(await call(FileResponse(data_file), make_scope("POST", headers=headers)))[0] == 200
    assert summary(await call(FileResponse(data_file, status_code=404), make_scope(headers=headers)))[0] == 404


# Disconnects and resources.


def open_fd_count() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc to count open files")
async def test_file_response_disconnect_stops_and_closes_file(data_file: Path) -> None:
    before = open_fd_count()
    done: list[str] = []
    gate = anyio.Event()
    bodies = 0

    async def receive() -> Message:
        await gate.wait()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        nonlocal bodies
        if message["type"] == "http.response.body":
            bodies += 1
            gate.set()
            await anyio.sleep(0.01)

    response = FileResponse(data_file, background=BackgroundTask(done.append, "bg"))
    with anyio.fail_after(5):
        await response(make_scope(), receive, send)
    assert bodies < 4
    assert done == ["bg"]
    assert open_fd_count() == before


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc to count open files")
async def test_file_response_send_error_closes_file(data_file: Path) -> None:
    before = open_fd_count()

    async def send(message: Message) -> None:
        if message["type"] == "http.response.body":
            raise OSError("gone")

    for headers in ((), (("Range", "bytes=0-99999"),), (("Range", "bytes=0-99999,150000-"),)):
        with pytest.raises(OSError, match="gone"):
            await FileResponse(data_file)(make_scope(headers=headers, spec_version="2.4"), idle_receive(), send)
    assert open_fd_count() == before


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc to count open files")
async def test_file_response_start_error_closes_prefetched_file(data_file: Path) -> None:
    before = open_fd_count()

    async def send(message: Message) -> None:
        raise OSError("gone")

    with pytest.raises(OSError, match="gone"):
        await FileResponse(data_file)(make_scope(spec_version="2.4"), idle_receive(), send)
    assert open_fd_count() == before


# --- end to end under uvicorn ---------------------------------------------------------------------------------------


async def e2e_app(scope: Scope, receive: Receive, send: Send) -> None:
    """Served by uvicorn in ``test_e2e_*``: ``/stream`` never ends by itself, ``/file`` sends ``$E2E_FILE``."""
    if scope["type"] != "http":
        return
    if scope["path"] == "/stream":

        async def forever() -> AsyncIterator[bytes]:
            try:
                while True:
                    yield b"x" * 1024
                    await anyio.sleep(0.005)
            finally:
                Path(os.environ["E2E_MARKER"]).write_text("closed")

        await StreamingResponse(forever(), media_type="application/octet-stream")(scope, receive, send)
    elif scope["path"] == "/file":
        await FileResponse(os.environ["E2E_FILE"], filename="data.txt")(scope, receive, send)
    else:
        response = JSONResponse({"path": scope["path"]})
        response.set_cookie("seen", "1", httponly=True)
        await response(scope, receive, send)


@pytest.mark.e2e
def test_e2e_under_uvicorn(tmp_path: Path) -> None:
    import httpx

    data = tmp_path / "data.txt"
    data.write_bytes(FILE_BYTES)
    marker = tmp_path / "marker"
    env = {"E2E_FILE": str(data), "E2E_MARKER": str(marker)}
    with run_server("tests.test_responses:e2e_app", env=env) as server, httpx.Client(base_url=server.url) as client:
        answer = client.get("/hello")
        assert (answer.status_code, answer.content) == (200, b'{"path":"/hello"}')
        assert answer.headers["set-cookie"] == "seen=1; HttpOnly; Path=/; SameSite=lax"

        whole = client.get("/file")
        assert whole.content == FILE_BYTES
        assert whole.headers["content-disposition"] == 'attachment; filename="data.txt"'
        head = client.head("/file")
        assert (head.status_code, head.content, head.headers["content-length"]) == (200, b"", "200000")
        part = client.get("/file", headers={"Range": "bytes=100-199"})
        assert (part.status_code, part.content) == (206, FILE_BYTES[100:200])
        assert part.headers["content-range"] == "bytes 100-199/200000"
        cached = client.get("/file", headers={"If-None-Match": whole.headers["etag"]})
        assert (cached.status_code, cached.content) == (304, b"")

        # The client goes away mid-stream: the generator is closed (its finally runs) on the server.
        with client.stream("GET", "/stream") as stream:
            received = 0
            for chunk in stream.iter_bytes():
                received += len(chunk)
                if received >= 8192:
                    break
        deadline = time.monotonic() + 10
        while not marker.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert marker.read_text() == "closed"


# --- in a whole app, against FastAPI --------------------------------------------------------------------------------


def _answers(framework: Any, responses_module: Any, client_class: Any, path: Path) -> list[Any]:
    app: Any = framework.FastAPI()
    log: list[str] = []

    def file() -> Any:
        return responses_module.FileResponse(path, filename="f.txt")

    app.get("/file")(file)

    def stream() -> Any:
        return responses_module.StreamingResponse(iter(["a", "b"]), media_type="text/plain")

    app.get("/stream")(stream)

    # Annotations set by hand: with postponed evaluation, names local to this function cannot be resolved.
    def cookie(response: Any) -> dict[str, int]:
        response.set_cookie("k", "v", max_age=5)
        response.delete_cookie("old", path="/x")
        return {"ok": 1}

    cookie.__annotations__ = {"response": framework.Response, "return": dict[str, int]}
    app.get("/cookie")(cookie)

    def background(tasks: Any) -> Any:
        tasks.add_task(log.append, "ran")
        return responses_module.JSONResponse({"é": 1}, headers={"x-a": "b"})

    background.__annotations__ = {"tasks": framework.BackgroundTasks}
    app.get("/background")(background)

    def redirect() -> Any:
        return responses_module.RedirectResponse("/a b?c=d e")

    app.get("/redirect")(redirect)

    def html() -> str:
        return "<p>hi</p>"

    app.get("/html", response_class=responses_module.HTMLResponse)(html)

    answers: list[Any] = []
    with client_class(app) as client:
        for url, headers in [
            ("/file", {}),
            ("/file", {"range": "bytes=0-4"}),
            ("/file", {"range": "bytes=0-4,10-"}),
            ("/stream", {}),
            ("/cookie", {}),
            ("/background", {}),
            ("/redirect", {}),
            ("/html", {}),
        ]:
            response = client.get(url, headers=headers, follow_redirects=False)
            items = [
                (key, re.sub(r"expires=[^;]+;", "", value) if key == "set-cookie" else value)
                for key, value in response.headers.multi_items()
                if key != "date"
            ]
            answers.append(
                normalize_boundary(
                    (response.status_code, [(k.encode(), v.encode()) for k, v in items], response.content)
                )
            )
    answers.append(log)
    return answers


def test_answers_in_an_app_match_fastapi(tmp_path: Path) -> None:
    import fastapi.testclient

    import zephyr
    import zephyr.testclient

    path = tmp_path / "f.txt"
    path.write_bytes(b"0123456789" * 10)
    ours = _answers(zephyr, responses, zephyr.testclient.TestClient, path)
    theirs = _answers(fastapi, fastapi.responses, fastapi.testclient.TestClient, path)
    assert ours == theirs
    assert ours[-1] == ["ran"]


def test_event_source_response_is_reexported_like_fastapi() -> None:
    from zephyr.sse import EventSourceResponse

    assert responses.EventSourceResponse is EventSourceResponse  # type: ignore[attr-defined]
    assert issubclass(EventSourceResponse, responses.StreamingResponse)
    assert EventSourceResponse.media_type == fastapi.responses.EventSourceResponse.media_type == "text/event-stream"


def test_json_response_escapes_lone_surrogates_instead_of_failing() -> None:
    # json.loads('"\\ud800"') gives a lone surrogate; UTF-8 cannot encode it
    response = JSONResponse({"echo": json.loads('"\\ud800"'), "text": "é"})
    assert response.body == b'{"echo":"\\ud800","text":"\\u00e9"}'
    assert json.loads(bytes(response.body)) == {"echo": "\ud800", "text": "é"}
    assert JSONResponse({"text": "é"}).body == '{"text":"é"}'.encode()  # the usual case keeps UTF-8
