"""Zephyr's own HTTP/1.1 protocol for uvicorn: the guarded httptools protocol with a leaner request cycle.

``zephyr run --http zephyr`` (or ``uvicorn.run(app, http="zephyr._protocol:ZephyrHttpProtocol")``) plugs it in.
uvicorn's ``Server`` still owns the sockets, workers, lifespan, signals, graceful shutdown, ``limit_concurrency``
and the WebSocket upgrade; this class parses with httptools, as uvicorn's ``HttpToolsProtocol`` (its base, through
:class:`~zephyr._server.GuardedHttpToolsProtocol`, whose head deadline and head bound it keeps), and changes only
what each request costs:

- **The app starts once the body is in.** A request whose body arrived with its head (every ``GET``, and a small
  ``POST``) starts when httptools reports the message complete: ``receive`` then hands the whole body over without
  waiting. A body still streaming when the bytes at hand are parsed (a large or slow upload, ``Expect:
  100-continue``) starts the app at once, as uvicorn does, and ``receive`` streams it with ``more_body``.
- **A lean cycle**: no ``asyncio.Event`` per request (a future is made only when ``receive`` must wait), the
  response head built with one ``join``, the server's default headers (``date``, ``server``) joined once a second
  instead of per response, header names and values checked once per distinct pair (a bounded memo).
- **Zephyr's direct response**: while the app is a ``Zephyr`` whose stack is its own error boundary (no user
  middleware, telemetry or instrumentation), requests enter the boundary as Granian's RSGI path does
  (:mod:`zephyr._rsgi`), a body that came whole with its head is handed to the route without a ``receive``
  (``take_body``), and a route's JSON answer is written as one prepared block (``respond_json``) instead of two ASGI
  messages (see :mod:`zephyr._compile.direct`).

What goes on the wire is what uvicorn's httptools protocol sends for the same app (status line, header order,
``content-length`` or chunked framing, ``connection: close``, ``HEAD``, 204/304, 400 on a malformed request, 500 on
an app error, logged with uvicorn's messages), which ``tests/test__protocol.py`` checks byte for byte.

Why not run the app inline, without a task: anyio (cancel scopes, ``to_thread``, which Zephyr uses for sync
endpoints, ``yield`` dependencies and body deadlines) needs ``asyncio.current_task()``; a coroutine stepped
outside a task has none, and moving it into a task after its first step would leave anyio's state on the wrong
task. A task per request costs about 1.5 µs; the rest of uvicorn's per-request cost is what this class removes.

This module imports uvicorn; it is loaded by uvicorn from the ``http`` setting, never by ``import zephyr``.
"""

from __future__ import annotations

import asyncio
import contextvars
import copy
import sys
import urllib.parse
from collections import deque
from collections.abc import Awaitable
from typing import Any, Final

import httptools
from uvicorn.logging import TRACE_LOG_LEVEL
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware
from uvicorn.protocols.http.flow_control import HIGH_WATER_LIMIT, service_unavailable
from uvicorn.protocols.http.httptools_impl import HEADER_RE, HEADER_VALUE_RE, STATUS_LINE, HttpToolsProtocol
from uvicorn.protocols.utils import get_client_addr, get_path_with_query_string

from zephyr import _server
from zephyr._compile.direct import DIRECT_RESPONSE
from zephyr._heap import freeze_startup_heap
from zephyr._server import MAX_HEAD_BYTES, REFUSE_408, REFUSE_431

__all__ = ("ZephyrHttpProtocol",)

_EAGER: Final = sys.version_info >= (3, 12)
"""Start each request's task eagerly (``asyncio.Task(..., eager_start=True)``, new in Python 3.12)."""
_TASK: Any = asyncio.Task  # typed loosely: the stubs of Python 3.10 and 3.11 lack eager_start
_CONTINUE: Final = b"HTTP/1.1 100 Continue\r\n\r\n"
_CLOSE: Final = b"connection: close\r\n"
_CHUNKED: Final = b"transfer-encoding: chunked\r\n"
_JSON_HEAD: Final = b"\r\ncontent-type: application/json\r\n"
_LAST_CHUNK: Final = b"0\r\n\r\n"
_NO_BODY: Final = (204, 304)
_VALID_SIZE: Final = 1024
_VALID: set[tuple[bytes, bytes]] = set()
# Header pairs already checked against uvicorn's name and value patterns: apps send the same few again and again.
# Bounded (emptied when full), and holding only bytes.

