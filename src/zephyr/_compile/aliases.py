"""The names a parameter model's field is read under, in FastAPI's order of preference (decided at compile time).

A field is read under its documented name (string ``validation_alias``, else alias, else its name), or under each
``AliasChoices`` choice; ``populate_by_name``/``validate_by_name`` add its own name, ``validate_by_alias=False``
keeps only that. Query/header/cookie models, form models and the models of a form union all read names this way.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import AliasChoices, AliasPath
from pydantic.fields import FieldInfo

__all__ = ("member_names", "member_pairs")


def member_names(name: str, info: FieldInfo, *, convert_underscores: bool) -> tuple[str, str]:
    """A parameter model field's documented (request key, validation key), as FastAPI names it.

    The validation key is the field's string ``validation_alias``, else its alias, else its name; the request key is
    the same, with underscores turned into hyphens for a header model's field that has no alias.
    """
    input_key = info.validation_alias if isinstance(info.validation_alias, str) else (info.alias or name)
    external = input_key.replace("_", "-") if convert_underscores and input_key == name else input_key
    return external, input_key


def member_pairs(
    name: str, info: FieldInfo, config: Mapping[str, Any], *, convert_underscores: bool
) -> list[tuple[str, str]]:
    """Every (validation key, request key) a model field is read under, in FastAPI's order of preference.

    The documented name first; ``AliasChoices`` replaces it with each choice (taken literally, underscores and all);
    ``populate_by_name``/``validate_by_name`` add the field's own name, and ``validate_by_alias=False`` keeps only it.
    """
    external, alias = member_names(name, info, convert_underscores=convert_underscores)
    validation_alias = info.validation_alias
    if isinstance(validation_alias, AliasPath):
        return [(alias, external)]
    pairs = [(alias, external)]
    if isinstance(validation_alias, AliasChoices):
        if any(isinstance(choice, AliasPath) for choice in validation_alias.choices):
            return pairs
        pairs = [(str(choice), str(choice)) for choice in validation_alias.choices]
    by_alias = config.get("validate_by_alias")
    if by_alias is False or config.get("validate_by_name", config.get("populate_by_name", False)):
        request_name = name.replace("_", "-") if convert_underscores else name
        if by_alias is False:
            return [(name, request_name)]
        if name not in [key for key, _ in pairs]:
            pairs.append((name, request_name))
    return pairs
