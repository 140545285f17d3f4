"""Run one ecosystem scenario on FastAPI and on Zephyr (through ``install_as_fastapi()``), each in a fresh process.

A scenario is a script in ``scenarios/`` that builds an app from ``fastapi`` imports with a library's documented
set-up, drives it with ``fastapi.testclient.TestClient`` and prints one JSON document of outcomes. The switch must be
installed before anything imports ``fastapi``, and the real FastAPI is imported by other tests, so each run gets a
process of its own; both runs go in parallel.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

SCENARIOS = Path(__file__).parent / "scenarios"

_PRELUDE = {
    "fastapi": "",
    "zephyr": "import zephyr; zephyr.install_as_fastapi(); ",
}


ORDER = (
    "pagination",
    "cache",
    "sse",
    "graphql",
    "admin",
    "users",
    "routers",
    "ratelimit",
    "correlation",
    "exporter",
    "restful",
    "versioning",
    "mcp",
    "limiter",
    "filters",
    "auth",
    "jsonrpc",
    "socketio_app",
    "ariadne_app",
    "mangum_app",
    "starlette_admin_app",
    "injection",
    "login",
    "lifespan_manager",
    "sso_app",
    "metrics_mount",
    "babel_app",
    "rollbar_app",
    "logfire_app",
    "observability",
    "ddtrace_app",
)
"""Every scenario, run one after the other in one process per framework; the global set-ups (logfire's patches of
``fastapi.routing``, Sentry's, ddtrace's) come last."""

NEEDS_311 = frozenset({"starlette_admin_app"})
"""Scenarios whose library's tested release needs Python 3.11 (the dev extra installs it there only)."""


def scenarios() -> tuple[str, ...]:
    """The scenarios this interpreter runs: ``ORDER`` less those its Python cannot install the library for."""
    if sys.version_info >= (3, 11):
        return ORDER
    return tuple(name for name in ORDER if name not in NEEDS_311)


_RUNNER = """
import contextlib, io, json, runpy, sys
results = {{}}
for name in {order!r}:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        runpy.run_path({folder!r} + "/" + name + ".py", run_name="__main__")
    results[name] = json.loads(out.getvalue().strip().splitlines()[-1])
print(json.dumps(results))
"""


def _command(framework: str) -> list[str]:
    code = _PRELUDE[framework] + _RUNNER.format(order=scenarios(), folder=str(SCENARIOS))
    return [sys.executable, "-c", code]


def run_all(timeout: float = 150) -> dict[str, tuple[Any, Any]]:
    """Every scenario's outcomes, as ``{scenario: (on FastAPI, on Zephyr)}`` (a failing run raises with its output)."""
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    procs = {
        framework: subprocess.Popen(
            _command(framework), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
        )
        for framework in _PRELUDE
    }
    results: dict[str, Any] = {}
    try:
        for framework, proc in procs.items():
            try:
                out, err = proc.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:
                raise AssertionError(f"the scenarios on {framework} did not finish in {timeout}s") from None
            if proc.returncode != 0:
                raise AssertionError(f"the scenarios on {framework} failed ({proc.returncode}):\n{out}\n{err}")
            results[framework] = json.loads(out.strip().splitlines()[-1])
    finally:  # a failure or a timeout (pytest's too) leaves no process running and no pipe open
        for proc in procs.values():
            if proc.poll() is None:
                proc.kill()
            proc.communicate()
    return {name: (results["fastapi"][name], results["zephyr"][name]) for name in scenarios()}
