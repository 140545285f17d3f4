from __future__ import annotations

import itertools
import zlib
from collections.abc import Sequence
from typing import Any

import pytest
from starlette.middleware.gzip import GZipMiddleware as StarletteGZipMiddleware

from tests.middleware._asgi import make_scope, run_asgi, snapshot
from zephyr.middleware.gzip import GZipMiddleware
from zephyr.types import ASGIApp, Message, Receive, Scope, Send


def make_app(
    headers: Sequence[tuple[str, str]] = (), chunks: Sequence[bytes | None] = (b"x" * 600,), status: int = 200
) -> ASGIApp:
    """An app that sends ``chunks`` as body messages (``None``: a message without a ``body`` key)."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        raw = [(name.encode(), value.encode()) for name, value in headers]
        await send({"type": "http.response.start", "status": status, "headers": raw})
        for index, chunk in enumerate(chunks):
            message: Message = {"type": "http.response.body", "more_body": index < len(chunks) - 1}
            if chunk is not None:
                message["body"] = chunk
            await send(message)

    return app


TEXT = b"".join(b"line %d of a compressible body\n" % n for n in range(60))

APPS: dict[str, ASGIApp] = {
    "big": make_app(chunks=(TEXT,)),
    "exactly minimum": make_app(chunks=(b"y" * 500,)),
    "one below minimum": make_app(chunks=(b"y" * 499,)),
    "empty": make_app(chunks=(b"",)),
    "no body key": make_app(chunks=(None,)),
    "json with length": make_app([("content-type", "application/json"), ("content-length", str(len(TEXT)))], (TEXT,)),
    "existing vary": make_app([("vary", "Origin")], (TEXT,)),
    "two vary": make_app([("vary", "a"), ("content-type", "text/plain"), ("vary", "b")], (TEXT,)),
    "content-encoding": make_app([("content-encoding", "br")], (TEXT,)),
    "content-encoding identity": make_app([("content-encoding", "identity")], (TEXT,)),
    "event stream": make_app([("content-type", "text/event-stream")], (b"data: 1\n\n", b"data: 2\n\n", b"")),
    "event stream cased": make_app([("content-type", " Text/Event-Stream ; charset=utf-8")], (TEXT,)),
    "png": make_app([("content-type", "image/png")], (TEXT,)),
    "grpc variant": make_app([("content-type", "Application/GRPC+proto")], (TEXT,)),
    "grpc-web": make_app([("content-type", "application/grpc-web")], (TEXT,)),
    "comma content type": make_app([("content-type", "image/png, text/plain")], (TEXT,)),
    "two content types": make_app([("content-type", "text/plain"), ("content-type", "image/png")], (TEXT,)),
    "video wildcard": make_app([("content-type", "video/mp4")], (TEXT,)),
    "partial": make_app([("content-range", "bytes 0-9/100")], (TEXT,), status=206),
    "not modified": make_app(chunks=(TEXT,), status=304),
    "stream small": make_app(chunks=(b"a" * 10, b"b" * 10, b"")),
    "stream big": make_app(chunks=(TEXT, TEXT, TEXT)),
    "stream empty first": make_app(chunks=(b"", b"abc", b"")),
    "stream with length": make_app([("content-length", "20")], (b"a" * 10, b"b" * 10)),
}

ENCODINGS: list[str | None] = [None, "gzip", "gzip, deflate, br", "br", "GZIP", "x-gzip", "gzip;q=0", "*", "identity"]


@pytest.mark.anyio
@pytest.mark.parametrize("name", list(APPS))
@pytest.mark.parametrize("options", [{}, {"minimum_size": 0, "compresslevel": 1}, {"compresslevel": 6}])
@pytest.mark.current_reference
async def test_matches_starlette_byte_for_byte(name: str, options: dict[str, Any]) -> None:
    app = APPS[name]
    if name == "no body key" and options.get("minimum_size") == 0:
        # Starlette raises KeyError on a body message without 'body' when it compresses it; we compress b"".
        result = await snapshot(GZipMiddleware(app, **options), make_scope(headers=[("accept-encoding", "gzip")]))
        assert zlib.decompress(result[2], 31) == b""
        return
    theirs, ours = StarletteGZipMiddleware(app, **options), GZipMiddleware(app, **options)
    for encoding, method in itertools.product(ENCODINGS, ("GET", "HEAD")):
        headers = [] if encoding is None else [("accept-encoding", encoding)]
        assert await snapshot(ours, make_scope(method, headers=headers)) == await snapshot(
            theirs, make_scope(method, headers=headers)
        ), (encoding, method)


@pytest.mark.anyio
async def test_custom_excluded_content_types_match_starlette() -> None:
    for content_type in ("application/json", "text/html; charset=utf-8", "image/png", "application/grpc+json"):
        app = make_app([("content-type", content_type)], (TEXT,))
        options: dict[str, Any] = {"exclude_content_types": ("Application/JSON; charset=utf-8", "text/*")}
        scope_headers = [("accept-encoding", "gzip")]
        assert await snapshot(GZipMiddleware(app, **options), make_scope(headers=scope_headers)) == await snapshot(
            StarletteGZipMiddleware(app, **options), make_scope(headers=scope_headers)
        ), content_type


@pytest.mark.anyio
async def test_big_body_is_compressed_in_a_thread_identically() -> None:
    body = bytes(range(256)) * 1024  # 256 KiB, above thread_minimum_size
    app = make_app(chunks=(body, body, b""))
    scope_headers = [("accept-encoding", "gzip")]
    ours = await snapshot(GZipMiddleware(app), make_scope(headers=scope_headers))
    assert ours == await snapshot(StarletteGZipMiddleware(app), make_scope(headers=scope_headers))
    assert zlib.decompress(ours[2], 31) == body * 2


@pytest.mark.anyio
async def test_compresses_when_client_accepts_gzip() -> None:
    status, headers, body, more = await snapshot(
        GZipMiddleware(APPS["big"]), make_scope(headers=[("accept-encoding", "gzip")])
    )
    assert status == 200
    assert headers == [("content-encoding", "gzip"), ("content-length", str(len(body))), ("vary", "Accept-Encoding")]
    assert zlib.decompress(body, 31) == TEXT
    assert more == [False]


@pytest.mark.anyio
async def test_identity_when_client_does_not_accept_gzip_still_varies() -> None:
    assert await snapshot(GZipMiddleware(APPS["big"]), make_scope(headers=[("accept-encoding", "br")])) == (
        200,
        [("vary", "Accept-Encoding")],
        TEXT,
        [False],
    )


@pytest.mark.anyio
async def test_streamed_chunks_are_compressed_one_by_one() -> None:
    messages = await run_asgi(GZipMiddleware(APPS["stream small"]), make_scope(headers=[("accept-encoding", "gzip")]))
    start, *bodies = messages
    assert sorted(start["headers"]) == [(b"content-encoding", b"gzip"), (b"vary", b"Accept-Encoding")]
    assert [message["more_body"] for message in bodies] == [True, True, False]
    decompressor = zlib.decompressobj(31)
    # Each chunk is flushed, so it decompresses on its own as soon as it arrives.
    assert decompressor.decompress(bodies[0]["body"]) == b"a" * 10
    assert decompressor.decompress(bodies[1]["body"]) == b"b" * 10
    assert decompressor.decompress(bodies[2]["body"]) == b""
    assert decompressor.eof


@pytest.mark.anyio
async def test_small_body_is_left_alone() -> None:
    assert await snapshot(
        GZipMiddleware(APPS["one below minimum"]), make_scope(headers=[("accept-encoding", "gzip")])
    ) == (200, [], b"y" * 499, [False])


@pytest.mark.anyio
async def test_other_messages_and_scopes_pass_through() -> None:
    async def pathsend_app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await send({"type": "lifespan.startup.complete"})
            return
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.pathsend", "path": "/tmp/file"})

    middleware = GZipMiddleware(pathsend_app)
    assert await run_asgi(middleware, make_scope(headers=[("accept-encoding", "gzip")])) == [
        {"type": "http.response.start", "status": 200, "headers": []},
        {"type": "http.response.pathsend", "path": "/tmp/file"},
    ]
    assert await run_asgi(middleware, {"type": "lifespan"}) == [{"type": "lifespan.startup.complete"}]


def test_invalid_options_are_refused_at_construction() -> None:
    with pytest.raises(ValueError, match=r"compresslevel=10"):
        GZipMiddleware(APPS["big"], compresslevel=10)
    with pytest.raises(ValueError, match=r"minimum_size=-1"):
        GZipMiddleware(APPS["big"], minimum_size=-1)


def test_test_client_matches_starlette() -> None:
    from zephyr.testclient import TestClient

    for name in ("big", "stream big", "one below minimum", "event stream"):
        for encoding in ("gzip", "identity"):
            ours = TestClient(GZipMiddleware(APPS[name])).get("/", headers={"accept-encoding": encoding})
            theirs = TestClient(StarletteGZipMiddleware(APPS[name])).get("/", headers={"accept-encoding": encoding})
            assert ours.status_code == theirs.status_code
            assert sorted(ours.headers.multi_items()) == sorted(theirs.headers.multi_items())
            assert ours.content == theirs.content


async def debug_then_trailers_app(scope: Scope, receive: Receive, send: Send) -> None:
    await send({"type": "http.response.debug", "info": {"template": "page.html"}})
    headers = [(b"content-length", b"600"), (b"trailer", b"x-checksum"), (b"content-length", b"600")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": b"z" * 600})
    await send({"type": "http.response.trailers", "headers": [(b"x-checksum", b"1")], "more_trailers": False})


@pytest.mark.anyio
@pytest.mark.current_reference
async def test_debug_and_trailer_messages_match_starlette() -> None:
    scope_headers = [("accept-encoding", "gzip")]
    ours = await run_asgi(GZipMiddleware(debug_then_trailers_app), make_scope(headers=scope_headers))
    theirs = await run_asgi(StarletteGZipMiddleware(debug_then_trailers_app), make_scope(headers=scope_headers))
    # Starlette drops the debug message (which never reaches the wire); we pass it on, so that the test client can
    # still show which template rendered the response.
    assert ours[0] == {"type": "http.response.debug", "info": {"template": "page.html"}}
    ours = ours[1:]
    assert [message["type"] for message in ours] == [message["type"] for message in theirs]
    assert sorted(ours[0]["headers"]) == sorted(theirs[0]["headers"])
    assert ours[1:] == theirs[1:]
