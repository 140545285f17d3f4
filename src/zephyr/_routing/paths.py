"""Compile route paths such as ``/items/{item_id:int}`` into a matcher, a format string and convertors."""

from __future__ import annotations

import functools
import math
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from zephyr.exceptions import FastAPIError

__all__ = ("CONVERTORS", "CompiledPath", "Convertor", "compile_path", "route_path")

_PARAM = re.compile(r"{([a-zA-Z_][a-zA-Z0-9_]*)(:[a-zA-Z_][a-zA-Z0-9_]*)?}")


def _int_to_string(value: Any) -> str:
    number = int(value)
    if number < 0:
        raise ValueError(f"Negative integers are not supported in paths: {value!r}")
    return str(number)


def _float_to_string(value: Any) -> str:
    number = float(value)
    if number < 0 or math.isnan(number) or math.isinf(number):
        raise ValueError(f"Only finite non-negative floats are supported in paths: {value!r}")
    return f"{number:0.20f}".rstrip("0").rstrip(".")


def _str_to_string(value: Any) -> str:
    text = str(value)
    if "/" in text or not text:
        raise ValueError(f"A 'str' path parameter must be non-empty and contain no '/': {value!r}")
    return text


def _same(value: str) -> str:
    return value


@dataclass(frozen=True)
class Convertor:
    """How a path parameter is matched (``regex``) and turned into a value (``convert``) and back (``to_string``)."""

    name: str
    regex: str
    convert: Callable[[str], Any] = _same
    to_string: Callable[[Any], str] = str


CONVERTORS: dict[str, Convertor] = {
    "str": Convertor("str", "[^/]+", to_string=_str_to_string),
    "path": Convertor("path", ".*"),
    "int": Convertor("int", "[0-9]+", int, _int_to_string),
    "float": Convertor("float", r"[0-9]+(?:\.[0-9]+)?", float, _float_to_string),
    "uuid": Convertor("uuid", "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}", uuid.UUID),
}


@dataclass(frozen=True)
class CompiledPath:
    """A route path, compiled: ``regex`` matches a request path, ``format`` rebuilds one."""

    path: str
    pattern: str
    format: str
    convertors: dict[str, Convertor]
    slashes: int | None = None  # the '/' count every matching path has (None: a ``:path`` part or a mount)
    prefix: tuple[str, ...] = ()
    """The literal segments before the first parameter (``("users",)`` for ``/users/{id}``)."""
    conversions: tuple[tuple[str, Callable[[str], Any]], ...] = ()
    """The parameters whose matched text is converted (``int``, ``float``, ``uuid``), with their converters."""

    @property
    def is_static(self) -> bool:
        return not self.convertors

    @functools.cached_property
    def regex(self) -> re.Pattern[str]:
        """The compiled pattern: built on first use, so adding hundreds of routes compiles no regex."""
        return re.compile(self.pattern)

    def match(self, path: str) -> dict[str, Any] | None:
        if not self.convertors:
            return {} if path == self.path else None
        # Refusing on the slash count first keeps a long hostile path from backtracking through the regex.
        if self.slashes is not None and path.count("/") != self.slashes:
            return None
        found = self.regex.match(path)
        if found is None:
            return None
        params: dict[str, Any] = found.groupdict()
        for name, convert in self.conversions:
            params[name] = convert(params[name])
        return params

    def build(self, params: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """Fill the path's parameters; return the path and the parameters that were not used."""
        remaining = dict(params)
        path = self.format
        for name, convertor in self.convertors.items():
            value = convertor.to_string(remaining.pop(name))
            path = path.replace("{" + name + "}", value)
        return path, remaining


def compile_path(path: str) -> CompiledPath:
    """Compile ``path`` (``/items/{item_id:int}``).

    Raises:
        FastAPIError: An unknown convertor or a repeated parameter name.
    """
    regex = "^"
    format_ = ""
    convertors: dict[str, Convertor] = {}
    position = 0
    for found in _PARAM.finditer(path):
        name, kind = found.groups("str")
        kind = kind.lstrip(":")
        if kind not in CONVERTORS:
            raise FastAPIError(f"Unknown path convertor {kind!r} in {path!r}; use one of {sorted(CONVERTORS)}.")
        if name in convertors:
            raise FastAPIError(f"Duplicated param name {name!r} at path {path!r}; each name may appear once.")
        convertor = CONVERTORS[kind]
        regex += re.escape(path[position : found.start()]) + f"(?P<{name}>{convertor.regex})"
        format_ += path[position : found.start()] + "{" + name + "}"
        convertors[name] = convertor
        position = found.end()
    regex += re.escape(path[position:]) + "$"
    format_ += path[position:]
    slashes = None if any(c.name == "path" for c in convertors.values()) else path.count("/")
    prefix: list[str] = []
    if convertors:
        for segment in (path[1:] if path.startswith("/") else path).split("/"):
            if "{" in segment:
                break
            prefix.append(segment)
    conversions = tuple((name, c.convert) for name, c in convertors.items() if c.convert is not _same)
    return CompiledPath(
        path=path,
        pattern=regex,
        format=format_,
        convertors=convertors,
        slashes=slashes,
        prefix=tuple(prefix),
        conversions=conversions,
    )


def route_path(scope: dict[str, Any] | Any) -> str:
    """The part of the request path the app routes on: ``path`` with the ``root_path`` prefix removed."""
    path: str = scope["path"]
    root_path: str = scope.get("root_path", "")
    if not root_path or not path.startswith(root_path):
        return path
    if path == root_path:
        return ""
    if path[len(root_path)] == "/":
        return path[len(root_path) :]
    return path
