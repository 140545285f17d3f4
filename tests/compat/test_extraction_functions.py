"""``request_params_to_args`` and ``request_body_to_args`` called directly give FastAPI's values and errors.

Each case runs the same source on FastAPI (over Starlette's ``QueryParams``, ``Headers`` and ``FormData``) and on
Zephyr (over Zephyr's own), and compares what the functions return: values (models, uploads and their file
positions summarised) and the exact error dicts. FastAPI 0.165 reworked both functions (parameter models' extra
values, header conversion, form unions), hence ``current_reference``.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.compat.harness import build_pair

pytestmark = [pytest.mark.anyio, pytest.mark.current_reference]

SOURCE = """
from io import BytesIO
from typing import Annotated, Any, Literal

from fastapi import Body, Cookie, File, Form, Header, Path, Query, UploadFile
from fastapi.dependencies.utils import get_dependant, request_body_to_args, request_params_to_args
from pydantic import AliasChoices, BaseModel, ConfigDict, Field, model_validator
from starlette.datastructures import FormData, Headers, QueryParams


def shape(value: Any) -> Any:
    if isinstance(value, BaseModel):
        fields = {name: shape(getattr(value, name)) for name in type(value).model_fields}
        return {"model": type(value).__name__, "fields": fields, "extra": shape(value.model_extra)}
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [shape(item) for item in value]
    if isinstance(value, BaseException):
        return repr(value)
    if hasattr(value, "filename") and hasattr(value, "file"):
        return {"upload": value.filename, "position": value.file.tell()}
    return value


def params(call, location, *received):
    fields = getattr(get_dependant(path="/items/{item_id}", call=call), location + "_params")
    return [shape(request_params_to_args(fields, each)) for each in received]


async def body(call, *received, embed=False):
    fields = get_dependant(path="/", call=call).body_params
    return [shape(await request_body_to_args(fields, each, embed)) for each in received]


def upload(content: bytes, name: str = "a.txt") -> UploadFile:
    return UploadFile(BytesIO(content), filename=name, size=len(content))


def headers(*pairs):
    return Headers(raw=[(key.encode(), value.encode()) for key, value in pairs])


def scalar_queries(
    q: str,
    limit: int = 10,
    tags: Annotated[list[str], Query()] = [],
    chosen: Annotated[int | None, Query(validation_alias=AliasChoices("first", "second"))] = None,
):
    return q


async def case_query_scalars():
    return params(
        scalar_queries,
        "query",
        QueryParams("q=x&limit=5&tags=a&tags=b&second=3&limit=6"),
        QueryParams("limit=x&tags=&first=no"),
        QueryParams(""),
        {"q": "plain", "tags": ["a", "b"], "limit": "7"},
        {"q": None, "tags": ""},
    )


class Filters(BaseModel):
    model_config = ConfigDict(extra="allow")
    tags: list[str] = []
    page: int = 1


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")
    page: int = 1


class Loose(BaseModel):
    page: int = 1


def allow_model(data: Annotated[Filters, Query()]):
    return data


def forbid_model(data: Annotated[Strict, Query()]):
    return data


def ignore_model(data: Annotated[Loose, Query()]):
    return data


def optional_models(a: Annotated[Loose | None, Query()] = None, b: Annotated[Strict | None, Query()] = None):
    return a


async def case_query_models():
    received = [
        QueryParams("tags=a&tags=b&x=1&x=2&y=3&page=2"),
        QueryParams("page=x&y="),
        QueryParams(""),
        {"tags": ["a"], "x": ["1", "2"], "page": "3"},
    ]
    return [
        params(allow_model, "query", *received),
        params(forbid_model, "query", *received),
        params(ignore_model, "query", *received),
        params(optional_models, "query", QueryParams("other=1"), QueryParams(""), QueryParams("page=4")),
    ]


class Chosen(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)
    page_size: int = Field(10, alias="pageSize")
    sort: str = Field("asc", validation_alias=AliasChoices("order", "sort"))


def chosen_model(data: Annotated[Chosen, Query()]):
    return data


async def case_query_model_aliases():
    return params(
        chosen_model,
        "query",
        QueryParams("page_size=5&sort=desc&order=up"),
        QueryParams("pageSize=5&page_size=6"),
        QueryParams("pageSize=bad"),
    )


def scalar_headers(
    user_agent: Annotated[str, Header()],
    x_tags: Annotated[list[int], Header()] = [],
    raw_name: Annotated[str | None, Header(convert_underscores=False)] = None,
):
    return user_agent


async def case_header_scalars():
    return params(
        scalar_headers,
        "header",
        headers(("user-agent", "ua"), ("x-tags", "1"), ("x-tags", "2"), ("raw_name", "r"), ("user-agent", "two")),
        Headers({"User-Agent": "ua", "X-Tags": "x"}),
        headers(("user_agent", "unconverted")),
    )


class HeaderModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    x_token: str
    tags: list[str] = []
    explicit: str = Field("none", alias="X-Explicit")


class HeaderExtras(BaseModel):
    model_config = ConfigDict(extra="allow")
    x_token: str = "none"


