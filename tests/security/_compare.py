"""Run the same security scheme from FastAPI and from Zephyr on the same request and describe the outcome."""

from __future__ import annotations

from typing import Any

import fastapi.security
import starlette.exceptions
import starlette.requests
from pydantic import BaseModel

import zephyr.exceptions
import zephyr.requests
import zephyr.security


def make_scope(
    headers: list[tuple[str, str]] | None = None, query_string: bytes = b"", scope_type: str = "http"
) -> dict[str, Any]:
    scope: dict[str, Any] = {
        "type": scope_type,
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "scheme": "http" if scope_type == "http" else "ws",
        "path": "/",
        "raw_path": b"/",
        "root_path": "",
        "query_string": query_string,
        "headers": [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers or []],
        "server": ("testserver", 80),
        "client": ("127.0.0.1", 12345),
    }
    if scope_type == "http":
        scope["method"] = "GET"
    return scope


def _describe_value(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return (type(value).__name__, value.model_dump())
    return value


async def outcome_of(scheme: Any, connection: Any) -> tuple[Any, ...]:
    """``("ok", value)`` or ``("error", status, detail, headers)``, for either framework."""
    try:
        value = await scheme(connection)
    except (starlette.exceptions.HTTPException, zephyr.exceptions.HTTPException) as exc:
        return ("error", exc.status_code, exc.detail, dict(exc.headers or {}))
    return ("ok", _describe_value(value))


async def both_outcomes(
    class_name: str, kwargs: dict[str, Any], scope: dict[str, Any]
) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    ours = getattr(zephyr.security, class_name)(**kwargs)
    theirs = getattr(fastapi.security, class_name)(**kwargs)
    ours_outcome = await outcome_of(ours, zephyr.requests.HTTPConnection(dict(scope)))
    theirs_outcome = await outcome_of(theirs, starlette.requests.HTTPConnection(dict(scope)))
    return ours_outcome, theirs_outcome
