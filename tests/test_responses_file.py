"""FileResponse: whole files, ranges, conditional requests and disconnects, against Starlette."""

from __future__ import annotations

import hashlib
import os
import re
from email.utils import formatdate
from pathlib import Path
from typing import Any

import anyio
import pytest
import starlette.background
import starlette.responses

from tests.support.asgi_messages import (
    FILE_BYTES,
    FILE_SIZE,
    call,
    idle_receive,
    make_scope,
    normalize_boundary,
    summary,
)
from zephyr.background import BackgroundTask
from zephyr.responses import (
    FileResponse,
)
from zephyr.types import Message, Scope

pytestmark = pytest.mark.anyio


# --- FileResponse ---------------------------------------------------------------------------------------------------


@pytest.fixture
def data_file(tmp_path: Path) -> Path:
    path = tmp_path / "data.txt"
    path.write_bytes(FILE_BYTES)
    return path


async def both(path: Path, scope: Scope, **kwargs: Any) -> tuple[Any, Any]:
    ours = normalize_boundary(summary(await call(FileResponse(path, **kwargs), scope)))
    theirs = normalize_boundary(summary(await call(starlette.responses.FileResponse(path, **kwargs), scope)))
    return ours, theirs


def content_range(start: int, end: int) -> bytes:
    return f"bytes {start}-{end}/{FILE_SIZE}".encode()


async def test_file_response_full_get_exact(data_file: Path) -> None:
    stat = data_file.stat()
    messages = await call(FileResponse(data_file))
    status, headers, body = summary(messages)
    assert status == 200
    assert body == FILE_BYTES
    assert headers == [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"accept-ranges", b"bytes"),
        (b"content-length", b"200000"),
        (b"last-modified", formatdate(stat.st_mtime, usegmt=True).encode()),
        (
            b"etag",
            f'"{hashlib.md5(f"{stat.st_mtime}-{stat.st_size}".encode(), usedforsecurity=False).hexdigest()}"'.encode(),
        ),
    ]
    # Never more than a 64 KiB chunk per message.
    assert [len(m["body"]) for m in messages[1:]] == [65536, 65536, 65536, 3392]


@pytest.mark.parametrize("size", [0, 1, 65535, 65536, 65537, 131072])
async def test_file_response_sizes_match_starlette(tmp_path: Path, size: int) -> None:
    path = tmp_path / "blob.bin"
    path.write_bytes(FILE_BYTES[:size])
    ours, theirs = await both(path, make_scope())
    assert ours == theirs
    assert ours[2] == FILE_BYTES[:size]


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"filename": "report.pdf"},
        {"filename": "résumé 2024.pdf"},
        {"filename": 'quote".txt', "content_disposition_type": "inline"},
        {"media_type": "application/x-custom"},
        {"headers": {"X-A": "1", "ETag": '"mine"', "Accept-Ranges": "none"}},
        {"status_code": 404},
    ],
)
async def test_file_response_headers_match_starlette(data_file: Path, kwargs: dict[str, Any]) -> None:
    ours, theirs = await both(data_file, make_scope(), **kwargs)
    assert ours == theirs


def test_file_response_content_disposition_exact(data_file: Path) -> None:
    ascii_name = FileResponse(data_file, filename="a.txt").raw_headers
    assert (b"content-disposition", b'attachment; filename="a.txt"') in ascii_name
    unicode_name = FileResponse(data_file, filename="ü.txt", content_disposition_type="inline").raw_headers
    assert (b"content-disposition", b"inline; filename*=utf-8''%C3%BC.txt") in unicode_name


def test_file_response_media_type_guessed(tmp_path: Path) -> None:
    assert FileResponse(tmp_path / "x.png").media_type == "image/png"
    assert FileResponse(tmp_path / "x.unknownext").media_type == "application/octet-stream"
    assert FileResponse(tmp_path / "x", filename="y.html").media_type == "text/html"


async def test_file_response_stat_result_given_sets_headers_at_once(data_file: Path) -> None:
    stat = data_file.stat()
    ours = FileResponse(data_file, stat_result=stat)
    theirs = starlette.responses.FileResponse(data_file, stat_result=stat)
    assert ours.raw_headers == theirs.raw_headers
    assert summary(await call(ours))[2] == FILE_BYTES


