"""The targets Zephyr is held to, checked against one benchmark run (``results.json``'s ``summary``).

Every target compares numbers from the same interleaved run, never across runs. A target whose numbers are missing
(a framework or scenario left out, a failed server) is reported as not measured rather than met or missed. Nothing
here asserts anything: CI's smoke run is too short for speed to mean anything, so the report only tells.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

__all__ = ("Target", "check_targets")

_TIMES = "\N{MULTIPLICATION SIGN}"


@dataclass(frozen=True)
class Target:
    """One target: what is asked, what the run measured, and whether that meets it (``None``: not measured)."""

    name: str
    asked: str
    measured: str
    met: bool | None


def _metric(summary: dict[str, Any], framework: str, scenario: str, key: str) -> float | None:
    entry = summary.get(framework)
    if entry is None:
        return None
    cell = entry["scenarios"].get(scenario)
    value = cell.get(key) if cell else None
    return float(value) if value else None


def _measured_rps(summary: dict[str, Any], names: Iterable[str], scenario: str) -> dict[str, float]:
    """Requests per second of each of ``names`` that the run measured on ``scenario``."""
    runs = {name: _metric(summary, name, scenario, "rps") for name in names}
    return {name: rps for name, rps in runs.items() if rps is not None}


def _ratio_target(
    summary: dict[str, Any], scenarios: list[str], base: str, floor: float, label: str
) -> Iterator[Target]:
    for scenario in scenarios:
        ours = _metric(summary, "zephyr", scenario, "rps")
        theirs = _metric(summary, base, scenario, "rps")
        if ours is None or theirs is None:
            yield Target(f"{scenario} vs {label}", f"{floor:.1f}{_TIMES}", "not measured", None)
            continue
        ratio = ours / theirs
        yield Target(f"{scenario} vs {label}", f"{floor:.1f}{_TIMES}", f"{ratio:.2f}{_TIMES}", ratio >= floor)


def _compare_all(
    summary: dict[str, Any], scenarios: list[str], key: str, name: str, better: Callable[[float, float], bool]
) -> Target:
    pairs = [
        (_metric(summary, "zephyr", scenario, key), _metric(summary, "fastapi", scenario, key))
        for scenario in scenarios
    ]
    measured = [(ours, theirs) for ours, theirs in pairs if ours is not None and theirs is not None]
    if not measured:
        return Target(name, "every scenario", "not measured", None)
    worst = max(ours / theirs for ours, theirs in measured)
    met = all(better(ours, theirs) for ours, theirs in measured)
    return Target(name, "every scenario", f"worst Zephyr / FastAPI {worst:.2f}", met)


def check_targets(results: dict[str, Any]) -> list[Target]:
    """Every target the run has numbers for, in the order the performance issue lists them.

    Args:
        results: The structure ``benchmarks.run`` writes to ``results.json``.

    Returns:
        One `Target` per check.
    """
    summary = results["summary"]
    scenarios = [scenario["id"] for scenario in results["scenarios"]]
    core = [scenario for scenario in ("S2", "S3", "S4", "S5") if scenario in scenarios]
    targets = [
        *_ratio_target(summary, core, "fastapi", 2.0, "FastAPI"),
        *_ratio_target(summary, core, "litestar", 1.3, "Litestar"),
        *_ratio_target(summary, core, "raw", 0.6, "raw ASGI"),
        *_ratio_target(summary, [s for s in ("S1",) if s in scenarios], "raw", 0.8, "raw ASGI"),
        _compare_all(summary, scenarios, "p99_ms", "p99 latency below FastAPI's", lambda ours, theirs: ours < theirs),
        _compare_all(summary, scenarios, "rss_mb", "RSS at or below FastAPI's", lambda ours, theirs: ours <= theirs),
        _import_target(summary),
    ]
    if {"S7", "S7a"} <= set(scenarios):
        last, first = _metric(summary, "zephyr", "S7", "rps"), _metric(summary, "zephyr", "S7a", "rps")
        # "No slower" within the noise of one run: the raw ASGI app, whose routing is one dict lookup, varies 5%.
        share = last / first if last and first else None
        measured = f"S7 / S7a {share:.2f}" if share else "not measured"
        met = None if share is None else share >= 0.95
        targets.append(Target("S7 as fast as a route at the top", "0.95 or more", measured, met))
    if "S3" in scenarios:
        targets.extend(_ratio_target(summary, ["S3"], "flask", 5.0, "Flask (gunicorn sync)"))
    simple = [s for s in ("S1", "S2", "S3") if s in scenarios]
    targets.extend(_best_server_targets(summary, simple))
    for kind, label in (("otel", "FastAPIInstrumentor"), ("telemetry", "telemetry=")):
        targets.extend(_instrumented_targets(summary, simple, kind, label))
    return targets


def _instrumented_targets(summary: dict[str, Any], scenarios: list[str], kind: str, label: str) -> Iterator[Target]:
    """Zephyr instrumented (on uvicorn's protocol, or Zephyr's when measured) at least 2x FastAPI instrumented alike."""
    if f"fastapi-{kind}" not in summary:
        return
    servers = {f"zephyr-{kind}": "uvicorn", f"zephyr-{kind}-fast": "Zephyr protocol"}
    for scenario in scenarios:
        theirs = _metric(summary, f"fastapi-{kind}", scenario, "rps")
        measured = _measured_rps(summary, servers, scenario)
        name = f"{scenario} with {label}: Zephyr vs FastAPI"
        if theirs is None or not measured:
            yield Target(name, f"2.0{_TIMES}", "not measured", None)
            continue
        parts = [f"{rps / theirs:.2f}{_TIMES} on {servers[server]}" for server, rps in measured.items()]
        best = max(measured.values()) / theirs
        yield Target(name, f"2.0{_TIMES}", ", ".join(parts), best >= 2.0)


_ZEPHYR_ON_SERVERS = {
    "zephyr": "uvicorn",
    "zephyr-fast": "uvicorn + Zephyr protocol",
    "zephyr-granian": "Granian ASGI",
    "zephyr-rsgi": "Granian RSGI",
}
"""Every server Zephyr runs on in the benchmark: its best one is held to the ceiling."""


def _best_server_targets(summary: dict[str, Any], scenarios: list[str]) -> Iterator[Target]:
    """Zephyr on its best server against the ceiling app (prepared bytes) on uvicorn, scenario by scenario."""
    if "ceiling" not in summary:
        return
    for scenario in scenarios:
        ceiling = _metric(summary, "ceiling", scenario, "rps")
        measured = _measured_rps(summary, _ZEPHYR_ON_SERVERS, scenario)
        label = f"{scenario}: Zephyr on its best server vs the ceiling on uvicorn"
        if ceiling is None or not measured:
            yield Target(label, f"1.0{_TIMES}", "not measured", None)
            continue
        best = max(measured, key=measured.__getitem__)
        ratio = measured[best] / ceiling
        yield Target(label, f"1.0{_TIMES}", f"{ratio:.2f}{_TIMES} (on {_ZEPHYR_ON_SERVERS[best]})", ratio >= 1.0)


def _import_target(summary: dict[str, Any]) -> Target:
    ours = summary.get("zephyr", {}).get("import_ms")
    theirs = summary.get("fastapi", {}).get("import_ms")
    name = "import + app construction at most half of FastAPI's"
    if not ours or not theirs:
        return Target(name, f"0.50{_TIMES}", "not measured", None)
    share = ours / theirs
    return Target(name, f"0.50{_TIMES}", f"{share:.2f}{_TIMES} ({ours:.0f} / {theirs:.0f} ms)", share <= 0.5)
