"""Start and stop the benchmark servers, and measure what happens before the first request.

Every server runs in its own process group on 127.0.0.1 and is killed with its group in ``finally``; every wait is
bounded by a deadline.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

__all__ = (
    "FRAMEWORKS",
    "QUIET_PLUGINS",
    "ROOT",
    "Framework",
    "ServerError",
    "ServerProcess",
    "free_port",
    "measure_import",
    "prime",
    "select_frameworks",
    "server_env",
    "start_server",
)

ROOT = Path(__file__).resolve().parents[1]
"""The repository root (the directory holding ``benchmarks/`` and ``src/``)."""


class ServerError(RuntimeError):
    """A server did not start, or did not answer in time."""


@dataclass(frozen=True)
class Framework:
    """One contender: which module holds its app and which server runs it."""

    name: str
    """Short name used on the command line and in the reports."""
    label: str
    """Display name."""
    module: str
    """The app module (``app`` is the attribute served)."""
    server: str
    """``"uvicorn"`` (ASGI), ``"uvicorn-zephyr"`` (uvicorn with Zephyr's HTTP protocol, ``zephyr._protocol``, on
    the loop ``zephyr run`` serves on, ``zephyr._accept``),
    ``"granian"`` (Granian's ASGI), ``"granian-rsgi"`` (Granian's RSGI) or ``"gunicorn"`` (WSGI, one sync worker)."""
    attribute: str = "app"
    """The attribute of ``module`` that is served."""
    default: bool = True
    """Part of a run that names no frameworks; the server axis is run by name (``make bench-servers``)."""

    def command(self, port: int) -> list[str]:
        """Return the command that serves the app on ``127.0.0.1:port``.

        Args:
            port: The TCP port to bind.

        Returns:
            The argument vector (without any CPU pinning prefix).
        """
        target = f"{self.module}:{self.attribute}"
        if self.server in ("granian", "granian-rsgi"):
            interface = "rsgi" if self.server == "granian-rsgi" else "asgi"
            return [
                sys.executable,
                "-m",
                "granian",
                "--interface",
                interface,
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                "1",
                "--loop",
                "uvloop",
                "--log-level",
                "warning",
                target,
            ]
        if self.server == "gunicorn":
            return [
                sys.executable,
                "-m",
                "gunicorn",
                "--workers",
                "1",
                "--worker-class",
                "sync",
                "--bind",
                f"127.0.0.1:{port}",
                "--log-level",
                "warning",
                target,
            ]
        zephyr = self.server == "uvicorn-zephyr"  # what `zephyr run` serves on: its protocol and its loop
        http = "zephyr._protocol:ZephyrHttpProtocol" if zephyr else "httptools"
        loop = "zephyr._accept:new_event_loop" if zephyr else "uvloop"
        return [
            sys.executable,
            "-m",
            "uvicorn",
            target,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--loop",
            loop,
            "--http",
            http,
            "--no-access-log",
            "--log-level",
            "warning",
        ]


FRAMEWORKS: tuple[Framework, ...] = (
    Framework("zephyr", "Zephyr", "benchmarks.apps.zephyr_app", "uvicorn"),
    Framework("fastapi", "FastAPI", "benchmarks.apps.fastapi_app", "uvicorn"),
    Framework("litestar", "Litestar", "benchmarks.apps.litestar_app", "uvicorn"),
    Framework("flask", "Flask (gunicorn sync)", "benchmarks.apps.flask_app", "gunicorn"),
    Framework("raw", "raw ASGI", "benchmarks.apps.raw_app", "uvicorn"),
    # Observability (opt-in): the import switch alone, OpenTelemetry's FastAPIInstrumentor (apps/_otel.py) and
    # native telemetry= on both frameworks, with the same providers.
    Framework(
        "zephyr-switch", "Zephyr + install_as_fastapi()", "benchmarks.apps.zephyr_switch_app", "uvicorn", default=False
    ),
    Framework("zephyr-otel", "Zephyr + OpenTelemetry", "benchmarks.apps.zephyr_otel_app", "uvicorn", default=False),
    Framework("fastapi-otel", "FastAPI + OpenTelemetry", "benchmarks.apps.fastapi_otel_app", "uvicorn", default=False),
    Framework(
        "zephyr-telemetry", "Zephyr + telemetry=", "benchmarks.apps.zephyr_telemetry_app", "uvicorn", default=False
    ),
    Framework(
        "fastapi-telemetry", "FastAPI + telemetry=", "benchmarks.apps.fastapi_telemetry_app", "uvicorn", default=False
    ),
    # The same two on Zephyr's HTTP protocol (what `zephyr run` serves on), beside FastAPI on uvicorn's.
    Framework(
        "zephyr-otel-fast",
        "Zephyr + OpenTelemetry (Zephyr protocol)",
        "benchmarks.apps.zephyr_otel_app",
        "uvicorn-zephyr",
        default=False,
    ),
    Framework(
        "zephyr-telemetry-fast",
        "Zephyr + telemetry= (Zephyr protocol)",
        "benchmarks.apps.zephyr_telemetry_app",
        "uvicorn-zephyr",
        default=False,
    ),
    # The server axis: the ceiling (prepared bytes, no work) and Zephyr on each server, side by side.
    # The ceiling answers S1-S4 with prepared bytes (others through raw_app; the RSGI one answers S1-S4 only).
    Framework("ceiling", "ceiling ASGI (uvicorn)", "benchmarks.apps.ceiling_app", "uvicorn", default=False),
    Framework(
        "zephyr-fast",
        "Zephyr (uvicorn, Zephyr protocol)",
        "benchmarks.apps.zephyr_app",
        "uvicorn-zephyr",
        default=False,
    ),
    Framework("zephyr-granian", "Zephyr (Granian ASGI)", "benchmarks.apps.zephyr_app", "granian", default=False),
    Framework("ceiling-granian", "ceiling ASGI (Granian)", "benchmarks.apps.ceiling_app", "granian", default=False),
    Framework("zephyr-rsgi", "Zephyr (Granian RSGI)", "benchmarks.apps.zephyr_app", "granian-rsgi", default=False),
    Framework(
        "ceiling-rsgi", "ceiling RSGI (Granian)", "benchmarks.apps.ceiling_app", "granian-rsgi", "rsgi_app", False
    ),
)
"""All contenders, in report order."""


def select_frameworks(names: list[str] | None) -> list[Framework]:
    """Return the frameworks named (case-insensitive), in report order; the default set for ``None``.

    Args:
        names: Framework names such as ``["fastapi", "raw"]``, or ``None``.

    Returns:
        The matching frameworks.

    Raises:
        ValueError: When a name is not a known framework.
    """
    if not names:
        return [framework for framework in FRAMEWORKS if framework.default]
    known = {framework.name for framework in FRAMEWORKS}
    unknown = [name for name in names if name.lower() not in known]
    if unknown:
        raise ValueError(f"Unknown framework(s) {unknown}: choose from {[f.name for f in FRAMEWORKS]}")
    wanted = {name.lower() for name in names}
    return [framework for framework in FRAMEWORKS if framework.name in wanted]


_MEASUREMENT_NOISE = ("COV_CORE_", "COVERAGE_PROCESS_START", "PYTHONDONTWRITEBYTECODE")


QUIET_PLUGINS = {"PYDANTIC_DISABLE_PLUGINS": "__all__"}
"""Pydantic plugins off in every measured process: the development environment has logfire's (for the ecosystem
tests), whose import (about 300 ms) would otherwise be counted against whichever framework builds a model first."""


def server_env() -> dict[str, str]:
    """Return the environment for servers and import timings: ``benchmarks`` and ``src/zephyr`` importable.

    Coverage hooks inherited from pytest-cov are dropped: the servers are measured, not tested, and tracing them
    would distort every number. So is ``PYTHONDONTWRITEBYTECODE``: installed packages come with their ``.pyc``
    files, and a framework imported from a source tree (Zephyr here) must get them too, or its start-up would
    include compiling itself. Pydantic plugins are disabled (:data:`QUIET_PLUGINS`).
    """
    env = {key: value for key, value in os.environ.items() if not key.startswith(_MEASUREMENT_NOISE)}
    paths = [str(ROOT)]
    if (ROOT / "src" / "zephyr").is_dir():
        paths.append(str(ROOT / "src"))
    existing = env.get("PYTHONPATH")
    if existing:
        paths.append(existing)
    return {**env, "PYTHONPATH": os.pathsep.join(paths), **QUIET_PLUGINS}


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _rss_of(pid: int) -> int:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _cpu_of(pid: int) -> float:
    """CPU seconds (user + system) of every thread of ``pid`` so far; 0 when the process is gone."""
    with contextlib.suppress(OSError, IndexError, ValueError):
        stat = Path(f"/proc/{pid}/stat").read_text()
        fields = stat[stat.rindex(")") + 2 :].split()  # after the command name, which may hold spaces
        return (int(fields[11]) + int(fields[12])) / _TICKS  # utime, stime (fields 14 and 15 of proc(5))
    return 0.0


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    with contextlib.suppress(OSError):
        return [int(child) for child in path.read_text().split()]
    return []


class ServerProcess:
    """A running server: its port, process and how long it took to answer its first request."""

    def __init__(self, proc: subprocess.Popen[bytes], port: int, cold_start_s: float, log: Path) -> None:
        self.proc = proc
        self.port = port
        self.cold_start_s = cold_start_s
        self.log = log
        self.base_url = f"http://127.0.0.1:{port}"

    def rss_bytes(self) -> tuple[int, int]:
        """Return the resident memory of the whole process tree and of the process that serves requests.

        For uvicorn both are the same process; for gunicorn the tree adds the master to the worker.

        Returns:
            ``(tree_bytes, serving_bytes)``.
        """
        children = _children(self.proc.pid)
        tree = _rss_of(self.proc.pid) + sum(_rss_of(child) for child in children)
        serving = _rss_of(children[-1]) if children else _rss_of(self.proc.pid)
        return tree, serving

    def cpu_seconds(self) -> float:
        """Return the CPU time (user + system, all threads) the server's process tree has used so far.

        The difference across a load run divided by the requests it served is the server's CPU per request: on a
        shared machine a steadier number than requests per second, which also count the time the server waited for
        a core. Granian's Rust threads and its worker process are included.
        """
        children = _children(self.proc.pid)
        return _cpu_of(self.proc.pid) + sum(_cpu_of(child) for child in children)

    def request(self, method: str, path: str, body: bytes | None, headers: dict[str, str]) -> tuple[int, bytes]:
        """Send one request and return its status and body.

        Args:
            method: HTTP method.
            path: Path and query string.
            body: Request body or ``None``.
            headers: Request headers.

        Returns:
            ``(status, body)``.
        """
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()

    def log_tail(self, chars: int = 2000) -> str:
        """Return the end of the server's combined output, for error messages."""
        with contextlib.suppress(OSError):
            return self.log.read_text(errors="replace")[-chars:]
        return ""


