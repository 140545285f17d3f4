"""The lifespan on real servers: start-up before the first request, its state in requests, shut-down on SIGTERM."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from tests.support.server import SERVERS, run_server

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("server_name", SERVERS)
def test_lifespan_runs_around_serving(server_name: str, tmp_path: Path) -> None:
    with run_server("tests.e2e.apps.lifespan_app:app", env={"MARKER_DIR": str(tmp_path)}, server=server_name) as server:
        assert (tmp_path / "started").exists()
        response = httpx.get(f"{server.url}/state", timeout=10)
        assert response.status_code == 200
        assert response.json() == {"greeting": "hello from the lifespan", "pool": "pool-1"}
        assert not (tmp_path / "stopped").exists()
    deadline = time.monotonic() + 10  # run_server stopped it with SIGTERM and waited for the process
    while not (tmp_path / "stopped").exists():
        assert time.monotonic() < deadline, f"{server_name} did not run the lifespan's shut-down"
        time.sleep(0.05)
    assert (tmp_path / "stopped").read_text() == (tmp_path / "started").read_text()
