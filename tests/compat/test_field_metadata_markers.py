"""``Field()`` settings written beside ``Query()``/``Path()``/``Body()``... in ``Annotated`` answer and document as on
FastAPI: the marker reads the ``Field``'s alias, titles and describes with it, and its own explicit settings win."""

from __future__ import annotations

from tests.compat.harness import assert_same, get, post

FIELD_METADATA_APP = """
from typing import Annotated
from fastapi import Body, Cookie, FastAPI, Form, Header, Path, Query
from pydantic import Field

app = FastAPI()

Count = Annotated[
    int,
    Field(alias="original", title="Original", description="From Field", examples=[1], deprecated=True,
          json_schema_extra={"x-source": "field", "x-retained": True}),
]

@app.get("/query")
def query(
    preserved: Annotated[Count, Query()],
    replaced: Annotated[Count, Query(alias="replacement", title="Replacement", deprecated=False,
                                     json_schema_extra={"x-source": "query"})],
    cleared: Annotated[Count, Query(alias=None, title=None, description=None, examples=None, deprecated=None,
                                    json_schema_extra=None)],
):
    return {"preserved": preserved, "replaced": replaced, "cleared": cleared}

@app.post("/body")
def body(preserved: Annotated[Count, Body()], replaced: Annotated[Count, Body(alias="replacement")]):
    return {"preserved": preserved, "replaced": replaced}

@app.post("/path/{wire}")
def path(value: Annotated[int, Field(alias="unused", validation_alias="wire"), Path()]):
    return value

@app.post("/others")
def others(
    h: Annotated[int, Field(alias="x-wire"), Header()],
    c: Annotated[int, Field(alias="wire"), Cookie()],
):
    return {"h": h, "c": c}

@app.post("/form")
def form(value: Annotated[int, Field(alias="wire", ge=1), Form()]):
    return value

@app.post("/union")
def union(number: Annotated[int | str, Field(union_mode="left_to_right"), Query(union_mode="smart")]):
    return number

@app.get("/inferred")
@app.get("/inferred/{item_id}")
def inferred(
    item_id: Annotated[int, Field(default_factory=lambda: 5, title="Item ID", description="The item")],
    count: Annotated[int, Field(alias="n", title="Count", description="Number of items")] = 10,
):
    return {"item_id": item_id, "count": count}
"""


def test_field_metadata_beside_markers() -> None:
    assert_same(
        FIELD_METADATA_APP,
        [
            get("/query", params={"original": "1", "replacement": "2", "cleared": "3"}),
            get("/query", params={"preserved": "1", "replaced": "2", "cleared": "x"}),
            post("/body", json={"original": 1, "replacement": 2}),
            post("/body", json={"preserved": 1}),
            post("/path/5"),
            post("/path/x"),
            post("/others", headers={"x-wire": "1", "cookie": "wire=2"}),
            post("/others", headers={"h": "1", "cookie": "c=2"}),
            post("/form", data={"wire": "5"}),
            post("/form", data={"wire": "0"}),
            post("/form", data={"value": "5"}),
            post("/union", params={"number": "123"}),
            get("/inferred/1", params={"n": "2"}),
            get("/inferred/1"),
            get("/inferred"),
        ],
    )
