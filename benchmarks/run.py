"""Run the side-by-side benchmark: every framework, every scenario, round by round, and write the reports.

Usage::

    python -m benchmarks.run                      # 3 rounds x 5 s per scenario, the default frameworks
    python -m benchmarks.run --smoke              # 1 round x 1 s, no warm-up: proves everything runs
    python -m benchmarks.run --frameworks fastapi,raw --scenarios S1 S4 --rounds 5 --duration 10

Each round starts every framework's server once (the order rotates between rounds) and measures its cold start; then,
scenario by scenario, it checks each server's answer, loads it with wrk and reads its RSS, one server after another,
so that one scenario's numbers are taken side by side. Import time is measured in a
separate interpreter. The reports hold the median of the rounds. The exit status is 0 when every check and every
load succeeded, 1 when something failed (the reports still say what), 2 when the run could not start.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import http.client
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from benchmarks._servers import (
    ROOT,
    Framework,
    ServerError,
    ServerProcess,
    measure_import,
    prime,
    select_frameworks,
    start_server,
)
from benchmarks._wrk import WrkError, find_wrk, lua_script, run_wrk, wrk_version
from benchmarks.report import write_reports
from benchmarks.scenarios import Scenario, select_scenarios

__all__ = ("main", "parse_args")

DEFAULT_OUTPUT = ROOT / "benchmarks" / "results"

_VERSIONED = (
    "fastapi",
    "starlette",
    "litestar",
    "flask",
    "werkzeug",
    "pydantic",
    "pydantic-core",
    "uvicorn",
    "uvloop",
    "httptools",
    "gunicorn",
)


def _names(values: Sequence[str] | None) -> list[str] | None:
    """Flatten ``["a,b", "c"]`` into ``["a", "b", "c"]``."""
    if not values:
        return None
    return [name.strip() for value in values for name in value.split(",") if name.strip()]


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse the command line.

    Args:
        argv: Arguments without the program name; ``None`` reads ``sys.argv``.

    Returns:
        The options, with ``--smoke`` already applied to rounds, duration and warm-up.
    """
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="1 round, 1 s per scenario, no warm-up")
    parser.add_argument("--rounds", type=int, default=3, help="rounds; the report shows their median (default 3)")
    parser.add_argument("--duration", type=int, default=5, help="seconds of load per scenario and round (default 5)")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of discarded load first (default 2; 0 = none)")
    parser.add_argument("--connections", type=int, default=64, help="wrk connections (default 64)")
    parser.add_argument(
        "--frameworks",
        nargs="+",
        help="subset, e.g. --frameworks fastapi,raw (default: all but the server axis: see make bench-servers)",
    )
    parser.add_argument("--scenarios", nargs="+", help="subset, e.g. --scenarios S1 S7a (default: all)")
    parser.add_argument(
        "--output", type=Path, default=DEFAULT_OUTPUT, help=f"report directory (default {DEFAULT_OUTPUT})"
    )
    parser.add_argument("--no-pin", action="store_true", help="do not pin the server and wrk to separate cores")
    args = parser.parse_args(argv)
    if args.smoke:
        args.rounds, args.duration, args.warmup = 1, 1, 0
    for option in ("rounds", "duration", "connections"):
        if getattr(args, option) < 1:
            parser.error(f"--{option} must be at least 1, got {getattr(args, option)}")
    if args.warmup < 0:
        parser.error(f"--warmup must be 0 or more, got {args.warmup}")
    try:
        args.framework_list = select_frameworks(_names(args.frameworks))
        args.scenario_list = select_scenarios(_names(args.scenarios))
    except ValueError as exc:
        parser.error(str(exc))
    return args


def _cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _zephyr_version() -> str:
    init = ROOT / "src" / "zephyr" / "__init__.py"
    with contextlib.suppress(OSError):
        match = re.search(r'__version__\s*=\s*"([^"]+)"', init.read_text())
        if match:
            return match.group(1)
    try:
        return metadata.version("zephyr")
    except metadata.PackageNotFoundError:
        return "unknown"


def _git_commit() -> str:
    try:
        proc = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return proc.stdout.strip() or "unknown"


def _versions() -> dict[str, str]:
    versions = {"zephyr": _zephyr_version()}
    for package in _VERSIONED:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "not installed"
    return versions


def _pinning(no_pin: bool) -> tuple[list[str] | None, list[str] | None, str]:
    """Return the server and wrk command prefixes, and a sentence describing them."""
    cores = os.cpu_count() or 1
    taskset = shutil.which("taskset")
    if no_pin:
        return None, None, "not pinned (--no-pin)"
    if taskset is None or cores < 2:
        return None, None, f"not pinned ({'taskset missing' if taskset is None else f'{cores} core'})"
    return [taskset, "-c", "0"], [taskset, "-c", "1"], "server on core 0, wrk on core 1 (taskset)"


