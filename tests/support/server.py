"""Run an ASGI app under a real uvicorn server on 127.0.0.1, in a subprocess, for end-to-end tests."""

from __future__ import annotations

import contextlib
import functools
import os
import subprocess
from collections.abc import Iterator, Sequence
from pathlib import Path

from tests.support.processes import ROOT, started

__all__ = ("HTTP_ENV", "ROOT", "SERVERS", "Server", "run_server")

SERVERS = ("uvicorn", "granian", "granian-rsgi")
"""The servers end-to-end tests run on (``run_server(server=...)``): uvicorn, Granian's ASGI and its RSGI interface."""


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
        log: A file that receives the server's standard output and error (a temporary one when ``None``; its end
            is in every failure message either way).
    """
    command = functools.partial(_command, server, app, args=args)
    with started(command, name=f"{server} {app}", env=env, timeout=timeout, log=log) as process:
        yield Server(process.proc, process.port, server)


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
        return ["-m", *base, *args, app]
    return ["-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning", *_http(args)]


HTTP_ENV = "ZEPHYR_E2E_HTTP"
"""Set to ``zephyr`` to serve every uvicorn end-to-end test as ``zephyr run`` does: with Zephyr's HTTP protocol
(``zephyr._protocol``) wherever it would use httptools (named, or chosen by ``auto``; ``h11`` runs stay on h11), on
Zephyr's event loop (``zephyr._accept``) unless the test names one."""


def _http(args: Sequence[str]) -> list[str]:
    if os.environ.get(HTTP_ENV) != "zephyr":
        return list(args)
    ours = "zephyr._protocol:ZephyrHttpProtocol"
    args = list(args)
    if "--loop" not in args:  # the loop `zephyr run` serves on (zephyr._accept)
        args += ["--loop", "zephyr._accept:new_event_loop"]
    if "--http" not in args:
        return [*args, "--http", ours]
    at = args.index("--http") + 1
    if args[at] in ("httptools", "auto"):
        args[at] = ours
    return args
