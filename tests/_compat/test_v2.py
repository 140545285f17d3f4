"""``zephyr._compat.v2``: FastAPI's ``ModelField`` functions, as libraries call them."""

from __future__ import annotations

from collections import deque
from typing import Annotated, Any, Union, cast

import pytest
from pydantic import BaseModel, Field
from pydantic.fields import FieldInfo

import zephyr._compat
from zephyr import params
from zephyr._compat import v2
from zephyr.openapi._fields import ModelField


class Tag(BaseModel):
    label: str


class Item(BaseModel):
    name: str
    tags: list[Tag] = []


def field(annotation: Any, name: str = "f", **kwargs: Any) -> ModelField:
    return ModelField(field_info=FieldInfo(annotation=annotation, **kwargs), name=name)


def test_compat_exports_the_same_objects() -> None:
    assert zephyr._compat.ModelField is v2.ModelField is ModelField
    assert zephyr._compat.Undefined is v2.Undefined is v2.RequiredParam


@pytest.mark.parametrize(
    ("annotation", "expected"),
    [
        (list[str] | None, ["a", "b"]),
        (Union[None, list[str]], ["a", "b"]),
        (tuple[str, ...], ("a", "b")),
        (set[str], {"a", "b"}),
        (deque[str], deque(["a", "b"])),
    ],
)
def test_serialize_sequence_value_builds_the_declared_type(annotation: Any, expected: Any) -> None:
    result = v2.serialize_sequence_value(field=field(cast("Any", annotation)), value=["a", "b"])
    assert result == expected and type(result) is type(expected)


def test_serialize_sequence_value_refuses_a_scalar_field() -> None:
    with pytest.raises(TypeError, match="not as a sequence"):
        v2.serialize_sequence_value(field=field(int), value=[1])


def test_is_scalar_field_excludes_bodies() -> None:
    assert v2.is_scalar_field(ModelField(field_info=params.Query(annotation=int), name="q"))
    assert not v2.is_scalar_field(ModelField(field_info=params.Body(annotation=int), name="b"))
    assert not v2.is_scalar_field(field(Item))


def test_copy_field_info_takes_type_and_constraints_from_the_annotation() -> None:
    marker = params.Query(description="how many")
    copied = v2.copy_field_info(field_info=marker, annotation=Annotated[int, Field(gt=0)])
    assert type(copied) is params.Query and copied is not marker
    assert copied.annotation is int and copied.description == "how many"
    assert [type(m).__name__ for m in copied.metadata] == ["Gt"]


def test_missing_field_error() -> None:
    assert v2.get_missing_field_error(("query", "q")) == {
        "type": "missing",
        "loc": ("query", "q"),
        "msg": "Field required",
        "input": None,
    }


def test_create_body_model_and_model_fields() -> None:
    model = v2.create_body_model(fields=[field(int, "a"), field(str, "b", default="x")], model_name="Body_x")
    assert model.__name__ == "Body_x"
    assert model(a="1").model_dump() == {"a": 1, "b": "x"}
    fields = v2.get_cached_model_fields(Item)
    assert [(f.name, f.field_info.annotation) for f in fields] == [("name", str), ("tags", list[Tag])]
    assert v2.get_cached_model_fields(Item) is fields


def test_evaluate_forwardref_is_lenient() -> None:
    assert v2.evaluate_forwardref("Item", {"Item": Item}) is Item
    assert v2.evaluate_forwardref("Missing", {}) == "Missing"
    assert v2.evaluate_forwardref(int) is int


def test_flat_models_and_names() -> None:
    known = v2.get_flat_models_from_fields([field(list[Item])], known_models=set())
    assert known == {Item, Tag}
    assert v2.get_model_name_map(known) == {Item: "Item", Tag: "Tag"}


def test_definitions_and_field_schema() -> None:
    items = field(list[Item], "items")
    mapping, definitions = v2.get_definitions(fields=[items], model_name_map={})
    assert set(definitions) == {"Item", "Tag"}
    schema = v2.get_schema_from_model_field(field=items, field_mapping=mapping)
    assert schema == {"items": {"$ref": "#/components/schemas/Item"}, "type": "array", "title": "Items"}


@pytest.mark.current_reference
def test_definitions_are_fastapis() -> None:
    from fastapi._compat import v2 as reference

    ours = [field(list[Item], "items"), field(int | None, "limit", default=None)]
    theirs = [reference.ModelField(field_info=f.field_info, name=f.name) for f in ours]
    our_mapping, our_definitions = v2.get_definitions(fields=ours, model_name_map={})
    their_mapping, their_definitions = reference.get_definitions(fields=theirs, model_name_map={})
    assert our_definitions == their_definitions
    for mine, reference_field in zip(ours, theirs, strict=True):
        assert v2.get_schema_from_model_field(
            field=mine, model_name_map={}, field_mapping=our_mapping
        ) == reference.get_schema_from_model_field(
            field=reference_field, model_name_map={}, field_mapping=their_mapping
        )
