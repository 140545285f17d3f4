"""FastAPI's exact path, for requests with errors: solve dependency by dependency, collecting every error.

The 422 body lists the same errors in the same order as FastAPI's, and the dependencies FastAPI would have
called before noticing are called too.
"""

from __future__ import annotations

import copy
from contextlib import AsyncExitStack
from typing import Any

from pydantic import ValidationError
from pydantic_core import PydanticUndefined

from zephyr._compile import inputs as _inputs
from zephyr._compile.body import BodyState, json_value
from zephyr._compile.calls import call_step
from zephyr._compile.context import attach_endpoint_context, endpoint_context
from zephyr._compile.dependant import BODY, Dependant, ParamField
from zephyr._compile.form_input import chosen_name, form_input
from zephyr._compile.plan import SPECIAL_PARAMS, Plan
from zephyr._compile.solve import PARAMS_MADE_SCOPE_KEY
from zephyr.exceptions import RequestValidationError
from zephyr.types import Scope

__all__ = ("slow_solve",)

_MISSING: Any = PydanticUndefined


def _errors_with_loc(error: ValidationError, prefix: tuple[Any, ...]) -> list[dict[str, Any]]:
    return [{**err, "loc": (*prefix, *err["loc"])} for err in error.errors(include_url=False)]


def _missing(loc: tuple[Any, ...]) -> dict[str, Any]:
    return {"type": "missing", "loc": loc, "msg": "Field required", "input": None}


def _validate_field(
    plan: Plan,
    field: ParamField,
    value: Any,
    loc: tuple[Any, ...],
    errors: list[Any],
    made: dict[str, Any] | None = None,
) -> Any:
    """``field``'s value, validated from ``value``; ``made``: defaults the fast path made already (body fields)."""
    if value is _MISSING:
        info = field.field_info
        if info.is_required():
            errors.append(_missing(loc))
            return _MISSING
        if made and field.key in made:  # the fast path called the factory: FastAPI calls it once per request
            value = copy.deepcopy(made.pop(field.key))
        else:
            value = copy.deepcopy(info.get_default(call_default_factory=True))
        if not info.validate_default:
            return value
        # ``validate_default=True``: the default (or the factory's value) is validated like a sent value, as in FastAPI
    try:
        return plan.adapter(field).validate_python(value, from_attributes=True)
    except ValidationError as exc:
        errors.extend(_errors_with_loc(exc, loc))
        return _MISSING


def _header_model_locs(field: ParamField, errors: list[Any]) -> list[Any]:
    """Report a header model's errors under the header names (``save-data``), as FastAPI does."""
    from zephyr._compile.plan import members

    if not field.model.model_config.get("loc_by_alias", True):
        return errors
    renamed: dict[str, str] = {}
    for external, key, _ in members(field, convert_underscores=True) or ():
        renamed.setdefault(key, external)  # a field's first name is the one its errors report
    renamed = {key: external for key, external in renamed.items() if key != external}
    for error in errors:
        loc = error["loc"]
        if len(loc) > 1 and loc[1] in renamed:
            error["loc"] = (loc[0], renamed[loc[1]], *loc[2:])
    return errors


def _fast_form_errors(
    plan: Plan, field: ParamField, value: Any, found: list[Any] | None, endpoint: bool
) -> list[Any] | None:
    """The errors the fast path found for a form field, when they are this field's exact errors; else None.

    The fast path validated the same form values: for a form model its errors are the model's, and for a field left
    out with a ``default_factory`` they are its default's. Reporting them spares a second validation, and with it a
    second call of the factory (FastAPI calls it once). A field of the endpoint's own without errors needs no value
    either: with errors elsewhere the endpoint is not called. A dependency's may be called: its default is made again.
    """
    body = plan.body
    if found is None or body is None:
        return None
    if body.form_model is not None:
        if body.twins or value is _MISSING or field.key != body.single_key:
            return None
        return _errors_with_loc_list(found, ("body",), 0)
    if value is not _MISSING or field.field_info.default_factory is None or not body.embed or body.form_union:
        return None
    own = [error for error in found if error["loc"][:1] == (field.key,)]
    if not own:
        # Only when every error the fast path found names a field (so none of them can be this field's).
        keys = {(f.key,) for f in body.fields}
        return [] if endpoint and all(error["loc"][:1] in keys for error in found) else None
    return _errors_with_loc_list(own, ("body", field.alias), 1)


