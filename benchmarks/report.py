"""Turn a benchmark run into ``results.json``, ``results.md`` and ``chart.png``.

``python -m benchmarks.run`` calls :func:`write_reports`; ``python -m benchmarks.report [results.json]`` re-renders
the Markdown and the chart from a saved ``results.json`` (for instance after changing this file).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.targets import check_targets

__all__ = ("main", "render_chart", "render_markdown", "write_reports")

_DASH = "\N{EM DASH}"
_TIMES = "\N{MULTIPLICATION SIGN}"


def _num(value: float | None, digits: int = 0) -> str:
    if value is None:
        return _DASH
    return f"{value:,.{digits}f}"


def _ratio(value: float | None, base: float | None) -> str:
    if value is None or not base:
        return _DASH
    return f"{value / base:.2f}{_TIMES}"


def _load(values: list[float] | None) -> str:
    return " ".join(f"{value:.2f}" for value in values) if values else "unknown"


def _short_error(error: str) -> str:
    first = error.strip().splitlines()[0] if error.strip() else "failed"
    return first.replace("|", "\\|")[:160]


def _header(results: dict[str, Any]) -> list[str]:
    meta = results["meta"]
    versions = ", ".join(f"{name} {version}" for name, version in meta["versions"].items())
    smoke = " **Smoke run: one short round, the numbers are not meaningful.**" if meta.get("smoke") else ""
    return [
        "# Benchmark results",
        "",
        f"- Date: {meta['date']} (commit `{meta.get('git_commit', 'unknown')}`)",
        f"- Machine: {meta['cpu_model']}, nproc {meta['nproc']}, {meta['platform']}",
        f"- Python {meta['python']}; load generator {meta['wrk']}; {meta['pinning']}; load average before/after "
        f"{_load(meta.get('load_average_before'))} / {_load(meta.get('load_average_after'))}",
        f"- Method: {meta['rounds']} round(s), {meta['duration_s']} s of `wrk -t{meta['threads']} "
        f"-c{meta['connections']}` per scenario after {meta['warmup_s']} s of warm-up; every number is the "
        f"median of the rounds.{smoke}",
        f"- Versions: {versions}",
        "",
        "Start-up is the cold start (process spawn to the first 200 on `/hello`). RSS is the server's resident memory "
        "after the scenario's load (gunicorn: master + worker). Ratios compare requests per second.",
        "",
    ]


def _geomean_ratio(results: dict[str, Any], name: str, base: str) -> float | None:
    """Geometric mean over the scenarios of ``name``'s req/s divided by ``base``'s (where both have numbers)."""
    summary = results["summary"]
    if name not in summary or base not in summary:
        return None
    ratios = []
    for scenario in results["scenarios"]:
        mine = summary[name]["scenarios"][scenario["id"]]["rps"]
        theirs = summary[base]["scenarios"][scenario["id"]]["rps"]
        if mine and theirs:
            ratios.append(mine / theirs)
    return math.exp(sum(map(math.log, ratios)) / len(ratios)) if ratios else None


def _overview_table(results: dict[str, Any]) -> list[str]:
    lines = [
        "## Overview",
        "",
        "Geometric mean, over the scenarios, of each framework's requests per second relative to FastAPI's and to "
        "raw ASGI's.",
        "",
        "| Framework | vs FastAPI | vs raw ASGI |",
        "| --- | ---: | ---: |",
    ]
    for name in results["frameworks"]:
        to_fastapi, to_raw = _geomean_ratio(results, name, "fastapi"), _geomean_ratio(results, name, "raw")
        lines.append(f"| {results['summary'][name]['label']} | {_ratio(to_fastapi, 1.0)} | {_ratio(to_raw, 1.0)} |")
    return [*lines, ""]


def _startup_table(results: dict[str, Any]) -> list[str]:
    lines = [
        "## Start-up",
        "",
        "| Framework | cold start (ms) | import + app construction (ms) | status |",
        "| --- | ---: | ---: | --- |",
    ]
    for name in results["frameworks"]:
        entry = results["summary"][name]
        status = "ok" if not entry["error"] else f"failed: {_short_error(entry['error'])}"
        lines.append(
            f"| {entry['label']} | {_num(entry['cold_start_ms'])} | {_num(entry['import_ms'], 1)} | {status} |"
        )
    return [*lines, ""]


def _scenario_table(results: dict[str, Any], scenario: dict[str, Any]) -> list[str]:
    summary = results["summary"]
    sid = scenario["id"]

    def rps_of(name: str) -> float | None:
        entry = summary.get(name)
        return entry["scenarios"][sid]["rps"] if entry else None

    fastapi, raw = rps_of("fastapi"), rps_of("raw")
    lines = [
        f"## {sid}: {scenario['title']} (`{scenario['method']} {scenario['path']}`)",
        "",
        "| Framework | req/s | p50 (ms) | p95 (ms) | p99 (ms) | RSS (MB) | CPU (µs/req) | start-up (ms) "
        "| vs FastAPI | vs raw ASGI |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name in results["frameworks"]:
        entry = summary[name]
        cell = entry["scenarios"][sid]
        if cell["rps"] is None:
            error = cell["error"] or entry["error"] or "no data"
            lines.append(f"| {entry['label']} | failed: {_short_error(error)} |  |  |  |  |  |  |  |  |")
            continue
        lines.append(
            f"| {entry['label']} | {_num(cell['rps'])} | {_num(cell['p50_ms'], 2)} | {_num(cell['p95_ms'], 2)} "
            f"| {_num(cell['p99_ms'], 2)} | {_num(cell['rss_mb'], 1)} | {_num(cell.get('cpu_us_per_request'), 1)} "
            f"| {_num(entry['cold_start_ms'])} "
            f"| {_ratio(cell['rps'], fastapi)} | {_ratio(cell['rps'], raw)} |"
        )
    noisy = [
        f"{summary[name]['label']} {summary[name]['scenarios'][sid]['socket_errors']:,}"
        for name in results["frameworks"]
        if summary[name]["scenarios"][sid].get("socket_errors")
    ]
    if noisy:
        lines += ["", f"Socket errors and timeouts during the load (all rounds): {', '.join(noisy)}."]
    return [*lines, ""]


def _routing_table(results: dict[str, Any]) -> list[str]:
    ids = {scenario["id"] for scenario in results["scenarios"]}
    if not {"S7", "S7a"} <= ids:
        return []
    lines = [
        "## Routing cost against the number of routes",
        "",
        "S7 hits the last of 200 parametrised routes, S7a the first. A ratio near 1.00 means matching does not "
        "slow down with the number of routes.",
        "",
        "| Framework | S7a req/s (first route) | S7 req/s (last route) | S7 / S7a |",
        "| --- | ---: | ---: | ---: |",
    ]
    for name in results["frameworks"]:
        entry = results["summary"][name]
        first, last = entry["scenarios"]["S7a"]["rps"], entry["scenarios"]["S7"]["rps"]
        share = _num(last / first, 2) if last and first else _DASH
        lines.append(f"| {entry['label']} | {_num(first)} | {_num(last)} | {share} |")
    return [*lines, ""]


def _targets_table(results: dict[str, Any]) -> list[str]:
    summary = results["summary"]
    if not any(name.startswith("zephyr") for name in summary):
        return []
    targets = check_targets(results)
    if "zephyr" not in summary:  # a run of other contenders (instrumented, servers): only what it measured
        targets = [target for target in targets if target.met is not None]
        if not targets:
            return []
    lines = [
        "## Targets",
        "",
        "Zephyr's targets (see `docs/benchmarks.md`), each checked against this run's own numbers.",
        "",
        "| Target | asked | measured | verdict |",
        "| --- | ---: | ---: | --- |",
    ]
    verdicts = {True: "met", False: "**missed**", None: "not measured"}
    for target in targets:
        lines.append(f"| {target.name} | {target.asked} | {target.measured} | {verdicts[target.met]} |")
    return [*lines, ""]


def render_markdown(results: dict[str, Any]) -> str:
    """Render the run as Markdown: date and machine, an overview, the targets, start-up, each scenario, routing cost.

    Args:
        results: The structure ``benchmarks.run`` writes to ``results.json``.

    Returns:
        The Markdown text.
    """
    lines = _header(results) + _overview_table(results) + _targets_table(results) + _startup_table(results)
    for scenario in results["scenarios"]:
        lines += _scenario_table(results, scenario)
    lines += _routing_table(results)
    return "\n".join(lines).rstrip() + "\n"


def render_chart(results: dict[str, Any], path: Path) -> None:
    """Draw requests per second per scenario and the start-up times as a PNG (matplotlib, Agg backend).

    Args:
        results: The structure ``benchmarks.run`` writes to ``results.json``.
        path: Where to write the PNG.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = results["frameworks"]
    summary = results["summary"]
    scenario_ids = [scenario["id"] for scenario in results["scenarios"]]
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(12, 9), gridspec_kw={"height_ratios": [3, 2]})
    width = 0.8 / max(len(names), 1)
    for index, name in enumerate(names):
        values = [summary[name]["scenarios"][sid]["rps"] or 0.0 for sid in scenario_ids]
        positions = [x + (index - (len(names) - 1) / 2) * width for x in range(len(scenario_ids))]
        top.bar(positions, values, width, label=summary[name]["label"])
    tallest = max((summary[n]["scenarios"][sid]["rps"] or 0.0 for n in names for sid in scenario_ids), default=0.0)
    top.set_ylim(0, max(tallest, 1.0) * 1.18)  # headroom for the legend
    top.set_xticks(range(len(scenario_ids)), scenario_ids)
    top.set_ylabel("requests / s (median of rounds)")
    top.legend(ncols=min(len(names), 5), fontsize="small")
    top.grid(axis="y", alpha=0.3)
    meta = results["meta"]
    top.set_title(
        f"{meta['date']} · {meta['cpu_model']} · nproc {meta['nproc']} · Python {meta['python']}"
        + (" · SMOKE RUN" if meta.get("smoke") else "")
    )
    labels = [summary[name]["label"] for name in names]
    cold = [summary[name]["cold_start_ms"] or 0.0 for name in names]
    imports = [summary[name]["import_ms"] or 0.0 for name in names]
    half = 0.4
    bottom.bar([x - half / 2 for x in range(len(names))], cold, half, label="cold start to first 200 (ms)")
    bottom.bar([x + half / 2 for x in range(len(names))], imports, half, label="import + app construction (ms)")
    bottom.set_xticks(range(len(names)), labels)
    bottom.set_ylabel("milliseconds")
    bottom.legend(fontsize="small")
    bottom.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_reports(results: dict[str, Any], output: Path) -> list[Path]:
    """Write ``results.json``, ``results.md`` and ``chart.png`` into ``output`` (created if needed).

    Args:
        results: The structure ``benchmarks.run`` builds.
        output: The report directory.

    Returns:
        The three paths written.
    """
    output.mkdir(parents=True, exist_ok=True)
    json_path, md_path, chart_path = output / "results.json", output / "results.md", output / "chart.png"
    json_path.write_text(json.dumps(results, indent=2, sort_keys=False) + "\n")
    md_path.write_text(render_markdown(results))
    render_chart(results, chart_path)
    return [json_path, md_path, chart_path]


def main(argv: Sequence[str] | None = None) -> int:
    """Re-render ``results.md`` and ``chart.png`` from a saved ``results.json``.

    Args:
        argv: Command-line arguments without the program name; ``None`` reads ``sys.argv``.

    Returns:
        The exit status.
    """
    default = Path(__file__).resolve().parent / "results" / "results.json"
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.report", description="Re-render results.md and chart.png from a saved results.json."
    )
    parser.add_argument("results", nargs="?", type=Path, default=default, help=f"results.json (default {default})")
    args = parser.parse_args(argv)
    try:
        results = json.loads(args.results.read_text())
    except (OSError, ValueError) as exc:
        print(f"Cannot read {args.results}: {exc}; run `python -m benchmarks.run` first", file=sys.stderr)
        return 2
    for path in write_reports(results, args.results.parent):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
