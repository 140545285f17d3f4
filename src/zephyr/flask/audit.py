"""``zephyr flask audit``: what a Flask app is made of, and what moving it to ``zephyr.flask`` involves.

`audit` reads an app (a ``flask.Flask`` or a ``zephyr.flask.Flask``) without serving a request: its routes (rule,
methods, converters, endpoint), hooks, error handlers, the config keys it sets beyond Flask's defaults (names only:
values may be secrets), the extensions it registered, each with its verdict on ``zephyr.flask`` and the Zephyr
feature that can replace it, and the findings: what would not run, or run differently, on ``zephyr.flask``.

Example:
    ```console
    $ zephyr flask audit flaskr:create_app() --json
    ```
"""

from __future__ import annotations

import inspect
from typing import Any

__all__ = ("EXTENSIONS", "audit", "format_report")

EXTENSIONS: dict[str, tuple[str, str]] = {
    "sqlalchemy": ("works (tested)", "keep it; Zephyr has no ORM of its own"),
    "login_manager": ("works (tested)", "zephyr.security (OAuth2/JWT dependencies) for new APIs"),
    "csrf": ("works (tested)", "zephyr.middleware.csrf"),
    "cors": ("works (tested)", "zephyr.middleware.cors"),
    "limiter": ("works: uses Flask's request context", "zephyr.ratelimit"),
    "cache": ("works: uses Flask's request context", "zephyr.caching"),
    "migrate": ("works: a CLI extension", "keep it"),
    "mail": ("works: no request-time hooks", "keep it"),
    "babel": ("works: uses Flask's request context", "keep it"),
    "socketio": ("keep mounted: needs a WebSocket server of its own", "zephyr.websockets"),
    "sock": ("keep mounted: WebSocket routes are not served by zephyr.flask", "zephyr.websockets"),
}
"""``app.extensions`` key -> (verdict on ``zephyr.flask``, the Zephyr feature that replaces it)."""

_MODULES = {
    "flask_sqlalchemy": "sqlalchemy",
    "flask_login": "login_manager",
    "flask_wtf": "csrf",
    "flask_cors": "cors",
    "flask_limiter": "limiter",
    "flask_caching": "cache",
    "flask_migrate": "migrate",
    "flask_mail": "mail",
    "flask_babel": "babel",
    "flask_socketio": "socketio",
    "flask_sock": "sock",
}
"""Extensions that do not all register in ``app.extensions``, recognised by the module of a hook they add."""

_UNKNOWN_EXTENSION = ("likely works: it runs inside Flask's own request cycle (test it)", "-")

_HOOKS = (
    "before_request_funcs",
    "after_request_funcs",
    "teardown_request_funcs",
    "url_value_preprocessors",
    "url_default_functions",
    "template_context_processors",
)

_SOURCE_FINDINGS = (
    ("request.stream", "reads request.stream: served over ASGI, the body is read whole first"),
    ("wsgi.input", "reads wsgi.input: served over ASGI, the body is read whole first"),
    ("eventlet", "uses eventlet: not needed (and not supported) under an ASGI server"),
    ("gevent", "uses gevent: not needed (and not supported) under an ASGI server"),
)


def _name(func: Any) -> str:
    target = getattr(func, "view_class", None) or func
    if not hasattr(target, "__qualname__"):  # an instance, such as a WSGI middleware
        target = type(target)
    return f"{target.__module__}.{target.__qualname__}"


def _routes(app: Any) -> list[dict[str, Any]]:
    rows = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda rule: (rule.rule, rule.endpoint)):
        converters = {name: type(converter).__name__ for name, converter in rule._converters.items()}
        rows.append(
            {
                "rule": rule.rule,
                "methods": sorted(rule.methods - {"HEAD", "OPTIONS"}) or sorted(rule.methods),
                "converters": converters,
                "endpoint": rule.endpoint,
                "view": _name(app.view_functions[rule.endpoint]) if rule.endpoint in app.view_functions else None,
            }
        )
    return rows


def _hooks(app: Any) -> dict[str, dict[str, list[str]]]:
    hooks: dict[str, dict[str, list[str]]] = {}
    for attribute in (*_HOOKS, "teardown_appcontext_funcs"):
        registered = getattr(app, attribute)
        scopes = {None: registered} if isinstance(registered, list) else registered
        found = {
            scope or "app": [_name(func) for func in funcs if func.__module__ != "flask.templating"]
            for scope, funcs in scopes.items()
        }
        found = {scope: names for scope, names in found.items() if names}
        if found:
            hooks[attribute.removesuffix("_funcs")] = found
    return hooks


