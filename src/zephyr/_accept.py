"""The event loop ``zephyr run`` serves on: uvloop, accepting every waiting connection at once (issue 14).

libuv accepts a single connection each time a listening socket is reported ready, and waits for the next loop turn to
be told again (libuv#3696). On a busy server a turn lasts as long as it takes to answer every ready request, so a
burst of new connections (clients without keep-alive, a reconnecting pool, a load balancer opening connections) is
let in one turn at a time: with 64 busy connections at 200 µs a request, the 30th new connection's first request
waits 400 ms. asyncio's own loop accepts up to the listening backlog at once.

:func:`new_event_loop` makes a uvloop loop whose servers do the same: after uvloop has bound and opened the listening
socket (addresses, options and errors exactly as uvloop and the server expect them), :class:`BatchedServer` reads it
itself, accepting up to the backlog on each readiness and handing each connection to ``connect_accepted_socket``,
which makes the same transport (TCP_NODELAY included) and protocol as uvloop's own server. Everything else about the
loop is uvloop's, and so are servers on Unix sockets. ``ZEPHYR_BATCH_ACCEPT=0`` turns it off (``zephyr run`` then
serves on uvicorn's default loop).
"""

from __future__ import annotations

import asyncio
import errno
import logging
import os
import socket
import ssl as ssl_module
from collections.abc import Callable
from typing import Any

__all__ = ("BatchedServer", "RETRY_DELAY", "enabled", "new_event_loop", "uvicorn_loop")

RETRY_DELAY = 1.0
"""Seconds accepting waits when the process or the system is out of file descriptors or memory (asyncio's too)."""

logger = logging.getLogger("zephyr.server")
"""Where accepting's trouble is told: Zephyr's own logger (``zephyr.logger`` is FastAPI's, for apps and libraries)."""

_OUT_OF_RESOURCES = frozenset({errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM})
_INET = frozenset({socket.AF_INET, socket.AF_INET6})
_loop_class: type[asyncio.AbstractEventLoop] | None = None


def enabled() -> bool:
    """Whether ``zephyr run`` serves on this loop: uvloop is installed and ``ZEPHYR_BATCH_ACCEPT`` is not ``0``."""
    if os.environ.get("ZEPHYR_BATCH_ACCEPT", "1") == "0":
        return False
    try:
        import uvloop  # noqa: F401
    except ImportError:
        return False
    return True


def uvicorn_loop() -> dict[str, Any]:
    """``uvicorn.run``'s ``loop`` option for this loop, when it is :func:`enabled` and uvicorn takes loop factories."""
    if not enabled():
        return {}
    from uvicorn.config import Config

    if not hasattr(Config, "get_loop_factory"):  # before uvicorn 0.36 a custom loop was a set-up function
        return {}
    return {"loop": "zephyr._accept:new_event_loop"}


def new_event_loop() -> asyncio.AbstractEventLoop:
    """A uvloop event loop whose servers accept every waiting connection on each readiness (see the module)."""
    global _loop_class
    if _loop_class is None:
        _loop_class = _make_loop_class()
    return _loop_class()


def _make_loop_class() -> type[asyncio.AbstractEventLoop]:
    import uvloop

    class BatchedAcceptLoop(uvloop.Loop):
        """uvloop's loop; its servers accept in batches (see ``zephyr._accept``)."""

        async def create_server(self, protocol_factory: Any, *args: Any, **kwargs: Any) -> Any:
            server = await super().create_server(protocol_factory, *args, **kwargs)
            return _batched(self, server, protocol_factory, kwargs)

    return BatchedAcceptLoop


def _batched(loop: asyncio.AbstractEventLoop, server: Any, factory: Any, options: dict[str, Any]) -> Any:
    if not options.get("start_serving", True):  # started later by the caller: left to uvloop
        return server
    if not server.sockets or any(sock.family not in _INET for sock in server.sockets):
        # A Unix socket (``--uds``, ``--fd``) is left to uvloop, which removes its path when its server closes.
        return server
    return BatchedServer(
        loop,
        server,
        factory,
        ssl=options.get("ssl"),
        backlog=int(options.get("backlog") or 100),
        ssl_handshake_timeout=options.get("ssl_handshake_timeout"),
        ssl_shutdown_timeout=options.get("ssl_shutdown_timeout"),
    )


