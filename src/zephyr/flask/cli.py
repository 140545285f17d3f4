"""``zephyr flask``: a Flask app's command line (``flask --app``), serving with uvicorn.

``zephyr flask --app module:app <command>`` finds the app as ``flask --app`` does (``module``, ``module:app``,
``module:create_app()``, ``FLASK_APP``, ``.flaskenv``), then runs Flask's ``routes`` and ``shell``, the app's own
``@app.cli.command`` commands, or ``run``, which serves the app with uvicorn over ASGI instead of Werkzeug's
development server. Flask (and click) are imported only when the command runs.

Example:
    ```console
    $ zephyr flask --app flaskr init-db
    $ zephyr flask --app flaskr run --port 5000
    ```
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from zephyr.exceptions import MissingDependencyError

__all__ = ("build_cli", "main", "register")


def build_cli() -> Any:
    """The ``zephyr flask`` click group: Flask's ``FlaskGroup`` with ``run`` on uvicorn, ``routes`` and ``shell``."""
    import click
    from flask.cli import FlaskGroup, ScriptInfo, routes_command, shell_command

    @click.command("run", short_help="Serve the app with uvicorn.")
    @click.option("--host", "-h", default="127.0.0.1", show_default=True, help="The interface to bind to.")
    @click.option("--port", "-p", default=5000, show_default=True, help="The port to bind to.")
    @click.option("--root-path", default="", help="The path prefix the app is served under behind a proxy.")
    @click.option("--proxy-headers", is_flag=True, help="Trust X-Forwarded-* headers (from 127.0.0.1).")
    @click.option("--log-level", default="info", show_default=True)
    @click.pass_obj
    def run(info: ScriptInfo, host: str, port: int, root_path: str, proxy_headers: bool, log_level: str) -> None:
        """Serve the app over ASGI with uvicorn (what ``flask run`` does with Werkzeug's development server).

        Use ``zephyr run module:app --workers N`` (or uvicorn itself) to run several worker processes.
        """
        try:
            import uvicorn
        except ImportError:  # pragma: no cover - the test environment has uvicorn
            raise MissingDependencyError("uvicorn", "standard", "zephyr flask run") from None
        app: Any = info.load_app()
        if not hasattr(app, "asgi_app"):
            raise click.UsageError(
                f"{app!r} is a flask.Flask app: change 'from flask import Flask' to 'from zephyr.flask import Flask' "
                "to serve it with uvicorn, or run it with 'flask run'."
            )
        uvicorn.run(app, host=host, port=port, root_path=root_path, proxy_headers=proxy_headers, log_level=log_level)

    group = FlaskGroup(
        name="zephyr flask",
        add_default_commands=False,
        help="Run a Flask app's commands: 'run' (with uvicorn), 'routes', 'shell' and the app's own.\n\n"
        "Find the app with --app (or FLASK_APP), as 'flask --app' does.",
    )
    group.add_command(run)
    group.add_command(routes_command)
    group.add_command(shell_command)
    return group


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``zephyr flask`` with ``argv`` (the arguments after ``flask``); return the exit status."""
    try:
        import click
    except ImportError:  # pragma: no cover - the test environment has Flask
        raise MissingDependencyError("flask", "flask", "zephyr flask") from None
    try:
        build_cli().main(args=list(argv or []), prog_name="zephyr flask", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Abort:  # pragma: no cover - Ctrl-C at a prompt of a command
        click.echo("Aborted!", err=True)
        return 1
    return 0


def _handle(args: argparse.Namespace) -> int:
    return main(args.arguments)


def register(commands: Any) -> None:
    """Add ``flask`` to the ``zephyr`` parser's subcommands; everything after it goes to `main`."""
    flask = commands.add_parser(
        "flask",
        help="run a Flask app's commands, as the flask command does (see 'zephyr flask --help')",
        add_help=False,
        prefix_chars="\0",  # every argument, options included, belongs to the Flask command line
    )
    flask.add_argument("arguments", nargs=argparse.REMAINDER)
    flask.set_defaults(handler=_handle)
