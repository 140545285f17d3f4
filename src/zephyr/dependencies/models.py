"""``Dependant``: an endpoint or dependency analysed into what it reads and what it depends on (FastAPI's path)."""

from __future__ import annotations

from zephyr._compile.dependant import Dependant as Dependant
from zephyr._compile.dependant import ParamField as ParamField

__all__ = ("Dependant", "ParamField")
