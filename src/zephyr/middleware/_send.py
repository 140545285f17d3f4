"""Small answers that middleware sends itself, without building a response object."""

from __future__ import annotations

from urllib.parse import quote

from zephyr.types import Scope, Send

__all__ = ("INVALID_HOST", "redirect", "send_plain_text")

INVALID_HOST = b"Invalid host header"

# The characters a Location header keeps as they are; everything else is percent-encoded (RFC 3986 reserved set).
_LOCATION_SAFE = ":/%#?=@[]!$&'()*+,;"


async def send_plain_text(scope: Scope, send: Send, status: int, body: bytes) -> None:
    """Answer with a ``text/plain`` body; on a WebSocket, as the HTTP response that refuses the handshake."""
    prefix = "websocket." if scope["type"] == "websocket" else ""
    headers = [(b"content-length", str(len(body)).encode("latin-1")), (b"content-type", b"text/plain; charset=utf-8")]
    await send({"type": prefix + "http.response.start", "status": status, "headers": headers})
    await send({"type": prefix + "http.response.body", "body": body})


async def redirect(scope: Scope, send: Send, url: str, status: int = 307) -> None:
    """Answer with an empty redirect to ``url``; on a WebSocket, as the HTTP response to the handshake."""
    prefix = "websocket." if scope["type"] == "websocket" else ""
    location = quote(url, safe=_LOCATION_SAFE).encode("latin-1")
    headers = [(b"content-length", b"0"), (b"location", location)]
    await send({"type": prefix + "http.response.start", "status": status, "headers": headers})
    await send({"type": prefix + "http.response.body", "body": b""})
