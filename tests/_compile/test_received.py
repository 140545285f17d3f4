"""``zephyr._compile.received``: validating values already read, in one pass over what was received."""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from typing import Annotated, Any

import pytest
from pydantic import BaseModel, ConfigDict, Field
from starlette.datastructures import FormData as StarletteFormData
from starlette.datastructures import UploadFile as StarletteUploadFile

from zephyr import File, Form, Header, Query, UploadFile
from zephyr._compile.received import body_to_args, params_to_args
from zephyr.datastructures import FormData, Headers, MultiDict, QueryParams
from zephyr.dependencies.utils import get_dependant


class CountingList(list[Any]):
    """A backing list that counts the items iterated over."""

    visited = 0

    def __iter__(self) -> Iterator[Any]:
        for item in super().__iter__():
            self.visited += 1
            yield item


class Wide(BaseModel):
    model_config = ConfigDict(extra="allow")

    a0: str = ""
    a1: list[str] = []
    a2: str = Field("", alias="A2")
    a3: int = 0
    a4: str = ""
    a5: str = ""
    a6: str = ""
    a7: str = ""


def wide_query(data: Annotated[Wide, Query()], q: str = "", tags: Annotated[Sequence[str], Query()] = ()) -> None: ...


def wide_headers(data: Annotated[Wide, Header()], x_one: Annotated[str, Header()] = "") -> None: ...


def _count(received: Any) -> CountingList:
    backing = CountingList(received._list)
    received._list = backing
    return backing


def test_params_are_read_in_one_pass_whatever_the_number_of_fields() -> None:
    items = [("a1", "x"), ("a1", "y"), ("q", "1"), *((f"extra-{i}", str(i)) for i in range(200))]
    received = QueryParams(items)
    backing = _count(received)
    values, errors = params_to_args(get_dependant(path="/", call=wide_query).query_params, received)
    assert errors == []
    assert backing.visited == len(items)  # one pass: not one per field, model field or extra value
    assert values["data"].a1 == ["x", "y"] and values["q"] == "1" and values["tags"] == ()
    assert values["data"].model_extra["extra-199"] == "199"

    headers = Headers(raw=[(b"a3", b"7"), (b"x-one", b"1"), *((f"h-{i}".encode(), b"v") for i in range(200))])
    backing = _count(headers)
    values, errors = params_to_args(get_dependant(path="/", call=wide_headers).header_params, headers)
    assert errors == []
    assert backing.visited == 202
    assert values["data"].a3 == 7 and values["x_one"] == "1"


@pytest.mark.anyio
async def test_a_form_is_read_in_one_pass_whatever_the_number_of_fields() -> None:
    def endpoint(
        data: Annotated[Wide, Form()], name: Annotated[str, Form()] = "", raw: Annotated[bytes | None, File()] = None
    ) -> None: ...

    items: list[tuple[str, Any]] = [("a0", "zero"), ("name", "n"), *((f"extra-{i}", str(i)) for i in range(200))]
    form = FormData(items)
    backing = _count(form)
    values, errors = await body_to_args(get_dependant(path="/", call=endpoint).body_params, form, False)
    assert errors == []
    assert backing.visited == len(items)
    assert values["data"].a0 == "zero" and values["name"] == "n" and values["raw"] is None


def test_a_plain_mapping_gives_its_values_as_they_are() -> None:
    def endpoint(
        tags: Annotated[Sequence[str], Query()] = (),
        q: str | None = None,
        data: Annotated[Wide | None, Query()] = None,
    ) -> None: ...

    fields = get_dependant(path="/", call=endpoint).query_params
    values, errors = params_to_args(fields, {"tags": ["a", "b"], "q": None, "a1": ["x"], "other": ["1", "2"]})
    assert errors == []
    assert values["tags"] == ["a", "b"] and values["q"] is None  # None counts as not sent: the default
    assert values["data"].a1 == ["x"]
    assert values["data"].model_extra == {"tags": ["a", "b"], "q": None, "other": ["1", "2"]}
    values, errors = params_to_args(fields, {"tags": ""})
    assert errors == []
    assert values["tags"] == ()  # an empty sequence is not sent: the default
    assert values["data"].model_extra == {"tags": ""}  # an optional model that allows extras takes any value
    values, errors = params_to_args(fields, {})
    assert (values, errors) == ({"tags": (), "q": None, "data": None}, [])


def test_values_are_read_again_on_each_call() -> None:
    fields = get_dependant(path="/", call=wide_query).query_params
    received = MultiDict([("a0", "first"), ("extra", "1"), ("extra", "2")])
    before, _ = params_to_args(fields, received)
    received["extra"] = "3"
    after, _ = params_to_args(fields, received)
    assert before["data"].model_extra == {"extra": ["1", "2"]}
    assert after["data"].model_extra == {"extra": "3"}


class Token(BaseModel):
    x_token: int


def test_header_model_errors_name_the_header_sent() -> None:
    def endpoint(data: Annotated[Token, Header()]) -> None: ...

    fields = get_dependant(path="/", call=endpoint).header_params
    values, errors = params_to_args(fields, Headers({"X-Token": "no"}))
    assert values == {}
    assert [(error["type"], error["loc"], error["input"]) for error in errors] == [
        ("int_parsing", ("header", "x-token"), "no")
    ]


def test_no_fields_read_nothing() -> None:
    assert params_to_args([], QueryParams("a=1")) == ({}, [])


@pytest.mark.anyio
async def test_no_body_fields_read_nothing() -> None:
    assert await body_to_args([], None, False) == ({}, [])


@pytest.mark.anyio
async def test_starlettes_uploads_are_passed_on_and_read_for_bytes_fields() -> None:
    def endpoint(
        upload: Annotated[UploadFile, File()],
        content: Annotated[bytes, File()],
        contents: Annotated[list[bytes], File()],
        empty: Annotated[UploadFile | None, File()] = None,
    ) -> None: ...

    upload = StarletteUploadFile(io.BytesIO(b"kept"), filename="k.txt")
    content = StarletteUploadFile(io.BytesIO(b"payload"), filename="c.txt")
    content.file.seek(3)
    form = StarletteFormData(
        [
            ("upload", upload),
            ("content", content),
            ("contents", StarletteUploadFile(io.BytesIO(b"1"), filename="1.txt")),
            ("contents", "text"),
            ("empty", StarletteUploadFile(io.BytesIO(b""), filename="", size=0)),  # a file input left empty
        ]
    )
    values, errors = await body_to_args(get_dependant(path="/", call=endpoint).body_params, form, False)
    assert errors == []
    assert values["upload"] is upload and upload.file.tell() == 0
    assert values["content"] == b"load"  # read from where it was; the position is left there
    assert content.file.tell() == 3
    assert values["contents"] == [b"1", b"text"]
    assert values["empty"] is None
