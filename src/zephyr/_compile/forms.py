"""Form bodies declared as a union of models (``Annotated[Cat | Dog, Form()]``), as FastAPI 0.165 reads them.

The whole form goes to validation as one dict (a value per name, a list for repeated names); each model of the
union first picks its own fields out of it the way a single form model would (lists for sequence fields, the last
value otherwise, empty values dropped) and keeps the rest as extra values for its ``extra`` policy.
"""

from __future__ import annotations

import functools
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, BeforeValidator, Tag

from zephyr._compile.aliases import member_pairs
from zephyr._compile.typing_utils import is_sequence, is_union, lenient_issubclass

__all__ = ("form_union_models", "form_values", "unselected_file", "with_form_normalizers")


def form_union_models(annotation: Any) -> tuple[type[BaseModel], ...]:
    """The models of a union of two or more models (``None`` allowed), else ``()``."""
    if not is_union(annotation):
        return ()
    models = []
    for arg in get_args(annotation):
        if arg is type(None):
            continue
        if get_origin(arg) is Annotated:
            arg = get_args(arg)[0]
        if not lenient_issubclass(arg, BaseModel):
            return ()
        models.append(arg)
    return tuple(models) if len(models) > 1 else ()


def with_form_normalizers(annotation: Any) -> Any:
    """The union with a validator before each model that shapes the form dict for that model."""
    choices: list[Any] = []
    for choice in get_args(annotation):
        if choice is type(None):
            choices.append(choice)
            continue
        model: Any = choice
        metadata: tuple[Any, ...] = ()
        if get_origin(choice) is Annotated:
            model, *rest = get_args(choice)
            metadata = tuple(rest)
        tag: Tag = next((item for item in reversed(metadata) if isinstance(item, Tag)), Tag(model.__name__))
        normalizer = BeforeValidator(functools.partial(_normalize, model=model))
        choices.append(Annotated[choice, normalizer, tag])
    return Union[tuple(choices)]  # built at run time from a tuple


def form_values(form: Any) -> dict[str, Any]:
    """Every form value by name: the value, or a list when the name repeats."""
    grouped: dict[str, list[Any]] = {}
    for name, value in form.multi_items():
        grouped.setdefault(name, []).append(value)
    return {name: values[0] if len(values) == 1 else values for name, values in grouped.items()}


def _normalize(value: Any, *, model: type[BaseModel]) -> Any:
    if not isinstance(value, dict):
        return value
    # ``value`` holds the form's values by name already (a list for a repeated name): each name is looked up once,
    # so the cost is linear in the form, whatever the number of model fields.
    found: dict[str, Any] = {}
    names: set[str] = set()
    for name, info in model.model_fields.items():
        sequence = is_sequence(info.annotation)
        # the first name holding a value is read; the names after it stay extra values, as FastAPI leaves them
        for alias, _ in member_pairs(name, info, model.model_config, convert_underscores=False):
            names.add(alias)
            values = _sent(value, alias)
            if sequence:
                values = [item for item in values if not unselected_file(item)]
                if values:
                    found[alias] = values
                    break
            elif values and values[-1] != "" and not unselected_file(values[-1]):
                found[alias] = values[-1]
                break
    for key in value:
        if key not in names:
            extra = _sent(value, key)
            if extra:
                found[key] = extra[0] if len(extra) == 1 else extra
    for key, item in value.items():  # not form values, but a validator may supply them
        if item is None or (isinstance(item, list) and not item):
            found[key] = item
    return found


def _sent(value: dict[str, Any], name: str) -> list[Any]:
    """The values sent under ``name``: none, one, or each of a repeated name's."""
    if name not in value:
        return []
    item = value[name]
    return list(item) if isinstance(item, list) else [item]


def unselected_file(item: Any) -> bool:
    """A browser's file input left empty: a part with an empty file name and no content (it counts as not sent)."""
    from zephyr.datastructures import UploadFile

    return isinstance(item, UploadFile) and item.filename == "" and item.size == 0
