from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from benchmarks import run
from benchmarks._servers import FRAMEWORKS, ServerError
from benchmarks._wrk import WrkResult
from benchmarks.scenarios import SCENARIOS


def test_parse_args_defaults_to_everything_but_the_server_axis() -> None:
    args = run.parse_args([])
    assert (args.rounds, args.duration, args.warmup, args.connections) == (3, 5, 2, 64)
    assert args.framework_list == [framework for framework in FRAMEWORKS if framework.default]
    assert args.scenario_list == list(SCENARIOS)
    assert args.output == run.DEFAULT_OUTPUT


def test_parse_args_smoke_is_one_short_round_without_warmup() -> None:
    args = run.parse_args(["--smoke", "--rounds", "5", "--duration", "9"])
    assert (args.rounds, args.duration, args.warmup) == (1, 1, 0)


def test_parse_args_accepts_comma_and_space_separated_lists() -> None:
    args = run.parse_args(["--frameworks", "raw,fastapi", "flask", "--scenarios", "S7a,s1", "--output", "/tmp/x"])
    assert [f.name for f in args.framework_list] == ["fastapi", "flask", "raw"]
    assert [s.id for s in args.scenario_list] == ["S1", "S7a"]
    assert args.output == Path("/tmp/x")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--frameworks", "django"], "Unknown framework(s) ['django']"),
        (["--scenarios", "S9"], "Unknown scenario(s) ['S9']"),
        (["--rounds", "0"], "--rounds must be at least 1, got 0"),
        (["--warmup", "-1"], "--warmup must be 0 or more, got -1"),
    ],
)
def test_parse_args_rejects_bad_options(argv: list[str], message: str, capsys: Any) -> None:
    with pytest.raises(SystemExit) as info:
        run.parse_args(argv)
    assert info.value.code == 2
    assert message in capsys.readouterr().err


def test_main_without_wrk_exits_2_and_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    monkeypatch.setattr(run, "find_wrk", lambda: None)
    assert run.main(["--smoke"]) == 2
    assert "wrk is not installed: run `make system-deps`" in capsys.readouterr().err


def _outcome(rps: float, rss: int) -> dict[str, Any]:
    numbers = {"rps": rps, "p50_ms": rps / 1000, "p95_ms": 2.0, "p99_ms": 3.0, "socket_errors": 1, "non_2xx_3xx": 0}
    return {"error": None, "wrk": numbers, "rss_bytes": rss, "serving_rss_bytes": rss, "cpu_us_per_request": rps / 100}


def test_summarize_takes_the_median_of_rounds_and_keeps_errors() -> None:
    raw = next(f for f in FRAMEWORKS if f.name == "raw")
    s1 = SCENARIOS[0]
    records = [
        {"framework": "raw", "round": i + 1, "error": None, "cold_start_s": cold, "import_s": 0.01,
         "scenarios": {"S1": _outcome(rps, 2**20 * mb)}}
        for i, (cold, rps, mb) in enumerate([(0.3, 1000.0, 30), (0.5, 3000.0, 32), (0.4, 2000.0, 31)])
    ]  # fmt: skip
    records.append({"framework": "raw", "round": 4, "error": None, "scenarios": {"S1": {"error": "wrong answer"}}})
    summary = run._summarize(records, [raw], [s1])["raw"]
    assert summary["cold_start_ms"] == pytest.approx(400.0)
    assert summary["import_ms"] == pytest.approx(10.0)
    cell = summary["scenarios"]["S1"]
    assert (cell["rounds"], cell["rps"], cell["p50_ms"], cell["rss_mb"]) == (3, 2000.0, 2.0, 31.0)
    assert cell["cpu_us_per_request"] == pytest.approx(20.0)
    assert (cell["socket_errors"], cell["error"]) == (3, "wrong answer")


class _StubServer:
    """Stands in for ServerProcess: answers from a fixed tuple or raises."""

    def __init__(self, answer: tuple[int, bytes] | Exception) -> None:
        self.answer = answer
        self.base_url = "http://127.0.0.1:1"
        self.proc = self
        self.cpu_reads = 0

    def poll(self) -> int | None:
        return None

    def request(self, method: str, path: str, body: bytes | None, headers: dict[str, str]) -> tuple[int, bytes]:
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer

    def log_tail(self) -> str:
        return "server log"

    def rss_bytes(self) -> tuple[int, int]:
        return 3 * 2**20, 2 * 2**20

    def cpu_seconds(self) -> float:
        self.cpu_reads += 1
        return 0.25 * self.cpu_reads  # 0.25 s of CPU during each load run


def _wrk_result(requests: int, non_2xx: int) -> WrkResult:
    return WrkResult(requests, 1.0, float(requests), 1.0, 2.0, 3.0, 4.0, 1.5, 9.0, 0, non_2xx)


