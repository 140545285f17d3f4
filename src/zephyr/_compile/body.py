"""Read the request body as FastAPI does, and validate a JSON body straight from its bytes."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from pydantic_core import PydanticUndefined

from zephyr._compile.direct import DIRECT_RESPONSE
from zephyr._compile.plan import Plan
from zephyr._limits import FORM_LIMITS_SCOPE_KEY
from zephyr.exceptions import HTTPException, RequestValidationError
from zephyr.types import Scope

if TYPE_CHECKING:
    from zephyr.requests import Request

__all__ = (
    "BodyReader",
    "BodyState",
    "body_at_hand",
    "is_json_content_type",
    "json_value",
    "read_body",
    "read_body_through_methods",
    "telemetry_body",
    "validate_json_body",
)

_MISSING: Any = PydanticUndefined


class BodyState:
    """The request body as read and parsed for validation."""

    # ``form_errors`` and ``made`` are set only when the fast path finds the request invalid (see ``solve``): never on
    # a valid request.
    __slots__ = ("form", "form_errors", "made", "parsed", "raw")

    def __init__(self) -> None:
        self.raw: bytes = b""
        self.parsed: Any = _MISSING
        self.form: Any = None

    if TYPE_CHECKING:
        form_errors: list[Any]
        """The form's validation errors, as the fast path found them (unset on a valid request)."""
        made: dict[str, Any]
        """Body defaults the fast path made with a ``default_factory`` before it found the request invalid, by field
        key: the exact path uses them instead of calling the factory a second time (FastAPI calls it once)."""


BodyReader = Callable[[Plan, Any, Scope, bool, "Mapping[str, int] | None"], Awaitable[BodyState]]
"""``read_body`` or ``read_body_through_methods``."""


def _parse_is_json(content_type: str) -> bool:
    # email.message parses the header exactly as FastAPI does (parameters, case, odd spacing). Imported here, where
    # each distinct content type is parsed once, so that ``import zephyr`` need not import the email package.
    import email.message

    message = email.message.Message()
    message["content-type"] = content_type
    if message.get_content_maintype() != "application":
        return False
    subtype = message.get_content_subtype()
    return subtype == "json" or subtype.endswith("+json")


_JSON_TYPES: dict[str, bool] = {}


def is_json_content_type(content_type: str | None, strict: bool) -> bool:
    """Whether FastAPI would read this body as JSON. Clients send few distinct values: the answers are remembered."""
    if not content_type:
        return not strict
    known = _JSON_TYPES.get(content_type)
    if known is None:
        known = _parse_is_json(content_type)
        if len(_JSON_TYPES) < 256:  # bounded: arbitrary client values cannot grow it
            _JSON_TYPES[content_type] = known
    return known


