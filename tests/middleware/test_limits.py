from __future__ import annotations

import json
import random
import sys
from collections.abc import Sequence
from typing import Annotated, Any

import anyio
import pytest

from tests.middleware._asgi import make_scope
from tests.middleware._client import assert_exported_surface
from zephyr import FastAPI, Form, Request
from zephyr._limits import JSONDepthScanner
from zephyr.exceptions import FastAPIError
from zephyr.middleware.limits import (
    DEFAULT_LIMITS,
    FORM_LIMITS_SCOPE_KEY,
    RequestLimitError,
    RequestLimitsMiddleware,
    limits,
    route_limits,
)
from zephyr.testclient import TestClient
from zephyr.types import ASGIApp, Message, Receive, Scope, Send


async def read_body_app(scope: Scope, receive: Receive, send: Send) -> None:
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body", False):
            break
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": str(len(body)).encode()})


class Result:
    def __init__(self, messages: list[Message], consumed: int) -> None:
        start = messages[0]
        self.status: int = start["status"]
        self.headers = {k.decode(): v.decode() for k, v in start["headers"]}
        self.body = b"".join(m.get("body", b"") for m in messages[1:])
        self.consumed = consumed

    def json(self) -> Any:
        return json.loads(self.body)


async def drive(
    app: ASGIApp,
    chunks: Sequence[bytes] = (),
    headers: Sequence[tuple[str, str]] = (),
    *,
    method: str = "POST",
    query_string: bytes = b"",
    endpoint: Any = None,
) -> Result:
    scope = make_scope(method, "/", headers, query_string=query_string)
    if endpoint is not None:
        scope["endpoint"] = endpoint
    pending = list(chunks) or [b""]
    consumed = 0
    sent: list[Message] = []

    async def receive() -> Message:
        nonlocal consumed
        if consumed < len(pending):
            consumed += 1
            return {"type": "http.request", "body": pending[consumed - 1], "more_body": consumed < len(pending)}
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return Result(sent, consumed)


@pytest.mark.anyio
async def test_small_body_passes() -> None:
    result = await drive(RequestLimitsMiddleware(read_body_app, max_body_size=10), [b"12345", b"67890"])
    assert (result.status, result.body) == (200, b"10")


@pytest.mark.anyio
async def test_content_length_over_limit_is_refused_before_reading() -> None:
    app = RequestLimitsMiddleware(read_body_app, max_body_size=100)
    result = await drive(app, [b"x" * 50] * 3, [("content-length", "150")])
    assert result.status == 413
    assert result.json() == {"detail": "Request body too large: Content-Length is 150 bytes, the limit is 100."}
    assert result.headers == {"content-type": "application/json", "content-length": "83", "connection": "close"}
    assert result.consumed == 0


@pytest.mark.anyio
async def test_invalid_content_length_is_400() -> None:
    result = await drive(RequestLimitsMiddleware(read_body_app), [b"x"], [("content-length", "abc")])
    assert result.status == 400
    assert result.json() == {"detail": "Invalid Content-Length header: b'abc'."}


@pytest.mark.anyio
async def test_streamed_body_is_refused_as_soon_as_total_passes_limit() -> None:
    app = RequestLimitsMiddleware(read_body_app, max_body_size=1000)
    result = await drive(app, [b"x" * 400] * 10)  # chunked: no Content-Length
    assert result.status == 413
    assert result.json() == {"detail": "Request body too large: more than 1000 bytes were sent, the limit."}
    assert result.consumed == 3  # 1200 bytes read: stopped there, 7 chunks never received


