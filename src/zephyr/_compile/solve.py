"""Validate a request's values and call the dependencies: the fast path, and FastAPI's exact path for errors.

Fast path: every path/query/header/cookie value in one validator call, the JSON body in one more, straight from
bytes; then the dependency calls in order. When anything fails to validate, the request is solved again the way
FastAPI solves it (dependency by dependency, field by field), so the 422 body lists the same errors in the same
order, and the dependencies FastAPI would have called before noticing are called too.
"""

from __future__ import annotations

import copy
import json
from contextlib import AsyncExitStack
from typing import Any, get_args

from pydantic import ValidationError
from pydantic_core import PydanticUndefined

from zephyr._compile import inputs as _inputs
from zephyr._compile.calls import call_step
from zephyr._compile.dependant import BODY, Dependant, ParamField
from zephyr._compile.plan import Plan
from zephyr.exceptions import HTTPException, RequestValidationError
from zephyr.types import Scope

_MISSING: Any = PydanticUndefined


class BodyState:
    """The request body as read and parsed for validation."""

    __slots__ = ("form", "parsed", "raw")

    def __init__(self) -> None:
        self.raw: bytes = b""
        self.parsed: Any = _MISSING
        self.form: Any = None


def _parse_is_json(content_type: str) -> bool:
    # email.message parses the header exactly as FastAPI does (parameters, case, odd spacing). Imported here, where
    # each distinct content type is parsed once, so that ``import zephyr`` need not import the email package.
    import email.message

    message = email.message.Message()
    message["content-type"] = content_type
    if message.get_content_maintype() != "application":
        return False
    subtype = message.get_content_subtype()
    return subtype == "json" or subtype.endswith("+json")


_JSON_TYPES: dict[str, bool] = {}


def is_json_content_type(content_type: str | None, strict: bool) -> bool:
    """Whether FastAPI would read this body as JSON. Clients send few distinct values: the answers are remembered."""
    if not content_type:
        return not strict
    known = _JSON_TYPES.get(content_type)
    if known is None:
        known = _parse_is_json(content_type)
        if len(_JSON_TYPES) < 256:  # bounded: arbitrary client values cannot grow it
            _JSON_TYPES[content_type] = known
    return known


