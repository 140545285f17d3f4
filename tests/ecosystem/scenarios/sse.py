"""sse-starlette: an endpoint returning ``EventSourceResponse(generator)``."""

import json
from collections.abc import AsyncIterator

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sse_starlette.sse import EventSourceResponse

app = FastAPI()


@app.get("/events")
async def events(count: int = 3) -> EventSourceResponse:
    async def generate() -> AsyncIterator[dict[str, str]]:
        for i in range(count):
            yield {"event": "tick", "id": str(i), "data": json.dumps({"i": i})}

    return EventSourceResponse(generate(), ping=600)


with TestClient(app) as client, client.stream("GET", "/events", params={"count": 3}) as response:
    body = "".join(response.iter_text())
    status, ctype = response.status_code, response.headers["content-type"]
print(json.dumps({"status": status, "type": ctype, "body": body.replace("\r\n", "\n")}))
