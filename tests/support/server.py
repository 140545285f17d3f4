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

from tests.support.services import free_port, port_open

__all__ = ("ROOT", "SERVERS", "Server", "run_server")

SERVERS = ("uvicorn", "granian")
"""The servers end-to-end tests run on (``run_server(server=...)``)."""

ROOT = Path(__file__).resolve().parents[2]


class Server:
    """A running server: its base URL, port and process."""

    def __init__(self, proc: subprocess.Popen[bytes], port: int, name: str = "uvicorn") -> None:
        self.name = name
        """Which server runs the app: ``uvicorn`` or ``granian``."""
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
        server: ``uvicorn`` or ``granian`` (its ASGI interface); ``args`` are passed to it as they are.
        log: A file that receives the server's standard output and error (inherited when ``None``).
    """
    port = free_port()
    full_env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}", **(env or {})}
    if server == "granian":
        command = [
            "granian",
            "--interface",
            "asgi",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ]
        command = [*command, *args, app]
    else:
        command = ["uvicorn", app, "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning", *args]
    output = log.open("ab") if log is not None else None
    proc = subprocess.Popen(
        [sys.executable, "-m", *command],
        cwd=ROOT,
        env=full_env,
        start_new_session=True,
        stdout=output,
        stderr=output,
    )
    try:
        deadline = time.monotonic() + timeout
        while not port_open("127.0.0.1", port, timeout=0.2):
            if proc.poll() is not None:
                raise RuntimeError(f"{server} {app} exited with {proc.returncode} before accepting connections")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{server} {app} did not accept connections within {timeout} s")
            time.sleep(0.05)
        yield Server(proc, port, server)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)
        if output is not None:
            output.close()
