"""``zephyr dev`` and ``zephyr run module`` on real uvicorn servers, in a project directory of their own."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.processes import started

pytestmark = pytest.mark.e2e

MAIN = """
from zephyr import FastAPI, Request

app = FastAPI()


@app.get("/")
def version() -> dict:
    return {{"version": {version}}}


@app.get("/client")
def client(request: Request) -> dict:
    return {{"host": request.client.host}}


@app.get("/boom")
def boom() -> dict:
    raise RuntimeError("the dev page shows this")
"""


@contextlib.contextmanager
def zephyr(project: Path, *arguments: str) -> Iterator[str]:
    """Run ``zephyr ARGUMENTS --port P`` in ``project``; yield its base URL; stop its whole process group."""

    def command(port: int) -> list[str]:
        return ["-m", "zephyr.cli", *arguments, "--port", str(port), "--log-level", "warning"]

    with started(command, name=f"zephyr {' '.join(arguments)}", cwd=project, timeout=30) as server:
        yield server.url


def test_dev_finds_main_py_shows_tracebacks_and_reloads(tmp_path: Path) -> None:
    main = tmp_path / "main.py"
    main.write_text(MAIN.format(version=1))
    with zephyr(tmp_path, "dev") as url:
        assert httpx.get(url, timeout=5).json() == {"version": 1}
        boom = httpx.get(f"{url}/boom", timeout=5)
        assert boom.status_code == 500
        assert "RuntimeError: the dev page shows this" in boom.text  # debug mode: the traceback is shown
        main.write_text(MAIN.format(version=2))
        deadline = time.monotonic() + 30
        while True:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(url, timeout=2).json() == {"version": 2}:
                    break
            assert time.monotonic() < deadline, "zephyr dev did not reload within 30 s"
            time.sleep(0.2)


def test_run_takes_a_module_alone_and_trusts_only_the_named_proxies(tmp_path: Path) -> None:
    (tmp_path / "main.py").write_text(MAIN.format(version=1))
    forwarded = {"x-forwarded-for": "203.0.113.9"}
    with zephyr(tmp_path, "run", "main", "--proxy-headers", "--forwarded-allow-ips", "127.0.0.1") as url:
        assert httpx.get(f"{url}/client", headers=forwarded, timeout=5).json() == {"host": "203.0.113.9"}
        boom = httpx.get(f"{url}/boom", timeout=5)
        assert (boom.status_code, boom.text) == (500, "Internal Server Error")  # no traceback outside dev
    with zephyr(tmp_path, "run", "main", "--proxy-headers", "--forwarded-allow-ips", "10.1.2.3") as url:
        assert httpx.get(f"{url}/client", headers=forwarded, timeout=5).json() == {"host": "127.0.0.1"}
