from __future__ import annotations

import logging
from typing import Any

import pytest

from tests.stores.support import FakeClock
from tests.support.services import free_port
from zephyr.applications import FastAPI
from zephyr.param_functions import Depends
from zephyr.ratelimit import RateLimiter, RateLimitMiddleware, api_key, limit
from zephyr.routing import APIRouter
from zephyr.stores import MemoryStore, RedisStore
from zephyr.testclient import TestClient
from zephyr.websockets import WebSocket, WebSocketDisconnect


def statuses(client: TestClient, path: str, count: int, **kwargs: Any) -> list[int]:
    return [client.get(path, **kwargs).status_code for _ in range(count)]


def test_dependency_sets_headers_and_denies_with_429() -> None:
    app = FastAPI()
    # a frozen clock: the headers below must not depend on how fast the machine runs the three requests
    store = MemoryStore(clock=FakeClock())

    @app.get("/items", dependencies=[Depends(RateLimiter("2/minute", store=store))])
    async def items() -> list[int]:
        return [1]

    with TestClient(app) as client:
        first = client.get("/items")
        client.get("/items")
        denied = client.get("/items")
    assert (first.status_code, first.json()) == (200, [1])
    assert first.headers["ratelimit-limit"] == "2"
    assert first.headers["ratelimit-remaining"] == "1"
    assert first.headers["ratelimit-reset"] == "60"
    assert first.headers["ratelimit-policy"] == "2;w=60"
    assert denied.status_code == 429
    assert denied.json() == {"detail": "Rate limit exceeded: 2/minute. Retry after 60 seconds."}
    assert denied.headers["retry-after"] == "60"
    assert denied.headers["ratelimit-remaining"] == "0"


def test_dependency_reset_header_is_the_window_on_a_fresh_window_issue_12() -> None:
    app = FastAPI()
    store = MemoryStore(clock=lambda: 492.2360897108219)  # start + 60 - now was 60.00000000000006 here

    @app.get("/items", dependencies=[Depends(RateLimiter("2/minute", store=store))])
    async def items() -> list[int]:
        return [1]

    with TestClient(app) as client:
        response = client.get("/items")
    assert response.headers["ratelimit-reset"] == "60"


def test_limit_decorator_above_and_below_the_route_decorator() -> None:
    app = FastAPI()

    @limit("1/minute")
    @app.get("/above")
    async def above() -> dict[str, str]:
        return {"where": "above"}

    @app.get("/below")
    @limit("2/minute")
    async def below() -> dict[str, str]:
        return {"where": "below"}

    with TestClient(app) as client:
        assert statuses(client, "/above", 2) == [200, 429]
        assert statuses(client, "/below", 3) == [200, 200, 429]


def test_stacked_limits_report_the_most_restrictive() -> None:
    app = FastAPI()

    @app.get("/x")
    @limit("5/minute")
    @limit("2/second")
    async def x() -> int:
        return 1

    with TestClient(app) as client:
        first = client.get("/x")
        client.get("/x")
        third = client.get("/x")
    assert first.headers.get_list("ratelimit-limit") == ["2"]
    assert first.headers["ratelimit-remaining"] == "1"
    assert third.status_code == 429
    assert third.json() == {"detail": "Rate limit exceeded: 2/second. Retry after 1 second."}


def test_router_dependency_counts_each_route_or_shares_one_budget() -> None:
    app = FastAPI()
    per_route = APIRouter(prefix="/per", dependencies=[Depends(RateLimiter("1/minute"))])
    shared = APIRouter(prefix="/shared", dependencies=[Depends(RateLimiter("1/minute", per_route=False, name="s"))])
    for router in (per_route, shared):

        @router.get("/a")
        async def a() -> str:
            return "a"

        @router.get("/b")
        async def b() -> str:
            return "b"

        app.include_router(router)

    with TestClient(app) as client:
        assert statuses(client, "/per/a", 2) + statuses(client, "/per/b", 1) == [200, 429, 200]
        assert statuses(client, "/shared/a", 1) + statuses(client, "/shared/b", 1) == [200, 429]


def test_api_key_limits_each_key_separately() -> None:
    app = FastAPI()

    @app.get("/", dependencies=[Depends(RateLimiter("1/minute", key=api_key()))])
    async def root() -> str:
        return "ok"

    with TestClient(app) as client:
        assert statuses(client, "/", 2, headers={"X-API-Key": "one"}) == [200, 429]
        assert statuses(client, "/", 1, headers={"X-API-Key": "two"}) == [200]


