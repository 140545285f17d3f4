"""The WebSocket connection handed to ``@app.websocket`` endpoints, and its states and exceptions.

Example:
    ```python
    @app.websocket("/ws")
    async def echo(websocket: WebSocket) -> None:
        await websocket.accept()
        async for text in websocket.iter_text():
            await websocket.send_text(f"echo: {text}")
    ```

The state machine and the error messages are Starlette's, so code written against ``starlette.websockets``
behaves the same: the client side moves CONNECTING -> CONNECTED -> DISCONNECTED as ``websocket.connect`` and
``websocket.disconnect`` arrive; the application side moves CONNECTING -> CONNECTED (accept) or RESPONSE (a denial
response) and then DISCONNECTED (close, or the last body chunk of a denial response).
"""

from __future__ import annotations

import enum
import json
from collections.abc import AsyncIterator, Iterable
from typing import TYPE_CHECKING, Any, Literal, cast

from zephyr.requests import HTTPConnection, StateT
from zephyr.types import Message, Receive, Scope, Send

if TYPE_CHECKING:
    from zephyr.types import ASGIApp

__all__ = (
    "WebSocket",
    "WebSocketClose",
    "WebSocketDisconnect",
    "WebSocketState",
)

_NOT_CONNECTED = 'WebSocket is not connected. Need to call "accept" first.'
_BAD_MODE = 'The "mode" argument should be "text" or "binary".'


class WebSocketState(enum.Enum):
    """Where one side of a WebSocket connection stands."""

    CONNECTING = 0
    CONNECTED = 1
    DISCONNECTED = 2
    RESPONSE = 3