def _error_handlers(app: Any) -> list[dict[str, Any]]:
    rows = []
    for scope, by_code in app.error_handler_spec.items():
        for code, by_class in by_code.items():
            for cls, func in by_class.items():
                rows.append(
                    {"scope": scope or "app", "code": code, "exception": cls.__qualname__, "handler": _name(func)}
                )
    return rows


def _findings(app: Any) -> list[str]:
    findings = []
    if not hasattr(app, "asgi_app"):
        findings.append("the app is a flask.Flask: change 'from flask import ...' to 'from zephyr.flask import ...'")
    if "wsgi_app" in vars(app):
        findings.append(
            f"app.wsgi_app is wrapped ({_name(app.wsgi_app)}): the WSGI middleware runs in the worker thread, on "
            "each request, as under a WSGI server"
        )
    for endpoint, view in sorted(app.view_functions.items()):
        try:
            source = inspect.getsource(getattr(view, "view_class", view))
        except (OSError, TypeError):
            continue
        findings.extend(f"{endpoint}: {problem}" for needle, problem in _SOURCE_FINDINGS if needle in source)
    return findings


def audit(app: Any) -> dict[str, Any]:
    """Everything `format_report` prints about ``app``, as JSON-ready data.

    Args:
        app: A ``flask.Flask`` (or ``zephyr.flask.Flask``) app.

    Returns:
        ``routes``, ``hooks``, ``error_handlers``, ``config_keys``, ``extensions`` and ``findings``.
    """
    defaults = set(type(app).default_config)
    hooks = _hooks(app)
    names = set(app.extensions)
    for scopes in hooks.values():
        for functions in scopes.values():
            names.update(_MODULES.get(function.partition(".")[0], "") for function in functions)
    names.discard("")
    extensions = [
        {
            "name": name,
            "verdict": EXTENSIONS.get(name, _UNKNOWN_EXTENSION)[0],
            "zephyr": EXTENSIONS.get(name, _UNKNOWN_EXTENSION)[1],
        }
        for name in sorted(names)
    ]
    return {
        "app": app.name,
        "class": f"{type(app).__module__}.{type(app).__qualname__}",
        "routes": _routes(app),
        "hooks": hooks,
        "error_handlers": _error_handlers(app),
        "config_keys": sorted(key for key in app.config if key not in defaults),
        "blueprints": sorted(app.blueprints),
        "extensions": extensions,
        "findings": _findings(app),
    }


def _table(headers: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows, strict=False)]
    return [
        "  ".join(str(cell).ljust(width) for cell, width in zip(line, widths, strict=False)).rstrip()
        for line in (headers, ["-" * width for width in widths], *rows)
    ]


def format_report(report: dict[str, Any]) -> str:
    """The audit as text tables, one section per part."""
    lines = [f"App {report['app']!r} ({report['class']})", "", "Routes"]
    lines += _table(
        ["Rule", "Methods", "Converters", "Endpoint"],
        [
            [
                route["rule"],
                ",".join(route["methods"]),
                ",".join(f"{k}:{v}" for k, v in route["converters"].items()) or "-",
                route["endpoint"],
            ]
            for route in report["routes"]
        ],
    )
    lines += ["", "Hooks"]
    hook_rows = [
        [kind, scope, ", ".join(names)] for kind, scopes in report["hooks"].items() for scope, names in scopes.items()
    ]
    lines += _table(["Hook", "Scope", "Functions"], hook_rows) if hook_rows else ["(none)"]
    lines += ["", "Error handlers"]
    error_rows = [
        [row["scope"], str(row["code"] or "-"), row["exception"], row["handler"]] for row in report["error_handlers"]
    ]
    lines += _table(["Scope", "Code", "Exception", "Handler"], error_rows) if error_rows else ["(none)"]
    lines += ["", "Config keys set beyond Flask's defaults", ", ".join(report["config_keys"]) or "(none)"]
    lines += ["", "Extensions"]
    extension_rows = [[row["name"], row["verdict"], row["zephyr"]] for row in report["extensions"]]
    lines += (
        _table(["Extension", "On zephyr.flask", "Zephyr equivalent"], extension_rows) if extension_rows else ["(none)"]
    )
    lines += ["", "Findings"]
    lines += [f"- {finding}" for finding in report["findings"]] or ["- none: the app runs on zephyr.flask as it is"]
    return "\n".join(lines) + "\n"
