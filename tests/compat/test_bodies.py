"""JSON request bodies answer as on FastAPI: models, several bodies, embed, singular values, nesting, examples."""

from __future__ import annotations

import pytest

from tests.compat.harness import Call, assert_same, get, post

BODY_APP = """
from dataclasses import dataclass, field as dc_field
from datetime import datetime, date, timedelta
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID
from fastapi import Body, FastAPI, Query, Path
from pydantic import BaseModel, Field, HttpUrl

app = FastAPI()

class Item(BaseModel):
    name: str
    description: str | None = Field(default=None, title="The description of the item", max_length=300)
    price: float = Field(gt=0, description="The price must be greater than zero")
    tax: float | None = None
    tags: set[str] = set()

class User(BaseModel):
    username: str
    full_name: str | None = None

class Image(BaseModel):
    url: HttpUrl
    name: str

class Offer(BaseModel):
    name: str
    items: list["Nested"]

class Nested(BaseModel):
    name: str
    images: list[Image] | None = None
    weights: dict[int, float] = {}

Offer.model_rebuild()

@app.post("/items/")
async def create_item(item: Item):
    item_dict = item.model_dump()
    if item.tax is not None:
        item_dict.update({"price_with_tax": item.price + item.tax})
    return item_dict

@app.put("/items/{item_id}")
async def update_item(item_id: int, item: Item, q: str | None = None):
    result = {"item_id": item_id, **item.model_dump()}
    if q:
        result.update({"q": q})
    return result

@app.put("/multi/{item_id}")
async def multi(
    item_id: Annotated[int, Path(ge=0, le=1000)],
    item: Item,
    user: User,
    importance: Annotated[int, Body(gt=0)],
    q: str | None = None,
):
    return {"item_id": item_id, "item": item, "user": user, "importance": importance, "q": q}

@app.put("/embed/{item_id}")
async def embed(item_id: int, item: Annotated[Item, Body(embed=True)]):
    return {"item_id": item_id, "item": item}

@app.post("/offers/")
async def offers(offer: Offer):
    return offer

@app.post("/images/multiple/")
async def images(images: list[Image]):
    return images

@app.post("/index-weights/")
async def weights(weights: dict[int, float]):
    return weights

@app.post("/optional/")
async def optional(item: Item | None = None):
    return {"item": item}

@app.post("/singular/")
async def singular(count: Annotated[int, Body()], name: Annotated[str, Body(min_length=2)] = "x"):
    return {"count": count, "name": name}

@app.post("/one-singular/")
async def one_singular(value: Annotated[float, Body()]):
    return {"value": value}

@app.post("/any/")
async def any_body(payload: Any = Body(None)):
    return {"payload": payload}

@app.post("/dict/")
async def dict_body(payload: dict[str, Any]):
    return payload

@dataclass
class DCItem:
    name: str
    price: float
    tags: list[str] = dc_field(default_factory=list)
    description: str | None = None

@app.post("/dataclass/")
async def dataclass_body(item: DCItem):
    return item

@app.put("/extra-types/{item_id}")
async def extra_types(
    item_id: UUID,
    start_datetime: Annotated[datetime, Body()],
    end_datetime: Annotated[datetime, Body()],
    process_after: Annotated[timedelta, Body()],
    repeat_at: Annotated[date | None, Body()] = None,
    amount: Annotated[Decimal, Body()] = Decimal("1.5"),
):
    return {
        "item_id": item_id,
        "start_datetime": start_datetime,
        "end_datetime": end_datetime,
        "process_after": process_after,
        "repeat_at": repeat_at,
        "start_process": start_datetime + process_after,
        "duration": end_datetime - start_datetime,
        "amount": amount,
    }

class Example(BaseModel):
    name: str = Field(examples=["Foo"])
    price: float = Field(examples=[35.4])

    model_config = {"json_schema_extra": {"examples": [{"name": "Foo", "price": 35.4}]}}

@app.put("/examples/{item_id}")
async def examples(
    item_id: int,
    item: Annotated[
        Example,
        Body(
            openapi_examples={
                "normal": {"summary": "A normal example", "description": "Works", "value": {"name": "Foo", "price": 1}},
                "invalid": {"summary": "Invalid data is rejected", "value": {"name": "Baz", "price": "thirty five"}},
            },
        ),
    ],
):
    return {"item_id": item_id, "item": item}

@app.put("/body-examples/")
async def body_examples(item: Annotated[Example, Body(examples=[{"name": "Bar", "price": 2}])]):
    return item

@app.post("/alias/")
async def alias(item_name: Annotated[str, Body(alias="itemName")], n: Annotated[int, Body(embed=True)] = 1):
    return {"item_name": item_name, "n": n}
"""

