"""Real services for tests: a Redis URL and a PostgreSQL URL, found or started lazily.

A test that needs a service it cannot get is skipped with a message saying what to do, unless
``ZEPHYR_REQUIRE_SERVICES=1`` is set (as ``.ci/run`` does): then the missing service fails the test.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from typing import NoReturn

import pytest

from tests.support.processes import free_port, port_open

__all__ = (
    "free_port",
    "missing_service",
    "port_open",
    "postgres_url",
    "redis_server_url",
    "stop_process",
)


def missing_service(message: str) -> NoReturn:
    """Skip the test, or fail it when services are required."""
    if os.environ.get("ZEPHYR_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{message} (ZEPHYR_REQUIRE_SERVICES=1 turns this skip into a failure)")
    pytest.skip(message)


def stop_process(proc: subprocess.Popen[bytes], timeout: float = 10.0) -> None:
    """Stop a process this test run started: terminate, then kill if it does not exit within ``timeout``."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=timeout)


def _redis_answers(url: str) -> bool:
    try:
        import redis
    except ImportError:
        return False
    client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
    try:
        return bool(client.ping())
    except Exception:
        return False
    finally:
        client.close()


@contextlib.contextmanager
def redis_server_url() -> Iterator[str]:
    """Yield a URL of a Redis server: ``REDIS_URL``, the local one on 6379, or one started on a free port."""
    env_url = os.environ.get("REDIS_URL")
    if env_url:
        if not _redis_answers(env_url):
            missing_service(f"REDIS_URL={env_url} does not answer PING")
        yield env_url
        return
    local = "redis://127.0.0.1:6379/0"
    if port_open("127.0.0.1", 6379) and _redis_answers(local):
        yield local
        return
    binary = shutil.which("redis-server")
    if binary is None:
        missing_service("No Redis: set REDIS_URL, run Redis on 127.0.0.1:6379, or install redis-server")
    with tempfile.TemporaryDirectory() as workdir:
        for _ in range(5):  # another process may take the free port first: then try another
            port = free_port()
            proc = subprocess.Popen(
                [
                    binary,
                    "--port",
                    str(port),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--dir",
                    workdir,
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            try:
                url = f"redis://127.0.0.1:{port}/0"
                deadline = time.monotonic() + 10
                while not _redis_answers(url):
                    if proc.poll() is not None:
                        break  # it could not bind the port
                    if time.monotonic() > deadline:
                        missing_service(f"redis-server started on port {port} did not answer within 10 s")
                    time.sleep(0.05)
                else:
                    yield url
                    return
            finally:
                stop_process(proc)  # also when the test failed or was skipped
        missing_service("redis-server could not bind a free port in 5 attempts")


def postgres_url() -> str:
    """Return a PostgreSQL URL: ``DATABASE_URL`` or the local server's ``test`` database."""
    url = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
    try:
        import psycopg
    except ImportError:
        missing_service("psycopg is not installed: pip install 'psycopg[binary]'")
    try:
        with psycopg.connect(url, connect_timeout=2) as conn:
            conn.execute("SELECT 1")
    except Exception as exc:
        missing_service(f"PostgreSQL at {url} is not reachable ({exc}); set DATABASE_URL")
    return url
