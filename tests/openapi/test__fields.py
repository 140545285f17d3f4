"""``zephyr.openapi._fields.ModelField``: FastAPI's field (``fastapi._compat.ModelField``)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict, Field
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from zephyr.openapi._fields import ModelField


class Item(BaseModel):
    name: str = Field(alias="itemName")


def test_required_field_has_no_default() -> None:
    field = ModelField(field_info=FieldInfo(annotation=str), name="foo")
    assert field.default is PydanticUndefined
    assert field.required
    assert (field.alias, field.type_, field.mode) == ("foo", str, "validation")


def test_default_and_factory() -> None:
    assert ModelField(field_info=FieldInfo(annotation=int, default=3), name="n").default == 3
    field = ModelField(field_info=FieldInfo(annotation=list[int], default_factory=list), name="n")
    assert field.default == [] and field.default is not field.default
    assert not field.required


def test_aliases() -> None:
    info = FieldInfo(annotation=int, alias="a", validation_alias="v", serialization_alias="s")
    field = ModelField(field_info=info, name="n")
    assert (field.alias, field.validation_alias, field.serialization_alias) == ("a", "v", "s")


def test_validate_returns_value_or_errors_under_loc() -> None:
    field = ModelField(field_info=FieldInfo(annotation=int), name="n")
    assert field.validate("5") == (5, [])
    value, errors = field.validate("x", {}, loc=("query", "n"))
    assert value is None
    assert [(e["type"], e["loc"]) for e in errors] == [("int_parsing", ("query", "n"))]
    assert "url" not in errors[0]


def test_validate_reads_attributes_and_config() -> None:
    class Row:
        itemName = "a"

    item = ModelField(field_info=FieldInfo(annotation=Item), name="item")
    assert item.validate(Row()) == (Item(itemName="a"), [])
    strict = ModelField(field_info=FieldInfo(annotation=int), name="n", config=ConfigDict(strict=True))
    assert strict.validate("5")[1][0]["type"] == "int_type"


def test_serialize_by_alias_to_json() -> None:
    field = ModelField(field_info=FieldInfo(annotation=Item), name="item", mode="serialization")
    item = Item(itemName="a")
    assert field.serialize(item) == {"itemName": "a"}
    assert field.serialize(item, by_alias=False, mode="python") == {"name": "a"}
    assert field.serialize_json(item) == b'{"itemName":"a"}'


def test_fields_hash_by_identity() -> None:
    one = ModelField(field_info=FieldInfo(annotation=int), name="n")
    two = ModelField(field_info=one.field_info, name="n")
    assert one != two and len({one, two}) == 2


@pytest.mark.current_reference
@pytest.mark.parametrize("value", ["5", "x", None, [1]])
def test_validate_and_serialize_as_fastapis(value: Any) -> None:
    from fastapi._compat import v2

    info = FieldInfo(annotation=int | None, default=None)
    ours = ModelField(field_info=info, name="n").validate(value, loc=("body",))
    theirs = v2.ModelField(field_info=info, name="n").validate(value, loc=("body",))
    assert ours == theirs
