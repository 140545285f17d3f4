"""``-p zephyr.fastapi_alias`` runs a FastAPI app's own tests with every ``fastapi`` import served by Zephyr."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# A FastAPI-style project in a directory that also holds a package named ``fastapi`` (as FastAPI's own checkout
# does): the plugin must win over it, and over the installed FastAPI.
_DECOY = "raise RuntimeError('the fastapi package of the current directory was imported')\n"

_APP = """
from typing import Annotated

from fastapi import FastAPI, Query
from fastapi._compat import PYDANTIC_VERSION_MINOR_TUPLE, Undefined
from fastapi._form_limits import _FormLimits

limits: _FormLimits = {"max_fields": 2}
app = FastAPI(form_limits=limits)


@app.get("/items")
def items(q: Annotated[int, Query(ge=1)]) -> dict[str, int]:
    return {"q": q}
"""

_TESTS = """
import fastapi
import pydantic
import zephyr
import zephyr._version
from fastapi.testclient import TestClient
from pydantic_core import PydanticUndefined
from shop_app import PYDANTIC_VERSION_MINOR_TUPLE, Undefined, app

client = TestClient(app)

def test_the_app_is_served_by_zephyr():
    assert fastapi.FastAPI is zephyr.FastAPI and fastapi.routing is zephyr.routing
    assert fastapi.__name__ == "fastapi" and fastapi.__version__ == zephyr._version.FASTAPI_VERSION
    assert type(app) is zephyr.FastAPI

def test_the_compat_names_are_pydantics():
    assert PYDANTIC_VERSION_MINOR_TUPLE == tuple(int(part) for part in pydantic.VERSION.split(".")[:2])
    assert Undefined is PydanticUndefined

def test_its_own_tests_pass():
    assert client.get("/items", params={"q": 2}).json() == {"q": 2}
    assert client.get("/items", params={"q": 0}).status_code == 422
"""


def test_a_fastapi_test_suite_runs_on_zephyr(tmp_path: Path) -> None:
    (tmp_path / "fastapi").mkdir()
    (tmp_path / "fastapi" / "__init__.py").write_text(_DECOY, encoding="utf-8")
    (tmp_path / "shop_app.py").write_text(_APP, encoding="utf-8")
    (tmp_path / "test_shop.py").write_text(_TESTS, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "zephyr.fastapi_alias", "-p", "no:cacheprovider", "-o", "addopts="],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={"PATH": "", "PYTHONPATH": f"{tmp_path}:{ROOT / 'src'}"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 passed" in result.stdout
    assert "fastapi: served by zephyr" in result.stdout


def test_a_declarations_limit_is_reachable_under_fastapis_name() -> None:
    """FastAPI's suite reads ``Depends(..., max_concurrency=n)._concurrency.get_semaphore()``; Zephyr answers it."""
    import anyio

    import zephyr

    declaration = zephyr.Depends(lambda: None, max_concurrency=2)
    concurrency = declaration._concurrency
    assert concurrency is not None

    async def main() -> None:
        semaphore = concurrency.get_semaphore()
        assert semaphore is concurrency.semaphore()
        assert semaphore.value == 2

    anyio.run(main)
