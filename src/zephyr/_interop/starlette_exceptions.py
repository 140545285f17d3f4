"""With the ``fastapi`` switch on, Zephyr's exceptions become subclasses of Starlette's once Starlette is imported.

FastAPI's ``HTTPException`` and ``WebSocketException`` subclass Starlette's, and its routers raise Starlette's
``NoMatchFound``, so code written for FastAPI catches them under Starlette's names: a middleware with
``except starlette.exceptions.HTTPException``, a test with ``pytest.raises(starlette.routing.NoMatchFound)``. Zephyr
never imports Starlette; when something else does (a library, a test), Starlette's class is added to the bases of
Zephyr's twin, so ``isinstance`` and ``except`` see what they see on FastAPI. A finder watches for the two modules;
it is put in place by ``install_as_fastapi()`` only, and looks at nothing but those two names.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
from types import ModuleType
from typing import Any

from zephyr._routing.base import NoMatchFound
from zephyr.exceptions import HTTPException, StarletteSeat, WebSocketException

__all__ = ("StarletteExceptionsFinder", "adopt_loaded", "adopt_starlette_bases")

#: Starlette module -> (name of its class, Zephyr's class that takes it as a base).
_TWINS: dict[str, tuple[tuple[str, type[BaseException]], ...]] = {
    "starlette.exceptions": (("HTTPException", HTTPException), ("WebSocketException", WebSocketException)),
    "starlette.routing": (("NoMatchFound", NoMatchFound),),
}


def _rebase(ours: type[BaseException], theirs: type[BaseException]) -> None:
    """Put ``theirs`` among the bases of ``ours``: in place of ``StarletteSeat``, else after the others."""
    if issubclass(ours, theirs):
        return
    bases = ours.__bases__
    new_bases = tuple(theirs if base is StarletteSeat else base for base in bases)
    if new_bases == bases:
        new_bases = (*bases, theirs)
    try:
        ours.__bases__ = new_bases
    except TypeError:  # an incompatible layout (a Starlette release that changed its classes): leave ours as is
        return


def adopt_starlette_bases(module: ModuleType) -> None:
    """Give Zephyr's twins of the classes ``module`` (a Starlette module) defines that class as a base."""
    for name, ours in _TWINS.get(module.__name__, ()):
        theirs = getattr(module, name, None)
        if isinstance(theirs, type) and issubclass(theirs, BaseException):
            _rebase(ours, theirs)


def adopt_loaded() -> None:
    """Adopt the bases of the Starlette modules imported already."""
    for name in _TWINS:
        module = sys.modules.get(name)
        if module is not None:
            adopt_starlette_bases(module)


class _AdoptingLoader(importlib.abc.Loader):
    """Runs Starlette's own loader, then adopts the bases of the module it executed."""

    def __init__(self, loader: importlib.abc.Loader) -> None:
        self.loader = loader

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return self.loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        self.loader.exec_module(module)
        adopt_starlette_bases(module)


class StarletteExceptionsFinder(importlib.abc.MetaPathFinder):
    """Finds ``starlette.exceptions`` and ``starlette.routing`` as the import system would, with an adopting loader."""

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        if fullname not in _TWINS:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                    spec.loader = _AdoptingLoader(spec.loader)
                return spec
        return None

    def __repr__(self) -> str:
        return "<StarletteExceptionsFinder: Starlette's exceptions as bases of Zephyr's>"
