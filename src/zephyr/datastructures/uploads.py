"""Uploaded files and parsed forms: ``UploadFile`` and ``FormData``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, BinaryIO, cast

# ``anyio.to_thread`` is not imported here: anyio loads it on first use (older anyio, with the package itself).
import anyio

from zephyr._interop.starlette import StarletteTwin, is_starlette_upload
from zephyr.datastructures.headers import Headers
from zephyr.datastructures.multidicts import ImmutableMultiDict

if TYPE_CHECKING:
    from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
    from pydantic_core import CoreSchema

__all__ = ("FormData", "UploadFile")


class UploadFile(StarletteTwin):
    """A file uploaded in a request (also usable as a parameter or Pydantic field type).

    Its async methods touch the file in a worker thread only when the file has been rolled to disk; while a
    ``SpooledTemporaryFile`` is still in memory they run inline. Once a library has imported Starlette, an upload
    also passes ``isinstance(upload, starlette.datastructures.UploadFile)``, as FastAPI's do (see ``StarletteTwin``).

    Example:
        ```python
        @app.post("/upload")
        async def upload(file: UploadFile) -> dict[str, object]:
            return {"filename": file.filename, "size": len(await file.read())}
        ```

    Args:
        file: The underlying binary file (blocking; use it directly in ``def`` endpoints).
        size: The size in bytes, when known; ``write`` keeps it up to date.
        filename: The client-given file name.
        headers: The part's headers.
    """

    # ``__dict__`` too: as on Starlette's, code may set attributes or replace a method on one upload (a test that
    # patches ``read`` to fail); the dictionary is made only when that happens.
    __slots__ = ("__dict__", "_max_mem_size", "file", "filename", "headers", "size")

    #: Not data to ``jsonable_encoder`` (which would otherwise read the per-instance ``__dict__``, empty here).
    __zephyr_opaque__ = True

    file: BinaryIO
    filename: str | None
    size: int | None
    headers: Headers

    def __init__(
        self, file: BinaryIO, *, size: int | None = None, filename: str | None = None, headers: Headers | None = None
    ) -> None:
        self.file = file
        self.size = size
        self.filename = filename
        self.headers = headers if headers is not None else Headers()
        # SpooledTemporaryFile's threshold (0 means it never rolls).
        self._max_mem_size: int = getattr(file, "_max_size", 0)

    @property
    def content_type(self) -> str | None:
        """The part's ``Content-Type`` header, if any."""
        content_type: str | None = self.headers.get("content-type")
        return content_type

    @property
    def _in_memory(self) -> bool:
        return not getattr(self.file, "_rolled", True)

    def _will_roll(self, size_to_add: int) -> bool:
        if not self._in_memory:
            return True
        return bool(self._max_mem_size) and self.file.tell() + size_to_add > self._max_mem_size

    async def write(self, data: bytes) -> None:
        """Append ``data`` to the file and add its length to ``size``."""
        if self.size is not None:
            self.size += len(data)
        if self._will_roll(len(data)):
            await anyio.to_thread.run_sync(self.file.write, data)
        else:
            self.file.write(data)

    async def read(self, size: int = -1) -> bytes:
        """Read up to ``size`` bytes (all remaining when negative)."""
        if self._in_memory:
            return self.file.read(size)
        return await anyio.to_thread.run_sync(self.file.read, size)

    async def seek(self, offset: int) -> None:
        """Move to byte ``offset``."""
        if self._in_memory:
            self.file.seek(offset)
        else:
            await anyio.to_thread.run_sync(self.file.seek, offset)

    async def close(self) -> None:
        """Close the file (deleting it when it is a temporary file)."""
        if self._in_memory:
            self.file.close()
        else:
            await anyio.to_thread.run_sync(self.file.close)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(filename={self.filename!r}, size={self.size!r}, headers={self.headers!r})"

    @classmethod
    def _validate(cls, value: Any, info: Any = None) -> UploadFile:
        """Accept an ``UploadFile`` (Zephyr's or Starlette's) as it is; refuse anything else.

        ``info`` is Pydantic's validation info, taken as FastAPI takes it.
        """
        if not isinstance(value, UploadFile) and not is_starlette_upload(value):
            raise ValueError(f"Expected UploadFile, received: {type(value)}")
        return cast("UploadFile", value)

    @classmethod
    def __get_pydantic_core_schema__(cls, source: type[Any], handler: GetCoreSchemaHandler) -> CoreSchema:
        from pydantic_core import core_schema

        return core_schema.no_info_plain_validator_function(cls._validate)

    @classmethod
    def __get_pydantic_json_schema__(cls, schema: CoreSchema, handler: GetJsonSchemaHandler) -> dict[str, Any]:
        # FastAPI 0.16x (OpenAPI 3.1) describes a file as binary string content, with no "format".
        return {"type": "string", "contentMediaType": "application/octet-stream"}


class FormData(ImmutableMultiDict[str, UploadFile | str]):
    """A parsed form: an immutable multi-dict of strings and ``UploadFile`` objects.

    Args:
        *args: A mapping, a form or a list of pairs.
        **kwargs: More fields.
    """

    __slots__ = ()

    def __init__(
        self,
        *args: FormData | Mapping[str, str | UploadFile] | list[tuple[str, str | UploadFile]],
        **kwargs: str | UploadFile,
    ) -> None:
        super().__init__(*args, **kwargs)

    async def close(self) -> None:
        """Close every uploaded file in the form."""
        for _, value in self._list:
            if isinstance(value, UploadFile):
                await value.close()
