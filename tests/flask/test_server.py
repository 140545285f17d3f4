"""A ``zephyr.flask`` app on a real uvicorn server: sessions, templates, static files, streams, concurrency."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.support.server import Server, run_server

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    with run_server("tests.flask.apps.served:app") as server:
        yield server


def test_a_login_with_flash_messages_and_templates(server: Server) -> None:
    with httpx.Client(base_url=server.url, timeout=10) as client:
        login = client.post("/login", data={"username": "ada", "password": "pw"})
        assert (login.status_code, login.headers["location"]) == (302, "/")
        assert "HttpOnly" in login.headers["set-cookie"]
        page = client.get("/")
        assert page.headers["content-type"] == "text/html; charset=utf-8"
        assert '<div class="message">Welcome, ada</div>' in page.text
        assert "user: ada" in page.text
        assert client.get("/whoami").json() == {"user": "ada", "permanent": False, "new": False}


def test_static_files_and_streams(server: Server) -> None:
    with httpx.Client(base_url=server.url, timeout=10) as client:
        css = client.get("/static/shop.css")
        assert (css.status_code, css.text) == (200, "body { font-family: sans-serif; }\n")
        assert css.headers["content-type"] == "text/css; charset=utf-8"
        partial = client.get("/static/shop.css", headers={"Range": "bytes=0-3"})
        assert (partial.status_code, partial.text, partial.headers["content-range"]) == (206, "body", "bytes 0-3/34")
        with client.stream("GET", "/stream") as stream:
            assert stream.headers["transfer-encoding"] == "chunked"
            assert b"".join(stream.iter_raw()) == b"0-/stream;1-/stream;2-/stream;"
        assert client.head("/static/shop.css").content == b""


def test_concurrent_sync_and_async_views_see_their_own_request(server: Server) -> None:
    def fetch(n: int) -> tuple[int, dict[str, object]]:
        kind = "sync" if n % 2 else "async"
        response = httpx.get(f"{server.url}/echo/{kind}/{n}", params={"n": n}, timeout=20)
        return response.status_code, response.json()

    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(pool.map(fetch, range(80)))
    assert answers == [(200, {"n": n, "arg": str(n), "g": n}) for n in range(80)]
