"""The ``zephyr`` command line.

``zephyr run module:app`` serves an app on uvicorn; ``zephyr openapi module:app`` writes its OpenAPI document.
"""

from __future__ import annotations

import argparse
import difflib
import importlib
import json
import os
import sys
from collections.abc import Sequence
from typing import Any

from zephyr.exceptions import MissingDependencyError

__all__ = ("import_app", "main")

_COMMANDS = ("run", "openapi")


def import_app(target: str) -> Any:
    """Import ``module:attribute`` (``attribute`` defaults to ``app``), with the current directory importable.

    Raises:
        SystemExit: The module or attribute does not exist; the message says what was looked for.
    """
    module_name, _, attribute = target.partition(":")
    attribute = attribute or "app"
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name.split(".")[0] and exc.name != module_name:
            raise
        raise SystemExit(f"zephyr: cannot import module {module_name!r} (from {target!r}): {exc}") from exc
    obj: Any = module
    for part in attribute.split("."):
        if not hasattr(obj, part):
            names = [name for name in dir(module) if not name.startswith("_")]
            close = difflib.get_close_matches(part, names, n=1)
            hint = f" Did you mean {module_name}:{close[0]}?" if close else ""
            raise SystemExit(f"zephyr: module {module_name!r} has no attribute {attribute!r}.{hint}")
        obj = getattr(obj, part)
    return obj


def _run(args: argparse.Namespace) -> int:
    try:
        import uvicorn
    except ImportError:
        raise MissingDependencyError("uvicorn", "standard", "zephyr run") from None
    import_app(args.app)  # fail early, with our message, before uvicorn starts
    uvicorn.run(
        args.app,
        host=args.host,
        port=args.port,
        reload=args.reload,
        workers=args.workers,
        root_path=args.root_path,
        proxy_headers=args.proxy_headers,
        log_level=args.log_level,
    )
    return 0


def _openapi(args: argparse.Namespace) -> int:
    app = import_app(args.app)
    if not hasattr(app, "openapi"):
        raise SystemExit(f"zephyr: {args.app!r} is not a Zephyr/FastAPI app (it has no openapi() method).")
    document = json.dumps(app.openapi(), indent=args.indent, ensure_ascii=False)
    if args.output in (None, "-"):
        sys.stdout.write(document + "\n")
    else:
        with open(args.output, "w", encoding="utf-8") as handle:
            handle.write(document + "\n")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="zephyr", description="Serve a Zephyr (or FastAPI) app, or export its docs.")
    commands = parser.add_subparsers(dest="command", metavar="{run,openapi}")
    run = commands.add_parser("run", help="serve module:app on uvicorn")
    run.add_argument("app", help="the app to serve, as module:attribute (e.g. main:app)")
    run.add_argument("--host", default="127.0.0.1")
    run.add_argument("--port", type=int, default=8000)
    run.add_argument("--reload", action="store_true", help="restart when source files change")
    run.add_argument("--workers", type=int, default=None, help="number of worker processes")
    run.add_argument("--root-path", default="", help="the path prefix the app is served under behind a proxy")
    run.add_argument("--proxy-headers", action="store_true", help="trust X-Forwarded-* from --forwarded-allow-ips")
    run.add_argument("--log-level", default="info")
    run.set_defaults(handler=_run)
    openapi = commands.add_parser("openapi", help="write module:app's OpenAPI document")
    openapi.add_argument("app", help="the app, as module:attribute")
    openapi.add_argument("--output", "-o", default=None, help="file to write (default: standard output)")
    openapi.add_argument("--indent", type=int, default=2)
    openapi.set_defaults(handler=_openapi)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``zephyr`` command line."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments and not arguments[0].startswith("-") and arguments[0] not in _COMMANDS:
        close = difflib.get_close_matches(arguments[0], _COMMANDS, n=1)
        hint = f" Did you mean 'zephyr {close[0]}'?" if close else ""
        sys.stderr.write(f"zephyr: unknown command {arguments[0]!r}.{hint} Commands: {', '.join(_COMMANDS)}.\n")
        return 2
    parser = _parser()
    args = parser.parse_args(arguments)
    if args.command is None:
        parser.print_help()
        return 2
    result: int = args.handler(args)
    return result


if __name__ == "__main__":  # pragma: no cover - exercised through the console script
    raise SystemExit(main())
