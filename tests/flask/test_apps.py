"""Small Flask apps answer every request exactly as on Flask (status, body, every header)."""

from __future__ import annotations

import importlib

import pytest

from tests.flask.harness import assert_same

APPS = ("request_parsing", "hooks", "blueprints", "proxy", "factory", "shop", "errors", "routing", "hybrid")


@pytest.mark.parametrize("name", APPS)
def test_the_app_answers_as_on_flask(name: str) -> None:
    module = importlib.import_module(f"tests.flask.apps.{name}")
    assert_same(module.build, module.CALLS)
