"""``plain_values`` and ``fast_values``: the request's values validated in one or two calls."""

from __future__ import annotations

from typing import Annotated, Any

import pytest

from zephyr import Form
from zephyr._compile.body import BodyState
from zephyr._compile.dependant import build_dependant
from zephyr._compile.plan import build_plan
from zephyr._compile.solve import FORM, fast_values, plain_values
from zephyr.datastructures import FormData


def _scope(query: bytes = b"") -> dict[str, Any]:
    return {"type": "http", "headers": [], "query_string": query, "path_params": {"item_id": "7"}}


def test_plain_values_validates_parameters_without_a_coroutine() -> None:
    def endpoint(item_id: int, q: str = "") -> None: ...

    plan = build_plan(build_dependant(endpoint, path="/items/{item_id}"), "r")
    assert plain_values(plan, _scope(b"q=a"), None) == {plan.fields[0].key: 7, plan.fields[1].key: "a"}
    assert plain_values(plan, {**_scope(), "path_params": {"item_id": "x"}}, None) is None


@pytest.mark.anyio
async def test_a_form_plan_is_left_to_fast_values() -> None:
    def endpoint(item_id: int, name: Annotated[str, Form()]) -> None: ...

    plan = build_plan(build_dependant(endpoint, path="/items/{item_id}"), "r")
    state = BodyState()
    state.form = FormData([("name", "ada")])
    assert plain_values(plan, _scope(), state) is FORM
    values = await fast_values(plan, _scope(), state)
    assert values is not None
    assert sorted(values.values(), key=str) == [7, "ada"]
    invalid = await fast_values(plan, {**_scope(), "path_params": {"item_id": "x"}}, state)
    assert invalid is None
