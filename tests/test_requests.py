from __future__ import annotations

import gzip
import json
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
import starlette.exceptions
import starlette.requests

from zephyr.datastructures import URL, Address, State, URLPath
from zephyr.exceptions import HTTPException
from zephyr.requests import (
    ClientDisconnect,
    HTTPConnection,
    MiddlewareNotInstalledError,
    Request,
    cookie_parser,
    empty_receive,
    empty_send,
)
from zephyr.types import Message, Receive, Scope, Send

pytestmark = pytest.mark.anyio

Handler = Callable[[Any], Awaitable[Any]]


def make_app(handler: Handler, request_class: Any = Request) -> Any:
    """An ASGI app that builds ``request_class(scope, receive, send)``, runs ``handler`` and answers its result."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        scope["app"] = app
        request = request_class(scope, receive, send)
        try:
            result = await handler(request)
            status = 200
        except (HTTPException, starlette.exceptions.HTTPException) as exc:
            status, result = exc.status_code, {"detail": exc.detail}
        body = json.dumps(result).encode()
        await send(
            {"type": "http.response.start", "status": status, "headers": [(b"content-type", b"application/json")]}
        )
        await send({"type": "http.response.body", "body": body})

    return app


def client(app: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


async def call_both(handler: Handler, method: str = "GET", url: str = "/", **kwargs: Any) -> httpx.Response:
    """Run ``handler`` on our Request and on Starlette's; assert the answers match and return ours."""
    answers = []
    for request_class in (Request, starlette.requests.Request):
        async with client(make_app(handler, request_class)) as c:
            answers.append(await c.request(method, url, **kwargs))
    ours, theirs = answers
    assert (ours.status_code, ours.json()) == (theirs.status_code, theirs.json())
    return ours


def http_scope(**overrides: Any) -> Scope:
    scope: Scope = {
        "type": "http",
        "method": "GET",
        "scheme": "http",
        "server": ("testserver", 80),
        "path": "/",
        "root_path": "",
        "query_string": b"",
        "headers": [],
    }
    scope.update(overrides)
    return scope


def receive_from(*messages: Message) -> Receive:
    queue = list(messages)

    async def receive() -> Message:
        return queue.pop(0)

    return receive


async def test_connection_properties_match_starlette() -> None:
    async def handler(request: Any) -> dict[str, Any]:
        return {
            "url": str(request.url),
            "base_url": str(request.base_url),
            "method": request.method,
            "headers": request.headers.getlist("x-multi"),
            "query": request.query_params.multi_items(),
            "cookies": request.cookies,
            "client": list(request.client),
            "path_params": request.path_params,
        }

    response = await call_both(
        handler,
        "GET",
        "/a/b?x=1&x=2&y=",
        headers=[("X-Multi", "1"), ("x-multi", "2"), ("cookie", 'a=1; b="q\\"x"; c; d=')],
    )
    assert response.json() == {
        "url": "http://testserver/a/b?x=1&x=2&y=",
        "base_url": "http://testserver/",
        "method": "GET",
        "headers": ["1", "2"],
        "query": [["x", "1"], ["x", "2"], ["y", ""]],
        "cookies": {"a": "1", "b": 'q"x', "": "c", "d": ""},
        "client": ["127.0.0.1", 123],
        "path_params": {},
    }


async def test_body_json_and_stream_match_starlette() -> None:
    async def handler(request: Any) -> dict[str, Any]:
        body = await request.body()
        again = await request.body()
        data = await request.json()
        chunks = [chunk async for chunk in request.stream()]
        return {"body": body.decode(), "same": body is again, "json": data, "chunks": [c.decode() for c in chunks]}

    response = await call_both(handler, "POST", "/", content=b'{"a": [1, 2]}')
    assert response.json() == {
        "body": '{"a": [1, 2]}',
        "same": True,
        "json": {"a": [1, 2]},
        "chunks": ['{"a": [1, 2]}', ""],
    }


