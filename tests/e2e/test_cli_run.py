"""``zephyr run`` serves an app on uvicorn, on 127.0.0.1, and stops cleanly on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import httpx
import pytest

from tests.support.server import ROOT
from tests.support.services import free_port, port_open

pytestmark = pytest.mark.e2e


def test_zephyr_run_serves_the_showcase_and_stops_on_sigterm() -> None:
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "zephyr.cli",
            "run",
            "examples.showcase:app",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 20
        while not port_open("127.0.0.1", port, timeout=0.2):
            assert proc.poll() is None, "zephyr run exited before serving"
            assert time.monotonic() < deadline, "zephyr run did not serve within 20 s"
            time.sleep(0.05)
        response = httpx.post(
            f"http://127.0.0.1:{port}/users", json={"name": "Ada", "email": "ada@example.com", "age": 36}, timeout=5
        )
        assert response.status_code == 201
        assert response.json()["name"] == "Ada"
        assert httpx.get(f"http://127.0.0.1:{port}/docs", timeout=5).status_code == 200
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        # uvicorn shuts down gracefully, then re-raises the signal it caught, as a process should.
        assert proc.wait(timeout=15) in (0, -signal.SIGTERM)


@pytest.mark.parametrize("interface", ["auto", "asgi"])  # auto: RSGI, which Zephyr apps implement
def test_zephyr_run_serves_the_showcase_on_granian_with_two_workers(interface: str) -> None:
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "zephyr.cli",
            "run",
            "examples.showcase:app",
            "--server",
            "granian",
            "--interface",
            interface,
            "--workers",
            "2",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 30
        while not port_open("127.0.0.1", port, timeout=0.2):
            assert proc.poll() is None, "zephyr run --server granian exited before serving"
            assert time.monotonic() < deadline, "zephyr run --server granian did not serve within 30 s"
            time.sleep(0.05)
        response = httpx.post(
            f"http://127.0.0.1:{port}/users", json={"name": "Ada", "email": "ada@example.com", "age": 36}, timeout=5
        )
        assert response.status_code == 201
        assert response.json()["name"] == "Ada"
        assert httpx.get(f"http://127.0.0.1:{port}/docs", timeout=5).status_code == 200
        assert httpx.get(f"http://127.0.0.1:{port}/users/999", timeout=5).status_code == 404
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        assert proc.wait(timeout=20) in (0, -signal.SIGTERM)
