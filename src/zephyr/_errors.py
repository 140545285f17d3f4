"""Exception handling around the router: handlers by class or status code, and the last-resort 500."""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable, Mapping
from typing import Any

from zephyr._bodylimit import body_limit_error
from zephyr.concurrency import run_in_threadpool
from zephyr.exceptions import HTTPException, WebSocketException
from zephyr.requests import ClientDisconnect, Request
from zephyr.responses import HTMLResponse, PlainTextResponse, Response
from zephyr.types import ASGIApp, Message, Receive, Scope, Send

__all__ = (
    "ErrorBoundary",
    "ExceptionMiddleware",
    "Handler",
    "OBSERVERS",
    "ServerErrorMiddleware",
    "handle",
    "lookup",
    "websocket_exception_handler",
)

Handler = Callable[[Any, Exception], Any]

OBSERVERS: list[Callable[[Scope, Exception, bool], None]] = []
"""Called as ``observer(scope, exc, handled)`` for each exception a handler answers (``handled``) or that is answered
with a 500; only on those paths. Telemetry records error types and logs here, Sentry captures 5xx ``HTTPException``s."""


def _observe(scope: Scope, exc: Exception, handled: bool) -> None:
    for observer in OBSERVERS:
        observer(scope, exc, handled)


def _starlette_http_exception(exc: Exception) -> bool:
    """Starlette's HTTPException or a library's subclass of it (fastapi-sso's ``SSOLoginError``) is answered as ours.

    Looked up only for an exception on its way to a handler; Starlette is never imported here: if nothing imported
    it, nothing raised its exceptions.
    """
    module = sys.modules.get("starlette.exceptions")
    theirs = getattr(module, "HTTPException", None)
    return isinstance(theirs, type) and isinstance(exc, theirs)


def lookup(handlers: Mapping[Any, Handler], exc: Exception) -> Handler | None:
    if isinstance(exc, HTTPException) or _starlette_http_exception(exc):
        by_status = handlers.get(exc.status_code)  # type: ignore[attr-defined]
        if by_status is not None:
            return by_status
    for cls in type(exc).__mro__:
        handler = handlers.get(cls)
        if handler is not None:
            return handler
    if _starlette_http_exception(exc):
        return handlers.get(HTTPException)
    return None


async def _call(handler: Handler, connection: Any, exc: Exception) -> Any:
    if inspect.iscoroutinefunction(handler):
        return await handler(connection, exc)
    return await run_in_threadpool(handler, connection, exc)


async def websocket_exception_handler(websocket: Any, exc: WebSocketException) -> None:
    """Close the WebSocket with the exception's code and reason."""
    await websocket.close(code=exc.code, reason=exc.reason)


async def handle(
    handlers: Mapping[Any, Handler], exc: Exception, scope: Scope, receive: Receive, send: Send, started: bool
) -> None:
    """Answer ``exc`` with its handler, or re-raise it when none fits or the response already started."""
    handler = lookup(handlers, exc)
    if handler is None:
        try:
            raise exc
        finally:
            del exc  # this frame, in the traceback, must not hold the exception: that would be a reference cycle
    if OBSERVERS:
        _observe(scope, exc, True)
    if started:
        raise RuntimeError("Caught handled exception, but response already started.") from exc
    if scope["type"] == "websocket":
        from zephyr.websockets import WebSocket

        response = await _call(handler, WebSocket(scope, receive, send), exc)
        if response is not None:  # e.g. an HTTPException before accept: sent as a denial response
            await response(scope, receive, send)
        return
    response = await _call(handler, Request(scope, receive, send), exc)
    if response is not None:
        await response(scope, receive, send)


class ExceptionMiddleware:
    """Answer exceptions raised below it with the registered handlers (by status code, then by class)."""

    def __init__(self, app: ASGIApp, handlers: Mapping[Any, Handler] | None = None, debug: bool = False) -> None:
        self.app = app
        # Kept, not copied: the app updates this table in place when a handler is added after start-up.
        self.handlers = handlers if handlers is not None else {}
        self.debug = debug

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        started = False

        async def sender(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, sender)
        except Exception as exc:
            await handle(self.handlers, exc, scope, receive, send, started)


