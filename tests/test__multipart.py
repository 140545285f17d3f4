from __future__ import annotations

import logging
import re
import sys
import time
import tracemalloc
import types
from collections.abc import AsyncGenerator
from typing import Any

import pytest

from tests.test_requests import call_both, client, http_scope, make_app
from zephyr import _multipart
from zephyr.datastructures import UploadFile
from zephyr.exceptions import HTTPException, MissingDependencyError, MultipartInstallError
from zephyr.requests import ClientDisconnect, Request
from zephyr.types import Message

pytestmark = pytest.mark.anyio

BOUNDARY = "xXxBoUnDaRyXxX"


def multipart_body(*parts: tuple[list[str], bytes], boundary: str = BOUNDARY) -> bytes:
    out = b""
    for headers, content in parts:
        out += f"--{boundary}\r\n".encode()
        for header in headers:
            out += header.encode("latin-1") + b"\r\n"
        out += b"\r\n" + content + b"\r\n"
    return out + f"--{boundary}--\r\n".encode()


def field(name: str, value: bytes) -> tuple[list[str], bytes]:
    return [f'Content-Disposition: form-data; name="{name}"'], value


def file_part(name: str, filename: str, content: bytes, content_type: str = "text/plain") -> tuple[list[str], bytes]:
    return [
        f'Content-Disposition: form-data; name="{name}"; filename="{filename}"',
        f"Content-Type: {content_type}",
    ], content


async def describe_form(request: Any, **limits: Any) -> list[Any]:
    async with request.form(**limits) as form:
        described = []
        for key, value in form.multi_items():
            if isinstance(value, str):
                described.append([key, value])
            else:
                content = (await value.read()).decode("latin-1")
                described.append([key, value.filename, value.content_type, value.size, content, value.headers.items()])
        return described


def multipart_headers(content_type: str = f"multipart/form-data; boundary={BOUNDARY}") -> dict[str, str]:
    return {"content-type": content_type}


async def test_multipart_fields_and_files_match_starlette() -> None:
    body = multipart_body(
        field("a", b"1"),
        file_part("f", "one.txt", b"hello\r\nworld"),
        field("a", "é".encode()),
        file_part("g", "two.bin", b"", "application/octet-stream"),
        (['Content-Disposition: form-data; name="f"; filename="C:\\dir\\x.txt"'], b"no type"),
    )
    response = await call_both(describe_form, "POST", "/", content=body, headers=multipart_headers())
    assert response.status_code == 200
    assert response.json() == [
        ["a", "1"],
        [
            "f",
            "one.txt",
            "text/plain",
            12,
            "hello\r\nworld",
            [["content-disposition", 'form-data; name="f"; filename="one.txt"'], ["content-type", "text/plain"]],
        ],
        ["a", "é"],
        [
            "g",
            "two.bin",
            "application/octet-stream",
            0,
            "",
            [
                ["content-disposition", 'form-data; name="g"; filename="two.bin"'],
                ["content-type", "application/octet-stream"],
            ],
        ],
        ["f", "x.txt", None, 7, "no type", [["content-disposition", 'form-data; name="f"; filename="C:\\dir\\x.txt"']]],
    ]


@pytest.mark.current_reference
async def test_multipart_charset_matches_starlette() -> None:
    body = multipart_body(field("a", "é".encode("latin-1")), field("b", b"\xff\xfe"))
    for content_type in (
        f"multipart/form-data; charset=latin-1; boundary={BOUNDARY}",
        f"multipart/form-data; charset=nope; boundary={BOUNDARY}",
        f'Multipart/Form-Data; boundary="{BOUNDARY}"',
    ):
        await call_both(describe_form, "POST", "/", content=body, headers=multipart_headers(content_type))


async def test_multipart_from_httpx_files_matches_starlette() -> None:
    response = await call_both(
        describe_form, "POST", "/", data={"x": "1"}, files=[("f", ("a.txt", b"abc", "text/plain")), ("f", ("b", b"d"))]
    )
    assert [item[:2] for item in response.json()] == [["x", "1"], ["f", "a.txt"], ["f", "b"]]


