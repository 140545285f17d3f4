"""fastapi-mcp: ``FastApiMCP(app).mount_http()``, listing the tools made from the OpenAPI document and calling one
(an MCP client session over the streamable HTTP transport, through the test client)."""

import json
import logging
from typing import Any

from fastapi import FastAPI, HTTPException
from fastapi.testclient import TestClient
from fastapi_mcp import FastApiMCP
from pydantic import BaseModel

app = FastAPI(title="Inventory")


class Item(BaseModel):
    id: int
    name: str
    price: float


ITEMS = {1: Item(id=1, name="hammer", price=12.5), 2: Item(id=2, name="nails", price=3.0)}


@app.get("/items/{item_id}", operation_id="get_item", response_model=Item)
async def get_item(item_id: int) -> Item:
    """Get one item by its id."""
    if item_id not in ITEMS:
        raise HTTPException(status_code=404, detail="Item not found")
    return ITEMS[item_id]


@app.get("/items", operation_id="list_items")
def list_items(max_price: float | None = None) -> list[Item]:
    """List the items, the cheap ones only if asked."""
    return [item for item in ITEMS.values() if max_price is None or item.price <= max_price]


logging.getLogger("fastapi_mcp").setLevel(logging.CRITICAL)  # a failing tool call is logged with its traceback
mcp = FastApiMCP(app, name="Inventory MCP")
mcp.mount_http()

HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}


def rpc(client: TestClient, session: dict[str, str], number: int, method: str, params: dict[str, Any]) -> Any:
    message = {"jsonrpc": "2.0", "id": number, "method": method, "params": params}
    r = client.post("/mcp", json=message, headers={**HEADERS, **session})
    return r.status_code, r.json()


with TestClient(app) as client:
    init = client.post(
        "/mcp",
        json={
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {
                "protocolVersion": "2025-06-18",
                "capabilities": {},
                "clientInfo": {"name": "h11e", "version": "1"},
            },
        },
        headers=HEADERS,
    )
    session = {"mcp-session-id": init.headers.get("mcp-session-id", "")}
    client.post("/mcp", json={"jsonrpc": "2.0", "method": "notifications/initialized"}, headers={**HEADERS, **session})
    tools = rpc(client, session, 2, "tools/list", {})
    found = rpc(client, session, 3, "tools/call", {"name": "get_item", "arguments": {"item_id": 1}})
    cheap = rpc(client, session, 4, "tools/call", {"name": "list_items", "arguments": {"max_price": 5}})
    missing = rpc(client, session, 5, "tools/call", {"name": "get_item", "arguments": {"item_id": 9}})


def texts(answer: Any) -> Any:
    status, body = answer
    result = body["result"]
    contents = [json.loads(c["text"]) if c["text"][:1] in "{[" else c["text"] for c in result["content"]]
    return [status, bool(result.get("isError")), contents]


print(
    json.dumps(
        {
            "init": [init.status_code, init.json()["result"]["serverInfo"]["name"], bool(session["mcp-session-id"])],
            "tools": sorted(
                (t["name"], t["description"].splitlines()[0], sorted(t["inputSchema"].get("properties", {})))
                for t in tools[1]["result"]["tools"]
            ),
            "found": texts(found),
            "cheap": texts(cheap),
            "missing": texts(missing),
        }
    )
)