async def test_file_response_head_sends_headers_only(data_file: Path) -> None:
    ours, theirs = await both(data_file, make_scope("HEAD"))
    assert ours == theirs
    assert ours[2] == b""
    assert (b"content-length", b"200000") in ours[1]


async def test_file_response_method_head_parameter(data_file: Path) -> None:
    status, headers, body = summary(await call(FileResponse(data_file, method="HEAD")))
    assert (status, body) == (200, b"")
    assert (b"content-length", b"200000") in headers


async def test_file_response_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "missing.txt"
    with pytest.raises(RuntimeError, match=f"File at path {re.escape(str(path))} does not exist."):
        await call(FileResponse(path))
    with pytest.raises(RuntimeError, match="does not exist"):
        await call(FileResponse(path), make_scope("HEAD"))


async def test_file_response_directory_is_not_a_file(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match=f"File at path {re.escape(str(tmp_path))} is not a file."):
        await call(FileResponse(tmp_path))


async def test_file_response_pathsend(data_file: Path) -> None:
    response = FileResponse(data_file)
    messages = await call(response, make_scope(extensions={"http.response.pathsend": {}}))
    assert messages == [
        {"type": "http.response.start", "status": 200, "headers": response.raw_headers},
        {"type": "http.response.pathsend", "path": str(data_file)},
    ]
    theirs = await call(
        starlette.responses.FileResponse(data_file), make_scope(extensions={"http.response.pathsend": {}})
    )
    assert messages == theirs


async def test_file_response_as_websocket_denial(data_file: Path) -> None:
    messages = await call(FileResponse(data_file, status_code=403), make_scope(scope_type="websocket"))
    assert {m["type"] for m in messages} == {"websocket.http.response.start", "websocket.http.response.body"}
    assert b"".join(m["body"] for m in messages[1:]) == FILE_BYTES


async def test_file_response_runs_background(data_file: Path) -> None:
    done: list[str] = []
    await call(FileResponse(data_file, background=BackgroundTask(done.append, "x")))
    assert done == ["x"]


# Ranges: every case against Starlette 1.x, plus the exact expected answer.
RANGE_CASES: list[tuple[str, int, list[tuple[bytes, bytes]], bytes]] = [
    ("bytes=0-99", 206, [(b"content-range", content_range(0, 99))], FILE_BYTES[:100]),
    ("bytes=-500", 206, [(b"content-range", content_range(FILE_SIZE - 500, FILE_SIZE - 1))], FILE_BYTES[-500:]),
    ("bytes=100-", 206, [(b"content-range", content_range(100, FILE_SIZE - 1))], FILE_BYTES[100:]),
    ("bytes=0-0", 206, [(b"content-range", content_range(0, 0))], FILE_BYTES[:1]),
    ("bytes=10-9999999", 206, [(b"content-range", content_range(10, FILE_SIZE - 1))], FILE_BYTES[10:]),
    ("bytes=-9999999", 206, [(b"content-range", content_range(0, FILE_SIZE - 1))], FILE_BYTES),
    ("bytes=0-99,50-150", 206, [(b"content-range", content_range(0, 150))], FILE_BYTES[:151]),
    ("bytes=0-99,100-199", 206, [(b"content-range", content_range(0, 199))], FILE_BYTES[:200]),
    (" BYTES = 5-9 ", 206, [(b"content-range", content_range(5, 9))], FILE_BYTES[5:10]),
    ("bytes=0-9, abc, -, ,", 206, [(b"content-range", content_range(0, 9))], FILE_BYTES[:10]),
    ("bytes=500-100", 400, [], b"Range header: start must be less than end"),
    ("bytes=200000-", 416, [(b"content-range", b"bytes */200000")], b""),
    ("bytes=-0", 416, [(b"content-range", b"bytes */200000")], b""),
    ("bytes=0-9,300000-", 416, [(b"content-range", b"bytes */200000")], b""),
    ("items=0-1", 400, [], b"Only support bytes range"),
    ("bytes", 400, [], b"Malformed range header."),
    ("bytes=", 400, [], b"Range header: range must be requested"),
    ("bytes=abc-def", 400, [], b"Range header: range must be requested"),
    ("bytes=" + ",".join(f"{n}-{n}" for n in range(0, 202, 2)), 200, [], FILE_BYTES),
]


