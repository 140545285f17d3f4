"""A form body as validation input: form fields, form models and their unions, ``bytes`` file fields."""

from __future__ import annotations

from typing import Any, get_args

from pydantic_core import PydanticUndefined

from zephyr._compile.dependant import ParamField
from zephyr._compile.plan import Plan

__all__ = ("form_input", "is_form_group")

_MISSING: Any = PydanticUndefined


async def form_input(plan: Plan, form: Any) -> Any:
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
