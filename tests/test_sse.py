"""Server-Sent Events: the wire format, the event model, and generator endpoints compared byte for byte with FastAPI.

No ``from __future__ import annotations`` here: the endpoints' annotations name the framework under test through
a local variable, so they must be evaluated when the functions are defined.
"""
# mypy: disable-error-code="name-defined, valid-type, untyped-decorator, attr-defined, no-untyped-def, misc"
# mypy: disable-error-code="unreachable, no-untyped-call, arg-type, call-arg"

import time
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator
from types import SimpleNamespace
from typing import Annotated, Any

import anyio
import fastapi
import fastapi.routing
import fastapi.sse
import fastapi.testclient
import pydantic
import pytest
from pydantic import BaseModel

import zephyr
import zephyr.sse
import zephyr.testclient
from zephyr.exceptions import ResponseValidationError
from zephyr.sse import KEEPALIVE_COMMENT, EventSourceResponse, ServerSentEvent, format_sse_event

_zephyr: Any = zephyr

FRAMEWORKS = {
    "fastapi": SimpleNamespace(
        FastAPI=fastapi.FastAPI,
        Depends=fastapi.Depends,
        Response=fastapi.Response,
        EventSourceResponse=fastapi.sse.EventSourceResponse,
        ServerSentEvent=fastapi.sse.ServerSentEvent,
        TestClient=fastapi.testclient.TestClient,
    ),
    "zephyr": SimpleNamespace(
        FastAPI=_zephyr.FastAPI,
        Depends=_zephyr.Depends,
        Response=_zephyr.Response,
        EventSourceResponse=zephyr.sse.EventSourceResponse,
        ServerSentEvent=zephyr.sse.ServerSentEvent,
        TestClient=zephyr.testclient.TestClient,
    ),
}


class Item(BaseModel):
    name: str
    price: float = 1.5


class Prompt(BaseModel):
    text: str


def build_app(fw: SimpleNamespace) -> Any:
    """The same SSE app on either framework."""
    app = fw.FastAPI()
    sse = fw.EventSourceResponse
    event = fw.ServerSentEvent

    @app.get("/mixed", response_class=sse)
    async def mixed():
        yield {"a": 1, "é": "ü", "inf": float("inf"), "nested": [1.5, None, True]}
        yield "hello\nworld"
        yield event(data={"x": [1, 2]}, event="update", id="7", retry=10, comment="one\ntwo")
        yield event(raw_data="raw\r\nline\rthree")
        yield event(comment="only a comment")
        yield event(data=Item(name="model"))
        yield event(data="text", id="")
        yield event()
        yield None
        yield 3.25
        yield [1, "two"]

    @app.get("/sync-models", response_class=sse, status_code=201)
    def sync_models() -> Iterable[Item]:
        yield Item(name="x")
        yield {"name": "y", "price": 2}

    @app.post("/async-models", response_class=sse)
    async def async_models() -> AsyncIterable[Item]:
        yield {"name": "ü", "price": "3"}
        yield event(data={"not": "validated"}, event="raw")

    @app.get("/exclude-none", response_class=sse, response_model_exclude_none=True)
    async def exclude_none() -> AsyncIterator[dict[str, Any]]:
        yield {"a": None, "b": 1}

    def header_dep(response: fw.Response) -> None:
        response.headers["x-dep"] = "yes"
        response.status_code = 202

    @app.get("/with-dependency", response_class=sse, dependencies=[fw.Depends(header_dep)])
    async def with_dependency():
        yield {"ok": True}

    @app.get("/empty", response_class=sse)
    async def empty():
        if False:
            yield None

    @app.post("/chat", response_class=sse)
    async def chat(prompt: Prompt) -> AsyncIterable[event]:
        for word in prompt.text.split():
            yield event(data=word, event="token")
        yield event(raw_data="[DONE]", event="done")

    @app.get("/direct")
    async def direct():
        async def chunks():
            yield format_sse_event(data_str="direct")

        return sse(chunks())

    return app


PATHS = [
    ("GET", "/mixed"),
    ("GET", "/sync-models"),
    ("POST", "/async-models"),
    ("GET", "/exclude-none"),
    ("GET", "/with-dependency"),
    ("GET", "/empty"),
    ("GET", "/direct"),
    ("POST", "/chat"),
]


@pytest.mark.parametrize(("method", "path"), PATHS)
def test_event_stream_matches_fastapi_byte_for_byte(method: str, path: str) -> None:
    answers = []
    for fw in FRAMEWORKS.values():
        with fw.TestClient(build_app(fw)) as client:
            response = client.request(method, path, json={"text": "hello big world"})
            answers.append((response.status_code, response.headers.multi_items(), response.content))
    assert answers[0] == answers[1]


