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

from zephyr._compile.serialize import dumps
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
