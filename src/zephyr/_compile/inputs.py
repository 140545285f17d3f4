"""Read raw parameter values out of an ASGI scope, as cheaply as possible (per request)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from zephyr._compile.plan import ChosenName, HeaderMembers, Plan
from zephyr.datastructures.multidicts import parse_query_pairs
from zephyr.types import Scope

__all__ = ("extract", "parse_query", "read_cookies", "read_headers")


def parse_query(query_string: bytes) -> dict[str, list[str]]:
    """A query string's values by name, parsed as Starlette's ``QueryParams`` parses it."""
    parsed: dict[str, list[str]] = {}
    if not query_string:
        return parsed
    query = query_string.decode("latin-1")
    if "%" in query or "+" in query:
        for name, value in parse_query_pairs(query):
            values = parsed.get(name)
            if values is None:
                parsed[name] = [value]
            else:
                values.append(value)
        return parsed
    # Nothing to unquote (the usual query): split here, without building ``parse_query_pairs``' list of pairs first.
    for pair in query.split("&"):
        if pair:
            name, _, value = pair.partition("=")
            values = parsed.get(name)
            if values is None:
                parsed[name] = [value]
            else:
                values.append(value)
    return parsed


def read_headers(scope: Scope, wanted: frozenset[bytes] | None) -> dict[bytes, list[str]]:
    """The request's header values by lower-case name: only the ``wanted`` ones, or all when ``wanted`` is None."""
    found: dict[bytes, list[str]] = {}
    for name, value in scope["headers"]:
        if wanted is None or name in wanted:
            values = found.get(name)
            if values is None:
                found[name] = [value.decode("latin-1")]
            else:
                values.append(value.decode("latin-1"))
    return found


def read_cookies(scope: Scope) -> dict[str, str]:
    from zephyr.requests import cookie_parser

    cookies: dict[str, str] = {}
    for name, value in scope["headers"]:
        if name == b"cookie":
            cookies.update(cookie_parser(value.decode("latin-1")))
    return cookies


def _multi(source: dict[str, list[str]], members: tuple[tuple[str, str, bool], ...]) -> dict[str, Any]:
    """A query parameter model's input: its fields, then every other query value (the model's extra policy rules)."""
    group: dict[str, Any] = {}
    for external, input_key, is_sequence in members:
        values = source.get(external)
        if values:
            group[input_key] = values if is_sequence else values[-1]
    if len(source) > len(group):
        processed = {external for external, _, _ in members}
        for name, values in source.items():
            if name not in processed:
                group[name] = values[0] if len(values) == 1 else values
    return group


def _chosen(source: Mapping[Any, Any], groups: tuple[tuple[ChosenName, ...], ...], first: bool) -> dict[str, Any]:
    """A query/header/cookie model whose fields have several names: each reads the first name sent, as FastAPI does.

    The names it leaves unread stay extra values in their sent shape (one value, or a list of repeats); ``groups``
    is :attr:`Plan.member_groups`' entry. ``first``: a repeated header gives its first value, a repeated query value
    its last (cookies are single values).
    """
    group: dict[str, Any] = {}
    processed: set[Any] = set()
    for names in groups:
        for name, unconverted, _, _ in names:
            if unconverted is not None and unconverted != name:
                processed.add(unconverted)  # a header model field's unconverted name is no extra header
        for name, _, input_key, is_sequence in names:
            if name in source:
                processed.add(name)
                values = source[name]
                if isinstance(values, list):
                    values = values if is_sequence else values[0] if first else values[-1]
                group[input_key] = values
                break
    for raw_name, values in source.items():
        if raw_name not in processed:
            name = raw_name.decode("latin-1") if isinstance(raw_name, bytes) else raw_name
            group[name] = values[0] if isinstance(values, list) and len(values) == 1 else values
    return group


def _selected(
    source: Mapping[str, Any], members: tuple[tuple[str, str, bool], ...], group: dict[str, Any], extras: bool
) -> bool:
    """Whether an optional parameter model is sent: one of its names is present (or any value, when extras count)."""
    return any(external in source for external, _, _ in members) or (extras and bool(group))