def _content_type(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"content-type":
            return str(value.decode("latin-1"))
    return None


_SOURCE_CONTEXTS: dict[int, dict[str, Any]] = {}


def _source_context(call: Any) -> dict[str, Any]:
    """Where an endpoint is defined (``file``, ``line``, ``function``), worked out once per function, as FastAPI does.

    When the source cannot be read (code built with ``exec``, a C function) the context is empty.
    """
    key = id(call)
    found = _SOURCE_CONTEXTS.get(key)
    if found is None:
        import inspect

        found = {}
        try:
            source_file = inspect.getsourcefile(call)
            if source_file is not None:
                found["file"] = source_file
            found["line"] = inspect.getsourcelines(call)[1]
            name = getattr(call, "__name__", None)
            if name is not None:
                found["function"] = name
        except Exception:  # no source: no context, as FastAPI
            found = {}
        _SOURCE_CONTEXTS[key] = found
    return found


def endpoint_context(plan: Plan, scope: Scope) -> dict[str, Any]:
    """FastAPI's ``endpoint_ctx`` of a validation error: the endpoint's source and ``"GET /items/{id}"``."""
    root = plan.root
    context = dict(_source_context(root.call)) if root.call is not None else {}
    if root.path:
        method = scope.get("method") if scope["type"] == "http" else "WS"
        context["path"] = f"{method} {scope.get('root_path', '').rstrip('/')}{root.path}"
    return context


def attach_endpoint_context(error: Exception, context: dict[str, Any]) -> None:
    """Give a validation error FastAPI's ``endpoint_ctx`` attributes (its message names the endpoint)."""
    error.endpoint_ctx = context  # type: ignore[attr-defined]
    error.endpoint_function = context.get("function")  # type: ignore[attr-defined]
    error.endpoint_path = context.get("path")  # type: ignore[attr-defined]
    error.endpoint_file = context.get("file")  # type: ignore[attr-defined]
    error.endpoint_line = context.get("line")  # type: ignore[attr-defined]


def _json_error(exc: json.JSONDecodeError) -> RequestValidationError:
    return RequestValidationError(
        [
            {
                "type": "json_invalid",
                "loc": ("body", exc.pos),
                "msg": "JSON decode error",
                "input": {},
                "ctx": {"error": exc.msg},
            }
        ],
        body=exc.doc,
    )


async def read_body(plan: Plan, request: Any, scope: Scope, strict_content_type: bool) -> BodyState:
    """Read (and for JSON, check) the body as FastAPI does before solving dependencies."""
    state = BodyState()
    body = plan.body
    assert body is not None  # noqa: S101 - only called for plans with a body
    try:
        if body.kind == "form":
            limits = scope.get("zephyr.form_limits") or {}
            state.form = await request.form(**limits)
            return state
        raw = await request.body()
    except HTTPException:
        raise
    except Exception as exc:  # a broken body (or a client gone mid-body) is answered 400, as FastAPI does
        raise HTTPException(status_code=400, detail="There was an error parsing the body") from exc
    state.raw = raw
    if raw:
        if is_json_content_type(_content_type(scope), strict_content_type):
            state.parsed = None  # marks "JSON, not parsed yet": the fast path validates the bytes directly
        else:
            state.parsed = raw
    return state


def _json_value(state: BodyState) -> Any:
    """The body as FastAPI hands it to validation: parsed JSON, raw bytes, or missing."""
    if state.parsed is None and state.raw:
        try:
            return json.loads(state.raw)
        except json.JSONDecodeError as exc:
            raise _json_error(exc) from exc
        except (ValueError, RecursionError) as exc:  # not UTF-8 at all, or nested too deep: FastAPI answers 400
            raise HTTPException(status_code=400, detail="There was an error parsing the body") from exc
    return state.parsed


async def fast_values(plan: Plan, scope: Scope, state: BodyState | None) -> dict[str, Any] | None:
    """Validate everything in one or two calls; None when anything is invalid (then use ``slow_solve``)."""
    values: dict[str, Any] = {}
    if plan.param_validator is not None:
        try:
            values.update(plan.param_validator.validate_python(_inputs.extract(plan, scope)).__dict__)
        except ValidationError:
            return None
    body = plan.body
    if body is not None and state is not None:
        if body.kind == "json":
            # A body that is not JSON (or has no JSON content type) leaves embedded fields unset, as in FastAPI.
            if not state.raw or (body.embed and isinstance(state.parsed, (bytes, bytearray))):
                if not _fill_defaults(body.fields, values):
                    return None
                return values
            validated = _validate_json_body(body.validator, state, body.has_float)
            if validated is _MISSING:
                return None
            if body.embed:
                values.update(validated.__dict__)
            else:
                values[body.single_key] = validated  # type: ignore[index]
        elif not await _fast_form(plan, state, values):
            return None
    return values


async def _fast_form(plan: Plan, state: BodyState, values: dict[str, Any]) -> bool:
    """Validate a form body into ``values``; False when anything is invalid."""
    body = plan.body
    assert body is not None  # noqa: S101 - form plans have a body
    form_values = await _form_input(plan, state.form)
    if form_values is _MISSING:  # an optional union of form models, not supplied
        return _fill_defaults(body.fields, values)
    try:
        validated = body.validator.validate_python(form_values)
    except ValidationError:
        return False
    if body.form_model is not None or body.form_union:
        values[body.single_key] = validated  # type: ignore[index]
    else:
        values.update(validated.__dict__)
    return True


_FLOAT_DIGITS = 309  # an integer with this many digits is beyond a float
_DIGITS = frozenset(b"0123456789")


def _has_long_number(raw: bytes) -> bool:
    """Whether ``raw`` holds a run of 309+ digits (checked at every 300th byte: such a run covers one of them)."""
    size = len(raw)
    for probe in range(0, size, 300):
        if raw[probe] not in _DIGITS:
            continue
        start = probe
        while start > 0 and raw[start - 1] in _DIGITS and probe - start < _FLOAT_DIGITS:
            start -= 1
        end = probe
        while end < size and raw[end] in _DIGITS and end - start < _FLOAT_DIGITS:
            end += 1
        if end - start >= _FLOAT_DIGITS:
            return True
    return False


def _validate_json_body(validator: Any, state: BodyState, has_float: bool) -> Any:
    """The validated JSON body, or ``_MISSING`` when invalid (then the exact path answers).

    JSON that pydantic-core refuses but ``json.loads`` reads (a BOM, UTF-16, lone surrogates, deep nesting) or reads
    differently (integers of 309+ digits, for float fields) is parsed with ``json.loads`` and validated as Python
    data, as FastAPI does.
    """
    try:
        if state.parsed is not None:
            return validator.validate_python(state.parsed)
        raw = state.raw
        if not (has_float and len(raw) >= _FLOAT_DIGITS and _has_long_number(raw)):
            return validator.validate_json(raw)
        # pydantic-core reads an integer too long for a float as inf; json.loads keeps it an int, as FastAPI sees it.
    except ValidationError as exc:
        if state.parsed is not None or any(e["type"] != "json_invalid" for e in exc.errors(include_url=False)):
            return _MISSING
    try:
        return validator.validate_python(json.loads(state.raw))
    except (ValidationError, ValueError, RecursionError):
        return _MISSING


def _fill_defaults(fields: list[ParamField], values: dict[str, Any]) -> bool:
    for field in fields:
        if field.field_info.is_required():
            return False
        values[field.key] = field.field_info.get_default(call_default_factory=True)
    return True


async def _form_input(plan: Plan, form: Any) -> Any:
    body = plan.body
    assert body is not None  # noqa: S101 - form plans have a body
    if body.form_union:
        return _union_form_input(body.fields[0], form)
    if body.form_model is not None:
        return _model_form_input(body.fields[0], body.form_model, form)
    found: dict[str, Any] = {}
    for field in body.fields:
        if is_form_group(field):  # a form model among other form fields reads the whole form too
            group = _union_form_input(field, form) if field.form_union else _model_form_input(field, field.model, form)
            if group is not _MISSING:
                found[field.key] = group
            continue
        value = _form_value(form, field.alias, field.is_sequence)
        if value is _MISSING:
            continue
        found[field.key] = await _read_files(field, value)
    return found


def is_form_group(field: ParamField) -> bool:
    """A form parameter that reads the whole form: a form model, or a union of them."""
    from zephyr import params

    return (
        isinstance(field.field_info, params.Form)
        and not getattr(field.field_info, "embed", False)
        and (field.model is not None or field.form_union)
    )


def _model_form_input(field: ParamField, model: Any, form: Any) -> Any:
    """A form model's input: its fields (lists for sequences, empty values dropped), then every other value."""
    from zephyr._compile.plan import members

    if not _optional_group_supplied(field, (model,), form):
        return _MISSING
    group: dict[str, Any] = {}
    processed: set[str] = set()
    for external, input_key, is_sequence in members(field) or ():
        processed.add(external)
        value = _form_value(form, external, is_sequence)
        if value is not _MISSING:
            group[input_key] = value
    extras: dict[str, list[Any]] = {}
    for name, item in form.multi_items():  # the model's extra policy rules on every other form value
        if name not in processed:
            extras.setdefault(name, []).append(item)
    group.update((name, items[0] if len(items) == 1 else items) for name, items in extras.items())
    return group


def _union_form_input(field: ParamField, form: Any) -> Any:
    """The whole form for a union of form models; ``_MISSING`` for an optional union the form does not supply."""
    from zephyr._compile.forms import form_union_models, form_values

    if not _optional_group_supplied(field, form_union_models(_bare(field)), form):
        return _MISSING
    return form_values(form)


def _bare(field: ParamField) -> Any:
    from zephyr._compile.typing_utils import strip_annotated

    return strip_annotated(field.annotation)


def _optional_group_supplied(field: ParamField, models: Any, form: Any) -> bool:
    """False for an optional form model (or union) of which the form holds nothing: its default applies."""
    if type(None) not in get_args(_bare(field)):
        return True
    own = set()
    for model in models:
        for name, info in model.model_fields.items():
            own.add(info.validation_alias if isinstance(info.validation_alias, str) else (info.alias or name))
    names = {name for name, _ in form.multi_items()}
    if own.intersection(names):
        return True
    return bool(names) and any(model.model_config.get("extra") in ("allow", "forbid") for model in models)


def _form_value(form: Any, name: str, is_sequence: bool) -> Any:
    if is_sequence:
        values = form.getlist(name)
        return values if values else _MISSING
    value = form.get(name)
    if value is None or value == "":
        return _MISSING
    return value


def _wants_bytes(annotation: Any, is_sequence: bool) -> bool:
    """``bytes``, ``list[bytes]``, and either of them ``| None``."""
    from zephyr._compile.typing_utils import is_union, lenient_issubclass

    options = [arg for arg in get_args(annotation) if arg is not type(None)] if is_union(annotation) else [annotation]
    for option in options:
        if lenient_issubclass(option, bytes):
            return True
        if is_sequence and any(lenient_issubclass(arg, bytes) for arg in get_args(option)):
            return True
    return False


async def _read_files(field: ParamField, value: Any) -> Any:
    """``bytes`` file fields receive the file's content, as FastAPI reads them."""
    from zephyr._compile.typing_utils import strip_annotated
    from zephyr.datastructures import UploadFile

    if not field.is_file:
        return value
    if not _wants_bytes(strip_annotated(field.annotation), field.is_sequence):
        return value
    if isinstance(value, UploadFile):
        return await _file_bytes(value)
    if isinstance(value, list):
        return [await _file_bytes(item) if isinstance(item, UploadFile) else item for item in value]
    return value


async def _file_bytes(file: Any) -> bytes:
    """A file's content, leaving its position where it was (another parameter may read the same upload)."""
    position = file.file.tell()
    try:
        return bytes(await file.read())
    finally:
        await file.seek(position)


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


# --- the exact path, for requests with errors -------------------------------------------------------------------


def _errors_with_loc(error: ValidationError, prefix: tuple[Any, ...]) -> list[dict[str, Any]]:
    return [{**err, "loc": (*prefix, *err["loc"])} for err in error.errors(include_url=False)]


def _missing(loc: tuple[Any, ...]) -> dict[str, Any]:
    return {"type": "missing", "loc": loc, "msg": "Field required", "input": None}


def _validate_field(plan: Plan, field: ParamField, value: Any, loc: tuple[Any, ...], errors: list[Any]) -> Any:
    if value is _MISSING:
        if field.field_info.is_required():
            errors.append(_missing(loc))
            return _MISSING
        return copy.deepcopy(field.field_info.get_default(call_default_factory=True))
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
    renamed = {key: external for external, key, _ in members(field, convert_underscores=True) or () if key != external}
    for error in errors:
        loc = error["loc"]
        if len(loc) > 1 and loc[1] in renamed:
            error["loc"] = (loc[0], renamed[loc[1]], *loc[2:])
    return errors


async def _own_values(
    plan: Plan, dependant: Dependant, raw: dict[str, Any], body_value: Any, form: Any, errors: list[Any]
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
                values[field.key] = _validate_field(plan, field, value, loc, model_errors)
                errors.extend(_header_model_locs(field, model_errors))
                continue
            values[field.key] = _validate_field(plan, field, value, loc, errors)
    body_fields = [f for f in dependant.params if f.location == BODY]
    if body_fields:
        body = plan.body
        assert body is not None  # noqa: S101 - body fields imply a body plan
        for field in body_fields:
            if body.kind == "form":
                if body.form_model is not None or body.form_union:
                    value = (await _form_input(plan, form)) if form is not None else _MISSING
                    loc = ("body",)
                else:
                    found = await _form_input(plan, form) if form is not None else {}
                    value = found.get(field.key, _MISSING)
                    loc = ("body",) if is_form_group(field) else ("body", field.alias)
            elif body.embed:
                loc = ("body", field.alias)
                if body_value is _MISSING or body_value is None or isinstance(body_value, (bytes, bytearray)):
                    value = _MISSING  # no JSON body: embedded fields are unset (defaults or "missing")
                elif isinstance(body_value, dict):
                    value = body_value.get(field.alias, _MISSING)
                else:
                    errors.append(_missing(loc))
                    continue
            else:
                loc = ("body",)
                value = body_value
            values[field.key] = _validate_field(plan, field, value, loc, errors)
    return values


async def slow_solve(
    plan: Plan,
    scope: Scope,
    state: BodyState | None,
    specials: dict[str, Any],
    stack: AsyncExitStack | None,
    early: AsyncExitStack | None,
) -> None:
    """Solve as FastAPI does and raise ``RequestValidationError`` with its exact error list."""
    raw = _inputs.extract(plan, scope) if plan.param_validator is not None else {}
    try:
        body_value = (
            _json_value(state) if state is not None and plan.body is not None and plan.body.kind == "json" else _MISSING
        )
    except RequestValidationError as json_error:
        attach_endpoint_context(json_error, endpoint_context(plan, scope))
        raise
    form = state.form if state is not None else None
    solver = _SlowSolver(plan, raw, body_value, form, specials, stack, early)
    await solver.solve(plan.root)
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


_SPECIAL_PARAMS = (
    ("request_param", "request"),
    ("websocket_param", "websocket"),
    ("http_connection_param", "connection"),
    ("response_param", "response"),
    ("background_tasks_param", "background_tasks"),
)


class _SlowSolver:
    """One request's FastAPI-order solve: dependencies depth first, every error collected.

    A class rather than a recursive closure: a closure that calls itself is a reference cycle, one per request.
    """

    __slots__ = ("body_value", "cache", "early", "errors", "form", "plan", "raw", "specials", "stack", "step_of")

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
        own = await _own_values(plan, dependant, self.raw, self.body_value, self.form, own_errors)
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
        for attribute, special in _SPECIAL_PARAMS:
            name = getattr(dependant, attribute)
            if name is not None:
                kwargs[name] = self.specials.get(special)
        if dependant.security_scopes_param is not None:
            from zephyr.security import SecurityScopes

            kwargs[dependant.security_scopes_param] = SecurityScopes(scopes=list(dependant.security_scopes))
        step = self.step_of.get(id(dependant))
        if step is None:  # a cached twin: call it through the twin's step
            step = next(s for s in plan.steps if s.dependant.cache_key == key)
        value = await call_step(step, kwargs, self.stack, self.early)
        self.cache[key] = value
        return True, value
