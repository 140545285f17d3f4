"""Serve a live Flask (or any WSGI) app under a path of a Zephyr app, on a2wsgi.

The mount prefix becomes the WSGI ``SCRIPT_NAME`` and the rest of the path ``PATH_INFO``, so the Flask app's own
``url_for`` and redirects include the prefix; request bodies, headers and cookies pass through, and responses are
streamed back chunk by chunk.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from zephyr.exceptions import FastAPIError
from zephyr.middleware.wsgi import WSGIMiddleware

__all__ = ("mount_flask",)


def mount_flask(
    app: Any,
    path: str,
    flask_app: Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]],
    *,
    name: str | None = None,
    workers: int = 10,
    send_queue_size: int = 10,
) -> WSGIMiddleware:
    """Mount ``flask_app`` (a WSGI app) on ``app`` (a Zephyr app or router) under ``path``.

    Under a prefix, the same as ``app.mount(path, WSGIMiddleware(flask_app))``, with the path checked at
    registration. With ``path="/"``, the Flask app answers every request no Zephyr route matches (it becomes the
    router's ``default``): serve the whole Flask app and take over its URLs one route at a time.

    Args:
        app: The Zephyr app or ``APIRouter``.
        path: A prefix such as ``"/legacy"`` (no trailing slash), or ``"/"`` for everything Zephyr does not route.
        flask_app: The Flask app (or any WSGI callable).
        name: The mount's route name (``url_path_for("legacy", path="/x")``).
        workers: How many threads serve WSGI requests at once.
        send_queue_size: How many response chunks may wait for a slow client before the WSGI app pauses.

    Returns:
        The mounted ``WSGIMiddleware``.

    Raises:
        FastAPIError: ``path`` is neither ``/`` nor a prefix (``/x``, no trailing ``/``), or ``flask_app`` is not
            callable.
        MissingDependencyError: ``a2wsgi`` is not installed (``pip install 'zephyr[wsgi]'``).
    """
    if path != "/" and (not path.startswith("/") or path.endswith("/")):
        raise FastAPIError(
            f"mount_flask() needs '/' or a prefix such as '/legacy' (starting with '/', no trailing '/'); got {path!r}."
        )
    if not callable(flask_app):
        raise FastAPIError(f"mount_flask() needs a WSGI app such as a flask.Flask instance; got {flask_app!r}.")
    wsgi = WSGIMiddleware(flask_app, workers=workers, send_queue_size=send_queue_size)
    if path == "/":
        getattr(app, "router", app).default = wsgi
    else:
        app.mount(path, wsgi, name=name)
    return wsgi
