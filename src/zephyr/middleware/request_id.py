"""Give every request an id: reuse a valid incoming ``X-Request-ID`` or make one, and echo it in the response.

The id is available to the endpoint as ``request.state.request_id`` (it is stored in ``scope["state"]``), to any
code running for the request through :func:`get_request_id` (a context variable), and to log records through
:class:`RequestIDLogFilter`, which adds a ``request_id`` attribute for format strings such as
``"%(request_id)s %(message)s"``.

Example:
    ```python
    import logging

    from zephyr import FastAPI, Request
    from zephyr.middleware.request_id import RequestIDLogFilter, RequestIDMiddleware, get_request_id

    app = FastAPI()
    app.add_middleware(RequestIDMiddleware)

    handler = logging.StreamHandler()
    handler.addFilter(RequestIDLogFilter())
    handler.setFormatter(logging.Formatter("%(request_id)s %(levelname)s %(message)s"))
    logging.getLogger("app").addHandler(handler)


    @app.get("/")
    async def index(request: Request) -> dict[str, str]:
        return {"id": request.state.request_id, "same": get_request_id()}
    ```
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from contextvars import ContextVar

from zephyr.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ("RequestIDLogFilter", "RequestIDMiddleware", "default_validator", "get_request_id", "request_id_var")

request_id_var: ContextVar[str | None] = ContextVar("zephyr_request_id", default=None)
"""The current request's id, or ``None`` outside a request."""

_VALID = re.compile(r"[A-Za-z0-9._:@/+=-]{1,128}")


def get_request_id() -> str | None:
    """Return the id of the request being handled, or ``None`` outside a request."""
    return request_id_var.get()


def default_validator(value: str) -> bool:
    """Accept 1 to 128 characters of letters, digits and ``._:@/+=-``: safe to log and to echo in a header."""
    return _VALID.fullmatch(value) is not None


def _uuid4_hex() -> str:
    return uuid.uuid4().hex


class RequestIDLogFilter(logging.Filter):
    """A logging filter that adds ``record.request_id`` (``"-"`` outside a request); it never drops records.

    Args:
        default: The value used outside a request.
    """

    def __init__(self, default: str = "-") -> None:
        super().__init__()
        self.default = default

    def filter(self, record: logging.LogRecord) -> bool:
        """Set ``record.request_id``."""
        record.request_id = request_id_var.get() or self.default
        return True


class RequestIDMiddleware:
    """Attach a request id to every HTTP and WebSocket request and to its response headers.

    Example:
        ```python
        app.add_middleware(RequestIDMiddleware, header_name="X-Correlation-ID", trust_incoming=False)
        ```

    Args:
        app: The ASGI app to wrap.
        header_name: The request header read and the response header written.
        generator: Makes a new id; by default 32 hex digits of a random UUID.
        trust_incoming: Reuse the id a client or upstream proxy sent (when it passes ``validator``). Turn it off
            when clients are untrusted and ids must be unique.
        validator: Decides whether an incoming id may be reused; the default accepts 1 to 128 safe characters.
    """

    __slots__ = ("_header", "_raw_header", "app", "generator", "trust_incoming", "validator")

    def __init__(
        self,
        app: ASGIApp,
        header_name: str = "X-Request-ID",
        generator: Callable[[], str] = _uuid4_hex,
        trust_incoming: bool = True,
        validator: Callable[[str], bool] = default_validator,
    ) -> None:
        self.app = app
        self._header = header_name
        self._raw_header = header_name.lower().encode("latin-1")
        self.generator = generator
        self.trust_incoming = trust_incoming
        self.validator = validator

    def _incoming(self, scope: Scope) -> str | None:
        for name, value in scope["headers"]:
            if name == self._raw_header:
                candidate: str = value.decode("latin-1")
                return candidate if self.validator(candidate) else None
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI connection, with its request id set."""
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        request_id = (self._incoming(scope) if self.trust_incoming else None) or self.generator()
        # A fresh dict: the server's lifespan state is shared, the request id is this request's alone.
        scope["state"] = {**scope.get("state", {}), "request_id": request_id}
        raw = request_id.encode("latin-1")
        header = self._raw_header

        async def send_with_id(message: Message) -> None:
            if message["type"] in ("http.response.start", "websocket.accept", "websocket.http.response.start"):
                headers = list(message.get("headers", ()))
                if not any(name.lower() == header for name, _ in headers):
                    headers.append((header, raw))
                    message["headers"] = headers
            await send(message)

        token = request_id_var.set(request_id)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            request_id_var.reset(token)