@pytest.mark.anyio
async def test_limit_after_response_started_is_raised_to_end_connection() -> None:
    async def streaming_echo(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        while True:
            message = await receive()
            await send({"type": "http.response.body", "body": message.get("body", b""), "more_body": True})

    with pytest.raises(RequestLimitError) as info:
        await drive(RequestLimitsMiddleware(streaming_echo, max_body_size=10), [b"x" * 8] * 3)
    assert info.value.status_code == 413


@pytest.mark.anyio
async def test_json_depth_limit() -> None:
    app = RequestLimitsMiddleware(read_body_app, max_json_depth=5)
    ok = b"[[[[{}]]]]"
    assert (await drive(app, [ok], [("content-type", "application/json")])).status == 200
    deep = b'{"a": [[[[[1]]]]]}'
    result = await drive(app, [deep[:5], deep[5:]], [("content-type", "application/json; charset=utf-8")])
    assert result.status == 400
    assert result.json() == {"detail": "JSON body nested too deeply: more than 5 levels, the limit."}
    # Not JSON: not scanned.
    assert (await drive(app, [deep], [("content-type", "text/plain")])).status == 200
    # Vendor +json types are scanned.
    assert (await drive(app, [deep], [("content-type", "application/vnd.api+json")])).status == 400


def test_depth_scanner_ignores_brackets_in_strings_and_escapes_across_chunks() -> None:
    text = json.dumps({"s": 'x[[[[\\"[[[{{{', "t": ["\\", "]]]]"], "u": [[1]]}).encode()
    assert json.loads(text)  # valid JSON
    for split in range(len(text) + 1):
        scanner = JSONDepthScanner(3)
        assert scanner.feed(text[:split]) and scanner.feed(text[split:]), split
        assert scanner.depth == 0
    scanner = JSONDepthScanner(2)
    assert scanner.feed(b'["\\') and scanner.feed(b'"[[[[["') and scanner.feed(b"]")
    assert not JSONDepthScanner(2).feed(b"[[[")


def _random_json(rng: random.Random, level: int) -> Any:
    roll = rng.random()
    if level > 6 or roll < 0.3:
        return rng.choice(['a"b', "\\", "[[{", 'x\\"]', "\\\\", 1, None, "}}]", '"', '\\"[', '""'])
    if roll < 0.65:
        return [_random_json(rng, level + 1) for _ in range(rng.randint(0, 3))]
    return {rng.choice(["k", "[", '"q', "\\", "\\["]): _random_json(rng, level + 1) for _ in range(rng.randint(0, 3))}


def _depth(value: Any) -> int:
    if isinstance(value, list):
        return 1 + max((_depth(item) for item in value), default=0)
    if isinstance(value, dict):
        return 1 + max((_depth(item) for item in value.values()), default=0)
    return 0


def test_depth_scanner_agrees_with_parsed_depth_on_random_documents_and_splits() -> None:
    rng = random.Random(20261126)
    for _ in range(2000):
        value = _random_json(rng, 0)
        text = json.dumps(value).encode()
        limit = rng.randint(0, 8)
        cuts = sorted(rng.sample(range(len(text) + 1), min(len(text) + 1, rng.randint(0, 8))))
        chunks = [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)], strict=True)]
        scanner = JSONDepthScanner(limit)
        accepted = all(scanner.feed(chunk) for chunk in chunks)
        assert accepted == (_depth(value) <= limit), (text, chunks, limit)


@pytest.mark.anyio
async def test_too_many_query_params_is_414() -> None:
    app = RequestLimitsMiddleware(read_body_app, max_query_params=3)
    assert (await drive(app, query_string=b"a=1&b=2&c=3", method="GET")).status == 200
    assert (await drive(app, query_string=b"a=1&&b=2&c=3&", method="GET")).status == 200
    result = await drive(app, query_string=b"a=1&b=2&c=3&d=4", method="GET")
    assert result.status == 414
    assert result.json() == {"detail": "Too many query parameters: 4, the limit is 3."}


@pytest.mark.anyio
async def test_too_many_headers_is_431() -> None:
    app = RequestLimitsMiddleware(read_body_app, max_headers=3)
    result = await drive(app, headers=[(f"x-h{i}", "v") for i in range(4)], method="GET")
    assert result.status == 431
    assert result.json() == {"detail": "Too many request headers: 4, the limit is 3."}


@pytest.mark.anyio
async def test_none_disables_limits() -> None:
    app = RequestLimitsMiddleware(
        read_body_app, max_body_size=None, max_json_depth=None, max_headers=None, max_query_params=None
    )
    result = await drive(
        app,
        [b"[" * 200, b"]" * 200],
        [("content-type", "application/json"), *((f"x-{i}", "v") for i in range(200))],
        query_string=b"&".join(b"a=%d" % i for i in range(2000)),
    )
    assert (result.status, result.body) == (200, b"400")


@pytest.mark.anyio
async def test_route_override_read_from_scope_endpoint() -> None:
    @limits(max_body_size=5000, max_json_depth=None)
    async def upload() -> None:
        """An endpoint with larger limits."""

    assert route_limits(upload) == {"max_body_size": 5000, "max_json_depth": None}
    app = RequestLimitsMiddleware(read_body_app, max_body_size=100, max_json_depth=2)
    big = [b"[" * 1000, b"]" * 1000]
    result = await drive(app, big, [("content-type", "application/json"), ("content-length", "2000")], endpoint=upload)
    assert (result.status, result.body) == (200, b"2000")
    refused = await drive(app, big, [("content-type", "application/json"), ("content-length", "2000")])
    assert refused.status == 413

    @limits(max_body_size=10)
    async def tiny() -> None:
        """An endpoint with a smaller limit."""

    result = await drive(RequestLimitsMiddleware(read_body_app), [b"x" * 11], [("content-length", "11")], endpoint=tiny)
    assert result.json() == {"detail": "Request body too large: Content-Length is 11 bytes, the limit is 10."}


