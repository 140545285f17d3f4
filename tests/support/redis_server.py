"""A private redis-server for tests that kill, pause or restart it: on a free loopback port, stopped by pid.

Never point these at the shared Redis: other test runs use it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator

from tests.support.services import free_port, missing_service, port_open

__all__ = ("RedisServer", "redis_server")


class RedisServer:
    """One redis-server process on ``127.0.0.1:port``, which a test may kill, pause, resume and start again."""

    def __init__(self, binary: str, workdir: str) -> None:
        self.binary = binary
        self.workdir = workdir
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen[bytes] | None = None
        self.paused = False

    def start(self, timeout: float = 10.0) -> None:
        """Start the server (again, on the same port) and wait until it accepts connections."""
        options = ["--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.proc = subprocess.Popen(
            [self.binary, *options, "--dir", self.workdir],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout
        while not port_open("127.0.0.1", self.port, timeout=0.2):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                missing_service(f"redis-server on port {self.port} did not start within {timeout} s")
            time.sleep(0.02)

    def kill(self) -> None:
        """SIGKILL the server: connections are refused from now on."""
        proc = self.proc
        if proc is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
            self.proc = None
            self.paused = False

    def pause(self) -> None:
        """SIGSTOP the server: connections are accepted by the kernel but nothing answers (a hung server)."""
        if self.proc is not None:
            os.kill(self.proc.pid, signal.SIGSTOP)
            self.paused = True

    def resume(self) -> None:
        """SIGCONT a paused server."""
        if self.proc is not None and self.paused:
            os.kill(self.proc.pid, signal.SIGCONT)
            self.paused = False

    def stop(self) -> None:
        """Stop the server by pid, paused or not."""
        proc = self.proc
        if proc is None:
            return
        self.resume()
        with contextlib.suppress(ProcessLookupError):
            proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        self.proc = None


@contextlib.contextmanager
def redis_server() -> Iterator[RedisServer]:
    """Start a private redis-server on a free port; stop it (by pid) however the test ends."""
    binary = shutil.which("redis-server")
    if binary is None:
        missing_service("redis-server is not installed: tests that kill or pause Redis need their own server")
    with tempfile.TemporaryDirectory() as workdir:
        server = RedisServer(binary, workdir)
        try:
            server.start()
            yield server
        finally:
            server.stop()
