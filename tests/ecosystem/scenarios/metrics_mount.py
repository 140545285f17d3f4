"""prometheus-client and starlette-prometheus: ``make_asgi_app()`` mounted on ``/metrics``, ``PrometheusMiddleware``."""

import json

from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY, Counter, make_asgi_app
from starlette_prometheus import PrometheusMiddleware, metrics

orders = Counter("h11e_orders", "Orders taken, by kind", ["kind"])
app = FastAPI()
app.add_middleware(PrometheusMiddleware)
app.mount("/metrics", make_asgi_app())
app.add_route("/prometheus", metrics)


@app.post("/orders/{kind}")
def order(kind: str, quantity: int = 1) -> dict[str, object]:
    orders.labels(kind=kind).inc(quantity)
    return {"kind": kind, "quantity": quantity}


def lines(text: str, *prefixes: str) -> list[str]:
    return sorted(line for line in text.splitlines() if line.startswith(prefixes))


with TestClient(app) as client:
    answers = [
        client.post("/orders/tea", params={"quantity": 2}).status_code,
        client.post("/orders/tea").status_code,
        client.post("/orders/cake", params={"quantity": "x"}).status_code,
        client.get("/nope").status_code,
    ]
    mounted = client.get("/metrics/")
    redirect = client.get("/metrics", follow_redirects=False)
    exported = client.get("/prometheus")
REGISTRY.unregister(orders)
print(
    json.dumps(
        {
            "answers": answers,
            "mounted": [mounted.status_code, mounted.headers["content-type"], lines(mounted.text, "h11e_orders_total")],
            "redirect": [redirect.status_code, redirect.headers.get("location")],
            "requests": lines(exported.text, "starlette_requests_total", "starlette_responses_total"),
            "same_registry": lines(exported.text, "h11e_orders_total") == lines(mounted.text, "h11e_orders_total"),
        }
    )
)
