"""An app whose order creation is idempotent through Redis; executions are counted in Redis, across workers."""

from __future__ import annotations

import asyncio
import os
from typing import Any

from pydantic import BaseModel

from zephyr import Depends, FastAPI, Response
from zephyr.idempotency import Idempotency
from zephyr.stores.redis import RedisStore

REDIS_URL = os.environ.get("IDEM_REDIS_URL", "redis://127.0.0.1:6379/0")
PREFIX = os.environ.get("IDEM_PREFIX", "zephyr-test-idem:")

store = RedisStore(REDIS_URL, prefix=PREFIX)
idempotency = Idempotency(store, expire=60, wait=float(os.environ.get("IDEM_WAIT", "10")))
app = FastAPI(dependencies=[Depends(idempotency)])


class Order(BaseModel):
    item: str
    quantity: int


@app.post("/orders", status_code=201)
async def create_order(order: Order, response: Response) -> dict[str, Any]:
    """Count the execution in Redis, then take a while, so that duplicates arrive while it runs."""
    executions = await store.client.incr(f"{PREFIX}executions")
    response.headers["X-Order-Id"] = f"order-{executions}"
    await asyncio.sleep(float(os.environ.get("IDEM_WORK_SECONDS", "0.5")))
    return {"id": executions, "item": order.item, "quantity": order.quantity, "pid": os.getpid()}