def _load_average() -> list[float] | None:
    """Return the 1/5/15-minute load averages: a busy machine explains noisy numbers."""
    with contextlib.suppress(OSError, AttributeError):
        return [round(value, 2) for value in os.getloadavg()]
    return None


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _load_scenario(
    server: ServerProcess, scenario: Scenario, script: Path, args: argparse.Namespace, wrk: str, pin: list[str] | None
) -> dict[str, Any]:
    """Check one scenario's answer, warm it up, load it, and read the RSS afterwards."""
    try:
        status, body = server.request(scenario.method, scenario.path, scenario.body, scenario.request_headers())
    except (OSError, http.client.HTTPException) as exc:
        return {
            "error": f"no answer to {scenario.method} {scenario.path}: {exc!r}; server output:\n{server.log_tail()}"
        }
    problem = scenario.verify(status, body)
    if problem is not None:
        return {"error": f"wrong answer: {problem}"}
    url = server.base_url + scenario.path
    try:
        if args.warmup:
            run_wrk(wrk, url, script, duration=args.warmup, connections=args.connections, pin=pin)
        cpu_before = server.cpu_seconds()
        result = run_wrk(wrk, url, script, duration=args.duration, connections=args.connections, pin=pin)
        cpu = server.cpu_seconds() - cpu_before
    except WrkError as exc:
        return {"error": f"wrk failed: {exc}; server output:\n{server.log_tail()}"}
    if server.proc.poll() is not None:
        return {"error": f"the server died under load:\n{server.log_tail()}"}
    tree, serving = server.rss_bytes()
    outcome: dict[str, Any] = {"error": None, "wrk": result.as_dict(), "rss_bytes": tree, "serving_rss_bytes": serving}
    # The server's CPU per answer: on a shared machine steadier than req/s (issue 14).
    outcome["cpu_us_per_request"] = cpu / result.requests * 1e6 if result.requests else None
    if scenario.status < 400 and result.non_2xx_3xx:
        # Fast failures are not throughput: keep the raw numbers in the record, but leave them out of the summary.
        outcome["error"] = (
            f"{result.non_2xx_3xx} of {result.requests} answers under load had a status of 400 or more; "
            f"server output:\n{server.log_tail()}"
        )
    return outcome


def _log_outcome(scenario: Scenario, framework: Framework, outcome: dict[str, Any]) -> None:
    if outcome["error"]:
        _log(f"  {scenario.id} {framework.label}: FAILED {outcome['error'].splitlines()[0]}")
        return
    numbers = outcome["wrk"]
    cpu = outcome["cpu_us_per_request"]
    _log(
        f"  {scenario.id} {framework.label}: {numbers['rps']:>9.0f} req/s  p99 {numbers['p99_ms']:.2f} ms  "
        f"RSS {outcome['rss_bytes'] / 2**20:.1f} MB" + (f"  CPU {cpu:.1f} us/req" if cpu is not None else "")
    )


def _run_round(
    order: list[Framework],
    scenarios: list[Scenario],
    scripts: dict[str, Path],
    args: argparse.Namespace,
    wrk: str,
    pins: tuple[list[str] | None, list[str] | None],
    log_dir: Path,
    round_no: int,
) -> list[dict[str, Any]]:
    """Serve every framework for one round, and load each scenario on each of them in turn.

    All the round's servers run at once (on the same core; an idle server takes no CPU), so the frameworks'
    numbers for one scenario are taken seconds apart, not a framework's whole round apart: on a shared machine,
    whose speed drifts from one minute to the next, that is what makes them comparable. The order of the
    frameworks turns from one scenario to the next.
    """
    server_pin, wrk_pin = pins
    records: dict[str, dict[str, Any]] = {
        framework.name: {
            "framework": framework.name,
            "round": round_no,
            "load_average": _load_average(),
            "error": None,
            "scenarios": {},
        }
        for framework in order
    }
    with contextlib.ExitStack() as stack:
        servers: dict[str, ServerProcess] = {}
        for framework in order:
            try:
                server = servers[framework.name] = stack.enter_context(start_server(framework, log_dir, pin=server_pin))
            except ServerError as exc:
                records[framework.name]["error"] = str(exc)
                _log(f"  {framework.label}: FAILED {str(exc).splitlines()[0]}")
                continue
            records[framework.name]["cold_start_s"] = server.cold_start_s
            _log(f"  {framework.label}: first 200 after {server.cold_start_s * 1000:.0f} ms")
        for index, scenario in enumerate(scenarios):
            shift = index % len(order)
            for framework in order[shift:] + order[:shift]:
                running = servers.get(framework.name)
                if running is None:
                    continue
                outcome = _load_scenario(running, scenario, scripts[scenario.id], args, wrk, wrk_pin)
                records[framework.name]["scenarios"][scenario.id] = outcome
                _log_outcome(scenario, framework, outcome)
    for framework in order:
        if framework.name in servers:
            try:
                records[framework.name]["import_s"] = measure_import(framework, pin=server_pin)
            except ServerError as exc:
                records[framework.name]["error"] = str(exc)
    return [records[framework.name] for framework in order]


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def _summarize(records: list[dict[str, Any]], frameworks: list[Framework], scenarios: list[Scenario]) -> dict[str, Any]:
    """Reduce the per-round records to the median of each number, per framework and scenario."""
    summary: dict[str, Any] = {}
    for framework in frameworks:
        mine = [record for record in records if record["framework"] == framework.name]
        errors = [record["error"] for record in mine if record["error"]]
        entry: dict[str, Any] = {
            "label": framework.label,
            "server": framework.server,
            "cold_start_ms": _median([r["cold_start_s"] * 1000 for r in mine if "cold_start_s" in r]),
            "import_ms": _median([r["import_s"] * 1000 for r in mine if "import_s" in r]),
            "error": errors[0] if errors else None,
            "scenarios": {},
        }
        for scenario in scenarios:
            outcomes = [r["scenarios"][scenario.id] for r in mine if scenario.id in r["scenarios"]]
            ok = [o for o in outcomes if not o["error"]]
            failed = [o["error"] for o in outcomes if o["error"]]
            entry["scenarios"][scenario.id] = {
                "rounds": len(ok),
                "rps": _median([o["wrk"]["rps"] for o in ok]),
                "p50_ms": _median([o["wrk"]["p50_ms"] for o in ok]),
                "p95_ms": _median([o["wrk"]["p95_ms"] for o in ok]),
                "p99_ms": _median([o["wrk"]["p99_ms"] for o in ok]),
                "rss_mb": _median([o["rss_bytes"] / 2**20 for o in ok]),
                "serving_rss_mb": _median([o["serving_rss_bytes"] / 2**20 for o in ok]),
                "cpu_us_per_request": _median(
                    [o["cpu_us_per_request"] for o in ok if o.get("cpu_us_per_request") is not None]
                ),
                "socket_errors": sum(o["wrk"]["socket_errors"] for o in ok),
                "non_2xx_3xx": sum(o["wrk"]["non_2xx_3xx"] for o in ok),
                "error": failed[0] if failed else None,
            }
        summary[framework.name] = entry
    return summary


