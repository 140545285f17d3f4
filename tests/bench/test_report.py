from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from benchmarks.report import main, render_chart, render_markdown, write_reports


def _cell(rps: float | None, error: str | None = None) -> dict[str, Any]:
    if rps is None:
        return {"rounds": 0, "rps": None, "p50_ms": None, "p95_ms": None, "p99_ms": None, "rss_mb": None,
                "serving_rss_mb": None, "socket_errors": 0, "non_2xx_3xx": 0, "error": error}  # fmt: skip
    return {"rounds": 3, "rps": rps, "p50_ms": 1.5, "p95_ms": 2.25, "p99_ms": 4.0, "rss_mb": 40.0,
            "serving_rss_mb": 40.0, "cpu_us_per_request": 1e6 / rps, "socket_errors": 0, "non_2xx_3xx": 0,
            "error": None}  # fmt: skip


def _entry(
    label: str, cold: float | None, imports: float | None, error: str | None, rps: list[float | None]
) -> dict[str, Any]:
    cells = dict(zip(["S1", "S7", "S7a"], [_cell(value) for value in rps], strict=True))
    return {"label": label, "server": "uvicorn", "cold_start_ms": cold, "import_ms": imports, "error": error,
            "scenarios": cells}  # fmt: skip


def _results(*, smoke: bool = False) -> dict[str, Any]:
    scenarios = [
        {"id": "S1", "title": "GET /hello", "method": "GET", "path": "/hello"},
        {"id": "S7", "title": "last of 200 param routes", "method": "GET", "path": "/r199/7"},
        {"id": "S7a", "title": "first of 200 param routes", "method": "GET", "path": "/r0/7"},
    ]
    return {
        "meta": {
            "date": "2026-11-26 04:00 UTC",
            "nproc": 2,
            "cpu_model": "AMD EPYC",
            "python": "3.11.7",
            "platform": "Linux",
            "wrk": "wrk 4.1.0",
            "pinning": "server on core 0, wrk on core 1 (taskset)",
            "load_average_before": [0.5, 0.25, 0.0],
            "load_average_after": [1.0, 0.5, 0.25],
            "rounds": 3,
            "duration_s": 5,
            "warmup_s": 2,
            "connections": 64,
            "threads": 1,
            "smoke": smoke,
            "git_commit": "abc1234",
            "versions": {"zephyr": "0.1.0", "fastapi": "0.115.0"},
        },
        "frameworks": ["zephyr", "fastapi", "raw"],
        "scenarios": scenarios,
        "summary": {
            "zephyr": _entry("Zephyr", 300.0, 120.0, None, [20000.0, 18000.0, 18000.0]),
            "fastapi": _entry("FastAPI", 600.0, 400.0, None, [10000.0, 5000.0, 10000.0]),
            "raw": _entry("raw ASGI", None, None, "raw ASGI exited with 1 before answering:\nTraceback", [None] * 3),
        },
        "rounds": [],
    }


def test_render_markdown_has_header_with_date_machine_and_method() -> None:
    text = render_markdown(_results())
    assert text.startswith("# Benchmark results\n\n- Date: 2026-11-26 04:00 UTC (commit `abc1234`)\n")
    assert "- Machine: AMD EPYC, nproc 2, Linux\n" in text
    assert "load average before/after 0.50 0.25 0.00 / 1.00 0.50 0.25" in text
    assert "3 round(s), 5 s of `wrk -t1 -c64` per scenario after 2 s of warm-up" in text
    assert "Smoke run" not in text


def test_render_markdown_marks_smoke_runs() -> None:
    assert "**Smoke run: one short round, the numbers are not meaningful.**" in render_markdown(_results(smoke=True))


def test_render_markdown_scenario_table_has_ratios_to_fastapi_and_raw() -> None:
    text = render_markdown(_results())
    assert "## S1: GET /hello (`GET /hello`)\n" in text
    assert (
        "| Framework | req/s | p50 (ms) | p95 (ms) | p99 (ms) | RSS (MB) | CPU (µs/req) | start-up (ms) "
        "| vs FastAPI | vs raw ASGI |"
    ) in text
    assert "| Zephyr | 20,000 | 1.50 | 2.25 | 4.00 | 40.0 | 50.0 | 300 | 2.00\N{MULTIPLICATION SIGN} | — |" in text
    assert "| FastAPI | 10,000 | 1.50 | 2.25 | 4.00 | 40.0 | 100.0 | 600 | 1.00\N{MULTIPLICATION SIGN} | — |" in text


def test_render_markdown_reports_failures_instead_of_numbers() -> None:
    text = render_markdown(_results())
    assert "| raw ASGI | — | — | failed: raw ASGI exited with 1 before answering: |" in text
    assert "| raw ASGI | failed: raw ASGI exited with 1 before answering: |  |  |  |  |  |  |  |  |" in text


def test_render_markdown_overview_is_the_geometric_mean_of_ratios() -> None:
    text = render_markdown(_results())
    # Zephyr / FastAPI per scenario: 2.0, 3.6, 1.8 -> geometric mean (2 * 3.6 * 1.8) ** (1/3) = 2.35
    assert "| Zephyr | 2.35\N{MULTIPLICATION SIGN} | — |" in text
    assert "| FastAPI | 1.00\N{MULTIPLICATION SIGN} | — |" in text
    assert "| raw ASGI | — | — |" in text


def test_render_markdown_startup_and_routing_tables() -> None:
    text = render_markdown(_results())
    assert "| Zephyr | 300 | 120.0 | ok |" in text
    assert "| FastAPI | 10,000 | 5,000 | 0.50 |" in text
    assert "| Zephyr | 18,000 | 18,000 | 1.00 |" in text
    assert "| raw ASGI | — | — | — |" in text


def test_render_markdown_notes_socket_errors() -> None:
    results = _results()
    assert "Socket errors" not in render_markdown(results)
    results["summary"]["fastapi"]["scenarios"]["S1"]["socket_errors"] = 1234
    assert "Socket errors and timeouts during the load (all rounds): FastAPI 1,234." in render_markdown(results)


def test_render_markdown_skips_routing_table_without_both_route_scenarios() -> None:
    results = _results()
    results["scenarios"] = results["scenarios"][:1]
    assert "Routing cost" not in render_markdown(results)


def test_render_chart_writes_a_png(tmp_path: Path) -> None:
    path = tmp_path / "chart.png"
    render_chart(_results(), path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_write_reports_writes_json_markdown_and_chart(tmp_path: Path) -> None:
    paths = write_reports(_results(), tmp_path / "out")
    assert [path.name for path in paths] == ["results.json", "results.md", "chart.png"]
    assert json.loads(paths[0].read_text()) == _results()
    assert paths[1].read_text() == render_markdown(_results())


def test_main_rerenders_from_saved_json(tmp_path: Path, capsys: Any) -> None:
    (tmp_path / "results.json").write_text(json.dumps(_results()))
    assert main([str(tmp_path / "results.json")]) == 0
    assert (tmp_path / "results.md").read_text() == render_markdown(_results())
    assert (tmp_path / "chart.png").exists()
    assert capsys.readouterr().out.splitlines()[1] == str(tmp_path / "results.md")


def test_main_without_results_says_to_run_the_benchmark(tmp_path: Path, capsys: Any) -> None:
    assert main([str(tmp_path / "missing.json")]) == 2
    assert "run `python -m benchmarks.run` first" in capsys.readouterr().err
