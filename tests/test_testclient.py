from __future__ import annotations

import importlib
import json
import sys
import threading
from collections.abc import Callable
from typing import Any

import httpx2
import pytest
from starlette.testclient import TestClient as StarletteTestClient

from zephyr.exceptions import MissingDependencyError
from zephyr.testclient import TestClient
from zephyr.types import Message, Receive, Scope, Send

ClientFactory = Callable[..., Any]

CLIENTS: dict[str, ClientFactory] = {"zephyr": TestClient, "starlette": StarletteTestClient}


@pytest.fixture(params=list(CLIENTS))
def make_client(request: pytest.FixtureRequest) -> ClientFactory:
    """Each test using this runs on Zephyr's TestClient and on Starlette's, which must behave the same."""
    return CLIENTS[request.param]


async def read_body(receive: Receive) -> bytes:
    body = b""
    more = True
    while more:
        message = await receive()
        body += message.get("body", b"")
        more = message.get("more_body", False)
    return body


async def respond(
    send: Send, status: int = 200, body: bytes = b"", headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers or []})
    await send({"type": "http.response.body", "body": body})


async def scope_app(scope: Scope, receive: Receive, send: Send) -> None:
    body = await read_body(receive)
    payload = {
        "type": scope["type"],
        "http_version": scope["http_version"],
        "method": scope["method"],
        "scheme": scope["scheme"],
        "path": scope["path"],
        "raw_path": scope["raw_path"].decode(),
        "root_path": scope["root_path"],
        "query_string": scope["query_string"].decode(),
        "headers": [[k.decode(), v.decode()] for k, v in scope["headers"]],
        "client": list(scope["client"]),
        "server": list(scope["server"]),
        "state": scope["state"],
        "extensions": sorted(scope["extensions"]),
        "body": body.decode(),
    }
    await respond(send, body=json.dumps(payload).encode(), headers=[(b"content-type", b"application/json")])


def test_scope_of_a_get_request(make_client: ClientFactory) -> None:
    client = make_client(scope_app)
    response = client.get("/items/a%20b?q=1&r=%C3%A9")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {
        "type": "http",
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/items/a b",
        "raw_path": "/items/a%20b",
        "root_path": "",
        "query_string": "q=1&r=%C3%A9",
        "headers": [
            ["host", "testserver"],
            ["accept", "*/*"],
            ["accept-encoding", "gzip, deflate"],
            ["connection", "keep-alive"],
            ["user-agent", "testclient"],
        ],
        "client": ["testclient", 50000],
        "server": ["testserver", 80],
        "state": {},
        "extensions": ["http.response.debug", "http.response.trailers"],
        "body": "",
    }


def test_scope_follows_base_url_root_path_client_and_headers(make_client: ClientFactory) -> None:
    client = make_client(
        scope_app,
        base_url="https://example.org:8443",
        root_path="/api",
        client=("10.0.0.1", 1234),
        headers={"user-agent": "mine", "x-default": "1"},
    )
    payload = client.post("/x", json={"a": 1}, headers={"x-extra": "2"}).json()
    assert payload["scheme"] == "https"
    assert payload["server"] == ["example.org", 8443]
    assert payload["root_path"] == "/api"
    assert payload["client"] == ["10.0.0.1", 1234]
    assert payload["method"] == "POST"
    assert payload["body"] == '{"a":1}'
    headers = dict(payload["headers"])
    assert headers["host"] == "example.org:8443"
    assert headers["user-agent"] == "mine"
    assert headers["x-default"] == "1"
    assert headers["x-extra"] == "2"
    assert headers["content-type"] == "application/json"
    assert headers["content-length"] == "7"


def test_headers_argument_is_not_mutated() -> None:
    headers = {"x-a": "1"}
    TestClient(scope_app, headers=headers)
    assert headers == {"x-a": "1"}


