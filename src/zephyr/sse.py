"""Server-Sent Events: ``EventSourceResponse``, ``ServerSentEvent`` and the ``text/event-stream`` wire format.

A generator endpoint declared with ``response_class=EventSourceResponse`` streams each yielded item as one event.
Plain items (dicts, models, strings, numbers...) are JSON-encoded into the ``data:`` field, validated by the item
type of the return annotation when there is one (``AsyncIterable[Item]``); ``ServerSentEvent`` items control every
field. While the generator is idle, a ``: ping`` comment goes out every 15 seconds so proxies keep the connection
open. When the client goes away the generator is closed, so its ``finally`` blocks run.

Example:
    ```python
    from collections.abc import AsyncIterable

    from zephyr import FastAPI
    from zephyr.sse import EventSourceResponse, ServerSentEvent

    app = FastAPI()


    @app.get("/events", response_class=EventSourceResponse)
    async def events() -> AsyncIterable[ServerSentEvent]:
        for number in range(3):
            yield ServerSentEvent(data={"n": number}, event="tick", id=str(number))
    ```
"""

from __future__ import annotations

from collections import deque
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from typing import TYPE_CHECKING, Annotated, Any

import anyio
import anyio.to_thread
from pydantic import AfterValidator, BaseModel, Field, model_validator

from zephyr._compile.serialize import stream_text
from zephyr.responses import StreamingResponse

if TYPE_CHECKING:
    from zephyr._compile.serialize import ResponseModel
    from zephyr.background import BackgroundTask
    from zephyr.responses import Response
    from zephyr.types import Receive, Scope, Send

__all__ = ("EventSourceResponse", "KEEPALIVE_COMMENT", "ServerSentEvent", "format_sse_event")

KEEPALIVE_COMMENT = b": ping\n\n"
"""The comment sent while the generator is idle (comments are ignored by ``EventSource`` clients)."""

_PING_INTERVAL: float = 15.0
"""Seconds of generator idleness before a keep-alive comment is sent; read per stream, so tests may patch it."""


class EventSourceResponse(StreamingResponse):
    """A streaming ``text/event-stream`` response.

    Mostly a marker: declare it as ``response_class`` on a generator endpoint (any HTTP method) and each yielded
    item is sent as one event, with ``Cache-Control: no-cache`` and ``X-Accel-Buffering: no``. It can also be built
    directly from an iterator of already formatted chunks (see ``format_sse_event``).

    Example:
        ```python
        @app.post("/stream", response_class=EventSourceResponse)
        async def stream() -> AsyncIterable[dict[str, int]]:
            yield {"progress": 50}
            yield {"progress": 100}
        ```
    """

    __slots__ = ()

    media_type = "text/event-stream"


def _single_line(value: str | None, field_name: str) -> str | None:
    if value is not None and ("\r" in value or "\n" in value):
        raise ValueError(f"SSE '{field_name}' must be a single line")
    return value


def _valid_event(value: str | None) -> str | None:
    return _single_line(value, "event")


def _valid_id(value: str | None) -> str | None:
    if value is not None and "\0" in value:
        raise ValueError("SSE 'id' must not contain null characters")
    return _single_line(value, "id")


class ServerSentEvent(BaseModel):
    """One event, with full control of its fields; yield it from an ``EventSourceResponse`` endpoint.

    ``data`` is always JSON-encoded (``data="hi"`` goes out as ``data: "hi"``); use ``raw_data`` to send text as it
    is. Multi-line ``raw_data`` and ``comment`` become several ``data:`` / ``:`` lines.

    Example:
        ```python
        yield ServerSentEvent(data={"price": 10}, event="quote", id="42", retry=5000)
        yield ServerSentEvent(raw_data="<li>row</li>", event="html")
        yield ServerSentEvent(comment="still here")
        ```
    """

    data: Any = None
    """The payload, any JSON-encodable value (a model, dict, list, string...). Excludes ``raw_data``."""
    raw_data: str | None = None
    """Text sent in the ``data:`` field without JSON encoding. Excludes ``data``."""
    event: Annotated[str | None, AfterValidator(_valid_event)] = None
    """The event type (``addEventListener(event, ...)`` in browsers); one line."""
    id: Annotated[str | None, AfterValidator(_valid_id)] = None
    """The event id, sent back by browsers as ``Last-Event-ID`` when they reconnect; one line, no NUL."""
    retry: Annotated[int | None, Field(ge=0)] = None
    """The reconnection delay for the client, in milliseconds."""
    comment: str | None = None
    """Comment line(s), ignored by clients."""

    @model_validator(mode="after")
    def _data_or_raw_data(self) -> ServerSentEvent:
        if self.data is not None and self.raw_data is not None:
            raise ValueError(
                "Cannot set both 'data' and 'raw_data' on the same ServerSentEvent. Use 'data' for "
                "JSON-serialized payloads or 'raw_data' for pre-formatted strings."
            )
        return self


