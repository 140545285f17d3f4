"""``zephyr routes``: list an app's routes (method, path, name, endpoint), as ``flask routes`` does."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import Any

from zephyr._cli.apps import find_app
from zephyr._cli.formatting import HelpFormatter

__all__ = ("RouteRow", "register", "route_rows")

_SORT_KEYS = ("order", "path", "name", "methods")


@dataclass(frozen=True)
class RouteRow:
    """One line of ``zephyr routes``."""

    methods: str
    """``GET, POST``; ``WS`` for a WebSocket route; ``MOUNT`` / ``HOST`` for a mounted app; ``ANY`` for a route
    that takes every method."""
    path: str
    """The full path (a mount's prefix for a mounted app; the host pattern for a host route)."""
    name: str
    """The route's name (what ``url_for`` takes)."""
    endpoint: str
    """``module.function`` of the endpoint, or the class of a mounted app."""


def _qualified(obj: Any) -> str:
    target = getattr(obj, "__func__", obj)
    module = getattr(target, "__module__", None) or type(target).__module__
    name = getattr(target, "__qualname__", None) or type(target).__qualname__
    return f"{module}.{name}"


def route_rows(routes: Any, prefix: str = "") -> Iterator[RouteRow]:
    """Walk ``app.routes`` in the order requests try them, into rows (mounted apps are one row each).

    Args:
        routes: A routes list (``app.routes``) or any iterable of routes.
        prefix: Prepended to every path (used when walking into a routes-only node).
    """
    for route in routes:
        path = prefix + str(getattr(route, "path", ""))
        name = str(getattr(route, "name", None) or "")
        endpoint = getattr(route, "endpoint", None)
        if endpoint is not None:
            methods = getattr(route, "methods", None)
            if type(route).__name__.endswith("WebSocketRoute"):
                shown = "WS"
            else:
                shown = ", ".join(m for m in methods if not (m == "HEAD" and "GET" in methods)) if methods else "ANY"
            yield RouteRow(shown, path, name, _qualified(endpoint))
        elif hasattr(route, "host"):
            yield RouteRow("HOST", str(route.host), name, _qualified(type(route.app)))
        elif hasattr(route, "app"):
            yield RouteRow("MOUNT", path or "/", name, _qualified(type(route.app)))
        elif hasattr(route, "effective_routes"):  # an included router: its routes, with their full paths
            yield from route_rows(route.effective_routes(), prefix)
        elif hasattr(route, "routes"):  # a node holding routes of its own
            yield from route_rows(route.routes, prefix)


def _routes(args: argparse.Namespace) -> int:
    _, app = find_app(args.app)
    if not hasattr(app, "routes"):
        raise SystemExit(f"zephyr: {args.app!r} is not an app with routes.")
    rows = list(route_rows(app.routes))
    if args.sort != "order":
        rows.sort(key=lambda row: (getattr(row, args.sort), row.path))
    if args.json:
        sys.stdout.write(json.dumps([asdict(row) for row in rows], indent=2) + "\n")
        return 0
    header = RouteRow("Methods", "Path", "Name", "Endpoint")
    widths = [max(len(getattr(row, field)) for row in (header, *rows)) for field in ("methods", "path", "name")]
    rule = RouteRow("-" * widths[0], "-" * widths[1], "-" * widths[2], "-" * 8)
    for row in (header, rule, *rows):
        cells = (row.methods.ljust(widths[0]), row.path.ljust(widths[1]), row.name.ljust(widths[2]), row.endpoint)
        sys.stdout.write("  ".join(cells).rstrip() + "\n")
    return 0


def register(commands: Any) -> None:
    """Add ``routes`` to the ``zephyr`` parser's subcommands."""
    routes = commands.add_parser(
        "routes",
        help="list an app's routes",
        description="List an app's routes in the order requests try them: methods, path, name and endpoint.",
        formatter_class=HelpFormatter,
    )
    routes.add_argument("app", help="the app: module (means module:app), module:attribute, or path/to/file.py")
    routes.add_argument("--sort", choices=_SORT_KEYS, default="order", help="the column to sort by")
    routes.add_argument("--json", action="store_true", help="print the rows as JSON")
    routes.set_defaults(handler=_routes)
