"""The start-up benchmark runs, answers right, and reports each phase (a smoke run: it judges no speed)."""

from __future__ import annotations

from pathlib import Path

import pytest
from benchmarks import startup


def test_a_small_app_is_measured_on_both_frameworks(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    output = tmp_path / "startup.json"
    assert startup.main(["--routes", "40", "--frameworks", "zephyr,fastapi", "--json", str(output)]) == 0
    table = capsys.readouterr().out
    assert "| zephyr | 40 |" in table and "| fastapi | 40 |" in table
    assert output.read_text().count('"ok": true') == 2


def test_each_phase_is_timed() -> None:
    measured = startup.measure("zephyr", 20)
    assert measured["ok"] is True
    assert set(measured) == {"register_ms", "startup_ms", "first_ms", "ready_ms", "ok"}
    assert measured["ready_ms"] >= measured["register_ms"] + measured["startup_ms"]


def test_unknown_frameworks_are_refused() -> None:
    with pytest.raises(SystemExit):
        startup.parse_args(["--frameworks", "django"])
