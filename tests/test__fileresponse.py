from __future__ import annotations

import os
from pathlib import Path

import pytest
import starlette.responses

from zephyr import _fileresponse as f

SIZE = 1000


@pytest.mark.parametrize(
    "value",
    [
        "bytes=0-9",
        "bytes=-100",
        "bytes=900-",
        "bytes=0-9,5-20,30-40,41-50",
        "bytes=30-40,0-9",
        "bytes=0-99999",
        "bytes=0-9, x-y, -, 7",
        "bytes=1-2,3-4",
        "bytes=10-5",
        "bytes=1000-",
        "bytes=-0",
        "bytes=5--3",
        "bytes=+5-6",
        "bytes=1_0-20",
        "bits=0-1",
        "bytes",
        "bytes=",
        "bytes=,,,",
        "bytes=" + ",".join(["0-1"] * 100),
        "bytes=" + ",".join(["0-1"] * 101),
    ],
)
def test_parse_range_header_matches_starlette(value: str) -> None:
    def run(parse: object) -> object:
        try:
            return ("ok", parse(value, SIZE))  # type: ignore[operator]
        except (f.MalformedRangeHeader, starlette.responses.MalformedRangeHeader) as exc:
            return ("malformed", exc.content)
        except (f.RangeNotSatisfiable, starlette.responses.RangeNotSatisfiable) as exc:
            return ("unsatisfiable", exc.max_size)

    ours = run(lambda v, s: f.parse_range_header(v, s, 100))
    theirs = run(starlette.responses.FileResponse._parse_range_header)
    assert ours == theirs


def test_parse_range_header_exact_results() -> None:
    assert f.parse_range_header("bytes=0-9", SIZE, 100) == [(0, 10)]
    assert f.parse_range_header("bytes=-100", SIZE, 100) == [(900, 1000)]
    assert f.parse_range_header("bytes=990-", SIZE, 100) == [(990, 1000)]
    assert f.parse_range_header("bytes=20-29,0-9,5-12", SIZE, 100) == [(0, 13), (20, 30)]
    assert f.parse_range_header("bytes=0-1,2-3", SIZE, 1) == []
    with pytest.raises(f.RangeNotSatisfiable) as info:
        f.parse_range_header("bytes=1000-1001", SIZE, 100)
    assert info.value.max_size == SIZE
    with pytest.raises(f.MalformedRangeHeader, match="Only support bytes range"):
        f.parse_range_header("lines=1-2", SIZE, 100)


@pytest.mark.parametrize(
    ("if_none_match", "if_modified_since", "expected"),
    [
        (b'"abc"', None, True),
        (b'W/"abc"', None, True),
        (b'"x", "abc"', None, True),
        (b"*", None, True),
        (b'"x"', None, False),
        (b'"x"', b"Fri, 01 Jan 2100 00:00:00 GMT", False),
        (None, b"Fri, 01 Jan 2100 00:00:00 GMT", True),
        (None, b"Wed, 01 Jan 2020 00:00:00 GMT", True),
        (None, b"Tue, 31 Dec 2019 23:59:59 GMT", False),
        (None, b"garbage", False),
        (None, b"Wed, 01 Jan 2020 00:00:00", False),
        (None, None, False),
    ],
)
def test_is_not_modified(if_none_match: bytes | None, if_modified_since: bytes | None, expected: bool) -> None:
    last_modified = b"Wed, 01 Jan 2020 00:00:00 GMT"
    assert f.is_not_modified(if_none_match, if_modified_since, b'"abc"', last_modified) is expected


def test_is_not_modified_without_validators() -> None:
    assert f.is_not_modified(b'"abc"', None, None, None) is False
    assert f.is_not_modified(None, b"Wed, 01 Jan 2020 00:00:00 GMT", None, None) is False


def test_not_modified_headers_keeps_rfc_list() -> None:
    raw = [
        (b"content-type", b"text/plain"),
        (b"etag", b'"1"'),
        (b"vary", b"accept"),
        (b"content-length", b"3"),
        (b"cache-control", b"max-age=1"),
    ]
    assert f.not_modified_headers(raw) == [(b"etag", b'"1"'), (b"vary", b"accept"), (b"cache-control", b"max-age=1")]


