from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
import starlette.testclient
import starlette.websockets

from zephyr import websockets
from zephyr.responses import JSONResponse, Response
from zephyr.testclient import TestClient, WebSocketDenialResponse
from zephyr.types import Message, Receive, Scope, Send
from zephyr.websockets import WebSocket, WebSocketClose, WebSocketDisconnect, WebSocketState


@dataclasses.dataclass
class Impl:
    """One WebSocket implementation with its test client: Zephyr's, or Starlette's as the reference."""

    name: str
    websocket: Any
    disconnect: type[Exception]
    client: Any
    state: Any


IMPLS = {
    "zephyr": Impl("zephyr", WebSocket, WebSocketDisconnect, TestClient, WebSocketState),
    "starlette": Impl(
        "starlette",
        starlette.websockets.WebSocket,
        starlette.websockets.WebSocketDisconnect,
        starlette.testclient.TestClient,
        starlette.websockets.WebSocketState,
    ),
}

Endpoint = Callable[[Any], Awaitable[None]]


@pytest.fixture(params=list(IMPLS))
def impl(request: pytest.FixtureRequest) -> Impl:
    """Each test using this runs Zephyr's WebSocket under Zephyr's TestClient, and Starlette's under Starlette's."""
    return IMPLS[request.param]


def make_app(impl: Impl, endpoint: Endpoint) -> Callable[[Scope, Receive, Send], Awaitable[None]]:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await endpoint(impl.websocket(scope, receive=receive, send=send))

    return app


def connect(impl: Impl, endpoint: Endpoint, url: str = "/ws", **kwargs: Any) -> Any:
    return impl.client(make_app(impl, endpoint)).websocket_connect(url, **kwargs)


def test_echo_text_bytes_and_json(impl: Impl) -> None:
    async def endpoint(ws: Any) -> None:
        await ws.accept()
        await ws.send_text(await ws.receive_text())
        await ws.send_bytes(await ws.receive_bytes())
        await ws.send_json(await ws.receive_json())
        await ws.send_json(await ws.receive_json(mode="binary"), mode="binary")
        await ws.close()

    with connect(impl, endpoint) as session:
        session.send_text("héllo")
        assert session.receive_text() == "héllo"
        session.send_bytes(b"\x00\x01")
        assert session.receive_bytes() == b"\x00\x01"
        session.send_json({"a": [1, 2]})
        assert session.receive_json() == {"a": [1, 2]}
        session.send_json({"b": None}, mode="binary")
        assert session.receive_json(mode="binary") == {"b": None}
        with pytest.raises(impl.disconnect) as info:
            session.receive_text()
        assert info.value.code == 1000  # type: ignore[attr-defined]


def test_send_json_is_compact_and_keeps_non_ascii(impl: Impl) -> None:
    async def endpoint(ws: Any) -> None:
        await ws.accept()
        await ws.send_json({"name": "é", "list": [1, 2]})
        await ws.send_json({"name": "é"}, mode="binary")
        await ws.close()

    with connect(impl, endpoint) as session:
        assert session.receive() == {"type": "websocket.send", "text": '{"name":"é","list":[1,2]}'}
        assert session.receive() == {"type": "websocket.send", "bytes": '{"name":"é"}'.encode()}


def test_client_send_json_is_compact(impl: Impl) -> None:
    received: list[Message] = []

    async def endpoint(ws: Any) -> None:
        await ws.accept()
        received.append(await ws.receive())
        received.append(await ws.receive())
        await ws.close()

    with connect(impl, endpoint) as session:
        session.send_json({"name": "é", "n": 1})
        session.send_json([1], mode="binary")
        with pytest.raises(impl.disconnect):
            session.receive_text()
    assert received == [
        {"type": "websocket.receive", "text": '{"name":"é","n":1}'},
        {"type": "websocket.receive", "bytes": b"[1]"},
    ]


def test_accept_with_subprotocol_and_headers(impl: Impl) -> None:
    offered: list[Any] = []

    async def endpoint(ws: Any) -> None:
        offered.append(ws.scope["subprotocols"])
        await ws.accept(subprotocol="chat", headers=[(b"x-extra", b"1")])
        await ws.close()

    with connect(impl, endpoint, subprotocols=["chat", "superchat"]) as session:
        assert session.accepted_subprotocol == "chat"
        assert session.extra_headers == [(b"x-extra", b"1")]
    assert offered == [["chat", "superchat"]]


def test_no_subprotocol_offered(impl: Impl) -> None:
    async def endpoint(ws: Any) -> None:
        assert ws.scope["subprotocols"] == []
        await ws.accept()
        await ws.close()

    with connect(impl, endpoint) as session:
        assert session.accepted_subprotocol is None


