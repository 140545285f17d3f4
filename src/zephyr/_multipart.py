"""Form body parsing (``application/x-www-form-urlencoded`` and ``multipart/form-data``) on python-multipart.

python-multipart is an optional dependency, imported on the first form parse. The body is consumed as a stream:
field values are held in memory up to ``max_part_size``, files go to ``SpooledTemporaryFile`` objects that move
to disk past 1 MiB, so memory stays bounded however large the upload. Every malformed body or exceeded limit is
an ``HTTPException(400)`` whose detail matches Starlette's message.
"""

from __future__ import annotations

import codecs
from collections.abc import AsyncGenerator
from tempfile import SpooledTemporaryFile
from types import ModuleType
from typing import Any, BinaryIO, cast
from urllib.parse import unquote_plus

from zephyr._limits import MAX_FORM_FIELDS, MAX_FORM_FILES, MAX_PART_SIZE
from zephyr.datastructures import FormData, Headers, UploadFile
from zephyr.exceptions import HTTPException, MissingDependencyError, MultipartInstallError

__all__ = (
    "MULTIPART_INCORRECT_INSTALL",
    "MULTIPART_NOT_INSTALLED",
    "SPOOL_MAX_SIZE",
    "ensure_multipart_installed",
    "import_multipart",
    "parse_multipart",
    "parse_urlencoded",
)

MULTIPART_NOT_INSTALLED = (
    'Form data requires "python-multipart" to be installed. \n'
    'You can install "python-multipart" with: \n\n'
    "pip install python-multipart\n"
)
"""FastAPI's message when a form route is registered without python-multipart (its tests match it)."""

MULTIPART_INCORRECT_INSTALL = (
    'Form data requires "python-multipart" to be installed. '
    'It seems you installed "multipart" instead. \n'
    'You can remove "multipart" with: \n\n'
    "pip uninstall multipart\n\n"
    'And then install "python-multipart" with: \n\n'
    "pip install python-multipart\n"
)
"""FastAPI's message when the ``multipart`` module found is the unrelated package of that name."""

_FIRST_RENAMED_RELEASE = (0, 0, 13)
"""python-multipart installs the module ``python_multipart`` from this release on; before, only ``multipart``."""

SPOOL_MAX_SIZE = 1024 * 1024
"""Uploaded files stay in memory up to this many bytes, then roll over to a temporary file on disk."""

_MAX_HEADER_BYTES = 64 * 1024
"""The most bytes of headers one part may have (python-multipart releases before 0.0.2x do not bound them)."""


def _release(version: object) -> tuple[int, ...]:
    """``"0.0.20"`` → ``(0, 0, 20)``; parts from the first one that is not a number on are dropped."""
    numbers: list[int] = []
    for part in str(version).split("."):
        if not part.isdigit():
            break
        numbers.append(int(part))
    return tuple(numbers)


def ensure_multipart_installed() -> None:
    """Check, when a route with ``Form``/``File`` parameters is registered, that forms can be parsed.

    As FastAPI checks: ``python_multipart`` from release 0.0.13 on will do; otherwise the module ``multipart`` must
    exist and be python-multipart's (an older release), not the unrelated package of that name.

    Raises:
        MultipartInstallError: Neither is installed, or ``multipart`` is the other package.
    """
    try:
        from python_multipart import __version__ as version
    except ImportError:
        version = ""
    if _release(version) >= _FIRST_RENAMED_RELEASE:
        return
    try:
        from multipart import __version__  # noqa: F401 - the attribute both packages of that name define
    except ImportError:
        raise MultipartInstallError(MULTIPART_NOT_INSTALLED) from None
    try:
        from multipart.multipart import parse_options_header  # noqa: F401 - only python-multipart has it
    except ImportError:
        raise MultipartInstallError(MULTIPART_INCORRECT_INSTALL) from None


