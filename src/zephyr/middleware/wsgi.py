"""Serve a WSGI app (Flask, Django...) from an ASGI app, on `a2wsgi <https://github.com/abersheeran/a2wsgi>`_.

Needs the ``wsgi`` extra: ``pip install 'zephyr[wsgi]'``.

Example:
    ```python
    from flask import Flask
    from zephyr import FastAPI
    from zephyr.middleware.wsgi import WSGIMiddleware

    flask_app = Flask(__name__)
    app = FastAPI()
    app.mount("/v1", WSGIMiddleware(flask_app))
    ```
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from zephyr.exceptions import MissingDependencyError
from zephyr.types import ASGIApp, Receive, Scope, Send

__all__ = ("WSGIMiddleware",)

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class WSGIMiddleware:
    """Run a WSGI app as an ASGI app: each request is handled in a worker thread.

    The mount prefix (``root_path``) becomes ``SCRIPT_NAME`` and the rest of the path ``PATH_INFO``; the request
    body is streamed to ``wsgi.input`` and the response streamed back. WebSocket connections are closed; lifespan
    events are acknowledged.

    Args:
        app: The WSGI application.
        workers: How many threads run WSGI requests at once.
        send_queue_size: How many response chunks may wait for the client before the WSGI app is paused.

    Raises:
        MissingDependencyError: If ``a2wsgi`` is not installed.
    """

    __slots__ = ("_asgi", "app")

    def __init__(self, app: WSGIApp, workers: int = 10, send_queue_size: int = 10) -> None:
        try:
            from a2wsgi import WSGIMiddleware as A2WSGIMiddleware
        except ImportError:
            raise MissingDependencyError("a2wsgi", "wsgi", "WSGIMiddleware") from None
        self.app = app
        # a2wsgi types its WSGI environ and ASGI messages with TypedDicts; ours are plain mappings.
        wsgi: Any = app
        self._asgi: ASGIApp = A2WSGIMiddleware(wsgi, workers=workers, send_queue_size=send_queue_size)  # type: ignore[assignment]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI connection with the WSGI app."""
        await self._asgi(scope, receive, send)
