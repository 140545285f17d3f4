"""fastapi-jsonrpc: an ``API`` with an ``Entrypoint`` of methods; calls, batches, notifications, errors, documents.

The library builds its routes on FastAPI's internals (``APIRoute`` subclasses, hand-made ``Dependant`` trees whose
query parameters it moves into the body, ``solve_dependencies`` with each call's ``params`` as the body and a shared
dependency cache, ``serialize_response``), so this covers them as a library uses them.
"""

import json
import time
from typing import Any

import fastapi_jsonrpc as jsonrpc
from fastapi import Body, Depends, Header
from fastapi.testclient import TestClient
from pydantic import BaseModel

counts = {"shared": 0, "method_dep": 0}
notified: list[str] = []


class MyError(jsonrpc.BaseError):
    CODE = 5000
    MESSAGE = "My error"

    class DataModel(BaseModel):
        details: str


def shared(x_token: str = Header("none")) -> str:
    counts["shared"] += 1
    return x_token


def method_dep() -> None:
    counts["method_dep"] += 1


def get_user(user_id: int = Body(..., ge=1)) -> dict[str, int]:
    return {"id": user_id}


class Item(BaseModel):
    name: str
    price: float = 1.0


app = jsonrpc.API(title="RPC", version="1.0")
api = jsonrpc.Entrypoint("/rpc", dependencies=[Depends(shared)])


@api.method(errors=[MyError])
def echo(data: str = Body(..., examples=["123"])) -> str:
    if data == "error":
        raise MyError(data={"details": "it failed"})  # type: ignore[no-untyped-call]
    return data


@api.method(dependencies=[Depends(method_dep)], tags=["math"])
async def add(a: int, b: int = 2) -> int:
    return a + b


@api.method()
def whoami(user: dict[str, int] = Depends(get_user), token: str = Depends(shared)) -> dict[str, Any]:
    return {"user": user, "token": token}


@api.method()
def create(item: Item) -> Item:
    return item


@api.method()
def notify(msg: str) -> None:
    notified.append(msg)


app.bind_entrypoint(api)  # type: ignore[no-untyped-call]


def rpc(method: str, params: dict[str, Any] | None = None, id: int | None = 1) -> dict[str, Any]:
    call: dict[str, Any] = {"jsonrpc": "2.0", "method": method, "params": params or {}}
    if id is not None:
        call["id"] = id
    return call


with TestClient(app) as client:
    results: dict[str, Any] = {
        "ok": client.post("/rpc", json=rpc("echo", {"data": "hi"})).json(),
        "error_data": client.post("/rpc", json=rpc("echo", {"data": "error"})).json(),
        "invalid": client.post("/rpc", json=rpc("add", {"a": "x"})).json(),
        "query_in_body": client.post("/rpc", json=rpc("add", {"a": 40})).json(),
        "whoami": client.post("/rpc", json=rpc("whoami", {"user_id": 7}), headers={"x-token": "tok"}).json(),
        "model": client.post("/rpc", json=rpc("create", {"item": {"name": "n", "price": 2}})).json(),
        "not_found": client.post("/rpc", json=rpc("nope")).json(),
        "method_path": client.post("/rpc/add", json=rpc("add", {"a": 1})).json(),
    }
    notification = client.post("/rpc", json=rpc("notify", {"msg": "n1"}, id=None))
    results["notification"] = [notification.status_code, notification.content.decode()]
    before = counts["shared"]
    batch = [rpc("echo", {"data": "a"}, 1), rpc("add", {"a": 2}, 2), rpc("notify", {"msg": "n2"}, None), {"bad": 1}]
    results["batch"] = client.post("/rpc", json=batch).json()
    results["shared_once_per_batch"] = counts["shared"] - before
    deadline = time.monotonic() + 5
    while len(notified) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    openapi = client.get("/openapi.json").json()
    openrpc = client.get("/openrpc.json").json()
results["calls"] = {**counts, "notified": sorted(notified)}
results["openapi"] = openapi
results["openrpc"] = openrpc
print(json.dumps(results, sort_keys=True))
