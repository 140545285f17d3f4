"""``AliasChoices`` (and ``validate_by_alias=False``) on query/header/cookie parameter models: reading and documents."""

from __future__ import annotations

import pytest

from tests.compat.harness import Call, assert_same, get

PARAM_MODEL_CHOICES_APP = """
from typing import Annotated
from fastapi import Cookie, FastAPI, Header, Query
from pydantic import AliasChoices, BaseModel, ConfigDict, Field

app = FastAPI()

class Shared(BaseModel):
    names: Annotated[list[str], Field(validation_alias=AliasChoices("names", "legacy"))]
    text: Annotated[str, Field(validation_alias=AliasChoices("text", "legacy"))]

class Open(BaseModel):
    model_config = ConfigDict(extra="allow")
    names: Annotated[list[str], Field(validation_alias=AliasChoices("names", "legacy"))] = []
    value: Annotated[int, Field(alias="ignored", validation_alias=AliasChoices("first", "second"))] = 0

class Closed(BaseModel):
    model_config = ConfigDict(extra="forbid")
    value: Annotated[int, Field(validation_alias=AliasChoices("X-First", "X-Second"))]

class Named(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="forbid")
    int_value: Annotated[int, Field(alias="legacy")]

@app.get("/query")
def query(data: Annotated[Shared, Query()]):
    return data

@app.get("/query-open")
def query_open(data: Annotated[Open, Query()]):
    return data

@app.get("/header-shared")
def header_shared(data: Annotated[Shared, Header()]):
    return data

@app.get("/header-closed")
def header_closed(data: Annotated[Closed, Header()]):
    return data

@app.get("/cookie-open")
def cookie_open(data: Annotated[Open, Cookie()]):
    return data

@app.get("/named")
def named(data: Annotated[Named, Query()]):
    return data
"""


def test_alias_choices_on_parameter_models() -> None:
    calls: list[Call] = [
        get("/query", params={"legacy": ["one", "two"], "text": "hello"}),
        get("/query", params={"names": ["a"], "legacy": "b"}),
        get("/query", params={"legacy": "only"}),
        get("/query-open", params={"names": ["one", "two"], "legacy": "unused", "first": "1", "second": "2"}),
        get("/query-open", params={"legacy": ["x", "y"], "second": "3", "other": ["p", "q"]}),
        get("/header-shared", headers={"legacy": "one", "text": "hello"}),
        get("/header-shared", headers={"names": "a", "legacy": "b", "text": "c"}),
        get("/header-closed", headers={"x-second": "1"}),
        get("/header-closed", headers={"x-first": "1", "x-second": "2"}),
        get("/cookie-open", headers={"cookie": "legacy=x; first=1; second=2"}),
        get("/named", params={"legacy": "1"}),
        get("/named", params={"int_value": "1"}),
        get("/named", params={"legacy": "1", "int_value": "2"}),
    ]
    assert_same(PARAM_MODEL_CHOICES_APP, calls)


BY_NAME_APP = """
from typing import Annotated
from fastapi import Cookie, FastAPI, Header, Query
from pydantic import BaseModel, ConfigDict, Field

app = FastAPI()

class Model(BaseModel):
    model_config = ConfigDict(validate_by_alias=False)
    int_value: Annotated[int, Field(alias="legacy")]

@app.get("/query")
def query(data: Annotated[Model, Query()]):
    return data

@app.get("/header")
def header(data: Annotated[Model, Header()]):
    return data

@app.get("/cookie")
def cookie(data: Annotated[Model, Cookie()]):
    return data
"""


@pytest.mark.current_reference
def test_models_read_by_name_are_documented_by_name() -> None:
    calls = [
        get("/query", params={"int_value": "1"}),
        get("/header", headers={"int-value": "1"}),
        get("/cookie", headers={"cookie": "int_value=1"}),
    ]
    assert_same(BY_NAME_APP, calls)
