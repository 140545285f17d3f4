"""uvicorn's HTTP protocols with the guards only a server can give: a request-head deadline and a bounded head.

``zephyr run`` serves with these classes (``--http h11`` / ``httptools``), or with :mod:`zephyr._protocol`, Zephyr's
own protocol on httptools, which keeps the same guards (``--http zephyr``; ``auto`` picks it when httptools is
installed, else h11). What they add to uvicorn:

- **Slow or absent request heads are cut off.** uvicorn closes a connection idle *between* requests
  (``timeout_keep_alive``), but waits forever for the first request on a new connection, and for a head sent one
  byte at a time (slow-loris). Here a connection must deliver each complete request head within ``HEAD_TIMEOUT``
  seconds of being opened or of its previous response: otherwise it is answered ``408`` (when part of a head came)
  and closed.
- **Under httptools, a head over ``MAX_HEAD_BYTES`` is refused with 431 as it streams in**, instead of being buffered
  whole (uvicorn's httptools protocol has no bound at all; h11 has ``h11_max_incomplete_event_size``, which
  ``zephyr run`` sets to the same size).

The app checks the same limits again on what reaches it (``Zephyr(max_headers=..., max_header_bytes=...)``), so an
app served by a plain ``uvicorn`` command is protected too, except from the memory a huge head costs the server.

This module imports uvicorn; it is loaded by uvicorn from the ``http`` setting, never by ``import zephyr``.
"""

from __future__ import annotations

import asyncio
import importlib
import os
from typing import Any, Final

from uvicorn.protocols.http.h11_impl import H11Protocol

__all__ = (
    "GuardedH11Protocol",
    "GuardedHttpToolsProtocol",
    "HEAD_TIMEOUT",
    "MAX_HEAD_BYTES",
    "REFUSE_408",
    "REFUSE_431",
    "protocol_for",
)

HEAD_TIMEOUT: Final = float(os.environ.get("ZEPHYR_HEAD_TIMEOUT", "10"))
"""Seconds a connection has to deliver a complete request head (from its opening or its previous response).

``zephyr run --head-timeout`` sets it through the ``ZEPHYR_HEAD_TIMEOUT`` environment variable, which worker
processes inherit.
"""

MAX_HEAD_BYTES: Final = 64 * 1024
"""The largest request head (request line and headers) the server buffers; the app's own limit is lower."""


def _answer(status: bytes, text: bytes) -> bytes:
    return (
        b"HTTP/1.1 " + status + b"\r\ncontent-type: text/plain; charset=utf-8\r\n"
        b"content-length: %d\r\nconnection: close\r\n\r\n" % len(text) + text
    )


REFUSE_408: Final = _answer(b"408 Request Timeout", b"The request head did not arrive in time.")
"""The answer to a connection that sent part of a request head and not the rest in time (then closed)."""
REFUSE_431: Final = _answer(b"431 Request Header Fields Too Large", b"The request head is too large.")
"""The answer to a request head over ``MAX_HEAD_BYTES`` (then closed)."""


class _HeadDeadline:
    """Mixin for uvicorn's protocols: close a connection that does not deliver a request head in time."""

    transport: asyncio.Transport
    loop: asyncio.AbstractEventLoop
    cycle: Any
    _head_timer: asyncio.TimerHandle | None
    _waiting_for: Any
    _bytes_seen: bool

    def _arm(self) -> None:
        self._waiting_for = self.cycle  # the head is complete once the protocol starts a new cycle
        self._bytes_seen = False
        self._head_timer = self.loop.call_later(HEAD_TIMEOUT, self._head_timeout)

    def _disarm(self) -> None:
        timer = self._head_timer
        if timer is not None:
            timer.cancel()
            self._head_timer = None

    def _head_timeout(self) -> None:
        self._head_timer = None
        cycle = self.cycle
        if cycle is not None and not cycle.response_complete:
            return  # a request (a pipelined one) is being served: not waiting for a head
        if not self.transport.is_closing():
            if self._bytes_seen:
                self.transport.write(REFUSE_408)
            self.transport.close()

    def _after_data(self) -> None:
        if self._head_timer is not None:
            if self.cycle is not self._waiting_for:
                self._disarm()
            else:
                self._bytes_seen = True


