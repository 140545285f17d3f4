"""asgi-lifespan: ``LifespanManager(app)`` runs the app's lifespan around an ``httpx.ASGITransport`` client."""

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
import httpx
from asgi_lifespan import LifespanManager
from fastapi import FastAPI, Request

events: list[str] = []


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[dict[str, object]]:
    events.append("startup")
    yield {"pool": ["connection"]}
    events.append("shutdown")


app = FastAPI(lifespan=lifespan)


@app.get("/pool")
def pool(request: Request) -> dict[str, object]:
    return {"pool": request.state.pool}


async def main() -> list[object]:
    async with LifespanManager(app) as manager:
        during = list(events)
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            response = await client.get("/pool")
    return [during, response.status_code, response.json()]


failing = FastAPI()


@failing.on_event("startup")
async def broken_startup() -> None:
    raise RuntimeError("no database")


async def fails() -> str:
    try:
        async with LifespanManager(failing):
            return "started"
    except RuntimeError as exc:
        return f"RuntimeError: {exc}"


print(json.dumps({"used": anyio.run(main), "events": events, "failing": anyio.run(fails)}))
