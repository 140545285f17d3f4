"""The first example of ``docs/flask.md`` (a Flask app with its imports switched) runs as the guide says."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from jinja2 import DictLoader

from zephyr.flask.cli import main

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "flask.md"


def test_the_switched_imports_example_runs() -> None:
    block = re.findall(r"```python\n(.*?)```", GUIDE.read_text(encoding="utf-8"), re.S)[0]
    assert block.startswith("from zephyr.flask import")
    namespace: dict[str, Any] = {"__name__": "guide"}
    exec(compile(block, str(GUIDE), "exec"), namespace)  # noqa: S102 - our own guide
    app = namespace["app"]
    app.jinja_loader = DictLoader(
        {
            "login.html": "<form method=post>",
            "index.html": "{% for m in get_flashed_messages() %}{{ m }}|{% endfor %}user={{ user }}",
        }
    )
    client = app.test_client()
    assert client.get("/").text == "user=None"
    login = client.post("/login", data={"username": "ada"})
    assert (login.status_code, login.headers["Location"]) == (302, "/")
    assert client.get("/").text == "Welcome, ada|user=ada"
    assert client.get("/api/data").get_json() == {"user": "ada"}
    assert client.get("/login").text == "<form method=post>"


def _console(command: str) -> str:
    text = GUIDE.read_text(encoding="utf-8")
    block = text.split(f"   $ zephyr flask {command}", 1)[1].split("\n", 1)[1].split("   ```", 1)[0]
    return "\n".join(line.removeprefix("   ") for line in block.splitlines()) + "\n"


def test_the_audit_shown_is_the_audit_printed(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", "examples.flask_shop.legacy"]) == 0
    assert capsys.readouterr().out == _console("audit")


def test_the_parity_shown_is_the_parity_printed(capsys: pytest.CaptureFixture[str]) -> None:
    arguments = ["--old", "examples.flask_shop.legacy", "--new", "examples.flask_shop.app"]
    assert main(["parity", *arguments, "--requests", str(GUIDE.parents[1] / "examples/flask_shop/requests.jsonl")]) == 0
    assert capsys.readouterr().out == _console("parity") == "7 requests, 0 differences.\n"


def test_the_example_apps_differ_only_in_the_flask_import() -> None:
    folder = GUIDE.parents[1] / "examples" / "flask_shop"
    legacy, new = ((folder / name).read_text(encoding="utf-8").splitlines()[1:] for name in ("legacy.py", "app.py"))
    flask_import = (
        "from flask import Flask, abort, flash, g, redirect, render_template_string, request, session, url_for"
    )
    assert flask_import in legacy
    kept = [line for line in legacy if line and line != flask_import]
    expected = [*kept[:2], flask_import.replace("from flask", "from zephyr.flask"), *kept[2:]]
    assert [line for line in new if line] == expected
