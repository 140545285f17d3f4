"""``Json[...]`` parameters, plain generator lifespans, validation errors built by hand and a router including itself
answer as on FastAPI."""

from __future__ import annotations

import json

import pytest

from tests.compat.harness import _load, assert_same, build_pair, get, post, translate

JSON_APP = """
from typing import Annotated
from fastapi import Cookie, FastAPI, Form, Header, Query
from pydantic import BaseModel, Json

app = FastAPI()

class Model(BaseModel):
    value: int

@app.post("/form-list")
def form_list(items: Annotated[Json[list[str]], Form()]) -> list[str]:
    return items

@app.get("/query-list")
def query_list(items: Annotated[Json[list[str]], Query()]) -> list[str]:
    return items

@app.get("/header-list")
def header_list(x_items: Annotated[Json[list[str]], Header()]) -> list[str]:
    return x_items

@app.get("/cookie-list")
def cookie_list(items: Annotated[Json[list[str]], Cookie()]) -> list[str]:
    return items

@app.get("/query-model")
def query_model(data: Annotated[Json[Model], Query()], limit: Annotated[int, Query()] = 10):
    return {"data": data, "limit": limit}

@app.get("/header-model")
def header_model(data: Annotated[Json[Model], Header()], limit: Annotated[int, Header()] = 10):
    return {"data": data, "limit": limit}
"""


def test_json_parameters_are_single_values() -> None:
    listed = json.dumps(["abc", "def"])
    assert_same(
        JSON_APP,
        [
            post("/form-list", data={"items": listed}),
            post("/form-list", data={"items": "not json"}),
            get("/query-list", params={"items": listed}),
            get("/query-list", params=[("items", listed), ("items", listed)]),
            get("/query-list"),
            get("/header-list", headers={"x-items": listed}),
            get("/cookie-list", headers={"cookie": f"items={listed}"}),
            get("/query-model", params={"data": '{"value": 2}'}),
            get("/query-model", params={"data": '{"value": "x"}'}),
            get("/header-model", headers={"data": '{"value": 2}', "limit": "3"}),
        ],
    )


SYNC_LIFESPAN_APP = """
from fastapi import FastAPI

events = []

def lifespan(app):
    events.append("startup")
    yield
    events.append("shutdown")

app = FastAPI(lifespan=lifespan)

@app.get("/")
def main():
    return {"events": list(events)}
"""


def test_plain_generator_lifespan() -> None:
    theirs, ours = assert_same(SYNC_LIFESPAN_APP, [get("/")], lifespan=True)
    assert ours.events == theirs.events == ["startup", "shutdown"]


@pytest.mark.current_reference
@pytest.mark.parametrize(
    "context", [{}, {"path": "GET /api/test"}, {"path": "GET /x", "function": "f", "file": "app.py", "line": 3}]
)
def test_validation_error_with_endpoint_context(context: dict[str, object]) -> None:
    theirs, ours = build_pair("from fastapi.exceptions import RequestValidationError, ResponseValidationError\n")
    errors = [{"type": "missing", "loc": ("body", "name"), "msg": "Field required"}]
    for name in ("RequestValidationError", "ResponseValidationError"):
        mine = getattr(ours, name)(errors, endpoint_ctx=context)
        reference = getattr(theirs, name)(errors, endpoint_ctx=context)
        assert str(mine) == str(reference)
        assert mine.endpoint_ctx == reference.endpoint_ctx
        assert (mine.endpoint_path, mine.endpoint_function) == (reference.endpoint_path, reference.endpoint_function)


def test_router_including_itself_is_refused_alike() -> None:
    theirs, ours = build_pair("from fastapi import APIRouter\nrouter = APIRouter()\n")
    messages = []
    for module in (theirs, ours):
        with pytest.raises(AssertionError) as caught:
            module.router.include_router(module.router)
        messages.append(str(caught.value))
    assert messages[0] == messages[1]


AMBIGUOUS_SOURCES = {
    "path_default": "@app.get('/items/{item_id}')\nasync def f(item_id: Annotated[int, Path(default=1)]): pass\n",
    "depends_twice": "@app.get('/')\nasync def f(foo: Annotated[int, Depends(dep)] = Depends(dep)): pass\n",
    "query_and_depends": "@app.get('/')\nasync def f(foo: Annotated[int, Query(min_length=1)] = Depends(dep)): pass\n",
}


@pytest.mark.parametrize("case", sorted(AMBIGUOUS_SOURCES))
def test_ambiguous_parameters_are_refused_alike(case: str) -> None:
    source = (
        "from typing import Annotated\nfrom fastapi import Depends, FastAPI, Path, Query\n"
        "app = FastAPI()\ndef dep(): pass\n" + AMBIGUOUS_SOURCES[case]
    )
    with pytest.raises(AssertionError) as theirs:
        _load(source, "fastapi")
    with pytest.raises(AssertionError) as ours:
        _load(translate(source), "zephyr")
    # FastAPI's words start Zephyr's message, which adds where the parameter is.
    assert str(ours.value).startswith(str(theirs.value).split(" for ")[0])
    assert "'foo'" in str(ours.value) or "default value" in str(ours.value)
