from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from zephyr.cli import import_app, main

ROOT = Path(__file__).resolve().parents[1]


def test_openapi_writes_the_document_to_a_file(tmp_path: Path) -> None:
    target = tmp_path / "openapi.json"
    assert main(["openapi", "examples.showcase:app", "--output", str(target)]) == 0
    document = json.loads(target.read_text())
    assert document["openapi"] == "3.1.0"
    assert document["info"]["title"] == "Zephyr showcase"
    assert "/users" in document["paths"]


def test_openapi_writes_to_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["openapi", "examples.showcase:app", "--indent", "0"]) == 0
    assert json.loads(capsys.readouterr().out)["paths"]["/users"]["post"]["operationId"] == "create_user_users_post"


def test_unknown_command_suggests_the_near_miss(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rnu", "examples.showcase:app"]) == 2
    assert "Did you mean 'zephyr run'?" in capsys.readouterr().err


def test_no_command_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "usage: zephyr" in capsys.readouterr().out


def test_import_app_suggests_a_near_attribute() -> None:
    with pytest.raises(SystemExit, match=r"has no attribute 'ap'\. Did you mean examples\.showcase:app\?"):
        import_app("examples.showcase:ap")


def test_import_app_reports_a_missing_module() -> None:
    with pytest.raises(SystemExit, match="cannot import module 'no_such_module'"):
        import_app("no_such_module:app")


def test_openapi_refuses_what_is_not_an_app() -> None:
    with pytest.raises(SystemExit, match="is not a Zephyr/FastAPI app"):
        main(["openapi", "examples.showcase:logger"])


def test_console_script_runs_as_a_module() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "zephyr.cli", "openapi", "examples.showcase:app"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["info"]["version"] == "1.0.0"
