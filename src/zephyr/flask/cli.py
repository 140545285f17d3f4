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
import json
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
        from zephyr._accept import uvicorn_loop

        uvicorn.run(
            app,
            host=host,
            port=port,
            root_path=root_path,
            proxy_headers=proxy_headers,
            log_level=log_level,
            **uvicorn_loop(),
        )

    @click.command("audit", short_help="Report a Flask app's routes, hooks, extensions and what to change.")
    @click.argument("app")
    @click.option("--json", "as_json", is_flag=True, help="Print JSON instead of tables.")
    def audit(app: str, as_json: bool) -> None:
        """Report APP's routes, hooks, error handlers, config keys, extensions, and what to change for zephyr.flask.

        APP is found as --app finds it (module, module:app, module:create_app()).
        """
        from zephyr.flask.audit import audit as read
        from zephyr.flask.audit import format_report

        report = read(ScriptInfo(app_import_path=app, set_debug_flag=False).load_app())
        click.echo(json.dumps(report, indent=2) if as_json else format_report(report), nl=as_json)

    @click.command("parity", short_help="Replay requests against two apps and report every difference.")
    @click.option("--old", "old", required=True, help="The app to compare against (e.g. legacy:app).")
    @click.option("--new", "new", required=True, help="The app being checked (e.g. app:app).")
    @click.option("--requests", "requests", required=True, type=click.Path(exists=True, dir_okay=False))
    def parity(old: str, new: str, requests: str) -> None:
        """Replay a JSON Lines file of requests against both apps and report every difference.

        Requests go to both apps in-process; status, headers and body are compared; any difference exits with 1.
        """
        from zephyr.flask.parity import load_requests, replay

        try:
            recorded = load_requests(requests)
        except ValueError as exc:
            raise click.UsageError(str(exc)) from None
        differences = replay(
            ScriptInfo(app_import_path=old, set_debug_flag=False).load_app(),
            ScriptInfo(app_import_path=new, set_debug_flag=False).load_app(),
            recorded,
        )
        for difference in differences:
            click.echo(str(difference))
        click.echo(f"{len(recorded)} requests, {len(differences)} differences.")
        if differences:
            raise click.exceptions.Exit(1)

    group = FlaskGroup(
        name="zephyr flask",
        add_default_commands=False,
        help="Run a Flask app's commands: 'run' (with uvicorn), 'routes', 'shell' and the app's own; 'audit' and "
        "'parity' help a migration.\n\n"
        "Find the app with --app (or FLASK_APP), as 'flask --app' does.",
    )
    group.add_command(run)
    group.add_command(routes_command)
    group.add_command(shell_command)
    group.add_command(audit)
    group.add_command(parity)
    return group


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``zephyr flask`` with ``argv`` (the arguments after ``flask``); return the exit status."""
    try:
        import click
    except ImportError:  # pragma: no cover - the test environment has Flask
        raise MissingDependencyError("flask", "flask", "zephyr flask") from None
    try:
        result = build_cli().main(args=list(argv or []), prog_name="zephyr flask", standalone_mode=False)
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Abort:  # pragma: no cover - Ctrl-C at a prompt of a command
        click.echo("Aborted!", err=True)
        return 1
    # Without standalone mode, click returns an Exit's code (or the command's return value, None here).
    return result if isinstance(result, int) else 0


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
