"""The concurrent-calls example against three slow upstream servers on 127.0.0.1."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from examples.fetch_data import Settings, create_app

from tests.support.services import free_port
from tests.support.timing import no_collections
from zephyr.testclient import TestClient


class _Upstream(BaseHTTPRequestHandler):
    """``/json?delay=s``, ``/status/500``, ``/not-json``: answers after ``delay`` seconds."""

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        time.sleep(float(parse_qs(url.query).get("delay", ["0"])[0]))
        status, body = 200, json.dumps({"path": url.path}).encode()
        if url.path == "/status/500":
            status, body = 500, b'{"detail": "boom"}'
        elif url.path == "/not-json":
            body = b"<html>"
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def upstreams() -> Iterator[list[str]]:
    """Three separate upstream servers on free loopback ports."""
    servers = [ThreadingHTTPServer(("127.0.0.1", 0), _Upstream) for _ in range(3)]
    threads = [threading.Thread(target=server.serve_forever, daemon=True) for server in servers]
    for thread in threads:
        thread.start()
    try:
        yield [f"http://127.0.0.1:{server.server_address[1]}" for server in servers]
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()


def _client(upstreams: dict[str, str], timeout: float = 5.0) -> TestClient:
    return TestClient(create_app(Settings(upstreams=upstreams, upstream_timeout=timeout)))


def test_three_slow_upstreams_take_as_long_as_the_slowest(upstreams: list[str]) -> None:
    delays = {"users": 0.6, "orders": 0.7, "stock": 0.8}
    urls = {name: f"{base}/json?delay={delays[name]}" for name, base in zip(delays, upstreams, strict=True)}
    with _client(urls) as client, no_collections():
        started = time.perf_counter()
        response = client.get("/fetch-data")
        elapsed = time.perf_counter() - started
    assert response.status_code == 200
    body = response.json()
    assert body["data"] == {name: {"path": "/json"} for name in delays}
    assert body["errors"] == {}
    # concurrent: at least the slowest (0.8 s) and, with room for a loaded machine, under the sum (2.1 s)
    assert 0.8 <= elapsed < 1.9, elapsed
    assert 800 <= body["elapsed_ms"] < 1900


def test_failed_upstreams_are_reported_and_the_others_answered(upstreams: list[str]) -> None:
    urls = {
        "ok": f"{upstreams[0]}/json",
        "error": f"{upstreams[1]}/status/500",
        "garbled": f"{upstreams[2]}/not-json",
        "slow": f"{upstreams[0]}/json?delay=2",
        "down": f"http://127.0.0.1:{free_port()}/json",
    }
    with _client(urls, timeout=0.5) as client:
        response = client.get("/fetch-data")
    assert response.status_code == 200
    body = response.json()
    assert body["data"] == {"ok": {"path": "/json"}}
    assert body["errors"] == {
        "error": "answered 500",
        "garbled": "answered invalid JSON",
        "slow": "no answer in time",
        "down": "unreachable (ConnectError)",
    }


def test_every_upstream_failing_is_502(upstreams: list[str]) -> None:
    with _client({"a": f"{upstreams[0]}/status/500", "b": f"{upstreams[1]}/status/500"}) as client:
        response = client.get("/fetch-data")
    assert response.status_code == 502
    assert response.json()["errors"] == {"a": "answered 500", "b": "answered 500"}
    assert response.json()["data"] == {}


def test_the_demo_upstream_and_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UPSTREAMS", '{"only": "http://127.0.0.1:9/x"}')
    monkeypatch.setenv("UPSTREAM_TIMEOUT", "0.25")
    assert Settings().upstreams == {"only": "http://127.0.0.1:9/x"}
    assert Settings().upstream_timeout == 0.25
    with _client({}) as client:
        assert client.get("/upstream/users?delay=0").json() == {"name": "users", "delay": 0.0}
        assert client.get("/upstream/users?delay=11").status_code == 422