@pytest.mark.parametrize(
    ("body", "content_type", "limits", "detail"),
    [
        (
            multipart_body(field("a", b"1"), field("b", b"2")),
            None,
            {"max_fields": 1},
            "Too many fields. Maximum number of fields is 1.",
        ),
        (
            multipart_body(file_part("a", "a", b"1"), file_part("b", "b", b"2")),
            None,
            {"max_files": 1},
            "Too many files. Maximum number of files is 1.",
        ),
        (
            multipart_body(field("a", b"x" * 2049)),
            None,
            {"max_part_size": 2048},
            "Part exceeded maximum size of 2KB.",
        ),
        (
            multipart_body(field("a", b"1")),
            "multipart/form-data",
            {},
            "Missing boundary in multipart.",
        ),
        (
            multipart_body((["Content-Disposition: form-data"], b"1")),
            None,
            {},
            'The Content-Disposition header field "name" must be provided.',
        ),
        (
            multipart_body((["X-Other: 1"], b"1")),
            None,
            {},
            'The Content-Disposition header field "name" must be provided.',
        ),
        (
            f"--{BOUNDARY}\r\nbroken header line\r\n\r\n".encode(),
            None,
            {},
            "Invalid multipart data.",
        ),
        (
            b"--" + b"b" * 300 + b"\r\n",
            "multipart/form-data; boundary=" + "b" * 300,
            {},
            "Invalid multipart data.",
        ),
        (
            b"a=1&b=2",
            "application/x-www-form-urlencoded",
            {"max_fields": 1},
            "Too many fields. Maximum number of fields is 1.",
        ),
        (
            b"a=" + b"x" * 1025,
            "application/x-www-form-urlencoded",
            {"max_part_size": 1024},
            "Field exceeded maximum size of 1KB.",
        ),
        (
            b"a" * 1025 + b"=1",
            "application/x-www-form-urlencoded",
            {"max_part_size": 1024},
            "Field exceeded maximum size of 1KB.",
        ),
    ],
)
async def test_form_errors_are_400_like_starlette(
    body: bytes, content_type: str | None, limits: dict[str, Any], detail: str
) -> None:
    async def handler(request: Any) -> Any:
        return await describe_form(request, **limits)

    response = await call_both(
        handler,
        "POST",
        "/",
        content=body,
        headers=multipart_headers(content_type or f"multipart/form-data; boundary={BOUNDARY}"),
    )
    assert (response.status_code, response.json()) == (400, {"detail": detail})


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"garbage without boundary",
        f"--{BOUNDARY}\r\n".encode(),
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="a"\r\n\r\nunterminated'.encode(),
        multipart_body(field("a", b"1"))[:-10],
        b"preamble\r\n" + multipart_body(field("a", b"1")) + b"epilogue",
        f"--{BOUNDARY}--\r\n".encode(),
        f"--{BOUNDARY}xx\r\n".encode(),
    ],
)
async def test_malformed_multipart_never_500_and_matches_starlette(body: bytes) -> None:
    response = await call_both(describe_form, "POST", "/", content=body, headers=multipart_headers())
    assert response.status_code in (200, 400)


async def test_part_header_size_is_bounded() -> None:
    body = f"--{BOUNDARY}\r\nX-Big: ".encode() + b"v" * (70 * 1024) + b"\r\n\r\n1\r\n" + f"--{BOUNDARY}--\r\n".encode()
    async with client(make_app(describe_form)) as c:
        response = await c.post("/", content=body, headers=multipart_headers())
    assert (response.status_code, response.json()) == (400, {"detail": "Invalid multipart data."})


async def test_urlencoded_edge_cases_match_starlette() -> None:
    for body in (b"", b"a", b"a=", b"=b", b"a=1;b=2", b"a=%ZZ&b=%41+%42", b"&&a=1&&", "é=è".encode()):
        await call_both(
            describe_form, "POST", "/", content=body, headers={"content-type": "application/x-www-form-urlencoded"}
        )


async def test_large_file_spills_to_disk() -> None:
    content = bytes(range(256)) * 8192  # 2 MiB
    uploads: list[UploadFile] = []

    async def handler(request: Any) -> dict[str, Any]:
        form = await request.form()
        upload = form["f"]
        uploads.append(upload)
        rolled = upload.file._rolled
        data = await upload.read()
        await upload.seek(0)
        first = await upload.read(3)
        await form.close()
        return {"rolled": rolled, "same": data == content, "size": upload.size, "first": list(first)}

    async with client(make_app(handler)) as c:
        response = await c.post("/", files={"f": ("big.bin", content)})
    assert response.json() == {"rolled": True, "same": True, "size": len(content), "first": [0, 1, 2]}
    assert uploads[0].file.closed


