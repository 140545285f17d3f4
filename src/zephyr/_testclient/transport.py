"""The httpx transport that answers each request by running the ASGI app in-process.

One request is one ``_HTTPExchange``: the app runs as a task in a blocking portal's event loop; the transport returns
the ``httpx.Response`` as soon as ``http.response.start`` arrives and pulls the body chunk by chunk as the caller reads
it (so endless streams work with ``client.stream(...)``). Closing the response waits for the app to finish, or cancels
it when the body was not read to the end, and then re-raises the app's exception when asked to.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
from collections.abc import Iterable, Iterator
from typing import Any, cast

import anyio
import anyio.abc

from zephyr._testclient.compat import PortalFactory, httpx
from zephyr._testclient.websocket import WebSocketTestSession
from zephyr.types import ASGIApp, Message

__all__ = ("ASGI_VERSION", "TestClientTransport", "Upgrade")

ASGI_VERSION = {"version": "3.0", "spec_version": "2.4"}
_NO_TRAILERS, _TRAILERS_EXPECTED, _TRAILERS_DONE = 0, 1, 2
_DEFAULT_PORTS = {"http": 80, "ws": 80, "https": 443, "wss": 443}


class Upgrade(Exception):  # noqa: N818 - control flow, never seen by users
    """Raised by the transport for ``ws://`` URLs to hand the WebSocket session back to ``websocket_connect``."""

    def __init__(self, session: WebSocketTestSession) -> None:
        super().__init__()
        self.session = session


