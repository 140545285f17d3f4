"""FastAPI's Pydantic 2 glue (``fastapi._compat.v2``): ``ModelField`` and the functions libraries call with it.

``ModelField`` is the field Zephyr's OpenAPI generator documents (``zephyr.openapi._fields``); the schema functions
run that generator's single Pydantic pass. Nothing here is used on a request.
"""

from __future__ import annotations

import copy
import functools
import re
from collections.abc import Sequence
from enum import Enum
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel, ConfigDict, PydanticSchemaGenerationError, create_model
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined, Url
from pydantic_core.core_schema import with_info_plain_validator_function

from zephyr._compat import shared
from zephyr._compile import typing_utils as tu
from zephyr.exceptions import FastAPIError
from zephyr.openapi._fields import ModelField

__all__ = (
    "ModelField",
    "PydanticSchemaGenerationError",
    "RequiredParam",
    "Undefined",
    "Url",
    "copy_field_info",
    "create_body_model",
    "evaluate_forwardref",
    "get_cached_model_fields",
    "get_definitions",
    "get_flat_models_from_fields",
    "get_missing_field_error",
    "get_model_fields",
    "get_model_name_map",
    "get_schema_from_model_field",
    "is_scalar_field",
    "serialize_sequence_value",
    "with_info_plain_validator_function",
)

#: Pydantic's "no default given" marker, under FastAPI's two names for it.
Undefined = PydanticUndefined
RequiredParam = PydanticUndefined

_FieldMapping = dict[tuple[ModelField, Literal["validation", "serialization"]], dict[str, Any]]
"""(field, mode) → the field's JSON Schema, as ``get_definitions`` returns it."""


def evaluate_forwardref(
    value: Any, globalns: dict[str, Any] | None = None, localns: dict[str, Any] | None = None
) -> Any:
    """``value`` evaluated when it is a string or forward reference; left as it is when it cannot be."""
    try:
        return tu.evaluate_annotation(value, {**(globalns or {}), **(localns or {})}, "a forward reference")
    except FastAPIError:
        return value


def serialize_sequence_value(*, field: ModelField, value: Any) -> Sequence[Any]:
    """``value`` built as the sequence type the field declares (``list[str] | None`` → a list).

    Raises:
        TypeError: The field's type is not a sequence.
    """
    annotation = field.field_info.annotation
    if tu.is_union(annotation):
        annotation = next(arg for arg in get_args(annotation) if arg is not type(None))
    origin = get_origin(annotation) or annotation
    for declared, concrete in shared.sequence_annotation_to_type.items():
        if origin is declared:
            return concrete(value)  # type: ignore[no-any-return]
    raise TypeError(f"The field {field.name!r} is declared as {annotation!r}, not as a sequence type.")


def is_scalar_field(field: ModelField) -> bool:
    """Whether the field is one plain value read from the query string, path, headers or cookies (not a body)."""
    from zephyr import params

    return shared.field_annotation_is_scalar(field.field_info.annotation) and not isinstance(
        field.field_info, params.Body
    )


def copy_field_info(*, field_info: FieldInfo, annotation: Any) -> FieldInfo:
    """A copy of ``field_info`` (same class) whose type, metadata and attributes come from ``annotation``.

    ``Annotated[int, Field(gt=0)]`` gives the copy ``int`` with the ``gt`` constraint.
    """
    merged = type(field_info).from_annotation(annotation)
    copied = copy.copy(field_info)
    for name in merged._attributes_set:
        if name != "annotation":
            setattr(copied, name, getattr(merged, name))
    copied._attributes_set = dict(merged._attributes_set)
    copied.metadata = merged.metadata
    copied.annotation = merged.annotation
    return copied


def get_missing_field_error(loc: tuple[int | str, ...]) -> dict[str, Any]:
    """The error of a required value that was not sent, at ``loc``."""
    return {"type": "missing", "loc": loc, "msg": "Field required", "input": None}


def create_body_model(
    *, fields: Sequence[ModelField], model_name: str, config: ConfigDict | None = None
) -> type[BaseModel]:
    """A model named ``model_name`` with one field per ``ModelField`` (an embedded body's model)."""
    definitions: dict[str, Any] = {f.name: (f.field_info.annotation, f.field_info) for f in fields}
    model: type[BaseModel] = create_model(model_name, __config__=config, **definitions)
    return model


def get_model_fields(model: type[BaseModel]) -> list[ModelField]:
    """A ``ModelField`` per field of ``model``, validated with the model's config (unless it is a model or dict)."""
    found = []
    for name, info in model.model_fields.items():
        own_config = tu.lenient_issubclass(info.annotation, (BaseModel, dict)) or _is_dataclass(info.annotation)
        found.append(ModelField(field_info=info, name=name, config=None if own_config else model.model_config))
    return found


def _is_dataclass(annotation: Any) -> bool:
    import dataclasses

    return dataclasses.is_dataclass(annotation)


@functools.lru_cache(maxsize=1024)
def get_cached_model_fields(model: type[BaseModel]) -> list[ModelField]:
    """``get_model_fields(model)``, worked out once per model (the list is shared: do not change it)."""
    return get_model_fields(model)


def get_flat_models_from_fields(fields: Sequence[ModelField], known_models: set[Any]) -> set[Any]:
    """Add to ``known_models`` every model and enum the fields' types reach; return it."""
    from zephyr.openapi._fields import flat_models

    known_models.update(flat_models(list(fields)))
    return known_models


def get_model_name_map(unique_models: set[type[BaseModel] | type[Enum]]) -> dict[type[BaseModel] | type[Enum], str]:
    """Each model's schema name: its class name with characters JSON pointers dislike replaced by ``_``."""
    by_name = {re.sub(r"[^a-zA-Z0-9.\-_]", "_", model.__name__): model for model in unique_models}
    return {model: name for name, model in by_name.items()}


def get_definitions(
    *,
    fields: Sequence[ModelField],
    model_name_map: Any = None,
    separate_input_output_schemas: bool = True,
) -> tuple[_FieldMapping, dict[str, dict[str, Any]]]:
    """The JSON Schema of every field, and the shared definitions (``components/schemas``), in one Pydantic pass.

    ``model_name_map`` is accepted for FastAPI's callers; Pydantic names the definitions.
    """
    from zephyr.openapi.utils import _Schemas

    schemas = _Schemas(list(fields), separate_input_output_schemas)
    return schemas.mapping, schemas.definitions


def get_schema_from_model_field(
    *,
    field: ModelField,
    model_name_map: Any = None,
    field_mapping: _FieldMapping,
    separate_input_output_schemas: bool = True,
    field_alias: str | None = None,
) -> dict[str, Any]:
    """The field's schema out of ``get_definitions``' mapping, titled after its alias unless it is a ``$ref``."""
    from zephyr.openapi.utils import _has_computed_fields

    mode = field.mode
    if not separate_input_output_schemas and not _has_computed_fields(field):
        mode = "validation"
    if field_alias is None:
        if field.mode == "validation":
            field_alias = field.validation_alias or field.alias
        else:
            field_alias = field.serialization_alias or field.alias
    schema = dict(field_mapping[(field, mode)])
    if "$ref" not in schema:
        schema["title"] = field.field_info.title or field_alias.title().replace("_", " ")
    return schema