def streamed_upload(total: int, chunk_size: int) -> tuple[Any, list[int]]:
    """A receive() that streams one file part of ``total`` bytes without ever holding it in memory."""
    head = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="f"; filename="big"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    tail = f"\r\n--{BOUNDARY}--\r\n".encode()
    chunk = b"z" * chunk_size
    state = [0]

    async def receive() -> Message:
        sent = state[0]
        state[0] += 1
        if sent == 0:
            return {"type": "http.request", "body": head, "more_body": True}
        if (sent - 1) * chunk_size < total:
            return {"type": "http.request", "body": chunk, "more_body": True}
        return {"type": "http.request", "body": tail, "more_body": False}

    return receive, state


async def test_512_mib_upload_keeps_memory_bounded() -> None:
    total = 512 * 1024 * 1024
    chunk_size = 1024 * 1024
    receive, _ = streamed_upload(total, chunk_size)
    headers = [(b"content-type", f"multipart/form-data; boundary={BOUNDARY}".encode())]
    request = Request(http_scope(method="POST", headers=headers), receive)
    deadline = time.monotonic() + 100
    tracemalloc.start()
    try:
        form = await request.form()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert time.monotonic() < deadline
    upload = form["f"]
    assert isinstance(upload, UploadFile)
    assert upload.size == total
    assert upload.file.tell() == 0
    await request.close()
    assert peak < 16 * 1024 * 1024, peak


async def test_client_disconnect_during_upload_closes_files() -> None:
    receive, state = streamed_upload(10 * 1024 * 1024, 64 * 1024)

    async def disconnecting_receive() -> Message:
        if state[0] >= 40:
            return {"type": "http.disconnect"}
        message: Message = await receive()
        return message

    headers = [(b"content-type", f"multipart/form-data; boundary={BOUNDARY}".encode())]
    opened: list[Any] = []
    real = _multipart.SpooledTemporaryFile  # type: ignore[attr-defined]

    def tracking(*args: Any, **kwargs: Any) -> Any:
        spool = real(*args, **kwargs)
        opened.append(spool)
        return spool

    request = Request(http_scope(method="POST", headers=headers), disconnecting_receive)
    mp = pytest.MonkeyPatch()
    mp.setattr(_multipart, "SpooledTemporaryFile", tracking)
    try:
        with pytest.raises(ClientDisconnect):
            await request.form()
    finally:
        mp.undo()
    assert len(opened) == 1
    assert opened[0].closed


async def test_files_closed_when_a_limit_is_hit() -> None:
    async def stream() -> AsyncGenerator[bytes, None]:
        yield multipart_body(file_part("a", "a", b"1"), file_part("b", "b", b"2"))

    with pytest.raises(HTTPException) as info:
        await _multipart.parse_multipart(f"multipart/form-data; boundary={BOUNDARY}", stream(), max_files=1)
    assert info.value.status_code == 400


async def test_missing_python_multipart_raises_missing_dependency(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "python_multipart", None)
    monkeypatch.setitem(sys.modules, "multipart", None)

    async def stream() -> AsyncGenerator[bytes, None]:
        yield b"a=1"

    with pytest.raises(MissingDependencyError, match=r"pip install 'zephyr\[multipart\]'"):
        await _multipart.parse_urlencoded(stream())
    with pytest.raises(MissingDependencyError, match="python-multipart"):
        await _multipart.parse_multipart(f"multipart/form-data; boundary={BOUNDARY}", stream())


