from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import anyio
import pytest
from starlette.middleware.base import BaseHTTPMiddleware as StarletteBaseHTTPMiddleware

from tests.middleware._asgi import make_scope, run_asgi, snapshot
from zephyr.background import BackgroundTask
from zephyr.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from zephyr.requests import Request
from zephyr.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from zephyr.testclient import TestClient
from zephyr.types import ASGIApp, Message, Receive, Scope, Send


async def echo_app(scope: Scope, receive: Receive, send: Send) -> None:
    """Answers with the request body it reads, as JSON."""
    request = Request(scope, receive)
    body = await request.body()
    await JSONResponse({"method": request.method, "body": body.decode()})(scope, receive, send)


async def streaming_app(scope: Scope, receive: Receive, send: Send) -> None:
    async def numbers() -> AsyncIterator[str]:
        for number in range(3):
            yield f"{number},"

    await StreamingResponse(numbers(), media_type="text/plain", headers={"x-app": "1"})(scope, receive, send)


async def add_header(request: Any, call_next: Any) -> Any:
    response = await call_next(request)
    response.headers["x-dispatch"] = "yes"
    return response


async def read_body_first(request: Any, call_next: Any) -> Any:
    body = await request.body()
    response = await call_next(request)
    response.headers["x-seen"] = str(len(body))
    return response


async def read_json_first(request: Any, call_next: Any) -> Any:
    data = await request.json()
    response = await call_next(request)
    response.headers["x-keys"] = ",".join(sorted(data))
    return response


async def rewrite_body(request: Any, call_next: Any) -> Any:
    response = await call_next(request)
    chunks = [chunk async for chunk in response.body_iterator]
    return Response(b"".join(chunks).upper(), status_code=response.status_code, media_type="text/plain")


async def short_circuit(request: Any, call_next: Any) -> Any:
    if request.url.path == "/blocked":
        return PlainTextResponse("blocked", status_code=403)
    return await call_next(request)


DISPATCHES: list[Callable[..., Any]] = [add_header, read_body_first, read_json_first, rewrite_body, short_circuit]


@pytest.mark.anyio
@pytest.mark.parametrize("dispatch", DISPATCHES)
@pytest.mark.parametrize("app", [echo_app, streaming_app])
@pytest.mark.parametrize("path", ["/", "/blocked"])
async def test_matches_starlette(dispatch: Callable[..., Any], app: ASGIApp, path: str) -> None:
    body = b'{"a": 1, "b": 2}'
    ours = await snapshot(BaseHTTPMiddleware(app, dispatch), make_scope("POST", path), body)
    theirs = await snapshot(StarletteBaseHTTPMiddleware(app, dispatch), make_scope("POST", path), body)
    # Chunking may differ (both end with an empty final message); the wire bytes may not.
    assert ours[:3] == theirs[:3]


def test_header_added_by_dispatch_with_test_client() -> None:
    client = TestClient(BaseHTTPMiddleware(echo_app, add_header))
    response = client.post("/", content=b"hello")
    assert response.status_code == 200
    assert response.headers["x-dispatch"] == "yes"
    assert response.json() == {"method": "POST", "body": "hello"}


def test_body_read_by_dispatch_is_readable_by_endpoint() -> None:
    client = TestClient(BaseHTTPMiddleware(echo_app, read_body_first))
    response = client.post("/", content=b"x" * 10_000)
    assert response.headers["x-seen"] == "10000"
    assert response.json() == {"method": "POST", "body": "x" * 10_000}


def test_subclass_dispatch_method() -> None:
    class CustomHeader(BaseHTTPMiddleware):
        async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
            response = await call_next(request)
            response.headers["custom"] = "example"
            return response

    response = TestClient(CustomHeader(streaming_app)).get("/")
    assert (response.status_code, response.text) == (200, "0,1,2,")
    assert response.headers["custom"] == "example"
    assert response.headers["x-app"] == "1"


def test_missing_dispatch_raises_not_implemented() -> None:
    client = TestClient(BaseHTTPMiddleware(echo_app))
    with pytest.raises(NotImplementedError, match="has no dispatch"):
        client.get("/")


async def failing_app(scope: Scope, receive: Receive, send: Send) -> None:
    raise ValueError("boom")


def test_app_exception_propagates_through_call_next() -> None:
    client = TestClient(BaseHTTPMiddleware(failing_app, add_header))
    with pytest.raises(ValueError, match="boom"):
        client.get("/")


def test_dispatch_may_catch_app_exception() -> None:
    async def catch(request: Request, call_next: RequestResponseEndpoint) -> Response:
        try:
            return await call_next(request)
        except ValueError as exc:
            return PlainTextResponse(f"caught {exc}", status_code=500)

    response = TestClient(BaseHTTPMiddleware(failing_app, catch)).get("/")
    assert (response.status_code, response.text) == (500, "caught boom")


