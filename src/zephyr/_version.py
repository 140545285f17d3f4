"""Zephyr's version, in a module of its own so that any module can read it without importing the package."""

__all__ = ("FASTAPI_VERSION", "__version__")

__version__ = "0.1.0"

#: The FastAPI release whose public API Zephyr answers to: ``fastapi.__version__`` under ``install_as_fastapi()``,
#: which libraries compare against their minimum FastAPI (Sentry's integration refuses anything below 0.79).
FASTAPI_VERSION = "0.165.0"