def test_middleware_and_route_limits_together_report_the_tighter_one() -> None:
    app = FastAPI()
    app.add_middleware(RateLimitMiddleware, rate="100/minute")

    @app.get("/tight")
    @limit("3/minute")
    async def tight() -> str:
        return "ok"

    @app.get("/loose")
    async def loose() -> str:
        return "ok"

    with TestClient(app) as client:
        tight_response = client.get("/tight")
        loose_response = client.get("/loose")
    assert tight_response.headers.get_list("ratelimit-limit") == ["3"]
    assert tight_response.headers.get_list("ratelimit-remaining") == ["2"]
    assert loose_response.headers.get_list("ratelimit-limit") == ["100"]
    assert loose_response.headers.get_list("ratelimit-remaining") == ["98"]


@pytest.mark.parametrize(("policy", "expected"), [("allow", 200), ("deny", 503)])
def test_store_failure_never_gives_a_500(policy: Any, expected: int, caplog: pytest.LogCaptureFixture) -> None:
    store = RedisStore(f"redis://127.0.0.1:{free_port()}/0", timeout=0.5)
    app = FastAPI()

    @app.get("/", dependencies=[Depends(RateLimiter("1/minute", store=store, on_store_error=policy))])
    async def root() -> str:
        return "ok"

    with caplog.at_level(logging.WARNING), TestClient(app) as client:
        responses = [client.get("/") for _ in range(3)]
        assert client.portal is not None
        client.portal.call(store.close)
    assert [r.status_code for r in responses] == [expected] * 3
    assert "ratelimit-limit" not in responses[0].headers
    if expected == 503:
        assert responses[0].json() == {"detail": "Rate limiting is unavailable right now. Retry after 1 second."}
        assert responses[0].headers["retry-after"] == "1"
    # one line, from the store's breaker; the limiter does not repeat it
    assert [(r.name, r.getMessage().startswith(f"{store!r} failed (ConnectionError")) for r in caplog.records] == [
        ("zephyr.stores", True)
    ]


def test_hit_returns_the_decision_without_raising() -> None:
    limiter = RateLimiter("1/minute", store=MemoryStore())
    app = FastAPI()
    seen: list[bool] = []

    @app.get("/")
    async def root(request: Any = None) -> str:
        return "ok"

    class Conn:
        scope = {"client": ("1.1.1.1", 1), "headers": [], "path": "/"}

    async def check() -> None:
        for _ in range(2):
            result = await limiter.hit(Conn())
            assert result is not None
            seen.append(result.allowed)

    with TestClient(app) as client:
        assert client.portal is not None
        client.portal.call(check)
    assert seen == [True, False]
    assert repr(limiter) == "RateLimiter('1/minute', name='1/minute')"
    assert isinstance(limiter.store, MemoryStore)


def test_limit_documents_429_in_openapi() -> None:
    app = FastAPI()

    @app.get("/x")
    @limit("1/minute")
    async def x() -> int:
        return 1

    responses = app.openapi()["paths"]["/x"]["get"]["responses"]
    assert set(responses) >= {"200", "429"}
    assert responses["429"]["description"].startswith("Too Many Requests")
    assert "Retry-After" in responses["429"]["headers"]


def test_websocket_routes_are_counted_and_refused_with_1008() -> None:
    app = FastAPI()
    router = APIRouter(dependencies=[Depends(RateLimiter("1/minute"))])

    @router.websocket("/ws")
    async def ws(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text("hello")
        await websocket.close()

    app.include_router(router)
    with TestClient(app) as client:
        with client.websocket_connect("/ws") as connection:
            assert connection.receive_text() == "hello"
        with pytest.raises(WebSocketDisconnect) as refused, client.websocket_connect("/ws"):
            pass
    assert refused.value.code == 1008
    assert refused.value.reason == "Rate limit exceeded: 1/minute. Retry after 60 seconds."


def test_fastapi_limiter_style_arguments() -> None:
    assert RateLimiter(times=2, seconds=5).rate == (2, 5.0)
    assert RateLimiter(times=3, minutes=1, milliseconds=500).rate == (3, 60.5)
    assert str(RateLimiter(times=10, hours=1).rate) == "10/hour"
    with pytest.raises(ValueError, match=r"Give either a rate \('1/second'\) or times=/seconds=\.\.\., not both"):
        RateLimiter("1/second", times=1, seconds=1)
    with pytest.raises(ValueError, match=r"RateLimiter needs a rate, such as RateLimiter\('5/second'\)"):
        RateLimiter()
    with pytest.raises(ValueError, match="the limit must be at least 1 and the period positive"):
        RateLimiter(times=1)