async def test_fallback_to_old_multipart_module_name(monkeypatch: pytest.MonkeyPatch) -> None:
    import python_multipart
    import python_multipart.exceptions
    import python_multipart.multipart

    # python-multipart before 0.0.13 installed itself as "multipart".
    monkeypatch.setitem(sys.modules, "python_multipart", None)
    monkeypatch.setitem(sys.modules, "multipart", python_multipart)
    monkeypatch.setitem(sys.modules, "multipart.exceptions", python_multipart.exceptions)
    monkeypatch.setitem(sys.modules, "multipart.multipart", python_multipart.multipart)
    module, parse_options_header, error = _multipart.import_multipart()
    assert module is python_multipart
    assert error is python_multipart.exceptions.FormParserError
    assert parse_options_header("text/plain; a=b") == (b"text/plain", {b"a": b"b"})


async def test_unrelated_multipart_module_is_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    other = types.ModuleType("multipart")
    monkeypatch.setitem(sys.modules, "python_multipart", None)
    monkeypatch.setitem(sys.modules, "multipart", other)
    with pytest.raises(MissingDependencyError, match="python-multipart"):
        _multipart.import_multipart()


def test_import_zephyr_requests_does_not_import_python_multipart() -> None:
    import subprocess
    from pathlib import Path

    import zephyr

    src = str(Path(zephyr.__file__).resolve().parents[1])
    code = "import zephyr.requests, zephyr.datastructures, sys; print('python_multipart' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env={"PYTHONPATH": src}
    )
    assert result.stdout.strip() == "False"


async def test_part_header_name_size_is_bounded() -> None:
    body = f"--{BOUNDARY}\r\n".encode() + b"X" * (70 * 1024) + b": v\r\n\r\n1\r\n" + f"--{BOUNDARY}--\r\n".encode()
    async with client(make_app(describe_form)) as c:
        response = await c.post("/", content=body, headers=multipart_headers())
    assert (response.status_code, response.json()) == (400, {"detail": "Invalid multipart data."})


@pytest.mark.parametrize(
    "content_type",
    [
        f'multipart/form-data; boundary="{BOUNDARY}"',
        f"multipart/form-data;boundary={BOUNDARY};charset=utf-16",
        f"MULTIPART/FORM-DATA; BOUNDARY={BOUNDARY}",
        f"multipart/form-data; boundary*={BOUNDARY}",
        "multipart/form-data; boundary=",
        "multipart/form-data; boundary",
        f" multipart/form-data ; boundary={BOUNDARY}",
        "application/x-www-form-urlencoded; charset=utf-8",
        "multipart/mixed; boundary=x",
        "text/plain",
        f"multipart/form-data; boundary={BOUNDARY}; boundary=zzz",
        f'multipart/form-data; charset=""; boundary={BOUNDARY}',
        f"multipart/form-data; boundary={BOUNDARY}, text/plain",
    ],
)
@pytest.mark.current_reference
async def test_content_type_variants_match_starlette(content_type: str) -> None:
    body = multipart_body(field("a", b"1"), file_part("f", "x.txt", b"hello"))
    response = await call_both(describe_form, "POST", "/", content=body, headers=multipart_headers(content_type))
    assert response.status_code in (200, 400)


# Starlette's parser leaves a file part the body never closes in an unclosed SpooledTemporaryFile (ResourceWarning at
# garbage collection); Zephyr's closes it (test_an_unclosed_file_part_leaves_no_open_file checks ours alone).
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
async def test_mutated_multipart_bodies_match_starlette() -> None:
    import random

    base = multipart_body(field("a", b"1"), file_part("f", "x.txt", b"hello world"), field("b", "é".encode()))
    inserts = [b"\r\n", b"--", b":", b";", b'"', BOUNDARY.encode(), b"\r\n\r\n"]
    rng = random.Random(20261126)
    for _ in range(150):
        body = bytearray(base)
        for _ in range(rng.randint(1, 4)):
            position = rng.randrange(len(body))
            choice = rng.random()
            if choice < 0.4:
                body[position] = rng.randrange(256)
            elif choice < 0.7:
                del body[position : position + rng.randint(1, 10)]
            else:
                body[position:position] = rng.choice(inserts)
        response = await call_both(describe_form, "POST", "/", content=bytes(body), headers=multipart_headers())
        assert response.status_code in (200, 400)


async def _urlencoded_outcome(body: bytes, chunk: int, **limits: Any) -> Any:
    async def stream() -> AsyncGenerator[bytes, None]:
        for start in range(0, len(body), chunk):
            yield body[start : start + chunk]
        yield b""

    try:
        return (await _multipart.parse_urlencoded(stream(), **limits)).multi_items()
    except HTTPException as exc:
        return exc.status_code, exc.detail