_500: Final = (
    {
        "type": "http.response.start",
        "status": 500,
        "headers": [
            (b"content-type", b"text/plain; charset=utf-8"),
            (b"content-length", b"21"),
            (b"connection", b"close"),
        ],
    },
    {"type": "http.response.body", "body": b"Internal Server Error", "more_body": False},
)


def _check(name: bytes, value: bytes) -> None:
    if (name, value) in _VALID:
        return
    if HEADER_RE.search(name):
        raise RuntimeError("Invalid HTTP header name.")
    if HEADER_VALUE_RE.search(value):
        raise RuntimeError("Invalid HTTP header value.")
    if len(_VALID) >= _VALID_SIZE:
        _VALID.clear()
    _VALID.add((name, value))


class _Cycle:
    """One request and its response: the ``receive`` and ``send`` the app is given."""

    __slots__ = (
        "access_log",
        "body",
        "chunked",
        "delivered",
        "disconnected",
        "expected",
        "held",
        "keep_alive",
        "more_body",
        "protocol",
        "response_complete",
        "response_started",
        "running",
        "scope",
        "task",
        "transport",
        "waiters",
        "waiting_for_100_continue",
    )

    def __init__(self, protocol: ZephyrHttpProtocol, scope: dict[str, Any], keep_alive: bool, expect: bool) -> None:
        self.protocol = protocol
        self.transport = protocol.transport
        self.access_log = protocol.access_log
        self.scope = scope
        self.keep_alive = keep_alive
        self.waiting_for_100_continue = expect
        self.disconnected = False
        self.body: bytes | bytearray = b""
        self.more_body = True
        self.delivered = False  # the last body message (more_body False) went to the app
        self.waiters: list[asyncio.Future[None]] | None = None
        self.response_started = False
        self.response_complete = False
        self.chunked: bool | None = None
        self.expected = 0
        self.held: bytes | None = None  # a response head waiting for its body (see send)
        self.running = True  # cleared when the app returns: a late completion starts nothing
        self.task: asyncio.Task[None] | None = None

    # -- the server side --------------------------------------------------------------------------------------

    def add_body(self, chunk: bytes) -> int:
        """Buffer a piece of the request body; return how much is buffered."""
        body = self.body
        if not body:
            self.body = chunk
        elif type(body) is bytearray:
            body += chunk
        else:
            self.body = bytearray(body) + chunk
        self.wake()
        return len(self.body)

    def wake(self) -> None:
        """Wake whatever ``receive`` waits (more body, the end of it, a disconnect or the response's end)."""
        waiters = self.waiters
        if waiters is not None:
            self.waiters = None
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_result(None)

    def started(self) -> bool:
        """Whether the response started (the error boundary asks, instead of wrapping ``send``)."""
        return self.response_started

    async def run(self, app: Any) -> None:
        """Run the app for this request, answering and logging failures as uvicorn does."""
        try:
            result = await app(self.scope, self.receive, self.send)
        except BaseException as exc:
            logger = self.protocol.logger
            logger.error("Exception in ASGI application\n", exc_info=exc)
            if not self.response_started:
                await self._send_500()
            else:
                self.flush()
                self.transport.close()
        else:
            logger = self.protocol.logger
            if result is not None:
                logger.error("ASGI callable should return None, but returned '%s'.", result)
                self.flush()
                self.transport.close()
            elif not self.response_started and not self.disconnected:
                logger.error("ASGI callable returned without starting response.")
                await self._send_500()
            elif not self.response_complete and not self.disconnected:
                logger.error("ASGI callable returned without completing response.")
                self.flush()
                self.transport.close()
        finally:
            self.running = False
            self.protocol.tasks.discard(self.task)
            # The scope and the cycle refer to each other on the direct path (see _Direct): left so, every request
            # would be a reference cycle for the collector, whose full passes then stall the server (p99 up from 4 ms
            # to 30 ms).
            self.scope.pop(DIRECT_RESPONSE, None)

    def flush(self) -> None:
        """Write the response head held back for the first body message (the app has not sent one yet)."""
        held = self.held
        if held is not None:
            self.held = None
            if not self.disconnected:
                self.transport.write(held)

    def _gone(self) -> bool:
        return self.disconnected or self.response_complete

    async def _send_500(self) -> None:
        await self.send(_500[0])
        await self.send(_500[1])

    # -- ASGI --------------------------------------------------------------------------------------------------

    def take_body(self) -> bytes | None:
        """The whole body, when it is all in and nothing of it was received yet (see ``zephyr._compile.direct``).

        What ``receive`` would hand over in its one ``http.request`` message, taken as that message would be; ``None``
        (and nothing changed) while the body is still streaming, after a first ``receive``, or once the client or the
        response is gone, or while the client waits for ``100 Continue`` (which ``receive`` sends), for ``receive`` to
        answer as it does.
        """
        if (
            self.more_body
            or self.delivered
            or self.waiting_for_100_continue
            or self.disconnected
            or self.response_complete
        ):
            return None
        self.protocol.flow.resume_reading()
        body = self.body
        self.body = b""
        self.delivered = True
        return body if type(body) is bytes else bytes(body)

    async def receive(self) -> dict[str, Any]:
        """The next ``http.request`` message, or ``http.disconnect`` once the client or the response is gone."""
        if self.waiting_for_100_continue and not self.transport.is_closing():
            self.transport.write(_CONTINUE)
            self.waiting_for_100_continue = False
        if self.disconnected or self.response_complete:
            return {"type": "http.disconnect"}
        self.protocol.flow.resume_reading()
        if not self.body and (self.more_body or self.delivered):
            waiter: asyncio.Future[None] = self.protocol.loop.create_future()
            if self.waiters is None:
                self.waiters = [waiter]
            else:
                self.waiters.append(waiter)
            await waiter
            if self._gone():
                return {"type": "http.disconnect"}
        body = self.body
        self.body = b""
        more = self.more_body
        if not more:
            self.delivered = True
        return {"type": "http.request", "body": body if type(body) is bytes else bytes(body), "more_body": more}

    async def send(self, message: Any) -> None:
        """Write one ASGI message (``http.response.start`` or ``.body``) to the client."""
        flow = self.protocol.flow
        if flow.write_paused and not self.disconnected:
            await flow.drain()
        if self.disconnected:
            return
        if not self.response_started:
            if message["type"] != "http.response.start":
                raise RuntimeError(f"Expected ASGI message 'http.response.start', but got '{message['type']}'.")
            # Held until the first body message, to leave with it in one write: an app sends both in one go as a
            # rule; if it waits instead, the head goes on the loop's next turn.
            self.held = self._head(message["status"], message.get("headers", ()))
            self.protocol.loop.call_soon(self.flush)
        elif not self.response_complete:
            if message["type"] != "http.response.body":
                raise RuntimeError(f"Expected ASGI message 'http.response.body', but got '{message['type']}'.")
            more = message.get("more_body", False)
            data = self._body(message.get("body", b""), more)
            held = self.held
            if held is not None:
                self.held = None
                data = held + data
            if data:
                self.transport.write(data)
            if not more:
                self._complete()
        else:
            raise RuntimeError(f"Unexpected ASGI message '{message['type']}' sent, after response already completed.")

    def respond_json(self, status: int, body: bytes, sized: bool, head: bool, extra: Any) -> None:
        """Write a whole JSON response at once: what the route's start and body messages would write.

        Args:
            status: The status code.
            body: The JSON body (empty for a status without a body).
            sized: Whether to send ``Content-Length`` (a status that has a body).
            head: A ``HEAD`` request: the length is sent, the body is not.
            extra: More response headers (``(bytes, bytes)`` pairs), or ``None``.
        """
        if self.response_started:
            raise RuntimeError("Expected ASGI message 'http.response.body', but got 'http.response.start'.")
        if self.disconnected:
            return
        if extra or not sized or status not in STATUS_LINE:
            # The general case, exactly as the two messages would go.
            headers = [(b"content-length", b"%d" % len(body)), (b"content-type", b"application/json")]
            if not sized:
                del headers[0]
            if extra:
                headers.extend(extra)
            data = self._head(status, headers) + self._body(b"" if head else body, False)
        else:
            self.response_started = True
            self.waiting_for_100_continue = False
            if self.access_log:
                self._log(status)
            data = b"".join(
                (
                    STATUS_LINE[status],
                    self.protocol.default_head(),
                    b"content-length: %d" % len(body),
                    _JSON_HEAD,
                    b"" if self.keep_alive else _CLOSE,
                    b"\r\n",
                    b"" if head else body,
                )
            )
        self.transport.write(data)
        self._complete()

    # -- framing -----------------------------------------------------------------------------------------------

    def _log(self, status: int) -> None:
        scope = self.scope
        self.protocol.access_logger.info(
            '%s - "%s %s HTTP/%s" %d',
            get_client_addr(scope),  # type: ignore[arg-type]
            scope["method"],
            get_path_with_query_string(scope),  # type: ignore[arg-type]
            scope["http_version"],
            status,
        )

    def _head(self, status: int, headers: Any) -> bytes:
        self.response_started = True
        self.waiting_for_100_continue = False
        if self.access_log:
            self._log(status)
        parts = [STATUS_LINE[status], self.protocol.default_head()]
        closing = False
        for name, value in headers:
            _check(name, value)
            name = name.lower()
            if name == b"content-length" and self.chunked is None:
                self.expected = int(value.decode())
                self.chunked = False
            elif name == b"transfer-encoding" and value.lower() == b"chunked":
                self.expected = 0
                self.chunked = True
            elif name == b"connection" and b"close" in [token.lower().strip() for token in value.split(b",")]:
                self.keep_alive = False
                closing = True
            parts += (name, b": ", value, b"\r\n")
        if not self.keep_alive and not closing:
            parts.append(_CLOSE)
        if self.chunked is None and self.scope["method"] != "HEAD" and status not in _NO_BODY:
            self.chunked = True
            parts.append(_CHUNKED)
        parts.append(b"\r\n")
        return b"".join(parts)

    def _body(self, body: bytes, more: bool) -> bytes:
        if self.scope["method"] == "HEAD":
            self.expected = 0
            return b""
        if self.chunked:
            if body:
                data = b"%x\r\n%b\r\n" % (len(body), body)
                return data if more else data + _LAST_CHUNK
            return b"" if more else _LAST_CHUNK
        size = len(body)
        if size > self.expected:
            raise RuntimeError("Response content longer than Content-Length")
        self.expected -= size
        if not more and self.expected != 0:
            raise RuntimeError("Response content shorter than Content-Length")
        return body

    def _complete(self) -> None:
        self.response_complete = True
        if self.waiters is not None:
            self.wake()
        if not self.keep_alive:
            self.transport.close()
        if self.running:
            self.protocol.on_response_complete()


