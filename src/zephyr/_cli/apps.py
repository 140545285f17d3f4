"""Finding the app a command names: ``module``, ``module:attribute``, a file path, or nothing at all.

``module`` alone means ``module:app`` (then ``module:api``, then the one app the module holds), in every command.
``zephyr dev`` with no argument looks where ``fastapi dev`` looks: ``main.py``, ``app.py``, ``api.py``, then the same
names inside an ``app/`` package, in the current directory.
"""

from __future__ import annotations

import difflib
import importlib
import os
import sys
from pathlib import Path
from typing import Any

__all__ = ("DEFAULT_FILES", "find_app", "import_app")

DEFAULT_FILES = ("main.py", "app.py", "api.py", "app/main.py", "app/app.py", "app/api.py")
"""Where ``zephyr dev`` looks for an app when none is named, in this order (as ``fastapi dev`` does)."""

_DEFAULT_ATTRIBUTES = ("app", "api")


def _importable_name(target: str) -> str:
    """``pkg/main.py`` -> ``pkg.main`` (the module a file path names); a module name is returned as is."""
    if target.endswith(".py") or os.sep in target or "/" in target:
        path = Path(target)
        if path.suffix != ".py":
            path = path.with_suffix(".py")
        if not path.is_file():
            raise SystemExit(f"zephyr: no such file {target!r}. Give a module (main), module:app, or a .py file.")
        parts = list(path.resolve().relative_to(Path.cwd().resolve()).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        return ".".join(parts)
    return target


def _import_module(module_name: str, target: str) -> Any:
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name.split(".")[0] and exc.name != module_name:
            raise
        raise SystemExit(f"zephyr: cannot import module {module_name!r} (from {target!r}): {exc}") from exc


def _is_app(value: Any) -> bool:
    from zephyr.applications import Zephyr

    return isinstance(value, Zephyr)


def find_app(target: str | None) -> tuple[str, Any]:
    """Resolve what a command names into ``("module:attribute", app)``.

    Args:
        target: ``module``, ``module:attribute``, ``path/to/file.py`` (optionally ``:attribute``), or ``None`` to
            look in :data:`DEFAULT_FILES`.

    Returns:
        The import string a server can load (uvicorn needs ``module:attribute``) and the object itself.

    Raises:
        SystemExit: Nothing was found; the message says what was looked for and what to write instead.
    """
    if target is None:
        found = next((name for name in DEFAULT_FILES if Path(name).is_file()), None)
        if found is None:
            looked = ", ".join(DEFAULT_FILES)
            raise SystemExit(f"zephyr: no app named and none found (looked for {looked}). Try: zephyr dev main:app")
        target = found
    location, _, attribute = target.partition(":")
    module_name = _importable_name(location)
    module = _import_module(module_name, target)
    if attribute:
        return f"{module_name}:{attribute}", _attribute(module, module_name, attribute)
    for name in _DEFAULT_ATTRIBUTES:
        if hasattr(module, name):
            return f"{module_name}:{name}", getattr(module, name)
    apps = [name for name, value in vars(module).items() if not name.startswith("_") and _is_app(value)]
    if len(apps) == 1:
        return f"{module_name}:{apps[0]}", getattr(module, apps[0])
    if apps:
        raise SystemExit(
            f"zephyr: module {module_name!r} holds several apps ({', '.join(apps)}); name one: {module_name}:{apps[0]}"
        )
    raise SystemExit(
        f"zephyr: module {module_name!r} has no attribute 'app' and holds no app. Name it: {module_name}:<attribute>"
    )


def _attribute(module: Any, module_name: str, attribute: str) -> Any:
    obj: Any = module
    for part in attribute.split("."):
        if not hasattr(obj, part):
            names = [name for name in dir(module) if not name.startswith("_")]
            close = difflib.get_close_matches(part, names, n=1)
            hint = f" Did you mean {module_name}:{close[0]}?" if close else ""
            raise SystemExit(f"zephyr: module {module_name!r} has no attribute {attribute!r}.{hint}")
        obj = getattr(obj, part)
    return obj


def import_app(target: str) -> Any:
    """Import ``module:attribute`` (``module`` alone means ``module:app``), with the current directory importable.

    Raises:
        SystemExit: The module or attribute does not exist; the message says what was looked for.
    """
    return find_app(target)[1]
