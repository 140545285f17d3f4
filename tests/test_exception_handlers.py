"""The default 422 handler stays a 422 when an error's input is something JSON cannot carry.

FastAPI answers these requests with a 500 (its 422 body fails to render); Zephyr spells the input out.
"""

from __future__ import annotations

from typing import Any

import fastapi
import fastapi.testclient
import pytest
from pydantic import BaseModel, Field

import zephyr
from zephyr.datastructures import UploadFile
from zephyr.exception_handlers import _safe_input
from zephyr.testclient import TestClient

JSON = {"content-type": "application/json"}


class Item(BaseModel):
    name: str = Field(max_length=10)
    price: float = Field(ge=0)
    tags: list[str] = []


def _build(lib: Any) -> Any:
    app: zephyr.FastAPI = lib.FastAPI()  # typed as Zephyr for both: the same API

    @app.post("/items")
    async def create(item: Item) -> dict[str, str]:
        return {"name": item.name}

    @app.post("/form")
    async def form(name: str = lib.Form()) -> dict[str, str]:
        return {"name": name}

    return app


zephyr_client = TestClient(_build(zephyr))
fastapi_client = fastapi.testclient.TestClient(_build(fastapi), raise_server_exceptions=False)


@pytest.mark.parametrize(
    ("body", "loc", "shown"),
    [
        (b'{"name":"a","price":NaN}', ["body", "price"], "NaN"),
        (b'{"name":"a","price":-Infinity}', ["body", "price"], "-Infinity"),
        (b'{"name":"a","price":1,"tags":[Infinity]}', ["body", "tags", 0], "Infinity"),
        (b'{"name":"\\ud800","price":1}', ["body", "name"], "\ud800"),  # a JSON escape: the same string back
        (b'{"name":"\\ud800","price":NaN}', ["body", "name"], "\\ud800"),  # spelled out, with the NaN
    ],
)
def test_unrenderable_json_input_is_answered_422_where_fastapi_answers_500(
    body: bytes, loc: list[Any], shown: str
) -> None:
    response = zephyr_client.post("/items", content=body, headers=JSON)
    assert response.status_code == 422
    errors = response.json()["detail"]
    assert [error["input"] for error in errors if error["loc"] == loc] == [shown]
    assert fastapi_client.post("/items", content=body, headers=JSON).status_code == 500


def test_upload_where_text_is_expected_is_422_with_the_file_repr() -> None:
    files = {"name": ("a.txt", b"abc", "text/plain")}
    response = zephyr_client.post("/form", files=files)
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == ["body", "name"]
    assert error["type"] == "string_type"
    assert error["input"].startswith("UploadFile(filename='a.txt', size=3, ")


def test_renderable_errors_are_unchanged_and_match_fastapi() -> None:
    body = b'{"name":"far too long a name","price":-1}'
    response = zephyr_client.post("/items", content=body, headers=JSON)
    expected = fastapi_client.post("/items", content=body, headers=JSON)
    assert (response.status_code, response.json()) == (expected.status_code, expected.json())


def test_safe_input_spells_out_what_json_cannot_carry() -> None:
    class Opaque:
        __slots__ = ()

    upload = UploadFile(file=None, filename="f", size=1)  # type: ignore[arg-type]
    value = {
        "nan": float("nan"),
        "inf": [float("inf"), -float("inf"), 1.5],
        ("tuple", "key"): ("a", "\udc80"),
        "upload": upload,
        "opaque": Opaque(),
        "plain": [None, True, 3],
    }
    assert _safe_input(value) == {
        "nan": "NaN",
        "inf": ["Infinity", "-Infinity", 1.5],
        "('tuple', 'key')": ["a", "\\udc80"],
        "upload": "UploadFile(filename='f', size=1, headers=Headers({}))",
        "opaque": "<Opaque>",
        "plain": [None, True, 3],
    }


def _plain_and_odd_errors() -> list[Any]:
    import enum

    class Color(str, enum.Enum):
        RED = "red"

    class Level(enum.Enum):
        HIGH = 3

    return [
        [{"type": "missing", "loc": ("body", "name"), "msg": "Field required", "input": None}],
        [{"type": "x", "loc": ("query", 0), "msg": "m", "input": {"a": [1, 2.5, True]}, "ctx": {"limit": 3}}],
        [{"type": "x", "loc": ("body",), "msg": "m", "input": {1: "int key", None: "none key"}}],
        [{"type": "x", "loc": ("body",), "msg": "m", "input": Color.RED}],
        [{"type": "x", "loc": ("body",), "msg": "m", "input": Level.HIGH}],  # not JSON data: jsonable_encoder
        [{"type": "value_error", "loc": ("body",), "msg": "m", "input": "x", "ctx": {"error": ValueError("bad")}}],
        [{"type": "x", "loc": ("body",), "msg": "m", "input": {b"bytes", frozenset()}}],
    ]


@pytest.mark.anyio
@pytest.mark.parametrize("errors", _plain_and_odd_errors())
async def test_422_body_is_what_jsonable_encoder_gives(errors: list[Any]) -> None:
    from zephyr.encoders import jsonable_encoder
    from zephyr.exception_handlers import request_validation_exception_handler
    from zephyr.exceptions import RequestValidationError
    from zephyr.responses import JSONResponse

    response = await request_validation_exception_handler(None, RequestValidationError(errors))  # type: ignore[arg-type]
    expected = JSONResponse({"detail": jsonable_encoder(errors)}, status_code=422)
    assert (response.status_code, response.body) == (422, expected.body)


@pytest.mark.anyio
async def test_plain_errors_skip_jsonable_encoder(monkeypatch: pytest.MonkeyPatch) -> None:
    from zephyr import exception_handlers
    from zephyr.exceptions import RequestValidationError

    def fail(value: Any) -> Any:
        raise AssertionError("jsonable_encoder called for plain JSON errors")

    monkeypatch.setattr(exception_handlers, "jsonable_encoder", fail)
    errors = [{"type": "int_parsing", "loc": ("body", "tags", n), "msg": "m", "input": "x"} for n in range(1000)]
    response = await exception_handlers.request_validation_exception_handler(
        None,  # type: ignore[arg-type]
        RequestValidationError(errors),
    )
    assert response.status_code == 422
    assert bytes(response.body).count(b'"int_parsing"') == 1000


def test_an_upload_is_not_data_to_the_encoder_even_with_attributes_of_its_own() -> None:
    from zephyr.encoders import jsonable_encoder

    upload = UploadFile(file=None, filename="f", size=1)  # type: ignore[arg-type]
    upload.note = "set on this upload only"  # type: ignore[attr-defined]
    with pytest.raises(ValueError, match="UploadFile is not JSON serializable"):
        jsonable_encoder(upload)
