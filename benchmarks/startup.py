"""Start-up with many routes: how long an app of N routes takes to be ready, Zephyr and FastAPI side by side.

Usage::

    python -m benchmarks.startup                              # 2,000, 8,000 and 10,000 routes, Zephyr and FastAPI
    python -m benchmarks.startup --routes 500 2000 --frameworks zephyr
    python -m benchmarks.startup --json results.json          # also write the numbers as JSON

Each (framework, route count) runs in a fresh interpreter, after the framework is imported, so that one measurement
cannot warm the next. The app has half static routes (``/api/v1/r{i}``) and half dynamic ones
(``/api/v1/r{i}/{item_id}`` with an ``int`` path parameter and an optional query parameter), all under one prefix so
that no first-segment shortcut hides a quadratic step. Three phases are timed, in-process over ASGI (no server):

- ``register``: constructing the app and adding the routes;
- ``startup``: the ASGI lifespan start-up (Zephyr compiles every route here);
- ``first``: the first request, to the last dynamic route, then one to the last static route.

``ready`` is their sum: from the first line of app code to the first response. Zephyr's target is ready in under 2 s
with 10,000 routes, growing linearly (4x the routes, about 4x the time). The exit status is 1 when a response is
wrong, else 0; the numbers themselves are reported, not judged.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks._servers import QUIET_PLUGINS

__all__ = ("main", "measure")

ROOT = Path(__file__).resolve().parents[1]
FRAMEWORKS = ("zephyr", "fastapi")

_CHILD = r"""
import asyncio, json, sys, time

framework, count = sys.argv[1], int(sys.argv[2])
if framework == "zephyr":
    from zephyr import FastAPI
else:
    from fastapi import FastAPI


def static_endpoint(index):
    async def endpoint():
        return {"route": index}
    return endpoint


def dynamic_endpoint(index):
    async def endpoint(item_id: int, q: str | None = None):
        return {"route": index, "item_id": item_id, "q": q}
    return endpoint


async def call(app, scope, messages):
    sent = []
    queue = list(messages)

    async def receive():
        if queue:
            return queue.pop(0)
        await asyncio.sleep(3600)

    async def send(message):
        sent.append(message)

    await app(scope, receive, send)
    return sent


async def lifespan(app):
    started = asyncio.Event()
    stop = asyncio.Event()
    messages = []

    async def receive():
        if not messages:
            messages.append("startup")
            return {"type": "lifespan.startup"}
        await stop.wait()
        return {"type": "lifespan.shutdown"}

    async def send(message):
        if message["type"].startswith("lifespan.startup"):
            messages.append(message)
            started.set()

    task = asyncio.create_task(app({"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}, receive, send))
    await started.wait()
    if messages[-1]["type"] != "lifespan.startup.complete":
        raise SystemExit(f"start-up failed: {messages[-1]}")
    return task, stop


def http(path, query=b""):
    return {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
        "path": path, "raw_path": path.encode(), "root_path": "", "query_string": query,
        "headers": [(b"host", b"testserver")], "client": ("127.0.0.1", 1234), "server": ("testserver", 80),
    }


async def main():
    half = count // 2
    began = time.perf_counter()
    app = FastAPI()
    for index in range(half):
        app.get(f"/api/v1/r{index}")(static_endpoint(index))
        app.get(f"/api/v1/r{index}/{{item_id}}")(dynamic_endpoint(index))
    registered = time.perf_counter()
    task, stop = await lifespan(app)
    started = time.perf_counter()
    last = half - 1
    dynamic = await call(app, http(f"/api/v1/r{last}/7", b"q=x"), [{"type": "http.request", "body": b""}])
    first = time.perf_counter()
    static = await call(app, http(f"/api/v1/r{last}"), [{"type": "http.request", "body": b""}])
    stop.set()
    await task
    bodies = [
        b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body") for sent in (dynamic, static)
    ]
    expected = [
        json.dumps({"route": last, "item_id": 7, "q": "x"}, separators=(",", ":")).encode(),
        json.dumps({"route": last}, separators=(",", ":")).encode(),
    ]
    print(json.dumps({
        "register_ms": (registered - began) * 1000,
        "startup_ms": (started - registered) * 1000,
        "first_ms": (first - started) * 1000,
        "ready_ms": (first - began) * 1000,
        "ok": [json.loads(b) for b in bodies] == [json.loads(b) for b in expected],
    }))


asyncio.run(main())
"""


def measure(framework: str, routes: int, timeout: float = 600.0) -> dict[str, Any]:
    """Time one app of ``routes`` routes on ``framework`` in a fresh interpreter.

    Returns:
        ``register_ms``, ``startup_ms``, ``first_ms``, ``ready_ms`` and ``ok`` (both answers right).

    Raises:
        RuntimeError: The child process failed; the message holds its error output.
    """
    result = subprocess.run(
        [sys.executable, "-c", _CHILD, framework, str(routes)],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        check=False,
        env={**os.environ, **QUIET_PLUGINS},
    )
    if result.returncode != 0:
        raise RuntimeError(f"{framework} with {routes} routes failed:\n{result.stderr[-2000:]}")
    measured: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return measured


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line (see the module docstring)."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.startup", description=__doc__.split("\n")[0])
    parser.add_argument("--routes", type=int, nargs="+", default=[2000, 8000, 10000], help="route counts")
    parser.add_argument("--frameworks", nargs="+", default=list(FRAMEWORKS), help="zephyr and/or fastapi")
    parser.add_argument("--json", type=Path, default=None, help="also write the measurements to this file")
    args = parser.parse_args(argv)
    args.frameworks = [name for item in args.frameworks for name in item.split(",") if name]
    unknown = set(args.frameworks) - set(FRAMEWORKS)
    if unknown:
        parser.error(f"unknown frameworks {sorted(unknown)}; choose from {list(FRAMEWORKS)}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Measure every (framework, route count), print a table, and return the exit status."""
    args = parse_args(argv)
    rows: list[dict[str, Any]] = []
    print("| framework | routes | register (ms) | start-up (ms) | first request (ms) | ready (ms) | answers |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | --- |")
    for routes in args.routes:
        for framework in args.frameworks:
            row = {"framework": framework, "routes": routes, **measure(framework, routes)}
            rows.append(row)
            print(
                f"| {framework} | {routes:,} | {row['register_ms']:.0f} | {row['startup_ms']:.0f} "
                f"| {row['first_ms']:.1f} | {row['ready_ms']:.0f} | {'right' if row['ok'] else 'WRONG'} |",
                flush=True,
            )
    if args.json is not None:
        args.json.write_text(json.dumps(rows, indent=2) + "\n")
    return 0 if all(row["ok"] for row in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