def _lines(value: str) -> list[str]:
    # The SSE line terminators are \r\n, \r and \n; a trailing terminator gives a trailing empty line.
    return value.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def format_sse_event(
    *,
    data_str: str | None = None,
    event: str | None = None,
    id: str | None = None,
    retry: int | None = None,
    comment: str | None = None,
) -> bytes:
    """Build one event in the wire format from an already serialized ``data`` string.

    Args:
        data_str: The ``data:`` field (one ``data:`` line per line of text).
        event: The ``event:`` field.
        id: The ``id:`` field.
        retry: The ``retry:`` field, in milliseconds.
        comment: Comment line(s), each sent as ``: text``.

    Returns:
        The UTF-8 bytes of the event, ending with the blank line that terminates it.
    """
    lines: list[str] = []
    if comment is not None:
        lines.extend(f": {line}" for line in _lines(comment))
    if event is not None:
        lines.append(f"event: {event}")
    if data_str is not None:
        lines.extend(f"data: {line}" for line in _lines(data_str))
    if id is not None:
        lines.append(f"id: {id}")
    if retry is not None:
        lines.append(f"retry: {retry}")
    lines.append("\n")
    return "\n".join(lines).encode("utf-8")


# -- encoding items (FastAPI's rules: json.dumps defaults, non-finite floats as null) ---------------------------


def _event_bytes(event: ServerSentEvent) -> bytes:
    data_str: str | None
    if event.raw_data is not None:
        data_str = event.raw_data
    elif event.data is None:
        data_str = None
    elif hasattr(event.data, "model_dump_json"):
        data_str = event.data.model_dump_json()
    else:
        data_str = stream_text(event.data)
    return format_sse_event(data_str=data_str, event=event.event, id=event.id, retry=event.retry, comment=event.comment)


def _encoder(item_model: ResponseModel | None) -> Callable[[Any], bytes]:
    # JSON text never holds a raw line break, so a plain item is always exactly one ``data:`` line.
    if item_model is None:

        def encode(item: Any) -> bytes:
            if isinstance(item, ServerSentEvent):
                return _event_bytes(item)
            return b"data: " + stream_text(item).encode("utf-8") + b"\n\n"

    else:
        to_json = item_model.to_json

        def encode(item: Any) -> bytes:
            # ServerSentEvent items skip the item model: the endpoint may mix them with plain items.
            if isinstance(item, ServerSentEvent):
                return _event_bytes(item)
            return b"data: " + to_json(item) + b"\n\n"

    return encode


# -- streaming ----------------------------------------------------------------------------------------------------


class _Mailbox:
    """A one-item hand-off from the producer task to the response, whose timed ``get`` never loses an item.

    (A timed-out ``receive()`` on an anyio memory stream can drop an item delivered just as the timeout fires.)
    """

    __slots__ = ("_closed", "_items", "_readable", "_writable")

    def __init__(self) -> None:
        self._items: deque[bytes] = deque()
        self._closed = False
        self._readable = anyio.Event()
        self._writable = anyio.Event()

    async def put(self, chunk: bytes) -> None:
        while self._items:
            self._writable = anyio.Event()
            await self._writable.wait()
        self._items.append(chunk)
        self._readable.set()

    def close(self) -> None:
        self._closed = True
        self._readable.set()

    async def get(self, timeout: float) -> bytes | None:
        """The next chunk, ``None`` once closed and drained; raises ``TimeoutError`` after ``timeout`` idle seconds."""
        if not self._items and not self._closed:
            self._readable = anyio.Event()
            with anyio.fail_after(timeout):
                await self._readable.wait()
        if self._items:
            chunk = self._items.popleft()
            self._writable.set()
            return chunk
        return None


_DONE: Any = object()


