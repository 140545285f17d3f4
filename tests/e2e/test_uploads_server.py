"""512 MiB uploads on a real uvicorn server, generated on the fly by the test: as ``UploadFile`` and as a raw
``request.stream()`` written to disk. The server's resident memory is sampled during each upload and must stay
bounded (the body is never held in memory)."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.server import SERVERS, Server, run_server

pytestmark = pytest.mark.e2e

TOTAL = 512 * 1024 * 1024
CHUNK = 1024 * 1024
BOUNDARY = "zephyr-e2e-boundary-7c1f"
RSS_GROWTH_LIMIT = 64 * 1024 * 1024  # measured: about 3 MiB (UploadFile) and under 1 MiB (raw stream)


def payload() -> Iterator[bytes]:
    """512 MiB in 1 MiB chunks, made as they are sent (the same buffer, varied per chunk; never stored)."""
    block = bytearray(b"0123456789abcdef" * (CHUNK // 16))
    for number in range(TOTAL // CHUNK):
        block[:8] = number.to_bytes(8, "big")
        yield bytes(block)


def expected_sha256() -> str:
    digest = hashlib.sha256()
    for chunk in payload():
        digest.update(chunk)
    return digest.hexdigest()


class RssSampler:
    """Samples the server's RSS in a thread every 20 ms while the upload runs (bounded by the upload's time)."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.samples: list[int] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            self.samples.append(self.server.rss_bytes())

    def __enter__(self) -> RssSampler:
        self.samples.append(self.server.rss_bytes())
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    @property
    def growth(self) -> int:
        return max(self.samples) - self.samples[0]


@pytest.fixture(scope="module")
def upload_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("uploads")


@pytest.fixture(scope="module", params=SERVERS)
def server(upload_dir: Path, request: pytest.FixtureRequest) -> Iterator[Server]:
    env = {"UPLOAD_DIR": str(upload_dir)}
    with run_server("tests.e2e.apps.uploads:app", env=env, server=request.param) as server:
        # Warm up (imports, first-request set-up) so the baseline sample is not taken before them.
        for path in ("/upload", "/raw"):
            files = {"file": ("warm.bin", b"x")} if path == "/upload" else None
            httpx.post(f"{server.url}{path}", files=files, content=None if files else b"x", timeout=10)
        yield server


@pytest.fixture(scope="module")
def digest() -> str:
    return expected_sha256()


def multipart() -> Iterator[bytes]:
    yield (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    yield from payload()
    yield f"\r\n--{BOUNDARY}--\r\n".encode()


def test_512_mib_upload_file_keeps_server_memory_bounded(server: Server, digest: str) -> None:
    started = time.monotonic()
    with RssSampler(server) as rss:
        response = httpx.post(
            f"{server.url}/upload",
            content=multipart(),
            headers={"content-type": f"multipart/form-data; boundary={BOUNDARY}"},
            timeout=httpx.Timeout(60.0),
        )
    elapsed = time.monotonic() - started
    assert response.status_code == 200, response.text
    assert response.json() == {"filename": "big.bin", "size": TOTAL, "declared_size": TOTAL, "sha256": digest}
    print(f"UploadFile 512 MiB: {elapsed:.1f} s, server RSS growth {rss.growth / 2**20:.1f} MiB")
    assert rss.growth < RSS_GROWTH_LIMIT, rss.growth


def test_512_mib_raw_stream_to_disk_keeps_server_memory_bounded(server: Server, digest: str, upload_dir: Path) -> None:
    started = time.monotonic()
    with RssSampler(server) as rss:
        response = httpx.post(
            f"{server.url}/raw",
            content=payload(),
            headers={"content-type": "application/octet-stream"},
            timeout=httpx.Timeout(60.0),
        )
    elapsed = time.monotonic() - started
    assert response.status_code == 200, response.text
    assert response.json() == {"size": TOTAL, "on_disk": TOTAL, "sha256": digest}
    print(f"request.stream() 512 MiB: {elapsed:.1f} s, server RSS growth {rss.growth / 2**20:.1f} MiB")
    assert rss.growth < RSS_GROWTH_LIMIT, rss.growth
    assert list(upload_dir.iterdir()) == []
