"""Run an ASGI app under a real uvicorn server on 127.0.0.1, in a subprocess, for end-to-end tests."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from tests.support.services import free_port, port_open

__all__ = ("ROOT", "SERVERS", "Server", "run_server")

SERVERS = ("uvicorn", "granian", "granian-rsgi")
"""The servers end-to-end tests run on (``run_server(server=...)``): uvicorn, Granian's ASGI and its RSGI interface."""

ROOT = Path(__file__).resolve().parents[2]


class Server:
    """A running server: its base URL, port and process."""

    def __init__(self, proc: subprocess.Popen[bytes], port: int, name: str = "uvicorn") -> None:
        self.name = name
        """Which server runs the app: ``uvicorn``, ``granian`` (ASGI) or ``granian-rsgi``."""
        self.proc = proc
        self.port = port
        self.url = f"http://127.0.0.1:{port}"

    def rss_bytes(self) -> int:
        """Resident memory of the server process (and its children when there are workers)."""
        total = 0
        pids = [self.proc.pid]
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        if children.exists():
            pids += [int(p) for p in children.read_text().split()]
        for pid in pids:
            with contextlib.suppress(OSError):
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
        return total


@contextlib.contextmanager
def run_server(
    app: str,
    *,
    args: Sequence[str] = (),
    env: dict[str, str] | None = None,
    timeout: float = 20.0,
    server: str = "uvicorn",
    log: Path | None = None,
) -> Iterator[Server]:
    """Start ``uvicorn app`` on a free port, wait until it accepts connections, and stop it afterwards.

    Args:
        app: The ``module:attribute`` import string.
        args: Extra uvicorn command-line arguments (``--workers 2``...).
        env: Extra environment variables for the server.
        timeout: How long to wait for the server to accept connections.
        server: ``uvicorn``, ``granian`` (its ASGI interface) or ``granian-rsgi`` (its RSGI interface, which Zephyr
            apps implement natively); ``args`` are passed to it as they are.
        log: A file that receives the server's standard output and error (inherited when ``None``).
    """
    output = log.open("ab") if log is not None else None
    try:
        proc, port = _start(app, args, env, timeout, server, output)
    except BaseException:
        if output is not None:
            output.close()
        raise
    try:
        yield Server(proc, port, server)
    finally:
        _stop(proc)
        if output is not None:
            output.close()


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop the server's process group: SIGTERM, then SIGKILL if it lingers."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)


def _command(server: str, app: str, port: int, args: Sequence[str]) -> list[str]:
    if server in ("granian", "granian-rsgi"):
        interface = "rsgi" if server == "granian-rsgi" else "asgi"
        base = [
            "granian",
            "--interface",
            interface,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ]
        return [*base, *args, app]
    return ["uvicorn", app, "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning", *args]


def _start(
    app: str, args: Sequence[str], env: dict[str, str] | None, timeout: float, server: str, output: Any = None
) -> tuple[subprocess.Popen[bytes], int]:
    """Start the server on a free port, retrying on another port when it exits before accepting (port taken)."""
    full_env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}", **(env or {})}
    for attempt in range(3):  # another process may take the free port first: then try another
        port = free_port()
        proc = subprocess.Popen(
            [sys.executable, "-m", *_command(server, app, port, args)],
            cwd=ROOT,
            env=full_env,
            start_new_session=True,
            stdout=output,
            stderr=output,
        )
        deadline = time.monotonic() + timeout
        while not port_open("127.0.0.1", port, timeout=0.2):
            if proc.poll() is not None or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        else:
            return proc, port
        exited = proc.poll()
        _stop(proc)
        if exited is None:
            raise RuntimeError(f"{server} {app} did not accept connections within {timeout} s")
        if attempt == 2:
            raise RuntimeError(f"{server} {app} exited with {exited} before accepting connections, 3 times")
    raise AssertionError("unreachable: the last attempt returns or raises")
