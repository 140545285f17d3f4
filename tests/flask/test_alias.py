"""``-p zephyr.flask.alias`` runs a Flask app's own tests with every ``flask`` import served by ``zephyr.flask``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import flask

ROOT = Path(__file__).resolve().parents[2]

_APP = """
from flask import Flask, jsonify, request
from flask.views import MethodView

app = Flask(__name__)

@app.post("/add")
def add():
    return jsonify(result=request.form.get("a", 0, type=float) + request.form.get("b", 0, type=float))
"""

_TESTS = """
import flask
import zephyr.flask
from shop_app import app

def test_the_app_is_served_by_zephyr():
    assert flask is zephyr.flask
    assert type(app) is zephyr.flask.Flask
    assert flask.views.MethodView is zephyr.flask.MethodView

def test_its_own_test_passes():
    assert app.test_client().post("/add", data={"a": 2, "b": 3.5}).get_json() == {"result": 5.5}
"""


def test_a_flask_test_suite_runs_on_zephyr_flask(tmp_path: Path) -> None:
    (tmp_path / "shop_app.py").write_text(_APP, encoding="utf-8")
    (tmp_path / "test_shop.py").write_text(_TESTS, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "zephyr.flask.alias", "-q", "-p", "no:cacheprovider", "-o", "addopts="],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={"PATH": "", "PYTHONPATH": f"{tmp_path}:{ROOT / 'src'}"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout


def test_installing_twice_changes_nothing() -> None:
    saved = sys.modules["flask"]
    assert saved is flask
    try:
        from zephyr.flask import alias

        alias.install()
        assert sys.modules["flask"].__name__ == "zephyr.flask"
    finally:
        sys.modules["flask"] = saved
