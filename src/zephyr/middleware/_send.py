"""Small answers that middleware sends itself, without building a response object, and header edits."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import quote

from zephyr.types import Scope, Send

__all__ = ("INVALID_HOST", "add_vary", "redirect", "send_plain_text")

INVALID_HOST = b"Invalid host header"

# The characters a Location header keeps as they are; everything else is percent-encoded (RFC 3986 reserved set).
_LOCATION_SAFE = ":/%#?=@[]!$&'()*+,;"


def add_vary(raw: Iterable[tuple[bytes, bytes]], token: bytes) -> list[tuple[bytes, bytes]]:
    """Return the headers with ``token`` added to ``Vary``.

    All ``vary`` headers are merged into one, at the place of the first, as Starlette's ``add_vary_header`` does;
    names are compared as sent (ASGI apps send them lowercased).
    """
    headers: list[tuple[bytes, bytes]] = []
    values: list[bytes] = []
    position = -1
    for name, value in raw:
        if name == b"vary":
            if position < 0:
                position = len(headers)
                headers.append((name, value))
            values.append(value)
        else:
            headers.append((name, value))
    if position < 0:
        headers.append((b"vary", token))
    else:
        values.append(token)
        headers[position] = (b"vary", b", ".join(values))
    return headers


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