def test_request_body_is_streamed_in_chunks() -> None:
    messages: list[Message] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        more = True
        while more:
            message = await receive()
            messages.append(message)
            more = message["more_body"]
        await respond(send, body=b"ok")

    response = TestClient(app).post("/", content=iter([b"ab", b"", b"cd"]))
    assert response.text == "ok"
    assert messages == [
        {"type": "http.request", "body": b"ab", "more_body": True},
        {"type": "http.request", "body": b"", "more_body": True},
        {"type": "http.request", "body": b"cd", "more_body": False},
    ]


def test_empty_body_is_one_final_message() -> None:
    messages: list[Message] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        messages.append(await receive())
        await respond(send)

    assert TestClient(app).get("/").status_code == 200
    assert messages == [{"type": "http.request", "body": b"", "more_body": False}]


def test_receive_after_the_body_waits_for_the_response_then_disconnects(make_client: ClientFactory) -> None:
    seen: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await read_body(receive)
        await respond(send, body=b"done")
        seen.append((await receive())["type"])

    assert make_client(app).post("/", content=b"x").text == "done"
    assert seen == ["http.disconnect"]


async def cookie_app(scope: Scope, receive: Receive, send: Send) -> None:
    await read_body(receive)
    if scope["path"] == "/login":
        await respond(send, headers=[(b"set-cookie", b"session=abc; Path=/; HttpOnly")])
        return
    cookie = dict(scope["headers"]).get(b"cookie", b"")
    await respond(send, body=cookie)


def test_cookies_set_by_the_app_are_sent_back(make_client: ClientFactory) -> None:
    client = make_client(cookie_app)
    assert client.get("/me").text == ""
    login = client.get("/login")
    assert login.cookies["session"] == "abc"
    assert client.get("/me").text == "session=abc"


def test_cookies_argument_is_sent(make_client: ClientFactory) -> None:
    client = make_client(cookie_app, cookies={"theme": "dark"})
    assert client.get("/me").text == "theme=dark"


async def redirect_app(scope: Scope, receive: Receive, send: Send) -> None:
    await read_body(receive)
    if scope["path"] == "/old":
        await respond(send, status=307, headers=[(b"location", b"/new?x=1")])
    else:
        await respond(send, body=f"{scope['method']} {scope['path']}?{scope['query_string'].decode()}".encode())


def test_redirects_are_followed_by_default(make_client: ClientFactory) -> None:
    response = make_client(redirect_app).post("/old", content=b"data")
    assert response.status_code == 200
    assert response.text == "POST /new?x=1"
    assert [r.status_code for r in response.history] == [307]
    assert response.url == "http://testserver/new?x=1"


def test_redirects_not_followed_when_disabled(make_client: ClientFactory) -> None:
    response = make_client(redirect_app, follow_redirects=False).get("/old")
    assert response.status_code == 307
    assert response.headers["location"] == "/new?x=1"
    per_request = make_client(redirect_app).get("/old", follow_redirects=False)
    assert per_request.status_code == 307


async def streaming_app(scope: Scope, receive: Receive, send: Send) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    for part in (b"one ", b"two ", b"three"):
        await send({"type": "http.response.body", "body": part, "more_body": True})
    await send({"type": "http.response.body", "body": b""})


def test_streamed_response_is_joined(make_client: ClientFactory) -> None:
    response = make_client(streaming_app).get("/")
    assert response.text == "one two three"


@pytest.mark.current_reference
def test_streamed_response_is_read_chunk_by_chunk(make_client: ClientFactory) -> None:
    with make_client(streaming_app).stream("GET", "/") as response:
        assert response.status_code == 200
        assert list(response.iter_raw()) == [b"one ", b"two ", b"three"]


def test_endless_stream_closed_early_cancels_the_app() -> None:
    cancelled = threading.Event()

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        try:
            count = 0
            while count < 10_000:  # bounded: the client stops reading after three chunks
                await send({"type": "http.response.body", "body": b"tick", "more_body": True})
                count += 1
        except BaseException:
            cancelled.set()
            raise

    with TestClient(app).stream("GET", "/") as response:
        chunks = []
        for chunk in response.iter_raw():
            chunks.append(chunk)
            if len(chunks) == 3:
                break
    assert chunks == [b"tick"] * 3
    assert cancelled.is_set()


