"""Parameter models with aliases, discriminated unions, ``Json[...]`` form fields, empty form models, path-only
validation errors and duplicate sub-dependencies answer as on FastAPI."""

from __future__ import annotations

import json
from pathlib import Path

import fastapi.testclient

import zephyr.testclient
from tests.compat.harness import assert_same, build_pair_from_files, get, post

PARAM_MODELS_APP = """
from typing import Annotated
from pydantic import BaseModel, Field
from fastapi import Cookie, FastAPI, Header, Query

app = FastAPI()

class QueryModel(BaseModel):
    page_size: int = Field(10, validation_alias="pageSize")
    order: str = Field("asc", alias="sortOrder")

class HeaderModel(BaseModel):
    x_trace_id: str = Field(validation_alias="X-Trace")
    user_agent: str = "none"
    accept_language: str | None = None

class CookieModel(BaseModel):
    session_id: str = Field(validation_alias="sid")

@app.get("/query")
def read_query(q: Annotated[QueryModel, Query()]):
    return q

@app.get("/headers")
def read_headers(h: Annotated[HeaderModel, Header()]):
    return h

@app.get("/headers-raw")
def read_headers_raw(h: Annotated[HeaderModel, Header(convert_underscores=False)]):
    return h

@app.get("/cookies")
def read_cookies(c: Annotated[CookieModel, Cookie()]):
    return c
"""


def test_parameter_models_with_validation_aliases() -> None:
    assert_same(
        PARAM_MODELS_APP,
        [
            get("/query?pageSize=5&sortOrder=desc"),
            get("/query?page_size=5&order=desc"),
            get("/query?pageSize=x"),
            get("/headers", headers={"x-trace": "t1", "user-agent": "ua", "accept-language": "fr"}),
            get("/headers", headers={"x-trace-id": "t1"}),
            get("/headers"),
            get("/headers-raw", headers={"x-trace": "t1", "user_agent": "ua", "accept_language": "fr"}),
            get("/headers-raw", headers={"x-trace": "t1", "user-agent": "ua"}),
            get("/cookies", headers={"cookie": "sid=s"}),
            get("/cookies", headers={"cookie": "session_id=s"}),
        ],
    )


UNIONS_FORMS_APP = """
from typing import Annotated, Literal, Union
from pydantic import BaseModel, Field, Json
from fastapi import Depends, FastAPI, Form, Path

app = FastAPI()

class Cat(BaseModel):
    pet_type: Literal["cat"]
    meows: int

class Dog(BaseModel):
    pet_type: Literal["dog"]
    barks: float

Pet = Annotated[Union[Cat, Dog], Field(discriminator="pet_type")]

@app.post("/pets")
def create_pet(pet: Pet):
    return pet

class Owner(BaseModel):
    name: str
    pet: Pet

@app.post("/owners")
def create_owner(owner: Owner):
    return owner

@app.post("/json-form")
def json_form(data: Annotated[Json[dict[str, int]], Form()], raw: Annotated[Json, Form()] = None):
    return {"data": data, "raw": raw}

class Filters(BaseModel):
    q: str | None = None
    tags: list[str] = []

@app.post("/empty-form")
def empty_form(filters: Annotated[Filters, Form()]):
    return filters

@app.get("/items/{item_id}")
def read_item(item_id: Annotated[int, Path(ge=1)]):
    return {"item_id": item_id}

calls = []

def shared(q: str = "s"):
    calls.append(q)
    return q

def first(a: Annotated[str, Depends(shared)]):
    return a

def second(b: Annotated[str, Depends(shared)], c: Annotated[str, Depends(shared, use_cache=False)]):
    return b + c

@app.get("/dups")
def dups(x: Annotated[str, Depends(first)], y: Annotated[str, Depends(second)], z: Annotated[str, Depends(shared)]):
    found = list(calls)
    calls.clear()
    return {"values": [x, y, z], "calls": found}
"""