def _content_type(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"content-type":
            return str(value.decode("latin-1"))
    return None


def _json_error(exc: json.JSONDecodeError) -> RequestValidationError:
    return RequestValidationError(
        [
            {
                "type": "json_invalid",
                "loc": ("body", exc.pos),
                "msg": "JSON decode error",
                "input": {},
                "ctx": {"error": exc.msg},
            }
        ],
        body=exc.doc,
    )


async def read_body(
    plan: Plan,
    request: Any,
    scope: Scope,
    strict_content_type: bool,
    form_limits: Mapping[str, int] | None = None,
) -> BodyState:
    """Read (and for JSON, check) the body as FastAPI does before solving dependencies.

    ``form_limits`` are the route's ``form_limits`` (FastAPI's setting), over those in the scope: the ``form_limits``
    of the apps and routers the request passed through, over ``RequestLimitsMiddleware``'s.
    """
    state = BodyState()
    body = plan.body
    assert body is not None  # noqa: S101 - only called for plans with a body
    try:
        if body.kind == "form":
            limits = scope.get(FORM_LIMITS_SCOPE_KEY) or {}
            if form_limits:
                limits = {**limits, **form_limits}
            state.form = await request.form(**limits)
            return state
        raw = await request.body()
    except HTTPException:
        raise
    except Exception as exc:  # a broken body (or a client gone mid-body) is answered 400, as FastAPI does
        raise HTTPException(status_code=400, detail="There was an error parsing the body") from exc
    return _received(state, raw, scope, strict_content_type)


def body_at_hand(plan: Plan, request: Request, scope: Scope, strict_content_type: bool) -> BodyState | None:
    """What ``read_body`` returns, without an await, for a body Zephyr's server hands over whole; else None.

    On Zephyr's own server a body that is all in is taken from the request's cycle (see ``zephyr._compile.direct``);
    a form, a body still on its way, or any other server's is left to ``read_body``.
    """
    direct = scope.get(DIRECT_RESPONSE)
    if direct is None or plan.body is None or plan.body.kind == "form":
        return None
    raw = request._take_body(direct)  # raises BodyTooLargeError past the limit, as body() does
    if raw is None:
        return None
    return _received(BodyState(), raw, scope, strict_content_type)


def _received(state: BodyState, raw: bytes, scope: Scope, strict_content_type: bool) -> BodyState:
    state.raw = raw
    if raw:
        if is_json_content_type(_content_type(scope), strict_content_type):
            state.parsed = None  # marks "JSON, not parsed yet": the fast path validates the bytes directly
        else:
            state.parsed = raw
    return state


async def read_body_through_methods(
    plan: Plan,
    request: Any,
    scope: Scope,
    strict_content_type: bool,
    form_limits: Mapping[str, int] | None = None,
) -> BodyState:
    """``read_body`` for a request of a class of its own, handed to the route by an ``APIRoute.get_route_handler``.

    As FastAPI's handler does, the body is what the request's ``body()`` returns and, with a JSON content type, what its
    ``json()`` returns: a subclass may override either (FastAPI's documented ``GzipRequest`` overrides ``body()``,
    fastapi-cloudevents' request turns a binary-mode event into the JSON of a structured one). Zephyr's own requests
    are read by ``read_body``, which validates JSON bytes without parsing them first.
    """
    body = plan.body
    assert body is not None  # noqa: S101 - only called for plans with a body
    if body.kind == "form":
        return await read_body(plan, request, scope, strict_content_type, form_limits)
    state = BodyState()
    try:
        raw = await request.body()
        state.raw = state.parsed = raw
        if raw and is_json_content_type(_content_type(scope), strict_content_type):
            value = await request.json()
            if value is None:  # ``parsed is None`` stands for "JSON not parsed yet": the bytes must then say null
                state.raw = b"null"
            state.parsed = value
    except json.JSONDecodeError as exc:
        raise _json_error(exc) from exc
    except HTTPException:
        raise
    except Exception as exc:
        raise HTTPException(status_code=400, detail="There was an error parsing the body") from exc
    if not raw:
        state.parsed = _MISSING
    return state


def json_value(state: BodyState) -> Any:
    """The body as FastAPI hands it to validation: parsed JSON, raw bytes, or missing."""
    if state.parsed is None and state.raw:
        try:
            return json.loads(state.raw)
        except json.JSONDecodeError as exc:
            raise _json_error(exc) from exc
        except Exception as exc:  # not UTF-8, nested too deep, or any other failure of the parser: FastAPI answers 400
            raise HTTPException(status_code=400, detail="There was an error parsing the body") from exc
    return state.parsed


def telemetry_body(state: BodyState) -> Any:
    """The body as FastAPI's telemetry data shows it: the form, parsed JSON or bytes; ``None`` when there is none."""
    if state.form is not None:
        return state.form
    if state.parsed is _MISSING:
        return None
    try:
        return json_value(state)
    except Exception:  # not JSON after all: the request fails validation, which records the body it saw
        return state.raw


_FLOAT_DIGITS = 309  # an integer with this many digits is beyond a float
_DIGITS = frozenset(b"0123456789")


def _has_long_number(raw: bytes) -> bool:
    """Whether ``raw`` holds a run of 309+ digits (checked at every 300th byte: such a run covers one of them)."""
    size = len(raw)
    for probe in range(0, size, 300):
        if raw[probe] not in _DIGITS:
            continue
        start = probe
        while start > 0 and raw[start - 1] in _DIGITS and probe - start < _FLOAT_DIGITS:
            start -= 1
        end = probe
        while end < size and raw[end] in _DIGITS and end - start < _FLOAT_DIGITS:
            end += 1
        if end - start >= _FLOAT_DIGITS:
            return True
    return False


def validate_json_body(validator: Any, state: BodyState, has_float: bool) -> Any:
    """The validated JSON body, or ``_MISSING`` when invalid (then the exact path answers).

    JSON that pydantic-core refuses but ``json.loads`` reads (a BOM, UTF-16, lone surrogates, deep nesting) or reads
    differently (integers of 309+ digits, for float fields) is parsed with ``json.loads`` and validated as Python
    data, as FastAPI does.
    """
    try:
        if state.parsed is not None:
            return validator.validate_python(state.parsed)
        raw = state.raw
        if not (has_float and len(raw) >= _FLOAT_DIGITS and _has_long_number(raw)):
            return validator.validate_json(raw)
        # pydantic-core reads an integer too long for a float as inf; json.loads keeps it an int, as FastAPI sees it.
    except ValidationError as exc:
        if state.parsed is not None or any(e["type"] != "json_invalid" for e in exc.errors(include_url=False)):
            return _MISSING
    try:
        return validator.validate_python(json.loads(state.raw))
    except (ValidationError, ValueError, RecursionError):
        return _MISSING