ITEM = {"name": "Foo", "price": 50.5, "tax": 1.5, "tags": ["a", "b", "a"]}


def test_bodies() -> None:
    assert_same(
        BODY_APP,
        [
            post("/items/", json=ITEM),
            post("/items/", json={"name": "Foo"}),
            post("/items/", json={"name": "Foo", "price": -1, "description": "x" * 301}),
            post("/items/", json=[1, 2]),
            post("/items/", json="text"),
            post("/items/", content=b'{"name": "Foo", "price": '),
            post("/items/", content=b'{"name": "Foo", "price": 1}', headers={"content-type": "text/plain"}),
            post("/items/", content=b'{"name": "Foo", "price": 1}', headers={"content-type": "application/vnd+json"}),
            post("/items/", content=b'{"name": "Foo", "price": 1}', headers={"content-type": "application/x+json"}),
            post("/items/", content=b'{"name": "Foo", "price": 1}'),
            post("/items/"),
            post("/items/", content=b""),
            Call("PUT", "/items/5?q=x", {"json": ITEM}),
            Call("PUT", "/items/x", {"json": {"name": 1}}),
            Call(
                "PUT",
                "/multi/5",
                {"json": {"item": ITEM, "user": {"username": "dave"}, "importance": 5}},
            ),
            Call("PUT", "/multi/5", {"json": {"item": ITEM, "importance": 0}}),
            Call("PUT", "/multi/5", {"json": {}}),
            Call("PUT", "/multi/5", {"json": ITEM}),
            Call("PUT", "/multi/5", {"json": [ITEM]}),
            Call("PUT", "/multi/5"),
            Call("PUT", "/embed/5", {"json": {"item": ITEM}}),
            Call("PUT", "/embed/5", {"json": ITEM}),
            post(
                "/offers/",
                json={
                    "name": "o",
                    "items": [{"name": "n", "images": [{"url": "http://example.com/a.png", "name": "a"}]}],
                },
            ),
            post("/offers/", json={"name": "o", "items": [{"name": "n", "images": [{"url": "nope", "name": "a"}]}]}),
            post("/offers/", json={"name": "o", "items": [{"name": "n", "weights": {"1": 2.5, "x": 1}}]}),
            post("/images/multiple/", json=[{"url": "https://example.com/b", "name": "b"}]),
            post("/images/multiple/", json={"url": "https://example.com/b", "name": "b"}),
            post("/index-weights/", json={"1": 1.5, "2": 3}),
            post("/index-weights/", json={"a": 1.5}),
            post("/optional/"),
            post("/optional/", json=None),
            post("/optional/", json=ITEM),
            post("/optional/", json={"name": 3}),
            post("/singular/", json={"count": 3}),
            post("/singular/", json={"count": "x", "name": "a"}),
            post("/singular/", json={}),
            post("/one-singular/", json=1.5),
            post("/one-singular/", json="abc"),
            post("/one-singular/", json={"value": 1.5}),
            post("/any/"),
            post("/any/", json={"a": [1, None]}),
            post("/any/", content=b"raw bytes", headers={"content-type": "application/octet-stream"}),
            post("/dict/", json={"a": 1}),
            post("/dict/", json=[]),
            post("/dataclass/", json={"name": "d", "price": 3}),
            post("/dataclass/", json={"name": "d"}),
            Call(
                "PUT",
                "/extra-types/3fa85f64-5717-4562-b3fc-2c963f66afa6",
                {
                    "json": {
                        "start_datetime": "2024-01-01T10:00:00",
                        "end_datetime": "2024-01-02T12:30:00",
                        "process_after": 3600,
                        "repeat_at": "2024-02-01",
                        "amount": "3.25",
                    }
                },
            ),
            Call(
                "PUT",
                "/extra-types/3fa85f64-5717-4562-b3fc-2c963f66afa6",
                {
                    "json": {
                        "start_datetime": "2024-01-01T10:00:00",
                        "end_datetime": "2024-01-01T12:00:00",
                        "process_after": "PT5M",
                    }
                },
            ),
            Call("PUT", "/extra-types/not-a-uuid", {"json": {"start_datetime": "yesterday"}}),
            Call("PUT", "/examples/1", {"json": {"name": "Foo", "price": "thirty five"}}),
            Call("PUT", "/examples/1", {"json": {"name": "Foo", "price": 3}}),
            Call("PUT", "/body-examples/", {"json": {"name": "Foo", "price": 3}}),
            post("/alias/", json={"itemName": "x", "n": 2}),
            post("/alias/", json={"item_name": "x"}),
        ],
    )