def _load(server: _StubServer, scenario_id: str = "S1") -> dict[str, Any]:
    scenario = next(s for s in SCENARIOS if s.id == scenario_id)
    args = run.parse_args(["--smoke"])
    return run._load_scenario(server, scenario, Path("/x.lua"), args, "wrk", None)  # type: ignore[arg-type]


def test_load_scenario_reports_a_server_that_does_not_answer() -> None:
    outcome = _load(_StubServer(ConnectionRefusedError(111, "refused")))
    assert outcome["error"].startswith("no answer to GET /hello: ConnectionRefusedError(111, 'refused')")
    assert outcome["error"].endswith("server output:\nserver log")


def test_load_scenario_skips_the_load_after_a_wrong_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(run, "run_wrk", lambda *a, **k: pytest.fail("a wrong answer must not be loaded"))
    outcome = _load(_StubServer((404, b'{"detail":"Not Found"}')))
    assert outcome == {"error": 'wrong answer: S1: expected status 200, got 404 with body b\'{"detail":"Not Found"}\''}


def test_load_scenario_records_numbers_and_rss(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(run, "run_wrk", lambda *a, **k: _wrk_result(1000, 0))
    outcome = _load(_StubServer((200, b'{"message":"hello"}')))
    assert outcome["error"] is None
    assert (outcome["wrk"]["rps"], outcome["rss_bytes"], outcome["serving_rss_bytes"]) == (1000.0, 3 * 2**20, 2 * 2**20)
    assert outcome["cpu_us_per_request"] == pytest.approx(250.0)  # 0.25 s over the 1,000 answers of the measured run


def test_load_scenario_fails_when_answers_under_load_are_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(run, "run_wrk", lambda *a, **k: _wrk_result(1000, 7))
    outcome = _load(_StubServer((200, b'{"message":"hello"}')))
    assert outcome["error"].startswith("7 of 1000 answers under load had a status of 400 or more")
    assert outcome["wrk"]["non_2xx_3xx"] == 7


def test_load_scenario_accepts_error_statuses_where_they_are_expected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(run, "run_wrk", lambda *a, **k: _wrk_result(1000, 1000))
    assert _load(_StubServer((422, b'{"detail":[]}')), "S6")["error"] is None


def test_a_round_serves_every_framework_at_once_and_loads_each_scenario_side_by_side(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import contextlib

    events: list[tuple[str, ...]] = []
    frameworks = [f for f in FRAMEWORKS if f.name in ("zephyr", "fastapi", "raw")]
    scenarios = [s for s in SCENARIOS if s.id in ("S1", "S2", "S3")]

    @contextlib.contextmanager
    def start_server(framework: Any, log_dir: Path, *, pin: Any = None) -> Any:
        if framework.name == "raw":
            raise ServerError("raw exited with 1 before answering:\nboom")
        events.append(("start", framework.name))
        server = _StubServer((200, b"{}"))
        server.cold_start_s = 0.1  # type: ignore[attr-defined]
        server.name = framework.name  # type: ignore[attr-defined]
        yield server
        events.append(("stop", framework.name))

    def load(server: Any, scenario: Any, *args: Any) -> dict[str, Any]:
        events.append(("load", scenario.id, server.name))
        return {"error": None, "wrk": _wrk_result(100, 0).as_dict(), "rss_bytes": 1, "cpu_us_per_request": 1.0}

    monkeypatch.setattr(run, "start_server", start_server)
    monkeypatch.setattr(run, "_load_scenario", load)
    monkeypatch.setattr(run, "measure_import", lambda framework, pin=None: 0.01)
    args = run.parse_args(["--smoke"])
    scripts = {s.id: Path(f"/{s.id}.lua") for s in scenarios}
    records = run._run_round(frameworks, scenarios, scripts, args, "wrk", (None, None), Path("/tmp"), 2)
    order = [f.name for f in frameworks]
    assert events[:2] == [("start", order[0]), ("start", order[1])]  # every server is up before the first load
    loads = [event[1:] for event in events if event[0] == "load"]
    served = [name for name in order if name != "raw"]
    # One scenario on every server before the next scenario; the servers' order turns from one scenario to the next.
    assert loads == [
        ("S1", served[0]),
        ("S1", served[1]),
        ("S2", served[1]),
        ("S2", served[0]),
        ("S3", served[0]),
        ("S3", served[1]),
    ]
    assert events[-2:] == [("stop", order[1]), ("stop", order[0])]
    assert [record["framework"] for record in records] == order
    failed = next(record for record in records if record["framework"] == "raw")
    assert failed["error"].startswith("raw exited with 1") and failed["scenarios"] == {}
    ok = next(record for record in records if record["framework"] == "zephyr")
    assert (ok["round"], ok["cold_start_s"], ok["import_s"], sorted(ok["scenarios"])) == (
        2,
        0.1,
        0.01,
        ["S1", "S2", "S3"],
    )
