"""One way to run a process for a test or a benchmark: its own process group, a free loopback port, a bounded wait.

:func:`started` starts a command in a new session (so it and every worker it forks are one process group), on a
port of 127.0.0.1 that was free when asked for, waits until it is ready (by default: it accepts connections on that
port) within a deadline, and in ``finally`` kills the whole group by the leader's pid: SIGTERM, then SIGKILL if it
lingers. Its standard output and error go to a log file whose tail ends every failure message. A command that exits
before it is ready (another process took the port first) is started again on another port, up to three times.

This module imports nothing outside the standard library, so ``benchmarks/`` can use it without pytest.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path

__all__ = ("ROOT", "Process", "ProcessError", "accepting", "at_once", "free_port", "port_open", "started")

ROOT = Path(__file__).resolve().parents[2]
"""The repository root: the default working directory, and put on ``PYTHONPATH`` of every process started."""

_handed_out: set[int] = set()


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free right now and was not returned before in this process.

    Another process may still take it before the caller binds it: :func:`started` then tries another port.
    """
    while True:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        if port not in _handed_out:
            _handed_out.add(port)
            return port


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    """Tell whether something accepts TCP connections on ``host:port``."""
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=timeout):
        return True
    return False


class ProcessError(AssertionError):
    """A started process did not become ready, or exited when it should not have; the message ends with its log."""


class Process:
    """A process started by :func:`started`: its pid, port, base URL and log."""

    def __init__(self, proc: subprocess.Popen[bytes], port: int, name: str, log: Path) -> None:
        self.proc = proc
        self.port = port
        self.name = name
        self.log = log
        self.url = f"http://127.0.0.1:{port}"

    @property
    def pid(self) -> int:
        """The process group leader's pid (the group's id too)."""
        return self.proc.pid

    def output(self) -> str:
        """Everything the process wrote so far (standard output and error)."""
        with contextlib.suppress(OSError):
            return self.log.read_bytes().decode("utf-8", "replace")
        return ""

    def log_tail(self, chars: int = 3000) -> str:
        """The end of the process's output so far."""
        with contextlib.suppress(OSError):
            return self.log.read_bytes()[-chars:].decode("utf-8", "replace")
        return ""

    def failure(self, what: str) -> ProcessError:
        """An error saying ``what`` went wrong, with the end of the log."""
        return ProcessError(f"{self.name}: {what}\n--- the end of its output ({self.log}) ---\n{self.log_tail()}")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15.0) -> int:
        """Send ``sig`` to the whole process group; SIGKILL it if it has not exited after ``timeout`` s.

        Returns:
            The leader's exit status (negative: the signal that ended it).
        """
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, sig)
            with contextlib.suppress(subprocess.TimeoutExpired):  # SIGKILL below
                self.proc.wait(timeout=timeout)
        # workers left behind by a leader that exited go with the group, whatever happened
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        return self.proc.wait(timeout=10)


def accepting(process: Process) -> bool:
    """The default ``ready``: the process accepts connections on its port."""
    return port_open("127.0.0.1", process.port, timeout=0.2)


def at_once(process: Process) -> bool:
    """A ``ready`` for a process that serves no port (a queue worker): ready once started."""
    return True


@contextlib.contextmanager
def started(
    command: Callable[[int], Sequence[str]],
    *,
    name: str,
    ready: Callable[[Process], bool] = accepting,
    timeout: float = 20.0,
    env: Mapping[str, str] | None = None,
    cwd: Path = ROOT,
    log: Path | None = None,
    python: bool = True,
    stop_timeout: float = 15.0,
) -> Iterator[Process]:
    """Start ``command(port)``, wait until ``ready``, yield it, and kill its process group however the block ends.

    Args:
        command: Builds the command line from a free port of 127.0.0.1 (ignore the port if it needs none, and pass
            a ``ready`` that does not wait for it).
        name: What to call the process in failure messages.
        ready: Polled (every 50 ms) until it returns true; the default waits until the port accepts connections.
        timeout: Seconds it may take to become ready.
        env: Extra environment variables (``PYTHONPATH`` starts with the repository root).
        cwd: The working directory.
        log: Where its output goes (appended to); a temporary file, deleted afterwards, when ``None``.
        python: Run ``command`` with this interpreter (``python -m ...`` when it starts with ``-m``).
        stop_timeout: Seconds the group has to exit after SIGTERM, at the end, before SIGKILL.

    Raises:
        ProcessError: It did not become ready in time, or exited first three times; the message has its log.
    """
    full_env = {**os.environ, **(env or {})}
    full_env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), full_env.get("PYTHONPATH", "")) if p)
    with contextlib.ExitStack() as stack:
        if log is None:
            log = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="zephyr-proc-"))) / f"{name}.log"
        output = stack.enter_context(log.open("ab"))
        for attempt in range(3):  # another process may take the free port first: then try another
            port = free_port()
            argv = list(command(port))
            if python:
                argv = [sys.executable, *argv]
            proc = subprocess.Popen(
                argv, cwd=cwd, env=full_env, start_new_session=True, stdout=output, stderr=subprocess.STDOUT
            )
            process = Process(proc, port, name, log)
            try:
                deadline = time.monotonic() + timeout
                while not ready(process):
                    if proc.poll() is not None:
                        break
                    if time.monotonic() > deadline:
                        raise process.failure(f"not ready within {timeout:g} s")
                    time.sleep(0.05)
                else:
                    try:
                        yield process
                    except BaseException as exc:
                        if hasattr(exc, "add_note"):  # Python 3.11+: the failure shows what the process said
                            exc.add_note(f"--- the end of {name}'s output ({log}) ---\n{process.log_tail()}")
                        raise
                    return
            finally:
                process.stop(timeout=stop_timeout)
            if attempt == 2:
                raise process.failure(f"exited with {proc.returncode} before it was ready, 3 times")
    raise AssertionError("unreachable: the last attempt returns or raises")
