"""``zephyr._compile.dependant``: what the analysed parameters offer to code that inspects them."""

from __future__ import annotations

from typing import Annotated

from zephyr import Query
from zephyr.dependencies.utils import get_dependant


def endpoint(limit: Annotated[int, Query(gt=0, alias="max")] = 10) -> None: ...


def test_a_field_validates_a_value_as_fastapis_model_field_does() -> None:
    (field,) = get_dependant(path="/", call=endpoint).query_params
    assert field.validate("5") == (5, [])
    value, errors = field.validate("0", loc=("query", "max"))
    assert value is None
    assert [(error["type"], error["loc"], error["input"]) for error in errors] == [
        ("greater_than", ("query", "max"), "0")
    ]
    assert "url" not in errors[0]
    # no default and no alias in the field's own validator: the caller reads the value and applies the default
    assert field.validate(None)[1][0]["type"] == "int_type"
    assert field.type_adapter is field.type_adapter  # built once
