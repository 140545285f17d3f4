"""starlette-exporter: ``PrometheusMiddleware`` with path grouping and ``handle_metrics`` on ``/metrics``."""

import json

from fastapi import APIRouter, FastAPI, HTTPException
from fastapi.testclient import TestClient
from starlette_exporter import PrometheusMiddleware, handle_metrics

app = FastAPI()
app.add_middleware(PrometheusMiddleware, app_name="h11e_shop", prefix="h11e", group_paths=True)
app.add_route("/metrics", handle_metrics)
router = APIRouter(prefix="/shop")


@router.get("/items/{item_id}")
async def read_item(item_id: int) -> dict[str, int]:
    if item_id == 0:
        raise HTTPException(status_code=404, detail="no item 0")
    return {"item_id": item_id}


@router.post("/items")
def create_item() -> dict[str, bool]:
    return {"created": True}


app.include_router(router)

with TestClient(app) as client:
    answers = [
        client.get("/shop/items/1").status_code,
        client.get("/shop/items/2").status_code,
        client.get("/shop/items/0").status_code,
        client.post("/shop/items").status_code,
        client.get("/nowhere").status_code,
    ]
    metrics = client.get("/metrics")
lines = sorted(
    line for line in metrics.text.splitlines() if line.startswith("h11e_requests_total{") and "h11e_shop" in line
)
print(
    json.dumps(
        {
            "answers": answers,
            "status": metrics.status_code,
            "type": metrics.headers["content-type"],
            "lines": lines,
            "histogram": any(
                line.startswith("h11e_request_duration_seconds_bucket{") for line in metrics.text.splitlines()
            ),
        }
    )
)
