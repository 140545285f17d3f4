# ruff: noqa: E501 - app sources are kept as the tutorial writes them
"""Sub-applications, static files, the Request object, default response classes, streaming endpoints and edge cases."""

from __future__ import annotations

import httpx
import pytest

from tests.compat.harness import Call, assert_same, build_pair, get, post

SUBAPP_APP = """
from fastapi import FastAPI, Request

app = FastAPI()

@app.get("/app")
def read_main():
    return {"message": "Hello World from main app"}

subapi = FastAPI()

@subapi.get("/sub")
def read_sub(request: Request):
    return {"message": "Hello World from sub API", "root_path": request.scope.get("root_path"), "url": str(request.url)}

app.mount("/subapi", subapi)
"""


def test_sub_application() -> None:
    assert_same(
        SUBAPP_APP,
        [get("/app"), get("/subapi/sub"), get("/subapi/openapi.json"), get("/subapi/nothing"), get("/subapi")],
    )


REQUEST_APP = """
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse

app = FastAPI(default_response_class=HTMLResponse)

@app.get("/items/{item_id}", name="item")
def read_item(item_id: str, request: Request):
    return f"<p>{request.url_for('item', item_id=item_id)} {request.url.path} {request.client.host} {dict(request.query_params)} {request.headers.get('x-a')} {request.path_params}</p>"

@app.post("/raw")
async def raw(request: Request):
    body = await request.body()
    data = await request.json() if body else None
    return f"{body!r} {data!r} {request.method}"
"""


def test_request_object_and_default_response_class() -> None:
    assert_same(
        REQUEST_APP,
        [
            get("/items/a%20b?x=1&x=2&y=3", headers={"x-a": "h"}),
            post("/raw", json={"k": [1]}),
            post("/raw"),
        ],
    )


STREAM_APP = """
from collections.abc import AsyncIterable, Iterable
from fastapi import FastAPI
from pydantic import BaseModel

app = FastAPI()

class Item(BaseModel):
    name: str
    description: str | None

items = [Item(name="Plumbus", description="A multi-purpose household device."), Item(name="Portal Gun", description=None)]

@app.get("/items/stream")
async def stream_items() -> AsyncIterable[Item]:
    for item in items:
        yield item

@app.get("/items/stream-no-async")
def stream_items_no_async() -> Iterable[Item]:
    for item in items:
        yield item

@app.get("/items/stream-no-annotation")
async def stream_items_no_annotation():
    for item in items:
        yield item
"""


def test_jsonl_streaming_endpoints() -> None:
    assert_same(STREAM_APP, [get("/items/stream"), get("/items/stream-no-async"), get("/items/stream-no-annotation")])


EDGE_APP = """
from enum import Enum, IntEnum
from typing import Annotated, Literal, Union
from fastapi import Body, FastAPI, Query, Header
from pydantic import BaseModel, Field

app = FastAPI()

class Color(str, Enum):
    red = "red"
    blue = "blue"

class Level(IntEnum):
    low = 1
    high = 2

@app.get("/bools/")
def bools(b: bool):
    return b

@app.get("/enums/")
def enums(c: Color = Color.red, lv: Level | None = None, cs: Annotated[list[Color], Query()] = []):
    return {"c": c, "lv": lv, "cs": cs}

@app.get("/empty/")
def empty(q: int | None = None, s: str = "d", f: float | None = Query(default=None, ge=0)):
    return {"q": q, "s": s, "f": f}

class Cat(BaseModel):
    pet_type: Literal["cat"]
    meows: int

class Dog(BaseModel):
    pet_type: Literal["dog"]
    barks: float

class Owner(BaseModel):
    pet: Union[Cat, Dog] = Field(discriminator="pet_type")
    n: int = 0

@app.post("/pets/")
def pets(owner: Owner):
    return owner

@app.post("/union-body/")
def union_body(item: Union[Cat, Dog]):
    return item

@app.post("/embed-two/")
def embed_two(a: Annotated[int, Body(embed=True)], b: Annotated[list[str], Body(embed=True)] = []):
    return {"a": a, "b": b}

@app.post("/strict-off/", openapi_extra={"x-note": 1})
def strict_off(item: Cat):
    return item

@app.get("/header-int/")
def header_int(x_n: Annotated[list[int], Header()] = []):
    return x_n

@app.get("/alias-query/")
def alias_query(item_query: Annotated[str, Query(alias="item-query", validation_alias="iq")] = "x"):
    return item_query
"""


