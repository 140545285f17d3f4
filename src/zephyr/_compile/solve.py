"""The fast path: validate a request's values in one or two calls, then call the dependencies in order.

Every path/query/header/cookie value in one validator call, the JSON body in one more, straight from bytes; then
the dependency calls in order. When anything fails to validate, ``exact.slow_solve`` solves the request again the
way FastAPI does, for its exact 422 body.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AsyncExitStack
from typing import Any

from pydantic import ValidationError
from pydantic_core import PydanticUndefined

from zephyr._compile import inputs as _inputs
from zephyr._compile.body import BodyState, validate_json_body
from zephyr._compile.calls import call_step, run_sync
from zephyr._compile.dependant import ParamField
from zephyr._compile.form_input import form_input
from zephyr._compile.plan import LATER, Plan
from zephyr.types import Scope

__all__ = ("FORM", "PARAMS_MADE_SCOPE_KEY", "call_steps", "call_steps_reporting", "fast_values", "plain_values")

_MISSING: Any = PydanticUndefined

FORM: Any = object()
"""What ``plain_values`` returns for a form plan: the form is read asynchronously, by ``fast_values``."""


async def fast_values(plan: Plan, scope: Scope, state: BodyState | None) -> dict[str, Any] | None:
    """Validate everything in one or two calls; None when anything is invalid (then use ``slow_solve``)."""
    values = plain_values(plan, scope, state)
    if values is FORM:
        assert state is not None  # noqa: S101 - only a plan reading a form body answers FORM
        return await _with_form(plan, scope, state)
    return values  # type: ignore[no-any-return]


def plain_values(plan: Plan, scope: Scope, state: BodyState | None) -> Any:
    """``fast_values`` without a coroutine, for every plan but a form's (for which it returns ``FORM``).

    The request path calls this one: most routes read no form, and a coroutine per request is a cost of its own.
    """
    body = plan.body
    if body is not None and state is not None and body.kind != "json":
        return FORM
    values: dict[str, Any] = {}
    if plan.param_validator is not None:
        try:
            values.update(plan.param_validator.validate_python(_inputs.extract(plan, scope)).__dict__)
        except ValidationError:
            scope.pop(PARAMS_MADE_SCOPE_KEY, None)  # none made for this solve (a scope may serve several, see below)
            return None
        if plan.param_later and not _fill_param_later(plan, values, scope):
            return None
    if body is not None and state is not None:
        # A body that is not JSON (or has no JSON content type) leaves embedded fields unset, as in FastAPI.
        if not state.raw or (body.embed and isinstance(state.parsed, (bytes, bytearray))):
            if not _fill_defaults(plan, body.fields, values, state):
                return None
            return values
        validated = validate_json_body(body.validator, state, body.has_float)
        if validated is _MISSING:
            return None
        if body.embed:
            values.update(validated.__dict__)
            if body.later and not _fill_later(plan, body.later, values, state):
                return None
        else:
            values[body.single_key] = validated  # type: ignore[index]
            if body.twins and not _json_twins(body.twins, state, body.has_float, values):
                return None
    return values


async def _with_form(plan: Plan, scope: Scope, state: BodyState) -> dict[str, Any] | None:
    values: dict[str, Any] | None = plain_values(plan, scope, None)  # the parameters (no state: no body)
    if values is None or not await _fast_form(plan, state, values):
        return None
    return values


def _json_twins(twins: tuple[tuple[str, Any], ...], state: BodyState, has_float: bool, values: dict[str, Any]) -> bool:
    """Validate the whole JSON body again for each further field of the body's name; False when one is invalid."""
    for key, validator in twins:
        twin = validate_json_body(validator, state, has_float)
        if twin is _MISSING:
            return False
        values[key] = twin
    return True


async def _fast_form(plan: Plan, state: BodyState, values: dict[str, Any]) -> bool:
    """Validate a form body into ``values``; False when anything is invalid."""
    body = plan.body
    assert body is not None  # noqa: S101 - form plans have a body
    form_values = await form_input(plan, state.form)
    if form_values is _MISSING:  # an optional union of form models, not supplied
        return _fill_defaults(plan, body.fields, values, state)
    try:
        validated = body.validator.validate_python(form_values)
    except ValidationError as exc:
        # Kept for the exact path, which reports them instead of validating again: a default factory (and every
        # validator) of the form then runs once per request, as in FastAPI. Only the list: the error would tie its
        # traceback, and this frame, to the state.
        state.form_errors = exc.errors(include_url=False)
        return False
    if body.form_model is not None or body.form_union:
        values[body.single_key] = validated  # type: ignore[index]
        for key, validator in body.twins:
            try:
                values[key] = validator.validate_python(form_values)
            except ValidationError:
                return False
    else:
        values.update(validated.__dict__)
    return True