@pytest.mark.parametrize(("range_value", "status", "headers", "body"), RANGE_CASES)
async def test_file_response_ranges_match_starlette(
    data_file: Path, range_value: str, status: int, headers: list[tuple[bytes, bytes]], body: bytes
) -> None:
    ours, theirs = await both(data_file, make_scope(headers=(("Range", range_value),)))
    assert ours == theirs
    assert ours[0] == status
    assert ours[2] == body
    for header in headers:
        assert header in ours[1]
    if status == 206:
        assert (b"content-length", str(len(body)).encode()) in ours[1]


async def test_file_response_multiple_ranges_exact(data_file: Path) -> None:
    scope = make_scope(headers=(("Range", "bytes=300-309, 0-4, 2-6"),))
    ours, theirs = await both(data_file, scope)
    assert ours == theirs
    status, headers, body = ours
    expected_body = (
        b"--BOUNDARY\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Range: bytes 0-6/200000\r\n\r\n"
        + FILE_BYTES[0:7]
        + b"\r\n--BOUNDARY\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Range: bytes 300-309/200000\r\n\r\n"
        + FILE_BYTES[300:310]
        + b"\r\n--BOUNDARY--"
    )
    assert status == 206
    assert body == expected_body
    real_length = len(expected_body.replace(b"BOUNDARY", b"b" * 26))
    assert (b"content-length", str(real_length).encode()) in headers
    assert (b"content-type", b"multipart/byteranges; boundary=BOUNDARY") in headers


async def test_file_response_multiple_large_ranges(data_file: Path) -> None:
    ours, theirs = await both(data_file, make_scope(headers=(("Range", "bytes=0-69999,100000-"),)))
    assert ours == theirs
    assert FILE_BYTES[:70000] in ours[2]
    assert FILE_BYTES[100000:] in ours[2]


async def test_file_response_ranges_on_head(data_file: Path) -> None:
    for value in ("bytes=0-9", "bytes=0-9,20-29"):
        ours, theirs = await both(data_file, make_scope("HEAD", headers=(("Range", value),)))
        assert ours == theirs
        assert ours[0] == 206
        assert ours[2] == b""


@pytest.mark.current_reference
async def test_file_response_range_ignored_for_post_and_non_200(data_file: Path) -> None:
    ours, theirs = await both(data_file, make_scope("POST", headers=(("Range", "bytes=0-9"),)))
    assert ours == theirs
    assert ours[0] == 200
    ours, theirs = await both(data_file, make_scope(headers=(("Range", "bytes=0-9"),)), status_code=404)
    assert ours == theirs
    assert ours[0] == 404


async def test_file_response_range_on_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    ours, theirs = await both(path, make_scope(headers=(("Range", "bytes=0-"),)))
    assert ours == theirs
    assert ours[0] == 416


async def test_file_response_if_range(data_file: Path) -> None:
    stat = data_file.stat()
    etag = f'"{hashlib.md5(f"{stat.st_mtime}-{stat.st_size}".encode(), usedforsecurity=False).hexdigest()}"'
    last_modified = formatdate(stat.st_mtime, usegmt=True)
    cases = [(etag, 206), (last_modified, 206), ('"other"', 200), ("W/" + etag, 200)]
    for if_range, status in cases:
        scope = make_scope(headers=(("Range", "bytes=0-9"), ("If-Range", if_range)))
        ours, theirs = await both(data_file, scope)
        assert ours == theirs
        assert ours[0] == status


async def test_file_response_range_errors_run_background(data_file: Path) -> None:
    done: list[str] = []
    for value in ("bytes=9-1", "bytes=999999-"):
        response = FileResponse(data_file, background=BackgroundTask(done.append, value))
        await call(response, make_scope(headers=(("Range", value),)))
    assert done == ["bytes=9-1", "bytes=999999-"]


