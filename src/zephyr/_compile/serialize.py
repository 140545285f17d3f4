"""Endpoint results to response bytes: through the response model with pydantic-core, or as plain JSON."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from pydantic import TypeAdapter, ValidationError

from zephyr.encoders import jsonable_encoder
from zephyr.exceptions import ResponseValidationError


class _NotPlain(Exception):  # noqa: N818 - internal signal, never escapes this module
    pass


def _refuse(value: Any) -> Any:
    raise _NotPlain


_PLAIN = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"), default=_refuse)
_ENCODED = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def dumps(content: Any) -> bytes:
    """JSON bytes exactly as FastAPI's ``JSONResponse(jsonable_encoder(content))`` renders them.

    Plain data (dicts, lists, strings, numbers) goes straight to the C encoder; anything else takes the
    ``jsonable_encoder`` route.
    """
    try:
        return _PLAIN.encode(content).encode("utf-8")
    except _NotPlain:
        return _ENCODED.encode(jsonable_encoder(content)).encode("utf-8")


@dataclass(eq=False)
class ResponseModel:
    """A route's response model, with the dump options given on the route."""

    adapter: TypeAdapter[Any]
    include: Any = None
    exclude: Any = None
    by_alias: bool = True
    exclude_unset: bool = False
    exclude_defaults: bool = False
    exclude_none: bool = False

    def validate(self, content: Any) -> Any:
        try:
            return self.adapter.validate_python(content, from_attributes=True)
        except ValidationError as exc:
            errors = [{**err, "loc": ("response", *err["loc"])} for err in exc.errors(include_url=False)]
            raise ResponseValidationError(errors, body=content) from exc

    def to_json(self, content: Any) -> bytes:
        return self.adapter.dump_json(
            self.validate(content),
            include=self.include,
            exclude=self.exclude,
            by_alias=self.by_alias,
            exclude_unset=self.exclude_unset,
            exclude_defaults=self.exclude_defaults,
            exclude_none=self.exclude_none,
        )

    def to_python(self, content: Any) -> Any:
        return self.adapter.dump_python(
            self.validate(content),
            mode="json",
            include=self.include,
            exclude=self.exclude,
            by_alias=self.by_alias,
            exclude_unset=self.exclude_unset,
            exclude_defaults=self.exclude_defaults,
            exclude_none=self.exclude_none,
        )
