"""The monitoring example: X-Response-Time from Flask-style hooks, slow-request warnings, and Server-Timing."""

from __future__ import annotations

import logging
import re

import pytest
from examples.monitoring import Settings, create_app

from zephyr.testclient import TestClient

RESPONSE_TIME = re.compile(r"^\d+\.\d\dms$")


def test_every_response_carries_both_timings(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="examples.monitoring"), TestClient(create_app()) as client:
        response = client.get("/")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})
    assert RESPONSE_TIME.match(response.headers["x-response-time"])
    metrics = [part.split(";")[0] for part in response.headers["server-timing"].split(", ")]
    assert metrics[0] == "total"
    assert "handler" in metrics
    assert [r for r in caplog.records if r.name == "examples.monitoring"] == []  # fast: no warning


def test_slow_requests_are_logged(caplog: pytest.LogCaptureFixture) -> None:
    with (
        caplog.at_level(logging.INFO, logger="examples.monitoring"),
        TestClient(create_app(Settings(slow_request_ms=100))) as client,
    ):
        response = client.get("/reports/slow?seconds=0.2")
    assert response.json() == {"waited": 0.2}
    took = float(response.headers["x-response-time"].removesuffix("ms"))
    assert took >= 200
    [record] = [r for r in caplog.records if r.name == "examples.monitoring"]
    assert record.levelno == logging.WARNING
    assert re.fullmatch(r"slow request: GET /reports/slow took \d+\.\d\d ms", record.getMessage())
    total = float(response.headers["server-timing"].split(", ")[0].removeprefix("total;dur="))
    assert total >= took - 1  # the middleware wraps the hooks


def test_errors_are_timed_too() -> None:
    with TestClient(create_app()) as client:
        response = client.get("/reports/slow?seconds=9")
    assert response.status_code == 422
    assert "server-timing" in response.headers
