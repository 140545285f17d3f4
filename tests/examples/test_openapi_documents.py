"""Every example app serves its OpenAPI document, on every interpreter the suite runs on.

The document is part of the product, not an afterthought of the tests: an app whose own tests pass can still fail
at ``/openapi.json`` (as every app did on Python 3.13 while the document builder called
``Annotated.__class_getitem__``). New modules in ``examples/`` are picked up without touching this file.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

import pytest

from zephyr import FastAPI
from zephyr.testclient import TestClient

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
MODULES = sorted(path.stem for path in EXAMPLES.glob("*.py") if not path.stem.startswith("_"))


def _apps(module: Any) -> list[FastAPI]:
    """The Zephyr apps a module binds at its top level (``app``, ``api``, ...), each once."""
    found: dict[int, FastAPI] = {}
    for value in vars(module).values():
        if isinstance(value, FastAPI):
            found.setdefault(id(value), value)
    return list(found.values())


def test_every_example_module_is_listed() -> None:
    assert len(MODULES) >= 4, MODULES


@pytest.mark.parametrize("name", MODULES)
def test_example_serves_its_openapi_document(name: str) -> None:
    module = importlib.import_module(f"examples.{name}")
    apps = [app for app in _apps(module) if app.openapi_url]
    if not apps:  # a Flask-face app has no document; it must still be an app
        assert callable(getattr(module, "app", None)), f"examples/{name}.py binds no app"
        return
    for app in apps:
        client = TestClient(app)  # no lifespan: the document needs no database or Redis
        response = client.get(app.openapi_url or "")
        client.close()
        assert response.status_code == 200, response.text
        document = json.loads(response.content)
        assert document["openapi"].startswith("3.1")
        assert document["paths"], f"examples/{name}.py documents no path"
        docs = TestClient(app).get(app.docs_url or "/docs")
        assert docs.status_code == (200 if app.docs_url else 404)
