from __future__ import annotations

import logging
import re
from typing import Any

import pytest

from tests.middleware._client import assert_exported_surface, echo_scope_app, make_client
from zephyr import FastAPI, Request
from zephyr.middleware.request_id import (
    RequestIDLogFilter,
    RequestIDMiddleware,
    default_validator,
    get_request_id,
)
from zephyr.testclient import TestClient
from zephyr.types import Receive, Scope, Send


def test_generates_id_and_echoes_it() -> None:
    client = make_client(RequestIDMiddleware(echo_scope_app))
    response = client.get("/")
    request_id = response.headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    assert response.json()["state"] == {"request_id": request_id}
    assert client.get("/").headers["x-request-id"] != request_id


def test_reuses_valid_incoming_id() -> None:
    client = make_client(RequestIDMiddleware(echo_scope_app))
    response = client.get("/", headers={"X-Request-ID": "abc-123"})
    assert response.headers["x-request-id"] == "abc-123"
    assert response.json()["state"]["request_id"] == "abc-123"


def test_refuses_invalid_incoming_id() -> None:
    client = make_client(RequestIDMiddleware(echo_scope_app))
    response = client.get("/", headers={"X-Request-ID": "bad id\twith spaces"})
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["x-request-id"])
    assert not default_validator("x" * 129)
    assert default_validator("req_01:abc")


def test_trust_incoming_false_and_custom_generator_and_header() -> None:
    app = RequestIDMiddleware(
        echo_scope_app, header_name="X-Correlation-ID", generator=lambda: "fixed", trust_incoming=False
    )
    response = make_client(app).get("/", headers={"X-Correlation-ID": "from-client"})
    assert response.headers["x-correlation-id"] == "fixed"
    assert "x-request-id" not in response.headers


def test_existing_response_header_is_kept() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 204, "headers": [(b"X-Request-ID", b"inner")]})
        await send({"type": "http.response.body", "body": b""})

    response = make_client(RequestIDMiddleware(app)).get("/")
    assert response.headers.get_list("x-request-id") == ["inner"]


def test_contextvar_and_log_filter(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("tests.request_id")
    seen: list[str | None] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(get_request_id())
        logger.warning("inside")
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    log_filter = RequestIDLogFilter()
    caplog.handler.addFilter(log_filter)
    try:
        with caplog.at_level(logging.WARNING, logger="tests.request_id"):
            make_client(RequestIDMiddleware(app)).get("/", headers={"x-request-id": "trace-1"})
    finally:
        caplog.handler.removeFilter(log_filter)
    assert seen == ["trace-1"]
    assert [getattr(r, "request_id", None) for r in caplog.records] == ["trace-1"]
    assert get_request_id() is None
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "m", None, None)
    assert log_filter.filter(record) is True
    assert getattr(record, "request_id", None) == "-"


def test_lifespan_state_is_not_shared_between_requests() -> None:
    shared = {"db": "x"}
    captured: list[dict[str, str]] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        captured.append(scope["state"])
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    middleware = RequestIDMiddleware(app)

    async def run() -> None:
        async def receive() -> dict[str, object]:
            return {"type": "http.request", "body": b""}

        async def send(message: object) -> None:
            pass

        await middleware({"type": "http", "headers": [], "state": shared}, receive, send)

    import anyio

    anyio.run(run)
    assert shared == {"db": "x"}
    assert captured[0]["db"] == "x"
    assert "request_id" in captured[0]


def test_app_request_state_and_header() -> None:
    app = FastAPI()
    app.add_middleware(RequestIDMiddleware)

    @app.get("/")
    async def index(request: Request) -> dict[str, Any]:
        return {"id": request.state.request_id, "var": get_request_id()}

    response = TestClient(app).get("/", headers={"X-Request-ID": "abc"})
    assert response.json() == {"id": "abc", "var": "abc"}
    assert response.headers["x-request-id"] == "abc"


def test_exported_surface() -> None:
    import zephyr.middleware.request_id as module

    assert_exported_surface(module)
