"""Idempotency-Key on one process (MemoryStore): replay, refusal, pass-through, failures not stored, OpenAPI."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel

from zephyr import APIRouter, Depends, FastAPI, HTTPException
from zephyr.idempotency import Idempotency
from zephyr.stores.memory import MemoryStore
from zephyr.testclient import TestClient


class Order(BaseModel):
    item: str


def make(**options: object) -> tuple[FastAPI, list[str]]:
    runs: list[str] = []
    idempotency = Idempotency(**options)  # type: ignore[arg-type]
    app = FastAPI()

    @app.post("/orders", status_code=201, dependencies=[Depends(idempotency)])
    def create(order: Order) -> dict[str, object]:
        runs.append(order.item)
        if order.item == "boom":
            raise HTTPException(503, "down")
        return {"n": len(runs), "item": order.item}

    router = APIRouter(prefix="/r", dependencies=[Depends(idempotency)])

    @router.get("/read")
    def read() -> dict[str, int]:
        runs.append("read")
        return {"n": len(runs)}

    app.include_router(router)
    return app, runs


def test_retry_with_the_same_key_and_body_is_replayed() -> None:
    app, runs = make()
    client = TestClient(app)
    first = client.post("/orders", json={"item": "a"}, headers={"Idempotency-Key": "k"})
    again = client.post("/orders", json={"item": "a"}, headers={"Idempotency-Key": "k"})
    assert (first.status_code, first.json()) == (201, {"n": 1, "item": "a"})
    assert (again.status_code, again.json()) == (201, {"n": 1, "item": "a"})
    assert "idempotent-replayed" not in first.headers
    assert again.headers["idempotent-replayed"] == "true"
    assert again.headers["content-type"] == "application/json"
    assert runs == ["a"]
    other = client.post("/orders", json={"item": "b"}, headers={"Idempotency-Key": "k"})
    assert other.status_code == 422
    assert other.json() == {
        "detail": "The Idempotency-Key 'k' was already used for a different request; use a new key for a new request"
    }
    no_key = client.post("/orders", json={"item": "a"})
    assert no_key.status_code == 201 and runs == ["a", "a"]
    assert client.get("/r/read", headers={"Idempotency-Key": "k"}).json() == {"n": 3}
    assert client.get("/r/read", headers={"Idempotency-Key": "k"}).json() == {"n": 4}  # GET is not covered


def test_failures_are_not_stored_and_a_missing_key_can_be_required() -> None:
    app, runs = make(required=True)
    client = TestClient(app)
    for _ in range(2):
        response = client.post("/orders", json={"item": "boom"}, headers={"Idempotency-Key": "f"})
        assert (response.status_code, response.json()) == (503, {"detail": "down"})
    assert runs == ["boom", "boom"]
    missing = client.post("/orders", json={"item": "a"})
    assert (missing.status_code, missing.json()) == (
        400,
        {"detail": "This POST request needs an Idempotency-Key header"},
    )


def test_openapi_documents_the_header_and_the_409_and_422_answers() -> None:
    app, _ = make()
    operation = app.openapi()["paths"]["/orders"]["post"]
    [header] = operation["parameters"]
    assert (header["name"], header["in"], header["required"]) == ("Idempotency-Key", "header", False)
    assert operation["responses"]["409"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/IdempotencyError"
    }
    assert operation["responses"]["422"]["content"]["application/json"]["schema"]["anyOf"] == [
        {"$ref": "#/components/schemas/HTTPValidationError"},
        {"$ref": "#/components/schemas/IdempotencyError"},
    ]


def test_bad_options_are_refused() -> None:
    with pytest.raises(ValueError, match="expire and lock_timeout must be > 0"):
        Idempotency(expire=0)


class _BrokenStore(MemoryStore):
    async def get(self, key: str) -> bytes | None:
        raise ConnectionError("store down")


def test_a_failing_store_refuses_with_503_rather_than_risk_a_second_run(caplog: pytest.LogCaptureFixture) -> None:
    app, runs = make(store=_BrokenStore())
    response = TestClient(app).post("/orders", json={"item": "a"}, headers={"Idempotency-Key": "k"})
    assert response.status_code == 503
    assert response.headers["retry-after"] == "1"
    assert response.json() == {
        "detail": "The idempotency store is unavailable, so this request was not run; retry it with the same key"
    }
    assert runs == []
    assert "The idempotency store failed" in caplog.text


def test_a_retry_while_the_first_runs_waits_for_its_response() -> None:
    import threading

    runs: list[int] = []
    started, release = threading.Event(), threading.Event()
    app = FastAPI()

    @app.post("/slow", dependencies=[Depends(Idempotency(wait=10))])
    def slow() -> dict[str, int]:
        runs.append(1)
        started.set()
        release.wait(10)
        return {"runs": len(runs)}

    client = TestClient(app)
    results: list[Any] = []
    first = threading.Thread(target=lambda: results.append(client.post("/slow", headers={"Idempotency-Key": "w"})))
    first.start()
    assert started.wait(10)
    second = threading.Thread(target=lambda: results.append(client.post("/slow", headers={"Idempotency-Key": "w"})))
    second.start()
    release.set()
    first.join(10)
    second.join(10)
    assert runs == [1]
    assert sorted(r.headers.get("idempotent-replayed", "") for r in results) == ["", "true"]
    assert all(r.json() == {"runs": 1} for r in results)
