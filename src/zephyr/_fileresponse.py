"""The pure and blocking parts of ``FileResponse``: Range parsing, validators, multipart framing, file reads.

Parsing and validator checks are pure functions, so they are tested without a server. The blocking functions
(``stat_path``, ``stat_and_read``, ``open_and_read``, ``read_next``) are meant to run in a worker thread, and each
does as much as it can per thread hop: a small file is stat'ed, opened, read and closed in one hop.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Sequence
from typing import BinaryIO

__all__ = (
    "MalformedRangeHeader",
    "RangeNotSatisfiable",
    "etag_for",
    "get_header",
    "is_not_modified",
    "multipart_length",
    "multipart_part_header",
    "not_modified_headers",
    "open_and_read",
    "parse_range_header",
    "read_next",
    "set_header",
    "setdefault_header",
    "stat_and_read",
    "stat_headers",
    "stat_path",
)

RawHeaders = list[tuple[bytes, bytes]]

_NOT_MODIFIED_KEEP = frozenset((b"cache-control", b"content-location", b"date", b"etag", b"expires", b"vary"))
"""Headers a 304 repeats from the 200 it stands for (RFC 9110, section 15.4.5)."""


class MalformedRangeHeader(Exception):  # noqa: N818 - Starlette's name
    """The Range header cannot be parsed; answered with 400 and ``content`` as the body."""

    def __init__(self, content: str = "Malformed range header.") -> None:
        super().__init__(content)
        self.content = content


class RangeNotSatisfiable(Exception):  # noqa: N818 - Starlette's name
    """A requested range starts at or past the end of the file; answered with 416."""

    def __init__(self, max_size: int) -> None:
        super().__init__(max_size)
        self.max_size = max_size


# --- raw header lists --------------------------------------------------------------------------------------------


def get_header(raw: RawHeaders, name: bytes) -> bytes | None:
    """Return the first value of the lower-case header ``name``, or ``None``."""
    for key, value in raw:
        if key == name:
            return value
    return None


def set_header(raw: RawHeaders, name: bytes, value: bytes) -> None:
    """Replace the first ``name`` header in place and drop later ones, or append it (as ``MutableHeaders``)."""
    found = False
    index = 0
    while index < len(raw):
        if raw[index][0] == name:
            if found:
                del raw[index]
                continue
            raw[index] = (name, value)
            found = True
        index += 1
    if not found:
        raw.append((name, value))


def setdefault_header(raw: RawHeaders, name: bytes, value: bytes) -> None:
    """Append ``name: value`` unless a ``name`` header is present."""
    for key, _ in raw:
        if key == name:
            return
    raw.append((name, value))


# --- validators ---------------------------------------------------------------------------------------------------


def etag_for(stat_result: os.stat_result) -> str:
    """Return the quoted ETag of a file: the MD5 of ``"{mtime}-{size}"``, as Starlette computes it."""
    base = f"{stat_result.st_mtime}-{stat_result.st_size}"
    return f'"{hashlib.md5(base.encode(), usedforsecurity=False).hexdigest()}"'


def stat_headers(stat_result: os.stat_result) -> tuple[tuple[bytes, bytes], ...]:
    """Return the ``content-length``, ``last-modified`` and ``etag`` headers for a file."""
    from email.utils import formatdate  # here, not at the top: ``import zephyr`` need not import email and socket

    return (
        (b"content-length", str(stat_result.st_size).encode("latin-1")),
        (b"last-modified", formatdate(stat_result.st_mtime, usegmt=True).encode("latin-1")),
        (b"etag", etag_for(stat_result).encode("latin-1")),
    )


def _opaque_tag(tag: str) -> str:
    tag = tag.strip()
    return tag[2:] if tag.startswith("W/") else tag


def is_not_modified(
    if_none_match: bytes | None, if_modified_since: bytes | None, etag: bytes | None, last_modified: bytes | None
) -> bool:
    """Tell whether a GET or HEAD can be answered with 304 Not Modified.

    As RFC 9110 (section 13.2.2) orders them: when ``If-None-Match`` is present it alone decides (weak comparison,
    ``*`` matches any tag); otherwise ``If-Modified-Since`` is compared with ``Last-Modified``. Unparsable dates are
    ignored.

    Args:
        if_none_match: The request's ``If-None-Match`` value.
        if_modified_since: The request's ``If-Modified-Since`` value.
        etag: The response's ``ETag``.
        last_modified: The response's ``Last-Modified``.

    Returns:
        ``True`` when the client's copy is current.
    """
    if if_none_match is not None:
        if etag is None:
            return False
        wanted = _opaque_tag(etag.decode("latin-1"))
        tags = if_none_match.decode("latin-1").split(",")
        return any(tag.strip() == "*" or _opaque_tag(tag) == wanted for tag in tags)
    if if_modified_since is None or last_modified is None:
        return False
    from email.utils import parsedate_to_datetime

    try:
        since = parsedate_to_datetime(if_modified_since.decode("latin-1"))
        modified = parsedate_to_datetime(last_modified.decode("latin-1"))
    except (TypeError, ValueError, IndexError):
        return False
    if since.tzinfo is None or modified.tzinfo is None:
        return False
    return modified <= since


def not_modified_headers(raw: RawHeaders) -> RawHeaders:
    """Return the headers of ``raw`` that a 304 must repeat."""
    return [(key, value) for key, value in raw if key in _NOT_MODIFIED_KEEP]


# --- Range --------------------------------------------------------------------------------------------------------


def _parse_parts(spec: str, size: int) -> list[tuple[int, int]]:
    ranges: list[tuple[int, int]] = []
    for raw_part in spec.split(","):
        part = raw_part.strip()
        # Empty parts, a lone dash and parts without a dash are skipped rather than rejected.
        if not part or part == "-" or "-" not in part:
            continue
        first, last = (piece.strip() for piece in part.split("-", 1))
        try:
            if first:
                start = int(first)
                end = int(last) + 1 if last and int(last) < size else size
            else:
                # A suffix range: the last N bytes.
                start = max(size - int(last), 0)
                end = size
        except ValueError:
            continue
        ranges.append((start, end))
    return ranges


def parse_range_header(value: str, size: int, max_ranges: int) -> list[tuple[int, int]]:
    """Parse a ``Range`` header into sorted, merged, half-open ``(start, end)`` byte ranges.

    Follows Starlette 1.x exactly, so clients see the same answers: a header with more than ``max_ranges`` ranges is
    ignored (the whole file is sent), unparsable parts are skipped, overlapping or touching ranges are merged.

    Args:
        value: The header value, such as ``"bytes=0-99,200-"``.
        size: The file size in bytes.
        max_ranges: The most ranges honoured.

    Returns:
        The ranges; an empty list means "ignore the header and send the whole file".

    Raises:
        MalformedRangeHeader: The header has no ``=``, a unit other than bytes, no usable range, or a range that
            ends before it starts (answered with 400).
        RangeNotSatisfiable: A range starts at or past the end of the file (answered with 416).
    """
    units, sep, spec = value.partition("=")
    if not sep:
        raise MalformedRangeHeader()
    if units.strip().lower() != "bytes":
        raise MalformedRangeHeader("Only support bytes range")
    if spec.count(",") >= max_ranges:
        return []
    ranges = _parse_parts(spec, size)
    if not ranges:
        raise MalformedRangeHeader("Range header: range must be requested")
    if any(not 0 <= start < size for start, _ in ranges):
        raise RangeNotSatisfiable(size)
    if any(start >= end for start, end in ranges):
        raise MalformedRangeHeader("Range header: start must be less than end")
    if len(ranges) == 1:
        return ranges
    ranges.sort()
    merged = [ranges[0]]
    for start, end in ranges[1:]:
        last_start, last_end = merged[-1]
        if start <= last_end:
            merged[-1] = (last_start, max(last_end, end))
        else:
            merged.append((start, end))
    return merged


def multipart_part_header(boundary: str, content_type: str, start: int, end: int, size: int) -> bytes:
    """Return the framing that precedes one part of a ``multipart/byteranges`` body."""
    return (
        f"--{boundary}\r\nContent-Type: {content_type}\r\nContent-Range: bytes {start}-{end - 1}/{size}\r\n\r\n"
    ).encode("latin-1")


def multipart_length(ranges: Sequence[tuple[int, int]], boundary: str, content_type: str, size: int) -> int:
    """Return the exact length of the ``multipart/byteranges`` body for ``ranges``.

    Each part is its header, its bytes and a CRLF; the body ends with ``--boundary--``.
    """
    total = len(boundary) + 4
    for start, end in ranges:
        total += len(multipart_part_header(boundary, content_type, start, end, size)) + (end - start) + 2
    return total


# --- blocking file access (run these in a worker thread) ----------------------------------------------------------


def stat_path(path: str | os.PathLike[str]) -> os.stat_result:
    """Stat ``path`` and check that it is a regular file.

    Raises:
        RuntimeError: The path does not exist or is not a regular file (Starlette's messages).
    """
    try:
        result = os.stat(path)
    except FileNotFoundError:
        raise RuntimeError(
            f"File at path {path} does not exist. Check the path (a relative one is resolved from the working "
            "directory of the server)."
        ) from None
    if not stat.S_ISREG(result.st_mode):
        raise RuntimeError(
            f"File at path {path} is not a file. FileResponse sends regular files; serve directories with StaticFiles."
        )
    return result


def open_and_read(
    path: str | os.PathLike[str], start: int, length: int, chunk_size: int
) -> tuple[bytes, BinaryIO | None]:
    """Open ``path``, seek to ``start`` and read the first chunk of ``length`` bytes.

    Returns:
        The chunk, and the open file when more is to be read (``None`` once it is closed: all read, or end of file).
    """
    file = open(path, "rb")  # noqa: SIM115 - stays open across thread hops; closed by read_next or the caller
    try:
        if start:
            file.seek(start)
        want = min(length, chunk_size)
        data = file.read(want)
    except BaseException:
        file.close()
        raise
    if len(data) >= length or len(data) < want:
        file.close()
        return data, None
    return data, file


def read_next(file: BinaryIO, remaining: int, chunk_size: int) -> tuple[bytes, BinaryIO | None]:
    """Read the next chunk of at most ``remaining`` bytes, closing the file after the last one.

    Returns:
        The chunk, and ``file`` or ``None`` once it is closed.
    """
    want = min(remaining, chunk_size)
    try:
        data = file.read(want)
    except BaseException:
        file.close()
        raise
    if len(data) >= remaining or len(data) < want:
        file.close()
        return data, None
    return data, file


def stat_and_read(
    path: str | os.PathLike[str], chunk_size: int
) -> tuple[os.stat_result, tuple[bytes, BinaryIO | None]]:
    """Stat ``path`` (see ``stat_path``), open it and read its first chunk, in one go."""
    result = stat_path(path)
    return result, open_and_read(path, 0, result.st_size, chunk_size)