def test_discriminated_unions_json_forms_empty_forms_path_errors_and_duplicates() -> None:
    assert_same(
        UNIONS_FORMS_APP,
        [
            post("/pets", json={"pet_type": "cat", "meows": 3}),
            post("/pets", json={"pet_type": "dog", "barks": 1.5}),
            post("/pets", json={"pet_type": "cow"}),
            post("/pets", json={"pet_type": "dog", "meows": 3}),
            post("/pets", json={}),
            post("/owners", json={"name": "n", "pet": {"pet_type": "cat", "meows": 1}}),
            post("/owners", json={"name": "n", "pet": {"pet_type": "bird"}}),
            post("/json-form", data={"data": '{"a": 1}', "raw": "[1, 2]"}),
            post("/json-form", data={"data": '{"a": "x"}'}),
            post("/json-form", data={"data": "not json"}),
            post("/json-form"),
            post("/empty-form"),
            post("/empty-form", data={}),
            post("/empty-form", data={"q": "x", "tags": ["a", "b"]}),
            get("/items/0"),
            get("/items/abc"),
            get("/items/3"),
            get("/dups?q=v"),
        ],
    )


ALIAS_CHOICES_APP = """
from typing import Annotated
from pydantic import AliasChoices, BaseModel, ConfigDict, Field
from fastapi import Cookie, FastAPI, Header, Query

app = FastAPI()

class Choices(BaseModel):
    size: int = Field(1, validation_alias=AliasChoices("size", "pageSize"))

class ByName(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    page_size: int = Field(10, alias="pageSize")

class HeaderByName(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    trace_id: str = Field("none", alias="X-Trace")

@app.get("/choices")
def choices(q: Annotated[Choices, Query()]):
    return q

@app.get("/by-name")
def by_name(q: Annotated[ByName, Query()]):
    return q

@app.get("/header-by-name")
def header_by_name(h: Annotated[HeaderByName, Header()]):
    return h

@app.get("/plain-alias")
def plain_alias(
    q: Annotated[int, Query(validation_alias="pageSize")] = 1,
    token: Annotated[str | None, Header(validation_alias="X-Token")] = None,
    sid: Annotated[str | None, Cookie(validation_alias="session-id")] = None,
):
    return {"q": q, "token": token, "sid": sid}
"""


def test_alias_choices_populate_by_name_and_plain_validation_aliases() -> None:
    assert_same(
        ALIAS_CHOICES_APP,
        [
            get("/choices?pageSize=3"),
            get("/choices?size=4"),
            get("/choices?size=x"),
            get("/by-name?pageSize=2"),
            get("/by-name?page_size=5"),
            get("/header-by-name", headers={"x-trace": "t"}),
            get("/header-by-name", headers={"trace-id": "t2"}),
            get("/plain-alias?pageSize=7", headers={"x-token": "tok", "cookie": "session-id=s"}),
            get("/plain-alias?q=7"),
            get("/plain-alias?pageSize=x"),
        ],
    )


PATH_ONLY_ERRORS_APP = """
from typing import Annotated
from fastapi import Depends, FastAPI, Path
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

app = FastAPI()

@app.exception_handler(RequestValidationError)
async def report(request, exc):
    return JSONResponse({"str": str(exc), "ctx": exc.endpoint_ctx, "errors": exc.errors()}, status_code=422)

@app.get("/items/{item_id}")
def read(item_id: Annotated[int, Path(ge=1)]):
    return item_id

def owner(user_id: int):
    return user_id

@app.get("/users/{user_id}")
def user(u: Annotated[int, Depends(owner)]):
    return u
"""


def test_path_only_validation_errors_carry_fastapis_endpoint_context(tmp_path: Path) -> None:
    theirs, ours = build_pair_from_files(PATH_ONLY_ERRORS_APP, tmp_path)
    for url in ("/items/0", "/items/x", "/users/x"):
        answers = []
        for module, client_class in ((theirs, fastapi.testclient.TestClient), (ours, zephyr.testclient.TestClient)):
            body = client_class(module.app).get(url).json()
            answers.append(json.loads(json.dumps(body).replace(Path(str(module.__file__)).name, "<app>")))
        assert answers[1] == answers[0]
        assert answers[0]["ctx"]["file"].endswith("<app>")
        assert answers[0]["ctx"]["function"] in ("read", "user")
