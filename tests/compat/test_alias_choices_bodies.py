"""``validation_alias=AliasChoices(...)``/``AliasPath`` on JSON body fields answer and document as on FastAPI."""

from __future__ import annotations

from tests.compat.harness import Call, assert_same, post

ALIAS_BODY_APP = """
from typing import Annotated
from fastapi import Body, FastAPI
from pydantic import AliasChoices, AliasPath, BaseModel

app = FastAPI()

class Item(BaseModel):
    count: int

@app.post("/embedded")
def embedded(
    value: Annotated[int, Body(embed=True, alias="ignored", validation_alias=AliasChoices("first", "second"))],
):
    return value

@app.post("/multiple")
def multiple(
    items: Annotated[list[int], Body(default_factory=list, validation_alias=AliasChoices("items", "tags"))],
    value: Annotated[int | None, Body(alias="ignored", validation_alias=AliasChoices("first", "second"))] = 10,
):
    return {"value": value, "items": items}

@app.post("/model")
def model(item: Annotated[Item, Body(embed=True, validation_alias=AliasChoices("item", "data"))]):
    return item

@app.post("/single")
def single(value: Annotated[int, Body(validation_alias=AliasChoices("first", "second"))]):
    return value

@app.post("/path")
def path(value: Annotated[int, Body(embed=True, validation_alias=AliasPath("nested", "value"))]):
    return value

@app.post("/mixed")
def mixed(
    value: Annotated[int, Body(embed=True, validation_alias=AliasChoices("first", AliasPath("nested", "value")))],
):
    return value
"""

NULL = {"content": "null", "headers": {"content-type": "application/json"}}


def test_alias_choices_on_body_fields() -> None:
    calls: list[Call] = []
    for url in ("/embedded", "/multiple"):
        calls += [
            post(url, json={"first": 1}),
            post(url, json={"second": 2}),
            post(url, json={"second": 2, "first": 0}),
            post(url, json={"first": "invalid", "second": 2}),
            post(url, json={"second": "invalid"}),
            post(url, json={"second": None}),
            post(url, json={"ignored": 1}),
            post(url, json={}),
            post(url, json=[1]),
            post(url, **NULL),
            post(url),
        ]
    calls += [
        post("/multiple", json={"tags": [1, "invalid"]}),
        post("/multiple", json={"second": 2, "first": 0, "tags": [3], "items": []}),
        post("/model", json={"data": {"count": 1}}),
        post("/model", json={"data": {"count": "invalid"}}),
        post("/model", json={"item": {"count": 2}, "data": {"count": 3}}),
        post("/single", json=1),
        post("/single", json={"first": 1}),
        post("/path", json={"value": 1, "nested": {"value": 3}}),
        post("/mixed", json={"value": 1, "first": 2, "nested": {"value": 3}}),
    ]
    assert_same(ALIAS_BODY_APP, calls)