class WebSocketDisconnect(Exception):  # noqa: N818 - Starlette's and FastAPI's name, kept for drop-in compatibility
    """The peer closed the connection: raised by the ``receive_*`` methods and by the test client.

    Args:
        code: The WebSocket close code (1000 is a normal closure).
        reason: The reason the peer gave, ``""`` when none.
    """

    def __new__(cls, *args: Any, **kwargs: Any) -> WebSocketDisconnect:
        """Once Starlette is loaded, an instance of a class deriving from Starlette's ``WebSocketDisconnect`` too.

        Code written for FastAPI catches ``starlette.websockets.WebSocketDisconnect`` (FastAPI re-exports it), and
        ``except`` tests the exception's real type: the type itself derives from both (made once, on first use).
        """
        from zephyr._interop.starlette import starlette_twin

        return super().__new__(starlette_twin(cls), *args, **kwargs)

    def __init__(self, code: int = 1000, reason: str | None = None) -> None:
        self.code = code
        self.reason = reason or ""

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(code={self.code!r}, reason={self.reason!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        # Named by the class this module defines: its Starlette-derived twin has no importable name.
        return (WebSocketDisconnect, (self.code, self.reason), self.__dict__ or None)


class WebSocket(HTTPConnection[StateT]):
    """A WebSocket connection: accept it, exchange text, bytes or JSON messages, close it.

    Example:
        ```python
        async def app(scope, receive, send):
            websocket = WebSocket(scope, receive=receive, send=send)
            await websocket.accept(subprotocol="chat")
            data = await websocket.receive_json()
            await websocket.send_json({"got": data})
            await websocket.close()
        ```

    Args:
        scope: The ASGI scope, of type ``"websocket"``.
        receive: The ASGI receive callable.
        send: The ASGI send callable.

    Raises:
        ValueError: When the scope is not a WebSocket scope.
    """

    __slots__ = ("_receive", "_send", "application_state", "client_state")

    def __init__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "websocket":
            raise ValueError(f"WebSocket needs a 'websocket' scope, got type {scope['type']!r}; use Request for HTTP.")
        super().__init__(scope)
        self._receive = receive
        self._send = send
        self.client_state = WebSocketState.CONNECTING
        """What the client did: connected (``websocket.connect`` received) or disconnected."""
        self.application_state = WebSocketState.CONNECTING
        """What the application did: accepted, answered with a denial response, or closed."""

    async def receive(self) -> Message:
        """Receive the next ASGI message, checking it fits the connection's state.

        Returns:
            The message: ``websocket.connect`` first, then ``websocket.receive`` or ``websocket.disconnect``.

        Raises:
            RuntimeError: When the message is out of order, or a disconnect was already received.
        """
        if self.client_state is WebSocketState.CONNECTING:
            message = await self._receive()
            message_type = message["type"]
            if message_type != "websocket.connect":
                raise RuntimeError(f'Expected ASGI message "websocket.connect", but got {message_type!r}')
            self.client_state = WebSocketState.CONNECTED
            return message
        if self.client_state is WebSocketState.CONNECTED:
            message = await self._receive()
            message_type = message["type"]
            if message_type == "websocket.disconnect":
                self.client_state = WebSocketState.DISCONNECTED
            elif message_type != "websocket.receive":
                raise RuntimeError(
                    f'Expected ASGI message "websocket.receive" or "websocket.disconnect", but got {message_type!r}'
                )
            return message
        raise RuntimeError('Cannot call "receive" once a disconnect message has been received.')

    async def send(self, message: Message) -> None:
        """Send an ASGI message, checking it fits the connection's state.

        Args:
            message: A ``websocket.accept``, ``websocket.send``, ``websocket.close`` or denial-response message.

        Raises:
            RuntimeError: When the message is out of order, or the connection was already closed.
            WebSocketDisconnect: With code 1006 when the server reports the client gone (an ``OSError``).
        """
        state = self.application_state
        message_type = message["type"]
        if state is WebSocketState.CONNECTING:
            if message_type == "websocket.accept":
                self.application_state = WebSocketState.CONNECTED
            elif message_type == "websocket.close":
                self.application_state = WebSocketState.DISCONNECTED
            elif message_type == "websocket.http.response.start":
                self.application_state = WebSocketState.RESPONSE
            else:
                raise RuntimeError(
                    'Expected ASGI message "websocket.accept", "websocket.close" or "websocket.http.response.start", '
                    f"but got {message_type!r}"
                )
            await self._send(message)
        elif state is WebSocketState.CONNECTED:
            if message_type == "websocket.close":
                self.application_state = WebSocketState.DISCONNECTED
            elif message_type != "websocket.send":
                raise RuntimeError(
                    f'Expected ASGI message "websocket.send" or "websocket.close", but got {message_type!r}'
                )
            try:
                await self._send(message)
            except OSError:
                self.application_state = WebSocketState.DISCONNECTED
                raise WebSocketDisconnect(code=1006) from None
        elif state is WebSocketState.RESPONSE:
            if message_type != "websocket.http.response.body":
                raise RuntimeError(f'Expected ASGI message "websocket.http.response.body", but got {message_type!r}')
            if not message.get("more_body", False):
                self.application_state = WebSocketState.DISCONNECTED
            await self._send(message)
        else:
            raise RuntimeError('Cannot call "send" once a close message has been sent.')

    async def accept(
        self, subprotocol: str | None = None, headers: Iterable[tuple[bytes, bytes]] | None = None
    ) -> None:
        """Accept the connection, first waiting for the client's ``websocket.connect`` if needed.

        Args:
            subprotocol: The subprotocol chosen among ``scope["subprotocols"]``, if any.
            headers: Extra response headers for the handshake, as ``(name, value)`` byte pairs.
        """
        if self.client_state is WebSocketState.CONNECTING:
            await self.receive()
        await self.send({"type": "websocket.accept", "subprotocol": subprotocol, "headers": list(headers or ())})

    async def _receive_data(self) -> Message:
        if self.application_state is not WebSocketState.CONNECTED:
            raise RuntimeError(_NOT_CONNECTED)
        message = await self.receive()
        if message["type"] == "websocket.disconnect":
            raise WebSocketDisconnect(message.get("code", 1000), message.get("reason"))
        return message

    async def receive_text(self) -> str:
        """Receive the next text message.

        Returns:
            The text.

        Raises:
            WebSocketDisconnect: When the client disconnected.
            RuntimeError: When the connection was not accepted.
        """
        message = await self._receive_data()
        return cast("str", message["text"])

    async def receive_bytes(self) -> bytes:
        """Receive the next binary message.

        Returns:
            The bytes.

        Raises:
            WebSocketDisconnect: When the client disconnected.
            RuntimeError: When the connection was not accepted.
        """
        message = await self._receive_data()
        return cast("bytes", message["bytes"])

    async def receive_json(self, mode: Literal["text", "binary"] = "text") -> Any:
        """Receive the next message and decode it as JSON.

        Args:
            mode: ``"text"`` to read a text message, ``"binary"`` to read a UTF-8 binary one.

        Returns:
            The decoded value.

        A frame of the other kind is decoded too (JSON is UTF-8 either way), where Starlette raises ``KeyError``:
        what a client sends must not crash the endpoint with an error it cannot expect.

        Raises:
            WebSocketDisconnect: When the client disconnected.
            RuntimeError: When the connection was not accepted, or ``mode`` is neither ``"text"`` nor ``"binary"``.
            ValueError: The message is not JSON (``json.JSONDecodeError``, also raised when it is nested too deeply
                to decode) or a binary message is not UTF-8 (``UnicodeDecodeError``).
        """
        if mode not in ("text", "binary"):
            raise RuntimeError(_BAD_MODE)
        message = await self._receive_data()
        text = message.get("text") if mode == "text" else None
        if text is None:
            data = message.get("bytes")
            text = data.decode("utf-8") if data is not None else message.get("text") or ""
        try:
            return json.loads(text)
        except RecursionError:
            raise json.JSONDecodeError("JSON message nested too deeply to decode", text, 0) from None

    async def iter_text(self) -> AsyncIterator[str]:
        """Yield text messages until the client disconnects."""
        try:
            while True:
                yield await self.receive_text()
        except WebSocketDisconnect:
            pass

    async def iter_bytes(self) -> AsyncIterator[bytes]:
        """Yield binary messages until the client disconnects."""
        try:
            while True:
                yield await self.receive_bytes()
        except WebSocketDisconnect:
            pass

    async def iter_json(self) -> AsyncIterator[Any]:
        """Yield JSON-decoded text messages until the client disconnects."""
        try:
            while True:
                yield await self.receive_json()
        except WebSocketDisconnect:
            pass

    async def send_text(self, data: str) -> None:
        """Send a text message.

        Args:
            data: The text.
        """
        await self.send({"type": "websocket.send", "text": data})

    async def send_bytes(self, data: bytes) -> None:
        """Send a binary message.

        Args:
            data: The bytes.
        """
        await self.send({"type": "websocket.send", "bytes": data})

    async def send_json(self, data: Any, mode: Literal["text", "binary"] = "text") -> None:
        """Send ``data`` encoded as compact JSON (non-ASCII characters kept as they are).

        Strings holding lone surrogates (what ``receive_json`` returns for a client's lone surrogate escape) cannot
        be UTF-8 encoded; the message is then sent with non-ASCII characters escaped, which JSON decoders read back
        as the same value.

        Args:
            data: A JSON-serializable value.
            mode: ``"text"`` for a text message, ``"binary"`` for a UTF-8 binary one.

        Raises:
            RuntimeError: When ``mode`` is neither ``"text"`` nor ``"binary"``.
        """
        if mode not in ("text", "binary"):
            raise RuntimeError(_BAD_MODE)
        text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
        encoded: bytes | None = None
        if not text.isascii():  # isascii() is O(1); only non-ASCII text may hold a lone surrogate
            try:
                encoded = text.encode("utf-8")
            except UnicodeEncodeError:  # a lone surrogate (from a client's "\ud800" escape): send it escaped
                text = json.dumps(data, separators=(",", ":"))
        if mode == "text":
            await self.send({"type": "websocket.send", "text": text})
        else:
            await self.send({"type": "websocket.send", "bytes": encoded or text.encode("utf-8")})

    async def close(self, code: int = 1000, reason: str | None = None) -> None:
        """Close the connection (before accepting, this rejects it; servers answer 403).

        Args:
            code: The close code.
            reason: A short reason sent with the close frame.
        """
        await self.send({"type": "websocket.close", "code": code, "reason": reason or ""})

    async def send_denial_response(self, response: ASGIApp) -> None:
        """Reject the connection with an HTTP response instead of accepting it.

        Needs the server's ``websocket.http.response`` extension (the test client and uvicorn have it).

        Args:
            response: A ``Response`` (any ASGI app sending ``http.response.*`` or ``websocket.http.response.*``).

        Raises:
            RuntimeError: When the server does not support the denial-response extension.
        """
        if "websocket.http.response" not in self.scope.get("extensions", {}):
            raise RuntimeError("The server doesn't support the Websocket Denial Response extension.")
        await response(self.scope, self.receive, self._send_denial)

    async def _send_denial(self, message: Message) -> None:
        # A plain HTTP response sends "http.response.*"; the extension's messages carry a "websocket." prefix.
        if message["type"].startswith("http."):
            message = {**message, "type": "websocket." + message["type"]}
        await self.send(message)


class WebSocketClose:
    """An ASGI app that closes the WebSocket (or rejects it, before it is accepted).

    Args:
        code: The close code.
        reason: A short reason sent with the close frame.
    """

    __slots__ = ("code", "reason")

    def __init__(self, code: int = 1000, reason: str | None = None) -> None:
        self.code = code
        self.reason = reason or ""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Send the ``websocket.close`` message."""
        await send({"type": "websocket.close", "code": self.code, "reason": self.reason})
