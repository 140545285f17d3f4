from __future__ import annotations

import pytest

from zephyr.caching.etag import etag_matches, make_etag


def test_make_etag_is_a_quoted_stable_digest() -> None:
    tag = make_etag(b"hello")
    assert tag.startswith('"')
    assert tag.endswith('"')
    assert len(tag) == 34
    assert make_etag(b"hello") == tag
    assert make_etag(b"other") != tag


@pytest.mark.parametrize(
    ("header", "etag", "expected"),
    [
        ('"a"', '"a"', True),
        ('"b", "a"', '"a"', True),
        ('W/"a"', '"a"', True),
        ('"a"', 'W/"a"', True),
        ("*", '"a"', True),
        ('"b"', '"a"', False),
        (None, '"a"', False),
        ('"a"', None, False),
        ("", '"a"', False),
    ],
)
def test_etag_matches_uses_weak_comparison(header: str | None, etag: str | None, expected: bool) -> None:
    assert etag_matches(header, etag) is expected
