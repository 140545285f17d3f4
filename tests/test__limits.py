"""The request-head checks and the safe defaults, in-process (end to end: ``e2e/test_defaults_server``)."""

from __future__ import annotations

import pytest

from zephyr import FastAPI
from zephyr._limits import MAX_HEADER_BYTES, MAX_HEADERS, check_head
from zephyr.exceptions import FastAPIError
from zephyr.testclient import TestClient


def head(*pairs: tuple[bytes, bytes]) -> list[tuple[bytes, bytes]]:
    return [(b"host", b"example.com"), *pairs]


@pytest.mark.parametrize(
    ("headers", "refusal"),
    [
        (head(), None),
        (head((b"content-length", b"3")), None),
        (head((b"content-length", b"3"), (b"content-length", b" 3")), None),
        (head((b"transfer-encoding", b"chunked")), None),
        ([(b"x-%d" % i, b"v") for i in range(MAX_HEADERS)], None),
        (
            [(b"x-%d" % i, b"v") for i in range(MAX_HEADERS + 1)],
            (431, f"Too many request headers: {MAX_HEADERS + 1}, the limit is {MAX_HEADERS}."),
        ),
        ([(b"x", b"a" * (MAX_HEADER_BYTES - 1))], None),
        (
            [(b"x", b"a" * MAX_HEADER_BYTES)],
            (431, f"Request headers too large: {MAX_HEADER_BYTES + 1} bytes, the limit is {MAX_HEADER_BYTES}."),
        ),
        (head((b"host", b"other")), (400, "Duplicate Host header: a request names one host.")),
        (
            head((b"content-length", b"4"), (b"transfer-encoding", b"chunked")),
            (400, "Both Content-Length and Transfer-Encoding were sent: the body's length is ambiguous."),
        ),
        (head((b"content-length", b"2"), (b"content-length", b"3")), (400, "Conflicting Content-Length headers.")),
    ],
    ids=[
        "plain",
        "length",
        "same-lengths",
        "chunked",
        "100-headers",
        "101-headers",
        "under-size",
        "over-size",
        "two-hosts",
        "cl-te",
        "two-lengths",
    ],
)
def test_check_head(headers: list[tuple[bytes, bytes]], refusal: tuple[int, str] | None) -> None:
    assert check_head(headers, MAX_HEADERS, MAX_HEADER_BYTES) == refusal


def test_check_head_limits_can_be_lifted() -> None:
    assert check_head([(b"x", b"a" * 100_000)] * 200, None, None) is None


def app_with_root(**settings: object) -> FastAPI:
    app = FastAPI(**settings)  # type: ignore[arg-type]

    @app.get("/")
    async def root() -> dict[str, bool]:
        return {"ok": True}

    return app


def test_app_refuses_a_bad_head_and_closes_the_connection() -> None:
    client = TestClient(app_with_root())
    response = client.get("/", headers={f"x-{i}": "v" for i in range(120)})
    assert (response.status_code, response.headers["connection"]) == (431, "close")
    assert response.json() == {"detail": "Too many request headers: 125, the limit is 100."}
    assert client.get("/").json() == {"ok": True}


def test_app_head_limits_are_settings() -> None:
    client = TestClient(app_with_root(max_headers=200, max_header_bytes=None))
    assert client.get("/", headers={f"x-{i}": "v" * 200 for i in range(120)}).json() == {"ok": True}
    small = TestClient(app_with_root(max_header_bytes=50))
    assert small.get("/", headers={"x-big": "v" * 60}).status_code == 431


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"max_headers": 0}, "max_headers=0 must be a positive int, or None for no limit."),
        ({"max_header_bytes": "big"}, "max_header_bytes='big' must be a positive int, or None for no limit."),
        ({"body_deadline": 0}, "body_deadline=0 must be a positive number of seconds, or None."),
        ({"body_deadline": True}, "body_deadline=True must be a positive number of seconds, or None."),
    ],
)
def test_app_settings_are_checked(settings: dict[str, object], message: str) -> None:
    with pytest.raises(FastAPIError) as caught:
        FastAPI(**settings)  # type: ignore[arg-type]
    assert str(caught.value) == message


def test_app_settings_are_not_extra() -> None:
    app = FastAPI(max_headers=10, max_header_bytes=100, body_deadline=None)
    assert (app.max_headers, app.max_header_bytes, app.body_deadline, app.extra) == (10, 100, None, {})
