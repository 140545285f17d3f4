"""The ``fastapi`` import switch: after ``install_as_fastapi()``, ``import fastapi.x`` imports ``zephyr.x``.

PyMySQL's ``install_as_MySQLdb()`` is the precedent: libraries written for FastAPI (Sentry's integration,
OpenTelemetry's instrumentation, fastapi-pagination...) import ``fastapi`` and its submodules; with the switch, those
imports return Zephyr's modules, whether or not FastAPI itself is installed. A meta-path finder placed first on
``sys.meta_path`` answers every ``fastapi`` and ``fastapi.*`` name with the module object of the same name under
``zephyr``, so ``fastapi.routing is zephyr.routing`` and a patch applied to one is seen through the other.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
from types import ModuleType
from typing import Any

from zephyr._version import FASTAPI_VERSION

__all__ = ("install_as_fastapi", "is_installed")

_ALIAS = "fastapi"
_TARGET = "zephyr"


class FastAPIModule(ModuleType):
    """``fastapi`` itself under the switch: every name is Zephyr's, read and set through to ``zephyr``.

    A module of its own rather than ``zephyr`` under a second name, so that it can answer as FastAPI for what
    describes the package: ``__name__`` is ``"fastapi"`` and ``__version__`` the FastAPI release whose API Zephyr
    answers to (libraries compare it to their minimum FastAPI: Sentry's integration disabled itself on Zephyr's own
    ``0.1.0``). ``fastapi.FastAPI is zephyr.FastAPI``, and a name set or patched on ``fastapi`` is set on ``zephyr``.
    Submodules are Zephyr's own: ``fastapi.routing is zephyr.routing``.
    """

    def __init__(self, target: ModuleType) -> None:
        super().__init__(_ALIAS, target.__doc__)
        object.__setattr__(self, "_zephyr", target)
        for name in ("__file__", "__path__", "__all__"):
            if hasattr(target, name):
                object.__setattr__(self, name, getattr(target, name))
        object.__setattr__(self, "__version__", FASTAPI_VERSION)

    def __getattr__(self, name: str) -> Any:
        return getattr(object.__getattribute__(self, "_zephyr"), name)

    def __setattr__(self, name: str, value: Any) -> None:
        if name.startswith("__") and name.endswith("__"):  # the import system's own: __spec__, __loader__...
            object.__setattr__(self, name, value)
        else:
            setattr(object.__getattribute__(self, "_zephyr"), name, value)

    def __delattr__(self, name: str) -> None:
        if name.startswith("__") and name.endswith("__"):
            object.__delattr__(self, name)
        else:
            delattr(object.__getattribute__(self, "_zephyr"), name)

    def __dir__(self) -> list[str]:
        return sorted(set(dir(object.__getattribute__(self, "_zephyr"))) | {"__version__"})


class _AliasLoader(importlib.abc.Loader):
    """Hands the import system Zephyr's module (``fastapi`` itself: its ``FastAPIModule``) instead of a new one."""

    def __init__(self, target: str) -> None:
        self.target = target

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        module = importlib.import_module(self.target)
        if self.target == _TARGET:
            return FastAPIModule(module)
        return module

    def exec_module(self, module: ModuleType) -> None:
        """The module was executed under its own name already."""


class FastAPIAliasFinder(importlib.abc.MetaPathFinder):
    """Resolve ``fastapi`` and ``fastapi.<name>`` to ``zephyr`` and ``zephyr.<name>``."""

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        if fullname != _ALIAS and not fullname.startswith(_ALIAS + "."):
            return None
        real = _TARGET + fullname[len(_ALIAS) :]
        # A missing zephyr module is a missing fastapi module: answer as the import system would for fastapi.
        if importlib.util.find_spec(real) is None:
            return None
        return importlib.machinery.ModuleSpec(fullname, _AliasLoader(real), is_package=real == _TARGET)

    def __repr__(self) -> str:
        return "<FastAPIAliasFinder: fastapi -> zephyr>"


def is_installed() -> bool:
    """Whether ``install_as_fastapi()`` has been called in this process."""
    return any(isinstance(finder, FastAPIAliasFinder) for finder in sys.meta_path)


def install_as_fastapi() -> None:
    """Make ``import fastapi`` (and every ``fastapi.*`` submodule) import Zephyr, for libraries written for FastAPI.

    Call it first thing, before anything imports ``fastapi``: at the top of the module that creates the app, or
    with ``zephyr run --as-fastapi``. Calling it again does nothing.

    Example:
        ```python
        import zephyr

        zephyr.install_as_fastapi()

        import sentry_sdk  # its FastAPI integration now instruments Zephyr
        from fastapi import FastAPI  # Zephyr's app class
        ```

    Raises:
        RuntimeError: The real FastAPI was imported already; objects built from it cannot be switched afterwards.
    """
    if is_installed():
        return
    loaded = sys.modules.get(_ALIAS)
    if loaded is not None and not isinstance(loaded, FastAPIModule):
        imported = sorted(name for name in sys.modules if name == _ALIAS or name.startswith(_ALIAS + "."))
        raise RuntimeError(
            f"install_as_fastapi() was called after FastAPI itself was imported ({', '.join(imported[:3])}...): "
            "what those imports created stays FastAPI's. Call zephyr.install_as_fastapi() before anything imports "
            "fastapi, e.g. at the very top of your main module, or serve with `zephyr run --as-fastapi`."
        )
    sys.meta_path.insert(0, FastAPIAliasFinder())
    from zephyr._interop.starlette_exceptions import StarletteExceptionsFinder, adopt_loaded

    sys.meta_path.insert(0, StarletteExceptionsFinder())
    adopt_loaded()
