"""``bytes`` file parameters read again after an earlier dependency moved the upload (only where that can happen)."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Iterator
from typing import Annotated, Any

import pytest

from zephyr import Depends, File, UploadFile
from zephyr._compile.dependant import build_dependant
from zephyr._compile.generators import AsyncGenContext
from zephyr._compile.plan import build_plan
from zephyr._compile.rereads import UPLOAD_KWARG_PREFIX, rereading

pytestmark = pytest.mark.anyio


async def moves(file: Annotated[UploadFile, File()]) -> bytes:
    return bytes(await file.read(2))


def later(moved: Annotated[bytes, Depends(moves)], file: Annotated[bytes, File()]) -> bytes:
    return moved + b"|" + file


def other_name(moved: Annotated[bytes, Depends(moves)], other: Annotated[bytes, File()]) -> bytes:
    return moved + other


def _upload() -> UploadFile:
    stream = io.BytesIO(b"hello")
    stream.seek(2)
    return UploadFile(stream, filename="a.txt")


def test_only_a_later_bytes_parameter_of_the_same_upload_is_wrapped() -> None:
    def endpoint(a: Annotated[bytes, Depends(later)], b: Annotated[bytes, Depends(other_name)]) -> None: ...

    steps = build_plan(build_dependant(endpoint, path="/"), "endpoint").steps
    by_call = {getattr(step.call, "__wrapped__", step.call): step for step in steps}
    assert by_call[later].call is not later  # wrapped, and named as the call it wraps
    assert by_call[later].call.__name__ == "later"
    assert (UPLOAD_KWARG_PREFIX + "file", by_call[moves].kwargs[0][1]) in by_call[later].kwargs
    assert by_call[other_name].call is other_name  # another form name: read before any dependency, as before
    assert by_call[moves].call is moves
    assert steps[-1].call is endpoint


def test_a_plan_without_such_a_pair_is_unchanged() -> None:
    def endpoint(file: Annotated[bytes, File()], upload: Annotated[UploadFile, File(alias="file")]) -> None: ...

    plan = build_plan(build_dependant(endpoint, path="/"), "endpoint")
    assert [step.call for step in plan.steps] == [endpoint]  # taken together: nothing ran in between


async def test_the_bytes_are_read_where_the_upload_is_and_its_position_kept() -> None:
    def sync_call(file: bytes) -> bytes:
        return file

    call, is_coroutine, is_async_gen = rereading(
        sync_call, (("file", "zephyr:upload:file"),), is_coroutine=False, is_gen=False, is_async_gen=False
    )
    upload = _upload()
    assert (is_coroutine, is_async_gen) == (True, False)
    assert await call(file=b"hello", **{"zephyr:upload:file": upload}) == b"llo"
    assert upload.file.tell() == 2
    assert await call(file=b"hello") == b"hello"  # the exact path reads the form itself: its bytes are kept


async def test_generator_dependencies_are_wrapped_as_async_generators() -> None:
    def sync_gen(file: bytes) -> Iterator[bytes]:
        yield file

    async def async_gen(file: bytes) -> AsyncIterator[bytes]:
        yield file

    for func, kind in ((sync_gen, {"is_gen": True}), (async_gen, {"is_async_gen": True})):
        options: dict[str, Any] = {"is_coroutine": False, "is_gen": False, "is_async_gen": False, **kind}
        call, is_coroutine, is_async_gen = rereading(func, (("file", "zephyr:upload:file"),), **options)
        assert (is_coroutine, is_async_gen) == (False, True)
        async with AsyncGenContext(call(file=b"hello", **{"zephyr:upload:file": _upload()})) as value:
            assert value == b"llo"
