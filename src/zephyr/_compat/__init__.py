"""The few names of FastAPI's ``fastapi._compat`` that code outside FastAPI imports, for ``install_as_fastapi()``.

FastAPI keeps its Pydantic glue in ``fastapi._compat``; apps and test suites written for FastAPI import a handful of
its constants from there (the Pydantic version to skip a test on, the "no default" marker). With the switch,
``fastapi._compat`` is this module. Zephyr's own Pydantic glue lives elsewhere; nothing here is used by Zephyr.
"""

from __future__ import annotations

from pydantic import VERSION as PYDANTIC_VERSION
from pydantic_core import PydanticUndefined, PydanticUndefinedType

__all__ = (
    "PYDANTIC_V2",
    "PYDANTIC_VERSION",
    "PYDANTIC_VERSION_MINOR_TUPLE",
    "Undefined",
    "UndefinedType",
)

#: ``(major, minor)`` of the installed Pydantic, e.g. ``(2, 12)``: compare it to skip what an older Pydantic lacks.
PYDANTIC_VERSION_MINOR_TUPLE: tuple[int, int] = (
    int(PYDANTIC_VERSION.split(".")[0]),
    int(PYDANTIC_VERSION.split(".")[1]),
)
#: Always true: Zephyr (like FastAPI >= 0.126) supports Pydantic 2 only.
PYDANTIC_V2 = True
#: Pydantic's "no default given" marker (``FieldInfo.default`` of a required field).
Undefined = PydanticUndefined
UndefinedType = PydanticUndefinedType
