"""A validator for one parameter on its own: its type and constraints, without its default or its names.

The exact (error) path validates parameter by parameter to report FastAPI's error lists, and a body that is one
field validates through one of these; code that validates a field by hand (``ParamField.validate``) uses the same.
"""

from __future__ import annotations

import copy
import dataclasses
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, TypeAdapter
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined
from typing_extensions import is_typeddict

from zephyr._compile.typing_utils import strip_annotated

__all__ = ("CONFIG", "config_for", "field_adapter", "without_default")

#: The config of the validators Zephyr builds: parameters may be of any type (arbitrary types are checked by class).
CONFIG = ConfigDict(arbitrary_types_allowed=True)


def field_adapter(annotation: Any, info: FieldInfo) -> TypeAdapter[Any]:
    """A validator of a parameter declared ``annotation`` with ``info``, without its default or aliases.

    The caller reads the value under the right name and applies the default.
    """
    return TypeAdapter(
        Annotated[annotation, without_default(info)],
        config=config_for(annotation),
    )


def config_for(annotation: Any) -> ConfigDict | None:
    """Our config, unless the type carries its own (Pydantic refuses a config for models, dataclasses, TypedDicts)."""
    annotation = strip_annotated(annotation)
    if isinstance(annotation, type) and (
        issubclass(annotation, BaseModel) or dataclasses.is_dataclass(annotation) or is_typeddict(annotation)
    ):
        return None
    return CONFIG


def without_default(info: FieldInfo) -> FieldInfo:
    """A copy of ``info`` with no default, default factory or alias (the type and constraints stay)."""
    clone = copy.copy(info)
    clone.default = PydanticUndefined
    clone.default_factory = None
    clone.alias = None
    clone.validation_alias = None
    clone.serialization_alias = None
    dropped = ("default", "default_factory", "alias", "validation_alias", "serialization_alias")
    clone._attributes_set = {k: v for k, v in getattr(info, "_attributes_set", {}).items() if k not in dropped}
    return clone
