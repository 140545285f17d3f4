"""Middleware on a real server (uvicorn, Granian RSGI): gzip flushes streamed chunks, CORS, function middleware."""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterator

import anyio
import httpx
import pytest

from tests.support.server import run_server
from zephyr import FastAPI, Request
from zephyr.middleware.base import RequestResponseEndpoint
from zephyr.middleware.cors import CORSMiddleware
from zephyr.middleware.gzip import GZipMiddleware
from zephyr.responses import Response, StreamingResponse

pytestmark = pytest.mark.e2e

app = FastAPI()
app.add_middleware(GZipMiddleware)
app.add_middleware(CORSMiddleware, allow_origins=["https://a.example"])
_release = anyio.Event()


@app.middleware("http")
async def count_body(request: Request, call_next: RequestResponseEndpoint) -> Response:
    body = await request.body()
    response = await call_next(request)
    response.headers["x-body-length"] = str(len(body))
    return response


@app.get("/stream")
async def stream() -> StreamingResponse:
    async def chunks() -> AsyncIterator[bytes]:
        yield b"first chunk\n"
        with anyio.fail_after(10):
            await _release.wait()
        yield b"second chunk\n"

    return StreamingResponse(chunks(), media_type="text/plain")


@app.get("/release")
async def release() -> dict[str, bool]:
    _release.set()
    return {"released": True}


@app.post("/echo")
async def echo(request: Request) -> dict[str, str]:
    return {"body": (await request.body()).decode()}


@pytest.mark.parametrize("server_name", ["uvicorn", "granian-rsgi"])  # the user's ASGI middleware runs on RSGI too
def test_gzip_flushes_each_streamed_chunk_through_a_real_server(server_name: str) -> None:
    with (
        run_server("tests.e2e.test_middleware_server:app", server=server_name) as server,
        httpx.Client(timeout=10) as client,
    ):
        headers = {"accept-encoding": "gzip", "origin": "https://a.example"}
        with client.stream("GET", f"{server.url}/stream", headers=headers) as response:
            assert response.status_code == 200
            assert response.headers["content-encoding"] == "gzip"
            assert response.headers["vary"] == "Accept-Encoding, Origin"
            assert response.headers["access-control-allow-origin"] == "https://a.example"
            assert response.headers["x-body-length"] == "0"
            decompressor = zlib.decompressobj(31)
            raw = response.iter_raw()
            received = b""
            while b"first chunk\n" not in received:  # bounded by the client timeout
                received += decompressor.decompress(next(raw))
            # The second chunk is produced only now: the first reached us compressed but already readable.
            assert client.get(f"{server.url}/release").json() == {"released": True}
            for piece in raw:
                received += decompressor.decompress(piece)
            assert received == b"first chunk\nsecond chunk\n"
            assert decompressor.eof


@pytest.mark.parametrize("server_name", ["uvicorn", "granian-rsgi"])  # the user's ASGI middleware runs on RSGI too
def test_body_read_by_function_middleware_reaches_endpoint_on_a_real_server(server_name: str) -> None:
    with (
        run_server("tests.e2e.test_middleware_server:app", server=server_name) as server,
        httpx.Client(timeout=10) as client,
    ):
        response = client.post(f"{server.url}/echo", content=b"x" * 100_000)
        assert response.status_code == 200
        assert response.headers["x-body-length"] == "100000"
        assert response.json() == {"body": "x" * 100_000}
        preflight = client.options(
            f"{server.url}/echo",
            headers={"origin": "https://evil.example", "access-control-request-method": "POST"},
        )
        assert (preflight.status_code, preflight.text) == (400, "Disallowed CORS origin, method")
