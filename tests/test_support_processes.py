"""``tests.support.processes.started``: the one way tests and benchmarks start and stop a process."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from tests.support.processes import ProcessError, at_once, port_open, started

# a server on the given port that forks a worker (another process of its group) and writes the worker's pid
SERVER = """
import os, socket, sys, time
port, pid_file = int(sys.argv[1]), sys.argv[2]
child = os.fork()
if child == 0:
    time.sleep(60)
    os._exit(0)
open(pid_file, "w").write(str(child))
sock = socket.socket()
sock.bind(("127.0.0.1", port))
sock.listen()
print("serving", flush=True)
time.sleep(60)
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie is dead too: only its parent's wait removes it
    status = Path(f"/proc/{pid}/stat")
    return status.exists() and status.read_text().split(") ", 1)[1][0] != "Z"


def test_the_process_and_its_workers_are_killed_with_their_group(tmp_path: Path) -> None:
    pid_file = tmp_path / "child"
    with started(lambda port: ["-c", SERVER, str(port), str(pid_file)], name="forking server") as server:
        assert port_open("127.0.0.1", server.port)
        child = int(pid_file.read_text())
        assert _alive(server.pid) and _alive(child)
        assert os.getpgid(child) == server.pid  # a group of its own
    deadline = time.monotonic() + 10
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(child)
    assert server.proc.returncode is not None
    assert server.log_tail() == ""  # the temporary log is gone with the block


def test_a_process_that_exits_early_fails_with_its_output(tmp_path: Path) -> None:
    command = ["-c", "import sys; print('no such app'); sys.exit(3)"]
    expected = r"(?s)exited with 3 before it was ready, 3 times.*no such app"
    with pytest.raises(ProcessError, match=expected), started(lambda port: command, name="broken", timeout=5):
        raise AssertionError("unreachable: it never becomes ready")


def test_a_process_that_never_gets_ready_is_killed_after_the_deadline() -> None:
    started_at = time.monotonic()
    command = ["-c", "import time; print('waiting', flush=True); time.sleep(60)"]
    expected = r"(?s)silent: not ready within 0.5 s.*waiting"
    with pytest.raises(ProcessError, match=expected), started(lambda port: command, name="silent", timeout=0.5):
        raise AssertionError("unreachable")
    assert time.monotonic() - started_at < 10


def test_stop_returns_the_exit_status_and_a_failure_in_the_block_carries_the_log(tmp_path: Path) -> None:
    log = tmp_path / "worker.log"
    command = ["-c", "import time; print('working', flush=True); time.sleep(60)"]
    with (
        pytest.raises(ZeroDivisionError) as caught,
        started(lambda port: command, name="worker", ready=at_once, log=log) as worker,
    ):
        deadline = time.monotonic() + 10
        while "working" not in worker.log_tail() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert worker.stop(signal.SIGTERM) == -signal.SIGTERM
        1 / 0  # noqa: B018
    notes = getattr(caught.value, "__notes__", None)
    if notes is not None:  # Python 3.11+
        assert "working" in notes[-1]
    assert log.read_text() == "working\n"
