"""``BaseHTTPMiddleware``: middleware written as ``async def dispatch(request, call_next)``.

This is what ``@app.middleware("http")`` builds. ``call_next(request)`` runs the rest of the app in a task and
returns its answer as a streaming response as soon as the status and headers are known; the dispatch may change
its headers and return it, read its ``body_iterator``, or return a response of its own.

Example:
    ```python
    import time

    from zephyr import FastAPI, Request

    app = FastAPI()


    @app.middleware("http")
    async def add_process_time_header(request: Request, call_next):
        start = time.perf_counter()
        response = await call_next(request)
        response.headers["X-Process-Time"] = f"{time.perf_counter() - start:.6f}"
        return response
    ```

Semantics, as in Starlette: an exception raised by the app propagates out of ``call_next`` (or, if the response had
already started, out of the middleware after the response is sent); background tasks of the inner response still
run; once the response is sent, the app sees ``http.disconnect`` on ``receive``; and a body the dispatch read with
``await request.body()`` is handed to the app again, so the endpoint can read it too.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any

import anyio
from anyio.abc import TaskGroup
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

from zephyr.requests import Request
from zephyr.responses import Response, StreamingResponse
from zephyr.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ("BaseHTTPMiddleware", "DispatchFunction", "RequestResponseEndpoint")

RequestResponseEndpoint = Callable[[Request], Awaitable[Response]]
"""The type of ``call_next``."""

DispatchFunction = Callable[[Request, RequestResponseEndpoint], Awaitable[Response]]
"""The type of a dispatch function: ``async def dispatch(request, call_next) -> Response``."""

_DISCONNECT: Mapping[str, Any] = {"type": "http.disconnect"}

# _BodyReplay states.
_FRESH, _DELIVERED, _GONE = range(3)


class _BodyReplay:
    """The ``receive`` the app gets: the body the dispatch already read, then the client's own messages."""

    __slots__ = ("_receive", "_request", "_state")

    def __init__(self, request: Request, receive: Receive) -> None:
        self._request = request
        self._receive = receive
        self._state = _FRESH

    def waits_for_disconnect(self) -> bool:
        """Whether the whole body was delivered, so that ``receive()`` now waits for the client to go away."""
        return self._state == _DELIVERED

    async def receive(self) -> Message:
        if self._state == _GONE:
            return dict(_DISCONNECT)
        if self._state == _DELIVERED:
            return await self._wait_for_disconnect()
        request = self._request
        body: bytes | None = getattr(request, "_body", None)
        if body is not None:
            self._state = _DELIVERED
            return {"type": "http.request", "body": body, "more_body": False}
        if request._stream_consumed:
            # The dispatch streamed the body without keeping it: there is nothing left to give.
            self._state = _DELIVERED
            return {"type": "http.request", "body": b"", "more_body": False}
        message = await self._receive()
        if message["type"] == "http.disconnect":
            self._state = _GONE
        elif not message.get("more_body", False):
            self._state = _DELIVERED
        return message

    async def _wait_for_disconnect(self) -> Message:
        if self._request._is_disconnected:
            self._state = _GONE
            return dict(_DISCONNECT)
        message = await self._receive()
        if message["type"] != "http.disconnect":
            raise RuntimeError(
                f"BaseHTTPMiddleware received {message['type']!r} after the whole request body; "
                "the server should only send 'http.disconnect' then."
            )
        self._state = _GONE
        return message


