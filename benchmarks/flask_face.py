"""The Flask face's benchmark: one Flask app on Flask under gunicorn and on ``zephyr.flask`` under uvicorn.

Usage::

    python -m benchmarks.flask_face                  # 3 rounds x 5 s per scenario
    python -m benchmarks.flask_face --rounds 1 --duration 1 --warmup 0    # smoke

The app (``benchmarks.apps.flask_face``) is built from one source on both: a JSON endpoint, a template page and a
form post. Flask runs under gunicorn with one sync worker, ``zephyr.flask`` under uvicorn (uvloop, httptools) with
one worker; both servers are up at once and loaded in turn, round after round, so a busy machine slows both alike.
Before loading, each scenario's answer is checked to be the same on both (status and body).

Besides requests per second and latency, the report gives each server's CPU time per request (user + system, all
processes of the server, read from ``/proc``): on a machine shared with other work, throughput follows the CPU the
server happens to get, while CPU per request is what the server costs.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks._servers import ROOT, Framework, ServerProcess, start_server
from benchmarks._wrk import WrkError, find_wrk, lua_script, run_wrk
from benchmarks.scenarios import Scenario

__all__ = ("FACE_SCENARIOS", "TARGETS", "main")

FLASK = Framework("flask", "Flask 3 (gunicorn, 1 sync worker)", "benchmarks.apps.flask_face.on_flask", "gunicorn")
ZEPHYR = Framework(
    "zephyr_flask", "zephyr.flask (uvicorn, 1 worker)", "benchmarks.apps.flask_face.on_zephyr", "uvicorn"
)


@dataclass(frozen=True)
class _FormScenario(Scenario):
    """A scenario whose body is an HTML form."""

    def request_headers(self) -> dict[str, str]:
        """The form's content type instead of JSON's."""
        return {"Content-Type": "application/x-www-form-urlencoded"}


def _unchecked(payload: Any) -> str | None:
    return None  # the answers are compared between the two servers instead


FACE_SCENARIOS: tuple[Scenario, ...] = (
    Scenario("F1", "JSON endpoint", "GET", "/json", 200, _unchecked),
    Scenario("F2", "template page (layout + 20-row table, 3 url_for, filters)", "GET", "/page", 200, _unchecked),
    _FormScenario("F3", "form post", "POST", "/form", 200, _unchecked, body=b"name=Ada+Lovelace&age=36"),
)
"""The requests loaded, in report order."""

TARGETS = {"F1": 5.0, "F2": 3.0}
"""The least ratio of zephyr.flask's requests per second to Flask's, per scenario (issue 10)."""

_TICKS = os.sysconf("SC_CLK_TCK")
_TIMES = "\N{MULTIPLICATION SIGN}"


def _group_cpu_seconds(leader: int) -> float:
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        # After the name: state ppid pgrp ... utime (field 14 overall, 11 here) stime (12 here).
        if int(fields[2]) == leader:
            total += int(fields[11]) + int(fields[12])
    return total / _TICKS


def _answer(server: ServerProcess, scenario: Scenario) -> tuple[int, bytes]:
    headers = scenario.request_headers() if scenario.body is not None else {}
    return server.request(scenario.method, scenario.path, scenario.body, headers)


def _load(server: ServerProcess, scenario: Scenario, wrk: str, script: Path, duration: int) -> dict[str, float]:
    url = f"http://127.0.0.1:{server.port}{scenario.path}"
    before = _group_cpu_seconds(server.proc.pid)
    result = run_wrk(wrk, url, script, duration=duration)
    cpu = _group_cpu_seconds(server.proc.pid) - before
    if result.socket_errors or result.non_2xx_3xx:
        raise WrkError(f"{url}: {result.socket_errors} socket errors, {result.non_2xx_3xx} error answers")
    return {
        "rps": result.rps,
        "p50_ms": result.p50_ms,
        "p99_ms": result.p99_ms,
        "cpu_us_per_request": cpu / max(result.requests, 1) * 1e6,
    }


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=5, help="seconds of load per scenario and server")
    parser.add_argument("--warmup", type=int, default=1, help="seconds of unmeasured load first")
    parser.add_argument("--output", type=Path, default=ROOT / "benchmarks" / "results")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the comparison and write ``flask_face.json`` and ``flask_face.md``; 0 when every target is met."""
    args = parse_args(argv)
    wrk = find_wrk()
    if wrk is None:
        print("wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 2
    samples: dict[str, dict[str, list[dict[str, float]]]] = {
        framework.name: {scenario.id: [] for scenario in FACE_SCENARIOS} for framework in (FLASK, ZEPHYR)
    }
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        workdir = Path(tmp)
        servers = {
            framework.name: stack.enter_context(start_server(framework, workdir)) for framework in (FLASK, ZEPHYR)
        }
        scripts = {}
        for scenario in FACE_SCENARIOS:
            answers = {name: _answer(server, scenario) for name, server in servers.items()}
            if len(set(answers.values())) != 1 or answers[FLASK.name][0] != scenario.status:
                print(f"{scenario.id}: the servers answer differently: {answers}", file=sys.stderr)
                return 1
            scripts[scenario.id] = workdir / f"{scenario.id}.lua"
            scripts[scenario.id].write_text(lua_script(scenario))
        for round_index in range(args.rounds):
            order = list(servers.items()) if round_index % 2 == 0 else list(reversed(servers.items()))
            for scenario in FACE_SCENARIOS:
                for name, server in order:
                    if args.warmup:
                        run_wrk(
                            wrk,
                            f"http://127.0.0.1:{server.port}{scenario.path}",
                            scripts[scenario.id],
                            duration=args.warmup,
                        )
                    samples[name][scenario.id].append(_load(server, scenario, wrk, scripts[scenario.id], args.duration))
    results = _summarise(samples, args)
    args.output.mkdir(parents=True, exist_ok=True)
    (args.output / "flask_face.json").write_text(json.dumps(results, indent=2) + "\n")
    (args.output / "flask_face.md").write_text(_report(results))
    print(_report(results))
    return 0 if all(row["met"] for row in results["targets"]) else 1


def _summarise(samples: dict[str, dict[str, list[dict[str, float]]]], args: argparse.Namespace) -> dict[str, Any]:
    medians = {
        name: {
            scenario: {key: statistics.median(run[key] for run in runs) for key in runs[0]}
            for scenario, runs in per_scenario.items()
        }
        for name, per_scenario in samples.items()
    }
    targets = []
    for scenario in FACE_SCENARIOS:
        ours, theirs = medians[ZEPHYR.name][scenario.id], medians[FLASK.name][scenario.id]
        ratio = ours["rps"] / theirs["rps"]
        cpu_ratio = theirs["cpu_us_per_request"] / ours["cpu_us_per_request"]
        floor = TARGETS.get(scenario.id)
        targets.append(
            {
                "scenario": scenario.id,
                "asked": floor,
                "rps_ratio": ratio,
                "cpu_ratio": cpu_ratio,
                "p99_below": ours["p99_ms"] < theirs["p99_ms"],
                "met": (floor is None or ratio >= floor) and ours["p99_ms"] < theirs["p99_ms"],
            }
        )
    return {
        "rounds": args.rounds,
        "duration_s": args.duration,
        "load_average": os.getloadavg(),
        "medians": medians,
        "targets": targets,
    }


def _report(results: dict[str, Any]) -> str:
    lines = [
        "# The Flask face: Flask (gunicorn) vs zephyr.flask (uvicorn)",
        "",
        f"{results['rounds']} round(s) x {results['duration_s']} s of `wrk -t1 -c64` per scenario and server, medians;"
        f" load average after the run {', '.join(f'{x:.2f}' for x in results['load_average'])} (a shared machine:"
        " compare the two columns of one run, and the CPU per request).",
        "",
        "| scenario | server | req/s | p50 (ms) | p99 (ms) | CPU per request (µs) |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for scenario in FACE_SCENARIOS:
        for framework in (FLASK, ZEPHYR):
            row = results["medians"][framework.name][scenario.id]
            lines.append(
                f"| {scenario.id} {scenario.title} | {framework.label} | {row['rps']:,.0f} | {row['p50_ms']:.2f} |"
                f" {row['p99_ms']:.2f} | {row['cpu_us_per_request']:.0f} |"
            )
    lines += ["", "| scenario | asked | req/s ratio | CPU-per-request ratio | p99 below Flask's | verdict |"]
    lines.append("| --- | ---: | ---: | ---: | --- | --- |")
    for row in results["targets"]:
        asked = f"{row['asked']:.1f}{_TIMES}" if row["asked"] else "-"
        verdict = "met" if row["met"] else "missed"
        lines.append(
            f"| {row['scenario']} | {asked} | {row['rps_ratio']:.2f}{_TIMES} | {row['cpu_ratio']:.2f}{_TIMES} |"
            f" {'yes' if row['p99_below'] else 'no'} | {verdict} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
