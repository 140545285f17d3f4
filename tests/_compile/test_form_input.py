"""How a form body becomes validation input: ``AliasChoices`` on form fields, unselected file inputs."""

from __future__ import annotations

import io
from typing import Annotated

import pytest
from pydantic import AliasChoices, BaseModel, Field

from zephyr import Body, File, Form
from zephyr._compile.body import BodyState
from zephyr._compile.dependant import build_dependant
from zephyr._compile.form_input import chosen_name, form_input
from zephyr._compile.plan import build_plan
from zephyr._compile.solve import _fill_defaults
from zephyr.datastructures import FormData, UploadFile

pytestmark = pytest.mark.anyio


class Shared(BaseModel):
    names: Annotated[list[str], Field(validation_alias=AliasChoices("names", "legacy"))]
    text: Annotated[str, Field(validation_alias=AliasChoices("text", "legacy"))]


def _unselected() -> UploadFile:
    return UploadFile(io.BytesIO(b""), filename="", size=0)


async def test_a_form_field_reads_the_first_choice_holding_a_value() -> None:
    def endpoint(
        value: Annotated[int, Form(alias="legacy", validation_alias=AliasChoices("first", "second"))],
        many: Annotated[list[str], Form(validation_alias=AliasChoices("many", "more"))],
    ) -> None: ...

    plan = build_plan(build_dependant(endpoint, path="/"), "endpoint")
    form = FormData([("first", ""), ("second", "5"), ("legacy", "3"), ("more", ""), ("more", "x")])
    assert await form_input(plan, form) == {"p0": "5", "p1": ["", "x"]}
    assert chosen_name(form, ("first", "second"), False) == "second"
    assert chosen_name(FormData([]), ("first", "second"), False) == "first"


async def test_unselected_file_inputs_are_not_sent() -> None:
    def endpoint(
        upload: Annotated[UploadFile | None, File()] = None,
        uploads: Annotated[list[UploadFile] | None, File()] = None,
    ) -> None: ...

    plan = build_plan(build_dependant(endpoint, path="/"), "endpoint")
    kept = UploadFile(io.BytesIO(b"hi"), filename="", size=2)
    form = FormData([("upload", _unselected()), ("uploads", _unselected()), ("uploads", kept)])
    assert await form_input(plan, form) == {"p1": [kept]}


async def test_a_form_model_field_reads_one_choice_and_leaves_the_rest_extra() -> None:
    def endpoint(params: Annotated[Shared, Form()]) -> None: ...

    plan = build_plan(build_dependant(endpoint, path="/"), "endpoint")
    form = FormData([("legacy", "one"), ("legacy", "two"), ("text", "hello"), ("other", "x")])
    assert await form_input(plan, form) == {"legacy": ["one", "two"], "text": "hello", "other": "x"}


def test_missing_body_defaults_are_validated_when_asked() -> None:
    def endpoint(value: Annotated[int, Body(default_factory=lambda: "7", validate_default=True)]) -> None: ...

    def invalid(value: Annotated[int, Body(validate_default=True)] = "x") -> None:  # type: ignore[assignment]
        ...

    plan = build_plan(build_dependant(endpoint, path="/"), "endpoint")
    assert plan.body is not None
    values: dict[str, object] = {}
    assert _fill_defaults(plan, plan.body.fields, values, BodyState())
    assert values == {"p0": 7}
    plan = build_plan(build_dependant(invalid, path="/"), "invalid")
    assert plan.body is not None
    assert not _fill_defaults(plan, plan.body.fields, {}, BodyState())