class GuardedH11Protocol(_HeadDeadline, H11Protocol):
    """uvicorn's h11 protocol with the request-head deadline."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._head_timer = None
        self._arm()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        self._after_data()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._disarm()
        if not self.transport.is_closing():
            self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def handle_websocket_upgrade(self, event: Any) -> None:
        self._disarm()  # the connection is the WebSocket protocol's now: no head is coming
        super().handle_websocket_upgrade(event)


try:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
except ImportError:  # pragma: no cover - httptools is part of uvicorn[standard], which zephyr run requires
    GuardedHttpToolsProtocol: Any = None
else:

    class GuardedHttpToolsProtocol(_HeadDeadline, HttpToolsProtocol):  # type: ignore[no-redef]
        """uvicorn's httptools protocol with the request-head deadline and a bound on the head's size."""

        _head_size = 0
        _refused = False

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._head_timer = None
            self._arm()

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            waiting = self._head_timer is not None and self.cycle is self._waiting_for
            self._after_data()
            if waiting and self._head_timer is not None and not self._refused:
                # Still no complete head: llhttp buffers a header line until it ends, so bound the bytes here.
                self._count(len(data))

        def on_message_begin(self) -> None:
            super().on_message_begin()
            self._head_size = 0

        def _count(self, size: int) -> None:
            self._head_size += size
            if self._head_size > MAX_HEAD_BYTES and not self._refused:
                self._refused = True
                self._disarm()
                self.transport.write(REFUSE_431)
                self.transport.close()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            self._disarm()
            if not self.transport.is_closing():
                self._arm()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

        def handle_websocket_upgrade(self) -> None:
            self._disarm()  # the connection is the WebSocket protocol's now: no head is coming
            super().handle_websocket_upgrade()


def protocol_for(http: str) -> str:
    """The import string of the guarded protocol for ``--http`` (``auto``, ``h11``, ``httptools``, ``zephyr``).

    ``zephyr`` is :class:`zephyr._protocol.ZephyrHttpProtocol`: the httptools protocol's guards with Zephyr's own
    leaner request cycle (it needs httptools). ``auto`` picks it when httptools is installed, else h11;
    ``httptools`` is uvicorn's own httptools protocol with the guards.

    Raises:
        ValueError: An unknown choice, or ``zephyr`` without httptools.
    """
    if http == "h11" or (http == "auto" and GuardedHttpToolsProtocol is None):
        return "zephyr._server:GuardedH11Protocol"
    if http == "httptools":
        return "zephyr._server:GuardedHttpToolsProtocol"
    if http in ("zephyr", "auto"):
        if GuardedHttpToolsProtocol is None:
            raise ValueError("--http zephyr parses with httptools, which is not installed: pip install httptools.")
        if http == "auto" and not _zephyr_protocol_loads():
            return "zephyr._server:GuardedHttpToolsProtocol"
        return "zephyr._protocol:ZephyrHttpProtocol"
    raise ValueError(f"Unknown --http {http!r}; choose auto, h11, httptools or zephyr.")


def _zephyr_protocol_loads() -> bool:
    """Whether Zephyr's protocol imports with this uvicorn (it builds on parts of uvicorn's httptools protocol).

    A uvicorn release that moved those parts makes ``auto`` fall back to uvicorn's own httptools protocol, with the
    same guards, instead of failing to serve; ``--http zephyr`` asked for by name still fails with the import error.
    """
    try:  # loaded by name, as uvicorn will load it: the protocol builds on this module, not the other way round
        importlib.import_module("zephyr._protocol")
    except (ImportError, AttributeError):
        return False
    return True
