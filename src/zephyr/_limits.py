"""Zephyr's safe defaults for hostile input, and the helpers the limit checks share.

What a server can be told to refuse it refuses (``zephyr run`` configures uvicorn, see :mod:`zephyr.cli`); what only
the app can see it checks itself, with these defaults, whichever server runs it:

=============================  ==========  ==============================================================
default                        value       why
=============================  ==========  ==============================================================
``MAX_BODY_SIZE``              10 MiB      A body read whole into memory (JSON, url-encoded forms,
                                           ``await request.body()``): Litestar's default. Answered 413
                                           from ``Content-Length`` before the rest is read. Streamed bodies
                                           (``request.stream()``) and multipart uploads (files spill to disk)
                                           are not capped.
``BODY_DEADLINE``              60 s        The whole of such a body must arrive within this time (408): a
                                           client sending 1 byte/s is cut off, a 10 MiB body still passes at
                                           1.4 Mbit/s.
``MAX_FORM_FIELDS``            100         Non-file form fields (400); Django caps files at 100 too.
``MAX_FORM_FILES``             100         Uploaded files per request (400); each holds a file descriptor.
``MAX_PART_SIZE``              1 MiB       One non-file form field (400), Starlette's default.
``MAX_HEADERS``                100         Request header lines (431): Apache's ``LimitRequestFields``.
``MAX_HEADER_BYTES``           16 KiB      Request header names and values together (431): Node.js's
                                           ``--max-http-header-size`` and what uvicorn's h11 parser
                                           already enforces on the whole head.
=============================  ==========  ==============================================================

A duplicate ``Host``, ``Content-Length`` together with ``Transfer-Encoding`` (request smuggling) and conflicting
``Content-Length`` headers are answered 400. Every refusal of the request head closes the connection
(``Connection: close``), so nothing behind it on the connection is read as another request.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from itertools import accumulate
from typing import Final

from zephyr.types import Send

__all__ = (
    "BODY_DEADLINE",
    "CLOSE_HEADERS",
    "FORM_LIMITS_SCOPE_KEY",
    "JSONDepthScanner",
    "MAX_BODY_SIZE",
    "MAX_BODY_SIZE_SCOPE_KEY",
    "MAX_FORM_FIELDS",
    "MAX_FORM_FILES",
    "MAX_HEADERS",
    "MAX_HEADER_BYTES",
    "MAX_PART_SIZE",
    "check_head",
    "is_json_media_type",
    "media_type_of",
    "send_json_error",
)

MAX_BODY_SIZE: Final = 10 * 1024 * 1024
"""The largest body read whole into memory, in bytes, unless the app sets ``max_body_size``."""

BODY_DEADLINE: Final = 60.0
"""Seconds within which a body read whole into memory must arrive."""

MAX_FORM_FIELDS: Final = 100
"""The most non-file form fields, unless the app sets ``form_limits``."""

MAX_FORM_FILES: Final = 100
"""The most uploaded files in one multipart body, unless the app sets ``form_limits``."""

MAX_PART_SIZE: Final = 1024 * 1024
"""The largest non-file form field, in bytes."""

MAX_HEADERS: Final = 100
"""The most request header lines."""

MAX_HEADER_BYTES: Final = 16 * 1024
"""The most bytes of request header names and values together."""

MAX_BODY_SIZE_SCOPE_KEY: Final = "zephyr.max_body_size"
"""The scope key of the body limit set by ``max_body_size`` (app, router or route) or ``RequestLimitsMiddleware``.

Present with ``None``: no limit. Absent: :data:`MAX_BODY_SIZE` for bodies read whole.
"""

FORM_LIMITS_SCOPE_KEY: Final = "zephyr.form_limits"
"""The scope key of the form-parser limits: ``RequestLimitsMiddleware``'s mapping, under the ``form_limits`` of the
apps and routers a request passed through (``zephyr._bodylimit.InheritedFormLimits``)."""

CLOSE_HEADERS: Final = {"Connection": "close"}
"""The headers of an answer after which the server must close the connection (the request was not read whole)."""

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


def check_head(
    headers: list[tuple[bytes, bytes]], max_headers: int | None, max_bytes: int | None
) -> tuple[int, str] | None:
    """Check a request head the server accepted; return ``(status, detail)`` to refuse it, ``None`` to serve it.

    The usual head (no repeated name) costs a dict built in C, two lookups and two C-level sums; repeated names,
    which most clients never send, take the exact path.

    Args:
        headers: The ASGI scope's ``headers``.
        max_headers: The most header lines (431), or ``None``.
        max_bytes: The most bytes of names and values together (431), or ``None``.

    Returns:
        The refusal, or ``None``.
    """
    count = len(headers)
    if max_headers is not None and count > max_headers:
        return 431, f"Too many request headers: {count}, the limit is {max_headers}."
    unique = dict(headers)
    if len(unique) != count:
        return _check_repeated(headers, max_bytes)
    if max_bytes is not None:
        size = sum(map(len, unique)) + sum(map(len, unique.values()))
        if size > max_bytes:
            return 431, f"Request headers too large: {size} bytes, the limit is {max_bytes}."
    if b"transfer-encoding" in unique and b"content-length" in unique:
        return 400, _AMBIGUOUS
    return None


_AMBIGUOUS: Final = "Both Content-Length and Transfer-Encoding were sent: the body's length is ambiguous."


def _check_repeated(headers: list[tuple[bytes, bytes]], max_bytes: int | None) -> tuple[int, str] | None:
    """The exact check of a head in which some name repeats."""
    names = [name for name, _ in headers]
    if max_bytes is not None:
        size = sum(map(len, names)) + sum(len(value) for _, value in headers)
        if size > max_bytes:
            return 431, f"Request headers too large: {size} bytes, the limit is {max_bytes}."
    if names.count(b"host") > 1:
        return 400, "Duplicate Host header: a request names one host."
    lengths = names.count(b"content-length")
    if lengths and b"transfer-encoding" in names:
        return 400, _AMBIGUOUS
    if lengths > 1 and len({value.strip() for name, value in headers if name == b"content-length"}) > 1:
        return 400, "Conflicting Content-Length headers."
    return None
