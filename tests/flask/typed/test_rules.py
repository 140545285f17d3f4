"""Flask rules translated to Zephyr paths."""

from __future__ import annotations

import pytest

from zephyr.exceptions import FastAPIError
from zephyr.flask.typed.rules import convert_rule, join_rule


@pytest.mark.parametrize(
    ("rule", "path"),
    [
        ("/", "/"),
        ("/users", "/users"),
        ("/users/<user_id>", "/users/{user_id}"),
        ("/users/<string:name>", "/users/{name}"),
        ("/users/<int:user_id>", "/users/{user_id:int}"),
        ("/price/<float:amount>", "/price/{amount:float}"),
        ("/files/<path:rest>", "/files/{rest:path}"),
        ("/items/<uuid:item_id>/edit", "/items/{item_id:uuid}/edit"),
        ("/a/<int:x>-<y>.json", "/a/{x:int}-{y}.json"),
        ("/already/{zephyr:int}", "/already/{zephyr:int}"),
        ("", ""),
    ],
)
def test_convert_rule_translates_flask_converters(rule: str, path: str) -> None:
    assert convert_rule(rule) == path


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("users/<int:x>", "must start with '/'"),
        ("/pick/<any(a,b):kind>", "converter 'any'"),
        ("/n/<int(min=1):n>", "passes arguments to the 'int' converter"),
        ("/custom/<regex:value>", "converter 'regex'"),
        ("/mix/<a>/{b}", "mixes Flask variables"),
        ("/broken/<int:>", "malformed variable"),
    ],
)
def test_convert_rule_rejects_what_zephyr_cannot_route(rule: str, message: str) -> None:
    with pytest.raises(FastAPIError, match=message.replace("(", r"\(")):
        convert_rule(rule)


@pytest.mark.parametrize(
    ("prefix", "rule", "joined"),
    [
        (None, "/x", "/x"),
        ("", "/x", "/x"),
        ("/bp", "/", "/bp/"),
        ("/bp/", "/x", "/bp/x"),
        ("/bp", "", "/bp"),
        ("/bp", "x", "/bp/x"),
    ],
)
def test_join_rule_joins_prefixes_as_flask(prefix: str | None, rule: str, joined: str) -> None:
    assert join_rule(prefix, rule) == joined
