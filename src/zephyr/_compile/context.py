"""FastAPI's ``endpoint_ctx`` on validation errors: where the endpoint is defined, and its route."""

from __future__ import annotations

from typing import Any

from zephyr._compile.plan import Plan
from zephyr.types import Scope

__all__ = ("attach_endpoint_context", "endpoint_context")


def _source_context(call: Any) -> dict[str, Any]:
    """Where an endpoint is defined (``file``, ``line``, ``function``), as FastAPI reports it.

    When the source cannot be read (code built with ``exec``, a C function) the context is empty.
    """
    import inspect

    found: dict[str, Any] = {}
    try:
        source_file = inspect.getsourcefile(call)
        if source_file is not None:
            found["file"] = source_file
        found["line"] = inspect.getsourcelines(call)[1]
        name = getattr(call, "__name__", None)
        if name is not None:
            found["function"] = name
    except Exception:  # no source: no context, as FastAPI
        return {}
    return found


def endpoint_context(plan: Plan, scope: Scope) -> dict[str, Any]:
    """FastAPI's ``endpoint_ctx`` of a validation error: the endpoint's source and ``"GET /items/{id}"``.

    The source is read once per plan, on its first error, and kept on the plan: it belongs to that endpoint.
    """
    root = plan.root
    source = plan.source_context
    if source is None:
        source = plan.source_context = _source_context(root.call) if root.call is not None else {}
    context = dict(source)
    if root.path:
        method = scope.get("method") if scope["type"] == "http" else "WS"
        context["path"] = f"{method} {scope.get('root_path', '').rstrip('/')}{root.path}"
    return context


def attach_endpoint_context(error: Exception, context: dict[str, Any]) -> None:
    """Give a validation error FastAPI's ``endpoint_ctx`` attributes (its message names the endpoint)."""
    error.endpoint_ctx = context  # type: ignore[attr-defined]
    error.endpoint_function = context.get("function")  # type: ignore[attr-defined]
    error.endpoint_path = context.get("path")  # type: ignore[attr-defined]
    error.endpoint_file = context.get("file")  # type: ignore[attr-defined]
    error.endpoint_line = context.get("line")  # type: ignore[attr-defined]
