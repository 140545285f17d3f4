"""``Flask``: Flask's own app class, served natively over ASGI: sync views in worker threads, async ones on the loop.

A ``zephyr.flask.Flask`` *is* a ``flask.Flask``: config, blueprints, sessions, templates, ``url_for``, error pages,
the CLI and the test client behave as Flask's because they are Flask's. What changes is how it is served:

- called as ``app(scope, receive, send)`` (uvicorn, granian, a Zephyr mount) it reads the body on the event loop,
  then runs the request's whole Flask pipeline (``app.wsgi_app``: hooks, view, error handlers, session save) in
  one worker thread with the context copied, and sends the answer from the loop;
- ``async def`` views, hooks and error handlers run on the server's event loop (not on a loop made per call, as
  Flask does), while their request's thread waits;
- called as ``app(environ, start_response)`` it is a WSGI app, exactly Flask's;
- ``app.wsgi_app = ProxyFix(app.wsgi_app)`` and other WSGI middleware wrap both paths, since the ASGI path calls
  ``app.wsgi_app`` too.

Example:
    ```python
    from zephyr.flask import Flask, request

    app = Flask(__name__)

    @app.post("/echo")
    def echo():
        return {"got": request.get_json()}
    ```
"""

from __future__ import annotations

import asyncio
import contextvars
import inspect
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from typing import Any

import flask
from werkzeug.datastructures import ImmutableDict

from zephyr.flask._asgi import build_environ, encode_headers, read_body
from zephyr.flask._workers import WorkerPool
from zephyr.flask.testing import FlaskClient
from zephyr.types import Receive, Scope, Send

__all__ = ("Flask", "Response")

_LOOP: contextvars.ContextVar[asyncio.AbstractEventLoop] = contextvars.ContextVar("zephyr.flask.loop")
"""The event loop serving the current request; async views are sent there from the request's thread."""

_BUFFERED = "zephyr.flask.buffered"
"""Set in the environ by `Response` when its body is a list of chunks, so it is sent without more thread hops."""

_DONE: Any = object()


class Response(flask.Response):
    """Flask's response class, which also tells the ASGI path when its body is already in memory."""

    def __call__(self, environ: Any, start_response: Any) -> Iterable[bytes]:
        """Answer as a WSGI app, noting in ``environ`` whether the body can be sent in one go."""
        environ[_BUFFERED] = self.is_sequence
        return super().__call__(environ, start_response)