def test_head_response_has_no_body(make_client: ClientFactory) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await respond(send, body=b"hello", headers=[(b"content-length", b"5")])

    response = make_client(app).head("/")
    assert response.status_code == 200
    assert response.headers["content-length"] == "5"
    assert response.content == b""


def test_work_after_the_response_finishes_before_the_call_returns(make_client: ClientFactory) -> None:
    done: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await respond(send, body=b"ok")
        done.append("background")

    assert make_client(app).get("/").text == "ok"
    assert done == ["background"]


async def failing_app(scope: Scope, receive: Receive, send: Send) -> None:
    raise ValueError("boom")


def test_app_exception_is_raised(make_client: ClientFactory) -> None:
    with pytest.raises(ValueError, match="boom"):
        make_client(failing_app).get("/")


def test_app_exception_answers_500_when_not_raised(make_client: ClientFactory) -> None:
    response = make_client(failing_app, raise_server_exceptions=False).get("/")
    assert response.status_code == 500
    assert response.content == b""
    assert list(response.headers.items()) == []


async def half_response_app(scope: Scope, receive: Receive, send: Send) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": [(b"x-a", b"1")]})
    await send({"type": "http.response.body", "body": b"part", "more_body": True})
    raise ValueError("late")


@pytest.mark.current_reference
def test_exception_after_response_started(make_client: ClientFactory) -> None:
    with pytest.raises(ValueError, match="late"):
        make_client(half_response_app).get("/")
    response = make_client(half_response_app, raise_server_exceptions=False).get("/")
    assert response.status_code == 200
    assert response.headers["x-a"] == "1"
    assert response.content == b"part"


async def silent_app(scope: Scope, receive: Receive, send: Send) -> None:
    return


def test_app_without_response(make_client: ClientFactory) -> None:
    with pytest.raises(AssertionError, match="TestClient did not receive any response"):
        make_client(silent_app).get("/")
    assert make_client(silent_app, raise_server_exceptions=False).get("/").status_code == 500


