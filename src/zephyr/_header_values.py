"""Encode response header values where the app sets them, refusing what no server can send.

A value with CR, LF, NUL or another control character (tab excepted) would let a client-supplied string split the
response (CWE-113), and servers refuse to write it: uvicorn's h11 drops the connection with no answer. A value
outside Latin-1 cannot be written at all (a ``UnicodeEncodeError`` at send time, a 500). Both are refused here,
when the header is set, with :class:`HeaderValueError` naming the header; ``Content-Disposition`` is the exception
for non-Latin-1 file names, which are encoded as RFC 6266 / RFC 8187 allow: an ASCII ``filename=`` fallback plus
``filename*=utf-8''...``.

The check costs one ``str.isprintable()`` scan for the usual value (printable, no control character); the exact
check runs only for values it flags.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final
from urllib.parse import quote

from zephyr.exceptions import ZephyrError

__all__ = ("HeaderValueError", "encode_header_value")

_CONTROL: Final = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_FILENAME: Final = re.compile(r'filename\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]*))', re.IGNORECASE)


class HeaderValueError(ZephyrError, ValueError):
    """A response header value cannot be sent: it holds a control character, or a character outside Latin-1."""


def _content_disposition(value: str) -> str | None:
    """Rewrite a non-Latin-1 ``filename`` as RFC 8187's ``filename*`` with an ASCII fallback; ``None`` if none."""
    match = _FILENAME.search(value)
    if match is None or "filename*" in value.lower():
        return None
    filename = match.group(1) if match.group(1) is not None else match.group(2).strip()
    ascii_name = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode("ascii")
    fallback = ascii_name.replace("\\", "_").replace('"', "_")
    encoded = f"filename=\"{fallback}\"; filename*=utf-8''{quote(filename, safe='')}"
    return value[: match.start()] + encoded + value[match.end() :]


def encode_header_value(name: str | bytes, value: str) -> bytes:
    """Encode one response header value to Latin-1 bytes, refusing values no server can send.

    Args:
        name: The header name (for the error message, and to recognise ``Content-Disposition``).
        value: The value.

    Returns:
        The encoded value.

    Raises:
        HeaderValueError: The value holds CR, LF, NUL or another control character, or (outside
            ``Content-Disposition`` file names) a character outside Latin-1.
    """
    if not value.isprintable() and _CONTROL.search(value):
        raise HeaderValueError(
            f"Response header {_name(name)!r} has a control character (CR, LF, NUL...) in its value {value!r:.80}: "
            "it would split the response. Remove line breaks from the value, or encode it (e.g. urllib.parse.quote)."
        )
    try:
        return value.encode("latin-1")
    except UnicodeEncodeError:
        if _name(name).lower() == "content-disposition":
            rewritten = _content_disposition(value)
            if rewritten is not None:
                try:
                    return rewritten.encode("latin-1")
                except UnicodeEncodeError:
                    pass
        raise HeaderValueError(
            f"Response header {_name(name)!r} has a character outside Latin-1 in its value {value!r:.80}: HTTP "
            "header values are bytes. Percent-encode it (urllib.parse.quote), or for a download name use "
            "FileResponse(filename=...), which encodes it as RFC 8187 allows."
        ) from None


def _name(name: str | bytes) -> str:
    return name.decode("latin-1") if isinstance(name, bytes) else name