async def test_stream_yields_chunks_then_empty_bytes() -> None:
    request = Request(
        http_scope(method="POST"),
        receive_from(
            {"type": "http.request", "body": b"ab", "more_body": True},
            {"type": "http.request", "body": b"", "more_body": True},
            {"type": "http.request", "body": b"cd", "more_body": False},
        ),
    )
    assert [chunk async for chunk in request.stream()] == [b"ab", b"cd", b""]


async def test_stream_second_call_raises_stream_consumed() -> None:
    request = Request(http_scope(), receive_from({"type": "http.request", "body": b"x"}))
    assert [chunk async for chunk in request.stream()] == [b"x", b""]
    with pytest.raises(RuntimeError, match="Stream consumed"):
        [chunk async for chunk in request.stream()]
    with pytest.raises(RuntimeError, match="Stream consumed"):
        await request.body()


async def test_body_after_partial_stream_reads_the_rest() -> None:
    request = Request(
        http_scope(),
        receive_from(
            {"type": "http.request", "body": b"a", "more_body": True},
            {"type": "http.request", "body": b"b", "more_body": False},
        ),
    )
    stream = request.stream()
    assert await stream.__anext__() == b"a"
    await stream.aclose()
    assert await request.body() == b"b"


async def test_body_joins_many_chunks() -> None:
    request = Request(
        http_scope(),
        receive_from(
            {"type": "http.request", "body": b"a", "more_body": True},
            {"type": "http.request", "body": b"b", "more_body": True},
            {"type": "http.request", "more_body": False},
        ),
    )
    assert await request.body() == b"ab"


