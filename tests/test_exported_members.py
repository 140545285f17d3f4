"""The public surface is pinned: ``__all__`` lists exactly the public names, sorted, in every module."""

from __future__ import annotations

import importlib
import json
import pkgutil
import subprocess
import sys
import types

import pytest

import zephyr

_MODULES = sorted(
    info.name
    for info in pkgutil.walk_packages(zephyr.__path__, prefix="zephyr.")
    if not any(part.startswith("_") for part in info.name.split(".")[1:])
)
_ALL_MODULES = sorted(info.name for info in pkgutil.walk_packages(zephyr.__path__, prefix="zephyr."))


def test_top_level_all_lists_exactly_the_public_names() -> None:
    public = {
        name
        for name, value in vars(zephyr).items()
        if not name.startswith("_") and (not isinstance(value, types.ModuleType) or name == "status")
    }
    assert set(zephyr.__all__) - {"__version__"} == public
    assert list(zephyr.__all__) == sorted(zephyr.__all__)


def test_fastapi_and_zephyr_are_the_same_class() -> None:
    assert zephyr.FastAPI is zephyr.Zephyr


def test_the_module_walk_sees_private_modules_too() -> None:
    assert {"zephyr._routing.table", "zephyr._compile.plan", "zephyr.datastructures.headers"} <= set(_ALL_MODULES)
    assert set(_MODULES) < set(_ALL_MODULES)


_PROCESS_WIDE = {"zephyr.fastapi_alias"}
"""Modules whose import switches ``fastapi`` for the whole process (and refuses once FastAPI is loaded): read apart."""


def _all_of_a_process_wide_module(name: str) -> tuple[object, list[str]]:
    code = (
        "import importlib, json, sys; m = importlib.import_module(sys.argv[1]); e = getattr(m, '__all__', None); "
        "print(json.dumps([list(e) if isinstance(e, tuple) else None, [i for i in e or () if not hasattr(m, i)]]))"
    )
    done = subprocess.run([sys.executable, "-c", code, name], capture_output=True, text=True, timeout=60, check=True)
    exported, missing = json.loads(done.stdout.strip().splitlines()[-1])
    return (tuple(exported) if exported is not None else None), missing


@pytest.mark.parametrize("name", _ALL_MODULES)
def test_every_module_declares_a_sorted_all_tuple(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    if name in _PROCESS_WIDE:
        exported, missing = _all_of_a_process_wide_module(name)
        assert isinstance(exported, tuple), f"{name} must declare __all__ as a tuple"
        assert list(exported) == sorted(exported), f"{name}.__all__ is not sorted"
        assert not missing, f"{name}.__all__ names missing attributes: {missing}"
        return
    # zephyr.flask.alias is a pytest plugin whose import serves every later ``import flask`` with zephyr.flask:
    # undo that after reading its __all__, or the tests that compare with the real Flask would get ours.
    monkeypatch.setitem(sys.modules, "flask", sys.modules.get("flask") or importlib.import_module("flask"))
    module = importlib.import_module(name)
    exported = getattr(module, "__all__", None)
    assert isinstance(exported, tuple), f"{name} must declare __all__ as a tuple"
    assert list(exported) == sorted(exported), f"{name}.__all__ is not sorted"
    missing = [item for item in exported if not hasattr(module, item)]
    assert not missing, f"{name}.__all__ names missing attributes: {missing}"


def test_fastapi_module_paths_exist() -> None:
    for name in (
        "zephyr.applications",
        "zephyr.background",
        "zephyr.concurrency",
        "zephyr.datastructures",
        "zephyr.encoders",
        "zephyr.exception_handlers",
        "zephyr.exceptions",
        "zephyr.middleware.cors",
        "zephyr.middleware.gzip",
        "zephyr.middleware.httpsredirect",
        "zephyr.middleware.trustedhost",
        "zephyr.openapi.docs",
        "zephyr.openapi.models",
        "zephyr.openapi.utils",
        "zephyr.param_functions",
        "zephyr.params",
        "zephyr.requests",
        "zephyr.responses",
        "zephyr.routing",
        "zephyr.security",
        "zephyr.sse",
        "zephyr.staticfiles",
        "zephyr.status",
        "zephyr.templating",
        "zephyr.testclient",
        "zephyr.websockets",
    ):
        importlib.import_module(name)


def _imported_after(statement: str) -> set[str]:
    code = f"import sys; {statement}; print('\\n'.join(sorted(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    return set(result.stdout.split())


def test_import_zephyr_stays_light() -> None:
    loaded = _imported_after("import zephyr")
    heavy = {"jinja2", "multipart", "python_multipart", "redis", "jwt", "itsdangerous", "orjson", "ujson", "httpx"}
    assert not (heavy & loaded), f"import zephyr pulled in optional packages: {sorted(heavy & loaded)}"


def test_zephyr_never_imports_starlette_or_fastapi() -> None:
    statement = (
        "import importlib, pkgutil, zephyr; "
        "[importlib.import_module(m.name) for m in pkgutil.walk_packages(zephyr.__path__, prefix='zephyr.')]"
    )
    loaded = _imported_after(statement)
    assert not {name for name in loaded if name.split(".")[0] in {"starlette", "fastapi"}}
