from __future__ import annotations

import datetime as dt
import http.cookies
import json
import os
import re
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anyio
import fastapi.exceptions
import fastapi.responses
import pytest
import starlette.background
import starlette.responses

from tests.support.asgi_messages import (
    FILE_BYTES,
    call,
    idle_receive,
    make_scope,
    normalize_boundary,
    summary,
)
from tests.support.server import run_server
from zephyr import responses
from zephyr.background import BackgroundTask
from zephyr.exceptions import FastAPIDeprecationWarning
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
        # The server writes the marker while this polls: wait for its content, not for the file (an empty file
        # between the server's open and its write read as "" under load).
        deadline = time.monotonic() + 10
        while (not marker.exists() or not marker.read_text()) and time.monotonic() < deadline:
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
