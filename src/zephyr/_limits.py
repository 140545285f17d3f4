"""Shared helpers of the security middleware: an incremental JSON depth scanner and plain-ASGI JSON error answers."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Final

from zephyr.types import Send

__all__ = ("JSONDepthScanner", "is_json_media_type", "media_type_of", "send_json_error")

_STRUCTURAL: Final = re.compile(rb'[\[\]{}"\\]')
_OPEN: Final = frozenset(b"[{")
_CLOSE: Final = frozenset(b"]}")
_QUOTE: Final = ord('"')
_BACKSLASH: Final = ord("\\")


class JSONDepthScanner:
    """Track the nesting depth of a JSON text fed in chunks, without parsing it.

    Only the structural bytes (brackets, braces, quotes and backslashes) are visited, found by a regex, so a chunk
    costs little more than a scan in C. Brackets inside strings are ignored, escapes included, across chunk
    boundaries. Malformed JSON is not reported here: the parser that reads the body later does that.
    """

    __slots__ = ("_escape_pending", "_in_string", "depth", "max_depth")

    def __init__(self, max_depth: int) -> None:
        self.max_depth = max_depth
        self.depth = 0
        self._in_string = False
        self._escape_pending = False

    def feed(self, chunk: bytes) -> bool:
        """Scan one chunk; return ``False`` as soon as the depth exceeds ``max_depth``."""
        escaped_index = 0 if self._escape_pending else -1
        self._escape_pending = False
        in_string = self._in_string
        depth = self.depth
        last = len(chunk) - 1
        for match in _STRUCTURAL.finditer(chunk):
            index = match.start()
            if index == escaped_index:
                continue
            byte = chunk[index]
            if in_string:
                if byte == _BACKSLASH:
                    if index == last:
                        self._escape_pending = True
                    else:
                        escaped_index = index + 1
                elif byte == _QUOTE:
                    in_string = False
            elif byte == _QUOTE:
                in_string = True
            elif byte in _OPEN:
                depth += 1
                if depth > self.max_depth:
                    self.depth = depth
                    return False
            elif byte in _CLOSE:
                depth -= 1
        self._in_string = in_string
        self.depth = depth
        return True


def media_type_of(headers: Iterable[tuple[bytes, bytes]]) -> bytes:
    """Return the lower-cased media type of the ``Content-Type`` header, without parameters (``b""`` if absent)."""
    for name, value in headers:
        if name == b"content-type":
            return value.split(b";", 1)[0].strip().lower()
    return b""


def is_json_media_type(media_type: bytes) -> bool:
    """Tell whether a media type is JSON: ``application/json`` or any ``+json`` suffix type."""
    return media_type == b"application/json" or media_type.endswith(b"+json")


async def send_json_error(
    send: Send, status_code: int, detail: str, headers: Iterable[tuple[bytes, bytes]] = ()
) -> None:
    """Answer with ``{"detail": detail}`` as a complete JSON response."""
    body = json.dumps({"detail": detail}, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    raw_headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode("latin-1")),
        *headers,
    ]
    await send({"type": "http.response.start", "status": status_code, "headers": raw_headers})
    await send({"type": "http.response.body", "body": body})
