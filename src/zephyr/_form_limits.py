"""The type of ``form_limits=``, importable as ``fastapi._form_limits._FormLimits`` under ``install_as_fastapi()``.

``FastAPI(form_limits=...)``, ``APIRouter(form_limits=...)`` and the route decorators take a mapping with the keys
below; FastAPI names its type ``_FormLimits`` and code annotating a limits variable imports it from there. The values
are checked where they are passed (see ``zephyr._bodylimit.validate_form_limits``); this is the type only.
"""

from __future__ import annotations

from typing_extensions import TypedDict

__all__ = ("FormLimits", "_FormLimits")


class FormLimits(TypedDict, total=False):
    """Limits for the forms Zephyr parses for ``Form``, ``File`` and ``UploadFile`` parameters (each ``>= 0``)."""

    max_fields: int
    """Most non-file fields in one form."""
    max_files: int
    """Most files in one multipart form."""
    max_part_size: int
    """Largest non-file field, in bytes."""


_FormLimits = FormLimits
