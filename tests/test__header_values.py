"""Header values set by apps: refused where set when no server can send them; RFC 8187 for download names."""

from __future__ import annotations

import pytest

from zephyr._header_values import HeaderValueError, encode_header_value
from zephyr.datastructures import MutableHeaders
from zephyr.responses import PlainTextResponse, Response


@pytest.mark.parametrize("value", ["plain", "tab\tinside", "caf\xe9", "nbsp\xa0", ""])
def test_sendable_values_are_encoded_as_latin1(value: str) -> None:
    assert encode_header_value("X-Test", value) == value.encode("latin-1")
    assert Response(headers={"X-Test": value}).raw_headers[0] == (b"x-test", value.encode("latin-1"))


@pytest.mark.parametrize("value", ["a\r\nSet-Cookie: evil=1", "a\nb", "a\rb", "a\x00b", "a\x7fb", "a\x1bb"])
def test_control_characters_are_refused_naming_the_header(value: str) -> None:
    message = f"Response header 'X-Test' has a control character (CR, LF, NUL...) in its value {value!r:.80}"
    for build in (
        lambda: Response(headers={"X-Test": value}),
        lambda: Response().headers.__setitem__("X-Test", value),
        lambda: Response().headers.append("X-Test", value),
        lambda: MutableHeaders().setdefault("X-Test", value),
    ):
        with pytest.raises(HeaderValueError) as caught:
            build()
        assert str(caught.value).startswith(message)
        assert isinstance(caught.value, ValueError)


def test_non_latin1_is_refused_naming_the_header() -> None:
    with pytest.raises(HeaderValueError, match=r"^Response header 'X-Name' has a character outside Latin-1"):
        PlainTextResponse("x", headers={"X-Name": "caf\u2713"})
    with pytest.raises(HeaderValueError, match=r"^Response header 'x-name' has a character outside Latin-1"):
        encode_header_value(b"x-name", "\u2713")


@pytest.mark.parametrize(
    ("value", "encoded"),
    [
        (
            'attachment; filename="résumé✓.pdf"',
            "attachment; filename=\"resume.pdf\"; filename*=utf-8''r%C3%A9sum%C3%A9%E2%9C%93.pdf",
        ),
        (
            "inline; filename=данные.csv; size=3",
            "inline; filename=\".csv\"; filename*=utf-8''%D0%B4%D0%B0%D0%BD%D0%BD%D1%8B%D0%B5.csv; size=3",
        ),
    ],
)
def test_content_disposition_file_names_use_rfc_8187(value: str, encoded: str) -> None:
    assert Response(headers={"Content-Disposition": value}).headers["content-disposition"] == encoded


@pytest.mark.parametrize(
    "value",
    [
        "attachment; name=\u2713",
        "attachment; filename*=utf-8''x; filename=\"\u2713\"",
        'attachment; filename="a\u2713"\r\n',
    ],
)
def test_content_disposition_without_a_plain_file_name_is_refused(value: str) -> None:
    with pytest.raises(HeaderValueError):
        Response(headers={"Content-Disposition": value})