def _client_gone(scope: Scope) -> None:
    """The client left before the request was answered: nobody to answer, nothing the server should log as an error."""
    import logging  # only here: ``import zephyr`` need not import logging

    logging.getLogger("zephyr.errors").debug("client disconnected during %s %s", scope.get("method"), scope.get("path"))


def _debug_response(request: Request, exc: Exception) -> Response:
    import html
    import traceback

    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    if "text/html" in request.headers.get("accept", ""):
        title = html.escape(type(exc).__name__)
        page = (
            f"<html><head><title>{title}</title></head>"
            f"<body><h1>500 Server Error</h1><pre>{html.escape(text)}</pre></body></html>"
        )
        return HTMLResponse(page, status_code=500)
    return PlainTextResponse(text, status_code=500)


class ServerErrorMiddleware:
    """The outermost layer: any exception left becomes a 500 (or the ``500``/``Exception`` handler's answer).

    The traceback is shown only with ``debug=True``; the exception is re-raised so the server logs it.
    """

    def __init__(self, app: ASGIApp, handler: Handler | None = None, debug: bool = False) -> None:
        self.app = app
        self.handler = handler
        self.debug = debug

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def sender(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, sender)
        except ClientDisconnect:
            _client_gone(scope)
        except Exception as exc:
            limit_error = None if started else body_limit_error(exc)
            if limit_error is not None:
                # A middleware's read of the body passed ``max_body_size``, outside the exception handlers:
                # FastAPI's body-limit layer answers it with the default HTTP exception answer, not a 500.
                from zephyr.exception_handlers import http_exception_handler

                response = await http_exception_handler(Request(scope, receive, send), limit_error)
                await response(scope, receive, send)
                return
            await self._answer(exc, scope, receive, send, started)
            raise

    async def _answer(self, exc: Exception, scope: Scope, receive: Receive, send: Send, started: bool) -> None:
        if OBSERVERS:
            _observe(scope, exc, False)
        request = Request(scope, receive, send)
        if self.debug:
            response: Any = _debug_response(request, exc)
        elif self.handler is None:
            response = PlainTextResponse("Internal Server Error", status_code=500)
        else:
            response = await _call(self.handler, request, exc)
        if not started and response is not None:
            await response(scope, receive, send)


class ErrorBoundary:
    """``ServerErrorMiddleware`` and ``ExceptionMiddleware`` in one layer.

    Used when no user middleware sits between them: one ``send`` wrapper per request instead of two, same answers.
    """

    def __init__(
        self, app: ASGIApp, handlers: Mapping[Any, Handler], error_handler: Handler | None, debug: bool
    ) -> None:
        self.app = app
        self.handlers = handlers  # kept, not copied, as in ExceptionMiddleware
        self.server_errors = ServerErrorMiddleware(app, error_handler, debug)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope_type = scope["type"]
        if scope_type != "http":
            if scope_type == "websocket":
                try:
                    await self.app(scope, receive, send)
                except Exception as exc:
                    await handle(self.handlers, exc, scope, receive, send, False)
                return
            await self.app(scope, receive, send)
            return
        started = False

        async def sender(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            try:
                await self.app(scope, receive, sender)
            except ClientDisconnect:
                raise
            except Exception as exc:
                await handle(self.handlers, exc, scope, receive, sender, started)
        except ClientDisconnect:
            _client_gone(scope)
        except Exception as exc:
            await self.server_errors._answer(exc, scope, receive, send, started)
            raise

    async def serve_tracked(self, scope: Scope, receive: Receive, send: Send, started: Callable[[], bool]) -> None:
        """Serve an HTTP request as ``__call__`` does, for a ``send`` that records whether the response started.

        ``started()`` tells it (the RSGI adapter's send keeps the status it was given): no ``send`` wrapper per
        request, same answers.
        """
        try:
            try:
                await self.app(scope, receive, send)
            except ClientDisconnect:
                raise
            except Exception as exc:
                await handle(self.handlers, exc, scope, receive, send, started())
        except ClientDisconnect:
            _client_gone(scope)
        except Exception as exc:
            await self.server_errors._answer(exc, scope, receive, send, started())
            raise
