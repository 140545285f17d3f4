"""``BodyLimit`` (FastAPI's ``max_body_size``) on raw ASGI; compared with FastAPI in ``compat/test_body_limits``."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import pytest

from zephyr import FastAPI, File, Request, UploadFile
from zephyr._bodylimit import BodyLimit, BodyTooLargeError, body_limit_error, first_limit, validate_form_limits
from zephyr.middleware.limits import RequestLimitsMiddleware
from zephyr.testclient import TestClient
from zephyr.types import Message, Receive, Scope, Send

if sys.version_info < (3, 11):
    from exceptiongroup import ExceptionGroup  # type: ignore[import-not-found,unused-ignore]  # anyio brings it on 3.10

pytestmark = pytest.mark.anyio


def scope_for(*headers: tuple[bytes, bytes], kind: str = "http") -> Scope:
    return {"type": kind, "method": "POST", "path": "/", "headers": list(headers)}


def channel(*messages: Message) -> tuple[Receive, Send, list[Message]]:
    queue = list(messages)
    sent: list[Message] = []

    async def receive() -> Message:
        return queue.pop(0)

    async def send(message: Message) -> None:
        sent.append(message)

    return receive, send, sent


async def reader(scope: Scope, receive: Receive, send: Send) -> None:
    while (await receive()).get("more_body"):
        pass
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"read"})


async def test_nested_limit_replaces_the_outer_one() -> None:
    receive, send, sent = channel({"type": "http.request", "body": b"x" * 8, "more_body": False})
    await BodyLimit(BodyLimit(reader, 10), 4)(scope_for(), receive, send)
    assert [m.get("status") for m in sent] == [200, None]


async def test_nested_limit_refuses_what_the_outer_already_counted() -> None:
    async def reads_then_enters(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        await BodyLimit(reader, 2)(scope, receive, send)

    receive, send, _ = channel({"type": "http.request", "body": b"xyz", "more_body": True})
    with pytest.raises(BodyTooLargeError):
        await BodyLimit(reads_then_enters, 10)(scope_for(), receive, send)


async def test_error_after_the_response_started_is_not_replaced() -> None:
    async def starts_then_reads(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await receive()

    receive, send, sent = channel({"type": "http.request", "body": b"xyz", "more_body": False})
    with pytest.raises(BodyTooLargeError):
        await BodyLimit(starts_then_reads, 2)(scope_for(), receive, send)
    assert [m["status"] for m in sent] == [200]


async def test_other_errors_pass_when_the_declared_length_is_within_the_limit() -> None:
    async def fails(scope: Scope, receive: Receive, send: Send) -> None:
        raise LookupError("boom")

    receive, send, _ = channel()
    with pytest.raises(LookupError):
        await BodyLimit(fails, 10)(scope_for((b"content-length", b"5")), receive, send)
    with pytest.raises(LookupError):
        await BodyLimit(fails, 10)(scope_for((b"content-length", b"many")), receive, send)


async def test_websockets_pass_through() -> None:
    seen: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope["type"])

    receive, send, _ = channel()
    await BodyLimit(app, 1)(scope_for(kind="websocket"), receive, send)
    assert seen == ["websocket"]


def test_helpers() -> None:
    assert (first_limit(None, 3, 4), first_limit(None, None)) == (3, None)
    assert validate_form_limits(None) == {}
    assert validate_form_limits({"max_files": 0}) == {"max_files": 0}


def test_route_limit_holds_inside_the_limits_middleware() -> None:
    app = FastAPI()
    app.add_middleware(RequestLimitsMiddleware)

    @app.post("/small", max_body_size=5)
    async def small(request: Request) -> dict[str, int]:
        return {"n": len(await request.body())}

    @app.post("/streamed", max_body_size=5)
    async def streamed(request: Request) -> dict[str, int]:
        return {"n": sum([len(chunk) async for chunk in request.stream()])}

    with TestClient(app) as client:
        assert client.post("/small", content=b"12345").json() == {"n": 5}
        refused = client.post("/small", content=b"123456")
        assert (refused.status_code, refused.text) == (413, "Content Too Large")
        assert client.post("/streamed", content=iter([b"123", b"456"])).json() == {"detail": "Content Too Large"}


async def test_a_layer_outside_the_handlers_answers_an_unanswered_read_with_the_plain_413() -> None:
    async def raises_in_a_group(scope: Scope, receive: Receive, send: Send) -> None:
        try:
            while (await receive()).get("more_body"):
                pass
        except BodyTooLargeError as exc:
            raise ExceptionGroup("middleware task", [exc]) from None

    messages = [{"type": "http.request", "body": b"xyz", "more_body": True}] * 2
    receive, send, sent = channel(*messages)
    await BodyLimit(raises_in_a_group, 4, answers_reads=True)(scope_for(), receive, send)
    assert [m.get("status") for m in sent] == [413, None]
    assert sent[1]["body"] == b"Content Too Large"
    receive, send, sent = channel(*messages)
    with pytest.raises(ExceptionGroup):  # inside the handlers, they answer it
        await BodyLimit(raises_in_a_group, 4)(scope_for(), receive, send)


def test_body_limit_error_finds_the_413_in_groups_made_only_of_it() -> None:
    error = BodyTooLargeError()
    assert body_limit_error(error) is error
    assert body_limit_error(ExceptionGroup("g", [ExceptionGroup("h", [error])])) is error
    assert body_limit_error(ExceptionGroup("g", [error, RuntimeError("other")])) is None
    assert body_limit_error(RuntimeError("other")) is None


def _streamed(*chunks: bytes) -> list[Message]:
    return [{"type": "http.request", "body": chunk, "more_body": i < len(chunks) - 1} for i, chunk in enumerate(chunks)]


async def test_a_group_holding_the_413_and_another_error_is_not_hidden() -> None:
    """The 413 inside a group with another error is the app's own error: it propagates whole, as on FastAPI."""
    from zephyr.exceptions import HTTPException

    app = FastAPI(max_body_size=0)
    cleanup_error = RuntimeError("cleanup failed")

    @app.post("/")
    async def endpoint(request: Request) -> None:
        try:
            await request.body()
        except HTTPException as exc:
            raise ExceptionGroup("read and cleanup", [exc, cleanup_error]) from exc

    receive, send, _ = channel(*_streamed(b"x"))
    with pytest.raises(ExceptionGroup) as caught:
        await app(scope_for(), receive, send)
    first, second = caught.value.exceptions
    assert (type(first), getattr(first, "status_code", None), second) == (BodyTooLargeError, 413, cleanup_error)


