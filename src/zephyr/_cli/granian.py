"""``zephyr run --server granian`` (and ``zephyr dev --server granian``): serve an app on Granian's ASGI interface."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from zephyr.exceptions import MissingDependencyError

__all__ = ("serve",)


def serve(
    args: argparse.Namespace, import_string: str, *, factory: bool = False, reload_paths: Sequence[str] = ()
) -> int:
    """Serve ``import_string`` on Granian's ASGI interface with ``run``'s (or ``dev``'s) options.

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
    level = "debug" if args.log_level == "trace" else args.log_level
    server = Granian(
        import_string,
        address=args.host,
        port=args.port,
        interface=Interfaces.ASGI,
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
