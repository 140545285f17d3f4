"""Translate Flask/Werkzeug URL rules (``/users/<int:user_id>``) into Zephyr paths (``/users/{user_id:int}``)."""

from __future__ import annotations

import re

from zephyr.exceptions import FastAPIError

__all__ = ("CONVERTERS", "convert_rule", "join_rule")

CONVERTERS: dict[str, str] = {
    "default": "str",
    "string": "str",
    "int": "int",
    "float": "float",
    "path": "path",
    "uuid": "uuid",
}
"""Flask converter name -> Zephyr convertor name."""

_VARIABLE = re.compile(
    r"<(?:(?P<converter>[a-zA-Z_][a-zA-Z0-9_]*)(?P<args>\([^)]*\))?:)?(?P<name>[a-zA-Z_][a-zA-Z0-9_]*)>"
)


def convert_rule(rule: str) -> str:
    """Translate a Flask rule into a Zephyr path.

    ``<name>`` and ``<string:name>`` become ``{name}``; ``int``, ``float``, ``path`` and ``uuid`` keep their
    meaning (``{name:int}``...). A path already in Zephyr syntax (``{name}``) is returned unchanged.

    Args:
        rule: A rule such as ``"/users/<int:user_id>"``.

    Returns:
        The Zephyr path, such as ``"/users/{user_id:int}"``.

    Raises:
        FastAPIError: The rule does not start with ``/``, uses a converter Zephyr has no equivalent for
            (``any``, custom converters), passes converter arguments (``int(min=1)``), or mixes both syntaxes.
    """
    if rule and not rule.startswith("/"):
        raise FastAPIError(f"URL rule {rule!r} must start with '/'; write {'/' + rule!r}.")
    if "<" not in rule:
        return rule
    if "{" in rule or "}" in rule:
        raise FastAPIError(
            f"URL rule {rule!r} mixes Flask variables (<name>) with Zephyr ones ({{name}}); use one syntax."
        )
    parts: list[str] = []
    position = 0
    for found in _VARIABLE.finditer(rule):
        converter = found.group("converter") or "default"
        name = found.group("name")
        if converter not in CONVERTERS:
            raise FastAPIError(
                f"URL rule {rule!r} uses the converter {converter!r}, which Zephyr does not support; use one of "
                f"{sorted(CONVERTERS)} and validate the value in the view (for 'any', use an Enum-typed parameter)."
            )
        if found.group("args"):
            raise FastAPIError(
                f"URL rule {rule!r} passes arguments to the {converter!r} converter ({found.group('args')}); Zephyr "
                f"converters take none. Write <{converter}:{name}> and constrain the parameter with Path(...) instead."
            )
        target = CONVERTERS[converter]
        parts.append(rule[position : found.start()])
        parts.append("{" + name + ("" if target == "str" else ":" + target) + "}")
        position = found.end()
    parts.append(rule[position:])
    path = "".join(parts)
    if "<" in path or ">" in path:
        raise FastAPIError(f"URL rule {rule!r} has a malformed variable; write <name> or <converter:name>.")
    return path


def join_rule(prefix: str | None, rule: str) -> str:
    """Join a blueprint's ``url_prefix`` and a rule as Flask does (``"/bp" + "/" -> "/bp/"``).

    Args:
        prefix: The URL prefix, or ``None``.
        rule: The rule (may be empty).

    Returns:
        The combined rule.
    """
    if not prefix:
        return rule
    if not rule:
        return prefix
    return prefix.rstrip("/") + "/" + rule.lstrip("/")
