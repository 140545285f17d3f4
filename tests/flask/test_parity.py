"""``zephyr flask parity``: recorded requests replayed against two apps, every difference reported."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import flask
import pytest

import zephyr.flask
from tests.flask.apps import shop
from zephyr.flask.cli import main
from zephyr.flask.parity import RecordingMiddleware, load_requests, replay

_LOGIN = {
    "method": "POST",
    "path": "/login",
    "headers": {"Content-Type": "application/x-www-form-urlencoded"},
    "body": "username=ada&password=pw&remember=on",
}


def _write(path: Path, *requests: object) -> Path:
    path.write_text("\n".join(json.dumps(request) for request in requests) + "\n\n", encoding="utf-8")
    return path


def test_the_same_app_on_both_faces_has_no_difference(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    requests = _write(
        tmp_path / "r.jsonl",
        {"method": "GET", "path": "/"},
        _LOGIN,
        {"method": "get", "path": "/whoami"},
        {"method": "GET", "path": "/static/shop.css"},
        {"method": "POST", "path": "/cart/tea", "body_base64": base64.b64encode(b"\xff").decode()},
        {"method": "GET", "path": "/"},
    )
    status = main(
        [
            "parity",
            "--old",
            "tests.flask.apps.parity_apps:old",
            "--new",
            "tests.flask.apps.parity_apps:new",
            "--requests",
            str(requests),
        ]
    )
    assert (status, capsys.readouterr().out) == (0, "6 requests, 0 differences.\n")


def test_differences_are_listed_and_fail_the_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    requests = _write(tmp_path / "r.jsonl", {"method": "GET", "path": "/"}, {"method": "GET", "path": "/whoami"})
    status = main(
        [
            "parity",
            "--old",
            "tests.flask.apps.parity_apps:old",
            "--new",
            "tests.flask.apps.parity_apps:changed",
            "--requests",
            str(requests),
        ]
    )
    out = capsys.readouterr().out
    assert status == 1
    assert "line 1: GET /: header x-version differs\n  old: (absent)\n  new: 2\n" in out
    assert "line 2: GET /whoami: body differs\n" in out
    assert "line 2: GET /whoami: header vary differs\n  old: Cookie\n  new: (absent)\n" in out
    assert out.endswith("2 requests, 5 differences.\n")


def test_a_bad_requests_file_names_its_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"method": "GET", "path": "/"}\n{"path": "/"}\n', encoding="utf-8")
    assert (
        main(
            [
                "parity",
                "--old",
                "tests.flask.apps.parity_apps:old",
                "--new",
                "tests.flask.apps.parity_apps:new",
                "--requests",
                str(bad),
            ]
        )
        == 2
    )
    assert "bad.jsonl:2: a request needs 'method' and 'path'" in capsys.readouterr().err
    bad.write_text("not json\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad\.jsonl:1: not JSON"):
        load_requests(bad)


def test_live_traffic_is_recorded_and_replays_the_same(tmp_path: Path) -> None:
    recorded = tmp_path / "traffic.jsonl"
    live = shop.build(flask)
    live.wsgi_app = RecordingMiddleware(live.wsgi_app, recorded)
    client = live.test_client()
    client.post("/login", data={"username": "ada", "password": "pw"})
    client.get("/whoami?x=%C3%A9")
    client.post("/cart/tea", data=b"\xff\xfe", content_type="application/octet-stream")
    lines = load_requests(recorded)
    assert [(line["method"], line["path"]) for line in lines] == [
        ("POST", "/login"),
        ("GET", "/whoami?x=%C3%A9"),
        ("POST", "/cart/tea"),
    ]
    assert lines[0]["body"] == "username=ada&password=pw"
    assert lines[2]["body_base64"] == "//4="
    assert "Cookie" in lines[1]["headers"]
    assert replay(shop.build(flask), shop.build(zephyr.flask), lines) == []