def test_protocol_errors_are_raised() -> None:
    async def twice(scope: Scope, receive: Receive, send: Send) -> None:
        await respond(send)
        await send({"type": "http.response.start", "status": 200, "headers": []})

    async def body_after_end(scope: Scope, receive: Receive, send: Send) -> None:
        await respond(send)
        await send({"type": "http.response.body", "body": b"more"})

    async def body_first(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.body", "body": b""})

    with pytest.raises(RuntimeError, match=r'multiple "http.response.start"'):
        TestClient(twice).get("/")
    with pytest.raises(RuntimeError, match=r'"http.response.body" after the body was complete'):
        TestClient(body_after_end).get("/")
    with pytest.raises(RuntimeError, match=r'"http.response.body" before "http.response.start"'):
        TestClient(body_first).get("/")


def test_debug_extension_exposes_template_and_context(make_client: ClientFactory) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        assert "http.response.debug" in scope["extensions"]
        await send({"type": "http.response.debug", "info": {"template": "index.html", "context": {"a": 1}}})
        await respond(send, body=b"<html></html>")

    response = make_client(app).get("/")
    assert response.template == "index.html"
    assert response.context == {"a": 1}
    assert response.extensions["http.response.debug"] == {"template": "index.html", "context": {"a": 1}}


def test_trailers_are_collected_after_the_body(make_client: ClientFactory) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": [], "trailers": True})
        await send({"type": "http.response.body", "body": b"data"})
        await send({"type": "http.response.trailers", "headers": [(b"x-checksum", b"1")], "more_trailers": True})
        await send({"type": "http.response.trailers", "headers": [(b"x-count", b"2")]})

    response = make_client(app).get("/")
    assert response.content == b"data"
    assert response.extensions["http.response.trailers"] == [(b"x-checksum", b"1"), (b"x-count", b"2")]


def test_trailers_out_of_order_are_refused() -> None:
    async def undeclared(scope: Scope, receive: Receive, send: Send) -> None:
        await respond(send)
        await send({"type": "http.response.trailers", "headers": []})

    async def too_early(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": [], "trailers": True})
        await send({"type": "http.response.trailers", "headers": []})

    with pytest.raises(RuntimeError, match=r"without .trailers.: True"):
        TestClient(undeclared).get("/")
    with pytest.raises(RuntimeError, match="before the body was complete"):
        TestClient(too_early).get("/")


# --- lifespan -----------------------------------------------------------------------------------------------------


def make_lifespan_app(events: list[str], *, fail: str | None = None, raise_on_fail: bool = True) -> Any:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                phase = message["type"].rsplit(".", 1)[1]
                events.append(phase)
                if phase == fail:
                    await send({"type": f"lifespan.{phase}.failed", "message": f"{phase} went wrong"})
                    if raise_on_fail:
                        raise RuntimeError(f"{phase} exploded")
                    return
                if phase == "startup":
                    scope["state"]["db"] = "connected"
                await send({"type": f"lifespan.{phase}.complete"})
                if phase == "shutdown":
                    return
        events.append(f"request {scope['state'].get('db')}")
        await respond(send, body=b"ok")

    return app


def test_lifespan_runs_startup_and_shutdown_around_requests(make_client: ClientFactory) -> None:
    events: list[str] = []
    client = make_client(make_lifespan_app(events))
    with client:
        assert events == ["startup"]
        assert client.get("/").text == "ok"
    assert events == ["startup", "request connected", "shutdown"]


def test_without_context_manager_no_lifespan_runs(make_client: ClientFactory) -> None:
    events: list[str] = []
    make_client(make_lifespan_app(events)).get("/")
    assert events == ["request None"]


def test_lifespan_state_is_copied_into_each_request() -> None:
    seen: list[Any] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await receive()
            scope["state"]["counter"] = 0
            await send({"type": "lifespan.startup.complete"})
            await receive()
            await send({"type": "lifespan.shutdown.complete"})
            return
        scope["state"]["counter"] += 1
        seen.append(scope["state"]["counter"])
        await respond(send)

    with TestClient(app) as client:
        client.get("/")
        client.get("/")
        assert client.app_state == {"counter": 0}
    assert seen == [1, 1]


def current_portal(client: TestClient) -> object:
    return client.portal


def test_client_can_be_entered_again() -> None:
    events: list[str] = []
    client = TestClient(make_lifespan_app(events))
    with client:
        assert current_portal(client) is not None
    assert current_portal(client) is None
    with client:
        client.get("/")
    assert events == ["startup", "shutdown", "startup", "request connected", "shutdown"]


def test_startup_failure_raises_the_app_exception(make_client: ClientFactory) -> None:
    events: list[str] = []
    client = make_client(make_lifespan_app(events, fail="startup"))
    with pytest.raises(RuntimeError, match="startup exploded"), client:
        pytest.fail("the block must not run")  # pragma: no cover - startup fails first
    assert events == ["startup"]
    assert client.portal is None


def test_startup_failed_message_without_exception_raises() -> None:
    client = TestClient(make_lifespan_app([], fail="startup", raise_on_fail=False))
    with pytest.raises(RuntimeError, match=r"^Lifespan startup failed: startup went wrong$"), client:
        pytest.fail("the block must not run")  # pragma: no cover - startup fails first


def test_shutdown_failure_raises_on_exit(make_client: ClientFactory) -> None:
    events: list[str] = []
    client = make_client(make_lifespan_app(events, fail="shutdown"))
    with pytest.raises(RuntimeError, match="shutdown exploded"), client:
        client.get("/")
    assert events == ["startup", "request connected", "shutdown"]


def test_shutdown_failed_message_without_exception_raises() -> None:
    client = TestClient(make_lifespan_app([], fail="shutdown", raise_on_fail=False))
    with pytest.raises(RuntimeError, match=r"^Lifespan shutdown failed: shutdown went wrong$"), client:
        pass


def test_app_raising_on_lifespan_scope_fails_startup(make_client: ClientFactory) -> None:
    async def http_only(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            raise TypeError(f"unsupported scope {scope['type']}")
        await respond(send)

    with pytest.raises(TypeError, match="unsupported scope lifespan"), make_client(http_only):
        pytest.fail("the block must not run")  # pragma: no cover - startup fails first


def test_app_ignoring_lifespan_still_serves() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await respond(send, body=b"ok")

    with TestClient(app) as client:
        assert client.get("/").text == "ok"


def test_wrong_lifespan_answer_raises() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "lifespan.shutdown.complete"})

    with pytest.raises(RuntimeError, match=r"Expected 'lifespan.startup.complete' or 'lifespan.startup.failed'"):
        TestClient(app).__enter__()


def test_requests_inside_the_block_share_one_event_loop() -> None:
    loops: list[int] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        import asyncio

        if scope["type"] == "lifespan":
            await receive()
            await send({"type": "lifespan.startup.complete"})
            await receive()
            await send({"type": "lifespan.shutdown.complete"})
            return
        loops.append(id(asyncio.get_running_loop()))
        await respond(send)

    with TestClient(app) as client:
        client.get("/")
        client.get("/")
    assert len(loops) == 2
    assert loops[0] == loops[1]


def test_unclosed_stream_is_cancelled_on_exit() -> None:
    cancelled = threading.Event()

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await receive()
            await send({"type": "lifespan.startup.complete"})
            await receive()
            await send({"type": "lifespan.shutdown.complete"})
            return
        await send({"type": "http.response.start", "status": 200, "headers": []})
        try:
            await send({"type": "http.response.body", "body": b"a", "more_body": True})
            await send({"type": "http.response.body", "body": b"b", "more_body": True})
        except BaseException:
            cancelled.set()
            raise

    with TestClient(app) as client:
        request = client.build_request("GET", "/")
        response = client.send(request, stream=True)
        assert response.status_code == 200
    assert cancelled.is_set()
    response.close()


# --- the client library -------------------------------------------------------------------------------------------


def test_is_an_httpx2_client() -> None:
    client = TestClient(scope_app)
    assert isinstance(client, httpx2.Client)
    assert TestClient.__test__ is False


def test_falls_back_to_httpx_without_httpx2(monkeypatch: pytest.MonkeyPatch) -> None:
    import httpx

    monkeypatch.setitem(sys.modules, "httpx2", None)
    monkeypatch.delitem(sys.modules, "zephyr._testclient.compat")
    compat = importlib.import_module("zephyr._testclient.compat")
    assert compat.httpx is httpx


def test_missing_client_library_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "httpx2", None)
    monkeypatch.setitem(sys.modules, "httpx", None)
    monkeypatch.delitem(sys.modules, "zephyr._testclient.compat")
    with pytest.raises(MissingDependencyError, match=r"pip install 'zephyr\[testclient\]'") as info:
        importlib.import_module("zephyr._testclient.compat")
    assert info.value.package == "httpx2"
    assert info.value.extra == "testclient"


def test_import_zephyr_does_not_import_the_client_library() -> None:
    import subprocess

    code = "import sys, zephyr; print('httpx2' in sys.modules, 'httpx' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False False"


def test_websocket_url_without_upgrade_is_refused() -> None:
    client = TestClient(scope_app)
    with pytest.raises(RuntimeError, match="Expected a WebSocket upgrade"):
        client.websocket_connect("http://testserver/")


def test_overlapping_requests_share_one_event_loop_until_the_last_ends() -> None:
    loops: list[int] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        import asyncio

        loops.append(id(asyncio.get_running_loop()))
        await respond(send, body=b"x")

    client = TestClient(app)
    with client.stream("GET", "/") as first, client.stream("GET", "/") as second:
        assert client._shared_users == 2
        assert first.read() == second.read() == b"x"
    assert client._shared_users == 0
    assert client._shared_portal is None
    client.get("/")
    assert len(loops) == 3
    assert loops[0] == loops[1]
