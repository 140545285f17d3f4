"""Dependency analysis at FastAPI's import paths (``fastapi.dependencies.utils``, ``fastapi.dependencies.models``)."""

__all__ = ()
