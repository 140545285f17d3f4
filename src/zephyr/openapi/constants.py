"""Constants shared by the OpenAPI generator and the docs pages."""

from __future__ import annotations

__all__ = ("METHODS_WITH_BODY", "REF_PREFIX", "REF_TEMPLATE")

METHODS_WITH_BODY: frozenset[str] = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH"})
"""HTTP methods whose operations may document a request body (FastAPI's set, ``GET`` and ``HEAD`` included)."""

REF_PREFIX = "#/components/schemas/"
"""Where model schemas live in the document; ``$ref`` values start with it."""

REF_TEMPLATE = "#/components/schemas/{model}"
"""``ref_template`` for Pydantic's JSON-schema generation."""
