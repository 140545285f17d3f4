from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from benchmarks._servers import (
    FRAMEWORKS,
    Framework,
    ServerError,
    ServerProcess,
    measure_import,
    prime,
    select_frameworks,
    server_env,
    start_server,
)

RAW = next(framework for framework in FRAMEWORKS if framework.name == "raw")


def test_select_frameworks_keeps_report_order() -> None:
    assert [f.name for f in select_frameworks(["raw", "FastAPI"])] == ["fastapi", "raw"]
    assert select_frameworks(None) == [framework for framework in FRAMEWORKS if framework.default]
    assert "ceiling" not in [f.name for f in select_frameworks(None)]  # the server axis runs by name
    assert [f.name for f in select_frameworks(["ceiling-rsgi", "zephyr"])] == ["zephyr", "ceiling-rsgi"]


def test_select_frameworks_rejects_unknown_names() -> None:
    with pytest.raises(ValueError, match=r"Unknown framework\(s\) \['django'\]: choose from \['zephyr'"):
        select_frameworks(["django"])


def test_uvicorn_command_uses_uvloop_httptools_and_no_access_log() -> None:
    command = RAW.command(8123)
    assert command[1:4] == ["-m", "uvicorn", "benchmarks.apps.raw_app:app"]
    assert command[4:] == [
        "--host", "127.0.0.1", "--port", "8123", "--loop", "uvloop", "--http", "httptools", "--no-access-log",
        "--log-level", "warning",
    ]  # fmt: skip


def test_granian_commands_choose_the_interface_and_the_attribute() -> None:
    asgi = next(framework for framework in FRAMEWORKS if framework.name == "zephyr-granian")
    rsgi = next(framework for framework in FRAMEWORKS if framework.name == "ceiling-rsgi")
    assert asgi.command(8123)[1:] == [
        "-m", "granian", "--interface", "asgi", "--host", "127.0.0.1", "--port", "8123", "--workers", "1",
        "--loop", "uvloop", "--log-level", "warning", "benchmarks.apps.zephyr_app:app",
    ]  # fmt: skip
    assert rsgi.command(8123)[4] == "rsgi"
    assert rsgi.command(8123)[-1] == "benchmarks.apps.ceiling_app:rsgi_app"


def test_gunicorn_command_uses_one_sync_worker() -> None:
    flask = next(framework for framework in FRAMEWORKS if framework.name == "flask")
    assert flask.command(8123)[1:] == [
        "-m", "gunicorn", "--workers", "1", "--worker-class", "sync", "--bind", "127.0.0.1:8123",
        "--log-level", "warning", "benchmarks.apps.flask_app:app",
    ]  # fmt: skip


def test_server_env_makes_benchmarks_importable() -> None:
    root = str(Path(__file__).resolve().parents[2])
    assert server_env()["PYTHONPATH"].split(os.pathsep)[0] == root


@pytest.mark.e2e
def test_start_server_measures_cold_start_and_stops_the_server(tmp_path: Path) -> None:
    with start_server(RAW, tmp_path) as server:
        assert 0 < server.cold_start_s < 30
        assert server.request("GET", "/hello", None, {}) == (200, b'{"message":"hello"}')
        tree, serving = server.rss_bytes()
        assert tree >= serving > 1_000_000
        proc = server.proc
    assert proc.poll() is not None


@pytest.mark.e2e
def test_start_server_reports_a_server_that_exits(tmp_path: Path) -> None:
    broken = Framework("broken", "Broken", "benchmarks.apps.no_such_module", "uvicorn")
    with (
        pytest.raises(ServerError, match=r"(?s)Broken exited with \d+ before answering:\n.*no_such_module"),
        start_server(broken, tmp_path),
    ):
        pass  # pragma: no cover - the server never starts


def test_measure_import_times_the_app_module() -> None:
    assert 0 < measure_import(RAW) < 10


def test_measure_import_reports_a_failing_import() -> None:
    broken = Framework("broken", "Broken", "benchmarks.apps.no_such_module", "uvicorn")
    with pytest.raises(
        ServerError, match=r"(?s)importing benchmarks.apps.no_such_module failed:\n.*ModuleNotFoundError"
    ):
        measure_import(broken)


def test_server_env_drops_coverage_hooks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COV_CORE_SOURCE", "zephyr")
    monkeypatch.setenv("COVERAGE_PROCESS_START", "pyproject.toml")
    monkeypatch.setenv("ZEPHYR_BENCH_MARKER", "kept")
    env = server_env()
    assert "COV_CORE_SOURCE" not in env
    assert "COVERAGE_PROCESS_START" not in env
    assert env["ZEPHYR_BENCH_MARKER"] == "kept"


def test_server_env_lets_python_write_bytecode(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    assert "PYTHONDONTWRITEBYTECODE" not in server_env()


def test_prime_imports_the_app_or_says_why_not() -> None:
    assert prime(RAW) is None
    broken = Framework("broken", "Broken", "benchmarks.apps.no_such_module", "uvicorn")
    problem = prime(broken)
    assert problem is not None
    assert problem.startswith("importing benchmarks.apps.no_such_module failed:")


def test_instrumented_contenders_are_opt_in() -> None:
    names = [
        "zephyr-switch",
        "zephyr-otel",
        "fastapi-otel",
        "zephyr-telemetry",
        "fastapi-telemetry",
        "zephyr-otel-fast",
        "zephyr-telemetry-fast",
    ]
    instrumented = [framework for framework in FRAMEWORKS if framework.name in names]
    assert [f.name for f in instrumented] == names
    assert all(framework not in select_frameworks(None) for framework in instrumented)
    chosen = select_frameworks(["fastapi-otel", "zephyr", "zephyr-otel"])
    assert [f.name for f in chosen] == ["zephyr", "zephyr-otel", "fastapi-otel"]


def test_cpu_seconds_counts_the_whole_process_tree(tmp_path: Path) -> None:
    # A parent that waits on a child spinning for about 0.3 s of CPU: the tree's CPU includes the child's.
    spin = "import sys, time; end = time.process_time() + 0.3\nwhile time.process_time() < end: pass\nsys.stdin.read()"
    parent = (
        "import subprocess, sys; child = subprocess.Popen([sys.executable, '-c', sys.argv[1]], stdin=subprocess.PIPE); "
        "sys.stdin.read(); child.communicate(b'')"
    )
    proc = subprocess.Popen([sys.executable, "-c", parent, spin], stdin=subprocess.PIPE)
    try:
        server = ServerProcess(proc, 0, 0.0, tmp_path / "log")
        deadline = time.monotonic() + 20
        while server.cpu_seconds() < 0.3 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert 0.3 <= server.cpu_seconds() < 10
    finally:
        proc.communicate(b"", timeout=20)
    assert server.cpu_seconds() == 0.0  # gone: nothing to read