RAW_APP = """
from typing import Annotated, Any
from fastapi import FastAPI, Body, Header
from pydantic import BaseModel

app = FastAPI()

class Item(BaseModel):
    name: str
    n: int = 0

@app.post("/item")
def item(item: Item):
    return item

@app.get("/get-with-body")
def get_with_body(item: Item | None = None):
    return {"item": item}

@app.post("/any")
def any_body(data: Annotated[Any, Body()]):
    return {"data": data}

@app.get("/hdr")
def hdr(x_list: Annotated[list[str], Header()] = []):
    return x_list
"""


def test_raw_json_edge_cases_and_content_types() -> None:
    """Charsets, invalid UTF-8, duplicate keys, huge ints, GET bodies, ``+json`` types, comma-separated headers.

    Not compared: a JSON ``1e400`` number, which FastAPI answers 500 (its 422 body cannot hold ``inf``) and Zephyr 422.
    """
    assert_same(
        RAW_APP,
        [
            post("/item", content=b'{"name": "a"}', headers={"content-type": "application/json; charset=utf-8"}),
            post("/item", content=b'{"name": "\\xff"}', headers={"content-type": "application/json"}),
            post("/item", content=b'{"name": "a", "name": "b"}', headers={"content-type": "application/json"}),
            post("/item", content=b'  {"name": "a"}  \\n', headers={"content-type": "application/json"}),
            post(
                "/item",
                content=b'{"name": "a", "n": 99999999999999999999999}',
                headers={"content-type": "application/json"},
            ),
            post("/item", content=b"[]", headers={"content-type": "application/json"}),
            post("/item", content=b"null", headers={"content-type": "application/json"}),
            post("/item", content=b'{"name": "a"}', headers={"content-type": "application/JSON"}),
            post("/item", content=b'{"name": "a"}', headers={"content-type": "text/json"}),
            post("/item", content=b'{"name": "a"}', headers={"content-type": "application/problem+json"}),
            post("/item", content=b'{"name": "a"}', headers={"content-type": ""}),
            get("/get-with-body"),
            Call(
                "GET", "/get-with-body", {"content": b'{"name": "g"}', "headers": {"content-type": "application/json"}}
            ),
            post("/any", content=b'"str"', headers={"content-type": "application/json"}),
            post("/any", content=b"plain", headers={"content-type": "text/plain"}),
            post("/any"),
            get("/hdr", headers={"x-list": "a, b"}),
            get("/hdr", headers=[("X-List", "a"), ("x-list", "b")]),
        ],
        raise_server_exceptions=False,
    )


ENCODINGS_APP = """
from typing import Any
from fastapi import Body, FastAPI
from pydantic import BaseModel

app = FastAPI()

class Item(BaseModel):
    a: int

class Priced(BaseModel):
    price: float
    n: int = 0

@app.post("/priced")
async def priced(item: Priced):
    return {"n": item.n}

@app.post("/any")
async def anything(payload: Any = Body()):
    return {"type": type(payload).__name__}

@app.post("/item")
async def item(item: Item):
    return item
"""