def test_connection_details_come_from_the_scope(impl: Impl) -> None:
    seen: dict[str, Any] = {}

    async def endpoint(ws: Any) -> None:
        seen.update(
            url=str(ws.url),
            path=ws.url.path,
            query=dict(ws.query_params),
            header=ws.headers["x-token"],
            cookies=ws.cookies,
            client=tuple(ws.client),
            scheme=ws.scope["scheme"],
            extensions=sorted(ws.scope["extensions"]),
        )
        await ws.accept()
        await ws.close()

    kwargs = {"headers": {"x-token": "t", "cookie": "a=1"}}
    with connect(impl, endpoint, "/ws/room?x=1", **kwargs):
        pass
    assert seen == {
        "url": "ws://testserver/ws/room?x=1",
        "path": "/ws/room",
        "query": {"x": "1"},
        "header": "t",
        "cookies": {"a": "1"},
        "client": ("testclient", 50000),
        "scheme": "ws",
        "extensions": ["websocket.http.response"],
    }


def test_handshake_headers_are_sent() -> None:
    headers: dict[bytes, bytes] = {}

    async def endpoint(ws: Any) -> None:
        headers.update(ws.scope["headers"])
        await ws.accept()
        await ws.close()

    with connect(IMPLS["zephyr"], endpoint, subprotocols=["a", "b"]):
        pass
    assert headers[b"host"] == b"testserver"
    assert headers[b"connection"] == b"upgrade"
    assert headers[b"upgrade"] == b"websocket"
    assert headers[b"sec-websocket-version"] == b"13"
    assert headers[b"sec-websocket-protocol"] == b"a, b"
    assert headers[b"user-agent"] == b"testclient"


def test_app_close_with_code_and_reason(impl: Impl) -> None:
    async def endpoint(ws: Any) -> None:
        await ws.accept()
        await ws.close(code=4001, reason="go away")

    with connect(impl, endpoint) as session, pytest.raises(impl.disconnect) as info:
        session.receive_text()
    assert (info.value.code, info.value.reason) == (4001, "go away")  # type: ignore[attr-defined]


def test_close_before_accept_raises_on_enter(impl: Impl) -> None:
    async def endpoint(ws: Any) -> None:
        await ws.close(code=1008)

    with pytest.raises(impl.disconnect) as info, connect(impl, endpoint):
        pytest.fail("the connection must not open")  # pragma: no cover - entering raises
    assert info.value.code == 1008  # type: ignore[attr-defined]


def test_client_close_reaches_the_app(impl: Impl) -> None:
    seen: list[tuple[int, str]] = []

    async def endpoint(ws: Any) -> None:
        await ws.accept()
        try:
            await ws.receive_text()
        except impl.disconnect as exc:
            seen.append((exc.code, exc.reason))  # type: ignore[attr-defined]
            assert ws.client_state == impl.state.DISCONNECTED

    with connect(impl, endpoint) as session:
        session.close(code=4000, reason="bye")
    assert seen == [(4000, "bye")]


def test_leaving_the_block_disconnects_and_raises_what_the_app_raised(impl: Impl) -> None:
    async def endpoint(ws: Any) -> None:
        await ws.accept()
        while True:
            await ws.send_text(await ws.receive_text())

    with pytest.raises(impl.disconnect) as info, connect(impl, endpoint) as session:
        session.send_text("one")
        assert session.receive_text() == "one"
    assert info.value.code == 1000  # type: ignore[attr-defined]


def test_app_that_handles_the_disconnect_ends_cleanly(impl: Impl) -> None:
    log: list[str] = []

    async def endpoint(ws: Any) -> None:
        await ws.accept()
        async for text in ws.iter_text():
            log.append(text)
        log.append("left")

    with connect(impl, endpoint) as session:
        session.send_text("a")
        session.send_text("b")
    assert log == ["a", "b", "left"]


def test_iter_bytes_and_iter_json(impl: Impl) -> None:
    log: list[Any] = []

    async def endpoint(ws: Any) -> None:
        await ws.accept()
        if ws.url.path == "/bytes":
            log.extend([item async for item in ws.iter_bytes()])
        else:
            log.extend([item async for item in ws.iter_json()])

    with connect(impl, endpoint, "/bytes") as session:
        session.send_bytes(b"x")
        session.send_bytes(b"y")
    with connect(impl, endpoint, "/json") as session:
        session.send_json({"a": 1})
    assert log == [b"x", b"y", {"a": 1}]