async def test_multipart_rejected_by_the_limit_closes_its_temporary_files(monkeypatch: pytest.MonkeyPatch) -> None:
    """A multipart body cut off by ``max_body_size`` leaves no spooled file open (FastAPI patches Starlette's)."""
    from zephyr import _multipart

    created: list[Any] = []
    real = _multipart.SpooledTemporaryFile  # type: ignore[attr-defined]

    def tracking(*args: Any, **kwargs: Any) -> Any:
        spool = real(*args, **kwargs)
        created.append(spool)
        return spool

    monkeypatch.setattr(_multipart, "SpooledTemporaryFile", tracking)
    prefix = (
        b'--boundary\r\nContent-Disposition: form-data; name="file"; filename="example.txt"\r\n'
        b"Content-Type: text/plain\r\n\r\nhello"
    )
    headers = (b"content-type", b"multipart/form-data; boundary=boundary")

    async def endpoint(file: Annotated[UploadFile, File()]) -> dict[str, str | None]:
        return {"name": file.filename}

    app = FastAPI(max_body_size=len(prefix))
    app.post("/")(endpoint)
    receive, send, sent = channel(*_streamed(prefix, b"more data\r\n--boundary--\r\n"))
    await app(scope_for(headers), receive, send)
    assert sent[0]["status"] == 413
    assert created
    assert all(spool.closed for spool in created)

    accepted = prefix + b"\r\n--boundary--\r\n"
    larger = FastAPI(max_body_size=len(accepted))
    larger.post("/")(endpoint)
    receive, send, sent = channel(*_streamed(accepted))
    await larger(scope_for(headers), receive, send)
    assert (sent[0]["status"], sent[1]["body"]) == (200, b'{"name":"example.txt"}')
    assert len(created) == 2
    assert all(spool.closed for spool in created)
