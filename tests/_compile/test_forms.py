"""``zephyr._compile.forms``: each model of a form union picks its own fields out of the whole form."""

from __future__ import annotations

from typing import Any, Literal

import pytest
from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from zephyr._compile.forms import form_union_models, form_values, with_form_normalizers
from zephyr.datastructures import FormData


class Cat(BaseModel):
    kind: Literal["cat"]
    name: str = "anonymous"


class Dog(BaseModel):
    model_config = ConfigDict(extra="allow")
    kind: Literal["dog"]
    tricks: list[str]


Pet = Cat | Dog
ADAPTER: TypeAdapter[Any] = TypeAdapter(with_form_normalizers(Pet))


def test_union_models() -> None:
    assert form_union_models(Pet) == (Cat, Dog)
    assert form_union_models(Cat | None) == ()  # one model: read as a single form model
    assert form_union_models(Cat | int) == ()


def test_each_model_reads_its_own_fields_and_keeps_the_rest_as_extra_values() -> None:
    form = FormData([("kind", "dog"), ("tricks", "sit"), ("tricks", "roll"), ("toy", "ball"), ("toy", "rope")])
    dog = ADAPTER.validate_python(form_values(form))
    assert isinstance(dog, Dog)
    assert dog.tricks == ["sit", "roll"] and dog.model_extra == {"toy": ["ball", "rope"]}
    cat = ADAPTER.validate_python(form_values(FormData([("kind", "cat"), ("kind", "cat"), ("name", "")])))
    assert cat == Cat(kind="cat")  # the last value of a repeated name; an empty value is not sent


def test_values_a_validator_supplies_keep_their_shape() -> None:
    dog = ADAPTER.validate_python({"kind": ["dog"], "tricks": ["sit"], "none": None, "empty": [], "one": ["x"]})
    assert dog.tricks == ["sit"]
    assert dog.model_extra == {"none": None, "empty": [], "one": "x"}


def test_no_model_fits() -> None:
    with pytest.raises(ValidationError) as caught:
        ADAPTER.validate_python({"kind": "bird"})
    assert {error["loc"][0] for error in caught.value.errors()} == {"Cat", "Dog"}