def import_multipart() -> tuple[ModuleType, Any, type[Exception]]:
    """Import python-multipart: its module, ``parse_options_header`` and ``FormParserError``.

    Returns:
        The three objects.

    Raises:
        MissingDependencyError: When python-multipart is not installed.
    """
    try:
        import python_multipart as multipart
        from python_multipart.exceptions import FormParserError
        from python_multipart.multipart import parse_options_header
    except ModuleNotFoundError:
        try:
            # Releases before 0.0.13 install the module as "multipart"; another package also uses that name,
            # so check for the parser classes python-multipart provides.
            import multipart  # type: ignore[no-redef]
            from multipart.exceptions import FormParserError  # type: ignore[no-redef]
            from multipart.multipart import parse_options_header  # type: ignore[no-redef]
        except (ModuleNotFoundError, ImportError):
            raise MissingDependencyError("python-multipart", "multipart", "form parsing") from None
        if not hasattr(multipart, "QuerystringParser"):  # pragma: no cover - defensive; the imports above fail first
            raise MissingDependencyError("python-multipart", "multipart", "form parsing") from None
    return multipart, parse_options_header, FormParserError


class _QuietLogger:
    """Stands in for python-multipart's logger: its parsers log every malformed body at WARNING.

    The client already gets a 400 for such a body; a WARNING line per bad request only lets any client flood the
    server's log. The messages go to the ``zephyr.multipart`` logger at DEBUG instead.
    """

    __slots__ = ()

    def _debug(self, msg: object, *args: object, **kwargs: Any) -> None:
        import logging  # here: a malformed body is the rare path, and ``import zephyr`` need not load logging

        logging.getLogger("zephyr.multipart").debug(msg, *args, **kwargs)

    debug = info = warning = error = _debug


_QUIET_LOGGER = _QuietLogger()


def _quiet(parser: Any) -> Any:
    parser.logger = _QUIET_LOGGER
    return parser


def _bad_request(detail: str) -> HTTPException:
    return HTTPException(status_code=400, detail=detail)


def _decode(data: bytes | bytearray, charset: str) -> str:
    try:
        return data.decode(charset)
    except (UnicodeDecodeError, LookupError):
        return data.decode("latin-1")


class _UrlencodedCollector:
    __slots__ = ("fields", "items", "max_fields", "max_part_size", "name", "size", "value")

    def __init__(self, max_fields: int | float, max_part_size: int) -> None:
        self.max_fields = max_fields
        self.max_part_size = max_part_size
        self.items: list[tuple[str, str | UploadFile]] = []
        self.fields = 0
        self.size = 0
        self.name = bytearray()
        self.value = bytearray()

    def _too_large(self) -> HTTPException:
        return _bad_request(f"Field exceeded maximum size of {int(self.max_part_size / 1024)}KB.")

    def on_field_start(self) -> None:
        self.size = 0
        self.name = bytearray()
        self.value = bytearray()

    def on_field_name(self, data: bytes, start: int, end: int) -> None:
        self.size += end - start
        if self.size > self.max_part_size:
            raise self._too_large()
        self.name += data[start:end]

    def on_field_data(self, data: bytes, start: int, end: int) -> None:
        self.size += end - start
        if self.size > self.max_part_size:
            raise self._too_large()
        self.value += data[start:end]

    def on_field_end(self) -> None:
        self.fields += 1
        if self.fields > self.max_fields:
            raise _bad_request(f"Too many fields. Maximum number of fields is {self.max_fields}.")
        self.items.append((unquote_plus(self.name.decode("latin-1")), unquote_plus(self.value.decode("latin-1"))))


def _parse_urlencoded_bytes(
    body: bytes, max_fields: int | float, max_part_size: int
) -> list[tuple[str, str | UploadFile]]:
    # The whole body at once gives what python-multipart's QuerystringParser gives, far faster: fields split on
    # "&" (empty ones skipped), name and value on the first "=", each then unquoted; limits checked in order.
    items: list[tuple[str, str | UploadFile]] = []
    fields = 0
    for pair in body.split(b"&"):
        if not pair:
            continue
        name, _, value = pair.partition(b"=")
        if len(name) + len(value) > max_part_size:
            raise _bad_request(f"Field exceeded maximum size of {int(max_part_size / 1024)}KB.")
        fields += 1
        if fields > max_fields:
            raise _bad_request(f"Too many fields. Maximum number of fields is {max_fields}.")
        name_text = name.decode("latin-1")
        value_text = value.decode("latin-1")
        if b"%" in pair or b"+" in pair:
            name_text = unquote_plus(name_text)
            value_text = unquote_plus(value_text)
        items.append((name_text, value_text))
    return items


