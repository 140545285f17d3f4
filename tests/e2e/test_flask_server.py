"""The migration example on a real uvicorn server: the mounted Flask app and Zephyr's routes side by side."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.support.server import Server, run_server

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    with run_server("examples.migration:app") as server:
        yield server


def test_flask_and_zephyr_are_served_side_by_side(server: Server) -> None:
    with httpx.Client(base_url=server.url, timeout=10) as client:
        new = client.get("/users/1")
        assert (new.status_code, new.headers["x-served-by"]) == (200, "zephyr")
        assert new.content == b'{"email":"ada@example.com","id":1,"name":"Ada"}\n'
        legacy = client.get("/legacy/hello/ann?x=1")
        assert legacy.status_code == 200
        assert legacy.json() == {
            "hello": "ann",
            "script_root": "/legacy",
            "path": "/hello/ann",
            "url": f"{server.url}/legacy/hello/ann?x=1",
        }
        assert "x-served-by" not in legacy.headers
        created = client.post("/users/", json={"name": "Bo", "email": "bo@example.com"}, headers={"X-Client": "e2e"})
        assert (created.status_code, created.headers["location"]) == (201, "/users/2")
        echo = client.post(
            "/legacy/echo",
            content=b'{"big": "' + b"x" * 200_000 + b'"}',
            headers={"Content-Type": "application/json", "X-Client": "e2e", "Cookie": "session=s9"},
        )
        data = echo.json()
        assert (data["cookie"], data["client"], data["length"]) == ("s9", "e2e", 200_011)
        assert len(data["json"]["big"]) == 200_000
        login = client.get("/legacy/login")
        assert (login.status_code, login.headers["location"]) == (302, "/legacy/")
        assert login.headers["set-cookie"] == "session=legacy-123; HttpOnly; Path=/"
        assert client.get("/nowhere").json() == {"error": "not found", "detail": "Not Found"}


def test_a_streamed_flask_response_arrives_in_chunks(server: Server) -> None:
    with httpx.Client(base_url=server.url, timeout=10) as client, client.stream("GET", "/legacy/stream") as response:
        assert response.status_code == 200
        assert response.headers["transfer-encoding"] == "chunked"
        assert "content-length" not in response.headers
        assert b"".join(response.iter_raw()) == b"chunk 0\nchunk 1\nchunk 2\n"


def test_a_mounted_flask_stream_is_not_buffered() -> None:
    with (
        run_server("tests.e2e.apps.flask_stream:app") as server,
        httpx.Client(base_url=server.url, timeout=10) as client,
        client.stream("GET", "/legacy/stream") as response,
    ):
        chunks = response.iter_raw()
        received = b""
        while b"first\n" not in received:
            received += next(chunks)
            assert len(received) < 100, received
        assert b"second" not in received
        assert client.post("/release").json() == {"released": True}
        received += b"".join(chunks)
        assert received == b"first\nsecond\n"
