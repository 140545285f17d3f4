from __future__ import annotations

import pytest
from fastapi.security.utils import get_authorization_scheme_param as fastapi_split

from zephyr.security.utils import get_authorization_scheme_param


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, ("", "")),
        ("", ("", "")),
        ("Bearer", ("Bearer", "")),
        ("Bearer ", ("Bearer", "")),
        ("Bearer abc", ("Bearer", "abc")),
        ("bearer   abc  def  ", ("bearer", "abc  def")),
        (" Bearer abc", ("", "Bearer abc")),
        ("Digest a=1, b=2", ("Digest", "a=1, b=2")),
    ],
)
def test_splits_like_fastapi(value: str | None, expected: tuple[str, str]) -> None:
    assert get_authorization_scheme_param(value) == expected == fastapi_split(value)
