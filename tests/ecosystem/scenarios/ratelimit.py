"""slowapi: a ``Limiter`` on ``app.state``, its 429 handler, ``@limiter.limit`` on routes and ``SlowAPIMiddleware``."""

import json
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.testclient import TestClient
from slowapi import Limiter, _rate_limit_exceeded_handler
from slowapi.errors import RateLimitExceeded
from slowapi.middleware import SlowAPIMiddleware
from slowapi.util import get_remote_address

limiter = Limiter(key_func=get_remote_address, headers_enabled=True, default_limits=["3/minute"])
app = FastAPI()
app.state.limiter = limiter
app.add_exception_handler(RateLimitExceeded, _rate_limit_exceeded_handler)  # type: ignore[arg-type]
app.add_middleware(SlowAPIMiddleware)


@app.get("/home")
@limiter.limit("2/minute")
async def home(request: Request, response: Response) -> dict[str, str]:
    return {"page": "home"}


@app.get("/text")
@limiter.limit("1/minute")
def text(request: Request) -> Response:
    return Response("plain", media_type="text/plain")


@app.get("/open")
async def open_route() -> dict[str, bool]:
    return {"open": True}


def view(r: Any) -> list[Any]:
    limit = {k: r.headers[k] for k in ("x-ratelimit-limit", "x-ratelimit-remaining") if k in r.headers}
    return [r.status_code, r.text, limit, "retry-after" in r.headers]


with TestClient(app) as client:
    home = [view(client.get("/home")) for _ in range(3)]
    texts = [view(client.get("/text")) for _ in range(2)]
    opened = [view(client.get("/open")) for _ in range(4)]
print(json.dumps({"home": home, "text": texts, "open": opened}))
