"""Soak one uvicorn worker with mixed traffic and report its memory slope and file-descriptor count.

Usage::

    python -m benchmarks.soak.run                    # 10 minutes (make soak)
    python -m benchmarks.soak.run --duration 30      # a short run

Traffic, from a few client threads on 127.0.0.1, each bounded in time: valid JSON and path/query requests, invalid
bodies (422) and malformed JSON, unknown paths (404), multipart uploads, WebSocket echo sessions, and SSE streams.
Every ``--interval`` seconds the server's RSS and open file descriptors are sampled (``/proc``). The report gives
the RSS slope (least squares over the samples after the warm-up, in KiB per minute), the RSS at start and end, the
file descriptors at start and end, the request count per kind, and any status that was not the expected one. The exit
status is 1 when an answer was wrong, 0 otherwise; the judgement of the slope is the reader's (see ``--max-slope``).
"""

from __future__ import annotations

import argparse
import json
import os
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.processes import started  # the repository's one way to start and stop a process

__all__ = ("SoakResult", "main", "soak")


@dataclass
class SoakResult:
    """What one soak run measured."""

    duration: float
    samples: list[tuple[float, int, int]] = field(default_factory=list)
    """``(seconds since start, RSS bytes, open fds)``."""
    counts: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)

    def slope_kib_per_min(self, skip: float) -> float:
        """The least-squares RSS slope over the samples taken after ``skip`` seconds, in KiB per minute."""
        points = [(t, rss) for t, rss, _ in self.samples if t >= skip] or [(t, rss) for t, rss, _ in self.samples]
        if len(points) < 2:
            return 0.0
        mean_t = sum(t for t, _ in points) / len(points)
        mean_r = sum(r for _, r in points) / len(points)
        num = sum((t - mean_t) * (r - mean_r) for t, r in points)
        den = sum((t - mean_t) ** 2 for t, _ in points) or 1.0
        return num / den * 60 / 1024

    def report(self, skip: float) -> dict[str, object]:
        """The run as a JSON-ready dict."""
        first, last = self.samples[0], self.samples[-1]
        after = [s for s in self.samples if s[0] >= skip] or self.samples
        return {
            "duration_s": round(self.duration, 1),
            "requests": dict(self.counts),
            "errors": dict(self.errors),
            "rss_start_mib": round(first[1] / 2**20, 1),
            "rss_after_warmup_mib": round(after[0][1] / 2**20, 1),
            "rss_end_mib": round(last[1] / 2**20, 1),
            "rss_max_mib": round(max(s[1] for s in self.samples) / 2**20, 1),
            "rss_slope_kib_per_min": round(self.slope_kib_per_min(skip), 1),
            "fds_start": first[2],
            "fds_after_warmup": after[0][2],
            "fds_end": last[2],
            "fds_max": max(s[2] for s in self.samples),
            "samples": len(self.samples),
        }


def _rss_and_fds(pid: int) -> tuple[int, int]:
    rss = 0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            rss = int(line.split()[1]) * 1024
    return rss, len(os.listdir(f"/proc/{pid}/fd"))


def _traffic(base: str, port: int, stop: float, result: SoakResult, lock: threading.Lock, kind: int) -> None:
    import httpx
    from websockets.sync.client import connect

    def count(name: str, ok: bool) -> None:
        with lock:
            result.counts[name] += 1
            if not ok:
                result.errors[name] += 1

    checks: list[tuple[str, Callable[[httpx.Client], bool]]] = [
        ("valid", lambda c: c.get("/items/3", params={"q": "x"}).status_code == 200),
        ("json", lambda c: c.post("/items", json={"name": "a", "price": 1.5}).status_code == 200),
        ("invalid", lambda c: c.post("/items", json={"name": "a"}).status_code == 422),
        (
            "malformed",
            lambda c: (
                c.post("/items", content=b'{"name": ', headers={"content-type": "application/json"}).status_code == 422
            ),
        ),
        ("404", lambda c: c.get("/nowhere").status_code == 404),
        ("upload", lambda c: c.post("/upload", files={"file": ("a.bin", b"x" * 200_000)}).json() == {"size": 200_000}),
        ("sse", lambda c: c.get("/events").text.count("event: tick") == 5),
    ]
    with httpx.Client(base_url=base, timeout=10) as client:
        step = kind
        while time.monotonic() < stop:
            if step % 8 == 7:
                try:
                    with connect(f"ws://127.0.0.1:{port}/ws", open_timeout=10) as ws:
                        ws.send("ping")
                        count("websocket", ws.recv(timeout=10) == "ping")
                except Exception:
                    count("websocket", False)
            else:
                name, check = checks[step % len(checks)]
                try:
                    ok = check(client)
                except Exception:
                    ok = False
                count(name, ok)
            step += 1


def soak(
    duration: float, *, interval: float = 5.0, threads: int = 3, app: str = "benchmarks.soak.app:app"
) -> SoakResult:
    """Serve ``app`` on one uvicorn worker, send mixed traffic for ``duration`` seconds, and sample it.

    Args:
        duration: Seconds of traffic.
        interval: Seconds between samples.
        threads: Client threads.
        app: The ``module:attribute`` to serve.

    Returns:
        The measurements.

    Raises:
        ProcessError: The server did not start (the message ends with its output).
    """
    result = SoakResult(duration)

    def command(port: int) -> list[str]:
        return ["-m", "uvicorn", app, "--port", str(port), "--host", "127.0.0.1", "--log-level", "warning"]

    with started(command, name=f"uvicorn {app}", timeout=30) as server:
        port, proc = server.port, server.proc
        start = time.monotonic()
        stop = start + duration
        lock = threading.Lock()
        workers = [
            threading.Thread(
                target=_traffic, args=(f"http://127.0.0.1:{port}", port, stop, result, lock, i), daemon=True
            )
            for i in range(threads)
        ]
        result.samples.append((0.0, *_rss_and_fds(proc.pid)))
        for worker in workers:
            worker.start()
        while time.monotonic() < stop:
            time.sleep(min(interval, max(0.0, stop - time.monotonic())))
            result.samples.append((time.monotonic() - start, *_rss_and_fds(proc.pid)))
        for worker in workers:
            worker.join(timeout=30)
        time.sleep(0.5)  # let the server close the last connections before the final sample
        result.samples.append((time.monotonic() - start, *_rss_and_fds(proc.pid)))
    return result


def main(argv: Sequence[str] | None = None) -> int:
    """Run the soak from the command line; print the report as JSON."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.soak.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=600.0, help="seconds of traffic (default 600)")
    parser.add_argument("--interval", type=float, default=5.0, help="seconds between samples (default 5)")
    parser.add_argument("--threads", type=int, default=3, help="client threads (default 3)")
    parser.add_argument("--warmup", type=float, default=60.0, help="seconds left out of the slope (default 60)")
    parser.add_argument("--output", default=None, help="also write the report to this JSON file")
    args = parser.parse_args(argv)
    result = soak(args.duration, interval=args.interval, threads=args.threads)
    report = result.report(min(args.warmup, args.duration / 2))
    text = json.dumps(report, indent=2)
    print(text)
    if args.output:
        Path(args.output).write_text(text + "\n", encoding="utf-8")
    return 1 if result.errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
