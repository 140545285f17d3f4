"""Path traversal against StaticFiles and app.frontend on a real uvicorn server, with raw request lines (no client
normalizes them): uvicorn percent-decodes the path, so these reach the app as ``..``, ``/`` and ``\\``."""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.server import Server, run_server

pytestmark = pytest.mark.e2e

SECRET = b"TOP-SECRET-CONTENT"


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("static")
    (root / "public" / "assets").mkdir(parents=True)
    (root / "public" / "index.html").write_text("<div id=app></div>")
    (root / "public" / "assets" / "app.js").write_text("run()")
    (root / "secret.txt").write_bytes(SECRET)
    os.symlink(root / "secret.txt", root / "public" / "link_out.txt")
    return root


@pytest.fixture(scope="module")
def server(root: Path) -> Iterator[Server]:
    with run_server("tests.e2e.apps.static:app", env={"STATIC_ROOT": str(root)}) as server:
        yield server


def raw_get(server: Server, target: str, accept: str = "*/*") -> tuple[int, bytes]:
    """Send ``GET <target>`` exactly as written; the status and the whole response (headers and body)."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(f"GET {target} HTTP/1.1\r\nHost: x\r\nAccept: {accept}\r\nConnection: close\r\n\r\n".encode())
        data = b""
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    return int(data.split(b" ", 2)[1]), data


TARGETS = [
    "/static/../secret.txt",
    "/static/%2e%2e/secret.txt",
    "/static/%2E%2E%2Fsecret.txt",
    "/static/..%2fsecret.txt",
    "/static/assets/..%2F..%2Fsecret.txt",
    "/static/..%5csecret.txt",
    "/static/%5c..%5csecret.txt",
    "/static/secret.txt%00",
    "/static/%00/../secret.txt",
    "/static//" + "{root}/secret.txt",
    "/static/%2F{root}/secret.txt",
    "/static/link_out.txt",
    "/../secret.txt",
    "/%2e%2e/secret.txt",
    "/assets/%2e%2e%2f%2e%2e%2fsecret.txt",
    "/link_out.txt",
]


@pytest.mark.parametrize("target", TARGETS)
def test_traversal_never_serves_outside_files(server: Server, root: Path, target: str) -> None:
    status, data = raw_get(server, target.format(root=str(root).lstrip("/")))
    assert status == 404, data
    assert data.endswith(b'\r\n\r\n{"detail":"Not Found"}')
    assert SECRET not in data


def test_files_are_still_served(server: Server) -> None:
    status, data = raw_get(server, "/static/assets/app.js")
    assert (status, data.endswith(b"\r\n\r\nrun()")) == (200, True)
    status, data = raw_get(server, "/dashboard", accept="text/html")
    assert (status, data.endswith(b"<div id=app></div>")) == (200, True)