def test_app_exception_is_raised_in_the_client(impl: Impl) -> None:
    async def endpoint(ws: Any) -> None:
        await ws.accept()
        raise ValueError("broken")

    with pytest.raises(ValueError, match="broken"), connect(impl, endpoint) as session:
        session.receive_text()


def test_app_exception_before_accept_is_raised_on_enter(impl: Impl) -> None:
    async def endpoint(ws: Any) -> None:
        raise ValueError("early")

    with pytest.raises(ValueError, match="early"), connect(impl, endpoint):
        pytest.fail("the connection must not open")  # pragma: no cover - entering raises


def test_app_returning_without_close() -> None:
    async def endpoint(ws: Any) -> None:
        await ws.accept()

    with connect(IMPLS["zephyr"], endpoint) as session, pytest.raises(WebSocketDisconnect) as info:
        session.receive_text()
    assert info.value.code == 1006

    async def never_accepts(ws: Any) -> None:
        return

    with pytest.raises(RuntimeError, match="returned without accepting or rejecting"):
        connect(IMPLS["zephyr"], never_accepts).__enter__()


def test_sending_after_the_app_finished_is_ignored() -> None:
    async def endpoint(ws: Any) -> None:
        await ws.accept()
        await ws.close()

    with connect(IMPLS["zephyr"], endpoint) as session:
        with pytest.raises(WebSocketDisconnect):
            session.receive_text()
        session.send_text("nobody listens")


def test_message_before_accept_is_refused_by_the_client() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "websocket.send", "text": "too early"})

    with pytest.raises(RuntimeError, match="before accepting the WebSocket"):
        TestClient(app).websocket_connect("/").__enter__()


# --- denial responses ---------------------------------------------------------------------------------------------


def test_denial_response(impl: Impl) -> None:
    async def endpoint(ws: Any) -> None:
        await ws.send_denial_response(JSONResponse({"detail": "no"}, status_code=403, headers={"x-why": "token"}))

    client = impl.client(make_app(impl, endpoint))
    with pytest.raises(impl.disconnect) as info, client.websocket_connect("/ws"):
        pytest.fail("the connection must not open")  # pragma: no cover - entering raises
    denial: Any = info.value
    assert denial.status_code == 403
    assert denial.headers["x-why"] == "token"
    assert denial.headers["content-type"] == "application/json"
    assert denial.json() == {"detail": "no"}


def test_denial_response_is_an_httpx_response() -> None:
    async def endpoint(ws: Any) -> None:
        await ws.send_denial_response(Response(b"nope", status_code=401))

    with pytest.raises(WebSocketDenialResponse) as info, connect(IMPLS["zephyr"], endpoint):
        pytest.fail("the connection must not open")  # pragma: no cover - entering raises
    assert info.value.status_code == 401
    assert info.value.content == b"nope"
    assert isinstance(info.value, WebSocketDisconnect)


def test_denial_response_in_chunks() -> None:
    states: list[WebSocketState] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        ws = WebSocket(scope, receive, send)
        await ws.receive()
        await ws.send({"type": "websocket.http.response.start", "status": 400, "headers": []})
        states.append(ws.application_state)
        await ws.send({"type": "websocket.http.response.body", "body": b"bad ", "more_body": True})
        await ws.send({"type": "websocket.http.response.body", "body": b"request"})
        states.append(ws.application_state)

    with pytest.raises(WebSocketDenialResponse) as info, TestClient(app).websocket_connect("/"):
        pytest.fail("the connection must not open")  # pragma: no cover - entering raises
    assert info.value.text == "bad request"
    assert states == [WebSocketState.RESPONSE, WebSocketState.DISCONNECTED]


def test_denial_response_needs_the_extension(impl: Impl) -> None:
    errors: list[str] = []

    async def endpoint(ws: Any) -> None:
        ws.scope["extensions"] = {}
        try:
            await ws.send_denial_response(Response(b"x", status_code=403))
        except RuntimeError as exc:
            errors.append(str(exc))
        await ws.close()

    with pytest.raises(impl.disconnect), connect(impl, endpoint):
        pass  # pragma: no cover - entering raises
    assert errors == ["The server doesn't support the Websocket Denial Response extension."]


# --- the state machine --------------------------------------------------------------------------------------------


async def misuse_receive_before_accept(ws: Any) -> None:
    await ws.receive_text()


async def misuse_send_before_accept(ws: Any) -> None:
    await ws.send_text("x")


async def misuse_send_after_close(ws: Any) -> None:
    await ws.accept()
    await ws.close()
    await ws.send_text("x")


