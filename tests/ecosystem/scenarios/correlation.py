"""asgi-correlation-id: ``CorrelationIdMiddleware`` and its log filter; starlette-context: ``ContextMiddleware``."""

import json
import logging
from typing import Any

from asgi_correlation_id import CorrelationIdFilter, CorrelationIdMiddleware, correlation_id
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette_context import context, plugins
from starlette_context.middleware import ContextMiddleware

records: list[str] = []


class Collect(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        records.append(f"[{getattr(record, 'correlation_id', '?')}] {record.getMessage()}")


logger = logging.getLogger("h11e.correlation")
logger.setLevel(logging.INFO)
handler = Collect()
handler.addFilter(CorrelationIdFilter(uuid_length=32))
logger.addHandler(handler)

app = FastAPI()
app.add_middleware(
    ContextMiddleware, plugins=(plugins.RequestIdPlugin(), plugins.UserAgentPlugin(), plugins.ForwardedForPlugin())
)
app.add_middleware(CorrelationIdMiddleware, header_name="X-Correlation-ID")


@app.get("/orders/{order_id}")
async def read_order(order_id: int) -> dict[str, Any]:
    logger.info("reading order %s", order_id)
    return {"order_id": order_id, "correlation_id": correlation_id.get(), "context": dict(context)}


@app.get("/fail")
def fail() -> None:
    raise RuntimeError("database down")


GIVEN = "a1b2c3d4e5f60718293a4b5c6d7e8f90"
with TestClient(app, raise_server_exceptions=False) as client:
    echoed = client.get(
        "/orders/3",
        headers={
            "X-Correlation-ID": GIVEN,
            "X-Request-ID": "0f0e0d0c0b0a09080706050403020100",
            "X-Forwarded-For": "10.0.0.1",
            "User-Agent": "t",
        },
    )
    fresh = client.get("/orders/4", headers={"User-Agent": "t"})
    invalid = client.get("/orders/5", headers={"X-Correlation-ID": "not a uuid!"})
    failed = client.get("/fail", headers={"X-Correlation-ID": GIVEN})

generated = fresh.headers.get("x-correlation-id", "")
print(
    json.dumps(
        {
            "echoed": [
                echoed.status_code,
                echoed.headers.get("x-correlation-id"),
                echoed.headers.get("x-request-id"),
                echoed.json(),
            ],
            "fresh": [
                fresh.status_code,
                len(generated),
                fresh.json()["correlation_id"] == generated,
                len(fresh.json()["context"]["X-Request-ID"]),
            ],
            "invalid_replaced": len(invalid.headers.get("x-correlation-id", "")),
            "failed": [failed.status_code, failed.text],
            "records": [r.replace(generated, "<generated>") for r in records][:2],
        }
    )
)
