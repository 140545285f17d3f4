"""``zephyr run --server granian`` (and ``zephyr dev --server granian``): serve an app on Granian.

Zephyr apps implement Granian's RSGI interface beside ASGI (:mod:`zephyr._rsgi`): ``--interface auto`` (the
default) serves them on RSGI unless they declare WebSocket routes (RSGI cannot carry sub-protocols or close codes),
and other apps (a FastAPI app under ``--as-fastapi`` is a Zephyr app) on ASGI.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from zephyr.exceptions import MissingDependencyError

__all__ = ("declares_websockets", "serve", "use_rsgi")


def use_rsgi(args: argparse.Namespace, app: Any) -> bool:
    """Whether to serve ``app`` on RSGI: ``--interface rsgi``, or ``auto``, the app implements it and has no WebSockets.

    Granian's RSGI carries no WebSocket sub-protocol and no close code (docs/guides/deployment.md): an app that
    declares WebSocket routes is served on ASGI unless ``--interface rsgi`` asks otherwise, so that ``auto`` never
    changes what its clients see.

    Raises:
        SystemExit: ``--interface rsgi`` for an app without ``__rsgi__``; the message says what to use.
    """
    supported = callable(getattr(app, "__rsgi__", None))
    if args.interface == "rsgi" and not supported:
        raise SystemExit(
            f"zephyr: {type(app).__name__} does not implement Granian's RSGI interface (no __rsgi__ method); "
            "serve it with --interface asgi."
        )
    if args.interface != "auto":
        return bool(args.interface == "rsgi")
    return supported and not declares_websockets(getattr(app, "routes", ()))


def declares_websockets(routes: Any, depth: int = 0) -> bool:
    """Whether ``routes`` (an app's route list) hold a WebSocket route, through mounts, hosts and included routers.

    Routes are recognised by class name (Zephyr's, Starlette's and FastAPI's all say ``WebSocket``); an opaque mounted
    app (no ``routes``) counts as HTTP only.
    """
    if depth > 32:  # a mount cycle: give up looking deeper
        return False
    for route in routes or ():
        if "WebSocket" in type(route).__name__:
            return True
        inner = getattr(route, "routes", None)
        if inner is None:
            inner = getattr(getattr(route, "original_router", None), "routes", None)  # an included router's node
        if inner is not None and inner is not routes and declares_websockets(inner, depth + 1):
            return True
    return False


def serve(
    args: argparse.Namespace,
    import_string: str,
    *,
    factory: bool = False,
    reload_paths: Sequence[str] = (),
    rsgi: bool = False,
) -> int:
    """Serve ``import_string`` on Granian's ASGI (or, with ``rsgi``, RSGI) interface with the command's options.

    Raises:
        SystemExit: ``--proxy-headers`` was given: Granian does not read ``X-Forwarded-*``; the message says what
            to use instead.
    """
    if args.proxy_headers:
        raise SystemExit(
            "zephyr: --proxy-headers is a uvicorn option; on Granian add the middleware instead: "
            "app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=[...]) from zephyr.middleware.proxy_headers"
        )
    try:
        from granian import Granian
        from granian.constants import Interfaces
        from granian.log import LogLevels
    except ImportError:
        raise MissingDependencyError("granian", "granian", "zephyr run --server granian") from None
    if rsgi and args.root_path:
        # Granian gives its --url-path-prefix to ASGI apps only; the RSGI adapter reads it here (workers inherit it).
        from zephyr._rsgi import ROOT_PATH_ENV

        os.environ[ROOT_PATH_ENV] = args.root_path
    level = "debug" if args.log_level == "trace" else args.log_level
    server = Granian(
        import_string,
        address=args.host,
        port=args.port,
        interface=Interfaces.RSGI if rsgi else Interfaces.ASGI,
        workers=getattr(args, "workers", None) or 1,
        reload=args.reload,
        reload_paths=[Path(path) for path in reload_paths] or None,
        factory=factory,
        url_path_prefix=args.root_path or None,
        log_level=LogLevels(level),
        websockets=True,
    )
    server.serve()
    return 0
