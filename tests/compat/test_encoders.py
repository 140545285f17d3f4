"""``jsonable_encoder`` returns what FastAPI's returns, for the values FastAPI apps hand it."""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import enum
import ipaddress
import pathlib
import re
import uuid
from collections import deque
from typing import Any

import fastapi.encoders
import pytest
from pydantic import BaseModel, Field, SecretStr

import zephyr.encoders


class Color(enum.Enum):
    red = "red"
    number = 3


class Inner(BaseModel):
    x: int = 1
    y: str | None = None


class Outer(BaseModel):
    name: str = Field(alias="Name")
    inner: Inner = Inner()
    items: list[Inner] = []
    secret: SecretStr = SecretStr("s")
    when: datetime.datetime = datetime.datetime(2024, 1, 2, 3, 4, 5)
    opt: int | None = None


@dataclasses.dataclass
class DC:
    a: int
    b: list[str] = dataclasses.field(default_factory=list)
    c: Inner | None = None


class Plain:
    def __init__(self) -> None:
        self.a = 1
        self.b = "two"


VALUES: list[Any] = [
    None,
    1,
    1.5,
    "s",
    True,
    b"bytes",
    [1, (2, 3), {4}],
    frozenset({"a"}),
    deque([1, 2]),
    {"a": {"b": [datetime.date(2024, 1, 2)]}},
    {1: "int key", None: "none key", Color.red: "enum key"},
    datetime.datetime(2024, 1, 2, 3, 4, 5, 6),
    datetime.datetime(2024, 1, 2, tzinfo=datetime.timezone.utc),
    datetime.date(2024, 1, 2),
    datetime.time(1, 2, 3),
    datetime.timedelta(days=1, seconds=5, microseconds=3),
    decimal.Decimal("1.10"),
    decimal.Decimal("3"),
    uuid.UUID("3fa85f64-5717-4562-b3fc-2c963f66afa6"),
    Color.red,
    Color.number,
    pathlib.PurePosixPath("/a/b"),
    ipaddress.ip_address("127.0.0.1"),
    ipaddress.ip_network("10.0.0.0/8"),
    re.compile(r"^a+$"),
    SecretStr("hidden"),
    Inner(),
    Outer(Name="n", items=[Inner(x=2)]),
    DC(a=1, b=["x"], c=Inner(y="z")),
    Plain(),
    [Outer(Name="m")],
]


@pytest.mark.parametrize("value", VALUES, ids=lambda v: type(v).__name__)
@pytest.mark.parametrize(
    "options",
    [
        {},
        {"by_alias": False},
        {"exclude_none": True},
        {"exclude_unset": True},
        {"exclude_defaults": True},
        {"include": {"name", "inner"}},
        {"exclude": {"secret"}},
        {"sqlalchemy_safe": False},
    ],
    ids=str,
)
def test_jsonable_encoder_outputs(value: Any, options: dict[str, Any]) -> None:
    try:
        expected: Any = fastapi.encoders.jsonable_encoder(value, **options)
    except Exception as exc:  # the same refusal is expected
        with pytest.raises(type(exc)):
            zephyr.encoders.jsonable_encoder(value, **options)
        return
    assert zephyr.encoders.jsonable_encoder(value, **options) == expected


def test_custom_encoder() -> None:
    custom = {datetime.datetime: lambda d: d.year, Inner: lambda m: "inner"}
    value = {"d": datetime.datetime(2020, 1, 1), "m": Inner(), "o": Outer(Name="x")}
    expected = fastapi.encoders.jsonable_encoder(value, custom_encoder=custom)
    assert zephyr.encoders.jsonable_encoder(value, custom_encoder=custom) == expected


def test_custom_encoder_does_not_reach_into_dumped_models() -> None:
    custom = {str: lambda s: s.upper()}
    value = Outer(Name="x")
    expected = fastapi.encoders.jsonable_encoder(value, custom_encoder=custom)
    assert zephyr.encoders.jsonable_encoder(value, custom_encoder=custom) == expected


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_pydantic_color_is_encoded_as_its_name() -> None:
    from fastapi.encoders import jsonable_encoder as theirs
    from pydantic.color import Color

    from zephyr.encoders import jsonable_encoder as ours

    data = {"named": Color("blue"), "hex": Color("#123456")}
    assert ours(data) == theirs(data) == {"named": "blue", "hex": "#123456"}
