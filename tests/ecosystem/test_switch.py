"""``install_as_fastapi()`` and ``zephyr run --as-fastapi``: ``fastapi`` and ``fastapi.*`` resolve to Zephyr."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from zephyr._version import FASTAPI_VERSION

_CHECK = """
import json, sys
{prelude}
import zephyr
zephyr.install_as_fastapi()
zephyr.install_as_fastapi()  # twice: nothing more happens
import fastapi, fastapi.routing, fastapi.dependencies.utils, fastapi.dependencies.models, fastapi.utils
from fastapi import FastAPI
from fastapi.testclient import TestClient
try:
    import fastapi.no_such_module
    missing = "imported"
except ModuleNotFoundError as exc:
    missing = exc.name
app = FastAPI()
@app.get("/ping")
def ping() -> dict:
    return {{"pong": True}}
print(json.dumps({{
    "same": [fastapi.__version__ == "{fastapi_version}" and fastapi.__name__ == "fastapi",
             fastapi.routing is zephyr.routing, FastAPI is zephyr.FastAPI,
             fastapi.utils.generate_unique_id is zephyr.routing.generate_unique_id],
    "missing": missing,
    "answer": TestClient(app).get("/ping").json(),
}}))
"""

# A finder placed before the path finder that refuses the real FastAPI: as if it were not installed.
_HIDE = """
import importlib.abc
class Hide(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "fastapi" or name.startswith("fastapi."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
sys.meta_path.insert(0, Hide())
try:
    import fastapi
    raise SystemExit("FastAPI was not hidden")
except ModuleNotFoundError:
    pass
"""


def _run(code: str) -> dict:  # type: ignore[type-arg]
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


EXPECTED = {"same": [True, True, True, True], "missing": "fastapi.no_such_module", "answer": {"pong": True}}


def test_switch_with_fastapi_installed() -> None:
    assert _run(_CHECK.format(prelude="", fastapi_version=FASTAPI_VERSION)) == EXPECTED


def test_switch_with_fastapi_hidden() -> None:
    assert _run(_CHECK.format(prelude=textwrap.dedent(_HIDE), fastapi_version=FASTAPI_VERSION)) == EXPECTED


def test_switch_after_real_fastapi_was_imported_refuses() -> None:
    code = "import fastapi, zephyr\ntry:\n    zephyr.install_as_fastapi()\nexcept RuntimeError as e:\n    print(str(e))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert result.stdout.startswith("install_as_fastapi() was called after FastAPI itself was imported (fastapi")
    assert "zephyr run --as-fastapi" in result.stdout


def test_is_installed_reflects_the_finder(monkeypatch: pytest.MonkeyPatch) -> None:
    from zephyr._interop import switch

    monkeypatch.setattr(sys, "meta_path", list(sys.meta_path))
    assert switch.is_installed() is False
    finder = switch.FastAPIAliasFinder()
    sys.meta_path.insert(0, finder)
    assert switch.is_installed() is True
    assert repr(finder) == "<FastAPIAliasFinder: fastapi -> zephyr>"
    assert finder.find_spec("fastapix") is None
    assert finder.find_spec("fastapi.nothing_here") is None
    spec = finder.find_spec("fastapi.routing")
    assert spec is not None
    assert spec.name == "fastapi.routing"


def test_cli_as_fastapi_imports_the_app_with_the_switch(monkeypatch: pytest.MonkeyPatch) -> None:
    from zephyr._cli import serve

    monkeypatch.setattr(sys, "meta_path", list(sys.meta_path))
    monkeypatch.delitem(sys.modules, "fastapi", raising=False)  # other tests import the real FastAPI
    monkeypatch.setenv(serve._SWITCHED_TARGET, "tests.ecosystem.test_switch:_marker_app")
    assert serve.switched_app() == "the app"
    from zephyr._interop import switch

    assert switch.is_installed() is True


def test_cli_as_fastapi_option_serves_through_the_factory(monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    from zephyr import cli
    from zephyr._cli import serve

    calls: list[tuple[str, dict[str, object]]] = []
    monkeypatch.setattr(sys, "meta_path", list(sys.meta_path))
    monkeypatch.delitem(sys.modules, "fastapi", raising=False)
    monkeypatch.setattr(uvicorn, "run", lambda target, **kwargs: calls.append((target, kwargs)))
    # set, so that the values the command writes are undone after the test
    monkeypatch.setenv(serve._AS_FASTAPI, "")
    monkeypatch.setenv(serve._SWITCHED_TARGET, "")
    assert cli.main(["run", "tests.ecosystem.test_switch:_marker_app", "--as-fastapi"]) == 0
    (target, options) = calls[0]
    assert target == "zephyr._cli.serve:switched_app"
    assert options["factory"] is True
    import os

    assert os.environ[serve._SWITCHED_TARGET] == "tests.ecosystem.test_switch:_marker_app"
    assert os.environ[serve._AS_FASTAPI] == "1"
    monkeypatch.setenv(serve._DEV_TARGET, "tests.ecosystem.test_switch:_marker_app")
    assert serve.dev_app() == "the app"


_marker_app = "the app"


def test_libraries_checking_fastapis_version_see_the_release_zephyr_answers_to() -> None:
    """Sentry's FastAPI integration compares ``fastapi.__version__`` to its minimum: listed explicitly it used to
    raise ``DidNotEnable`` on Zephyr's own version, and auto-enabled it silently stayed off."""
    pytest.importorskip("sentry_sdk")
    code = """
import json, zephyr
zephyr.install_as_fastapi()
import sentry_sdk
from sentry_sdk.integrations.fastapi import FastApiIntegration
sentry_sdk.init(dsn="http://key@127.0.0.1:9/1", integrations=[FastApiIntegration()], default_integrations=False)
explicit = "fastapi" in sentry_sdk.get_client().integrations
sentry_sdk.init(dsn="http://key@127.0.0.1:9/1")
print(json.dumps([explicit, "fastapi" in sentry_sdk.get_client().integrations]))
"""
    outcome: object = _run(code)  # a JSON list here, not the dict the other checks print
    assert outcome == [True, True]
