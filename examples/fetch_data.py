"""Three upstream APIs called concurrently with httpx: the answer takes as long as the slowest, not the sum.

``GET /fetch-data`` calls every upstream at once (``asyncio.gather``) through one ``httpx.AsyncClient`` opened in the
lifespan (its connection pool is shared by all requests) and answers::

    {"data": {"users": {...}, "orders": {...}, "stock": {...}}, "errors": {}, "elapsed_ms": 412.3}

An upstream that fails (an error status, invalid JSON, a refused connection, no answer within ``UPSTREAM_TIMEOUT``
seconds) is listed under ``errors`` with what happened, and the others are still answered (200); when every upstream
fails the answer is 502 with the same body.

Settings from the environment (pydantic-settings): ``UPSTREAMS``, a JSON object of name to URL, and
``UPSTREAM_TIMEOUT`` (seconds, default 2). By default the upstreams are this app's own ``/upstream/{name}`` demo
endpoints, which answer after ``delay`` seconds, so the example runs on its own.

Run it: ``zephyr run examples.fetch_data:app``, then ``curl localhost:8000/fetch-data`` (about 0.5 s: the slowest
demo upstream, not the 1.2 s sum).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from pydantic import BaseModel
from pydantic_settings import BaseSettings

from zephyr import FastAPI, Query, Request
from zephyr.responses import JSONResponse

__all__ = ("FetchResult", "Settings", "app", "create_app", "fetch_one")

DEMO = "http://127.0.0.1:8000/upstream"


class Settings(BaseSettings):
    """Read from environment variables of the same names (case-insensitive)."""

    upstreams: dict[str, str] = {
        "users": f"{DEMO}/users?delay=0.3",
        "orders": f"{DEMO}/orders?delay=0.4",
        "stock": f"{DEMO}/stock?delay=0.5",
    }
    upstream_timeout: float = 2.0


class FetchResult(BaseModel):
    """The answer of ``/fetch-data``."""

    data: dict[str, Any]
    errors: dict[str, str]
    elapsed_ms: float


async def fetch_one(client: httpx.AsyncClient, url: str) -> Any:
    """GET ``url`` and decode its JSON.

    Raises:
        RuntimeError: The upstream failed; the message says how, in words fit for the API's answer.
    """
    try:
        response = await client.get(url)
    except httpx.TimeoutException:
        raise RuntimeError("no answer in time") from None
    except httpx.HTTPError as exc:
        raise RuntimeError(f"unreachable ({type(exc).__name__})") from None
    if response.status_code != 200:
        raise RuntimeError(f"answered {response.status_code}")
    try:
        return response.json()
    except ValueError:
        raise RuntimeError("answered invalid JSON") from None


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; ``settings`` default to the environment's."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with httpx.AsyncClient(timeout=settings.upstream_timeout) as client:
            app.state.http = client
            yield

    app = FastAPI(title="Concurrent upstream calls", lifespan=lifespan)

    @app.get("/fetch-data", response_model=FetchResult, responses={502: {"model": FetchResult}})
    async def fetch_data(request: Request) -> Any:
        """Call every upstream concurrently; 502 when all of them failed."""
        started = time.perf_counter()
        names = list(settings.upstreams)
        outcomes = await asyncio.gather(
            *(fetch_one(request.app.state.http, settings.upstreams[name]) for name in names), return_exceptions=True
        )
        result = FetchResult(data={}, errors={}, elapsed_ms=0.0)
        for name, outcome in zip(names, outcomes, strict=True):
            if isinstance(outcome, RuntimeError):
                result.errors[name] = str(outcome)
            elif isinstance(outcome, BaseException):
                raise outcome  # a bug, not an upstream failure: let it be a 500 with its traceback in the log
            else:
                result.data[name] = outcome
        result.elapsed_ms = round((time.perf_counter() - started) * 1000, 1)
        if names and not result.data:
            return JSONResponse(result.model_dump(), status_code=502)
        return result

    @app.get("/upstream/{name}", tags=["demo"])
    async def upstream(name: str, delay: float = Query(default=0.0, ge=0, le=10)) -> dict[str, Any]:
        """A demo upstream: answers after ``delay`` seconds."""
        await asyncio.sleep(delay)
        return {"name": name, "delay": delay}

    return app


app = create_app()
