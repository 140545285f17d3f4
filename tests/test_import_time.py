"""``import zephyr`` leaves out the standard-library modules only rare paths need (no timing, only what is imported)."""

from __future__ import annotations

import subprocess
import sys

import pytest

LAZY = (
    "anyio.to_thread",  # loaded by anyio on the first run_sync
    "asyncio",
    "difflib",  # "Did you mean ...?" suggestions
    "email.message",  # parsing a new Content-Type
    "email.utils",  # dates of cookies and file responses
    "html",  # the debug traceback page
    "http",  # HTTPException's default detail
    "http.cookies",  # Response.set_cookie
    "logging",  # a client gone mid-request
    "mimetypes",  # FileResponse without a media type
    "shlex",  # CommaSeparatedStrings
    "socket",
    "traceback",  # the debug traceback page
)


def _loaded_after(statement: str) -> set[str]:
    code = f"import sys; {statement}; print('\\n'.join(sorted(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    return set(result.stdout.split())


def test_import_zephyr_leaves_rare_path_modules_unimported() -> None:
    loaded = _loaded_after("import zephyr")
    assert "zephyr.applications" in loaded
    eager = sorted(set(LAZY) & loaded)
    assert not eager, f"import zephyr imported {eager}: import them inside the function that needs them"


def test_building_an_app_leaves_rare_path_modules_unimported() -> None:
    statement = "import zephyr; app = zephyr.FastAPI(); app.get('/items/{item_id}')(lambda item_id, q=None: {})"
    eager = sorted(set(LAZY) & _loaded_after(statement))
    assert not eager, f"building an app imported {eager}: import them inside the function that needs them"


def test_pydantic_submodules_imported_are_few() -> None:
    base = _loaded_after("import pydantic; from pydantic import BaseModel, Field")
    extra = {name for name in _loaded_after("import zephyr") - base if name.startswith("pydantic")}
    # TypeAdapter is what response models and parameter validation are built on.
    assert extra <= {"pydantic.type_adapter"}, f"import zephyr imported {sorted(extra)} beyond BaseModel and Field"


@pytest.mark.parametrize(
    ("statement", "module"),
    [
        ("from zephyr.responses import Response; Response().set_cookie('a', 'b')", "http.cookies"),
        ("from zephyr.datastructures import CommaSeparatedStrings; CommaSeparatedStrings('a, b')", "shlex"),
        ("from zephyr import HTTPException; HTTPException(404)", "http"),
        ("from zephyr._routing.base import NoMatchFound; NoMatchFound('a', {}, ['b'])", "difflib"),
        (
            "from zephyr.concurrency import run_in_threadpool; import anyio; anyio.run(run_in_threadpool, len, ())",
            "anyio.to_thread",
        ),
    ],
)
def test_rare_paths_import_what_they_need(statement: str, module: str) -> None:
    assert module in _loaded_after(statement)
