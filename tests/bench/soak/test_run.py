"""The soak run, short: mixed traffic on one real uvicorn worker leaves no file descriptors behind and bounded RSS.

The 10-minute run is ``make soak`` (``benchmarks/soak/run.py``); this smoke version runs 12 s of the same traffic.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from benchmarks.soak.run import SoakResult, main, soak

pytestmark = pytest.mark.e2e


def test_short_soak_has_no_fd_growth_and_bounded_rss() -> None:
    result = soak(12.0, interval=1.0, threads=2)
    report = result.report(skip=4.0)
    assert report["errors"] == {}, report
    assert set(result.counts) == {"valid", "json", "invalid", "malformed", "404", "upload", "sse", "websocket"}
    assert min(result.counts.values()) >= 3, report
    # Every connection the clients opened is closed: the worker ends with the descriptors it had after warm-up.
    assert report["fds_end"] <= report["fds_after_warmup"] + 2, report  # type: ignore[operator]
    # Memory: after warm-up, growth over the run stays within a few MiB (allocator noise), not per-request growth.
    assert report["rss_end_mib"] - report["rss_after_warmup_mib"] < 8, report  # type: ignore[operator]


def test_slope_and_report_arithmetic() -> None:
    result = SoakResult(120.0, samples=[(0.0, 10 * 2**20, 10), (60.0, 11 * 2**20, 12), (120.0, 12 * 2**20, 11)])
    assert result.slope_kib_per_min(skip=0) == 1024.0
    assert result.slope_kib_per_min(skip=200) == 1024.0  # no sample after skip: all of them
    assert SoakResult(1.0, samples=[(0.0, 1, 1)]).slope_kib_per_min(0) == 0.0
    report = result.report(skip=60.0)
    assert (report["fds_start"], report["fds_after_warmup"], report["fds_end"], report["fds_max"]) == (10, 12, 11, 12)
    assert (report["rss_start_mib"], report["rss_end_mib"], report["rss_slope_kib_per_min"]) == (10.0, 12.0, 1024.0)


def test_command_line_writes_the_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    output = tmp_path / "soak.json"
    assert main(["--duration", "3", "--interval", "1", "--threads", "1", "--warmup", "1", "--output", str(output)]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert json.loads(output.read_text()) == printed
    assert printed["errors"] == {}
