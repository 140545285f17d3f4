"""fastapi-cache2: ``FastAPICache.init(InMemoryBackend())`` and ``@cache(expire=60)`` on an endpoint."""

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from fastapi_cache import FastAPICache
from fastapi_cache.backends.inmemory import InMemoryBackend
from fastapi_cache.decorator import cache

calls: list[int] = []


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    FastAPICache.init(InMemoryBackend(), prefix="h11a-cache")
    yield


app = FastAPI(lifespan=lifespan)


@app.get("/square/{n}")
@cache(expire=60)
async def square(n: int) -> dict[str, int]:
    calls.append(n)
    return {"n": n, "square": n * n}


with TestClient(app) as client:
    miss = client.get("/square/4")
    hit = client.get("/square/4")
    etag = hit.headers["etag"]
    not_modified = client.get("/square/4", headers={"If-None-Match": etag})
    other = client.get("/square/5")


def view(r: Any) -> list[Any]:
    # A hit's max-age is the entry's remaining time to live: a second may pass on a slow machine.
    control = r.headers.get("cache-control", "")
    seconds = int(control.removeprefix("max-age=")) if control.startswith("max-age=") else -1
    age = "max-age=60" if 50 <= seconds <= 60 else control
    return [r.status_code, r.text, r.headers.get("x-fastapi-cache"), age]


print(
    json.dumps(
        {
            "miss": view(miss),
            "hit": view(hit),
            "not_modified": not_modified.status_code,
            "other": view(other),
            "calls": calls,
            "etag_same": miss.headers["etag"] == etag,
        }
    )
)