def test_exception_after_response_start_is_raised_after_sending() -> None:
    async def half_app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"partial", "more_body": True})
        raise ValueError("late")

    messages: list[Message] = []

    async def main() -> None:
        async def receive() -> Message:
            await anyio.sleep_forever()
            raise AssertionError  # pragma: no cover

        async def send(message: Message) -> None:
            messages.append(message)

        with pytest.raises(ValueError, match="late"):
            await BaseHTTPMiddleware(half_app, add_header)(make_scope(), receive, send)

    anyio.run(main)
    assert messages[0]["status"] == 200
    assert b"".join(message.get("body", b"") for message in messages[1:]) == b"partial"


def test_no_response_is_a_runtime_error() -> None:
    async def silent_app(scope: Scope, receive: Receive, send: Send) -> None:
        return None

    with pytest.raises(RuntimeError, match="No response returned"):
        TestClient(BaseHTTPMiddleware(silent_app, add_header)).get("/")


def test_background_task_of_inner_response_runs_after_response() -> None:
    events: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        response = PlainTextResponse("ok", background=BackgroundTask(events.append, "background"))
        await response(scope, receive, send)

    async def dispatch(request: Request, call_next: RequestResponseEndpoint) -> Response:
        response = await call_next(request)
        events.append("dispatched")
        return response

    response = TestClient(BaseHTTPMiddleware(app, dispatch)).get("/")
    assert response.text == "ok"
    assert events == ["dispatched", "background"]


def test_background_task_runs_when_dispatch_replaces_response() -> None:
    events: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        response = PlainTextResponse("inner", background=BackgroundTask(events.append, "background"))
        await response(scope, receive, send)

    async def dispatch(request: Request, call_next: RequestResponseEndpoint) -> Response:
        await call_next(request)
        return PlainTextResponse("outer")

    response = TestClient(BaseHTTPMiddleware(app, dispatch)).get("/")
    assert response.text == "outer"
    assert events == ["background"]


def test_app_sees_disconnect_once_response_is_sent() -> None:
    seen: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()  # the (empty) body
        await PlainTextResponse("ok")(scope, receive, send)
        message = await receive()
        seen.append(message["type"])

    response = TestClient(BaseHTTPMiddleware(app, add_header)).get("/")
    assert response.text == "ok"
    assert seen == ["http.disconnect"]


@pytest.mark.anyio
async def test_client_disconnect_while_reading_body_reaches_app() -> None:
    seen: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append((await receive())["type"])
        await PlainTextResponse("late")(scope, receive, send)

    async def receive() -> Message:
        return {"type": "http.disconnect"}

    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    await BaseHTTPMiddleware(app, add_header)(make_scope("POST"), receive, send)
    assert seen == ["http.disconnect"]


@pytest.mark.anyio
async def test_streaming_body_passes_chunk_by_chunk() -> None:
    messages = await run_asgi(BaseHTTPMiddleware(streaming_app, add_header), make_scope())
    assert [message.get("body") for message in messages[1:]] == [b"0,", b"1,", b"2,", b""]
    assert (b"x-dispatch", b"yes") in messages[0]["headers"]


@pytest.mark.anyio
async def test_non_http_scopes_pass_through() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": f"{scope['type']}.seen"})

    middleware = BaseHTTPMiddleware(app, add_header)
    assert await run_asgi(middleware, {"type": "lifespan"}) == [{"type": "lifespan.seen"}]
    assert await run_asgi(middleware, make_scope(scope_type="websocket")) == [{"type": "websocket.seen"}]


def test_json_body_read_in_dispatch_reaches_endpoint() -> None:
    response = TestClient(BaseHTTPMiddleware(echo_app, read_json_first)).post("/", json={"z": 1, "a": 2})
    assert response.headers["x-keys"] == "a,z"
    assert json.loads(response.json()["body"]) == {"z": 1, "a": 2}


@pytest.mark.anyio
async def test_client_disconnect_stops_streaming_on_old_servers() -> None:
    closed: list[bool] = []

    async def endless_app(scope: Scope, receive: Receive, send: Send) -> None:
        async def chunks() -> AsyncIterator[bytes]:
            try:
                for _ in range(10_000):  # bounded: the test fails rather than hangs
                    yield b"chunk"
                    await anyio.sleep(0)
            finally:
                closed.append(True)

        await StreamingResponse(chunks())(scope, receive, send)

    messages = iter([{"type": "http.request", "body": b"", "more_body": False}])
    sent: list[Message] = []

    async def receive() -> Message:
        try:
            return next(messages)
        except StopIteration:
            pass
        while len(sent) < 5:  # the client goes away after a few chunks
            await anyio.sleep(0)
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = make_scope()
    scope["asgi"]["spec_version"] = "2.3"  # servers before 2.4 report a disconnect only through receive()
    with anyio.fail_after(5):
        await BaseHTTPMiddleware(endless_app, add_header)(scope, receive, send)
    assert closed == [True]
    assert 5 <= len(sent) < 10_000


