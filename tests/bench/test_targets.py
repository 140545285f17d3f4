from __future__ import annotations

from typing import Any

import pytest
from benchmarks.report import render_markdown
from benchmarks.targets import Target, check_targets

from tests.bench.test_report import _results as report_results

SCENARIOS = ["S1", "S2", "S3", "S4", "S5", "S6", "S7", "S7a"]


def _entry(rps: float, *, p99: float = 5.0, rss: float = 45.0, import_ms: float | None = 100.0) -> dict[str, Any]:
    cells = {
        scenario: {
            "rounds": 3,
            "rps": rps,
            "p50_ms": 1.0,
            "p95_ms": 2.0,
            "p99_ms": p99,
            "rss_mb": rss,
            "serving_rss_mb": rss,
            "socket_errors": 0,
            "non_2xx_3xx": 0,
            "error": None,
        }
        for scenario in SCENARIOS
    }
    return {
        "label": "x",
        "server": "uvicorn",
        "cold_start_ms": 200.0,
        "import_ms": import_ms,
        "error": None,
        "scenarios": cells,
    }


def _results(**entries: dict[str, Any]) -> dict[str, Any]:
    return {
        "meta": report_results()["meta"],
        "frameworks": list(entries),
        "scenarios": [{"id": s, "title": s, "method": "GET", "path": "/"} for s in SCENARIOS],
        "summary": entries,
    }


def _by_name(targets: list[Target]) -> dict[str, Target]:
    return {target.name: target for target in targets}


def test_a_run_that_meets_everything() -> None:
    results = _results(
        zephyr=_entry(30_000, p99=4.0, rss=45.0, import_ms=120.0),
        fastapi=_entry(10_000, p99=9.0, rss=55.0, import_ms=300.0),
        litestar=_entry(15_000),
        flask=_entry(3_000),
        raw=_entry(33_000),
    )
    targets = check_targets(results)
    assert all(target.met for target in targets), [t for t in targets if not t.met]
    assert _by_name(targets)["S4 vs FastAPI"].measured == "3.00\N{MULTIPLICATION SIGN}"
    assert "0.40" in _by_name(targets)["import + app construction at most half of FastAPI's"].measured


def test_misses_are_reported_as_misses() -> None:
    results = _results(
        zephyr=_entry(15_000, p99=10.0, rss=60.0, import_ms=200.0),
        fastapi=_entry(10_000, p99=9.0, rss=55.0, import_ms=300.0),
        litestar=_entry(14_000),
        flask=_entry(3_500),
        raw=_entry(33_000),
    )
    results["summary"]["zephyr"]["scenarios"]["S7"]["rps"] = 12_000
    targets = _by_name(check_targets(results))
    for name in (
        "S2 vs FastAPI",
        "S2 vs Litestar",
        "S2 vs raw ASGI",
        "S1 vs raw ASGI",
        "p99 latency below FastAPI's",
        "RSS at or below FastAPI's",
        "import + app construction at most half of FastAPI's",
        "S7 as fast as a route at the top",
        "S3 vs Flask (gunicorn sync)",
    ):
        assert targets[name].met is False, name
    markdown = render_markdown(results)
    assert "| S2 vs FastAPI | 2.0\N{MULTIPLICATION SIGN} | 1.50\N{MULTIPLICATION SIGN} | **missed** |" in markdown


@pytest.mark.parametrize("missing", ["fastapi", "litestar", "raw", "flask"])
def test_a_framework_left_out_is_not_measured(missing: str) -> None:
    entries = {name: _entry(10_000) for name in ("zephyr", "fastapi", "litestar", "flask", "raw")}
    del entries[missing]
    targets = check_targets(_results(**entries))
    unmeasured = [target for target in targets if target.met is None]
    assert unmeasured
    assert all(target.measured == "not measured" for target in unmeasured)


