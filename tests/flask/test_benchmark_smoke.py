"""``python -m benchmarks.flask_face`` (one round, one second) serves both apps, checks them and writes its report."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.services import missing_service

ROOT = Path(__file__).resolve().parents[2]
BOUND_S = 120

pytestmark = pytest.mark.e2e


@pytest.mark.timeout(BOUND_S + 20)
def test_a_one_second_run_writes_both_reports(tmp_path: Path) -> None:
    if shutil.which("wrk") is None:
        missing_service("wrk is not installed: run `make system-deps` (or `apt-get install wrk`)")
    command = ["-m", "benchmarks.flask_face", "--rounds", "1", "--duration", "1", "--warmup", "0"]
    proc = subprocess.Popen(
        [sys.executable, *command, "--output", str(tmp_path)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        log, _ = proc.communicate(timeout=BOUND_S)
    finally:
        if proc.poll() is None:  # overstayed: take its servers down with it
            os.killpg(proc.pid, signal.SIGKILL)
    # 0: every target met, 1: some missed (a one-second run on a shared machine proves nothing about speed).
    assert proc.returncode in (0, 1), log
    results = json.loads((tmp_path / "flask_face.json").read_text())
    assert set(results["medians"]) == {"flask", "zephyr_flask"}
    for server in results["medians"].values():
        assert set(server) == {"F1", "F2", "F3"}
        assert all(row["rps"] > 0 and row["cpu_us_per_request"] > 0 for row in server.values())
    assert [row["scenario"] for row in results["targets"]] == ["F1", "F2", "F3"]
    report = (tmp_path / "flask_face.md").read_text()
    assert report.startswith("# The Flask face: Flask (gunicorn) vs zephyr.flask (uvicorn)\n")