class _Direct:
    """A ``Zephyr`` app entered past its ``__call__`` and its error boundary's ``send`` wrapper (see :mod:`._rsgi`).

    While the app's stack is its own :class:`~zephyr._errors.ErrorBoundary`, a request does what ``Zephyr.__call__``
    does, then goes to the boundary with the cycle's ``send`` and the cycle as the direct-response target; a
    refused head, or a stack with anything else in it, goes through ``Zephyr.__call__`` as usual.
    """

    __slots__ = ("app", "boundary_type", "check_head")

    def __init__(self, app: Any) -> None:
        from zephyr._errors import ErrorBoundary
        from zephyr._limits import check_head

        self.app = app
        self.boundary_type = ErrorBoundary
        self.check_head = check_head

    def __call__(self, scope: Any, receive: Any, send: Any) -> Awaitable[None]:
        # Not a coroutine: it returns the one to await (a frame less per request); the cycle takes the direct
        # response out of the scope once the request is served (see _Cycle.run).
        app = self.app
        boundary = app.middleware_stack
        if (
            scope["type"] == "http"
            and type(boundary) is self.boundary_type
            and self.check_head(scope["headers"], app.max_headers, app.max_header_bytes) is None
        ):
            cycle = scope[DIRECT_RESPONSE] = send.__self__
            scope["app"] = app
            if app.root_path:
                scope["root_path"] = app.root_path
            return boundary.serve_tracked(scope, receive, send, cycle.started)
        return app(scope, receive, send)  # type: ignore[no-any-return]