def _first_ok(port: int) -> bool:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        conn.request("GET", "/hello")
        response = conn.getresponse()
        response.read()
        return response.status == 200
    except (OSError, http.client.HTTPException):
        return False
    finally:
        conn.close()


def _stop(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)


@contextlib.contextmanager
def start_server(
    framework: Framework, log_dir: Path, *, pin: list[str] | None = None, timeout: float = 30.0
) -> Iterator[ServerProcess]:
    """Start ``framework``'s server, wait for its first 200 on ``/hello``, and stop it (with its group) afterwards.

    The cold start is the time from just before the process is spawned to the first 200 on ``/hello``, polled every
    5 ms, so it covers interpreter start, imports, app construction and the server's own start-up.

    Args:
        framework: What to serve.
        log_dir: Where the server's output goes (``<name>-<port>.log``).
        pin: A command prefix that pins the server to a core (``["taskset", "-c", "0"]``), or ``None``.
        timeout: How long to wait for the first 200.

    Yields:
        The running server.

    Raises:
        ServerError: When the server exits or does not answer within ``timeout``.
    """
    port = free_port()
    log = log_dir / f"{framework.name}-{port}.log"
    with log.open("wb") as out:
        started = time.perf_counter()
        proc = subprocess.Popen(
            [*(pin or []), *framework.command(port)],
            cwd=ROOT,
            env=server_env(),
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    try:
        deadline = started + timeout
        while not _first_ok(port):
            if proc.poll() is not None:
                tail = log.read_text(errors="replace")[-2000:]
                raise ServerError(f"{framework.label} exited with {proc.returncode} before answering:\n{tail}")
            if time.perf_counter() > deadline:
                raise ServerError(f"{framework.label} did not answer GET /hello with 200 within {timeout} s")
            time.sleep(0.005)
        yield ServerProcess(proc, port, time.perf_counter() - started, log)
    finally:
        _stop(proc)


_IMPORT_PROBE = """
import importlib, json, sys, time
started = time.perf_counter()
module = importlib.import_module(sys.argv[1])
app = module.app
print(json.dumps({"seconds": time.perf_counter() - started}))
"""

_IMPORT_SAMPLES = 3


def measure_import(framework: Framework, *, pin: list[str] | None = None, timeout: float = 60.0) -> float:
    """Time ``import <app module>`` (imports plus app construction) in a fresh interpreter, best of three.

    Interpreter start-up is not included: the clock starts inside the subprocess, right before the import. The
    fastest of three fresh interpreters is kept, the usual way to filter out noise from other processes.

    Args:
        framework: Whose app module to import.
        pin: A command prefix that pins the subprocess to a core, or ``None``.
        timeout: Bound on each subprocess.

    Returns:
        Seconds spent importing the module and building its app.

    Raises:
        ServerError: When the import fails or runs past ``timeout``.
    """
    return min(_import_once(framework, pin, timeout) for _ in range(_IMPORT_SAMPLES))


def _import_once(framework: Framework, pin: list[str] | None, timeout: float) -> float:
    cmd = [*(pin or []), sys.executable, "-c", _IMPORT_PROBE, framework.module]
    try:
        proc = subprocess.run(
            cmd, cwd=ROOT, env=server_env(), capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise ServerError(f"importing {framework.module} ran past {timeout} s") from exc
    if proc.returncode != 0:
        raise ServerError(f"importing {framework.module} failed:\n{proc.stderr[-2000:]}")
    return float(json.loads(proc.stdout.strip().splitlines()[-1])["seconds"])


def prime(framework: Framework, *, timeout: float = 60.0) -> str | None:
    """Import ``framework``'s app once, unmeasured, so bytecode is compiled and files are in the page cache.

    Without it the first round's cold start would also pay for compiling whatever has no ``.pyc`` yet.

    Args:
        framework: Whose app module to import.
        timeout: Bound on the subprocess.

    Returns:
        ``None`` on success, or why the import failed (the server start will report it again).
    """
    try:
        _import_once(framework, None, timeout)
    except ServerError as exc:
        return str(exc)
    return None
