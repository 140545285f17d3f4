"""``zephyr run`` serves an app on uvicorn, on 127.0.0.1, and stops cleanly on SIGTERM."""

from __future__ import annotations

import asyncio
import signal

import httpx
import pytest

from tests.support.processes import started

pytestmark = pytest.mark.e2e


def test_zephyr_run_serves_the_showcase_and_stops_on_sigterm() -> None:
    def command(port: int) -> list[str]:
        return ["-m", "zephyr.cli", "run", "examples.showcase:app", "--port", str(port), "--log-level", "warning"]

    with started(command, name="zephyr run", timeout=20) as server:
        response = httpx.post(
            f"{server.url}/users", json={"name": "Ada", "email": "ada@example.com", "age": 36}, timeout=5
        )
        assert response.status_code == 201
        assert response.json()["name"] == "Ada"
        assert httpx.get(f"{server.url}/docs", timeout=5).status_code == 200
        # uvicorn shuts down gracefully, then re-raises the signal it caught, as a process should.
        assert server.stop(signal.SIGTERM) in (0, -signal.SIGTERM), server.log_tail()


@pytest.mark.parametrize("interface", ["auto", "asgi"])  # auto: RSGI, which Zephyr apps implement
def test_zephyr_run_serves_the_showcase_on_granian_with_two_workers(interface: str) -> None:
    def command(port: int) -> list[str]:
        return [
            "-m", "zephyr.cli", "run", "examples.showcase:app", "--server", "granian", "--interface", interface,
            "--workers", "2", "--port", str(port), "--log-level", "warning",
        ]  # fmt: skip

    with started(command, name=f"zephyr run --server granian --interface {interface}", timeout=30) as server:
        response = httpx.post(
            f"{server.url}/users", json={"name": "Ada", "email": "ada@example.com", "age": 36}, timeout=5
        )
        assert response.status_code == 201
        assert response.json()["name"] == "Ada"
        assert httpx.get(f"{server.url}/docs", timeout=5).status_code == 200
        assert httpx.get(f"{server.url}/users/999", timeout=5).status_code == 404
        assert server.stop(signal.SIGTERM, timeout=20) in (0, -signal.SIGTERM), server.log_tail()


@pytest.mark.parametrize(("setting", "loop"), [(None, "BatchedAcceptLoop"), ("0", "Loop")])
def test_zephyr_run_accepts_a_burst_of_connections_on_its_loop(setting: str | None, loop: str) -> None:
    """Two uvicorn workers on uvloop accepting in batches (``zephyr._accept``), or on uvloop's own listener."""

    def command(port: int) -> list[str]:
        return [
            "-m", "zephyr.cli", "run", "tests.e2e.apps.loop_app:app", "--workers", "2", "--port", str(port),
            "--log-level", "warning",
        ]  # fmt: skip

    env = {"ZEPHYR_BATCH_ACCEPT": setting} if setting is not None else {}
    with started(command, name="zephyr run --workers 2", env=env, timeout=30) as server:

        async def burst() -> list[httpx.Response]:
            limits = httpx.Limits(max_connections=64, max_keepalive_connections=0)
            async with httpx.AsyncClient(base_url=server.url, limits=limits, timeout=10) as client:
                return await asyncio.gather(*(client.get("/loop") for _ in range(64)))

        answers = asyncio.run(burst())
        assert [response.status_code for response in answers] == [200] * 64
        assert {response.json()["loop"] for response in answers} == {loop}
        assert server.stop(signal.SIGTERM, timeout=20) in (0, -signal.SIGTERM), server.log_tail()
