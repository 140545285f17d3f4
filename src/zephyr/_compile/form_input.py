"""A form body as validation input: form fields, form models and their unions, ``bytes`` file fields.

Everything about a field that does not depend on the request (is it a group, its models and their names, does it
want bytes) was decided when the plan was compiled, in ``plan.FormRead``; this module only reads the form.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic_core import PydanticUndefined

from zephyr._compile.forms import form_values
from zephyr.datastructures import UploadFile

if TYPE_CHECKING:
    from zephyr._compile.plan import FormRead, Plan

__all__ = ("chosen_name", "file_bytes", "form_input")

_MISSING: Any = PydanticUndefined


async def form_input(plan: Plan, form: Any) -> Any:
    """The form as the body validator's input (``_MISSING`` for an optional group the form does not supply)."""
    body = plan.body
    assert body is not None  # noqa: S101 - form plans have a body
    reads = body.form_reads
    if body.form_union or body.form_model is not None:
        return _group_input(reads[0], form)
    found: dict[str, Any] = {}
    for read in reads:
        field = read.field
        if read.group:  # a form model among other form fields reads the whole form too
            group = _group_input(read, form)
            if group is not _MISSING:
                found[field.key] = group
            continue
        value = (
            _chosen_value(form, field.choices, field.is_sequence)[1]
            if field.choices
            else _form_value(form, field.alias, field.is_sequence)
        )
        if value is _MISSING:
            continue
        found[field.key] = await _read_files(value) if read.reads_bytes else value
    return found


def _group_input(read: FormRead, form: Any) -> Any:
    """A form model's (or union's) input, or ``_MISSING`` for an optional group the form does not supply."""
    if read.optional and not _supplied(read, form):
        return _MISSING
    if read.field.form_union:
        return form_values(form)
    group: dict[str, Any] = {}
    processed: set[str] = set()
    for names in read.members or ():
        for external, input_key, is_sequence in names:
            # the first name holding a value is read; the names after it stay extra values, as FastAPI leaves them
            processed.add(external)
            value = _form_value(form, external, is_sequence)
            if value is not _MISSING:
                group[input_key] = value
                break
    extras: dict[str, list[Any]] = {}
    for name, item in form.multi_items():  # the model's extra policy rules on every other form value
        if name not in processed:
            extras.setdefault(name, []).append(item)
    group.update((name, items[0] if len(items) == 1 else items) for name, items in extras.items())
    return group


def _supplied(read: FormRead, form: Any) -> bool:
    """Whether the form holds anything of an optional group (else its default applies)."""
    names = {name for name, _ in form.multi_items()}
    if read.names.intersection(names):
        return True
    return bool(names) and read.open_extra


def _chosen_value(form: Any, choices: tuple[str, ...], is_sequence: bool) -> tuple[str, Any]:
    """A form field with ``AliasChoices``: the first choice the form holds a (non-empty) value for, and that value.

    When the form holds none, the first choice (the one a "missing" error names) and ``_MISSING``.
    """
    for choice in choices:
        value = _form_value(form, choice, is_sequence)
        if value is not _MISSING:
            return choice, value
    return choices[0], _MISSING


def chosen_name(form: Any, choices: tuple[str, ...], is_sequence: bool) -> str:
    """The ``AliasChoices`` choice a form field was read under (named in its errors)."""
    return _chosen_value(form, choices, is_sequence)[0]


def _form_value(form: Any, name: str, is_sequence: bool) -> Any:
    if is_sequence:
        values = [value for value in form.getlist(name) if not _unselected(value)]
        return values if values else _MISSING
    value = form.get(name)
    if value is None or value == "" or _unselected(value):
        return _MISSING
    return value


def _unselected(value: Any) -> bool:
    """A browser's file input left empty (no file name, no content): it counts as not sent, as in FastAPI."""
    return isinstance(value, UploadFile) and not value.filename and not value.size


async def _read_files(value: Any) -> Any:
    """``bytes`` file fields receive the file's content, as FastAPI reads them."""
    if isinstance(value, UploadFile):
        return await file_bytes(value)
    if isinstance(value, list):
        return [await file_bytes(item) if isinstance(item, UploadFile) else item for item in value]
    return value


async def file_bytes(file: Any) -> bytes:
    """A file's content, leaving its position where it was (another parameter may read the same upload)."""
    position = file.file.tell()
    try:
        return bytes(await file.read())
    finally:
        await file.seek(position)
