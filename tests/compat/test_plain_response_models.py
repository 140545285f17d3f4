# ruff: noqa: E501 - app sources are kept as an app would write them
"""Response models fed plain dicts (Zephyr's typed-dict shortcut, with orjson) answer byte for byte as on FastAPI.

The endpoints return what real apps return: rows as dicts, partly coercible, with extra keys, nested, mixed with
model instances and attribute objects, and some that fail validation.
"""

from __future__ import annotations

from tests.compat.harness import assert_same, get

APP = """
import datetime
import decimal
import enum
import json
import uuid
from typing import Any, Generic, Literal, Optional, TypeVar, Union

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

app = FastAPI()

T = TypeVar("T")


class PrettyJSON(JSONResponse):
    def render(self, content: Any) -> bytes:
        return json.dumps(content, indent=1, sort_keys=True).encode()


class Color(str, enum.Enum):
    RED = "red"
    BLUE = "blue"


class Tag(BaseModel):
    label: str
    weight: float = 1.0


class Item(BaseModel):
    id: int
    name: str
    price: float
    tags: list[str] = []
    tag: Optional[Tag] = None
    labels: list[Tag] = Field(default_factory=list)
    meta: dict[str, int] = {}
    kind: Literal["a", "b"] = "a"
    code: Union[int, str] = 0


class Rich(BaseModel):
    model_config = ConfigDict(populate_by_name=True, str_strip_whitespace=True)

    item_name: str = Field(alias="itemName")
    secret: str = Field(default="hidden", exclude=True)
    color: Color = Color.RED
    when: Optional[datetime.datetime] = None
    day: Optional[datetime.date] = None
    ident: Optional[uuid.UUID] = None
    amount: Optional[decimal.Decimal] = None
    pair: tuple[int, str] = (1, "x")
    note: Optional[str] = None


class Tree(BaseModel):
    value: int
    children: list["Tree"] = []


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: int


class Row:
    def __init__(self, **values: Any) -> None:
        self.__dict__.update(values)


class Orm(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str


ROWS = [
    {"id": 1, "name": "one", "price": 2.5, "tags": ["x"], "extra": "dropped"},
    {"id": "2", "name": "two", "price": 3, "tag": {"label": "t", "weight": 2}, "labels": [{"label": "u"}], "meta": {"a": "1"}, "kind": "b", "code": "c"},
    {"id": 3.0, "name": "three", "price": "4.75", "tags": ("p", "q"), "code": 7},
    {"id": 4, "name": "é \\u2028 \\x00", "price": 1e-7, "tags": []},
    {"id": 5, "name": "big", "price": 1e300, "tags": []},
]


@app.get("/items", response_model=list[Item])
async def items():
    return ROWS


@app.get("/items/{index}", response_model=Item)
def item(index: int):
    return ROWS[index]


@app.get("/items-none", response_model=list[Item], response_model_exclude_none=True)
async def items_none():
    return ROWS


@app.get("/mixed", response_model=list[Item])
async def mixed():
    return [ROWS[0], Item(id=9, name="instance", price=1)]


@app.get("/big", response_model=Item)
async def big():
    return {"id": 2**70, "name": "past 64 bits", "price": 1}


@app.get("/inf", response_model=list[Item])
async def inf():
    return [{"id": 1, "name": "n", "price": float("inf")}, {"id": 2, "name": "n", "price": float("nan")}]


@app.get("/rich", response_model=Rich)
async def rich():
    return {
        "itemName": "  padded  ",
        "secret": "s",
        "color": "blue",
        "when": "2024-01-02T03:04:05Z",
        "day": "2024-01-02",
        "ident": "12345678-1234-5678-1234-567812345678",
        "amount": "1.50",
        "pair": ["2", "y"],
    }


@app.get("/rich-by-name", response_model=Rich, response_model_by_alias=False)
async def rich_by_name():
    return {"item_name": "by name"}


@app.get("/tree", response_model=Tree)
async def tree():
    return {"value": 1, "children": [{"value": 2, "children": [{"value": 3}]}]}


@app.get("/page", response_model=Page[Item])
async def page():
    return {"items": ROWS[:2], "total": 2}


@app.get("/frozen", response_model=Frozen)
async def frozen():
    return {"id": "5"}


@app.get("/orm", response_model=list[Orm])
async def orm():
    return [Row(id=1, name="a"), Row(id=2, name="b")]


@app.get("/orm-dicts", response_model=list[Orm])
async def orm_dicts():
    return [{"id": 1, "name": "a"}]


@app.get("/annotated")
async def annotated() -> list[Item]:
    return ROWS[:2]


@app.get("/dict-of-models", response_model=dict[str, Tag])
async def dict_of_models():
    return {"a": {"label": "x"}, "b": {"label": "y", "weight": "3"}}


class Simple(BaseModel):
    id: int
    name: str
    price: float
    tags: list[str] = []
    kind: Literal["a", "b"] = "a"
    ratio: Optional[float] = None


@app.get("/simple", response_model=list[Simple])
async def simple():
    return ROWS + [{"id": True, "name": "flag", "price": 1, "ratio": 2}]


@app.get("/simple-big", response_model=Simple)
async def simple_big():
    return {"id": 2**70, "name": "past 64 bits", "price": 1}


@app.get("/simple-inf", response_model=list[Simple])
async def simple_inf():
    return [{"id": 1, "name": "n", "price": float("inf"), "ratio": float("nan")}]


@app.get("/custom-class", response_model=list[Item], response_class=PrettyJSON)
async def custom_class():
    return ROWS + [{"id": 6, "name": "inf", "price": float("inf")}]


@app.get("/custom-class-simple", response_model=list[Simple], response_class=PrettyJSON)
async def custom_class_simple():
    return ROWS


@app.get("/custom-class-rich", response_model=Rich, response_class=PrettyJSON)
async def custom_class_rich():
    return {"itemName": "x", "when": "2024-01-02T03:04:05Z", "amount": "1.50", "ident": "12345678-1234-5678-1234-567812345678"}


@app.get("/empty", response_model=list[Item])
async def empty():
    return []
"""


def test_plain_rows_through_response_models() -> None:
    assert_same(
        APP,
        [
            get("/items"),
            get("/items/0"),
            get("/items/1"),
            get("/items/3"),
            get("/items-none"),
            get("/mixed"),
            get("/big"),
            get("/inf"),
            get("/rich"),
            get("/rich-by-name"),
            get("/tree"),
            get("/page"),
            get("/frozen"),
            get("/orm"),
            get("/orm-dicts"),
            get("/annotated"),
            get("/dict-of-models"),
            get("/simple"),
            get("/simple-big"),
            get("/simple-inf"),
            get("/custom-class"),
            get("/custom-class-simple"),
            get("/custom-class-rich"),
            get("/empty"),
        ],
    )


INVALID_APP = """
from fastapi import FastAPI
from pydantic import BaseModel

app = FastAPI()


class Item(BaseModel):
    id: int
    name: str


@app.get("/bad-row", response_model=list[Item])
async def bad_row():
    return [{"id": 1, "name": "ok"}, {"id": "x"}]


@app.get("/not-a-dict", response_model=Item)
async def not_a_dict():
    return "nope"
"""


def test_invalid_rows_are_the_same_500() -> None:
    assert_same(INVALID_APP, [get("/bad-row"), get("/not-a-dict")], raise_server_exceptions=False)