def test_set_header_replaces_first_and_drops_repeats() -> None:
    raw = [(b"a", b"1"), (b"b", b"2"), (b"a", b"3")]
    f.set_header(raw, b"a", b"x")
    assert raw == [(b"a", b"x"), (b"b", b"2")]
    f.set_header(raw, b"c", b"y")
    assert raw == [(b"a", b"x"), (b"b", b"2"), (b"c", b"y")]


def test_setdefault_and_get_header() -> None:
    raw = [(b"a", b"1")]
    f.setdefault_header(raw, b"a", b"2")
    f.setdefault_header(raw, b"b", b"3")
    assert raw == [(b"a", b"1"), (b"b", b"3")]
    assert f.get_header(raw, b"b") == b"3"
    assert f.get_header(raw, b"z") is None


def test_multipart_length_matches_starlette() -> None:
    ranges = [(0, 10), (500, 1000)]
    boundary = "0123456789abcdef0123456789"
    theirs_length, _ = starlette.responses.FileResponse.generate_multipart(
        None,  # type: ignore[arg-type]
        ranges,
        boundary,
        SIZE,
        "text/plain; charset=utf-8",
    )
    assert f.multipart_length(ranges, boundary, "text/plain; charset=utf-8", SIZE) == theirs_length


def test_multipart_part_header_exact() -> None:
    assert f.multipart_part_header("B", "image/png", 5, 10, 99) == (
        b"--B\r\nContent-Type: image/png\r\nContent-Range: bytes 5-9/99\r\n\r\n"
    )


def test_stat_headers_match_starlette(tmp_path: Path) -> None:
    path = tmp_path / "x.bin"
    path.write_bytes(b"abc")
    stat = path.stat()
    theirs = starlette.responses.FileResponse(path, stat_result=stat)
    assert [h for h in theirs.raw_headers if h[0] in (b"content-length", b"last-modified", b"etag")] == list(
        f.stat_headers(stat)
    )


def test_open_and_read_chunks(tmp_path: Path) -> None:
    path = tmp_path / "x.bin"
    path.write_bytes(b"0123456789")
    data, file = f.open_and_read(path, 2, 8, 3)
    assert data == b"234"
    assert file is not None
    data, file = f.read_next(file, 5, 3)
    assert data == b"567"
    assert file is not None
    data, next_file = f.read_next(file, 2, 3)
    assert data == b"89"
    assert next_file is None
    assert file.closed


def test_open_and_read_small_file_closes_at_once(tmp_path: Path) -> None:
    path = tmp_path / "x.bin"
    path.write_bytes(b"abc")
    stat, (data, file) = f.stat_and_read(path, 64)
    assert (stat.st_size, data, file) == (3, b"abc", None)


def test_open_and_read_stops_at_end_of_file(tmp_path: Path) -> None:
    path = tmp_path / "x.bin"
    path.write_bytes(b"abc")
    data, file = f.open_and_read(path, 1, 100, 64)
    assert (data, file) == (b"bc", None)


def test_stat_path_errors(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="does not exist"):
        f.stat_path(tmp_path / "nope")
    with pytest.raises(RuntimeError, match="is not a file"):
        f.stat_path(tmp_path)
    assert isinstance(f.stat_path(__file__), os.stat_result)


class _FailingFile:
    closed = False

    def read(self, size: int) -> bytes:
        raise OSError("disk error")

    def seek(self, offset: int) -> int:
        return offset

    def close(self) -> None:
        self.closed = True


def test_read_next_closes_the_file_on_error() -> None:
    file = _FailingFile()
    with pytest.raises(OSError, match="disk error"):
        f.read_next(file, 10, 5)  # type: ignore[arg-type]
    assert file.closed


def test_open_and_read_closes_the_file_on_error(monkeypatch: pytest.MonkeyPatch) -> None:
    file = _FailingFile()
    monkeypatch.setattr(f, "open", lambda path, mode: file, raising=False)
    with pytest.raises(OSError, match="disk error"):
        f.open_and_read("x", 3, 10, 5)
    assert file.closed
