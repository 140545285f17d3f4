"""``validate_default=True`` on parameters: a default (or a factory's value) left in place is validated."""

from __future__ import annotations

from tests.compat.harness import assert_same, get, post

VALIDATE_DEFAULT_APP = """
from typing import Annotated
from fastapi import Body, FastAPI, File, Form, Query
from pydantic import Field

app = FastAPI()

@app.get("/query")
def query(count: Annotated[int, Query(gt=0, validate_default=True)] = -1):
    return count

@app.post("/body")
def body(value: Annotated[int | None, Body(default_factory=lambda: "10", validate_default=True)]):
    return value

@app.post("/body-invalid")
def body_invalid(value: Annotated[list[int], Body(min_length=1, validate_default=True)] = []):
    return value

@app.post("/form")
def form(value: Annotated[int, Form(default_factory=lambda: "7", validate_default=True)], name: str = Form("x")):
    return {"value": value, "name": name}

@app.post("/file")
def file(value: Annotated[bytes, File(min_length=2, validate_default=True)] = b"x"):
    return len(value)
"""


def test_defaults_are_validated_when_asked() -> None:
    calls = [
        get("/query"),
        get("/query?count=3"),
        post("/body"),
        post("/body", content="null", headers={"content-type": "application/json"}),
        post("/body", json=5),
        post("/body-invalid"),
        post("/body-invalid", json=[1]),
        post("/form", data={"name": "y"}),
        post("/form", data={"value": "3"}),
        post("/file", files={"other": ("a.txt", b"abc")}),
        post("/file", files={"value": ("a.txt", b"abc")}),
    ]
    assert_same(VALIDATE_DEFAULT_APP, calls)