async def test_file_response_shorter_than_stat_fails_multirange(data_file: Path) -> None:
    real = data_file.stat()
    fake = os.stat_result((real.st_mode, 0, 0, 1, 0, 0, FILE_SIZE * 2, 0, real.st_mtime, real.st_mtime))
    response = FileResponse(data_file, stat_result=fake)
    with pytest.raises(RuntimeError, match="is shorter than expected"):
        await call(response, make_scope(headers=(("Range", "bytes=0-1,300000-300001"),)))


# Conditional requests: 304 Not Modified.


async def test_file_response_if_none_match_gives_304(data_file: Path) -> None:
    response = FileResponse(data_file, headers={"Cache-Control": "no-cache", "X-Other": "1"})
    etag = dict(response.raw_headers).get(b"etag")
    assert etag is None  # set when sent
    first = summary(await call(response))
    etag = dict(first[1])[b"etag"]
    for value in (etag.decode(), "*", f'"x", W/{etag.decode()}'):
        done: list[str] = []
        response = FileResponse(
            data_file, headers={"Cache-Control": "no-cache", "X-Other": "1"}, background=BackgroundTask(done.append, "")
        )
        result = summary(await call(response, make_scope(headers=(("If-None-Match", value),))))
        assert result == (304, [(b"cache-control", b"no-cache"), (b"etag", etag)], b"")
        assert done == [""]


async def test_file_response_if_none_match_mismatch_wins_over_if_modified_since(data_file: Path) -> None:
    headers = (("If-None-Match", '"nope"'), ("If-Modified-Since", "Fri, 01 Jan 2100 00:00:00 GMT"))
    assert summary(await call(FileResponse(data_file), make_scope(headers=headers)))[0] == 200


@pytest.mark.parametrize(
    ("since", "status"),
    [
        ("Fri, 01 Jan 2100 00:00:00 GMT", 304),
        ("Thu, 01 Jan 1970 00:00:00 GMT", 200),
        ("not a date", 200),
    ],
)
async def test_file_response_if_modified_since(data_file: Path, since: str, status: int) -> None:
    result = summary(await call(FileResponse(data_file), make_scope("HEAD", headers=(("If-Modified-Since", since),))))
    assert result[0] == status


async def test_file_response_conditional_only_for_get_and_head_200(data_file: Path) -> None:
    headers = (("If-Modified-Since", "Fri, 01 Jan 2100 00:00:00 GMT"),)
    assert summary(await call(FileResponse(data_file), make_scope("POST", headers=headers)))[0] == 200
    assert summary(await call(FileResponse(data_file, status_code=404), make_scope(headers=headers)))[0] == 404


# Disconnects and resources.


def open_fd_count() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc to count open files")
async def test_file_response_disconnect_stops_and_closes_file(data_file: Path) -> None:
    before = open_fd_count()
    done: list[str] = []
    gate = anyio.Event()
    bodies = 0

    async def receive() -> Message:
        await gate.wait()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        nonlocal bodies
        if message["type"] == "http.response.body":
            bodies += 1
            gate.set()
            await anyio.sleep(0.01)

    response = FileResponse(data_file, background=BackgroundTask(done.append, "bg"))
    with anyio.fail_after(5):
        await response(make_scope(), receive, send)
    assert bodies < 4
    assert done == ["bg"]
    assert open_fd_count() == before


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc to count open files")
async def test_file_response_send_error_closes_file(data_file: Path) -> None:
    before = open_fd_count()

    async def send(message: Message) -> None:
        if message["type"] == "http.response.body":
            raise OSError("gone")

    for headers in ((), (("Range", "bytes=0-99999"),), (("Range", "bytes=0-99999,150000-"),)):
        with pytest.raises(OSError, match="gone"):
            await FileResponse(data_file)(make_scope(headers=headers, spec_version="2.4"), idle_receive(), send)
    assert open_fd_count() == before


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc to count open files")
async def test_file_response_start_error_closes_prefetched_file(data_file: Path) -> None:
    before = open_fd_count()

    async def send(message: Message) -> None:
        raise OSError("gone")

    with pytest.raises(OSError, match="gone"):
        await FileResponse(data_file)(make_scope(spec_version="2.4"), idle_receive(), send)
    assert open_fd_count() == before
