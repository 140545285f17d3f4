"""rollbar: ``add_to(app)`` (its ``RollbarLoggingRoute``) reporting endpoint errors with their request; nothing sent.

``rollbar.init(..., handler="blocking")`` and the payloads caught at ``rollbar._send_payload`` (no network).
"""

import json
from typing import Any

import rollbar
from fastapi import FastAPI
from fastapi.testclient import TestClient
from rollbar.contrib.fastapi import add_to as rollbar_add_to

sent: list[dict[str, Any]] = []
rollbar.init("access-token", environment="test", handler="blocking", allow_logging_basic_config=False)
rollbar._send_payload = lambda payload, access_token: sent.append(json.loads(payload))

app = FastAPI()
route_class = rollbar_add_to(app)


@app.get("/boom/{item_id}")
async def boom(item_id: int, q: str = "none") -> None:
    raise ValueError(f"boom {item_id}")


@app.post("/orders")
async def order(payload: dict[str, int]) -> None:
    raise KeyError("stock")


@app.get("/fine")
def fine() -> dict[str, bool]:
    return {"fine": True}


with TestClient(app, raise_server_exceptions=False) as client:
    answers = [
        client.get("/boom/3", params={"q": "x"}).status_code,
        client.post("/orders", json={"apples": 2}).status_code,
        client.get("/fine").status_code,
        client.get("/boom/nope").status_code,
    ]


def summary(payload: dict[str, Any]) -> list[Any]:
    data = payload["data"]
    exception = data["body"]["trace"]["exception"]
    request = data.get("request", {})
    return [exception["class"], exception["message"], request.get("url"), request.get("method"), request.get("GET")]


rollbar.SETTINGS["enabled"] = False  # the scenarios after this one run in the same process
print(
    json.dumps(
        {
            "route_class": route_class.__name__ if route_class else None,
            "answers": answers,
            "reports": [summary(payload) for payload in sent],
            "routes": [getattr(route, "path", None) for route in app.routes],
        }
    )
)