def test_a_failed_scenario_is_not_measured() -> None:
    results = _results(zephyr=_entry(30_000), fastapi=_entry(10_000))
    results["summary"]["zephyr"]["scenarios"]["S4"]["rps"] = None
    assert _by_name(check_targets(results))["S4 vs FastAPI"].met is None


def test_no_zephyr_no_targets_section() -> None:
    assert "## Targets" not in render_markdown(_results(fastapi=_entry(10_000)))


def test_zephyr_on_its_best_server_against_the_uvicorn_ceiling() -> None:
    results = _results(
        zephyr=_entry(30_000),
        fastapi=_entry(10_000),
        ceiling=_entry(33_000),
        **{"zephyr-granian": _entry(36_000), "zephyr-rsgi": _entry(34_000)},
    )
    targets = _by_name(check_targets(results))
    s1 = targets["S1: Zephyr on its best server vs the ceiling on uvicorn"]
    assert (s1.measured, s1.met) == ("1.09\N{MULTIPLICATION SIGN} (on Granian ASGI)", True)
    on_rsgi = _results(zephyr=_entry(30_000), ceiling=_entry(33_000), **{"zephyr-rsgi": _entry(40_000)})
    s1 = _by_name(check_targets(on_rsgi))["S1: Zephyr on its best server vs the ceiling on uvicorn"]
    assert (s1.measured, s1.met) == ("1.21\N{MULTIPLICATION SIGN} (on Granian RSGI)", True)
    assert "S4: Zephyr on its best server vs the ceiling on uvicorn" not in targets
    slower = _by_name(check_targets(_results(zephyr=_entry(30_000), ceiling=_entry(33_000))))
    s2 = slower["S2: Zephyr on its best server vs the ceiling on uvicorn"]
    assert (s2.measured, s2.met) == ("0.91\N{MULTIPLICATION SIGN} (on uvicorn)", False)
    missing = _results(zephyr=_entry(30_000), ceiling=_entry(33_000))
    del missing["summary"]["ceiling"]["scenarios"]["S3"]
    s3 = _by_name(check_targets(missing))["S3: Zephyr on its best server vs the ceiling on uvicorn"]
    assert (s3.measured, s3.met) == ("not measured", None)


def test_zephyr_instrumented_against_fastapi_instrumented_alike() -> None:
    times = "\N{MULTIPLICATION SIGN}"
    results = _results(
        zephyr=_entry(30_000),
        **{
            "fastapi-otel": _entry(4_000),
            "zephyr-otel": _entry(7_000),
            "zephyr-otel-fast": _entry(9_000),
            "fastapi-telemetry": _entry(4_000),
            "zephyr-telemetry": _entry(7_600),
        },
    )
    targets = _by_name(check_targets(results))
    otel = targets["S1 with FastAPIInstrumentor: Zephyr vs FastAPI"]
    assert (otel.measured, otel.met) == (f"1.75{times} on uvicorn, 2.25{times} on Zephyr protocol", True)
    native = targets["S2 with telemetry=: Zephyr vs FastAPI"]
    assert (native.measured, native.met) == (f"1.90{times} on uvicorn", False)
    assert "S4 with telemetry=: Zephyr vs FastAPI" not in targets
    plain = _by_name(check_targets(_results(zephyr=_entry(30_000), fastapi=_entry(10_000))))
    assert not [name for name in plain if "FastAPIInstrumentor" in name or "telemetry=" in name]


def test_a_run_of_instrumented_contenders_shows_what_it_measured() -> None:
    report = render_markdown(_results(**{"fastapi-otel": _entry(2_000), "zephyr-otel": _entry(5_000)}))
    assert "| S1 with FastAPIInstrumentor: Zephyr vs FastAPI | 2.0\N{MULTIPLICATION SIGN} |" in report
    assert "S2 vs FastAPI" not in report  # not measured in this run: left out
    assert "## Targets" not in render_markdown(_results(**{"fastapi-otel": _entry(2_000)}))