def _meta(args: argparse.Namespace, wrk: str, pinning: str) -> dict[str, Any]:
    return {
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "wrk": wrk_version(wrk),
        "pinning": pinning,
        "load_average_before": _load_average(),
        "rounds": args.rounds,
        "duration_s": args.duration,
        "warmup_s": args.warmup,
        "connections": args.connections,
        "threads": 1,
        "smoke": args.smoke,
        "git_commit": _git_commit(),
        "versions": _versions(),
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and write ``results.json``, ``results.md`` and ``chart.png``.

    Args:
        argv: Command-line arguments without the program name; ``None`` reads ``sys.argv``.

    Returns:
        The exit status: 0 when everything ran and answered correctly, 1 when something failed, 2 when wrk is
        missing.
    """
    args = parse_args(argv)
    wrk = find_wrk()
    if wrk is None:
        _log("wrk is not installed: run `make system-deps` (or `apt-get install wrk`) and try again")
        return 2
    frameworks: list[Framework] = args.framework_list
    scenarios: list[Scenario] = args.scenario_list
    server_pin, wrk_pin, pinning = _pinning(args.no_pin)
    per_round = len(frameworks) * len(scenarios) * (args.duration + args.warmup)
    _log(
        f"benchmark: {len(frameworks)} frameworks x {len(scenarios)} scenarios x {args.rounds} rounds, "
        f"about {per_round * args.rounds / 60:.1f} min of load; {pinning}"
    )
    meta = _meta(args, wrk, pinning)
    started = time.monotonic()
    records: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="zephyr-bench-") as tmp:
        workdir = Path(tmp)
        scripts = {}
        for scenario in scenarios:
            scripts[scenario.id] = workdir / f"{scenario.id}.lua"
            scripts[scenario.id].write_text(lua_script(scenario))
        for framework in frameworks:
            problem = prime(framework)
            if problem is not None:
                _log(f"  {framework.label}: priming import failed: {problem.splitlines()[-1]}")
        for round_index in range(args.rounds):
            shift = round_index % len(frameworks)
            order = frameworks[shift:] + frameworks[:shift]
            _log(f"round {round_index + 1}/{args.rounds}: {', '.join(f.name for f in order)}")
            records += _run_round(order, scenarios, scripts, args, wrk, (server_pin, wrk_pin), workdir, round_index + 1)
    results = {
        "meta": {**meta, "load_average_after": _load_average(), "elapsed_s": round(time.monotonic() - started, 1)},
        "frameworks": [framework.name for framework in frameworks],
        "scenarios": [{"id": s.id, "title": s.title, "method": s.method, "path": s.path} for s in scenarios],
        "summary": _summarize(records, frameworks, scenarios),
        "rounds": records,
    }
    paths = write_reports(results, args.output)
    _log("wrote " + ", ".join(str(path) for path in paths))
    failed = any(r["error"] or any(o["error"] for o in r["scenarios"].values()) for r in records)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