def header_model(data: Annotated[HeaderModel, Header()]):
    return data


def header_extras(data: Annotated[HeaderExtras, Header()]):
    return data


def raw_header_model(data: Annotated[HeaderExtras, Header(convert_underscores=False)]):
    return data


async def case_header_models():
    received = [
        headers(("x-token", "t"), ("tags", "a"), ("tags", "b"), ("x-explicit", "e")),
        headers(("x_token", "unconverted"), ("other", "1"), ("other", "2")),
        Headers({"X-Token": "upper", "Single": "s"}),
        headers(),
    ]
    return [
        params(header_model, "header", *received),
        params(header_extras, "header", *received),
        params(raw_header_model, "header", *received),
    ]


class Session(BaseModel):
    model_config = ConfigDict(extra="forbid")
    session: str


def cookies_and_path(item_id: Annotated[int, Path()], data: Annotated[Session, Cookie()], theme: str = Cookie("x")):
    return data


async def case_cookies_and_path():
    return [
        params(cookies_and_path, "cookie", {"session": "s", "theme": "dark"}, {"other": "1"}, {}),
        params(cookies_and_path, "path", {"item_id": "3"}, {"item_id": "x"}, {}),
    ]


class Item(BaseModel):
    name: str
    price: float = 0


def single_item(item: Item):
    return item


def optional_item(item: Item | None = None):
    return item


def embedded(
    item: Annotated[Item, Body(embed=True)],
    count: Annotated[int, Body(validation_alias=AliasChoices("count", "n"))] = 1,
):
    return item


async def case_json_bodies():
    received = [{"name": "a", "price": "2"}, {"item": {"name": "b"}, "n": "5"}, {}, None, [], b"not json", "text"]
    return [
        await body(single_item, *received),
        await body(single_item, *received, embed=True),
        await body(optional_item, *received),
        await body(embedded, *received),
    ]


def form_scalars(
    name: Annotated[str, Form()],
    tags: Annotated[list[str], Form()] = [],
    note: Annotated[str | None, Form()] = None,
    count: Annotated[int, Form(validation_alias=AliasChoices("count", "n"))] = 0,
):
    return name


async def case_form_scalars():
    return await body(
        form_scalars,
        FormData([("name", "a"), ("tags", "x"), ("tags", "y"), ("note", ""), ("n", "4"), ("other", "o")]),
        FormData([("name", ""), ("tags", ""), ("count", "bad")]),
        FormData([]),
    )


class Profile(BaseModel):
    model_config = ConfigDict(extra="allow")
    name: str
    tags: list[str] = []

    @model_validator(mode="before")
    @classmethod
    def record(cls, value: Any) -> Any:
        if isinstance(value, dict):
            value = {**value, "seen": sorted(value)}
        return value


def form_model(data: Annotated[Profile, Form()]):
    return data


def optional_form_model(data: Annotated[Profile | None, Form()] = None):
    return data


async def case_form_models():
    mixed = FormData(
        [("name", "n"), ("mixed", upload(b"first", "1.txt")), ("empty", ""), ("mixed", "text"), ("tags", "t")]
    )
    return [
        await body(form_model, mixed, FormData([("tags", "a"), ("tags", "b")]), FormData([])),
        await body(optional_form_model, FormData([("other", "1")]), FormData([]), FormData([("name", "x")])),
    ]


class First(BaseModel):
    kind: Literal["first"]
    value: int = 0


class Second(BaseModel):
    model_config = ConfigDict(extra="allow")
    kind: Literal["second"]
    tags: list[str]


def form_union(data: Annotated[First | Second, Form()]):
    return data


async def case_form_unions():
    return await body(
        form_union,
        FormData([("kind", "second"), ("tags", "a"), ("tags", "b"), ("x", "1"), ("x", "2")]),
        FormData([("kind", "first"), ("value", "3"), ("tags", "ignored")]),
        FormData([("kind", "third")]),
    )


def files(
    data: Annotated[bytes, File()],
    many: Annotated[list[bytes], File()] = [],
    keep: Annotated[UploadFile | None, File()] = None,
    maybe: Annotated[bytes | None, File()] = None,
):
    return data


async def case_files():
    kept = upload(b"kept", "k.txt")
    return await body(
        files,
        FormData(
            [
                ("data", upload(b"payload")),
                ("many", upload(b"1")),
                ("many", upload(b"2")),
                ("keep", kept),
                ("maybe", UploadFile(BytesIO(b""), filename="", size=0)),
            ]
        ),
        FormData([("many", "text")]),
    )
"""

CASES = [
    "query_scalars",
    "query_models",
    "query_model_aliases",
    "header_scalars",
    "header_models",
    "cookies_and_path",
    "json_bodies",
    "form_scalars",
    "form_models",
    "form_unions",
    "files",
]


@pytest.mark.parametrize("case", CASES)
async def test_extraction_functions_answer_as_fastapi(case: str) -> None:
    theirs, ours = build_pair(SOURCE)
    expected: Any = await getattr(theirs, f"case_{case}")()
    found: Any = await getattr(ours, f"case_{case}")()
    assert found == expected