def _multi_headers(source: dict[bytes, list[str]], members: HeaderMembers) -> dict[str, Any]:
    """A header parameter model's input: its fields, then every other header (the model's extra policy rules)."""
    group: dict[str, Any] = {}
    processed: set[bytes] = set()
    for name, key_name, input_key, is_sequence in members or ():
        processed.add(name)
        processed.add(key_name)
        values = source.get(name)
        if values:
            group[input_key] = values if is_sequence else values[0]
    for raw_name, values in source.items():
        if raw_name not in processed:
            group[raw_name.decode("latin-1")] = values[0] if len(values) == 1 else values
    return group


def extract(plan: Plan, scope: Scope) -> dict[str, Any]:  # noqa: C901 - one loop per location, kept together for speed
    """Build the input of the plan's parameter validator: ``{field key: raw value}``, absent values left out."""
    inputs: dict[str, Any] = {}
    if plan.path_fields:
        path_params = scope.get("path_params", {})
        for key, alias in plan.path_fields:
            if alias in path_params:
                inputs[key] = path_params[alias]
    if plan.needs_query:
        query = parse_query(scope.get("query_string", b""))
        for key, alias, is_sequence, members in plan.query_fields:
            if members is not None:
                if plan.member_groups and key in plan.member_groups:
                    group = _chosen(query, plan.member_groups[key], first=False)
                else:
                    group = _multi(query, members)
                if key not in plan.optional_groups or _selected(query, members, group, plan.optional_groups[key]):
                    inputs[key] = group
                continue
            if plan.choices and key in plan.choices:
                alias = next((name for name in plan.choices[key] if name in query), alias)
            values = query.get(alias)
            if values:
                inputs[key] = values if is_sequence else values[-1]
    if plan.header_fields:
        headers = read_headers(scope, plan.header_names)
        for key, name, is_sequence, header_members in plan.header_fields:
            if header_members is not None:
                if plan.member_groups and key in plan.member_groups:
                    header_group = _chosen(headers, plan.member_groups[key], first=True)
                else:
                    header_group = _multi_headers(headers, header_members)
                extras = plan.optional_groups.get(key)
                # An optional model is selected by the names it reads (not by an unconverted field name), as in FastAPI.
                if extras is None or not plan.header_owns[key].isdisjoint(headers) or (extras and bool(header_group)):
                    inputs[key] = header_group
                continue
            if plan.choices and key in plan.choices:
                name = next((choice for choice in plan.choices[key] if choice in headers), name)
            header_values = headers.get(name)
            if header_values:
                inputs[key] = header_values if is_sequence else header_values[0]
    if plan.needs_cookies:
        cookies = read_cookies(scope)
        for key, alias, members in plan.cookie_fields:
            if members is not None:
                if plan.member_groups and key in plan.member_groups:
                    group = _chosen(cookies, plan.member_groups[key], first=True)
                else:
                    group = {k: cookies[ext] for ext, k, _ in members if ext in cookies}
                    if len(cookies) > len(group):
                        processed = {ext for ext, _, _ in members}
                        group.update((name, value) for name, value in cookies.items() if name not in processed)
                if key not in plan.optional_groups or _selected(cookies, members, group, plan.optional_groups[key]):
                    inputs[key] = group
            else:
                if plan.choices and key in plan.choices:
                    alias = next((name for name in plan.choices[key] if name in cookies), alias)
                if alias in cookies:
                    inputs[key] = cookies[alias]
    return inputs


def rename_chosen(plan: Plan, scope: Scope, errors: list[Any]) -> None:
    """Name the ``AliasChoices`` choice a request sent in the errors of its parameter (they name the first choice)."""
    query = parse_query(scope.get("query_string", b""))
    headers = read_headers(scope, None)
    cookies = read_cookies(scope)
    sources: dict[str, Any] = {"query": query, "header": headers, "cookie": cookies}
    for field in plan.fields:
        if not field.choices or field.location not in sources:
            continue
        names = plan.choices.get(field.key, ())
        source = sources[field.location]
        sent = next((index for index, name in enumerate(names) if name in source), None)
        if not sent:
            continue  # the first choice (or none) was sent: the errors already name it
        for error in errors:
            loc = error.get("loc", ())
            if len(loc) >= 2 and loc[0] == field.location and loc[1] == field.alias:
                error["loc"] = (loc[0], field.choices[sent], *loc[2:])
