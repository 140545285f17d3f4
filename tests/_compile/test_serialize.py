"""``dumps`` must write exactly what FastAPI's ``JSONResponse(jsonable_encoder(content))`` writes."""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import enum
import json
import uuid
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from zephyr._compile.serialize import _plain, dumps
from zephyr.encoders import jsonable_encoder


def _reference(content: Any) -> bytes:
    encoded = jsonable_encoder(content)
    return json.dumps(encoded, ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":")).encode()


json_data = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(), children, max_size=5),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None, database=None)
@given(json_data)
def test_plain_data_is_written_as_json_dumps_writes_it(content: Any) -> None:
    assert dumps(content) == _reference(content)


class Color(enum.Enum):
    RED = "red"


class Level(enum.IntEnum):
    HIGH = 3


class Model(BaseModel):
    when: datetime.datetime
    amount: decimal.Decimal


@dataclasses.dataclass
class Point:
    x: int
    y: float


@pytest.mark.parametrize(
    "content",
    [
        {"color": Color.RED, "level": Level.HIGH},
        {"id": uuid.UUID(int=5), "when": datetime.date(2020, 1, 2), "delta": datetime.timedelta(seconds=90)},
        [Model(when=datetime.datetime(2020, 1, 1, 12), amount=decimal.Decimal("1.50"))],
        {"point": Point(1, 0.5), "set": {1}, "tuple": (1, 2), "bytes": b"abc"},
        {1: "int key", 2.5: "float key", None: "none key"},
        {"tiny": 1e-7, "huge": 1e300, "neg": -0.0},
    ],
)
def test_other_values_take_the_jsonable_encoder_route(content: Any) -> None:
    assert dumps(content) == _reference(content)


def test_nan_is_refused_as_json_dumps_refuses_it() -> None:
    with pytest.raises(ValueError, match="Out of range float values are not JSON compliant"):
        dumps({"x": float("nan")})


@pytest.mark.parametrize(
    "content",
    [
        {"_sa": None},
        {"_sa_instance_state": 1, "name": "x"},
        {"rows": [{"_sa": 1, "id": 2}]},
        {"small": 1e-7, "_sa": 3},  # not plain for pydantic-core: the json.dumps path must drop it too
        ({"_sa": 1},),
    ],
)
def test_keys_starting_with_sa_are_dropped_as_jsonable_encoder_drops_them(content: Any) -> None:
    assert dumps(content) == _reference(content)


class _Text(str):
    pass


def _nested(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = {"a": [value]} if depth % 2 else [value]
    return value


@pytest.mark.parametrize(
    ("content", "plain"),
    [
        ({"a": 1, "b": [True, None, "x", {"c": 0.5}]}, True),
        ({"a": [1, {"b": _Text("subclass")}]}, False),  # a subclass deep in a list of dicts
        ({1: "int key"}, False),
        ({"a": {"_sa_state": 1}}, False),
        ([1, 2, (3,)], False),  # a tuple is not a list for json.dumps's byte-for-byte twin
        ({"a": 1e-7}, False),
        ({"a": 1e-3, "b": -0.0, "c": 0.0}, True),
        (_nested(33), False),  # deeper than the check looks
        (_nested(30), True),
    ],
)
def test_plain_accepts_exactly_the_json_data_pydantic_core_writes_alike(content: Any, plain: bool) -> None:
    assert _plain(content) is plain
    assert dumps(content) == _reference(content)
