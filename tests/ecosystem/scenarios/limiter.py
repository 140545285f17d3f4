"""fastapi-limiter: ``Depends(RateLimiter(limiter=Limiter(Rate(...))))`` on routes, in memory and on Redis
(pyrate-limiter's ``RedisBucket`` on 127.0.0.1:6379, under a key of this process only)."""

import json
import os
import time
from typing import Any

import redis
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient
from fastapi_limiter.depends import RateLimiter
from pyrate_limiter import Duration, Limiter, Rate
from pyrate_limiter.buckets.redis_bucket import RedisBucket

connection = redis.Redis(host="127.0.0.1", port=6379, socket_timeout=5)
KEY = f"h11e-limiter-{os.getpid()}-{time.time_ns()}"
memory = RateLimiter(limiter=Limiter(Rate(2, Duration.SECOND * 30)))
shared = RateLimiter(limiter=Limiter(RedisBucket.init([Rate(1, Duration.MINUTE)], connection, KEY)))

app = FastAPI()


@app.get("/", dependencies=[Depends(memory)])
async def index() -> dict[str, str]:
    return {"msg": "Hello World"}


@app.get("/shared", dependencies=[Depends(shared)])
def shared_route() -> dict[str, bool]:
    return {"shared": True}


def view(r: Any) -> list[Any]:
    return [r.status_code, r.json()]


try:
    with TestClient(app) as client:
        index_answers = [view(client.get("/")) for _ in range(3)]
        other_client = view(client.get("/", headers={"X-Forwarded-For": "10.0.0.9"}))
        shared_answers = [view(client.get("/shared")) for _ in range(2)]
    stored = connection.exists(KEY) == 1
finally:
    connection.delete(KEY)
    connection.close()
print(json.dumps({"index": index_answers, "other_client": other_client, "shared": shared_answers, "stored": stored}))