async def misuse_receive_after_disconnect(ws: Any) -> None:
    await ws.accept()
    await ws.receive()  # the client's disconnect
    await ws.receive()


async def misuse_bad_receive_mode(ws: Any) -> None:
    await ws.accept()
    await ws.receive_json(mode="xml")


async def misuse_bad_send_mode(ws: Any) -> None:
    await ws.accept()
    await ws.send_json({}, mode="xml")


async def misuse_accept_twice(ws: Any) -> None:
    await ws.accept()
    await ws.accept()


async def misuse_body_without_start(ws: Any) -> None:
    await ws.receive()
    await ws.send({"type": "websocket.http.response.start", "status": 403, "headers": []})
    await ws.send({"type": "websocket.send", "text": "x"})


MISUSES = {
    "receive before accept": (misuse_receive_before_accept, 'WebSocket is not connected. Need to call "accept" first.'),
    "send before accept": (
        misuse_send_before_accept,
        'Expected ASGI message "websocket.accept", "websocket.close" or "websocket.http.response.start", '
        "but got 'websocket.send'",
    ),
    "send after close": (misuse_send_after_close, 'Cannot call "send" once a close message has been sent.'),
    "receive after disconnect": (
        misuse_receive_after_disconnect,
        'Cannot call "receive" once a disconnect message has been received.',
    ),
    "bad receive mode": (misuse_bad_receive_mode, 'The "mode" argument should be "text" or "binary".'),
    "bad send mode": (misuse_bad_send_mode, 'The "mode" argument should be "text" or "binary".'),
    "accept twice": (
        misuse_accept_twice,
        'Expected ASGI message "websocket.send" or "websocket.close", but got \'websocket.accept\'',
    ),
    "body after denial start": (
        misuse_body_without_start,
        "Expected ASGI message \"websocket.http.response.body\", but got 'websocket.send'",
    ),
}


@pytest.mark.parametrize("name", list(MISUSES))
def test_state_machine_errors_match_starlette(impl: Impl, name: str) -> None:
    misuse, expected = MISUSES[name]
    errors: list[str] = []

    async def endpoint(ws: Any) -> None:
        try:
            await misuse(ws)
        except RuntimeError as exc:
            errors.append(str(exc))
            raise

    client = impl.client(make_app(impl, endpoint))
    with pytest.raises(RuntimeError), client.websocket_connect("/ws") as session:
        session.close()
        session.receive()
    assert errors == [expected]


def test_unexpected_client_messages_are_refused() -> None:
    async def first(ws: Any) -> None:
        await ws.receive()

    async def second(ws: Any) -> None:
        await ws.accept()
        await ws.receive()

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        ws = WebSocket(scope, receive, send)
        await (first if scope["path"] == "/first" else second)(ws)

    def wrong_first_message() -> Receive:
        async def receive() -> Message:
            return {"type": "websocket.receive", "text": "x"}

        return receive

    scope: Scope = {"type": "websocket", "path": "/first", "headers": []}

    async def noop_send(message: Message) -> None:
        return None

    import anyio

    with pytest.raises(
        RuntimeError, match=r"^Expected ASGI message \"websocket.connect\", but got 'websocket.receive'$"
    ):
        anyio.run(app, scope, wrong_first_message(), noop_send)

    messages = iter([{"type": "websocket.connect"}, {"type": "websocket.connect"}])

    async def receive_twice() -> Message:
        return next(messages)

    with pytest.raises(RuntimeError, match=r"but got 'websocket.connect'$"):
        anyio.run(app, {**scope, "path": "/second"}, receive_twice, noop_send)


def test_states_move_through_the_connection() -> None:
    states: list[tuple[str, str]] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        ws = WebSocket(scope, receive, send)
        states.append((ws.client_state.name, ws.application_state.name))
        await ws.accept()
        states.append((ws.client_state.name, ws.application_state.name))
        await ws.receive_text()
        await ws.close()
        states.append((ws.client_state.name, ws.application_state.name))

    with TestClient(app).websocket_connect("/") as session:
        session.send_text("x")
        with pytest.raises(WebSocketDisconnect):
            session.receive_text()
    assert states == [
        ("CONNECTING", "CONNECTING"),
        ("CONNECTED", "CONNECTED"),
        ("CONNECTED", "DISCONNECTED"),
    ]