class _StreamedResponse(StreamingResponse):
    """The answer ``call_next`` returns: status and headers from the app, body streamed as the app sends it."""

    __slots__ = ()

    _app_body: _AppBody
    _info: Any

    def __init__(self, status_code: int, raw_headers: list[tuple[bytes, bytes]], body: _AppBody, info: Any) -> None:
        super().__init__(body.chunks(), status_code=status_code)
        self.raw_headers = raw_headers
        self._app_body = body
        self._info = info

    async def stream_response(self, send: Send) -> None:
        """Send the app's start message and body messages on, as they come."""
        if self._info is not None:
            await send({"type": "http.response.debug", "info": self._info})
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        async for message in self._app_body.messages():
            if message["type"] == "http.response.pathsend":
                await send(message)
                return
            if message.get("body"):
                await send({"type": "http.response.body", "body": message["body"], "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})


class _AppBody:
    """The body messages the app sends, read from the stream between the app's task and the dispatch."""

    __slots__ = ("_stream",)

    def __init__(self, stream: MemoryObjectReceiveStream[Message]) -> None:
        self._stream = stream

    async def messages(self) -> AsyncIterator[Message]:
        async for message in self._stream:
            if message["type"] == "http.response.pathsend":
                yield message
                return
            if message["type"] != "http.response.body":
                raise RuntimeError(
                    f"The app sent {message['type']!r} in the middle of its response body; "
                    "only 'http.response.body' messages may follow 'http.response.start'."
                )
            yield message
            if not message.get("more_body", False):
                return

    async def chunks(self) -> AsyncIterator[bytes]:
        async for message in self.messages():
            body: bytes = message.get("body", b"")
            if body:
                yield body


class BaseHTTPMiddleware:
    """Base class for HTTP middleware written as a ``dispatch(request, call_next)`` coroutine.

    Subclass it and override ``dispatch``, or pass a ``dispatch`` function. WebSocket and lifespan connections pass
    straight through.

    Example:
        ```python
        class CustomHeaderMiddleware(BaseHTTPMiddleware):
            async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
                response = await call_next(request)
                response.headers["Custom"] = "Example"
                return response


        app.add_middleware(CustomHeaderMiddleware)
        ```

    Args:
        app: The ASGI app to wrap.
        dispatch: The dispatch function; defaults to the ``dispatch`` method.
    """

    def __init__(self, app: ASGIApp, dispatch: DispatchFunction | None = None) -> None:
        self.app = app
        self.dispatch_func: DispatchFunction = self.dispatch if dispatch is None else dispatch

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        """Handle one request; override this, or pass ``dispatch`` to the constructor.

        Args:
            request: The incoming request.
            call_next: Call with the request to run the rest of the app and get its response.

        Returns:
            The response to send.

        Raises:
            NotImplementedError: When neither overridden nor given.
        """
        raise NotImplementedError(
            f"{type(self).__name__} has no dispatch: override 'async def dispatch(self, request, call_next)' "
            "or pass dispatch=... to BaseHTTPMiddleware."
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the dispatch for an HTTP request; pass other connections to the app."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await _Call(self.app, scope, receive).run(self.dispatch_func, send)


class _Call:
    """One request through a ``BaseHTTPMiddleware``: the app's task, its response stream and its error."""

    __slots__ = (
        "_app",
        "_app_error",
        "_error_raised",
        "_receive_stream",
        "_replay",
        "_request",
        "_response_sent",
        "_scope",
        "_send_stream",
        "_task_group",
    )

    def __init__(self, app: ASGIApp, scope: Scope, receive: Receive) -> None:
        self._app = app
        self._scope = scope
        self._request = Request(scope, receive)
        self._replay = _BodyReplay(self._request, receive)
        self._response_sent = anyio.Event()
        self._app_error: Exception | None = None
        self._error_raised = False
        send_stream, receive_stream = anyio.create_memory_object_stream[Message]()
        self._send_stream: MemoryObjectSendStream[Message] = send_stream
        self._receive_stream: MemoryObjectReceiveStream[Message] = receive_stream
        self._task_group: TaskGroup | None = None

    async def run(self, dispatch: DispatchFunction, send: Send) -> None:
        error: Exception | None = None
        with self._send_stream, self._receive_stream:
            async with anyio.create_task_group() as task_group:
                self._task_group = task_group
                try:
                    response = await dispatch(self._request, self.call_next)
                    await response(self._scope, self._replay.receive, send)
                except Exception as exc:
                    # Raised after the task group, so that it is not wrapped in an exception group.
                    error = exc
                    task_group.cancel_scope.cancel()
                finally:
                    self._response_sent.set()
                    self._receive_stream.close()
        if error is not None:
            raise error
        if self._app_error is not None and not self._error_raised:
            raise self._app_error

    async def call_next(self, request: Request) -> Response:
        if self._task_group is None:  # pragma: no cover - call_next is only handed out inside run()
            raise RuntimeError("call_next() was called outside of its middleware's dispatch.")
        self._task_group.start_soon(self._run_app)
        info = None
        try:
            message = await self._receive_stream.receive()
            if message["type"] == "http.response.debug":
                info = message.get("info")
                message = await self._receive_stream.receive()
        except anyio.EndOfStream:
            if self._app_error is not None:
                self._error_raised = True
                raise self._app_error from None
            raise RuntimeError(
                "No response returned: the app finished without sending 'http.response.start'."
            ) from None
        if message["type"] != "http.response.start":
            raise RuntimeError(f"The app sent {message['type']!r} first; expected 'http.response.start'.")
        return _StreamedResponse(
            message["status"], list(message.get("headers", ())), _AppBody(self._receive_stream), info
        )

    async def _run_app(self) -> None:
        with self._send_stream:
            try:
                await self._app(self._scope, self._receive_for_app, self._send_from_app)
            except Exception as exc:
                self._app_error = exc

    async def _send_from_app(self, message: Message) -> None:
        try:
            await self._send_stream.send(message)
        except (anyio.BrokenResourceError, anyio.ClosedResourceError):
            # The dispatch did not read the whole body (it returned another response): let the app finish, so that
            # its background tasks still run.
            return

    async def _receive_for_app(self) -> Message:
        if self._response_sent.is_set():
            return dict(_DISCONNECT)
        if not self._replay.waits_for_disconnect():
            # The body is still flowing (or cached): the next message comes soon, nothing to race against.
            return await self._replay.receive()
        message: Message | None = None
        error: Exception | None = None
        async with anyio.create_task_group() as race:

            async def stop_when_sent() -> None:
                await self._response_sent.wait()
                race.cancel_scope.cancel()

            race.start_soon(stop_when_sent)
            try:
                message = await self._replay.receive()
            except Exception as exc:
                # Raised after the task group, so that it is not wrapped in an exception group.
                error = exc
            race.cancel_scope.cancel()
        if error is not None:
            raise error
        return message if message is not None else dict(_DISCONNECT)
