"""Redirect every plain ``http``/``ws`` request to ``https``/``wss``.

Example:
    ```python
    from zephyr import FastAPI
    from zephyr.middleware.httpsredirect import HTTPSRedirectMiddleware

    app = FastAPI()
    app.add_middleware(HTTPSRedirectMiddleware)
    ```
"""

from __future__ import annotations

from zephyr.datastructures import URL
from zephyr.middleware._send import INVALID_HOST, redirect, send_plain_text
from zephyr.types import ASGIApp, Receive, Scope, Send

__all__ = ("HTTPSRedirectMiddleware",)

_SECURE = {"http": "https", "ws": "wss"}


class HTTPSRedirectMiddleware:
    """Answer insecure requests with a ``307 Temporary Redirect`` to the same URL over TLS.

    The default ports 80 and 443 are dropped from the new URL; any other port is kept. A request whose URL cannot
    be built (no valid ``Host`` header and no server address) is answered ``400 Invalid host header``.

    Args:
        app: The ASGI app to wrap.
    """

    __slots__ = ("app",)

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Redirect an ``http``/``ws`` connection, or pass a secure one (or a lifespan) to the app."""
        secure = _SECURE.get(scope.get("scheme", "")) if scope["type"] in ("http", "websocket") else None
        if secure is None:
            await self.app(scope, receive, send)
            return
        url = URL(scope=scope)
        if not url.netloc:
            await send_plain_text(scope, send, 400, INVALID_HOST)
            return
        netloc = url.hostname if url.port in (80, 443) else url.netloc
        await redirect(scope, send, str(url.replace(scheme=secure, netloc=netloc)))
