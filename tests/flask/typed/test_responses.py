"""Flask view return values turned into responses, compared with Flask's own ``make_response``."""

from __future__ import annotations

import datetime
from collections.abc import AsyncIterator, Iterator
from typing import Any

import flask
import pytest

from zephyr.exceptions import HTTPException
from zephyr.flask.typed import Flask, InternalServerError, abort, jsonify, make_response, redirect
from zephyr.flask.typed.responses import _AbortResponse
from zephyr.responses import JSONResponse, Response, StreamingResponse
from zephyr.testclient import TestClient

CASES: list[Any] = [
    "hi <b>there</b>",
    "é",
    b"raw bytes",
    bytearray(b"array"),
    {"b": 1, "a": [1, 2], "u": "é"},
    [1, "x", None, True],
    ("created", 201),
    ("teapot", "418 I'M A TEAPOT"),
    ("x", 201, {"X-A": "1"}),
    ("x", {"X-A": "1"}),
    ("x", [("X-A", "1"), ("X-A", "2")]),
    ({"ok": True}, 202, [("X-B", "b")]),
    ("", 204),
]


def _flask_response(rv: Any) -> tuple[int, list[tuple[str, str]], bytes]:
    app = flask.Flask("reference")
    with app.test_request_context():
        response = app.make_response(rv)
        sent = response.get_wsgi_headers(flask.request.environ)  # the headers Werkzeug actually sends
        headers = sorted((k.lower(), v) for k, v in sent.to_wsgi_list())
        return response.status_code, headers, response.get_data()


def _zephyr_response(rv: Any) -> tuple[int, list[tuple[str, str]], bytes]:
    response = make_response(rv)
    headers = sorted((k.decode(), v.decode()) for k, v in response.raw_headers)
    return response.status_code, headers, bytes(response.body)


@pytest.mark.parametrize("rv", CASES, ids=repr)
def test_make_response_matches_flask(rv: Any) -> None:
    assert _zephyr_response(rv) == _flask_response(rv)


def test_make_response_keeps_a_response_and_replaces_its_headers_and_status() -> None:
    original = Response("body", headers={"X-A": "old", "X-Keep": "k"}, media_type="text/plain")
    response = make_response((original, 202, {"X-A": "new"}))
    assert response is original
    assert response.status_code == 202
    assert response.headers.getlist("x-a") == ["new"]
    assert response.headers["x-keep"] == "k"


def test_make_response_with_a_list_header_value_sets_every_value() -> None:
    response = make_response((Response("x", headers={"X-A": "old"}), {"X-A": ["1", "2"]}))
    assert response.headers.getlist("x-a") == ["1", "2"]


def test_make_response_streams_a_generator_as_html() -> None:
    def chunks() -> Iterator[str | bytes]:
        yield "a"
        yield b"b"

    response = make_response(chunks())
    assert isinstance(response, StreamingResponse)
    assert response.headers["content-type"] == "text/html; charset=utf-8"


async def _achunks() -> AsyncIterator[str]:
    yield "x"
    yield "y"


def test_generators_stream_through_a_flask_view() -> None:
    app = Flask(__name__)

    @app.route("/sync")
    def sync_stream() -> Iterator[str]:
        return iter(["one ", "two"])

    @app.route("/async")
    def async_stream() -> AsyncIterator[str]:
        return _achunks()

    client = TestClient(app)
    response = client.get("/sync")
    assert (response.status_code, response.text) == (200, "one two")
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert "content-length" not in response.headers
    assert client.get("/async").text == "xy"


def test_make_response_encodes_dates_and_models_with_jsonable_encoder() -> None:
    from pydantic import BaseModel

    class Point(BaseModel):
        y: int
        x: int

    response = make_response({"when": datetime.date(2024, 1, 2), "point": Point(y=2, x=1), "pair": (1, 2)})
    assert response.body == b'{"pair":[1,2],"point":{"x":1,"y":2},"when":"2024-01-02"}\n'


@pytest.mark.parametrize(
    ("rv", "message"),
    [
        (None, "did not return a valid response. The function either returned None"),
        (("a", 200, {}, 1), "tuple of 4 items"),
        (object(), "got object"),
        (("x", 2.5), "status must be an int"),
        (("x", "teapot"), "status must be an int"),
    ],
)
def test_make_response_rejects_invalid_values(rv: Any, message: str) -> None:
    with pytest.raises(TypeError, match=message):
        make_response(rv, "view")


def test_jsonify_matches_flask() -> None:
    app = flask.Flask("reference")
    with app.app_context():
        for args, kwargs in [((), {"b": 1, "a": 2}), (({"x": [1]},), {}), ((1, 2), {}), ((), {})]:
            expected = flask.jsonify(*args, **kwargs)
            ours = jsonify(*args, **kwargs)
            assert ours.body == expected.get_data()
            assert ours.headers["content-type"] == expected.headers["Content-Type"]
    with pytest.raises(TypeError, match="both args and kwargs"):
        jsonify(1, a=2)


def test_abort_raises_http_exception_or_the_given_response() -> None:
    with pytest.raises(HTTPException) as info:
        abort(403, "No entry")
    assert (info.value.status_code, info.value.detail) == (403, "No entry")
    with pytest.raises(HTTPException) as info:
        abort(404)
    assert info.value.detail == "Not Found"
    response = JSONResponse({"custom": True}, status_code=409)
    with pytest.raises(_AbortResponse) as aborted:
        abort(response)
    assert aborted.value.response is response
    assert aborted.value.status_code == 409


def test_redirect_defaults_to_302() -> None:
    response = redirect("/next")
    assert (response.status_code, response.headers["location"]) == (302, "/next")
    assert redirect("/perm", 301).status_code == 301


def test_internal_server_error_keeps_the_original_exception() -> None:
    original = ValueError("boom")
    error = InternalServerError(original)
    assert (error.status_code, error.detail, error.original_exception) == (500, "Internal Server Error", original)