def test_edge_cases() -> None:
    assert_same(
        EDGE_APP,
        [
            *[
                get(f"/bools/?b={v}")
                for v in ("1", "0", "true", "False", "on", "OFF", "yes", "no", "t", "f", "y", "n", "2", "")
            ],
            get("/bools/"),
            get("/enums/?c=blue&lv=2&cs=red&cs=blue"),
            get("/enums/?c=green&lv=3&cs=x"),
            get("/empty/?q=&s=&f="),
            get("/empty/?q=1&f=-1"),
            post("/pets/", json={"pet": {"pet_type": "cat", "meows": 3}}),
            post("/pets/", json={"pet": {"pet_type": "dog", "barks": "x"}}),
            post("/pets/", json={"pet": {"pet_type": "fish"}}),
            post("/pets/", json={"pet": {}}),
            post("/union-body/", json={"pet_type": "dog", "barks": 1}),
            post("/union-body/", json={"pet_type": "cow"}),
            post("/embed-two/", json={"a": 1, "b": ["x"]}),
            post("/embed-two/", json={"a": "x", "b": "y"}),
            post("/embed-two/", json=[1]),
            post("/embed-two/", json=3),
            post("/embed-two/", json=None),
            post("/strict-off/", content=b'{"pet_type": "cat", "meows": 1}'),
            get("/header-int/", headers=[("x-n", "1"), ("x-n", "2")]),
            get("/header-int/", headers=[("x-n", "a")]),
            get("/alias-query/?iq=v"),
            get("/alias-query/?item-query=v"),
            Call("GET", "/alias-query/?item_query=v"),
        ],
    )


STRICT_OFF_APP = """
from fastapi import FastAPI
from pydantic import BaseModel

app = FastAPI(strict_content_type=False)

class Item(BaseModel):
    name: str

@app.post("/items/")
def create(item: Item):
    return item
"""


def test_strict_content_type_off() -> None:
    assert_same(
        STRICT_OFF_APP,
        [
            post("/items/", content=b'{"name": "a"}'),
            post("/items/", content=b'{"name": "a"}', headers={"content-type": "text/plain"}),
            post("/items/", content=b"{bad", headers={"content-type": "text/plain"}),
            post("/items/", json={"name": "b"}),
        ],
    )


HEAD_APP = """
from fastapi import FastAPI

app = FastAPI()

@app.get("/items")
def items():
    return [1, 2]
"""


def test_head_on_get_routes_is_a_known_difference() -> None:
    """Zephyr answers HEAD on GET routes (as Starlette's plain routes do); FastAPI's API routes answer 405."""
    import fastapi.testclient

    import zephyr.testclient
    from tests.compat.harness import build_pair

    theirs, ours = build_pair(HEAD_APP)
    with fastapi.testclient.TestClient(theirs.app) as client:
        theirs_answer = client.head("/items")
    with zephyr.testclient.TestClient(ours.app) as client:
        ours_answer = client.head("/items")
        get_answer = client.get("/items")
    assert theirs_answer.status_code == 405
    assert ours_answer.status_code == 200
    assert ours_answer.content == b""
    assert ours_answer.headers["content-length"] == get_answer.headers["content-length"]


ASYNC_APP = """
from fastapi import FastAPI, Request

app = FastAPI()

@app.get("/")
async def root(request: Request):
    return {"message": "Tomato", "client": request.client.host if request.client else None, "url": str(request.url)}
"""


@pytest.mark.anyio
async def test_async_tests_with_httpx_asgi_transport() -> None:
    """FastAPI's "Async Tests": ``httpx.AsyncClient(transport=httpx.ASGITransport(app=app))``."""
    theirs, ours = build_pair(ASYNC_APP)
    found = []
    for module in (theirs, ours):
        transport = httpx.ASGITransport(app=module.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            response = await client.get("/")
            found.append((response.status_code, response.content, response.headers["content-type"]))
    assert found[1] == found[0]
