"""The client side of an in-process WebSocket connection, as ``TestClient.websocket_connect`` returns it."""

from __future__ import annotations

import concurrent.futures
import contextlib
import functools
import json
import math
import sys
from types import TracebackType
from typing import Any, Literal, cast

import anyio
import anyio.abc
import anyio.lowlevel
from typing_extensions import Self

from zephyr._testclient.compat import PortalFactory, httpx
from zephyr.types import ASGIApp, Message, Scope
from zephyr.websockets import WebSocketDisconnect

__all__ = ("WebSocketDenialResponse", "WebSocketTestSession")

# How many event-loop turns the app gets, after the session sends its final disconnect, to react (run its
# ``except WebSocketDisconnect`` cleanup, unwind its middleware) before it is cancelled.
_SETTLE_TURNS = 100


class WebSocketDenialResponse(  # type: ignore[misc]
    httpx.Response,
    WebSocketDisconnect,
):
    """The app rejected the WebSocket handshake with an HTTP response (``websocket.send_denial_response``).

    It is both the ``httpx.Response`` the app sent (``status_code``, ``headers``, ``content``, ``json()``) and a
    ``WebSocketDisconnect``, raised by ``websocket_connect(...).__enter__``.
    """


@functools.cache
def _denial_class(starlette_class: Any) -> type[WebSocketDenialResponse]:
    """Zephyr's denial class, made a subclass of Starlette's too when a test imported Starlette's.

    Test suites written for FastAPI catch ``starlette.testclient.WebSocketDenialResponse`` around
    ``websocket_connect``; the denial this client raises is then also an instance of that class (Starlette is never
    imported here: only a class already loaded is used).
    """
    if starlette_class is None or issubclass(WebSocketDenialResponse, starlette_class):
        return WebSocketDenialResponse
    bases = (WebSocketDenialResponse, starlette_class)
    return cast("type[WebSocketDenialResponse]", type("WebSocketDenialResponse", bases, {"__module__": __name__}))


def _denial(status_code: int, headers: list[tuple[bytes, bytes]], content: bytes) -> WebSocketDenialResponse:
    starlette_testclient = sys.modules.get("starlette.testclient")
    starlette_class: Any = getattr(starlette_testclient, "WebSocketDenialResponse", None)
    if not (isinstance(starlette_class, type) and issubclass(starlette_class, BaseException)):
        starlette_class = None
    return _denial_class(starlette_class)(status_code=status_code, headers=headers, content=content)


