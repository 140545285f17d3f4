"""Adapters for code written against FastAPI and Starlette: the ``fastapi`` import switch, Starlette's types, tracing.

Nothing here runs per request unless an app uses it: types are recognised when a route is registered, hooks are
installed when the middleware stack is built.
"""

__all__ = ()
