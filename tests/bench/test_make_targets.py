"""What ``make bench`` and ``make bench-smoke`` run, read with ``make -n`` (nothing is run)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _dry_run(target: str) -> str:
    make = shutil.which("make")
    if make is None:
        pytest.skip("make is not installed")
    # VENV points at a directory that does not exist: make -n must not rebuild the real one, only print
    result = subprocess.run(
        [make, "-n", "-C", str(ROOT), target, "VENV=.venv-dry-run", "STAMP="],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_bench_runs_the_scenarios_and_the_flask_face() -> None:
    commands = _dry_run("bench")
    assert "-m benchmarks.run" in commands
    assert "-m benchmarks.flask_face" in commands
    # the Flask face runs even when the seven scenarios miss a target; make still fails at the end
    runs = [line for line in commands.splitlines() if "-m benchmarks." in line]
    assert all(line.rstrip(" ;\\").endswith("|| status=$?") for line in runs), runs
    assert "exit $status" in commands


def test_bench_smoke_stays_quick() -> None:
    commands = _dry_run("bench-smoke")
    assert "-m benchmarks.run --smoke" in commands
    assert "flask_face" not in commands
