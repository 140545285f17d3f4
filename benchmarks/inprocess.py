"""Microseconds per request in-process: the benchmark apps called directly over ASGI, no server, no sockets.

``python -m benchmarks.inprocess [--frameworks ...] [--scenarios S1 S2 S3] [--requests N]`` runs each framework's
app (the same modules ``benchmarks.run`` serves) in a fresh interpreter, sends each scenario's request ``N`` times
per round and prints the best round's wall-clock and CPU time per request. On a shared or busy machine the CPU time
(``time.process_time``: this process's threads, the OpenTelemetry batch exporter's included) is the steadier of the
two; neither counts the server's own work, so the ratios are those of the frameworks' code alone.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from benchmarks._servers import FRAMEWORKS, QUIET_PLUGINS
from benchmarks.scenarios import select_scenarios

__all__ = ("main", "measure")

_CHILD = r"""
import asyncio, importlib, json, sys, time
module, rounds, count, requests = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), json.loads(sys.argv[4])
app = importlib.import_module(module).app
loop = asyncio.new_event_loop()
out = {}

async def call(method, path, body, headers):
    path, _, query = path.partition("?")
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
        "path": path, "raw_path": path.encode(), "query_string": query.encode(), "root_path": "",
        "headers": headers, "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000), "state": {},
    }
    status = []
    async def receive():
        return {"type": "http.request", "body": body, "more_body": False}
    async def send(message):
        if message["type"] == "http.response.start":
            status.append(message["status"])
    await app(scope, receive, send)
    return status[0]

async def repeat(n, *request):
    for _ in range(n):
        await call(*request)

for sid, method, path, body, headers, expected in requests:
    headers = [(k.lower().encode(), v.encode()) for k, v in headers] + [(b"host", b"127.0.0.1:8000")]
    request = (method, path, body.encode("latin-1"), headers)
    got = loop.run_until_complete(call(*request))
    if got != expected:
        out[sid] = {"error": f"status {got}, expected {expected}"}
        continue
    loop.run_until_complete(repeat(min(count, 200), *request))  # warm-up
    wall = cpu = float("inf")
    for _ in range(rounds):
        w, c = time.perf_counter(), time.process_time()
        loop.run_until_complete(repeat(count, *request))
        wall = min(wall, (time.perf_counter() - w) / count)
        cpu = min(cpu, (time.process_time() - c) / count)
    out[sid] = {"wall_us": round(wall * 1e6, 1), "cpu_us": round(cpu * 1e6, 1)}
print(json.dumps(out))
"""


def measure(module: str, scenarios: list[Any], *, requests: int = 2000, rounds: int = 5) -> dict[str, Any]:
    """``{scenario id: {"wall_us", "cpu_us"} or {"error"}}`` for the app in ``module``, in a fresh interpreter."""
    shapes = [
        (s.id, s.method, s.path, (s.body or b"").decode("latin-1"), sorted(s.request_headers().items()), s.status)
        for s in scenarios
    ]
    args = [sys.executable, "-c", _CHILD, module, str(rounds), str(requests), json.dumps(shapes)]
    root = Path(__file__).resolve().parent.parent
    paths = os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "PYTHONPATH": paths, **QUIET_PLUGINS}
    done = subprocess.run(args, capture_output=True, text=True, timeout=600, check=False, cwd=root, env=env)
    if done.returncode != 0:
        return {s.id: {"error": done.stderr.strip().splitlines()[-1:]} for s in scenarios}
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main(argv: list[str] | None = None) -> int:
    """Print a table of µs/request (wall and CPU) per framework and scenario."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.inprocess", description=__doc__)
    parser.add_argument("--frameworks", nargs="+", default=["zephyr", "fastapi"])
    parser.add_argument("--scenarios", nargs="+", default=["S1", "S2", "S3"])
    parser.add_argument("--requests", type=int, default=2000, help="requests per round (default 2000)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds; the best one counts (default 5)")
    options = parser.parse_args(argv)
    names = [name for item in options.frameworks for name in item.split(",") if name]
    known = {f.name: f for f in FRAMEWORKS}
    unknown = [name for name in names if name not in known or known[name].server not in ("uvicorn", "granian")]
    if unknown:
        parser.error(f"unknown or non-ASGI frameworks {unknown}; choose from {sorted(known)}")
    scenarios = select_scenarios([s for item in options.scenarios for s in item.split(",") if s])
    print("framework".ljust(20) + "".join(f"{s.id + ' wall / cpu us':>24}" for s in scenarios))
    for name in names:
        row = measure(known[name].module, scenarios, requests=options.requests, rounds=options.rounds)
        cells = []
        for s in scenarios:
            cell = row.get(s.id, {})
            text = f"{cell['wall_us']} / {cell['cpu_us']}" if "cpu_us" in cell else f"error: {cell.get('error')}"
            cells.append(f"{text:>24}")
        print(name.ljust(20) + "".join(cells), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
