"""Combined form models in the document: inline copies renamed to the names read, dependencies' models alike named."""

from __future__ import annotations

from tests.compat.harness import assert_same, post

FORM_MODELS_APP = """
from typing import Annotated, Literal
from fastapi import Depends, FastAPI, Form
from pydantic import AliasChoices, BaseModel, BeforeValidator, ConfigDict, Field

app = FastAPI()

class First(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    value: int = Field(alias="first", description="First value")
    shared: int = Field()

class Second(BaseModel):
    value: int = Field(alias="second")
    shared: int = Field(10)

class Chosen(BaseModel):
    name: Annotated[str, Field(validation_alias=AliasChoices("name", "legacy"))]

@app.post("/")
def submit(first: Annotated[First, Form()], second: Annotated[Second, Form()]):
    return [first, second]

@app.post("/optional")
def optional(first: Annotated[First | None, Form()] = None, chosen: Annotated[Chosen, Form()] = None):
    return [first, chosen]

class A(BaseModel):
    a: int

class B(BaseModel):
    b: int

def dependency(data: Annotated[A, Form()]):
    return data

class Profile(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    name: str = Field(alias="display_name")
    department: str

class Account(BaseModel):
    login: Annotated[str, Field(validation_alias=AliasChoices("login", "user"))]

@app.post("/supplied")
def supplied(profile: Annotated[Profile | None, Form()] = None, account: Annotated[Account | None, Form()] = None):
    return [profile, account]

class Aliased(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["aliased"]
    value: Annotated[str, Field(validation_alias=AliasChoices("primary", "secondary"))]

class Listed(BaseModel):
    kind: Literal["list"]
    items: list[str] = []

@app.post("/union")
def union(data: Annotated[Aliased | Listed, Form(discriminator="kind")]):
    return data.model_dump(exclude_unset=True)

class Text(BaseModel):
    text: str

def rename(data):
    if isinstance(data, dict) and "legacy" in data:
        data["text"] = data.pop("legacy")
    return data

@app.post("/renamed")
def renamed(data: Annotated[Text, BeforeValidator(rename), Form()]):
    return data

@app.post("/dependency")
def with_dependency(data: Annotated[B, Form()], first: Annotated[A, Depends(dependency)]):
    return [first, data]
"""


def test_form_models_combined_in_one_body() -> None:
    calls = [
        post("/", data={"value": "1", "second": "2", "shared": "3"}),
        post("/", data={"first": "1", "second": "2"}),
        post("/optional", data={"legacy": "x", "first": "1", "shared": "2"}),
        post("/dependency", data={"a": "1", "b": "2"}),
        post("/dependency", data={"a": "1"}),
        post("/supplied", data={"name": "Rick"}),
        post("/supplied", data={"name": "Rick", "department": "Science", "user": "r"}),
        post("/supplied", data={}),
        post("/union", data={"kind": "aliased", "primary": "", "secondary": "hello"}),
        post("/union", data={"kind": "aliased", "primary": "hello", "secondary": "again"}),
        post("/union", data={"kind": "list", "items": ["a", "b"]}),
        post("/renamed", data={"legacy": "hello"}),
        post("/renamed", data={"other": "x"}),
    ]
    assert_same(FORM_MODELS_APP, calls)