class Flask(flask.Flask):
    """A Flask app that is also an ASGI app; import it in place of ``flask.Flask``.

    Everything ``flask.Flask`` takes and does is unchanged. Served over ASGI, each request's Flask pipeline runs in
    one of ``thread_limit`` worker threads (``app.config["ZEPHYR_THREADS"]``, 40 by default), with the request's
    context variables copied in; ``async def`` views and hooks run on the server's loop.

    Example:
        ```python
        app = Flask(__name__)

        @app.route("/hello/<name>")
        def hello(name):
            return f"Hello {name}"

        # uvicorn module:app
        ```
    """

    response_class = Response
    default_config = ImmutableDict({**flask.Flask.default_config, "ZEPHYR_THREADS": 40})
    test_client_class = FlaskClient

    def __init__(self, import_name: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(import_name, *args, **kwargs)
        self._workers: WorkerPool | None = None

    def __call__(self, *args: Any) -> Any:
        """``app(scope, receive, send)`` serves ASGI; ``app(environ, start_response)`` serves WSGI."""
        if len(args) == 3:
            return self.asgi_app(*args)
        if len(args) == 2:
            return self.wsgi_app(*args)
        if len(args) == 1:
            return partial(self.asgi_app, args[0])  # ASGI 2: app(scope)(receive, send)
        # A TypeError is what servers (uvicorn) expect from an app that is not an app factory.
        raise TypeError(
            "A Flask app is called as app(scope, receive, send) (ASGI) or app(environ, start_response) (WSGI); "
            f"got {len(args)} arguments."
        )

    async def asgi_app(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The ASGI application (HTTP and lifespan; WebSocket connections are closed)."""
        kind = scope["type"]
        if kind == "http":
            await self._serve_http(scope, receive, send)
        elif kind == "lifespan":
            await self._serve_lifespan(receive, send)
        else:
            await send({"type": "websocket.close", "code": 1000, "reason": ""})

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        """Make ``func`` callable from the request's thread; a coroutine function runs on the serving loop."""
        if not inspect.iscoroutinefunction(func):
            return func
        loop = _LOOP.get(None)
        if loop is None:  # served as WSGI, or in app.app_context() outside any request: Flask's way
            return self.async_to_sync(func)
        return partial(_run_on_loop, loop, func)

    async def _serve_http(self, scope: Scope, receive: Receive, send: Send) -> None:
        loop = asyncio.get_running_loop()
        limit = self.config["MAX_CONTENT_LENGTH"]
        body = await read_body(receive, limit)
        environ = build_environ(scope, body)
        _LOOP.set(loop)
        workers = self._workers or self._start_workers()
        context = contextvars.copy_context()
        status, headers, chunks, rest = await workers.run(context, self._respond, environ)
        await send({"type": "http.response.start", "status": status, "headers": headers})
        if rest is None:
            await send({"type": "http.response.body", "body": chunks})
            return
        try:
            while True:
                chunk = await workers.run(context, _next_chunk, rest)
                if chunk is _DONE:
                    break
                if chunk:
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b""})
        finally:
            close = getattr(rest, "close", None)
            if close is not None:
                await workers.run(context, close)

    def _respond(self, environ: dict[str, Any]) -> tuple[int, list[tuple[bytes, bytes]], bytes, Iterator[bytes] | None]:
        # Runs in a worker thread: the whole Flask pipeline, then the body when it is already in memory.
        started: list[Any] = []

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[..., Any]:
            started[:] = [status, headers]
            return _no_write

        app_iter = self.wsgi_app(environ, start_response)
        if environ.get(_BUFFERED):
            try:
                body = b"".join(app_iter)
            finally:
                close = getattr(app_iter, "close", None)
                if close is not None:
                    close()
            return int(started[0][:3]), encode_headers(started[1]), body, None
        rest = iter(app_iter)
        first = next(rest, _DONE)  # a WSGI app may call start_response on its first chunk
        chained = rest if first is _DONE else _prepend(first, rest, app_iter)
        return int(started[0][:3]), encode_headers(started[1]), b"", _Closing(chained, app_iter)

    def _start_workers(self) -> WorkerPool:
        self._workers = WorkerPool(int(self.config["ZEPHYR_THREADS"]), f"flask-{self.name}")
        return self._workers

    async def _serve_lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self._workers is not None:
                    self._workers.shutdown()
                    self._workers = None
                await send({"type": "lifespan.shutdown.complete"})
                return


# uvicorn (and other servers) pick ASGI 3 for an instance whose ``__call__`` is a coroutine function; this one is
# not, so that the same object also serves WSGI. Mark it so servers still call it with three arguments.
if hasattr(inspect, "markcoroutinefunction"):  # Python 3.12+
    inspect.markcoroutinefunction(Flask.__call__)
Flask.__call__._is_coroutine = getattr(asyncio.coroutines, "_is_coroutine", None)  # type: ignore[attr-defined]


def _run_on_loop(loop: asyncio.AbstractEventLoop, func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    # From the request's thread: the coroutine runs on the serving loop, in a copy of this thread's context (so
    # ``request``, ``g`` and ``session`` are this request's), while the thread waits for its result.
    return asyncio.run_coroutine_threadsafe(func(*args, **kwargs), loop).result()


def _next_chunk(chunks: Iterator[bytes]) -> Any:
    return next(chunks, _DONE)  # StopIteration cannot cross into a future


def _no_write(data: bytes) -> None:
    raise RuntimeError(
        "The write() callable of start_response is not supported by zephyr.flask; return the body as an iterable."
    )


def _prepend(first: bytes, rest: Iterator[bytes], app_iter: Iterable[bytes]) -> Iterator[bytes]:
    yield first
    yield from rest


class _Closing:
    """An iterator over the body chunks whose ``close`` closes the WSGI app's iterable, as PEP 3333 asks."""

    __slots__ = ("_app_iter", "_chunks")

    def __init__(self, chunks: Iterator[bytes], app_iter: Iterable[bytes]) -> None:
        self._chunks = chunks
        self._app_iter = app_iter

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        return next(self._chunks)

    def close(self) -> None:
        close = getattr(self._app_iter, "close", None)
        if close is not None:
            close()