class BatchedServer(asyncio.AbstractServer):
    """A listening server that accepts up to ``backlog`` waiting connections each time its sockets are ready.

    Made from a server uvloop has just started: its listening sockets are taken over (each kept open through a
    duplicate of its descriptor) and uvloop's own listener is closed.
    """

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        server: Any,
        factory: Callable[[], asyncio.BaseProtocol],
        *,
        ssl: ssl_module.SSLContext | None = None,
        backlog: int = 100,
        ssl_handshake_timeout: float | None = None,
        ssl_shutdown_timeout: float | None = None,
    ) -> None:
        self._loop = loop
        self._factory = factory
        self._backlog = max(1, backlog)
        self._options: dict[str, Any] = {}
        if ssl is not None:
            self._options = {
                "ssl": ssl,
                "ssl_handshake_timeout": ssl_handshake_timeout,
                "ssl_shutdown_timeout": ssl_shutdown_timeout,
            }
        self._listeners = tuple(_take_over(listener) for listener in server.sockets or ())
        server.close()  # uvloop stops listening on its descriptors; the duplicates keep the sockets open
        self._connecting: set[asyncio.Task[Any]] = set()
        self._closed = loop.create_future()
        for listener in self._listeners:
            loop.add_reader(listener.fileno(), self._accept, listener)

    @property
    def sockets(self) -> tuple[socket.socket, ...]:
        """The listening sockets (empty once closed)."""
        return () if self._closed.done() else self._listeners

    def get_loop(self) -> asyncio.AbstractEventLoop:
        return self._loop

    def is_serving(self) -> bool:
        return not self._closed.done()

    def close(self) -> None:
        """Stop accepting: the listening sockets are closed; open connections are left to their protocols."""
        if self._closed.done():
            return
        for listener in self._listeners:
            self._loop.remove_reader(listener.fileno())
            listener.close()
        self._closed.set_result(None)

    async def start_serving(self) -> None:
        """Already serving since it was made."""

    async def serve_forever(self) -> None:
        """Wait until the server is closed (it accepts from the moment it is made)."""
        await asyncio.shield(self._closed)

    async def wait_closed(self) -> None:
        """Wait until ``close`` was called, and the connections it was still opening are open."""
        await asyncio.shield(self._closed)
        if self._connecting:
            await asyncio.gather(*self._connecting, return_exceptions=True)

    def _accept(self, listener: socket.socket) -> None:
        """The listening socket is ready: accept what is waiting, up to the backlog."""
        for _ in range(self._backlog):
            try:
                connection, _ = listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except ConnectionAbortedError:  # the client gave up while waiting: the next one
                continue
            except OSError as exc:
                self._pause(listener, exc)
                return
            connection.setblocking(False)
            task = self._loop.create_task(self._open(connection))
            self._connecting.add(task)
            task.add_done_callback(self._connecting.discard)

    def _pause(self, listener: socket.socket, exc: OSError) -> None:
        if exc.errno not in _OUT_OF_RESOURCES:
            logger.error("accepting a connection on %s failed: %s", _name(listener), exc)
            return
        # Out of descriptors or memory: the socket stays ready, so reading it again at once would spin the loop.
        logger.error(
            "accepting connections on %s paused for %.0f s: %s (raise the file descriptor limit, `ulimit -n`, or "
            "lower the load)",
            _name(listener),
            RETRY_DELAY,
            exc,
        )
        self._loop.remove_reader(listener.fileno())
        self._loop.call_later(RETRY_DELAY, self._resume, listener)

    def _resume(self, listener: socket.socket) -> None:
        if not self._closed.done():
            self._loop.add_reader(listener.fileno(), self._accept, listener)

    async def _open(self, connection: socket.socket) -> None:
        try:
            await self._loop.connect_accepted_socket(self._factory, connection, **self._options)
        except (OSError, asyncio.TimeoutError) as exc:  # a failed or slow TLS handshake, a reset: the client's doing
            logger.debug("a connection failed while opening: %r", exc)
            connection.close()
        except Exception:
            logger.exception("a connection could not be opened")
            connection.close()


def _take_over(listener: Any) -> socket.socket:
    """A socket object of its own for a listening socket uvloop holds (a duplicate of its descriptor)."""
    taken = socket.socket(fileno=os.dup(listener.fileno()))
    taken.setblocking(False)
    return taken


def _name(listener: socket.socket) -> str:
    try:
        return str(listener.getsockname())
    except OSError:
        return "a closed socket"