def _errors_with_loc_list(errors: list[Any], prefix: tuple[Any, ...], drop: int) -> list[Any]:
    return [{**err, "loc": (*prefix, *err["loc"][drop:])} for err in errors]


async def _own_values(
    plan: Plan,
    dependant: Dependant,
    raw: dict[str, Any],
    body_value: Any,
    form: Any,
    errors: list[Any],
    fast: BodyState | None = None,
    params_made: dict[str, Any] | None = None,
) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for location in ("path", "query", "header", "cookie"):
        for field in dependant.params:
            if field.location != location:
                continue
            loc: tuple[Any, ...] = (location,) if field.model is not None else (location, field.alias)
            value = raw.get(field.key, _MISSING)
            if location == "header" and field.model is not None:
                model_errors: list[Any] = []
                values[field.key] = _validate_field(plan, field, value, loc, model_errors, params_made)
                errors.extend(_header_model_locs(field, model_errors))
                continue
            values[field.key] = _validate_field(plan, field, value, loc, errors, params_made)
    body_fields = [f for f in dependant.params if f.location == BODY]
    if body_fields:
        body = plan.body
        assert body is not None  # noqa: S101 - body fields imply a body plan
        # What the fast path found (set only when it found the request invalid), so as not to run a body's
        # validators and default factories a second time.
        fast_errors: list[Any] | None = getattr(fast, "form_errors", None)
        made: dict[str, Any] | None = getattr(fast, "made", None)
        for field in body_fields:
            if body.kind == "form":
                value, loc = await _form_field_input(plan, field, form)
                reported = _fast_form_errors(plan, field, value, fast_errors, dependant is plan.root)
                if reported is not None:
                    errors.extend(reported)
                    values[field.key] = _MISSING
                    continue
            elif body.embed:
                loc = ("body", field.alias)
                if body_value is _MISSING or isinstance(body_value, (bytes, bytearray)):
                    value = _MISSING  # no JSON body: embedded fields are unset (defaults or "missing")
                elif isinstance(body_value, dict):
                    # the first ``AliasChoices`` choice sent is read, and named in its errors
                    chosen = next((name for name in field.choices if name in body_value), field.alias)
                    loc = ("body", chosen)
                    value = body_value.get(chosen, _MISSING)
                else:  # embedded fields require an object (JSON null, a list or a scalar is none)
                    errors.append(_missing(loc))
                    continue
            else:
                loc = ("body",)
                value = body_value
            values[field.key] = _validate_field(plan, field, value, loc, errors, made)
    return values


async def _form_field_input(plan: Plan, field: ParamField, form: Any) -> tuple[Any, tuple[Any, ...]]:
    """A form body field's validation input and the location its errors name."""
    body = plan.body
    assert body is not None  # noqa: S101 - form fields imply a body plan
    if body.form_model is not None or body.form_union:
        return ((await form_input(plan, form)) if form is not None else _MISSING), ("body",)
    found = await form_input(plan, form) if form is not None else {}
    value = found.get(field.key, _MISSING)
    # A cached twin's field shares its original's key, so the key finds its read.
    if any(read.group for read in body.form_reads if read.field.key == field.key):
        return value, ("body",)
    if field.choices and form is not None:  # the choice read is the one its errors name
        return value, ("body", chosen_name(form, field.choices, field.is_sequence))
    return value, ("body", field.alias)


