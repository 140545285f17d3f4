"""Every Redis-backed battery on one ``RedisStore``, for the burst and fault tests (``test_redis_*.py``).

Configured by the environment: ``REDIS_URL``, ``PREFIX`` (the test's own key prefix), ``LIMIT`` (requests per day
on each ``/limited/<algorithm>`` route), ``ON_STORE_ERROR`` (rate limits: ``allow``/``deny``),
``SESSION_ON_STORE_ERROR`` (``deny``/``empty``), the store's ``TIMEOUT``, ``MAX_CONNECTIONS``, ``POOL_TIMEOUT``,
``RETRY_INTERVAL`` and ``MAX_RETRY_INTERVAL``, ``COMPUTE_DELAY`` (seconds ``/cached`` takes), ``COMPUTE_LOG`` (a
file that gets one line per computation of ``/cached``), ``LOG_FILE`` (where ``zephyr.*`` log lines go, with the
worker's pid) and ``READY_FILE`` (each worker appends its pid once it has started).

Every response carries ``X-Worker: <pid>``.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Literal

from zephyr import FastAPI, Request
from zephyr.caching import cache
from zephyr.middleware.sessions import SessionMiddleware
from zephyr.ratelimit import RateLimitMiddleware, limit
from zephyr.stores import RedisStore
from zephyr.types import ASGIApp, Message, Receive, Scope, Send

env = os.environ
LIMIT = int(env.get("LIMIT", "100"))
POLICY: Literal["allow", "deny"] = "deny" if env.get("ON_STORE_ERROR") == "deny" else "allow"
SESSION_POLICY: Literal["deny", "empty"] = "empty" if env.get("SESSION_ON_STORE_ERROR") == "empty" else "deny"
COMPUTE_DELAY = float(env.get("COMPUTE_DELAY", "0"))
PID = str(os.getpid()).encode()

store = RedisStore(
    env["REDIS_URL"],
    prefix=env["PREFIX"],
    timeout=float(env.get("TIMEOUT", "1.0")),
    max_connections=int(env.get("MAX_CONNECTIONS", "50")),
    pool_timeout=float(env.get("POOL_TIMEOUT", "5.0")),
    retry_interval=float(env.get("RETRY_INTERVAL", "1.0")),
    max_retry_interval=float(env.get("MAX_RETRY_INTERVAL", "10.0")),
)

if "LOG_FILE" in env:
    handler = logging.FileHandler(env["LOG_FILE"])
    handler.setFormatter(logging.Formatter("%(process)d %(levelname)s %(name)s %(message)s"))
    logging.getLogger("zephyr").addHandler(handler)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    if "READY_FILE" in env:
        with open(env["READY_FILE"], "a") as ready:
            ready.write(f"{os.getpid()}\n")
    yield
    await store.close()


app = FastAPI(lifespan=lifespan)


class WorkerHeader:
    """Add ``X-Worker: <pid>`` to every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_pid(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), (b"x-worker", PID)]
            await send(message)

        await self.app(scope, receive, send_with_pid)


app.add_middleware(
    RateLimitMiddleware,
    rate="1000000/day",
    store=store,
    on_store_error=POLICY,
    exclude_paths=["/health", "/cached", "/session"],
)
app.add_middleware(SessionMiddleware, secret_key="e2e-secret", store=store, on_store_error=SESSION_POLICY)
app.add_middleware(WorkerHeader)


@app.get("/limited/fixed")
@limit(f"{LIMIT}/day", store=store, algorithm="fixed-window", on_store_error=POLICY)
async def fixed() -> dict[str, bool]:
    return {"ok": True}


@app.get("/limited/sliding")
@limit(f"{LIMIT}/day", store=store, algorithm="sliding-window", on_store_error=POLICY)
async def sliding() -> dict[str, bool]:
    return {"ok": True}


@app.get("/limited/gcra")
@limit(f"{LIMIT}/day", store=store, algorithm="token-bucket", on_store_error=POLICY)
async def gcra() -> dict[str, bool]:
    return {"ok": True}


@app.get("/cached")
@cache(expire=60, store=store)
async def cached() -> dict[str, Any]:
    if COMPUTE_DELAY:
        await asyncio.sleep(COMPUTE_DELAY)
    if "COMPUTE_LOG" in env:
        with open(env["COMPUTE_LOG"], "a") as log:
            log.write(f"{os.getpid()}\n")
    return {"hello": "world"}


@app.get("/session/login")
async def login(request: Request, user: str) -> dict[str, str]:
    request.session["user"] = user
    return {"user": user}


@app.get("/session/me")
async def me(request: Request) -> dict[str, Any]:
    return {"user": request.session.get("user")}


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}