def _fill_defaults(plan: Plan, fields: Sequence[ParamField], values: dict[str, Any], state: BodyState) -> bool:
    """The defaults of body fields the request does not send; False when one is required or fails validation.

    A default made by a ``default_factory`` before the request turns out invalid is kept for the exact path
    (``BodyState.made``), which then reports it without calling the factory again: FastAPI calls it once.
    """
    made: dict[str, Any] | None = None
    for field in fields:
        info = field.field_info
        if info.is_required():
            return _keep_made(state, made)
        value = info.get_default(call_default_factory=True)
        if info.default_factory is not None:
            if made is None:
                made = {}
            made[field.key] = value
        if info.validate_default:  # validated like a sent value, as in FastAPI
            try:
                value = plan.adapter(field).validate_python(value, from_attributes=True)
            except ValidationError:
                return _keep_made(state, made)
        values[field.key] = value
    return True


def _fill_later(plan: Plan, fields: tuple[ParamField, ...], values: dict[str, Any], state: BodyState) -> bool:
    """Call the ``default_factory`` of the embedded body fields the validator left ``LATER`` (the body is valid)."""
    later = [field for field in fields if values[field.key] is LATER]
    return not later or _fill_defaults(plan, later, values, state)


PARAMS_MADE_SCOPE_KEY = "zephyr.defaults_made"
"""The scope key of ``(plan, defaults)``: the parameter defaults the fast path made with a ``default_factory`` (only
for routes with one), by field key. Should the request turn out invalid (a parameter, or the body after), the exact
path uses them instead of calling the factory a second time: FastAPI calls it once per request. The plan is kept
with them because one scope may be solved for several plans (``solve_dependencies`` on a hand-built dependant)."""


def _fill_param_later(plan: Plan, values: dict[str, Any], scope: Scope) -> bool:
    """Call the ``default_factory`` of the parameters the validator left ``LATER`` (the rest are valid)."""
    made: dict[str, Any] = {}
    for field in plan.param_later:
        if values[field.key] is not LATER:
            continue
        info = field.field_info
        value = made[field.key] = info.get_default(call_default_factory=True)
        scope[PARAMS_MADE_SCOPE_KEY] = (plan, made)
        if info.validate_default:  # validated like a sent value, as in FastAPI
            try:
                value = plan.adapter(field).validate_python(value, from_attributes=True)
            except ValidationError:
                return False
        values[field.key] = value
    return True


def _keep_made(state: BodyState, made: dict[str, Any] | None) -> bool:
    if made is not None:
        state.made = made
    return False


async def call_steps(
    plan: Plan, values: dict[str, Any], stack: AsyncExitStack | None, early: AsyncExitStack | None
) -> Any:
    """Call every dependency, then the endpoint; return the endpoint's result."""
    result: Any = None
    for step in plan.steps:
        kwargs = {name: values[key] for name, key in step.kwargs}
        result = await call_step(step, kwargs, stack, early)
        values[step.key] = result
    return result


async def call_steps_reporting(
    plan: Plan,
    values: dict[str, Any],
    stack: AsyncExitStack | None,
    early: AsyncExitStack | None,
    data: Any,
    dependencies: Any,
    traced: Any,
) -> Any:
    """``call_steps`` under native telemetry: the endpoint's arguments are recorded, then the endpoint runs in its span.

    The ``dependencies`` operation ends where the endpoint's begins; a plain ``def`` endpoint's span is started in
    the worker thread, so that it is current where the code runs.
    """
    steps = plan.steps
    last = len(steps) - 1
    result: Any = None
    for index, step in enumerate(steps):
        kwargs = {name: values[key] for name, key in step.kwargs}
        if index != last:
            result = await call_step(step, kwargs, stack, early)
        else:
            data.values = kwargs
            data.errors = []
            dependencies.close()
            call = step.call
            if step.is_coroutine or step.direct or step.is_gen or step.is_async_gen:
                with traced.operation("fastapi.endpoint", call):
                    result = await call_step(step, kwargs, stack, early)
            else:
                result = await run_sync(_in_operation, {"traced": traced, "call": call, "kwargs": kwargs})
        values[step.key] = result
    return result


def _in_operation(traced: Any, call: Any, kwargs: dict[str, Any]) -> Any:
    with traced.operation("fastapi.endpoint", call):
        return call(**kwargs)
