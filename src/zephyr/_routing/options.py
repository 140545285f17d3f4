"""The keyword arguments shared by every path-operation decorator (``app.get(...)``, ``router.post(...)``...)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypedDict

from zephyr.datastructures import DefaultPlaceholder
from zephyr.types import IncEx

__all__ = ("RouteOptions", "pick")


class RouteOptions(TypedDict, total=False):
    """Options of a path operation, as FastAPI names them."""

    response_model: Any
    status_code: int | None
    tags: list[Any] | None
    dependencies: Sequence[Any] | None
    summary: str | None
    description: str | None
    response_description: str
    responses: dict[int | str, dict[str, Any]] | None
    deprecated: bool | None
    operation_id: str | None
    response_model_include: IncEx | None
    response_model_exclude: IncEx | None
    response_model_by_alias: bool
    response_model_exclude_unset: bool
    response_model_exclude_defaults: bool
    response_model_exclude_none: bool
    include_in_schema: bool
    response_class: Any
    name: str | None
    callbacks: list[Any] | None
    openapi_extra: dict[str, Any] | None
    generate_unique_id_function: Callable[[Any], str] | Any
    strict_content_type: bool | Any
    max_body_size: int | None
    form_limits: Mapping[str, int] | None


def pick(first: Any, *others: Any) -> Any:
    """The first value the user set (not a ``Default(...)`` placeholder), else ``first``.

    Example: a route's ``response_class`` wins over its router's, which wins over ``include_router``'s.
    """
    for item in (first, *others):
        if not isinstance(item, DefaultPlaceholder):
            return item
    return first
