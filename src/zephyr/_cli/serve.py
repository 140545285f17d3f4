"""``zephyr run`` (production-style serving) and ``zephyr dev`` (reload, debug, loopback) on uvicorn or Granian.

On uvicorn both serve with settings against hostile clients that a bare ``uvicorn`` command lacks (see
:mod:`zephyr._server`): a connection idle between requests is closed after ``--timeout-keep-alive`` seconds (5); one
that has not delivered a complete request head ``--head-timeout`` seconds (10) after opening or after its previous
response is answered 408 and closed (slow-loris, idle fresh connections); a request head over 64 KiB is refused while
it streams in (431 under httptools and Zephyr's protocol, the default; 400 under h11) instead of being buffered whole.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from zephyr._cli.apps import DEFAULT_FILES, find_app
from zephyr._cli.formatting import HelpFormatter
from zephyr.exceptions import MissingDependencyError

__all__ = ("dev_app", "register", "switched_app")

_LOG_LEVELS = ("critical", "error", "warning", "info", "debug", "trace")
_DEV_TARGET = "ZEPHYR_DEV_APP"
_SWITCHED_TARGET = "ZEPHYR_AS_FASTAPI_APP"
_AS_FASTAPI = "ZEPHYR_AS_FASTAPI"


def _uvicorn() -> Any:
    try:
        import uvicorn
    except ImportError:
        raise MissingDependencyError("uvicorn", "standard", "zephyr run") from None
    return uvicorn


def _banner(url: str, app: Any, import_string: str, mode: str) -> None:
    docs = getattr(app, "docs_url", None)
    line = f"zephyr {mode}: serving {import_string} at {url}"
    if docs:
        line += f" (docs at {url}{docs})"
    sys.stderr.write(line + "\n")


def _serve_options(args: argparse.Namespace) -> dict[str, Any]:
    # Read by zephyr._server when it is imported, here and in every worker or reloaded process.
    os.environ["ZEPHYR_HEAD_TIMEOUT"] = str(args.head_timeout)
    from zephyr._accept import uvicorn_loop
    from zephyr._server import MAX_HEAD_BYTES, protocol_for

    return {
        "host": args.host,
        "port": args.port,
        "root_path": args.root_path,
        "proxy_headers": args.proxy_headers,
        "forwarded_allow_ips": args.forwarded_allow_ips,
        "log_level": args.log_level,
        "http": protocol_for(args.http),
        "timeout_keep_alive": args.timeout_keep_alive,
        "h11_max_incomplete_event_size": MAX_HEAD_BYTES,
        **uvicorn_loop(),
    }


def _switch(args: argparse.Namespace) -> None:
    """``--as-fastapi``: install the switch here, and (through the environment) in every worker and reload child."""
    if args.as_fastapi:
        from zephyr import install_as_fastapi

        os.environ[_AS_FASTAPI] = "1"
        install_as_fastapi()


def switched_app() -> Any:
    """The factory ``zephyr run --as-fastapi`` serves: ``install_as_fastapi()``, then the app it names."""
    from zephyr import install_as_fastapi

    install_as_fastapi()
    return find_app(os.environ[_SWITCHED_TARGET])[1]


def _refuse_interface(args: argparse.Namespace) -> None:
    if args.interface == "rsgi":
        raise SystemExit("zephyr: --interface rsgi is Granian's interface: add --server granian (uvicorn speaks ASGI).")


def _run(args: argparse.Namespace) -> int:
    uvicorn: Any = _uvicorn() if args.server == "uvicorn" else None  # a missing server is said before anything
    _switch(args)
    import_string, app = find_app(args.app)  # fail early, with our message, before the server starts
    _banner(f"http://{args.host}:{args.port}", app, import_string, "run")
    target, factory = import_string, False
    if args.as_fastapi:
        os.environ[_SWITCHED_TARGET] = import_string
        target, factory = "zephyr._cli.serve:switched_app", True
    if args.server == "granian":
        from zephyr._cli import granian

        return granian.serve(args, target, factory=factory, rsgi=granian.use_rsgi(args, app))
    _refuse_interface(args)
    as_factory: dict[str, Any] = {"factory": True} if factory else {}
    uvicorn.run(target, reload=args.reload, workers=args.workers, **as_factory, **_serve_options(args))
    return 0


def dev_app() -> Any:
    """The factory ``zephyr dev`` serves: the app named in ``ZEPHYR_DEV_APP``, switched to debug mode.

    A factory (rather than the app itself) is what lets every reload import the app afresh and turn on
    ``debug`` before its first request, without the app's code knowing it runs under ``zephyr dev``.
    """
    if os.environ.get(_AS_FASTAPI) == "1":
        from zephyr import install_as_fastapi

        install_as_fastapi()
    _, app = find_app(os.environ[_DEV_TARGET])
    if hasattr(app, "debug"):
        app.debug = True
    return app


def _dev(args: argparse.Namespace) -> int:
    uvicorn: Any = _uvicorn() if args.server == "uvicorn" else None
    _switch(args)
    import_string, app = find_app(args.app)
    os.environ[_DEV_TARGET] = import_string  # read by dev_app() in the reloader's child process too
    _banner(f"http://{args.host}:{args.port}", app, import_string, "dev")
    if args.server == "granian":
        from zephyr._cli import granian

        rsgi = granian.use_rsgi(args, app)
        return granian.serve(args, "zephyr._cli.serve:dev_app", factory=True, reload_paths=[os.getcwd()], rsgi=rsgi)
    _refuse_interface(args)
    uvicorn.run(
        "zephyr._cli.serve:dev_app",
        factory=True,
        reload=args.reload,
        reload_dirs=[os.getcwd()],
        **_serve_options(args),
    )
    return 0


def _add_server_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="the address to listen on (0.0.0.0 for every interface)")
    parser.add_argument("--port", type=int, default=8000, help="the port to listen on")
    parser.add_argument("--root-path", default="", help="the path prefix the app is served under behind a proxy")
    parser.add_argument(
        "--proxy-headers",
        action="store_true",
        help="trust X-Forwarded-For/-Proto from the addresses in --forwarded-allow-ips",
    )
    parser.add_argument(
        "--forwarded-allow-ips",
        default="127.0.0.1",
        help="comma-separated addresses (or *) whose X-Forwarded-* headers are trusted",
    )
    parser.add_argument("--log-level", default="info", choices=_LOG_LEVELS, help="the server's log level")
    parser.add_argument(
        "--http",
        choices=("auto", "h11", "httptools", "zephyr"),
        default="auto",
        help="uvicorn's HTTP/1.1 protocol: h11, httptools, or zephyr (Zephyr's own, on httptools: less server work "
        "per request); auto picks zephyr when httptools is installed, else h11",
    )
    parser.add_argument(
        "--timeout-keep-alive",
        type=int,
        default=5,
        metavar="SECONDS",
        help="close a connection idle this long between requests (uvicorn)",
    )
    parser.add_argument(
        "--head-timeout",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="answer 408 and close a connection that has not sent a complete request head this long after opening "
        "or after its previous response: slow-loris, idle fresh connections (uvicorn)",
    )
    parser.add_argument(
        "--as-fastapi",
        action="store_true",
        help="serve every import of fastapi (the app's and its libraries') from Zephyr: zephyr.install_as_fastapi()",
    )
    parser.add_argument(
        "--server",
        choices=("uvicorn", "granian"),
        default="uvicorn",
        help="the server: uvicorn, or granian (pip install 'zephyr[granian]')",
    )
    parser.add_argument(
        "--interface",
        choices=("auto", "asgi", "rsgi"),
        default="auto",
        help="Granian's interface: rsgi (faster; auto picks it for a Zephyr app without WebSocket routes) or "
        "asgi (WebSocket sub-protocols and close codes, which Granian's RSGI lacks)",
    )


def register(commands: Any) -> None:
    """Add ``run`` and ``dev`` to the ``zephyr`` parser's subcommands."""
    formatter = HelpFormatter
    run = commands.add_parser(
        "run",
        help="serve an app on uvicorn or Granian",
        description="Serve an app on uvicorn or Granian.",
        formatter_class=formatter,
    )
    run.add_argument("app", help="the app: module (means module:app), module:attribute, or path/to/file.py")
    _add_server_options(run)
    run.add_argument("--reload", action="store_true", help="restart when source files change")
    run.add_argument("--workers", type=int, default=None, help="number of worker processes (one process when omitted)")
    run.set_defaults(handler=_run)

    dev = commands.add_parser(
        "dev",
        help="serve an app for development: reload, debug pages, 127.0.0.1",
        description=(
            "Serve an app for development: reload on changes, debug tracebacks, listening on 127.0.0.1. "
            f"With no app named, looks for {', '.join(DEFAULT_FILES)} and an 'app' (or 'api') in it."
        ),
        formatter_class=formatter,
    )
    dev.add_argument("app", nargs="?", default=None, help="the app (as for run); found in the directory if omitted")
    _add_server_options(dev)
    dev.add_argument("--no-reload", dest="reload", action="store_false", help="do not restart on changes")
    dev.set_defaults(handler=_dev, reload=True)
