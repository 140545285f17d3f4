from __future__ import annotations

import logging
import re
from collections.abc import Iterator

import pytest

from tests.middleware._client import assert_exported_surface, make_client
from zephyr import FastAPI
from zephyr.middleware.timing import TIMINGS_SCOPE_KEY, TimingMiddleware
from zephyr.testclient import TestClient
from zephyr.types import Receive, Scope, Send


async def core_like_app(scope: Scope, receive: Receive, send: Send) -> None:
    timings = scope.get(TIMINGS_SCOPE_KEY)
    if timings is not None:
        timings.update({"handler": 0.002, "routing": 0.0001, "db query": 0.0015, "serialization": 0.0003})
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"ok"})


def fake_clock(*values: float) -> Iterator[float]:
    yield from values
    while True:
        yield values[-1]


def test_server_timing_header_lists_total_and_phases() -> None:
    ticks = fake_clock(10.0, 10.0125, 10.013)
    app = TimingMiddleware(core_like_app, clock=lambda: next(ticks))
    response = make_client(app).get("/")
    assert response.status_code == 200
    assert response.headers["server-timing"] == (
        "total;dur=12.500, routing;dur=0.100, handler;dur=2.000, serialization;dur=0.300, db_query;dur=1.500"
    )


def test_header_can_be_turned_off() -> None:
    response = make_client(TimingMiddleware(core_like_app, server_timing=False)).get("/")
    assert "server-timing" not in response.headers


def test_without_core_timings_only_total() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    header = make_client(TimingMiddleware(app)).get("/").headers["server-timing"]
    assert re.fullmatch(r"total;dur=\d+\.\d{3}", header)


def test_slow_request_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    ticks = fake_clock(0.0, 0.5, 2.25)
    app = TimingMiddleware(core_like_app, slow_threshold=1.0, clock=lambda: next(ticks))
    with caplog.at_level(logging.WARNING, logger="zephyr.timing"):
        make_client(app).get("/slow")
    assert [r.getMessage() for r in caplog.records] == [
        "Slow request: GET /slow took 2.250 s (status 200; handler=2.0ms, routing=0.1ms, db query=1.5ms, "
        "serialization=0.3ms)"
    ]


def test_fast_request_is_not_logged(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="zephyr.timing"):
        make_client(TimingMiddleware(core_like_app, slow_threshold=5.0)).get("/")
        make_client(TimingMiddleware(core_like_app, slow_threshold=None)).get("/")
    assert caplog.records == []


def test_slow_request_that_raised_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        raise RuntimeError("boom")

    ticks = fake_clock(0.0, 3.0)
    logger = logging.getLogger("tests.timing")
    client = make_client(TimingMiddleware(app, logger=logger, clock=lambda: next(ticks)), raise_server_exceptions=False)
    with caplog.at_level(logging.WARNING, logger="tests.timing"):
        assert client.get("/x").status_code == 500
    assert caplog.records[-1].getMessage() == "Slow request: GET /x took 3.000 s (status none sent)"


def test_app_server_timing_header() -> None:
    app = FastAPI()
    app.add_middleware(TimingMiddleware)

    @app.get("/")
    async def index() -> dict[str, str]:
        return {"ok": "yes"}

    response = TestClient(app).get("/")
    assert response.json() == {"ok": "yes"}
    assert re.fullmatch(r"total;dur=\d+\.\d{3}(, [a-z_]+;dur=\d+\.\d{3})*", response.headers["server-timing"])


def test_exported_surface() -> None:
    import zephyr.middleware.timing as module

    assert_exported_surface(module)


def test_core_reports_each_phase_through_a_real_app() -> None:
    from zephyr import FastAPI
    from zephyr.testclient import TestClient

    app = FastAPI()
    app.add_middleware(TimingMiddleware)

    @app.get("/items/{item_id}")
    async def read_item(item_id: int) -> dict[str, int]:
        return {"item_id": item_id}

    response = TestClient(app).get("/items/3")
    assert response.json() == {"item_id": 3}
    names = [part.split(";")[0].strip() for part in response.headers["server-timing"].split(",")]
    assert names == ["total", "routing", "validation", "handler", "serialization"]
