"""``python -m benchmarks.run --smoke`` runs every framework and scenario end to end and writes the three reports."""

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
SMOKE_BOUND_S = 170

pytestmark = pytest.mark.e2e


@pytest.mark.timeout(SMOKE_BOUND_S + 20)
def test_smoke_run_exits_0_and_writes_results(tmp_path: Path) -> None:
    if shutil.which("wrk") is None:
        missing_service("wrk is not installed: run `make system-deps` (or `apt-get install wrk`)")
    output = tmp_path / "results"
    proc = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.run", "--smoke", "--output", str(output)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        log, _ = proc.communicate(timeout=SMOKE_BOUND_S)
    finally:
        if proc.poll() is None:  # the run overstayed its bound: take its servers down with it
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate(timeout=10)
    assert proc.returncode == 0, log[-5000:]
    assert sorted(path.name for path in output.iterdir()) == ["chart.png", "results.json", "results.md"]
    results = json.loads((output / "results.json").read_text())
    assert results["frameworks"] == ["zephyr", "fastapi", "litestar", "flask", "raw"]
    assert [s["id"] for s in results["scenarios"]] == ["S1", "S2", "S3", "S4", "S5", "S6", "S7", "S7a"]
    assert results["meta"]["smoke"] is True
    for name, entry in results["summary"].items():
        assert entry["error"] is None, name
        assert entry["cold_start_ms"] > 0, name
        for scenario_id, cell in entry["scenarios"].items():
            assert cell["rps"] > 0, (name, scenario_id)
    markdown = (output / "results.md").read_text()
    assert "## S7a: first of 200 param routes (`GET /r0/7`)" in markdown
    assert (output / "chart.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