_JSON = {"content-type": "application/json"}


def test_json_that_only_python_reads() -> None:
    """A BOM, UTF-16, lone surrogates and deep nesting are read as ``json.loads`` reads them (too deep: 400)."""
    assert_same(
        ENCODINGS_APP,
        [
            post("/any", content=b'\xef\xbb\xbf{"a":1}', headers=_JSON),
            post("/any", content='{"a":1}'.encode("utf-16"), headers=_JSON),
            post("/any", content=b'"\\ud800"', headers=_JSON),
            post("/any", content=b"[" * 300 + b"]" * 300, headers=_JSON),
            post("/any", content=b"[" * 100_000 + b"]" * 100_000, headers=_JSON),
            post("/item", content=b'\xef\xbb\xbf{"a":1}', headers=_JSON),
            post("/item", content=b'\xef\xbb\xbf{"a":"x"}', headers=_JSON),
            post("/item", content='{"a":2}'.encode("utf-32"), headers=_JSON),
            post("/priced", content=b'{"price": 1' + b"0" * 400 + b"}", headers=_JSON),
            post("/priced", content=b'{"price": 1, "n": 1' + b"0" * 400 + b"}", headers=_JSON),
            post(
                "/priced",
                content=b'{"price": 2, "n": 1, "pad": "' + b"x" * 299 + b'", "more": 1' + b"0" * 320 + b"}",
                headers=_JSON,
            ),
            post("/priced", content=b'{"price": 1, "note": "' + b"7" * 400 + b'"}', headers=_JSON),
        ],
    )


FACTORY_APP = """
from typing import Annotated
from fastapi import Body, Depends, FastAPI
from pydantic import AfterValidator

app = FastAPI()
calls = []

def factory():
    calls.append(1)
    return False

def tags():
    calls.append(1)
    return ["t"]

def require_true(value: bool) -> bool:
    if not value:
        raise ValueError("The value must be true")
    return value

Checked = Annotated[bool, AfterValidator(require_true)]

@app.post("/embedded")
def embedded(value: Annotated[Checked, Body(default_factory=factory, validate_default=True, embed=True)]):
    return value

@app.post("/single")
def single(value: Annotated[list[str], Body(default_factory=tags)]):
    return value

@app.post("/beside")
def beside(name: Annotated[str, Body(min_length=3)], flag: Annotated[list[str], Body(default_factory=tags)]):
    return [name, flag]

@app.post("/query")
def query(q: int, name: Annotated[str, Body()], flag: Annotated[list[str], Body(default_factory=tags)]):
    return [q, name, flag]

def flagged(flag: Annotated[list[str], Body(default_factory=tags)]):
    return flag

@app.post("/dependency")
def dependency(flag: Annotated[list[str], Depends(flagged)], name: Annotated[str, Body(min_length=3)]):
    return [name, flag]

@app.get("/calls")
def count():
    made = len(calls)
    calls.clear()
    return made
"""


def _called(url: str, **kwargs: object) -> list[Call]:
    return [post(url, **kwargs), get("/calls")]


@pytest.mark.current_reference
def test_a_json_body_default_factory_runs_once_per_request_as_on_fastapi() -> None:
    """A JSON body parameter's default factory runs once per request, also on a 422 (the exact path reuses it)."""
    assert_same(
        FACTORY_APP,
        [
            *_called("/embedded", json={"value": True}),
            *_called("/embedded", json={}),  # the factory's False fails validate_default: one call, one error
            *_called("/embedded"),  # no body at all: the same
            *_called("/single", json=["a"]),
            *_called("/single"),
            *_called("/beside", json={"name": "abc"}),
            *_called("/beside", json={"name": "a"}),  # another field fails: the default is still made, once
            *_called("/beside", json={}),
            *_called("/query?q=1", json={"name": "abc"}),
            *_called("/query?q=x", json={"name": "abc"}),
            *_called("/query?q=1", json={"name": 5}),
            *_called("/dependency", json={"name": "abc"}),
            *_called("/dependency", json={"name": "a"}),  # the dependency is called with its default, made once
        ],
        openapi=False,
    )