class _EventStream(EventSourceResponse):
    """The response of an SSE generator endpoint: a producer task feeds encoded events, pings fill idle gaps."""

    __slots__ = ("_encode", "_failure", "_mailbox", "_source")

    def __init__(
        self,
        source: Any,
        encode: Callable[[Any], bytes],
        status_code: int = 200,
        background: BackgroundTask | None = None,
    ) -> None:
        self._source = source
        self._encode = encode
        self._mailbox: _Mailbox | None = None
        self._failure: Exception | None = None
        super().__init__(self._events(), status_code=status_code, background=background)
        self.raw_headers += [(b"cache-control", b"no-cache"), (b"x-accel-buffering", b"no")]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Stream the events; a HEAD request gets the headers only, without running the (maybe endless) generator."""
        if scope.get("method") == "HEAD":
            await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
            await send({"type": "http.response.body", "body": b"", "more_body": False})
            if self.background is not None:
                await self.background()
            return
        await super().__call__(scope, receive, send)

    async def stream_response(self, send: Send) -> None:
        """Run the producer beside the streaming, and stop it (closing the generator) when streaming ends."""
        self._mailbox = _Mailbox()
        failure: Exception | None = None
        async with anyio.create_task_group() as task_group:
            task_group.start_soon(self._produce, self._mailbox)
            try:
                await super().stream_response(send)
            except Exception as exc:
                # Re-raised below as itself, not wrapped in an ExceptionGroup.
                failure = exc
            finally:
                task_group.cancel_scope.cancel()
        if failure is not None:
            raise failure

    async def _produce(self, mailbox: _Mailbox) -> None:
        encode = self._encode
        items = self._items()
        try:
            async for item in items:
                await mailbox.put(encode(item))
        except Exception as exc:
            # Re-raised by ``_events``, so it surfaces where a plain streaming endpoint's error would.
            self._failure = exc
        finally:
            mailbox.close()
            # Closed here, not left to garbage collection, when cancelled while waiting to hand an item over.
            with anyio.CancelScope(shield=True):
                await items.aclose()

    async def _items(self) -> AsyncGenerator[Any, None]:
        """The generator's items, fetched in worker threads for a sync one; the generator is closed on exit."""
        source = self._source
        if hasattr(source, "__aiter__"):
            try:
                async for item in source:
                    yield item
            finally:
                aclose = getattr(source, "aclose", None)
                if aclose is not None:
                    with anyio.CancelScope(shield=True):
                        await aclose()
            return
        iterator = iter(source)
        try:
            while True:
                item = await anyio.to_thread.run_sync(next, iterator, _DONE)
                if item is _DONE:
                    return
                yield item
        finally:
            close = getattr(iterator, "close", None)
            if close is not None:
                with anyio.CancelScope(shield=True):
                    await anyio.to_thread.run_sync(close)

    async def _events(self) -> AsyncIterator[bytes]:
        mailbox = self._mailbox
        if mailbox is None:
            # Iterated outside ``stream_response`` (a wrapper reading ``body_iterator``): no task, so no pings.
            encode = self._encode
            items = self._items()
            try:
                async for item in items:
                    yield encode(item)
            finally:
                await items.aclose()
            return
        interval = _PING_INTERVAL
        while True:
            try:
                chunk = await mailbox.get(interval)
            except TimeoutError:
                yield KEEPALIVE_COMMENT
                continue
            if chunk is None:
                break
            yield chunk
            await anyio.sleep(0)  # a checkpoint per event, so a disconnect can cancel even a fast producer
        if self._failure is not None:
            raise self._failure


def _event_stream(
    response_class: type[Response], gen: Any, item_model: ResponseModel | None, kwargs: dict[str, Any]
) -> Response:
    """The response of a generator endpoint declared with an ``EventSourceResponse`` response class.

    The response is always sent as FastAPI sends it (``text/event-stream; charset=utf-8``, ``cache-control`` and
    ``x-accel-buffering``), whatever subclass of ``EventSourceResponse`` was declared.

    Args:
        response_class: The declared response class (a subclass of ``EventSourceResponse``).
        gen: The endpoint's async or sync generator.
        item_model: Validates and serializes plain items; ``None`` to JSON-encode them as they are.
        kwargs: ``status_code`` and ``background`` for the response.

    Returns:
        The streaming response.
    """
    return _EventStream(gen, _encoder(item_model), **kwargs)