async def test_urlencoded_fast_path_matches_streaming_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    import random

    rng = random.Random(99)
    alphabet = [b"a", b"b", b"=", b"&", b";", b"%", b"%41", b"%zz", b"+", b" ", "é".encode(), b"\xff"]
    for _ in range(400):
        body = b"".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        limits = {"max_fields": rng.randint(1, 6), "max_part_size": rng.randint(1, 12)}
        monkeypatch.setattr(_multipart, "_URLENCODED_BUFFER", 64 * 1024)
        fast = await _urlencoded_outcome(body, 1000, **limits)
        monkeypatch.setattr(_multipart, "_URLENCODED_BUFFER", 0)
        streamed = await _urlencoded_outcome(body, rng.randint(1, 7), **limits)
        assert fast == streamed, (body, limits)


async def test_large_urlencoded_body_is_streamed() -> None:
    body = b"&" * (200 * 1024) + b"a=1&b=" + b"x" * 10
    assert await _urlencoded_outcome(body, 4096) == [("a", "1"), ("b", "x" * 10)]
    assert await _urlencoded_outcome(b"a=1&" * 20000, 4096, max_fields=10) == (
        400,
        "Too many fields. Maximum number of fields is 10.",
    )


async def upload_app(scope: Any, receive: Any, send: Any) -> None:
    """A bare ASGI app for the end-to-end upload test: parses the form, answers the file size and peak RSS."""
    import json
    import resource

    if scope["type"] != "http":
        return
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    request = Request(scope, receive)
    async with request.form() as form:
        upload = form["f"]
        assert isinstance(upload, UploadFile)
        size = upload.size
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    body = json.dumps({"size": size, "maxrss_growth_kib": after - before}).encode()
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": body})


@pytest.mark.e2e
def test_512_mib_upload_through_uvicorn_keeps_memory_bounded() -> None:
    import os

    import httpx

    from tests.support.server import ROOT, run_server

    total = 512 * 1024 * 1024
    chunk = b"z" * (1024 * 1024)

    def content() -> Any:
        yield (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="f"; filename="big"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        for _ in range(total // len(chunk)):
            yield chunk
        yield f"\r\n--{BOUNDARY}--\r\n".encode()

    env = {"PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'src'}"}
    with run_server("tests.test__multipart:upload_app", env=env) as server:
        response = httpx.post(
            f"{server.url}/", content=content(), headers=multipart_headers(), timeout=httpx.Timeout(90.0)
        )
    assert response.status_code == 200
    result = response.json()
    assert result["size"] == total
    assert result["maxrss_growth_kib"] < 64 * 1024, result


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        (f"multipart/form-data; boundary={BOUNDARY}", b"--other\r\nfoo\r\n"),
        (f"multipart/form-data; boundary={BOUNDARY}", f"--{BOUNDARY}\r\nContent-Disposition\r\n\r\nx".encode()),
    ],
)
async def test_malformed_multipart_logs_only_at_debug(
    caplog: pytest.LogCaptureFixture, content_type: str, body: bytes
) -> None:
    """python-multipart logs each malformed body at WARNING; a client must not be able to flood the log."""

    async def stream() -> AsyncGenerator[bytes, None]:
        yield body

    caplog.set_level(logging.DEBUG)
    with pytest.raises(HTTPException) as info:
        await _multipart.parse_multipart(content_type, stream())
    assert (info.value.status_code, info.value.detail) == (400, "Invalid multipart data.")
    assert [record.levelno for record in caplog.records] == [logging.DEBUG]
    assert caplog.records[0].name == "zephyr.multipart"


async def test_streamed_urlencoded_parser_is_quiet_too(caplog: pytest.LogCaptureFixture) -> None:
    async def stream() -> AsyncGenerator[bytes, None]:
        for _ in range(20):
            yield b"a=1&" * 1000

    caplog.set_level(logging.DEBUG)
    form = await _multipart.parse_urlencoded(stream(), max_fields=100_000)
    assert len(form.multi_items()) == 20_000
    assert [record for record in caplog.records if record.levelno > logging.DEBUG] == []


