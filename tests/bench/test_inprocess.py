"""``python -m benchmarks.inprocess``: each app answers each scenario right, in a fresh interpreter; no speed judged."""

from __future__ import annotations

import pytest
from benchmarks.inprocess import main, measure
from benchmarks.scenarios import select_scenarios


def test_measures_each_scenario_of_an_app() -> None:
    result = measure("benchmarks.apps.zephyr_app", select_scenarios(["S1", "S3"]), requests=5, rounds=1)
    assert sorted(result) == ["S1", "S3"]
    assert all(cell["wall_us"] > 0 and cell["cpu_us"] >= 0 for cell in result.values())


def test_a_wrong_answer_is_reported_not_timed() -> None:
    result = measure("benchmarks.apps.raw_app", select_scenarios(["S6"]), requests=5, rounds=1)
    assert "error" not in result["S6"]  # S6 expects the 422 the raw app gives: a right answer
    broken = measure("benchmarks.apps.no_such_app", select_scenarios(["S1"]), requests=5, rounds=1)
    assert "error" in broken["S1"]


def test_rejects_a_framework_it_cannot_call(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--frameworks", "flask"])
    assert "non-ASGI" in capsys.readouterr().err