async def test_a_whole_declared_body_marked_more_body_is_read_without_the_deadline(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Granian's ASGI sends the whole body with more_body=True, then an empty last message.
    def no_deadline(delay: float) -> Any:
        raise AssertionError("the whole-body deadline was armed for a body that had fully arrived")

    monkeypatch.setattr("zephyr.requests.anyio.move_on_after", no_deadline)
    scope = http_scope(method="POST", headers=[(b"content-length", b"2")])
    whole = {"type": "http.request", "body": b"ab", "more_body": True}
    request = Request(scope, receive_from(whole, {"type": "http.request", "body": b"", "more_body": False}))
    assert await request.body() == b"ab"


async def test_a_whole_declared_body_does_not_wait_for_the_last_message() -> None:
    # On Granian every receive is a round trip through the server (issue 14): once the declared length has arrived,
    # the empty last message is left unread, and stays there for whoever listens for a disconnect.
    received: list[Message] = []
    messages: list[Message] = [
        {"type": "http.request", "body": b"ab", "more_body": True},
        {"type": "http.request", "body": b"", "more_body": False},
    ]

    async def receive() -> Message:
        received.append(messages.pop(0))
        return received[-1]

    scope = http_scope(method="POST", headers=[(b"content-length", b"2")])
    request = Request(scope, receive)
    assert await request.body() == b"ab"
    assert len(received) == 1
    assert await request.is_disconnected() is False
    assert len(received) == 2  # the poll for a disconnect read the last message, not the body reader


async def test_a_partial_body_marked_more_body_reads_the_rest_under_the_deadline() -> None:
    # Fewer bytes than declared: the rest is read, under the whole-body deadline.
    scope = http_scope(method="POST", headers=[(b"content-length", b"3")])
    first = {"type": "http.request", "body": b"ab", "more_body": True}
    request = Request(scope, receive_from(first, {"type": "http.request", "body": b"c", "more_body": False}))
    assert await request.body() == b"abc"
    gone = Request(scope, receive_from(first, {"type": "http.disconnect"}))
    with pytest.raises(ClientDisconnect):
        await gone.body()


async def test_body_raises_client_disconnect() -> None:
    request = Request(
        http_scope(),
        receive_from({"type": "http.request", "body": b"a", "more_body": True}, {"type": "http.disconnect"}),
    )
    with pytest.raises(ClientDisconnect):
        await request.body()
    assert await request.is_disconnected() is True


async def test_stream_raises_client_disconnect() -> None:
    request = Request(http_scope(), receive_from({"type": "http.disconnect"}))
    with pytest.raises(ClientDisconnect):
        [chunk async for chunk in request.stream()]


async def test_subclass_overriding_body_sets_underscore_body() -> None:
    class GzipRequest(Request):
        async def body(self) -> bytes:
            if not hasattr(self, "_body"):
                body = await super().body()
                if "gzip" in self.headers.getlist("Content-Encoding"):
                    body = gzip.decompress(body)
                self._body = body
            return self._body

    request = GzipRequest(
        http_scope(headers=[(b"content-encoding", b"gzip")]),
        receive_from({"type": "http.request", "body": gzip.compress(b'{"n": 1}')}),
    )
    assert await request.json() == {"n": 1}
    assert [chunk async for chunk in request.stream()] == [b'{"n": 1}', b""]
    request.custom = "allowed"  # type: ignore[attr-defined]
    assert request.custom == "allowed"  # type: ignore[attr-defined]


async def test_subclass_overriding_stream_is_used_by_body() -> None:
    class UpperRequest(Request):
        async def stream(self) -> Any:
            async for chunk in super().stream():
                yield chunk.upper()

    request = UpperRequest(http_scope(), receive_from({"type": "http.request", "body": b"abc"}))
    assert await request.body() == b"ABC"


async def test_is_disconnected_false_when_no_message_is_ready() -> None:
    async def handler(request: Any) -> bool:
        await request.body()
        return bool(await request.is_disconnected())

    response = await call_both(handler, "POST", "/", content=b"x")
    assert response.json() is False


async def test_empty_receive_and_send_raise() -> None:
    request = Request(http_scope())
    with pytest.raises(RuntimeError, match="Receive channel has not been made available"):
        await request.body()
    with pytest.raises(RuntimeError, match="Receive channel"):
        await empty_receive()
    with pytest.raises(RuntimeError, match="Send channel has not been made available"):
        await empty_send({})


def test_request_rejects_non_http_scope() -> None:
    with pytest.raises(ValueError, match="'websocket'"):
        Request({"type": "websocket"})
    with pytest.raises(ValueError, match="'lifespan'"):
        HTTPConnection({"type": "lifespan"})
    assert HTTPConnection({"type": "websocket"}).scope == {"type": "websocket"}


def test_connection_is_a_mapping_over_scope() -> None:
    scope = http_scope(path="/p")
    request = Request(scope)
    assert request["path"] == "/p"
    assert len(request) == len(scope)
    assert list(request) == list(scope)
    assert request != Request(scope)
    assert request == request
    assert hash(request) == object.__hash__(request)


def test_session_auth_user_need_middleware() -> None:
    request = Request(http_scope())
    for attribute, middleware in (("session", "SessionMiddleware"), ("auth", "Auth"), ("user", "Auth")):
        with pytest.raises(MiddlewareNotInstalledError, match=f"{middleware}.*must be installed to access request"):
            getattr(request, attribute)
    with pytest.raises(AssertionError):
        request.session  # noqa: B018


def test_session_marks_access() -> None:
    class Session(dict[str, Any]):
        accessed = False

        def mark_accessed(self) -> None:
            self.accessed = True

    session = Session(a=1)
    request = Request(http_scope(session=session, auth="token", user="alice"))
    assert request.session == {"a": 1}
    assert session.accessed is True
    assert request.auth == "token"
    assert request.user == "alice"


def test_state_is_stored_in_scope() -> None:
    scope = http_scope()
    request = Request(scope)
    request.state.x = 1
    assert scope["state"] == {"x": 1}
    assert isinstance(request.state, State)
    assert request.state is request.state
    with pytest.raises(AttributeError, match="'State' object has no attribute 'missing'"):
        request.state.missing  # noqa: B018


def test_client_and_app() -> None:
    assert Request(http_scope()).client is None
    request = Request(http_scope(client=("1.2.3.4", 5), app="the-app"))
    assert request.client == Address("1.2.3.4", 5)
    assert request.client.host == "1.2.3.4"
    assert request.app == "the-app"


def test_url_is_cached_and_built_from_scope() -> None:
    request = Request(http_scope(path="/x", query_string=b"a=1", headers=[(b"host", b"example.org:8080")]))
    assert request.url == "http://example.org:8080/x?a=1"
    assert request.url is request.url
    assert request.headers is request.headers
    assert request.query_params is request.query_params
    assert request.cookies is request.cookies
    assert request.base_url is request.base_url


def test_base_url_uses_app_root_path() -> None:
    request = Request(http_scope(path="/api/sub/x", root_path="/api/sub", app_root_path="/api", query_string=b"q=1"))
    assert request.base_url == "http://testserver/api/"
    request = Request(http_scope(path="/api/x", root_path="/api/"))
    assert request.base_url == "http://testserver/api/"


def test_url_for_uses_router_and_base_url() -> None:
    class Router:
        def url_path_for(self, name: str, /, **params: Any) -> URLPath:
            return URLPath(f"/items/{params['item_id']}", protocol="http")

    request = Request(http_scope(scheme="https", root_path="/api", router=Router(), server=("example.org", 443)))
    assert request.url_for("item", item_id=3) == URL("https://example.org/api/items/3")
    with pytest.raises(RuntimeError, match="url_for\\('x'\\) needs scope"):
        Request(http_scope()).url_for("x")


async def test_send_push_promise_and_early_hints() -> None:
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    scope = http_scope(headers=[(b"accept", b"text/html"), (b"x-other", b"1")])
    await Request(scope, empty_receive, send).send_push_promise("/style.css")
    await Request(scope, empty_receive, send).send_early_hints("</a.css>; rel=preload")
    assert sent == []
    scope["extensions"] = {"http.response.push": {}, "http.response.early_hint": {}}
    request = Request(scope, empty_receive, send)
    await request.send_push_promise("/style.css")
    await request.send_early_hints("</a.css>; rel=preload", "</b.js>; rel=preload")
    assert sent == [
        {"type": "http.response.push", "path": "/style.css", "headers": [(b"accept", b"text/html")]},
        {"type": "http.response.early_hint", "links": [b"</a.css>; rel=preload", b"</b.js>; rel=preload"]},
    ]


@pytest.mark.parametrize(
    "header",
    [
        "a=1; b=2",
        'a="x\\"y"; b="\\101"',
        "; ; a",
        "a=1=2; =x; b = 3 ",
        "a=1;a=2",
        'a=""',
        '"quoted"',
    ],
)
def test_cookie_parser_matches_starlette(header: str) -> None:
    assert cookie_parser(header) == starlette.requests.cookie_parser(header)


async def test_form_urlencoded_matches_starlette() -> None:
    async def handler(request: Any) -> list[Any]:
        form = await request.form()
        return [[key, value] for key, value in form.multi_items()]

    response = await call_both(handler, "POST", "/", data={"a": ["1", "2"], "b": "é &x"})
    assert response.json() == [["a", "1"], ["a", "2"], ["b", "é &x"]]


async def test_form_as_context_manager_closes_files() -> None:
    seen: list[Any] = []

    async def handler(request: Any) -> dict[str, Any]:
        async with request.form() as form:
            upload = form["f"]
            seen.append(upload)
            content = (await upload.read()).decode()
        return {"name": upload.filename, "content": content, "closed": upload.file.closed}

    async with client(make_app(handler)) as c:
        response = await c.post("/", files={"f": ("a.txt", b"hello", "text/plain")})
    assert response.json() == {"name": "a.txt", "content": "hello", "closed": True}


async def test_form_is_cached_and_closed_by_request_close() -> None:
    async def handler(request: Request) -> dict[str, Any]:
        form = await request.form()
        again = await request.form()
        upload = form["f"]
        await request.close()
        return {"same": form is again, "closed": upload.file.closed}  # type: ignore[union-attr]

    async with client(make_app(handler)) as c:
        response = await c.post("/", files={"f": ("a.txt", b"hello")})
    assert response.json() == {"same": True, "closed": True}


async def test_form_of_other_content_type_is_empty() -> None:
    async def handler(request: Any) -> Any:
        form = await request.form()
        return [type(form).__name__, len(form)]

    response = await call_both(handler, "POST", "/", json={"a": 1})
    assert response.json() == ["FormData", 0]


async def test_close_without_form_does_nothing() -> None:
    await Request(http_scope()).close()


async def test_is_disconnected_true_when_disconnect_is_ready() -> None:
    receive = receive_from({"type": "http.disconnect"})
    request = Request(http_scope(), receive)
    assert request.receive is receive
    assert await request.is_disconnected() is True
    assert await request.is_disconnected() is True


def test_session_without_mark_accessed() -> None:
    assert Request(http_scope(session={"a": 1})).session == {"a": 1}


# -------------------------------------------------------------------------------- safe defaults for bodies read whole

MIB = 1024 * 1024


def counting(*messages: Message) -> tuple[Receive, list[int]]:
    """A receive over ``messages`` that counts its calls."""
    calls = [0]
    queue = list(messages)

    async def receive() -> Message:
        calls[0] += 1
        return queue.pop(0)

    return receive, calls


def chunk(body: bytes, more: bool = True) -> Message:
    return {"type": "http.request", "body": body, "more_body": more}


async def test_body_over_the_default_limit_in_one_message_is_413() -> None:
    request = Request(http_scope(method="POST"), receive_from(chunk(b"x" * (10 * MIB + 1), more=False)))
    with pytest.raises(HTTPException) as caught:
        await request.body()
    assert (caught.value.status_code, caught.value.detail, caught.value.headers) == (
        413,
        "Content Too Large",
        {"Connection": "close"},
    )


async def test_declared_length_over_the_limit_is_refused_before_the_rest_is_read() -> None:
    receive, calls = counting(chunk(b"x" * 1000), chunk(b"x" * 1000), chunk(b"", more=False))
    scope = http_scope(method="POST", headers=[(b"content-length", b"%d" % (11 * MIB))])
    with pytest.raises(HTTPException) as caught:
        await Request(scope, receive).body()
    assert (caught.value.status_code, calls[0]) == (413, 1)


async def test_chunked_body_over_the_limit_is_413_and_under_it_is_read() -> None:
    over = [chunk(b"x" * MIB) for _ in range(11)]
    with pytest.raises(HTTPException) as caught:
        await Request(http_scope(method="POST"), receive_from(*over, chunk(b"", more=False))).body()
    assert caught.value.status_code == 413
    under = [chunk(b"x" * MIB) for _ in range(10)]
    body = await Request(http_scope(method="POST"), receive_from(*under, chunk(b"", more=False))).body()
    assert len(body) == 10 * MIB


async def test_streamed_body_is_not_capped() -> None:
    request = Request(
        http_scope(method="POST"), receive_from(*[chunk(b"x" * MIB) for _ in range(12)], chunk(b"", False))
    )
    total = 0
    async for part in request.stream():
        total += len(part)
    assert total == 12 * MIB


async def test_app_limit_in_scope_replaces_the_default() -> None:
    lifted = http_scope(method="POST", **{"zephyr.max_body_size": None})
    body = await Request(lifted, receive_from(chunk(b"x" * (11 * MIB), more=False))).body()
    assert len(body) == 11 * MIB
    small = http_scope(method="POST", **{"zephyr.max_body_size": 3})
    with pytest.raises(HTTPException):
        await Request(small, receive_from(chunk(b"ab"), chunk(b"cd", more=False))).body()


async def test_url_encoded_form_is_within_the_body_limit() -> None:
    scope = http_scope(
        method="POST",
        headers=[(b"content-type", b"application/x-www-form-urlencoded")],
        **{"zephyr.max_body_size": 10},
    )
    with pytest.raises(HTTPException) as caught:
        await Request(scope, receive_from(chunk(b"a=1&b=2&c=3", more=False))).form()
    assert caught.value.status_code == 413
    scope["zephyr.max_body_size"] = 100
    form = await Request(scope, receive_from(chunk(b"a=1&"), chunk(b"b=2", more=False))).form()
    assert form.multi_items() == [("a", "1"), ("b", "2")]


async def test_disconnect_while_reading_the_rest_raises_client_disconnect() -> None:
    request = Request(http_scope(method="POST"), receive_from(chunk(b"ab"), {"type": "http.disconnect"}))
    with pytest.raises(ClientDisconnect):
        await request.body()


async def test_slow_body_hits_the_whole_body_deadline() -> None:
    import anyio

    class App:
        body_deadline = 0.3

    async def slow() -> Message:
        await anyio.sleep(0.05)
        return chunk(b"x")

    request = Request(http_scope(method="POST", app=App()), slow)
    with anyio.fail_after(10):
        with pytest.raises(HTTPException) as caught:
            await request.body()
    assert (caught.value.status_code, caught.value.detail, caught.value.headers) == (
        408,
        "Request body timeout: the body did not arrive within 0.3 seconds.",
        {"Connection": "close"},
    )


async def test_body_deadline_can_be_lifted() -> None:
    class App:
        body_deadline = None

    request = Request(http_scope(method="POST", app=App()), receive_from(chunk(b"a"), chunk(b"b", more=False)))
    assert await request.body() == b"ab"


class _Server:
    """A server cycle offering the direct body hand-over (``zephyr._compile.direct``)."""

    def __init__(self, body: bytes | None) -> None:
        self.body = body
        self.taken = 0

    async def receive(self) -> Message:
        return {"type": "http.request", "body": self.body or b"", "more_body": False}

    async def send(self, message: Message) -> None:
        raise AssertionError("not sent through")

    def respond_json(self, status: int, body: bytes, sized: bool, head: bool, extra: Any) -> None:
        raise AssertionError("not sent through")

    def take_body(self) -> bytes | None:
        self.taken += 1
        return self.body


async def test_a_body_taken_from_the_server_is_kept_as_body_keeps_it() -> None:
    server = _Server(b"abc")
    request = Request({"type": "http", "headers": []}, server.receive)
    assert request._take_body(server) == b"abc"
    assert await request.body() == b"abc"
    assert request._take_body(server) is None  # read once: the stream is consumed
    assert server.taken == 1
    assert [chunk async for chunk in request.stream()] == [b"abc", b""]  # the kept body, as after body()


async def test_a_body_is_taken_only_from_the_cycle_the_request_receives_from() -> None:
    server = _Server(b"abc")

    async def wrapped() -> Message:
        return await server.receive()

    request = Request({"type": "http", "headers": []}, wrapped)
    assert request._take_body(server) is None
    assert server.taken == 0
    assert await request.body() == b"abc"


async def test_a_body_not_at_hand_is_left_to_receive() -> None:
    server = _Server(None)
    request = Request({"type": "http", "headers": []}, server.receive)
    assert request._take_body(server) is None
    assert not request._stream_consumed


async def test_a_body_taken_whole_is_held_to_the_size_limit() -> None:
    from zephyr._bodylimit import BodyTooLargeError
    from zephyr._limits import MAX_BODY_SIZE_SCOPE_KEY

    server = _Server(b"x" * 11)
    request = Request({"type": "http", "headers": [], MAX_BODY_SIZE_SCOPE_KEY: 10}, server.receive)
    with pytest.raises(BodyTooLargeError):
        request._take_body(server)
