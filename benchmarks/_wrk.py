"""Drive ``wrk``: write the Lua script for a scenario, run it bounded in time, and read its numbers back.

The script's ``done`` hook prints one ``WRK_JSON {...}`` line with wrk's own counters and latency percentiles (in
microseconds), so nothing depends on parsing wrk's human-readable summary.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from benchmarks.scenarios import Scenario

__all__ = ("WrkError", "WrkResult", "find_wrk", "lua_script", "parse_output", "run_wrk", "wrk_version")

_MARKER = "WRK_JSON "

_DONE_HOOK = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"connect_errors":%d,"read_errors":%d,' ..
    '"write_errors":%d,"timeouts":%d,"non_2xx_3xx":%d,"p50_us":%d,"p90_us":%d,"p95_us":%d,"p99_us":%d,' ..
    '"mean_us":%.1f,"max_us":%d}\\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.timeout, e.status,
    latency:percentile(50), latency:percentile(90), latency:percentile(95), latency:percentile(99),
    latency.mean, latency.max))
end
"""


class WrkError(RuntimeError):
    """wrk is missing, failed, timed out or printed no numbers."""


@dataclass(frozen=True)
class WrkResult:
    """What one wrk run measured."""

    requests: int
    """Completed requests (any status)."""
    duration_s: float
    """Measured duration in seconds."""
    rps: float
    """Requests per second."""
    p50_ms: float
    """Median latency in milliseconds."""
    p90_ms: float
    """90th percentile latency in milliseconds."""
    p95_ms: float
    """95th percentile latency in milliseconds."""
    p99_ms: float
    """99th percentile latency in milliseconds."""
    mean_ms: float
    """Mean latency in milliseconds."""
    max_ms: float
    """Worst latency in milliseconds."""
    socket_errors: int
    """Connect, read and write errors plus timeouts."""
    non_2xx_3xx: int
    """Answers with a status of 400 or more (expected for S6)."""

    def as_dict(self) -> dict[str, Any]:
        """Return the fields as a JSON-ready dict."""
        return asdict(self)


def find_wrk() -> str | None:
    """Return the path of the ``wrk`` executable, or ``None`` when it is not installed."""
    return shutil.which("wrk")


def wrk_version(wrk: str) -> str:
    """Return wrk's version line (``wrk debian/4.1.0 ...``), or ``"unknown"``."""
    try:
        proc = subprocess.run([wrk, "--version"], capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    lines = (proc.stdout or proc.stderr).strip().splitlines()
    return lines[0].split(" Copyright")[0].strip() if lines else "unknown"


def _lua_string(value: str) -> str:
    """Quote a Lua string literal with a long bracket that the value cannot close."""
    level = 0
    while f"]{'=' * level}]" in value:
        level += 1
    eq = "=" * level
    return f"[{eq}[{value}]{eq}]"


def lua_script(scenario: Scenario) -> str:
    """Return the wrk Lua script that sends ``scenario``'s request and reports the numbers as JSON.

    Args:
        scenario: The scenario to load.

    Returns:
        The script's source.
    """
    lines = [f"wrk.method = {_lua_string(scenario.method)}"]
    if scenario.body is not None:
        lines.append(f"wrk.body = {_lua_string(scenario.body.decode())}")
    for name, value in scenario.request_headers().items():
        lines.append(f"wrk.headers[ {_lua_string(name)} ] = {_lua_string(value)}")
    return "\n".join(lines) + "\n" + _DONE_HOOK


def parse_output(stdout: str) -> WrkResult:
    """Read the numbers the script's ``done`` hook printed.

    Args:
        stdout: wrk's standard output.

    Returns:
        The parsed result.

    Raises:
        WrkError: When the ``WRK_JSON`` line is missing or malformed.
    """
    for line in stdout.splitlines():
        if line.startswith(_MARKER):
            try:
                raw = json.loads(line[len(_MARKER) :])
            except ValueError as exc:
                raise WrkError(f"wrk printed a malformed result line {line!r}: {exc}") from exc
            break
    else:
        raise WrkError(f"wrk printed no {_MARKER.strip()} line; its output was:\n{stdout[-2000:]}")
    duration_s = raw["duration_us"] / 1e6
    return WrkResult(
        requests=raw["requests"],
        duration_s=duration_s,
        rps=raw["requests"] / duration_s if duration_s > 0 else 0.0,
        p50_ms=raw["p50_us"] / 1000,
        p90_ms=raw["p90_us"] / 1000,
        p95_ms=raw["p95_us"] / 1000,
        p99_ms=raw["p99_us"] / 1000,
        mean_ms=raw["mean_us"] / 1000,
        max_ms=raw["max_us"] / 1000,
        socket_errors=raw["connect_errors"] + raw["read_errors"] + raw["write_errors"] + raw["timeouts"],
        non_2xx_3xx=raw["non_2xx_3xx"],
    )


def run_wrk(
    wrk: str,
    url: str,
    script: Path,
    *,
    duration: int,
    connections: int = 64,
    threads: int = 1,
    pin: list[str] | None = None,
) -> WrkResult:
    """Run wrk once against ``url`` and return what it measured.

    Args:
        wrk: Path of the wrk executable.
        url: Full URL including path and query string.
        script: The Lua script from :func:`lua_script`, written to a file.
        duration: Seconds of load (wrk takes whole seconds).
        connections: Open connections (``-c``).
        threads: wrk threads (``-t``).
        pin: A command prefix that pins wrk to a core (``["taskset", "-c", "1"]``), or ``None``.

    Returns:
        The parsed result.

    Raises:
        WrkError: When wrk fails, runs past its time bound or prints no numbers.
    """
    cmd = [
        *(pin or []),
        wrk,
        f"-t{threads}",
        f"-c{connections}",
        f"-d{duration}s",
        "--timeout",
        "5s",
        "--latency",
        "-s",
        str(script),
        url,
    ]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 30, check=False)
    except subprocess.TimeoutExpired as exc:
        raise WrkError(f"wrk ran past {duration + 30} s against {url}") from exc
    if proc.returncode != 0:
        raise WrkError(f"wrk exited with {proc.returncode} against {url}: {proc.stderr.strip()[-1000:]}")
    return parse_output(proc.stdout)
