from __future__ import annotations

import pytest

from zephyr.ratelimit.rates import Rate, parse_rate


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5/second", Rate(5, 1.0)),
        ("100/minute", Rate(100, 60.0)),
        ("100/min", Rate(100, 60.0)),
        ("1000 per hour", Rate(1000, 3600.0)),
        ("10/5 seconds", Rate(10, 5.0)),
        ("7/d", Rate(7, 86400.0)),
        (" 3 / 2 MINUTES ", Rate(3, 120.0)),
    ],
)
def test_parse_rate_accepts_documented_forms(text: str, expected: Rate) -> None:
    assert parse_rate(text) == expected


def test_parse_rate_accepts_rate_and_tuple() -> None:
    assert parse_rate(Rate(3, 2.0)) == Rate(3, 2.0)
    assert parse_rate((3, 2)) == Rate(3, 2.0)


@pytest.mark.parametrize("text", ["", "5", "5/fortnight", "five/second", "5/-1 second"])
def test_parse_rate_rejects_bad_text_with_the_fix(text: str) -> None:
    with pytest.raises(ValueError, match=r"Invalid rate .*: write it as '<count>/<unit>'.*'100/minute'"):
        parse_rate(text)


@pytest.mark.parametrize("text", ["0/second", "1/0 seconds"])
def test_parse_rate_rejects_zero(text: str) -> None:
    with pytest.raises(ValueError, match="the limit must be at least 1 and the period positive"):
        parse_rate(text)


def test_parse_rate_rejects_other_types() -> None:
    with pytest.raises(TypeError, match="A rate must be a string such as '100/minute'"):
        parse_rate(5)  # type: ignore[arg-type]


def test_rate_str_names_the_unit() -> None:
    assert str(Rate(5, 1.0)) == "5/second"
    assert str(Rate(5, 3600.0)) == "5/hour"
    assert str(Rate(5, 10.0)) == "5/10 seconds"