async def test_an_unclosed_file_part_leaves_no_open_file() -> None:
    import gc
    import warnings

    body = f"--{BOUNDARY}\r\n".encode() + b'Content-Disposition: form-data; name="f"; filename="a"\r\n\r\nabc'
    request = Request(
        http_scope(method="POST", headers=[(b"content-type", multipart_headers()["content-type"].encode())]),
        _once(body),
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        async with request.form() as form:
            assert list(form.keys()) == []  # the part never ended: dropped
        del form, request
        gc.collect()
    assert [w for w in caught if issubclass(w.category, ResourceWarning)] == []


def _once(body: bytes) -> Any:
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


def _fake_module(name: str, **attributes: Any) -> types.ModuleType:
    module = types.ModuleType(name)
    for key, value in attributes.items():
        setattr(module, key, value)
    return module


def test_ensure_multipart_installed_accepts_python_multipart() -> None:
    _multipart.ensure_multipart_installed()


def test_ensure_multipart_installed_reads_the_release(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "python_multipart", _fake_module("python_multipart", __version__="0.0.13.dev1"))
    monkeypatch.setitem(sys.modules, "multipart", None)
    _multipart.ensure_multipart_installed()  # 0.0.13 on: the module is python_multipart, nothing else to check


@pytest.mark.parametrize("python_multipart", [None, _fake_module("python_multipart", __version__="0.0.12")])
def test_ensure_multipart_installed_without_any(
    monkeypatch: pytest.MonkeyPatch, python_multipart: types.ModuleType | None
) -> None:
    monkeypatch.setitem(sys.modules, "python_multipart", python_multipart)
    monkeypatch.setitem(sys.modules, "multipart", None)
    with pytest.raises(MultipartInstallError) as info:
        _multipart.ensure_multipart_installed()
    assert isinstance(info.value, RuntimeError) and isinstance(info.value, MissingDependencyError)
    assert str(info.value).startswith(_multipart.MULTIPART_NOT_INSTALLED)
    assert "pip install 'zephyr[multipart]'" in str(info.value)


def test_ensure_multipart_installed_refuses_the_other_multipart(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "python_multipart", None)
    monkeypatch.setitem(sys.modules, "multipart", _fake_module("multipart", __version__="1.2.1"))
    monkeypatch.setitem(sys.modules, "multipart.multipart", None)
    with pytest.raises(MultipartInstallError) as info:
        _multipart.ensure_multipart_installed()
    assert str(info.value).startswith(_multipart.MULTIPART_INCORRECT_INSTALL)


def test_ensure_multipart_installed_accepts_an_old_python_multipart(monkeypatch: pytest.MonkeyPatch) -> None:
    inner = _fake_module("multipart.multipart", parse_options_header=lambda value: value)
    monkeypatch.setitem(sys.modules, "python_multipart", None)
    monkeypatch.setitem(sys.modules, "multipart", _fake_module("multipart", __version__="0.0.9", multipart=inner))
    monkeypatch.setitem(sys.modules, "multipart.multipart", inner)
    _multipart.ensure_multipart_installed()


@pytest.mark.parametrize("annotation", ["str = Form()", "UploadFile = File()", "bytes = File()"])
def test_form_route_is_refused_at_registration(monkeypatch: pytest.MonkeyPatch, annotation: str) -> None:
    from zephyr import FastAPI, File, Form, UploadFile

    monkeypatch.setitem(sys.modules, "python_multipart", None)
    monkeypatch.setitem(sys.modules, "multipart", None)
    namespace: dict[str, Any] = {"Form": Form, "File": File, "UploadFile": UploadFile}
    exec(f"async def endpoint(value: {annotation}) -> None: ...", namespace)  # noqa: S102 - one endpoint per marker
    app = FastAPI()
    with pytest.raises(RuntimeError, match=re.escape(_multipart.MULTIPART_NOT_INSTALLED)):
        app.post("/")(namespace["endpoint"])


@pytest.mark.current_reference
def test_messages_are_fastapis() -> None:
    from fastapi.dependencies import utils as reference

    from zephyr.dependencies import utils

    assert utils.multipart_not_installed_error == reference.multipart_not_installed_error
    assert utils.multipart_incorrect_install_error == reference.multipart_incorrect_install_error