class TestClientTransport(httpx.BaseTransport):
    """Sends requests to an ASGI app in the same process.

    Args:
        app: The ASGI app.
        portal_factory: Gives the blocking portal whose event loop runs the app.
        raise_server_exceptions: Re-raise the app's exceptions instead of answering 500.
        root_path: The ``root_path`` put in every scope.
        app_state: The lifespan state; each request's ``scope["state"]`` is a shallow copy of it.
        client: The ``(host, port)`` put in ``scope["client"]``.
    """

    __test__ = False

    def __init__(
        self,
        app: ASGIApp,
        portal_factory: PortalFactory,
        *,
        raise_server_exceptions: bool,
        root_path: str,
        app_state: dict[str, Any],
        client: tuple[str, int],
    ) -> None:
        self.app = app
        self.portal_factory = portal_factory
        self.raise_server_exceptions = raise_server_exceptions
        self.root_path = root_path
        self.app_state = app_state
        self.client = client
        self._open: set[_HTTPExchange] = set()

    def close(self) -> None:
        """Cancel the apps of responses that were never closed, and release their portals."""
        with contextlib.ExitStack() as stack:
            while self._open:
                stack.callback(self._open.pop().abort)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Run ``request`` through the app.

        Args:
            request: The request built by the client.

        Returns:
            The response, its body streamed from the app as it is read.

        Raises:
            Upgrade: For ``ws://`` and ``wss://`` URLs, carrying a ``WebSocketTestSession`` not yet entered.
        """
        url = request.url
        scheme = url.scheme
        port = url.port or _DEFAULT_PORTS.get(scheme, 80)
        headers = [(name.lower(), value) for name, value in request.headers.raw]
        if "host" not in request.headers:
            headers.insert(0, (b"host", url.netloc))
        scope: dict[str, Any] = {
            "type": "http",
            "asgi": ASGI_VERSION,
            "http_version": "1.1",
            "method": request.method,
            "scheme": scheme,
            "path": url.path,
            "raw_path": url.raw_path.partition(b"?")[0],
            "root_path": self.root_path,
            "query_string": url.query,
            "headers": headers,
            "client": self.client,
            "server": (url.host, port),
            "state": self.app_state.copy(),
            "extensions": {"http.response.debug": {}, "http.response.trailers": {}},
        }
        if scheme in ("ws", "wss"):
            value = request.headers.get("sec-websocket-protocol")
            scope["type"] = "websocket"
            scope["subprotocols"] = [item.strip() for item in value.split(",")] if value else []
            scope["extensions"] = {"websocket.http.response": {}}
            del scope["method"]
            del scope["http_version"]  # as Starlette's TestClient: a WebSocket scope without the HTTP version
            raise Upgrade(WebSocketTestSession(self.app, scope, self.portal_factory))
        return _HTTPExchange(self, request, scope).run()


class _ResponseStream(httpx.SyncByteStream):
    def __init__(self, exchange: _HTTPExchange) -> None:
        self._exchange = exchange

    def __iter__(self) -> Iterator[bytes]:
        exchange = self._exchange
        skip = exchange.scope["method"] == "HEAD"
        final = False
        while not final:
            chunk, final = exchange.portal.call(exchange.next_chunk)
            if chunk and not skip:
                yield chunk

    def close(self) -> None:
        self._exchange.close()


class _HTTPExchange:
    """One request's run of the app: its ``receive``/``send`` and the hand-over of the body to the reading thread."""

    __slots__ = (
        "_body_rx",
        "_body_tx",
        "_cancel_scope",
        "_closed",
        "_future",
        "_lookahead",
        "_request_chunks",
        "_request_complete",
        "_response_complete",
        "_response_started",
        "_stack",
        "_transport",
        "app",
        "body_complete",
        "debug",
        "headers",
        "portal",
        "request",
        "scope",
        "started",
        "status",
        "trailers",
        "trailers_state",
    )

    def __init__(self, transport: TestClientTransport, request: httpx.Request, scope: dict[str, Any]) -> None:
        self._transport = transport
        self.app = transport.app
        self.request = request
        self.scope = scope
        self._request_chunks = iter(cast("Iterable[bytes]", request.stream))
        self._lookahead: bytes | None = None
        self._request_complete = False
        self._closed = False
        self._stack = contextlib.ExitStack()
        self.started = False
        self.body_complete = False
        self.status = 500
        self.headers: list[tuple[bytes, bytes]] = []
        self.debug: dict[str, Any] | None = None
        self.trailers: list[tuple[bytes, bytes]] = []
        self.trailers_state = _NO_TRAILERS

    def run(self) -> httpx.Response:
        with self._stack as stack:
            self.portal = stack.enter_context(self._transport.portal_factory())
            self._future, self._cancel_scope = self.portal.start_task(self._run_app)
            stack.callback(self._stop_app)
            self.portal.call(self._response_started.wait)
            if self.started:
                self._stack = stack.pop_all()
        if not self.started:
            error = self._future.exception()
            if self._transport.raise_server_exceptions:
                if error is not None:
                    raise error
                raise AssertionError(
                    "TestClient did not receive any response: the app returned without sending "
                    "'http.response.start'. Make it send a response, or pass raise_server_exceptions=False "
                    "to get a 500 answer instead."
                )
            return httpx.Response(500, headers=[], stream=httpx.ByteStream(b""), request=self.request)
        self._transport._open.add(self)
        response = httpx.Response(self.status, headers=self.headers, stream=_ResponseStream(self), request=self.request)
        if self.trailers_state != _NO_TRAILERS:
            # Filled in when the app sends them, after the body; read it once the response is read.
            response.extensions["http.response.trailers"] = self.trailers
        if self.debug is not None:
            response.extensions["http.response.debug"] = self.debug
            # Starlette's TestClient exposes what a template response rendered; tests assert on both.
            if "template" in self.debug:
                response.template = self.debug["template"]  # type: ignore[attr-defined]
            if "context" in self.debug:
                response.context = self.debug["context"]  # type: ignore[attr-defined]
        return response

    def close(self) -> None:
        """Finish after the caller closed the response; re-raise the app's exception when asked to."""
        if self._closed:
            return
        self._closed = True
        self._transport._open.discard(self)
        self._stack.close()
        error = self._future.exception()
        if error is not None and self._transport.raise_server_exceptions:
            raise error

    def abort(self) -> None:
        """Cancel the app and release the portal, raising nothing."""
        if not self._closed:
            self._closed = True
            self.portal.call(self._cancel_scope.cancel)
            self._stack.close()

    def _stop_app(self) -> None:
        if not self._future.done():
            self.portal.call(self._cancel_if_incomplete)
        concurrent.futures.wait([self._future])

    def _cancel_if_incomplete(self) -> None:
        # A response read to the end lets the app finish (its background tasks run); otherwise nobody will read the
        # rest, so the app is cancelled, as a server does when the client goes away.
        if not self._response_complete.is_set():
            self._cancel_scope.cancel()

    async def _run_app(self, *, task_status: anyio.abc.TaskStatus[anyio.CancelScope]) -> None:
        self._response_started = anyio.Event()
        self._response_complete = anyio.Event()
        self._body_tx, self._body_rx = anyio.create_memory_object_stream[tuple[bytes, bool]](0)
        try:
            with anyio.CancelScope() as cancel_scope:
                task_status.started(cancel_scope)
                await self.app(self.scope, self._receive, self._send)
        finally:
            self._body_tx.close()
            self._body_rx.close()
            self._response_started.set()

    async def next_chunk(self) -> tuple[bytes, bool]:
        """Give the next body chunk the app sent, and whether it is the last one."""
        try:
            chunk, final = await self._body_rx.receive()
        except (anyio.EndOfStream, anyio.ClosedResourceError):
            return b"", True  # the app ended (or failed) before completing the body
        if final:
            self._response_complete.set()
        return chunk, final

    async def _receive(self) -> Message:
        if self._request_complete:
            await self._response_complete.wait()
            return {"type": "http.disconnect"}
        chunk = self._lookahead
        if chunk is None:
            chunk = next(self._request_chunks, b"")
        self._lookahead = next(self._request_chunks, None)
        more_body = self._lookahead is not None
        self._request_complete = not more_body
        return {"type": "http.request", "body": bytes(chunk), "more_body": more_body}

    async def _send(self, message: Message) -> None:
        message_type = message["type"]
        if message_type == "http.response.start":
            if self.started:
                raise RuntimeError('Received multiple "http.response.start" messages; send it once per response.')
            self.status = message["status"]
            self.headers = list(message.get("headers", ()))
            if message.get("trailers", False):
                self.trailers_state = _TRAILERS_EXPECTED
            self.started = True
            self._response_started.set()
        elif message_type == "http.response.body":
            if not self.started:
                raise RuntimeError('Received "http.response.body" before "http.response.start"; send the start first.')
            if self.body_complete:
                raise RuntimeError(
                    'Received "http.response.body" after the body was complete (a message without "more_body").'
                )
            more_body = message.get("more_body", False)
            self.body_complete = not more_body
            final = not more_body and self.trailers_state == _NO_TRAILERS
            await self._body_tx.send((bytes(message.get("body", b"")), final))
        elif message_type == "http.response.trailers":
            await self._send_trailers(message)
        elif message_type == "http.response.debug":
            self.debug = message["info"]

    async def _send_trailers(self, message: Message) -> None:
        if self.trailers_state != _TRAILERS_EXPECTED:
            raise RuntimeError(
                'Received "http.response.trailers" without "trailers": True in "http.response.start", '
                "or after the trailers were complete."
            )
        if not self.body_complete:
            raise RuntimeError('Received "http.response.trailers" before the body was complete.')
        self.trailers.extend(message.get("headers", ()))
        if not message.get("more_trailers", False):
            self.trailers_state = _TRAILERS_DONE
            await self._body_tx.send((b"", True))