def test_server_reporting_the_client_gone_is_a_1006_disconnect() -> None:
    import anyio

    messages = iter([{"type": "websocket.connect"}])

    async def receive() -> Message:
        return next(messages)

    async def send(message: Message) -> None:
        if message["type"] == "websocket.send":
            raise OSError("connection reset")

    async def main() -> None:
        ws = WebSocket({"type": "websocket", "path": "/", "headers": []}, receive, send)
        await ws.accept()
        with pytest.raises(WebSocketDisconnect) as info:
            await ws.send_text("x")
        assert info.value.code == 1006
        assert ws.application_state == WebSocketState.DISCONNECTED

    anyio.run(main)


def test_websocket_needs_a_websocket_scope() -> None:
    async def receive() -> Message:
        return {}  # pragma: no cover - never called

    async def send(message: Message) -> None:
        return None  # pragma: no cover - never called

    with pytest.raises(ValueError, match="WebSocket needs a 'websocket' scope, got type 'http'"):
        WebSocket({"type": "http"}, receive, send)


def test_websocket_close_app(impl: Impl) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        await WebSocketClose(code=1013, reason="later")(scope, receive, send)

    with pytest.raises(impl.disconnect) as info, impl.client(app).websocket_connect("/"):
        pytest.fail("the connection must not open")  # pragma: no cover - entering raises
    assert (info.value.code, info.value.reason) == (1013, "later")  # type: ignore[attr-defined]


def test_disconnect_exception() -> None:
    exc = WebSocketDisconnect()
    assert (exc.code, exc.reason) == (1000, "")
    assert repr(WebSocketDisconnect(1001, "gone")) == "WebSocketDisconnect(code=1001, reason='gone')"
    assert WebSocketClose().reason == ""


def test_subclass_can_add_attributes() -> None:
    class TrackedWebSocket(WebSocket):
        def __init__(self, scope: Scope, receive: Receive, send: Send) -> None:
            super().__init__(scope, receive, send)
            self.sent = 0

        async def send(self, message: Message) -> None:
            self.sent += 1
            await super().send(message)

    counts: list[int] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        ws = TrackedWebSocket(scope, receive, send)
        await ws.accept()
        await ws.send_text("x")
        await ws.close()
        counts.append(ws.sent)

    with TestClient(app).websocket_connect("/") as session:
        assert session.receive_text() == "x"
        with pytest.raises(WebSocketDisconnect):
            session.receive_text()
    assert counts == [3]


def test_exported_surface() -> None:
    assert websockets.__all__ == ("WebSocket", "WebSocketClose", "WebSocketDisconnect", "WebSocketState")
    assert [state.name for state in WebSocketState] == ["CONNECTING", "CONNECTED", "DISCONNECTED", "RESPONSE"]


@pytest.mark.parametrize("included", [False, True])
def test_a_hook_dependency_recorded_above_the_route_decorator_runs_for_websocket_routes(included: bool) -> None:
    from zephyr import APIRouter, Depends, FastAPI
    from zephyr._hooks import add_route_dependency

    calls: list[str] = []

    def hook(websocket: WebSocket) -> None:
        calls.append(f"hook {websocket.url.path}")

    def hooked(func: Callable[..., Any]) -> Callable[..., Any]:  # what ``@limit`` does, placed above the route
        add_route_dependency(func, Depends(hook))
        return func

    app = FastAPI()
    router = APIRouter() if included else app.router

    @hooked
    @router.websocket("/ws")
    async def chat(websocket: WebSocket) -> None:
        calls.append("endpoint")
        await websocket.accept()
        await websocket.close()

    if included:
        app.include_router(router, prefix="/in")
    path = "/in/ws" if included else "/ws"
    with TestClient(app).websocket_connect(path):
        pass
    assert calls == [f"hook {path}", "endpoint"]


def test_a_denial_is_also_starlettes_denial_for_suites_written_against_starlette() -> None:
    """FastAPI suites catch ``starlette.testclient.WebSocketDenialResponse``; the denial Zephyr raises is one."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        await send(
            {"type": "websocket.http.response.start", "status": 401, "headers": [(b"www-authenticate", b"Bearer")]}
        )
        await send({"type": "websocket.http.response.body", "body": b'{"detail":"Not authenticated"}'})

    with pytest.raises(starlette.testclient.WebSocketDenialResponse) as info, TestClient(app).websocket_connect("/"):
        pytest.fail("the connection must not open")  # pragma: no cover - entering raises
    denial: Any = info.value
    assert isinstance(denial, WebSocketDenialResponse)
    assert isinstance(denial, WebSocketDisconnect)
    assert (denial.status_code, denial.json()) == (401, {"detail": "Not authenticated"})
    assert denial.headers["WWW-Authenticate"] == "Bearer"