class WebSocketTestSession:
    """One WebSocket connection to the app under test; use it as a context manager.

    Example:
        ```python
        with client.websocket_connect("/ws", subprotocols=["chat"]) as websocket:
            websocket.send_json({"hello": "world"})
            assert websocket.receive_json() == {"hello": "world"}
        ```

    Entering sends ``websocket.connect`` and waits for the app's answer: it raises ``WebSocketDisconnect`` when the
    app closes instead of accepting, and ``WebSocketDenialResponse`` when it answers with an HTTP response. Leaving
    sends ``websocket.disconnect`` (code 1000) if the client has not closed yet, lets the app react, cancels it if it
    is still running, and re-raises the exception the app ended with, if any.

    Args:
        app: The ASGI app.
        scope: The ``websocket`` scope.
        portal_factory: Gives the blocking portal whose event loop runs the app.
    """

    __test__ = False

    def __init__(self, app: ASGIApp, scope: Scope, portal_factory: PortalFactory) -> None:
        self.app = app
        self.scope = scope
        self.accepted_subprotocol: str | None = None
        """The subprotocol the app chose when accepting."""
        self.extra_headers: list[tuple[bytes, bytes]] | None = None
        """The extra handshake headers the app sent when accepting."""
        self._portal_factory = portal_factory
        self._exit_stack = contextlib.ExitStack()
        self._accepted = False
        self._client_closed = False
        self._app_done = False
        self._error_reported = False

    def __enter__(self) -> Self:
        with contextlib.ExitStack() as stack:
            self.portal = portal = stack.enter_context(self._portal_factory())
            self._future, self._cancel_scope = portal.start_task(self._run)
            stack.push(self._finish)
            self.send({"type": "websocket.connect"})
            message = self.receive()
            self._raise_on_close(message)
            if message["type"] != "websocket.accept":
                raise RuntimeError(
                    f"The app sent {message['type']!r} before accepting the WebSocket; it must send "
                    "'websocket.accept', 'websocket.close' or a denial response first."
                )
            self._accepted = True
            self.accepted_subprotocol = message.get("subprotocol")
            self.extra_headers = message.get("headers")
            self._exit_stack = stack.pop_all()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self._exit_stack.__exit__(exc_type, exc, traceback)

    async def _run(self, *, task_status: anyio.abc.TaskStatus[anyio.CancelScope]) -> None:
        to_app, app_inbox = anyio.create_memory_object_stream[Message](math.inf)
        app_outbox, from_app = anyio.create_memory_object_stream[Message](math.inf)
        self._to_app, self._app_inbox, self._from_app = to_app, app_inbox, from_app
        try:
            with anyio.CancelScope() as cancel_scope:
                task_status.started(cancel_scope)
                await self.app(self.scope, app_inbox.receive, app_outbox.send)
        finally:
            self._app_done = True
            # Closing the app's end lets the client drain what was sent, then see the end of the stream.
            app_outbox.close()

    def _finish(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        if not self._future.done():
            if not self._client_closed:
                self.close(1000)
            self.portal.call(self._settle)
        concurrent.futures.wait([self._future])
        self.portal.call(self._close_streams)
        error = self._future.exception()
        if error is not None and exc_type is None and not self._error_reported:
            raise error

    async def _settle(self) -> None:
        for _ in range(_SETTLE_TURNS):
            if self._app_done:
                return
            await anyio.lowlevel.checkpoint()
        self._cancel_scope.cancel()

    def _close_streams(self) -> None:
        self._to_app.close()
        self._app_inbox.close()
        self._from_app.close()

    def _raise_on_close(self, message: Message) -> None:
        message_type = message["type"]
        if message_type == "websocket.close":
            raise WebSocketDisconnect(code=message.get("code", 1000), reason=message.get("reason", ""))
        if message_type == "websocket.http.response.start":
            status_code: int = message["status"]
            headers: list[tuple[bytes, bytes]] = message.get("headers", [])
            body: list[bytes] = []
            while True:
                message = self.receive()
                if message["type"] != "websocket.http.response.body":
                    raise RuntimeError(
                        f"Expected 'websocket.http.response.body' after 'websocket.http.response.start', "
                        f"got {message['type']!r}."
                    )
                body.append(message.get("body", b""))
                if not message.get("more_body", False):
                    break
            raise _denial(status_code, headers, b"".join(body))

    def send(self, message: Message) -> None:
        """Send a raw ASGI message to the app (dropped if the app has already finished).

        Args:
            message: For example ``{"type": "websocket.receive", "text": "hi"}``.
        """
        if message["type"] == "websocket.disconnect":
            self._client_closed = True
        with contextlib.suppress(anyio.BrokenResourceError, anyio.ClosedResourceError):
            self.portal.call(self._to_app.send, message)

    def send_text(self, data: str) -> None:
        """Send a text message.

        Args:
            data: The text.
        """
        self.send({"type": "websocket.receive", "text": data})

    def send_bytes(self, data: bytes) -> None:
        """Send a binary message.

        Args:
            data: The bytes.
        """
        self.send({"type": "websocket.receive", "bytes": data})

    def send_json(self, data: Any, mode: Literal["text", "binary"] = "text") -> None:
        """Send ``data`` as compact JSON.

        Args:
            data: A JSON-serializable value.
            mode: ``"text"`` for a text message, ``"binary"`` for a UTF-8 binary one.
        """
        text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
        if mode == "text":
            self.send({"type": "websocket.receive", "text": text})
        else:
            self.send({"type": "websocket.receive", "bytes": text.encode("utf-8")})

    def close(self, code: int = 1000, reason: str | None = None) -> None:
        """Disconnect from the client side: the app receives ``websocket.disconnect``.

        Args:
            code: The close code.
            reason: The close reason.
        """
        self.send({"type": "websocket.disconnect", "code": code, "reason": reason or ""})

    def receive(self) -> Message:
        """Wait for the next raw ASGI message the app sends.

        Returns:
            The message, such as ``{"type": "websocket.send", "text": "hi"}``.

        Raises:
            Exception: The exception the app ended with, if it ended with one before sending a message.
            WebSocketDisconnect: With code 1006, when the app returned without closing the connection.
            RuntimeError: When the app returned before accepting or rejecting the connection.
        """
        try:
            return self.portal.call(self._from_app.receive)
        except (anyio.EndOfStream, anyio.ClosedResourceError):
            pass
        concurrent.futures.wait([self._future])
        error = self._future.exception()
        if error is not None:
            self._error_reported = True
            raise error
        if self._accepted:
            raise WebSocketDisconnect(code=1006, reason="The app returned without closing the WebSocket.")
        raise RuntimeError(
            "The app returned without accepting or rejecting the WebSocket; a server would answer 500. "
            "Make it call websocket.accept() or websocket.close()."
        )

    def receive_text(self) -> str:
        """Receive a text message.

        Returns:
            The text.

        Raises:
            WebSocketDisconnect: When the app closed the connection.
        """
        message = self.receive()
        self._raise_on_close(message)
        return cast("str", message["text"])

    def receive_bytes(self) -> bytes:
        """Receive a binary message.

        Returns:
            The bytes.

        Raises:
            WebSocketDisconnect: When the app closed the connection.
        """
        message = self.receive()
        self._raise_on_close(message)
        return cast("bytes", message["bytes"])

    def receive_json(self, mode: Literal["text", "binary"] = "text") -> Any:
        """Receive a message and decode it as JSON.

        Args:
            mode: ``"text"`` to read a text message, ``"binary"`` to read a UTF-8 binary one.

        Returns:
            The decoded value.

        Raises:
            WebSocketDisconnect: When the app closed the connection.
        """
        message = self.receive()
        self._raise_on_close(message)
        text = message["text"] if mode == "text" else message["bytes"].decode("utf-8")
        return json.loads(text)
