"""What FastAPI refuses when a route is added, Zephyr refuses too: FastAPI's sentence first, then the fix."""

from __future__ import annotations

import pytest

from tests.compat.harness import translate

PLAIN_PARAM = """
from fastapi import FastAPI

class Plain:
    def __init__(self, x):
        self.x = x

app = FastAPI()

@app.get("/")
def read(p: Plain):
    return 1
"""

PLAIN_QUERY = """
from typing import Annotated
from fastapi import FastAPI, Query

class Plain:
    def __init__(self, x):
        self.x = x

app = FastAPI()

@app.get("/")
def read(p: Annotated[Plain, Query()]):
    return 1
"""

PLAIN_IN_DEPENDENCY = """
from typing import Annotated
from fastapi import Depends, FastAPI

class Plain:
    pass

def dep(p: list[Plain]):
    return p

app = FastAPI()

@app.get("/")
def read(p: Annotated[list, Depends(dep)]):
    return 1
"""

RESPONSES_NOT_A_DICT = """
from fastapi import FastAPI

app = FastAPI()

@app.get("/", responses={404: "Not found"})
def read():
    return 1
"""

RESPONSES_PLAIN_MODEL = """
from fastapi import FastAPI

class Plain:
    pass

app = FastAPI()

@app.get("/", responses={404: {"model": Plain}})
def read():
    return 1
"""

RESPONSES_BODY_ON_204 = """
from pydantic import BaseModel
from fastapi import FastAPI

class Item(BaseModel):
    name: str

app = FastAPI()

@app.get("/", responses={204: {"model": Item}})
def read():
    return 1
"""

RESPONSE_MODEL_PLAIN = """
from fastapi import FastAPI

class Plain:
    pass

app = FastAPI()

@app.get("/", response_model=Plain)
def read():
    return 1
"""

RESPONSE_MODEL_ON_204 = """
from fastapi import FastAPI

app = FastAPI()

@app.delete("/", status_code=204, response_model=int)
def remove():
    return None
"""

V1_BODY = """
from pydantic.v1 import BaseModel
from fastapi import FastAPI

class Item(BaseModel):
    name: str

app = FastAPI()

@app.post("/")
def create(item: Item):
    return 1
"""

V1_RESPONSE_MODEL = """
from pydantic.v1 import BaseModel
from fastapi import FastAPI

class Item(BaseModel):
    name: str

app = FastAPI()

@app.get("/", response_model=list[Item])
def read():
    return []
"""

V1_IN_ROUTER = """
from pydantic.v1 import BaseModel
from fastapi import APIRouter, FastAPI

class Item(BaseModel):
    name: str

router = APIRouter()

@router.get("/", responses={200: {"model": Item | None}})
def read():
    return None
"""


def _error_of(source: str) -> BaseException:
    with pytest.raises(Exception) as caught:
        exec(compile(source, "<app>", "exec"), {"__name__": "app_module"})  # noqa: S102 - test apps written here
    return caught.value


def _assert_same_refusal(source: str) -> tuple[BaseException, BaseException]:
    theirs = _error_of(source)
    ours = _error_of(translate(source))
    # FastAPI raises its own classes (or AssertionError): ours are the same-named classes, which also subclass
    # AssertionError, so an `except` written for FastAPI catches ours.
    for base in type(theirs).__mro__:
        if base.__module__ == "builtins" and base is not object:
            assert isinstance(ours, base), f"{type(ours)} is not a {base}"
    if type(theirs).__module__.startswith("fastapi"):
        assert type(ours).__name__ == type(theirs).__name__
    assert str(ours).startswith(str(theirs)), f"\nours:   {ours}\ntheirs: {theirs}"
    assert len(str(ours)) > len(str(theirs)) or type(theirs) is AssertionError or "Status code" in str(theirs)
    return theirs, ours


@pytest.mark.parametrize(
    "source",
    [
        pytest.param(PLAIN_PARAM, id="plain-class-parameter"),
        pytest.param(PLAIN_QUERY, id="plain-class-query"),
        pytest.param(PLAIN_IN_DEPENDENCY, id="plain-class-in-a-dependency"),
        pytest.param(RESPONSES_NOT_A_DICT, id="responses-not-a-dict"),
        pytest.param(RESPONSES_PLAIN_MODEL, id="responses-plain-model"),
        pytest.param(RESPONSES_BODY_ON_204, id="responses-body-on-204"),
        pytest.param(RESPONSE_MODEL_PLAIN, id="response-model-plain"),
        pytest.param(RESPONSE_MODEL_ON_204, id="response-model-on-204"),
        pytest.param(V1_BODY, id="pydantic-v1-body"),
        pytest.param(V1_RESPONSE_MODEL, id="pydantic-v1-response-model"),
        pytest.param(V1_IN_ROUTER, id="pydantic-v1-in-responses"),
    ],
)
def test_refused_at_registration_as_on_fastapi(source: str) -> None:
    _assert_same_refusal(source)


def test_plain_class_message_names_the_parameter_and_the_fix() -> None:
    _, ours = _assert_same_refusal(PLAIN_PARAM)
    assert "Here it is the type of parameter 'p' of read, which Pydantic cannot validate." in str(ours)
    assert "`Annotated[Type, Depends()]`" in str(ours)


def test_pydantic_v1_message_names_the_use_and_the_fix() -> None:
    _, ours = _assert_same_refusal(V1_BODY)
    assert "It is used by parameter 'item' of create: import BaseModel from `pydantic`, not `pydantic.v1`" in str(ours)


def test_responses_message_shows_the_entry_and_the_fix() -> None:
    _, ours = _assert_same_refusal(RESPONSES_NOT_A_DICT)
    assert str(ours) == (
        "An additional response must be a dict; the route GET / (read) has responses={404: 'Not found'}: write "
        '{404: {"description": "...", "model": SomeModel}}.'
    )
