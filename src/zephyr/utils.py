"""Helpers at FastAPI's ``fastapi.utils`` path, for libraries that import them (strawberry's ``GraphQLRouter``)."""

from __future__ import annotations

from typing import Any

from zephyr._compile.execute import body_allowed
from zephyr._routing.routes import generate_unique_id as generate_unique_id
from zephyr.datastructures import DefaultPlaceholder

__all__ = ("generate_unique_id", "get_value_or_default", "is_body_allowed_for_status_code")


def is_body_allowed_for_status_code(status_code: int | str | None) -> bool:
    """Whether a response with this status may carry a body (``None`` and OpenAPI's ranges such as ``"2XX"`` may)."""
    if status_code is None:
        return True
    if status_code in ("default", "1XX", "2XX", "3XX", "4XX", "5XX"):
        return True
    return body_allowed(int(status_code))


def get_value_or_default(first: Any, *extra: Any) -> Any:
    """The first value that is not a ``Default(...)`` placeholder, else the first placeholder (FastAPI's rule)."""
    for item in (first, *extra):
        if not isinstance(item, DefaultPlaceholder):
            return item
    return first
