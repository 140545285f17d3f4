"""``parse_query``: a query string's values by name, as Starlette's ``QueryParams`` reads them."""

from __future__ import annotations

from urllib.parse import parse_qsl

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zephyr._compile.inputs import parse_query


def _reference(query: bytes) -> dict[str, list[str]]:
    parsed: dict[str, list[str]] = {}
    for name, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
        parsed.setdefault(name, []).append(value)
    return parsed


@pytest.mark.parametrize(
    "query",
    [
        b"",
        b"limit=10&q=abc",
        b"a=1&a=2&b",
        b"a=&=b&&c==d&",
        b"q=a+b&r=%2F%20x",
        b"q=caf\xe9",
        b"&&&",
    ],
)
def test_parse_query_reads_what_parse_qsl_reads(query: bytes) -> None:
    assert parse_query(query) == _reference(query)


@settings(max_examples=300, deadline=None, database=None)
@given(st.text(alphabet="ab=&%+2F0 ", max_size=20))
def test_parse_query_matches_parse_qsl_on_any_query(text: str) -> None:
    query = text.encode("latin-1")
    assert parse_query(query) == _reference(query)
