from __future__ import annotations

from collections.abc import Iterator

import anyio
import pytest

from zephyr import _streaming
from zephyr.types import Message

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    ("scope", "expected"),
    [
        ({}, (2, 0)),
        ({"asgi": {"version": "3.0"}}, (2, 0)),
        ({"asgi": {"version": "3.0", "spec_version": "2.3"}}, (2, 3)),
        ({"asgi": {"version": "3.0", "spec_version": "2.4"}}, (2, 4)),
    ],
)
def test_spec_version(scope: dict[str, object], expected: tuple[int, int]) -> None:
    assert _streaming.spec_version(scope) == expected


async def test_iterate_sync_closes_the_iterator_when_stopped_early() -> None:
    closed: list[bool] = []

    def numbers() -> Iterator[int]:
        try:
            yield from range(10)
        finally:
            closed.append(True)

    iterator = _streaming.iterate_sync(numbers())
    assert await iterator.__anext__() == 0
    await iterator.aclose()  # type: ignore[attr-defined]
    assert closed == [True]


async def test_iterate_sync_does_not_close_after_exhaustion() -> None:
    class Once:
        closes = 0

        def __iter__(self) -> Once:
            return self

        def __next__(self) -> int:
            raise StopIteration

        def close(self) -> None:
            Once.closes += 1  # pragma: no cover - must not run

    assert [item async for item in _streaming.iterate_sync(Once())] == []
    assert Once.closes == 0


async def test_cancel_on_disconnect_stops_the_sender() -> None:
    async def receive() -> Message:
        return {"type": "http.disconnect"}

    async def forever() -> None:
        await anyio.sleep_forever()

    with anyio.fail_after(5):
        await _streaming.cancel_on_disconnect(forever, receive)


async def test_cancel_on_disconnect_reraises_errors_unwrapped() -> None:
    async def receive() -> Message:
        await anyio.sleep_forever()
        raise AssertionError("unreachable")

    async def fail() -> None:
        raise LookupError("boom")

    with pytest.raises(LookupError, match="boom"):
        await _streaming.cancel_on_disconnect(fail, receive)


async def test_cancel_on_disconnect_leaves_a_failing_receive_to_the_sender() -> None:
    # A body over max_body_size makes receive() raise: the sender's answer (the 413) stands, not an ExceptionGroup.
    async def receive() -> Message:
        raise LookupError("body too large")

    sent: list[str] = []

    async def sender() -> None:
        await anyio.sleep(0)
        sent.append("answered")

    with anyio.fail_after(5):
        await _streaming.cancel_on_disconnect(sender, receive)
    assert sent == ["answered"]


async def test_websocket_denial_renames_only_response_messages() -> None:
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    wrapped = _streaming.websocket_denial(send)
    await wrapped({"type": "http.response.start", "status": 403, "headers": []})
    await wrapped({"type": "websocket.close", "code": 1000})
    assert sent == [
        {"type": "websocket.http.response.start", "status": 403, "headers": []},
        {"type": "websocket.close", "code": 1000},
    ]
