from __future__ import annotations

import httpx
import pytest

import zephyr.middleware.ratelimit as module
from zephyr.middleware.ratelimit import RateLimitMiddleware
from zephyr.ratelimit import middleware as implementation
from zephyr.stores import MemoryStore
from zephyr.types import Receive, Scope, Send


def test_module_re_exports_the_middleware() -> None:
    assert RateLimitMiddleware is implementation.RateLimitMiddleware
    assert module.__all__ == ("RateLimitMiddleware",)


async def ok(scope: Scope, receive: Receive, send: Send) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


@pytest.mark.anyio
async def test_limits_a_bare_asgi_app() -> None:
    app = RateLimitMiddleware(ok, rate="2/minute", store=MemoryStore())
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        codes = [(await client.get("/")).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
