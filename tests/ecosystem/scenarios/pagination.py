"""fastapi-pagination: ``add_pagination(app)`` and an endpoint returning ``paginate(items)`` as ``Page[Item]``."""

import json

from fastapi import FastAPI
from fastapi.testclient import TestClient
from fastapi_pagination import Page, add_pagination, paginate
from pydantic import BaseModel


class Item(BaseModel):
    id: int
    name: str


app = FastAPI()
ITEMS = [Item(id=i, name=f"item {i}") for i in range(1, 24)]


@app.get("/items")
def list_items() -> Page[Item]:
    page: Page[Item] = paginate(ITEMS)
    return page


add_pagination(app)

with TestClient(app) as client:
    first = client.get("/items", params={"page": 1, "size": 5})
    last = client.get("/items", params={"page": 5, "size": 5})
    invalid = client.get("/items", params={"page": 0})
    schema = client.get("/openapi.json").json()
params = sorted(p["name"] for p in schema["paths"]["/items"]["get"].get("parameters", []))
print(
    json.dumps(
        {
            "first": [first.status_code, first.json()],
            "last": last.json(),
            "invalid": invalid.status_code,
            "params": params,
        }
    )
)