_URLENCODED_BUFFER = 64 * 1024
"""Url-encoded bodies up to this size are parsed in one go; larger ones are streamed through python-multipart."""


async def parse_urlencoded(
    stream: AsyncGenerator[bytes, None],
    *,
    max_fields: int | float = MAX_FORM_FIELDS,
    max_part_size: int = MAX_PART_SIZE,
) -> FormData:
    """Parse an ``application/x-www-form-urlencoded`` body.

    Args:
        stream: The body chunks (closed before returning).
        max_fields: The most fields accepted.
        max_part_size: The largest field (name plus value), in bytes.

    Returns:
        The fields, in order.

    Raises:
        HTTPException: 400 when a limit is exceeded.
        MissingDependencyError: When python-multipart is not installed.
    """
    try:
        multipart, _, _ = import_multipart()
        buffered: list[bytes] = []
        size = 0
        parser: Any = None
        collector = _UrlencodedCollector(max_fields, max_part_size)
        async for chunk in stream:
            if parser is not None:
                parser.write(chunk)
                continue
            buffered.append(chunk)
            size += len(chunk)
            if size > _URLENCODED_BUFFER:
                # Too large to hold: stream it, so a flood of empty fields cannot fill memory.
                parser = _quiet(
                    multipart.QuerystringParser(
                        {
                            "on_field_start": collector.on_field_start,
                            "on_field_name": collector.on_field_name,
                            "on_field_data": collector.on_field_data,
                            "on_field_end": collector.on_field_end,
                        }
                    )
                )
                for held in buffered:
                    parser.write(held)
                buffered.clear()
        if parser is None:
            return FormData(_parse_urlencoded_bytes(b"".join(buffered), max_fields, max_part_size))
        parser.finalize()
        return FormData(collector.items)
    finally:
        await stream.aclose()


class _Part:
    __slots__ = ("disposition", "file", "header_bytes", "headers", "name", "value")

    def __init__(self) -> None:
        self.disposition: bytes | None = None
        self.name = ""
        self.value = bytearray()
        self.file: UploadFile | None = None
        self.headers: list[tuple[bytes, bytes]] = []
        self.header_bytes = 0


class _MultipartCollector:
    """Receives python-multipart's callbacks; file data is queued for async writing after each chunk."""

    __slots__ = (
        "charset",
        "fields",
        "files",
        "header_name",
        "header_value",
        "items",
        "max_fields",
        "max_files",
        "max_part_size",
        "opened",
        "parse_options_header",
        "part",
        "pending_seeks",
        "pending_writes",
    )

    def __init__(
        self,
        parse_options_header: Any,
        charset: str,
        max_files: int | float,
        max_fields: int | float,
        max_part_size: int,
    ) -> None:
        self.parse_options_header = parse_options_header
        self.charset = charset
        self.max_files = max_files
        self.max_fields = max_fields
        self.max_part_size = max_part_size
        self.items: list[tuple[str, str | UploadFile]] = []
        self.files = 0
        self.fields = 0
        self.part = _Part()
        self.header_name = b""
        self.header_value = b""
        self.pending_writes: list[tuple[UploadFile, bytes]] = []
        self.pending_seeks: list[UploadFile] = []
        self.opened: list[SpooledTemporaryFile[bytes]] = []

    def on_part_begin(self) -> None:
        self.part = _Part()

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        part = self.part
        if part.file is not None:
            self.pending_writes.append((part.file, data[start:end]))
            return
        if len(part.value) + (end - start) > self.max_part_size:
            raise _bad_request(f"Part exceeded maximum size of {int(self.max_part_size / 1024)}KB.")
        part.value += data[start:end]

    def on_part_end(self) -> None:
        part = self.part
        if part.file is None:
            self.items.append((part.name, _decode(part.value, self.charset)))
        else:
            # Listed now; its pending writes and the rewind happen before parse_multipart returns.
            self.pending_seeks.append(part.file)
            self.items.append((part.name, part.file))

    def _count_header_bytes(self, size: int) -> None:
        self.part.header_bytes += size
        if self.part.header_bytes > _MAX_HEADER_BYTES:
            raise _bad_request("Invalid multipart data.")  # pragma: no cover - python-multipart >= 0.0.22 stops first

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._count_header_bytes(end - start)
        self.header_name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._count_header_bytes(end - start)
        self.header_value += data[start:end]

    def on_header_end(self) -> None:
        name = self.header_name.lower()
        if name == b"content-disposition":
            self.part.disposition = self.header_value
        self.part.headers.append((name, self.header_value))
        self.header_name = b""
        self.header_value = b""

    def on_headers_finished(self) -> None:
        part = self.part
        _, options = self.parse_options_header(part.disposition)
        try:
            part.name = _decode(options[b"name"], self.charset)
        except KeyError:
            raise _bad_request('The Content-Disposition header field "name" must be provided.') from None
        if b"filename" in options:
            self.files += 1
            if self.files > self.max_files:
                raise _bad_request(f"Too many files. Maximum number of files is {self.max_files}.")
            spool: SpooledTemporaryFile[bytes] = SpooledTemporaryFile(max_size=SPOOL_MAX_SIZE)  # noqa: SIM115 - lives in the form
            self.opened.append(spool)
            part.file = UploadFile(
                file=cast("BinaryIO", spool),
                size=0,
                filename=_decode(options[b"filename"], self.charset),
                headers=Headers(raw=part.headers),
            )
        else:
            self.fields += 1
            if self.fields > self.max_fields:
                raise _bad_request(f"Too many fields. Maximum number of fields is {self.max_fields}.")

    async def flush(self) -> None:
        for upload, data in self.pending_writes:
            await upload.write(data)
        self.pending_writes.clear()
        for upload in self.pending_seeks:
            await upload.seek(0)
        self.pending_seeks.clear()