def test_event_stream_headers_and_body() -> None:
    with zephyr.testclient.TestClient(build_app(FRAMEWORKS["zephyr"])) as client:
        response = client.get("/sync-models")
    assert response.status_code == 201
    assert response.headers.multi_items() == [
        ("content-type", "text/event-stream; charset=utf-8"),
        ("cache-control", "no-cache"),
        ("x-accel-buffering", "no"),
    ]
    assert response.content == b'data: {"name":"x","price":1.5}\n\ndata: {"name":"y","price":2.0}\n\n'


def test_format_sse_event_orders_fields_and_splits_lines() -> None:
    assert format_sse_event(data_str="a\r\nb\rc\nd", event="e", id="1", retry=5, comment="x\ny") == (
        b": x\n: y\nevent: e\ndata: a\ndata: b\ndata: c\ndata: d\nid: 1\nretry: 5\n\n"
    )
    assert format_sse_event() == b"\n"
    assert format_sse_event(data_str="") == b"data: \n\n"
    assert format_sse_event(data_str="end\n") == b"data: end\ndata: \n\n"
    for kwargs in [{"data_str": "a\nb"}, {"comment": "c"}, {"event": "e", "id": "", "retry": 0}]:
        assert format_sse_event(**kwargs) == fastapi.sse.format_sse_event(**kwargs)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"event": "a\nb"}, "SSE 'event' must be a single line"),
        ({"id": "a\rb"}, "SSE 'id' must be a single line"),
        ({"id": "a\0b"}, "SSE 'id' must not contain null characters"),
        ({"retry": -1}, "greater than or equal to 0"),
        ({"data": 1, "raw_data": "1"}, "Cannot set both 'data' and 'raw_data'"),
    ],
)
def test_server_sent_event_rejects_invalid_fields(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(pydantic.ValidationError, match=message):
        ServerSentEvent(**kwargs)
    with pytest.raises(pydantic.ValidationError):
        fastapi.sse.ServerSentEvent(**kwargs)


def test_keepalive_comment_is_sent_while_the_generator_is_idle(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(zephyr.sse, "_PING_INTERVAL", 0.05)
    monkeypatch.setattr(fastapi.routing, "_PING_INTERVAL", 0.05)
    bodies = []
    for fw in FRAMEWORKS.values():
        app = fw.FastAPI()

        @app.get("/slow", response_class=fw.EventSourceResponse)
        async def slow():
            yield 1
            await anyio.sleep(0.3)
            yield 2

        @app.get("/slow-sync", response_class=fw.EventSourceResponse)
        def slow_sync():
            yield 1
            time.sleep(0.3)
            yield 2

        with fw.TestClient(app) as client:
            for path in ("/slow", "/slow-sync"):
                body = client.get(path).content
                assert body.startswith(b"data: 1\n\n" + KEEPALIVE_COMMENT)
                assert body.endswith(KEEPALIVE_COMMENT + b"data: 2\n\n")
                bodies.append(body.replace(KEEPALIVE_COMMENT, b""))
    assert bodies == [b"data: 1\n\ndata: 2\n\n"] * 4


def test_no_keepalive_when_events_come_quickly() -> None:
    app = _zephyr.FastAPI()

    @app.get("/fast", response_class=EventSourceResponse)
    async def fast():
        for number in range(100):
            yield number

    with zephyr.testclient.TestClient(app) as client:
        body = client.get("/fast").content
    assert body == b"".join(b"data: %d\n\n" % number for number in range(100))


def test_generator_error_propagates_as_itself() -> None:
    app = _zephyr.FastAPI()

    @app.get("/boom", response_class=EventSourceResponse)
    async def boom():
        yield 1
        raise LookupError("broken feed")

    @app.get("/invalid", response_class=EventSourceResponse)
    async def invalid() -> AsyncIterable[Item]:
        yield {"name": "x", "price": "not a number"}

    with zephyr.testclient.TestClient(app) as client:
        with pytest.raises(LookupError, match="broken feed"):
            client.get("/boom")
        with pytest.raises(ResponseValidationError) as info:
            client.get("/invalid")
    assert info.value.errors()[0]["loc"] == ("response", "price")


async def _run_until_disconnect(app: Any, path: str, events_before_disconnect: int) -> list[bytes]:
    """Call the app over ASGI, and answer ``http.disconnect`` once some body chunks were sent."""
    sent: list[bytes] = []
    enough = anyio.Event()

    async def receive() -> dict[str, Any]:
        if not sent:
            return {"type": "http.request", "body": b"", "more_body": False}
        await enough.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.body":
            sent.append(message.get("body", b""))
            if len(sent) >= events_before_disconnect:
                enough.set()
        elif not sent:
            sent.append(b"")

    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [],
        "client": ("127.0.0.1", 1234),
        "server": ("testserver", 80),
    }
    with anyio.fail_after(5):
        await app(scope, receive, send)
    return sent


@pytest.mark.anyio
async def test_disconnect_closes_async_and_sync_generators() -> None:
    closed: list[str] = []
    app = _zephyr.FastAPI()

    @app.get("/async", response_class=EventSourceResponse)
    async def endless_async():
        try:
            number = 0
            while True:
                yield number
                number += 1
                await anyio.sleep(0.001)
        finally:
            closed.append("async")

    @app.get("/sync", response_class=EventSourceResponse)
    def endless_sync():
        try:
            number = 0
            while True:
                yield number
                number += 1
                time.sleep(0.001)
        finally:
            closed.append("sync")

    sent = await _run_until_disconnect(app, "/async", 3)
    assert sent[1:3] == [b"data: 0\n\n", b"data: 1\n\n"]
    sent = await _run_until_disconnect(app, "/sync", 3)
    assert sent[1:3] == [b"data: 0\n\n", b"data: 1\n\n"]
    assert closed == ["async", "sync"]


def test_event_source_response_used_directly() -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b"data: 1\n\n"

    response = EventSourceResponse(chunks())
    assert response.media_type == "text/event-stream"
    assert response.raw_headers == [(b"content-type", b"text/event-stream; charset=utf-8")]


def test_server_sent_event_serializes_pydantic_data_with_its_own_dump() -> None:
    class Stamp(BaseModel):
        when: Annotated[str, pydantic.Field(alias="When")]

    app = _zephyr.FastAPI()

    @app.get("/stamp", response_class=EventSourceResponse)
    def stamp() -> Iterator[ServerSentEvent]:
        yield ServerSentEvent(data=Stamp(When="now"), event="stamp")

    with zephyr.testclient.TestClient(app) as client:
        assert client.get("/stamp").content == b'event: stamp\ndata: {"when":"now"}\n\n'


def test_head_request_sends_headers_without_running_the_generator() -> None:
    started: list[bool] = []
    app = _zephyr.FastAPI()

    @app.get("/endless", response_class=EventSourceResponse)
    async def endless():
        started.append(True)
        while True:
            yield 1
            await anyio.sleep(0)

    with zephyr.testclient.TestClient(app) as client:
        response = client.head("/endless")
    if response.status_code == 405:  # pragma: no cover - the router follows FastAPI 0.165, which has no HEAD here
        return
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
    assert response.content == b""
    assert started == []


@pytest.mark.anyio
async def test_body_iterator_read_directly_yields_the_events() -> None:
    """A custom route handler may read ``body_iterator`` itself (outside ``stream_response``): no pings then."""
    from zephyr.sse import _event_stream

    def numbers() -> Iterator[int]:
        yield from range(3)

    response: Any = _event_stream(EventSourceResponse, numbers(), None, {"status_code": 200, "background": None})
    chunks = [chunk async for chunk in response.body_iterator]
    assert chunks == [b"data: 0\n\n", b"data: 1\n\n", b"data: 2\n\n"]


@pytest.mark.anyio
async def test_send_failure_on_asgi_2_4_servers_closes_the_generator() -> None:
    """Servers on ASGI spec 2.4 raise ``OSError`` from ``send()`` once the client is gone."""

    closed: list[bool] = []
    app = _zephyr.FastAPI()

    @app.get("/endless", response_class=EventSourceResponse)
    async def endless():
        try:
            while True:
                yield "tick"
                await anyio.sleep(0)
        finally:
            closed.append(True)

    bodies: list[bytes] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.body":
            if len(bodies) == 2:
                raise OSError("connection reset")
            bodies.append(message["body"])

    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/endless",
        "raw_path": b"/endless",
        "root_path": "",
        "query_string": b"",
        "headers": [],
        "client": ("127.0.0.1", 1234),
        "server": ("testserver", 80),
    }
    # The client is gone: the app ends quietly (nothing to answer, nothing for the server to log as an error).
    with anyio.fail_after(5):
        await app(scope, receive, send)
    assert bodies == [b'data: "tick"\n\n'] * 2
    assert closed == [True]


def test_ping_interval_set_on_routing_reaches_the_streams(monkeypatch: pytest.MonkeyPatch) -> None:
    import zephyr.routing

    monkeypatch.setattr(zephyr.routing, "_PING_INTERVAL", 0.25)
    assert zephyr.sse._PING_INTERVAL == 0.25
    monkeypatch.undo()
    assert zephyr.sse._PING_INTERVAL == zephyr.routing._PING_INTERVAL == 15.0
