"""``zephyr openapi``: write an app's OpenAPI document."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from zephyr._cli.apps import find_app
from zephyr._cli.formatting import HelpFormatter

__all__ = ("register",)


def _openapi(args: argparse.Namespace) -> int:
    _, app = find_app(args.app)
    if not hasattr(app, "openapi"):
        raise SystemExit(f"zephyr: {args.app!r} is not a Zephyr/FastAPI app (it has no openapi() method).")
    document = json.dumps(app.openapi(), indent=args.indent, ensure_ascii=False)
    if args.output in (None, "-"):
        sys.stdout.write(document + "\n")
    else:
        with open(args.output, "w", encoding="utf-8") as handle:
            handle.write(document + "\n")
    return 0


def register(commands: Any) -> None:
    """Add ``openapi`` to the ``zephyr`` parser's subcommands."""
    openapi = commands.add_parser(
        "openapi",
        help="write an app's OpenAPI document",
        description="Write an app's OpenAPI document as JSON.",
        formatter_class=HelpFormatter,
    )
    openapi.add_argument("app", help="the app: module (means module:app), module:attribute, or path/to/file.py")
    openapi.add_argument("--output", "-o", default=None, help="file to write (standard output when omitted)")
    openapi.add_argument("--indent", type=int, default=2, help="spaces of indentation")
    openapi.set_defaults(handler=_openapi)