def _charset(params: dict[bytes, bytes]) -> str:
    charset = params.get(b"charset", b"utf-8").decode("latin-1")
    try:
        return codecs.lookup(charset).name
    except LookupError:
        return "latin-1"


async def parse_multipart(
    content_type: str,
    stream: AsyncGenerator[bytes, None],
    *,
    max_files: int | float = MAX_FORM_FILES,
    max_fields: int | float = MAX_FORM_FIELDS,
    max_part_size: int = MAX_PART_SIZE,
) -> FormData:
    """Parse a ``multipart/form-data`` body; file parts become ``UploadFile`` objects, rewound to the start.

    Args:
        content_type: The request's ``Content-Type`` header (with the boundary).
        stream: The body chunks (closed before returning).
        max_files: The most file parts accepted.
        max_fields: The most non-file parts accepted.
        max_part_size: The largest non-file part, in bytes.

    Returns:
        The fields and files, in order.

    Raises:
        HTTPException: 400 when the body is malformed or a limit is exceeded.
        MissingDependencyError: When python-multipart is not installed.
    """
    try:
        multipart, parse_options_header, form_parser_error = import_multipart()
        _, params = parse_options_header(content_type)
        boundary = params.get(b"boundary")
        if boundary is None:
            raise _bad_request("Missing boundary in multipart.")
        collector = _MultipartCollector(parse_options_header, _charset(params), max_files, max_fields, max_part_size)
        try:
            parser = _quiet(
                multipart.MultipartParser(
                    boundary,
                    {
                        "on_part_begin": collector.on_part_begin,
                        "on_part_data": collector.on_part_data,
                        "on_part_end": collector.on_part_end,
                        "on_header_field": collector.on_header_field,
                        "on_header_value": collector.on_header_value,
                        "on_header_end": collector.on_header_end,
                        "on_headers_finished": collector.on_headers_finished,
                    },
                )
            )
            async for chunk in stream:
                parser.write(chunk)
                # Callbacks are synchronous; file writes may need a thread, so they run here, between chunks.
                await collector.flush()
            parser.finalize()
            await collector.flush()
            # A file part the body never closed is dropped from the form: its spool is closed here, not leaked.
            kept = {id(value.file) for _, value in collector.items if isinstance(value, UploadFile)}
            for spool in collector.opened:
                if id(spool) not in kept:
                    spool.close()
        except BaseException as exc:
            for spool in collector.opened:
                spool.close()
            if isinstance(exc, form_parser_error):
                raise _bad_request("Invalid multipart data.") from exc
            raise
    finally:
        await stream.aclose()
    return FormData(collector.items)
