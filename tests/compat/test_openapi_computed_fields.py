"""Documents FastAPI splits into ``-Input``/``-Output`` (computed fields at any depth), and markers as defaults."""

from __future__ import annotations

import pytest

from tests.compat.harness import assert_same, get, post

COMPUTED_APP = """
from typing import Annotated
from fastapi import FastAPI
from pydantic import BaseModel, computed_field, model_validator

class ComputedItem(BaseModel):
    name: str

    @computed_field
    @property
    def label(self) -> str:
        return f"Item: {self.name}"

class Validated(ComputedItem):
    @model_validator(mode="after")
    def check(self) -> "Validated":
        if not self.name:
            raise ValueError("Name must not be empty")
        return self

class Envelope(BaseModel):
    children: list["Envelope"] = []
    item: ComputedItem

class Plain(BaseModel):
    value: int

app = FastAPI(separate_input_output_schemas=False)

@app.post("/envelope")
def envelope(item: Envelope) -> Envelope:
    return item

@app.post("/validated")
def validated(item: Validated) -> list[Validated]:
    return [item]

@app.post("/plain")
def plain(item: Plain) -> list[Plain]:
    return [item]
"""


@pytest.mark.current_reference  # FastAPI 0.162.5 (Python 3.10) documents nested computed fields otherwise
def test_nested_computed_fields_split_input_and_output_schemas() -> None:
    calls = [
        post("/envelope", json={"item": {"name": "a"}, "children": [{"item": {"name": "b"}}]}),
        post("/validated", json={"name": "a"}),
        post("/validated", json={"name": ""}),
        post("/plain", json={"value": 1}),
    ]
    assert_same(COMPUTED_APP, calls)


MARKER_DEFAULT_APP = """
from typing import Annotated
from annotated_types import Gt
from fastapi import Body, FastAPI, Query
from pydantic import BaseModel, Discriminator, Field, Tag

class Cat(BaseModel):
    pet_type: str = "cat"
    meows: int

class Dog(BaseModel):
    pet_type: str = "dog"
    barks: float

def pet_type(value):
    return value.get("pet_type", "") if isinstance(value, dict) else ""

Pet = Annotated[Annotated[Cat, Tag("cat")] | Annotated[Dog, Tag("dog")], Discriminator(pet_type)]

app = FastAPI()

@app.post("/assignment")
def assignment(pet: Pet = Body()):
    return pet

@app.post("/annotated")
def annotated(pet: Annotated[Pet, Body()]):
    return pet

@app.get("/bounded")
def bounded(q: Annotated[int, Gt(0)] = Query(), r: Annotated[int, Field(lt=5)] = Query(1)):
    return [q, r]
"""


def test_a_marker_as_default_takes_the_bare_type() -> None:
    calls = [
        post("/assignment", json={"pet_type": "cat", "meows": 1}),
        post("/assignment", json={"pet_type": "bird"}),
        post("/annotated", json={"pet_type": "dog", "barks": 1.5}),
        post("/annotated", json={"pet_type": "bird"}),
        get("/bounded?q=-1&r=9"),
        get("/bounded?q=x"),
    ]
    assert_same(MARKER_DEFAULT_APP, calls)
