"""``zephyr flask``: a Flask app's commands, found as ``flask --app`` finds them, and ``run`` on uvicorn."""

from __future__ import annotations

from typing import Any

import pytest
import uvicorn

from zephyr import cli
from zephyr.flask.cli import main


def test_the_apps_own_commands_run(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["flask", "--app", "tests.flask.apps.cli_app", "greet", "Ada"]) == 0
    assert capsys.readouterr().out == "hello, Ada\n"


def test_routes_are_listed(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--app", "tests.flask.apps.cli_app", "routes"]) == 0
    lines = [line.split() for line in capsys.readouterr().out.splitlines()]
    assert lines[0] == ["Endpoint", "Methods", "Rule"]
    assert ["config", "GET", "/config"] in lines
    assert ["static", "GET", "/static/<path:filename>"] in lines


def test_run_serves_the_app_with_uvicorn(monkeypatch: pytest.MonkeyPatch) -> None:
    served: list[tuple[Any, dict[str, Any]]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: served.append((app, options)))
    assert main(["--app", "tests.flask.apps.cli_app:app", "run", "--port", "5001", "--proxy-headers"]) == 0
    from tests.flask.apps.cli_app import app

    assert served == [
        (
            app,
            {
                "host": "127.0.0.1",
                "port": 5001,
                "root_path": "",
                "proxy_headers": True,
                "log_level": "info",
                "loop": "zephyr._accept:new_event_loop",
            },
        )
    ]


def test_run_refuses_a_plain_flask_app_and_says_what_to_change(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--app", "tests.flask.apps.cli_app:legacy", "run"]) == 2
    assert "change 'from flask import Flask' to 'from zephyr.flask import Flask'" in capsys.readouterr().err


def test_an_unknown_app_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--app", "tests.flask.apps.nothing_here", "routes"]) == 2
    assert "Could not import 'tests.flask.apps.nothing_here'" in capsys.readouterr().err


def test_help_and_the_main_cli_list_the_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    assert "'run' (with uvicorn)" in capsys.readouterr().out
    assert cli.main(["flsk"]) == 2
    assert "Did you mean 'zephyr flask'?" in capsys.readouterr().err
