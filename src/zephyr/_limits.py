"""Shared helpers of the security middleware: an incremental JSON depth scanner and plain-ASGI JSON error answers."""

from __future__ import annotations

import json
from collections.abc import Iterable
from itertools import accumulate
from typing import Final

from zephyr.types import Send

__all__ = ("JSONDepthScanner", "is_json_media_type", "media_type_of", "send_json_error")

_KEEP_QUOTES_AND_BRACKETS: Final = bytes(b for b in range(256) if b not in b'"[]{}')
_DELTA: Final = tuple(1 if b in b"[{" else -1 if b in b"]}" else 0 for b in range(256))


class JSONDepthScanner:
    """Track the nesting depth of a JSON text fed in chunks, without parsing it.

    Each chunk is reduced in C: escape sequences are removed (``bytes.replace``), every byte but quotes and brackets
    is deleted (``bytes.translate``), and adjacent quotes, which enclose no bracket, are removed. What is left is the
    brackets outside strings, plus the rare strings that contain brackets, which are cut out. The brackets are then
    summed only when the chunk holds enough opening brackets to pass the limit at all. State (inside a string, a
    pending backslash, the depth) carries across chunks. Malformed JSON is not reported here: the parser that reads
    the body later does that.
    """

    __slots__ = ("_escape_pending", "_in_string", "depth", "max_depth")

    def __init__(self, max_depth: int) -> None:
        self.max_depth = max_depth
        self.depth = 0
        self._in_string = False
        self._escape_pending = False

    def _brackets(self, chunk: bytes) -> bytes:
        """Return the chunk's brackets that are outside strings, updating the string and escape state."""
        if self._escape_pending and chunk:
            chunk = chunk[1:]  # escaped by the backslash that ended the previous chunk
            self._escape_pending = False
        if b"\\" in chunk:
            run = len(chunk) - len(chunk.rstrip(b"\\"))
            if run % 2:
                self._escape_pending = True
                chunk = chunk[:-1]
            # Pairs of backslashes first (left to right, as JSON reads them), then escaped quotes.
            chunk = chunk.replace(b"\\\\", b"").replace(b'\\"', b"")
        marks = chunk.translate(None, _KEEP_QUOTES_AND_BRACKETS)
        if self._in_string:
            marks = b'"' + marks
        # Two adjacent quotes have no bracket between them: removing both keeps the parity of the later quotes.
        marks = marks.replace(b'""', b"")
        if b'"' not in marks:
            self._in_string = False
            return marks
        parts = marks.split(b'"')
        self._in_string = len(parts) % 2 == 0
        return b"".join(parts[0::2])

    def feed(self, chunk: bytes) -> bool:
        """Scan one chunk; return ``False`` when the depth exceeds ``max_depth`` in it."""
        brackets = self._brackets(chunk)
        if not brackets:
            return True
        opens = brackets.count(b"[") + brackets.count(b"{")
        start = self.depth
        self.depth = start + 2 * opens - len(brackets)
        if start + opens <= self.max_depth:
            return True
        deepest = max(accumulate(map(_DELTA.__getitem__, brackets), initial=start))
        if deepest > self.max_depth:
            self.depth = deepest
            return False
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
