"""sentry-sdk, opentelemetry-instrumentation-fastapi and prometheus-fastapi-instrumentator on FastAPI and on Zephyr."""

from __future__ import annotations

from typing import Any

import pytest

PHASES = ["zephyr.handler_ms", "zephyr.routing_ms", "zephyr.serialization_ms", "zephyr.validation_ms"]


def test_sentry_opentelemetry_and_prometheus_see_the_same_requests(outcomes: dict[str, tuple[Any, Any]]) -> None:
    reference, zephyr = outcomes["observability"]
    assert zephyr["responses"] == [200, {"item_id": 7}, {"item_id": 8}, 500, [503, 404, 599, 418]]
    # Sentry: the endpoint's exception, under the route template, and the handled 5xx HTTP errors
    # (failed_request_status_codes); one transaction per request.
    assert zephyr["sentry_errors"] == [
        ["/boom/{n}", "ValueError", "boom 3"],
        ["/status/{code}", "HTTPException", "failed with 503"],
        ["/status/{code}", "HTTPException", "failed with 599"],
    ]
    assert (
        zephyr["sentry_transactions"]
        == ["/boom/{n}", "/items/{item_id}", "/items/{item_id}", "/metrics"] + ["/status/{code}"] * 4
    )
    # OpenTelemetry: one server span per request, named and attributed by route.
    assert zephyr["spans"] == [
        ["GET /boom/{n}", "/boom/{n}", 500],
        ["GET /items/{item_id}", "/items/{item_id}", 200],
        ["GET /items/{item_id}", "/items/{item_id}", 200],
        ["GET /metrics", "/metrics", 200],
        ["GET /status/{code}", "/status/{code}", 404],
        ["GET /status/{code}", "/status/{code}", 418],
        ["GET /status/{code}", "/status/{code}", 503],
        ["GET /status/{code}", "/status/{code}", 599],
    ]
    # Prometheus: requests counted by handler template.
    assert zephyr["metrics_status"] == 200
    assert zephyr["metric_lines"] == ['http_requests_total{handler="/items/{item_id}",method="GET",status="2xx"} 2.0']
    # Zephyr adds its per-phase timings to the server span; FastAPI has none.
    assert zephyr["phase_attributes"] == PHASES
    assert reference["phase_attributes"] == []
    assert {k: v for k, v in zephyr.items() if k != "phase_attributes"} == {
        k: v for k, v in reference.items() if k != "phase_attributes"
    }


@pytest.mark.current_reference  # FastAPI 0.162.5 (the newest on Python 3.10) flattens app.routes
def test_instrumentations_and_pagination_reach_the_routes_of_included_routers(
    outcomes: dict[str, tuple[Any, Any]],
) -> None:
    reference, zephyr = outcomes["routers"]
    assert zephyr["answers"] == [
        {"item_id": 7},
        {"late": 3},
        {"items": [3, 4, 5], "total": 10, "page": 2, "size": 3, "pages": 4},
    ]
    assert zephyr["routes"] == ["_IncludedRouter", "APIRoute"]  # the inclusion, then Prometheus' /metrics
    assert ["GET /api/v1/items/late/{n}", "/api/v1/items/late/{n}"] in zephyr["spans"]
    assert (
        'http_requests_total{handler="/api/v1/items/{item_id}",method="GET",status="2xx"} 1.0' in zephyr["metric_lines"]
    )
    assert zephyr["page_parameters"] == ["page", "size"]
    assert zephyr == reference
