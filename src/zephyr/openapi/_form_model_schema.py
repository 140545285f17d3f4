"""A form model's schema inside a combined form body, renamed to the names the form reads, as FastAPI documents it.

A form model field is read under its validation alias, its ``AliasChoices`` choices, or (``populate_by_name``) its
own name. Where the model's own schema names a field otherwise, or a required field may be sent under several
names, the body documents an inline copy of the model's schema: each property under the first name read, and a
required field with several names as ``{"anyOf": [{"required": [name]}, ...]}``. The shared model schema is left
alone; every other model stays a reference.
"""

from __future__ import annotations

import copy
from typing import Any

from pydantic import AliasChoices, BaseModel, GetJsonSchemaHandler
from pydantic_core import CoreSchema

from zephyr._compile.aliases import member_pairs

__all__ = ("form_model_schema",)


def form_model_schema(model: type[BaseModel], core_schema: CoreSchema, handler: GetJsonSchemaHandler) -> dict[str, Any]:
    """The JSON Schema of ``model`` read as one form group (a ``GetPydanticSchema`` JSON schema function)."""
    schema = handler(core_schema)
    model_schema = handler.resolve_ref_schema(schema)
    properties = model_schema.get("properties", {})
    required = model_schema.get("required", [])
    renamed: dict[str, list[str]] = {}
    for name, info in model.model_fields.items():
        pairs = member_pairs(name, info, model.model_config, convert_underscores=False)
        validation_alias = info.validation_alias
        if isinstance(validation_alias, AliasChoices):
            schema_name: Any = validation_alias.choices[0]
        else:
            schema_name = validation_alias if isinstance(validation_alias, str) and validation_alias else None
            schema_name = schema_name or info.alias or name
        names = [key for key, _ in pairs]
        if (
            isinstance(schema_name, str)
            and schema_name in properties
            and (names[0] != schema_name or (len(names) > 1 and schema_name in required))
        ):
            renamed[schema_name] = names
    if not renamed:
        return schema
    inline = copy.deepcopy(model_schema)
    inline["properties"] = {renamed.get(key, [key])[0]: value for key, value in inline["properties"].items()}
    inline["required"] = []
    for key in required:
        names = renamed.get(key, [key])
        if len(names) == 1:
            inline["required"].append(names[0])
        else:
            inline.setdefault("allOf", []).append({"anyOf": [{"required": [each]} for each in names]})
    return inline