@pytest.mark.anyio
async def test_form_limits_mapping_in_scope() -> None:
    seen: dict[str, Any] = {}

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.update(scope[FORM_LIMITS_SCOPE_KEY])
        scope["endpoint"] = endpoint
        seen["after_routing"] = dict(scope[FORM_LIMITS_SCOPE_KEY])
        seen["repr"] = repr(scope[FORM_LIMITS_SCOPE_KEY])
        await read_body_app(scope, receive, send)

    @limits(max_files=1, max_part_size=None)
    async def endpoint() -> None:
        """An endpoint taking one file."""

    await drive(RequestLimitsMiddleware(app, max_form_fields=7), [b""])
    assert {k: seen[k] for k in ("max_fields", "max_files", "max_part_size")} == {
        "max_fields": 7,
        "max_files": 100,
        "max_part_size": 1024 * 1024,
    }
    assert seen["after_routing"] == {"max_fields": 7, "max_files": 1, "max_part_size": sys.maxsize}
    assert seen["repr"].startswith("FormLimits(")


@pytest.mark.anyio
async def test_other_scope_types_pass_through() -> None:
    seen: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope["type"])

    await RequestLimitsMiddleware(app)({"type": "lifespan"}, read_body_app, read_body_app)  # type: ignore[arg-type]
    assert seen == ["lifespan"]


def test_configuration_errors() -> None:
    with pytest.raises(FastAPIError, match="max_body_size=-1 must be a non-negative int"):
        RequestLimitsMiddleware(read_body_app, max_body_size=-1)
    with pytest.raises(FastAPIError, match=r"unknown limit\(s\) \['max_headers'\]"):
        limits(max_headers=3)
    with pytest.raises(FastAPIError, match="max_files='1'"):
        limits(max_files="1")  # type: ignore[arg-type]
    assert DEFAULT_LIMITS["max_body_size"] == 10 * 1024 * 1024


# --- Through a Zephyr app ----------------------------------------------------------------------------------------


def limited_app() -> FastAPI:
    app = FastAPI()
    app.add_middleware(RequestLimitsMiddleware, max_body_size=100, max_json_depth=3, max_form_fields=2)

    @app.post("/items")
    async def items(payload: dict[str, Any]) -> dict[str, Any]:
        return payload

    @app.post("/upload")
    @limits(max_body_size=10_000, max_json_depth=None)
    async def upload(request: Request) -> dict[str, int]:
        return {"size": len(await request.body())}

    @app.post("/form")
    async def form(a: Annotated[str, Form()], b: Annotated[str, Form()] = "") -> dict[str, str]:
        return {"a": a, "b": b}

    @limits(max_form_fields=5)
    @app.post("/bigform")
    async def bigform(request: Request) -> dict[str, int]:
        return {"fields": len(await request.form())}

    return app


def test_app_body_size_and_route_override() -> None:
    client = TestClient(limited_app())
    assert client.post("/items", json={"a": 1}).json() == {"a": 1}
    refused = client.post("/items", json={"a": "x" * 200})
    assert refused.status_code == 413
    assert refused.json() == {"detail": "Request body too large: Content-Length is 208 bytes, the limit is 100."}
    assert refused.headers["connection"] == "close"
    streamed = client.post("/items", content=iter([b'{"a": "', b"x" * 200, b'"}']))
    assert streamed.status_code == 413
    assert streamed.json() == {"detail": "Request body too large: more than 100 bytes were sent, the limit."}
    assert client.post("/upload", content=b"x" * 5000).json() == {"size": 5000}
    assert client.post("/upload", content=b"x" * 10_001).status_code == 413


def test_app_json_depth() -> None:
    client = TestClient(limited_app())
    deep = client.post("/items", content=b'{"a": {"b": {"c": {}}}}', headers={"content-type": "application/json"})
    assert (deep.status_code, deep.json()) == (
        400,
        {"detail": "JSON body nested too deeply: more than 3 levels, the limit."},
    )
    ok = client.post("/items", content=b'{"a": {"b": {}}}', headers={"content-type": "application/json"})
    assert ok.json() == {"a": {"b": {}}}
    assert client.post(
        "/upload", content=b"[" * 50 + b"]" * 50, headers={"content-type": "application/json"}
    ).json() == {"size": 100}


def test_app_form_limits_reach_the_parser() -> None:
    client = TestClient(limited_app())
    assert client.post("/form", data={"a": "1", "b": "2"}).json() == {"a": "1", "b": "2"}
    too_many = client.post("/form", data={"a": "1", "b": "2", "c": "3"})
    assert too_many.status_code == 400
    assert client.post("/bigform", data={f"f{i}": "x" for i in range(4)}).json() == {"fields": 4}


def test_exported_surface() -> None:
    import zephyr.middleware.limits as module

    assert_exported_surface(module)


