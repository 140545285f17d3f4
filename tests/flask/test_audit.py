"""``zephyr flask audit``: routes, hooks, error handlers, config keys, extensions and findings of a Flask app."""

from __future__ import annotations

import json

import pytest

from tests.flask.apps import cli_app
from zephyr.flask.audit import audit, format_report
from zephyr.flask.cli import main


def test_an_app_with_extensions_blueprints_and_middleware() -> None:
    report = audit(cli_app.full)
    assert report["class"] == "zephyr.flask.app.Flask"
    assert {
        "rule": "/api/v1/users/<int:user_id>",
        "methods": ["GET", "POST"],
        "converters": {"user_id": "IntegerConverter"},
        "endpoint": "api.v1.user",
        "view": "tests.flask.apps.blueprints.build.<locals>.user",
    } in report["routes"]
    assert report["hooks"]["before_request"]["api"] == ["tests.flask.apps.blueprints.build.<locals>.only_api"]
    assert report["hooks"]["teardown_appcontext"] == {
        "app": ["flask_sqlalchemy.extension.SQLAlchemy._teardown_session"]
    }
    assert [(row["name"], row["verdict"], row["zephyr"]) for row in report["extensions"]] == [
        ("cors", "works (tested)", "zephyr.middleware.cors"),
        ("csrf", "works (tested)", "zephyr.middleware.csrf"),
        ("login_manager", "works (tested)", "zephyr.security (OAuth2/JWT dependencies) for new APIs"),
        ("sqlalchemy", "works (tested)", "keep it; Zephyr has no ORM of its own"),
    ]
    assert "SQLALCHEMY_DATABASE_URI" in report["config_keys"]
    assert "ZEPHYR_THREADS" not in report["config_keys"]
    assert report["error_handlers"] == [
        {
            "scope": "app",
            "code": 404,
            "exception": "NotFound",
            "handler": "tests.flask.apps.blueprints.build.<locals>.not_found",
        }
    ]
    assert report["findings"] == [
        "app.wsgi_app is wrapped (werkzeug.middleware.proxy_fix.ProxyFix): the WSGI middleware runs in the worker "
        "thread, on each request, as under a WSGI server"
    ]


def test_a_plain_flask_app_is_told_to_switch_its_imports() -> None:
    report = audit(cli_app.hooked)
    assert report["findings"] == [
        "the app is a flask.Flask: change 'from flask import ...' to 'from zephyr.flask import ...'"
    ]
    assert report["hooks"]["after_request"] == {"app": ["tests.flask.apps.hooks.build.<locals>.stamp"]}
    assert report["extensions"] == []


def test_views_that_stream_the_request_body_are_found() -> None:
    import zephyr.flask

    app = zephyr.flask.Flask(__name__)

    @app.post("/raw")
    def raw() -> str:
        return str(len(zephyr.flask.request.stream.read()))

    assert audit(app)["findings"] == ["raw: reads request.stream: served over ASGI, the body is read whole first"]
    text = format_report(audit(app))
    assert "Routes\nRule                     Methods  Converters              Endpoint\n" in text
    assert text.endswith("Findings\n- raw: reads request.stream: served over ASGI, the body is read whole first\n")


def test_the_command_prints_tables_or_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", "tests.flask.apps.cli_app:erring"]) == 0
    text = capsys.readouterr().out
    assert "app    -     OutOfStockError  tests.flask.apps.errors.build.<locals>.out_of_stock" in text
    assert "- none: the app runs on zephyr.flask as it is" in text
    assert main(["audit", "tests.flask.apps.cli_app:erring", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["findings"] == []
