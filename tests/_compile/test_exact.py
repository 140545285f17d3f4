"""The exact path's reuse of the errors the fast path found for a form (a default factory runs once per request)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, Field

from zephyr import Depends, Form
from zephyr._compile.dependant import build_dependant
from zephyr._compile.exact import _fast_form_errors
from zephyr._compile.plan import Plan, build_plan

_MISSING: Any = Field().default  # PydanticUndefined


class Model(BaseModel):
    value: bool


def dependency(params: Annotated[Model, Form()]) -> Model:
    return params


def _false() -> bool:
    return False


def _plan(endpoint: Any) -> Plan:
    return build_plan(build_dependant(endpoint, path="/"), "endpoint")


def test_a_left_out_factory_field_reports_the_fast_errors_under_its_name() -> None:
    def endpoint(flag: Annotated[bool, Form(default_factory=_false)], name: Annotated[str, Form()]) -> None: ...

    plan = _plan(endpoint)
    flag, name = plan.root.params
    found = [{"type": "value_error", "loc": (flag.key,), "msg": "m", "input": False}]
    assert _fast_form_errors(plan, flag, _MISSING, found, True) == [{**found[0], "loc": ("body", "flag")}]
    # a field that was sent, or one without a factory, is validated again
    assert _fast_form_errors(plan, flag, "on", found, True) is None
    assert _fast_form_errors(plan, name, _MISSING, found, True) is None
    # nothing kept: the fast path did not fail on the form
    assert _fast_form_errors(plan, flag, _MISSING, None, True) is None


def test_a_factory_field_without_errors_needs_no_value_only_for_the_endpoint() -> None:
    def endpoint(flag: Annotated[bool, Form(default_factory=_false)], name: Annotated[str, Form()]) -> None: ...

    plan = _plan(endpoint)
    flag, name = plan.root.params
    others = [{"type": "string_too_short", "loc": (name.key,), "msg": "m", "input": "a"}]
    assert _fast_form_errors(plan, flag, _MISSING, others, True) == []
    assert _fast_form_errors(plan, flag, _MISSING, others, False) is None  # a dependency's may be called
    # an error the exact path cannot place on a field: the default is made again rather than an error lost
    unplaced = [{"type": "model_type", "loc": (), "msg": "m", "input": None}]
    assert _fast_form_errors(plan, flag, _MISSING, unplaced, True) is None


def test_a_form_model_reports_the_fast_errors_under_body() -> None:
    def endpoint(params: Annotated[Model, Form()]) -> None: ...

    plan = _plan(endpoint)
    (params,) = plan.root.params
    found = [{"type": "bool_parsing", "loc": ("value",), "msg": "m", "input": "x"}]
    assert _fast_form_errors(plan, params, {"value": "x"}, found, True) == [{**found[0], "loc": ("body", "value")}]
    assert _fast_form_errors(plan, params, _MISSING, found, True) is None


def test_a_form_model_taken_twice_is_validated_again() -> None:
    def endpoint(params: Annotated[Model, Form()], again: Annotated[Model, Depends(dependency)]) -> None: ...

    plan = _plan(endpoint)
    assert plan.body is not None
    assert plan.body.twins  # the second ``params`` is validated on its own, from the same form
    field = plan.body.fields[0]
    assert _fast_form_errors(plan, field, {"value": "x"}, [{"loc": ("value",)}], True) is None
