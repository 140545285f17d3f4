"""Endpoint results to response bytes: through the response model with pydantic-core, or as plain JSON."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

from pydantic import TypeAdapter, ValidationError
from pydantic_core import PydanticSerializationError, SchemaSerializer, SchemaValidator, to_json

from zephyr._compile.plain_models import json_native, plain_schema
from zephyr.encoders import jsonable_encoder
from zephyr.exceptions import ResponseValidationError

__all__ = ("ResponseModel", "dumps", "stream_text")


class _NotPlain(Exception):  # noqa: N818 - internal signal, never escapes this module
    pass


def _refuse(value: Any) -> Any:
    raise _NotPlain


_PLAIN = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"), default=_refuse)
_ENCODED = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"))


_SCALARS = frozenset((str, int, bool, type(None)))


def _plain(value: Any, depth: int = 0) -> bool:
    """True when ``value`` is JSON data that pydantic-core writes byte-for-byte as ``json.dumps`` does.

    Exact types only (no subclasses, whose ``json.dumps`` output may differ), string keys, and floats whose shortest
    representation both encoders write alike (they differ only in the exponent form of very small numbers). A key
    starting with ``_sa`` is not plain: ``jsonable_encoder`` drops it (SQLAlchemy's instance state), so must we.
    """
    kind = type(value)
    if kind in _SCALARS:
        return True
    if kind is float:
        return bool(value == 0.0 or (1e-4 <= abs(value) < float("inf")))
    if depth > 32:
        return False
    # Loops, not all() over a generator: scalars are checked inline, without a call or a generator frame each.
    if kind is dict:
        for key, item in value.items():
            if type(key) is not str or key.startswith("_sa"):
                return False
            if type(item) not in _SCALARS and not _plain(item, depth + 1):
                return False
        return True
    if kind is list:
        for item in value:  # noqa: SIM110 - a loop: all() would add a generator frame per list
            if type(item) not in _SCALARS and not _plain(item, depth + 1):
                return False
        return True
    return False


def _has_sa_key(value: Any, depth: int = 0) -> bool:
    """True when a dict somewhere in ``value`` has a ``_sa...`` key, which only ``jsonable_encoder`` drops."""
    if depth > 32:
        return True  # deeper than we look: let jsonable_encoder decide
    if isinstance(value, dict):
        return any(
            (isinstance(key, str) and key.startswith("_sa")) or _has_sa_key(item, depth + 1)
            for key, item in value.items()
        )
    if isinstance(value, (list, tuple)):
        return any(_has_sa_key(item, depth + 1) for item in value)
    return False


def dumps(content: Any) -> bytes:
    """JSON bytes exactly as FastAPI's ``JSONResponse(jsonable_encoder(content))`` renders them.

    Plain data goes to pydantic-core's encoder (a few times faster than ``json.dumps``, same bytes); other plain-ish
    data to the C encoder of ``json``; anything else takes the ``jsonable_encoder`` route.
    """
    try:
        if _plain(content):
            return to_json(content)
        if not _has_sa_key(content):
            try:
                return _PLAIN.encode(content).encode("utf-8")
            except _NotPlain:
                pass
        return _ENCODED.encode(jsonable_encoder(content)).encode("utf-8")
    except (UnicodeEncodeError, PydanticSerializationError):
        return _escaped(jsonable_encoder(content))


def _escaped(content: Any) -> bytes:
    """A lone surrogate (a client's escaped surrogate, decoded) cannot be UTF-8: send it escaped, not a 500."""
    return json.dumps(content, ensure_ascii=True, allow_nan=False, separators=(",", ":")).encode("ascii")


_STREAM = json.JSONEncoder(allow_nan=False, default=_refuse)


def _finite(data: Any) -> Any:
    if isinstance(data, float):
        return data if math.isfinite(data) else None
    if isinstance(data, dict):
        return {key: _finite(value) for key, value in data.items()}
    if isinstance(data, list):
        return [_finite(value) for value in data]
    return data


def stream_text(data: Any) -> str:
    """One streamed item (JSON Lines, SSE ``data``) as FastAPI writes it.

    That is ``json.dumps`` with its defaults (``", "`` separators, ASCII escapes) and ``inf``/``nan`` as ``null``;
    plain data skips ``jsonable_encoder``.
    """
    try:
        return _STREAM.encode(data)
    except (_NotPlain, ValueError):
        return json.dumps(_finite(jsonable_encoder(data)))


@dataclass(eq=False)
class ResponseModel:
    """A route's response model, with the dump options given on the route.

    When the model allows it (see `plain_models`), JSON output first tries the model's fields as a typed dict:
    what that accepts comes out in the same bytes, faster; everything else takes the model itself.
    """

    adapter: TypeAdapter[Any]
    include: Any = None
    exclude: Any = None
    by_alias: bool = True
    exclude_unset: bool = False
    exclude_defaults: bool = False
    exclude_none: bool = False
    plain: tuple[SchemaValidator, SchemaSerializer] | None = field(init=False, default=None)
    encode: Callable[[Any], bytes] | None = field(init=False, default=None)
    dump_options: dict[str, Any] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.dump_options = {
            "include": self.include,
            "exclude": self.exclude,
            "by_alias": self.by_alias,
            "exclude_unset": self.exclude_unset,
            "exclude_defaults": self.exclude_defaults,
            "exclude_none": self.exclude_none,
        }
        # Field filters and "unset"/"default" tracking are the model serializer's, on instances: they keep the model.
        filtered = self.include is not None or self.exclude is not None
        if filtered or self.exclude_unset or self.exclude_defaults:
            return
        schema = _plain_schema_of(self.adapter)
        if schema is None:
            return
        try:
            self.plain = SchemaValidator(schema), SchemaSerializer(schema)
        except Exception:  # pydantic-core refused the rewritten schema: the model path alone serves the route
            return
        if not self.exclude_none and json_native(schema):
            self.encode = _native_encoder()

    def validate(self, content: Any) -> Any:
        try:
            return self.adapter.validate_python(content, from_attributes=True)
        except ValidationError as exc:
            errors = [{**err, "loc": ("response", *err["loc"])} for err in exc.errors(include_url=False)]
            raise ResponseValidationError(errors, body=content) from exc

    def to_json(self, content: Any) -> bytes:
        data = self._plain_rows(content)
        if data is not _REFUSED:
            body = self._write_plain(data)
            if body is not None:
                return body
        value = self.validate(content)
        try:
            return self.adapter.dump_json(value, **self.dump_options)
        except PydanticSerializationError:
            return _escaped(self._dump(value))

    def to_python(self, content: Any) -> Any:
        """JSON-ready data for a response class that renders it itself (``ORJSONResponse``, ``UJSONResponse``, ...)."""
        data = self._plain_rows(content)
        if data is not _REFUSED and self.plain is not None:
            try:
                return self.plain[1].to_python(
                    data, mode="json", by_alias=self.by_alias, exclude_none=self.exclude_none
                )
            except PydanticSerializationError:
                pass  # the model decides, as in to_json
        return self._dump(self.validate(content))

    def _plain_rows(self, content: Any) -> Any:
        """``content`` validated as typed dicts, or ``_REFUSED`` to let the model decide.

        The model gives FastAPI's errors, reads attributes from objects and escapes what UTF-8 cannot hold.
        """
        if self.plain is None or not _rows_are_dicts(content):
            return _REFUSED
        try:
            return self.plain[0].validate_python(content)
        except ValidationError:
            return _REFUSED

    def _write_plain(self, data: Any) -> bytes | None:
        if self.encode is not None:
            try:
                return self.encode(data)
            except TypeError:
                pass  # what orjson refuses (ints past 64 bits, lone surrogates) pydantic-core writes
        assert self.plain is not None  # noqa: S101 - only called with data the typed dicts validated
        try:
            return self.plain[1].to_json(data, by_alias=self.by_alias, exclude_none=self.exclude_none)
        except PydanticSerializationError:
            return None

    def _dump(self, value: Any) -> Any:
        return self.adapter.dump_python(value, mode="json", **self.dump_options)


_REFUSED = object()
"""What `ResponseModel._plain_rows` returns when the typed dicts do not take the content."""


def _rows_are_dicts(content: Any) -> bool:
    """Whether ``content`` (or its first row) is a dict: model instances and ORM objects go to the model at once.

    Trying the typed dicts on a list of instances would fail on every row, and collecting those errors costs more
    than the model path itself.
    """
    if type(content) is list or type(content) is tuple:
        content = content[0] if content else {}
    return isinstance(content, dict)


def _plain_schema_of(adapter: TypeAdapter[Any]) -> Any:
    try:
        return plain_schema(adapter.core_schema)
    except Exception:  # an unresolved or unusual schema: the model path alone serves it
        return None


def _native_encoder() -> Callable[[Any], bytes] | None:
    """The ``dumps`` of orjson when installed (``zephyr[standard]``): it writes plain JSON as pydantic-core does."""
    try:
        import orjson  # optional, and only routes with a plain response model need it
    except ImportError:
        return None
    return cast("Callable[[Any], bytes]", orjson.dumps)
