"""The ``zephyr`` command line.

``zephyr run main`` serves an app on uvicorn, ``zephyr dev`` serves it for development (reload, debug, loopback),
``zephyr routes main`` lists its routes and ``zephyr openapi main`` writes its OpenAPI document. ``main`` alone means
``main:app``. Each command lives in its own module under ``zephyr._cli``; add one by naming its module in
``_COMMAND_MODULES`` (it exposes ``register(subparsers)``). ``zephyr flask`` runs a Flask app's commands
(``zephyr.flask.cli``).
"""

from __future__ import annotations

import argparse
import difflib
import importlib
import sys
from collections.abc import Callable, Sequence

from zephyr._cli.apps import import_app
from zephyr.exceptions import MissingDependencyError

__all__ = ("cli_main", "import_app", "main", "run_command_line")

_COMMAND_MODULES = (
    "zephyr._cli.serve",
    "zephyr._cli.routes",
    "zephyr._cli.openapi",
    "zephyr._cli.worker",
    "zephyr.flask.cli",
)


def _version() -> str:
    import platform

    from zephyr._version import __version__

    return f"zephyr {__version__} (Python {platform.python_version()})"


def _parser() -> tuple[argparse.ArgumentParser, list[str]]:
    parser = argparse.ArgumentParser(
        prog="zephyr",
        description="Serve a Zephyr (or FastAPI) app, list its routes, or export its OpenAPI document.",
    )
    parser.add_argument("--version", action="version", version=_version(), help="print the version and exit")
    commands = parser.add_subparsers(dest="command")
    for name in _COMMAND_MODULES:
        importlib.import_module(name).register(commands)
    names = list(commands.choices)
    commands.metavar = "{" + ",".join(names) + "}"
    return parser, names


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``zephyr`` command line (:data:`cli_main`); returns the exit status.

    Raises:
        RuntimeError: :data:`cli_main` was set to ``None`` (FastAPI's sign that its command line is not installed).
    """
    if cli_main is None:
        message = (
            "To use the fastapi command, please install a command line: zephyr.cli.cli_main was set to None. "
            "Set it back to zephyr.cli.run_command_line (Zephyr's), or run `zephyr` directly."
        )
        raise RuntimeError(message)
    return cli_main(argv)


def run_command_line(argv: Sequence[str] | None = None) -> int:
    """The ``zephyr`` command line itself: parse ``argv`` (default ``sys.argv[1:]``), run the command."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    parser, names = _parser()
    if arguments and not arguments[0].startswith("-") and arguments[0] not in names:
        close = difflib.get_close_matches(arguments[0], names, n=1)
        hint = f" Did you mean 'zephyr {close[0]}'?" if close else ""
        sys.stderr.write(f"zephyr: unknown command {arguments[0]!r}.{hint} Commands: {', '.join(names)}.\n")
        return 2
    args = parser.parse_args(arguments)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        result: int = args.handler(args)
    except MissingDependencyError as exc:  # one line that names the install, not a traceback
        sys.stderr.write(f"zephyr: {exc}\n")
        return 1
    return result


#: What ``main`` runs: FastAPI's name (its ``fastapi.cli.cli_main`` is the installed command line, ``None`` when it
#: is missing), so code written for ``fastapi.cli`` finds Zephyr's command line there.
cli_main: Callable[[Sequence[str] | None], int] | None = run_command_line


if __name__ == "__main__":  # pragma: no cover - exercised through the console script
    raise SystemExit(main())
