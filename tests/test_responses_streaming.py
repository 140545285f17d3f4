"""StreamingResponse: messages, iterators in threads, disconnects and background tasks, against Starlette."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Iterator
from typing import Any

import anyio
import pytest
import starlette.background
import starlette.responses

from tests.support.asgi_messages import (
    call,
    disconnect_receive,
    idle_receive,
    make_scope,
    summary,
)
from zephyr.background import BackgroundTask
from zephyr.requests import ClientDisconnect
from zephyr.responses import (
    StreamingResponse,
)
from zephyr.types import Message

pytestmark = pytest.mark.anyio


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