async def slow_solve(
    plan: Plan,
    scope: Scope,
    state: BodyState | None,
    specials: dict[str, Any],
    stack: AsyncExitStack | None,
    early: AsyncExitStack | None,
    *,
    cache: dict[Any, Any] | None = None,
) -> None:
    """Solve as FastAPI does and raise ``RequestValidationError`` with its exact error list.

    ``cache``: dependency results by ``Dependant.cache_key`` already known (``solve_dependencies``'s caller's).
    """
    raw = _inputs.extract(plan, scope) if plan.param_validator is not None else {}
    try:
        body_value = (
            json_value(state) if state is not None and plan.body is not None and plan.body.kind == "json" else _MISSING
        )
    except RequestValidationError as json_error:
        attach_endpoint_context(json_error, endpoint_context(plan, scope))
        raise
    form = state.form if state is not None else None
    solver = _SlowSolver(plan, raw, body_value, form, specials, stack, early)
    solver.fast = state
    made = scope.get(PARAMS_MADE_SCOPE_KEY)  # set only for routes with a parameter default factory
    if made is not None and made[0] is plan:
        solver.params_made = made[1]
    if cache is not None:
        solver.cache = cache
    await solver.solve(plan.root)
    if plan.choices:
        _inputs.rename_chosen(plan, scope, solver.errors)
    body_for_error = None if body_value is _MISSING else body_value
    if form is not None:
        body_for_error = form
    # Raised straight from the call: a local holding the error would tie it, its traceback and this frame into a
    # cycle that only the garbage collector frees (a full collection per few hundred 422s, under load).
    raise _validation_error(solver.errors, body_for_error, plan, scope)


def _validation_error(errors: list[Any], body: Any, plan: Plan, scope: Scope) -> RequestValidationError:
    error = RequestValidationError(errors, body=body)
    attach_endpoint_context(error, endpoint_context(plan, scope))
    return error


class _SlowSolver:
    """One request's FastAPI-order solve: dependencies depth first, every error collected.

    A class rather than a recursive closure: a closure that calls itself is a reference cycle, one per request.
    """

    __slots__ = (
        "body_value",
        "cache",
        "early",
        "errors",
        "fast",
        "form",
        "params_made",
        "plan",
        "raw",
        "specials",
        "stack",
        "step_of",
    )

    def __init__(
        self,
        plan: Plan,
        raw: dict[str, Any],
        body_value: Any,
        form: Any,
        specials: dict[str, Any],
        stack: AsyncExitStack | None,
        early: AsyncExitStack | None,
    ) -> None:
        self.plan = plan
        self.raw = raw
        self.body_value = body_value
        self.form = form
        self.fast: BodyState | None = None
        self.params_made: dict[str, Any] | None = None
        self.specials = specials
        self.stack = stack
        self.early = early
        self.cache: dict[Any, Any] = {}
        self.errors: list[Any] = []
        self.step_of = {id(step.dependant): step for step in plan.steps}

    async def solve(self, dependant: Dependant) -> tuple[bool, Any]:
        ok = True
        kwargs: dict[str, Any] = {}
        for sub in dependant.dependencies:
            sub_ok, value = await self.solve(sub)
            if not sub_ok:
                ok = False
                continue
            if sub.name is not None:
                kwargs[sub.name] = value
        plan = self.plan
        own_errors: list[Any] = []
        own = await _own_values(
            plan, dependant, self.raw, self.body_value, self.form, own_errors, self.fast, self.params_made
        )
        self.errors.extend(own_errors)
        if own_errors or not ok:
            return False, None
        if dependant is plan.root:
            return True, None
        key = dependant.cache_key
        if dependant.use_cache and key in self.cache:
            return True, self.cache[key]
        for field in dependant.params:
            kwargs[field.name] = own[field.key]
        for attribute, special in SPECIAL_PARAMS:
            name = getattr(dependant, attribute)
            if name is not None:
                kwargs[name] = self.specials.get(special)
        if dependant.security_scopes_param_name is not None:
            from zephyr.security import SecurityScopes

            kwargs[dependant.security_scopes_param_name] = SecurityScopes(scopes=dependant.oauth_scopes)
        step = self.step_of.get(id(dependant))
        if step is None:  # a cached twin: call it through the twin's step
            step = next(s for s in plan.steps if s.dependant.cache_key == key)
        value = await call_step(step, kwargs, self.stack, self.early)
        self.cache.setdefault(key, value)
        return True, value