@pytest.mark.parametrize("dispatch", [add_header, read_body_first, rewrite_body])
def test_test_client_matches_starlette(dispatch: Callable[..., Any]) -> None:
    for app in (echo_app, streaming_app):
        ours = TestClient(BaseHTTPMiddleware(app, dispatch)).post("/", content=b"abc")
        theirs = TestClient(StarletteBaseHTTPMiddleware(app, dispatch)).post("/", content=b"abc")
        assert (ours.status_code, sorted(ours.headers.multi_items()), ours.content) == (
            theirs.status_code,
            sorted(theirs.headers.multi_items()),
            theirs.content,
        )


def make_receive(*messages: Message, then: Message | None = None) -> Receive:
    """A receive channel giving ``messages``, then ``then`` forever (or blocking, if ``None``)."""
    queue = list(messages)

    async def receive() -> Message:
        if queue:
            return queue.pop(0)
        if then is None:
            await anyio.sleep_forever()
        assert then is not None
        return dict(then)

    return receive


async def call(middleware: ASGIApp, receive: Receive, scope: Scope | None = None) -> list[Message]:
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    with anyio.fail_after(5):
        await middleware(scope or make_scope("POST"), receive, send)
    return sent


BODY = {"type": "http.request", "body": b"abc", "more_body": False}
DISCONNECT = {"type": "http.disconnect"}


@pytest.mark.anyio
async def test_body_streamed_by_dispatch_leaves_empty_body_for_app() -> None:
    async def dispatch(request: Request, call_next: RequestResponseEndpoint) -> Response:
        chunks = [chunk async for chunk in request.stream()]
        response = await call_next(request)
        response.headers["x-streamed"] = repr(b"".join(chunks))
        return response

    sent = await call(BaseHTTPMiddleware(echo_app, dispatch), make_receive(BODY, then=DISCONNECT))
    assert (b"x-streamed", b"b'abc'") in sent[0]["headers"]
    assert json.loads(sent[1]["body"]) == {"method": "POST", "body": ""}


@pytest.mark.anyio
async def test_app_gets_disconnect_already_seen_by_dispatch() -> None:
    seen: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        for _ in range(3):
            seen.append((await receive())["type"])
        await PlainTextResponse("ok")(scope, receive, send)

    async def dispatch(request: Request, call_next: RequestResponseEndpoint) -> Response:
        await request.body()
        assert await request.is_disconnected()
        return await call_next(request)

    sent = await call(BaseHTTPMiddleware(app, dispatch), make_receive(BODY, DISCONNECT))
    assert seen == ["http.request", "http.disconnect", "http.disconnect"]
    assert sent[0]["status"] == 200


@pytest.mark.anyio
async def test_unexpected_message_after_body_is_an_app_error() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        await receive()

    with pytest.raises(RuntimeError, match=r"received 'http\.request' after the whole request body"):
        await call(BaseHTTPMiddleware(app, add_header), make_receive(BODY, then=BODY))


@pytest.mark.anyio
async def test_debug_info_and_pathsend_are_passed_on() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.debug", "info": {"template": "t.html"}})
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.pathsend", "path": "/tmp/file"})

    sent = await call(BaseHTTPMiddleware(app, add_header), make_receive(BODY, then=DISCONNECT))
    assert sent == [
        {"type": "http.response.debug", "info": {"template": "t.html"}},
        {"type": "http.response.start", "status": 200, "headers": [(b"x-dispatch", b"yes")]},
        {"type": "http.response.pathsend", "path": "/tmp/file"},
    ]


@pytest.mark.anyio
async def test_body_iterator_stops_at_pathsend() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.pathsend", "path": "/tmp/file"})

    sent = await call(BaseHTTPMiddleware(app, rewrite_body), make_receive(BODY, then=DISCONNECT))
    assert sent[1]["body"] == b""


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("messages", "error"),
    [
        ([{"type": "http.response.body", "body": b"x"}], "sent 'http.response.body' first"),
        (
            [{"type": "http.response.start", "status": 200, "headers": []}, {"type": "http.response.trailers"}],
            "sent 'http.response.trailers' in the middle of its response body",
        ),
    ],
)
async def test_out_of_order_messages_are_errors(messages: list[Message], error: str) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        for message in messages:
            await send(message)

    with pytest.raises(RuntimeError, match=error):
        await call(BaseHTTPMiddleware(app, add_header), make_receive(BODY, then=DISCONNECT))


@pytest.mark.anyio
async def test_app_receive_after_response_sent_is_disconnect() -> None:
    seen: list[str] = []
    sent_event = anyio.Event()

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        await PlainTextResponse("ok")(scope, receive, send)
        seen.append((await receive())["type"])  # raced: the client never disconnects
        await sent_event.wait()
        seen.append((await receive())["type"])  # after the response: answered at once

    async def dispatch(request: Request, call_next: RequestResponseEndpoint) -> Response:
        return await call_next(request)

    middleware = BaseHTTPMiddleware(app, dispatch)

    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)
        if not message.get("more_body", False) and message["type"] == "http.response.body":
            sent_event.set()

    with anyio.fail_after(5):
        await middleware(make_scope("POST"), make_receive(BODY), send)
    assert seen == ["http.disconnect", "http.disconnect"]