async def _stalled_request(app: ASGIApp, first: bytes, *, stall_after: int = 1) -> tuple[list[Message], int]:
    """Send ``first`` (more to come), then nothing: the client stalls mid-body. Returns what was sent, and calls."""
    scope = make_scope("POST", "/", [("content-type", "application/octet-stream")])
    calls = 0
    sent: list[Message] = []

    async def receive() -> Message:
        nonlocal calls
        calls += 1
        if calls <= stall_after:
            return {"type": "http.request", "body": first, "more_body": True}
        await anyio.sleep_forever()
        raise AssertionError("unreachable")

    async def send(message: Message) -> None:
        sent.append(message)

    with anyio.fail_after(5):
        await app(scope, receive, send)
    return sent, calls


@pytest.mark.anyio
async def test_body_timeout_answers_408_when_the_client_stalls_mid_body() -> None:
    sent, calls = await _stalled_request(RequestLimitsMiddleware(read_body_app, body_timeout=0.05), b"abc")
    assert (sent[0]["status"], calls) == (408, 2)
    assert (b"connection", b"close") in sent[0]["headers"]
    assert json.loads(sent[1]["body"]) == {
        "detail": "Request body timeout: no data for 0.05 seconds, the limit; send the body without pauses."
    }


@pytest.mark.anyio
async def test_body_timeout_through_the_app_is_408() -> None:
    app = FastAPI()
    app.add_middleware(RequestLimitsMiddleware, body_timeout=0.05)

    @app.post("/")
    async def upload(request: Request) -> dict[str, int]:
        return {"size": len(await request.body())}

    sent, _ = await _stalled_request(app, b"abc")
    assert sent[0]["status"] == 408


@pytest.mark.anyio
async def test_body_timeout_does_not_apply_once_the_body_is_complete() -> None:
    """After the last chunk, receive() waits for the disconnect (streaming responses listen so): never timed."""
    calls: list[float] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        while (await receive()).get("more_body", False):
            pass
        with anyio.move_on_after(0.2):
            await receive()  # the disconnect listener: must wait, not raise
            calls.append(1.0)
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    scope = make_scope("POST", "/", [])
    messages: list[Message] = [{"type": "http.request", "body": b"x", "more_body": False}]

    async def receive() -> Message:
        if messages:
            return messages.pop(0)
        await anyio.sleep_forever()
        raise AssertionError("unreachable")

    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    await RequestLimitsMiddleware(app, body_timeout=0.05)(scope, receive, send)
    assert (sent[0]["status"], calls) == (204, [])


@pytest.mark.parametrize("value", [0, -1, float("nan"), float("inf"), True, "5"])
def test_body_timeout_must_be_a_positive_number(value: Any) -> None:
    with pytest.raises(FastAPIError, match=r"body_timeout=.* must be a positive number of seconds, or None"):
        RequestLimitsMiddleware(read_body_app, body_timeout=value)


@pytest.mark.anyio
async def test_reads_after_a_refusal_pass_through_without_raising_again() -> None:
    """A disconnect watcher reading after the 400 must not raise (and log a traceback) a second time."""
    messages: list[Message] = [
        {"type": "http.request", "body": b"[[[[", "more_body": True},
        {"type": "http.request", "body": b"[[[[", "more_body": True},
        {"type": "http.disconnect"},
    ]
    seen: list[Message] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        with pytest.raises(RequestLimitError):
            await receive()
        seen.append(await receive())  # what a watcher gets now: the raw message
        seen.append(await receive())
        await send({"type": "http.response.start", "status": 400, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    async def receive() -> Message:
        return messages.pop(0)

    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    scope = make_scope("POST", headers=[("content-type", "application/json")])
    await RequestLimitsMiddleware(app, max_json_depth=2)(scope, receive, send)
    assert [m["type"] for m in seen] == ["http.request", "http.disconnect"]
    assert sent[0]["status"] == 400


def test_deep_json_is_answered_400_without_a_log_line(caplog: pytest.LogCaptureFixture) -> None:
    app = FastAPI()

    @app.middleware("http")
    async def passthrough(request: Request, call_next: Any) -> Any:
        return await call_next(request)  # streams the answer while watching receive() for the disconnect

    app.add_middleware(RequestLimitsMiddleware)

    @app.post("/items")
    async def items(body: dict[str, Any]) -> dict[str, Any]:
        return body

    deep = b'{"a": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    with caplog.at_level("DEBUG"), TestClient(app) as client:
        response = client.post("/items", content=deep, headers={"content-type": "application/json"})
    assert (response.status_code, response.json()) == (
        400,
        {"detail": "JSON body nested too deeply: more than 64 levels, the limit."},
    )
    assert [r for r in caplog.records if r.levelno >= 30] == []
