"""Body fields named alike in an endpoint and its dependencies, declared HEAD routes, explicit ``JSONResponse``
routes, bad ``responses`` keys, ``pydantic.v1`` models and optional header models answer as on FastAPI."""

from __future__ import annotations

import warnings

import fastapi
import fastapi.encoders
import fastapi.exceptions
import pytest

import zephyr
import zephyr.encoders
import zephyr.exceptions
import zephyr.testclient
from tests.compat.harness import Call, assert_same, build_pair, get, post

DUPLICATES_APP = """
from fastapi import Depends, FastAPI, Form
from pydantic import BaseModel

app = FastAPI()

class Item(BaseModel):
    data: str

class Other(BaseModel):
    data: str
    extra: int = 1

def same(item: Item):
    return item

def other(item: Other):
    return item

def nested(item: Item, sub: Item = Depends(same)):
    return [item, sub]

@app.post("/same")
async def with_same(item: Item, item2: Item = Depends(same)):
    return [item, item2, item is item2]

@app.post("/other")
def with_other(item: Item, item2: Other = Depends(other)):
    return [item, item2]

@app.post("/nested")
def with_nested(item: Item, subs: list[Item] = Depends(nested)):
    return [item, subs]

def form_same(item: Item = Form()):
    return item

@app.post("/form")
def with_form(item: Item = Form(), item2: Item = Depends(form_same)):
    return [item, item2]
"""


def test_body_fields_named_alike_in_dependencies() -> None:
    assert_same(
        DUPLICATES_APP,
        [
            post("/same", json={"data": "x"}),
            post("/same", json={"data": 1}),
            post("/same", json={}),
            post("/same"),
            post("/other", json={"data": "x", "extra": 3}),
            post("/other", json={"data": "x", "extra": "bad"}),
            post("/nested", json={"data": "x"}),
            post("/form", data={"data": "x"}),
            post("/form", data={}),
        ],
    )


HEAD_APP = """
from fastapi import FastAPI
from fastapi.responses import JSONResponse

app = FastAPI()

@app.get("/items/{item_id}")
def read(item_id: str):
    return {"item_id": item_id}

@app.head("/items/{item_id}")
def head(item_id: str):
    return JSONResponse(None, headers={"x-item-id": item_id})

@app.get("/plain/{item_id}")
def plain(item_id: str):
    return {"item_id": item_id}
"""


def test_declared_head_route_answers_head() -> None:
    assert_same(
        HEAD_APP,
        [
            Call("HEAD", "/items/foo"),
            get("/items/foo"),
            Call("POST", "/items/foo"),
        ],
    )
    # Zephyr's documented difference stays: HEAD on a GET route without a declared HEAD route answers like GET.
    _, zephyr_app = build_pair(HEAD_APP)
    with zephyr.testclient.TestClient(zephyr_app.app) as client:
        response = client.head("/plain/foo")
    assert response.status_code == 200
    assert response.content == b""


EXPLICIT_JSON_APP = """
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from pydantic import BaseModel

app = FastAPI()

class Item(BaseModel):
    name: str
    price: float

@app.get("/explicit", response_class=JSONResponse)
def explicit(price: float) -> Item:
    return Item(name="widget", price=price)

@app.get("/default")
def default(price: float) -> Item:
    return Item(name="widget", price=price)

@app.get("/explicit-plain", response_class=JSONResponse)
def explicit_plain(price: float):
    return {"price": price}
"""


@pytest.mark.current_reference
def test_explicit_json_response_renders_model_data() -> None:
    assert_same(
        EXPLICIT_JSON_APP,
        [
            get("/explicit", params={"price": "9.99"}),
            get("/explicit", params={"price": "1e16"}),
            get("/explicit", params={"price": "inf"}),  # json refuses it: a 500 on FastAPI, not null
            get("/default", params={"price": "inf"}),  # the default class writes null, on both
            get("/explicit-plain", params={"price": "inf"}),
        ],
        raise_server_exceptions=False,
    )


BAD_RESPONSES_APP = """
from fastapi import FastAPI

app = FastAPI()

@app.get("/a", responses={"hello": {"description": "Not a status code"}})
def a():
    return None
"""


def test_bad_responses_key_refused_when_documenting() -> None:
    fastapi_app, zephyr_app = build_pair(BAD_RESPONSES_APP)
    with pytest.raises(ValueError):  # FastAPI's is int()'s own ValueError
        fastapi_app.app.openapi()
    with pytest.raises(ValueError, match="'hello' in a route's responses is not a status code"):
        zephyr_app.app.openapi()


@pytest.mark.current_reference
def test_pydantic_v1_model_refused_by_jsonable_encoder() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        from pydantic import v1

    class ModelV1(v1.BaseModel):
        name: str

    with pytest.raises(fastapi.exceptions.PydanticV1NotSupportedError):
        fastapi.encoders.jsonable_encoder(ModelV1(name="x"))
    with pytest.raises(zephyr.exceptions.PydanticV1NotSupportedError, match=r"pydantic\.v1 models are not supported"):
        zephyr.encoders.jsonable_encoder(ModelV1(name="x"))
    assert zephyr.encoders.jsonable_encoder({"a": [1]}) == {"a": [1]}


OPTIONAL_HEADERS_APP = """
from typing import Annotated
from fastapi import FastAPI, Header
from pydantic import BaseModel

app = FastAPI()

class RequestHeaders(BaseModel):
    x_id: int

@app.get("/")
def read(
    converted: Annotated[RequestHeaders | None, Header()] = None,
    literal: Annotated[RequestHeaders | None, Header(convert_underscores=False)] = None,
):
    return [converted, literal]
"""


@pytest.mark.current_reference
def test_optional_header_models_selected_by_their_own_names() -> None:
    assert_same(
        OPTIONAL_HEADERS_APP,
        [
            get("/"),
            get("/", headers={"X-ID": "1"}),
            get("/", headers={"X_ID": "2"}),
            get("/", headers={"X-ID": "1", "X_ID": "2"}),
            get("/", headers={"X-ID": "bad"}),
        ],
    )
