from __future__ import annotations

import json

import pytest
from benchmarks.apps._data import ITEMS
from benchmarks.scenarios import SCENARIOS, Scenario, select_scenarios


def _scenario(scenario_id: str) -> Scenario:
    return next(scenario for scenario in SCENARIOS if scenario.id == scenario_id)


def test_scenario_ids_are_unique_and_in_report_order() -> None:
    assert [s.id for s in SCENARIOS] == ["S1", "S2", "S3", "S4", "S5", "S6", "S7", "S7a"]


def test_select_scenarios_is_case_insensitive_and_keeps_report_order() -> None:
    assert [s.id for s in select_scenarios(["s7a", "S1"])] == ["S1", "S7a"]
    assert select_scenarios(None) == list(SCENARIOS)


def test_select_scenarios_rejects_unknown_names() -> None:
    with pytest.raises(ValueError, match=r"Unknown scenario\(s\) \['S9'\]: choose from"):
        select_scenarios(["S9"])


def test_verify_accepts_the_right_answer() -> None:
    assert _scenario("S1").verify(200, b'{"message":"hello"}') is None
    assert _scenario("S3").verify(201, b'{"id":3,"name":"Ada Lovelace","email":"ada@example.com","age":36}') is None
    assert _scenario("S4").verify(200, json.dumps(ITEMS).encode()) is None
    assert _scenario("S6").verify(422, b'{"detail":[]}') is None


def test_verify_reports_a_wrong_status() -> None:
    assert _scenario("S6").verify(400, b"{}") == "S6: expected status 422, got 400 with body b'{}'"


def test_verify_reports_a_body_that_is_not_json() -> None:
    assert _scenario("S1").verify(200, b"hello") == "S1: the body is not JSON: b'hello'"


def test_verify_reports_a_wrong_body() -> None:
    problem = _scenario("S7").verify(200, b'{"route":0,"x":7}')
    assert problem == "S7: expected {'route': 199, 'x': 7}; body b'{\"route\":0,\"x\":7}'"
    assert _scenario("S3").verify(201, b'{"id":"1"}') is not None
    assert _scenario("S3").verify(201, b'{"id":1,"name":"Bob","email":"b@x","age":36}') is not None
    assert _scenario("S4").verify(200, b"[]") is not None
    assert _scenario("S4").verify(200, json.dumps([{**ITEMS[0], "price": 0}, *ITEMS[1:]]).encode()) is not None
    assert _scenario("S6").verify(422, b"{}") is not None


def test_request_headers_add_the_json_content_type_for_bodies() -> None:
    assert _scenario("S3").request_headers() == {"Content-Type": "application/json"}
    assert _scenario("S1").request_headers() == {}
    assert _scenario("S5").request_headers() == {"Authorization": "Bearer bench-token-0123456789"}
