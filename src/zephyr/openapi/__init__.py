"""OpenAPI support: the document's models, the generator and the interactive docs pages.

- ``zephyr.openapi.models``: Pydantic models of an OpenAPI 3.1 document.
- ``zephyr.openapi.utils``: ``get_openapi``, which builds the document from the app's routes.
- ``zephyr.openapi.docs``: the Swagger UI, ReDoc and Scalar pages.
- ``zephyr.openapi.constants``: shared constants such as ``REF_PREFIX``.
"""

from __future__ import annotations

__all__ = ()
