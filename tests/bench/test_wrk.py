from __future__ import annotations

import pytest
from benchmarks._wrk import WrkError, lua_script, parse_output
from benchmarks.scenarios import SCENARIOS, Scenario

_OUTPUT = """Running 1s test @ http://127.0.0.1:1/hello
  1 threads and 64 connections
  15065 requests in 1.01s, 2.85MB read
Requests/sec:  14941.40
WRK_JSON {"requests":15000,"duration_us":1500000,"bytes":2986829,"connect_errors":1,"read_errors":2,\
"write_errors":3,"timeouts":4,"non_2xx_3xx":5,"p50_us":3994,"p90_us":6040,"p95_us":6929,"p99_us":9664,\
"mean_us":4190.9,"max_us":38518}
"""


def _scenario(scenario_id: str) -> Scenario:
    return next(scenario for scenario in SCENARIOS if scenario.id == scenario_id)


def test_parse_output_reads_the_done_hook_line() -> None:
    result = parse_output(_OUTPUT)
    assert result.requests == 15000
    assert result.duration_s == 1.5
    assert result.rps == 10000.0
    assert (result.p50_ms, result.p90_ms, result.p95_ms, result.p99_ms) == (3.994, 6.04, 6.929, 9.664)
    assert result.mean_ms == pytest.approx(4.1909)
    assert result.max_ms == 38.518
    assert result.socket_errors == 10
    assert result.non_2xx_3xx == 5
    assert result.as_dict()["rps"] == 10000.0


def test_parse_output_without_result_line_raises() -> None:
    with pytest.raises(WrkError, match="no WRK_JSON line"):
        parse_output("Running 1s test\nunable to connect to 127.0.0.1:1 Connection refused\n")


def test_parse_output_with_malformed_line_raises() -> None:
    with pytest.raises(WrkError, match="malformed"):
        parse_output("WRK_JSON {not json\n")


def test_lua_script_for_get_sets_only_the_method() -> None:
    script = lua_script(_scenario("S1"))
    assert script.startswith("wrk.method = [[GET]]\n")
    assert "wrk.body" not in script
    assert "wrk.headers" not in script
    assert "done = function(summary, latency, requests)" in script


def test_lua_script_for_post_sets_body_and_content_type() -> None:
    script = lua_script(_scenario("S3"))
    assert "wrk.method = [[POST]]" in script
    assert 'wrk.body = [[{"name": "Ada Lovelace", "email": "ada@example.com", "age": 36}]]' in script
    assert "wrk.headers[ [[Content-Type]] ] = [[application/json]]" in script


def test_lua_script_sends_the_bearer_token() -> None:
    script = lua_script(_scenario("S5"))
    assert "wrk.headers[ [[Authorization]] ] = [[Bearer bench-token-0123456789]]" in script


def test_lua_script_quotes_a_body_containing_a_long_bracket() -> None:
    scenario = Scenario("X", "x", "POST", "/x", 200, lambda payload: None, body=b'{"a": "]]"}')
    assert 'wrk.body = [=[{"a": "]]"}]=]' in lua_script(scenario)