def _apps(loaded: Any) -> tuple[Any, Any]:
    """The app for requests with ``X-Forwarded-*`` headers, and the one for requests without.

    uvicorn wraps the app in its ``ProxyHeadersMiddleware`` (``proxy_headers``, on by default), which changes nothing
    in a request without ``X-Forwarded-For`` or ``X-Forwarded-Proto``: those skip it. A ``Zephyr`` app (its class
    keeping ``Zephyr.__call__``) is entered through :class:`_Direct`.
    """
    proxied = type(loaded) is ProxyHeadersMiddleware
    inner = loaded.app if proxied else loaded
    zephyr = sys.modules.get("zephyr.applications")
    if zephyr is not None and isinstance(inner, zephyr.Zephyr) and type(inner).__call__ is zephyr.Zephyr.__call__:
        inner = _Direct(inner)
        if proxied:
            loaded = copy.copy(loaded)  # the same trusted hosts, around the direct entry
            loaded.app = inner
        else:
            loaded = inner
    return loaded, inner


class ZephyrHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with Zephyr's server guards, a lean request cycle and direct JSON responses.

    The guards are :mod:`zephyr._server`'s (the same deadline and head bound, the same 408 and 431), kept with uvicorn's
    keep-alive timeout on one timer per connection that is re-armed lazily (a busy connection renews it once per
    timeout instead of arming and cancelling two timers per request).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.app, self.plain_app = _apps(self.app)
        self.asgi = {"version": self.asgi_version, "spec_version": "2.3"}
        self.reset_contextvars = getattr(self.config, "reset_contextvars", False)
        self.pending: tuple[_Cycle, Any] | None = None  # a request waiting for its body before it starts
        self.pipeline: deque[tuple[_Cycle, Any]] = deque()  # type: ignore[assignment]
        self.forwarded = False
        self._defaults_of: Any = None
        self._defaults = b""
        # The guards: waiting for a head since ``idle_at`` (``served``: after a response, when the keep-alive
        # timeout applies too), ``seen`` bytes of it, ``head_size`` of them; one timer, due at ``timer_at``.
        self.idle = True
        self.in_head = self.in_message = False  # the parser is in a head; in a message (head or body)
        self.idle_at = 0.0
        self.served = False
        self.seen = False
        self.head_size = 0
        self.refused = False
        self.timer: asyncio.TimerHandle | None = None
        self.timer_at = 0.0
        self.head_timeout = _server.HEAD_TIMEOUT
        self.idle_limit = min(float(self.timeout_keep_alive), self.head_timeout)

    def default_head(self) -> bytes:
        """The server's default headers (``date``, ``server``), joined once per change (uvicorn renews ``date``)."""
        headers = self.server_state.default_headers
        if headers is not self._defaults_of:
            self._defaults_of = headers
            self._defaults = b"".join(b"%b: %b\r\n" % pair for pair in headers)
        return self._defaults

    # -- connection --------------------------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        freeze_startup_heap()  # the server is up: the start-up heap leaves full collections (see zephyr._heap)
        super().connection_made(transport)
        self._wait_for_head(self.head_timeout)

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError:
            msg = "Invalid HTTP request received."
            self.logger.warning(msg)
            self.send_400_response(msg)
            return
        except httptools.HttpParserUpgrade:
            if self._should_upgrade():
                self.handle_websocket_upgrade()
            else:
                self._unsupported_upgrade_warning()
            return
        if self.in_head:  # a head begun, not complete: llhttp buffers a header line until it ends, so bound it here
            self.seen = True
            self.head_size += len(data)
            if self.head_size > MAX_HEAD_BYTES and not self.refused:
                self.refused = True
                self.transport.write(REFUSE_431)
                self.transport.close()
                return
        pending = self.pending
        if pending is not None:  # the head is in, the body still streaming: start now, receive streams it
            self.pending = None
            if not self.transport.is_closing():
                self._start(*pending)

    def send_400_response(self, msg: str) -> None:
        cycle: Any = self.cycle
        if cycle is not None:
            cycle.flush()  # a response under way keeps its place before the 400
        super().send_400_response(msg)

    def handle_websocket_upgrade(self) -> None:
        self._stop_timer()  # the connection is the WebSocket protocol's now, with its own timeouts
        super().handle_websocket_upgrade()

    def _stop_timer(self) -> None:
        self.idle = False
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None

    def connection_lost(self, exc: Exception | None) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        self.connections.discard(self)
        if self.logger.level <= TRACE_LOG_LEVEL:
            prefix = "{}:{} - ".format(*self.client) if self.client else ""
            self.logger.log(TRACE_LOG_LEVEL, "%sHTTP connection lost", prefix)
        cycle: Any = self.cycle
        if cycle is not None:
            if not cycle.response_complete:
                cycle.disconnected = True
            cycle.wake()
        if self.flow is not None:
            self.flow.resume_writing()
        if exc is None:
            self.transport.close()
        self.parser = None  # type: ignore[assignment]

    # -- the guards and the keep-alive timeout -----------------------------------------------------------------

    def _wait_for_head(self, limit: float) -> None:
        self.idle = True
        self.seen = False
        now = self.idle_at = self.loop.time()
        due = now + limit
        timer = self.timer
        if timer is not None:
            if self.timer_at <= due:
                return  # it fires first and re-arms for what is left
            timer.cancel()
        self.timer_at = due
        self.timer = self.loop.call_at(due, self._on_timer)

    def _on_timer(self) -> None:
        self.timer = None
        if not self.idle or self.transport.is_closing():
            return  # a request is being served: its response arms the timer again
        if self.seen:
            due = self.idle_at + self.head_timeout
        else:
            due = self.idle_at + (self.idle_limit if self.served else self.head_timeout)
        if self.loop.time() < due:
            self.timer_at = due
            self.timer = self.loop.call_at(due, self._on_timer)
            return
        if self.seen:
            self.transport.write(REFUSE_408)  # part of a head came, not all of it
        self.transport.close()

    # -- parser callbacks --------------------------------------------------------------------------------------

    def on_message_begin(self) -> None:
        self.in_head = self.in_message = True
        self.url = b""
        self.expect_100_continue = False
        self.forwarded = False
        self.headers = []
        self.head_size = 0

    def on_header(self, name: bytes, value: bytes) -> None:
        name = name.lower()
        # llhttp keeps trailing whitespace, which RFC 9110 section 5.5 excludes from a field value (as uvicorn strips)
        value = value.rstrip(b" \t")
        if name == b"expect":
            if value.lower() == b"100-continue":
                self.expect_100_continue = True
        elif name == b"x-forwarded-for" or name == b"x-forwarded-proto":
            self.forwarded = True
        self.headers.append((name, value))

    def on_headers_complete(self) -> None:
        parser = self.parser
        version = parser.get_http_version()
        method = parser.get_method().decode("ascii")
        if parser.should_upgrade() and self._should_upgrade():
            # uvicorn's upgrade hands the head over from self.scope: the method and headers are what it reads
            self.scope = {"method": method, "headers": self.headers}  # type: ignore[typeddict-item]
            return
        self.idle = self.in_head = False
        if self.transport.is_closing():
            # An answer closed the connection (``connection: close``, HTTP/1.0) and the same bytes held more requests:
            # they are not served, as uvicorn leaves pipelined requests behind a close unstarted.
            return
        url = self.url
        if url[:1] == b"/" and b"#" not in url:
            raw_path, _, query = url.partition(b"?")
        else:
            parsed = httptools.parse_url(url)
            raw_path, query = parsed.path, parsed.query or b""
        path = raw_path.decode("ascii")
        if "%" in path:
            path = urllib.parse.unquote(path)
        root_path = self.root_path
        scope = {
            "type": "http",
            "asgi": self.asgi,
            "http_version": version,
            "server": self.server,
            "client": self.client,
            "scheme": self.scheme,
            "method": method,
            "root_path": root_path,
            "path": root_path + path if root_path else path,
            "raw_path": root_path.encode("ascii") + raw_path if root_path else raw_path,
            "query_string": query,
            "headers": self.headers,
            "state": self.app_state.copy(),
        }
        self.scope = scope  # type: ignore[assignment]
        limit = self.limit_concurrency
        if limit is not None and (len(self.connections) >= limit or len(self.tasks) >= limit):
            app = service_unavailable
            self.logger.warning("Exceeded concurrency limit.")
        else:
            app = self.app if self.forwarded else self.plain_app
        previous = self.cycle
        keep_alive = version != "1.0" and parser.should_keep_alive()
        cycle = self.cycle = _Cycle(self, scope, keep_alive, self.expect_100_continue)  # type: ignore[assignment]
        if previous is not None and not previous.response_complete:
            self.flow.pause_reading()  # pipelined: it starts when the one in flight has answered
            self.pipeline.appendleft((cycle, app))
        elif self.expect_100_continue:
            self._start(cycle, app)  # the client waits for 100 Continue before it sends the body
        else:
            self.pending = (cycle, app)

    def on_body(self, body: bytes) -> None:
        cycle: Any = self.cycle
        if cycle is None or cycle.response_complete or (self.parser.should_upgrade() and self._should_upgrade()):
            return
        if cycle.add_body(body) > HIGH_WATER_LIMIT:
            self.flow.pause_reading()

    def on_message_complete(self) -> None:
        self.in_message = False
        cycle: Any = self.cycle
        if cycle is None or cycle.response_complete or (self.parser.should_upgrade() and self._should_upgrade()):
            if self.idle and not self.transport.is_closing():
                self._wait_for_head(self.idle_limit)  # the body answered early is in: the next head may come
            return
        cycle.more_body = False
        cycle.wake()
        pending = self.pending
        if pending is not None and pending[0] is cycle:
            self.pending = None
            self._start(cycle, pending[1])

    # -- requests ----------------------------------------------------------------------------------------------

    def _start(self, cycle: _Cycle, app: Any, eager: bool = _EAGER) -> None:
        # uvicorn's reset_contextvars opt-in (https://github.com/python/cpython/issues/140947): the task starts from
        # an empty context instead of a copy of the server's.
        context = contextvars.Context() if self.reset_contextvars else None
        if eager:
            # Python 3.12+: the app runs now, in its own task, up to its first real wait; most requests finish
            # there, without a trip through the event loop.
            task: asyncio.Task[None] = _TASK(cycle.run(app), loop=self.loop, context=context, eager_start=True)
            if task.done():
                return
        elif context is not None:
            task = context.run(self.loop.create_task, cycle.run(app))  # Python 3.10 has no context argument
        else:
            task = self.loop.create_task(cycle.run(app))
        cycle.task = task  # the cycle takes it out of the server's set when the app returns
        self.tasks.add(task)

    def on_response_complete(self) -> None:
        self.server_state.total_requests += 1
        if self.transport.is_closing():
            return
        if self.flow.read_paused:
            self.flow.resume_reading()
        if self.pipeline:
            # Not eager: it would run inside the answered request's send, one level deeper per pipelined request.
            self._start(*self.pipeline.pop(), eager=False)
        else:
            self.served = True
            self._wait_for_head(self.idle_limit)
            # Answered before its body was all in: the rest is still to come, within the head deadline.
            self.seen = self.in_message
