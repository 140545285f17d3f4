"""``Flask``: a Zephyr app with Flask's decorators, hooks, blueprints and ``url_for``.

Example:
    ```python
    from zephyr.flask.typed import Flask

    app = Flask(__name__)

    @app.route("/users/<int:user_id>", methods=["GET", "POST"])
    def user(user_id: int):
        return {"id": user_id}

    @app.errorhandler(404)
    def not_found(exc):
        return "<h1>Not here</h1>", 404
    ```
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlencode

from zephyr._routing.base import expand_routes
from zephyr.applications import Zephyr
from zephyr.exceptions import HTTPException
from zephyr.flask.typed.blueprints import Blueprint, FlaskRule, Scaffold, add_flask_route
from zephyr.flask.typed.hooks import AsyncHook, Hooks, current_view, serve_routing_error
from zephyr.flask.typed.responses import make_response
from zephyr.requests import Request
from zephyr.responses import Response
from zephyr.types import Receive, Scope, Send

__all__ = ("Flask", "build_url", "url_for")


class Flask(Scaffold, Zephyr):  # type: ignore[misc]
    """A Zephyr app with Flask's API on top: ``route``, hooks, ``errorhandler``, ``register_blueprint``, ``url_for``.

    Views declared here are Flask-style (Flask rules, Flask return values, hooks); everything else is Zephyr's:
    parameters are injected and validated from type hints, ``include_router`` and ``mount`` work, the OpenAPI
    document lists the views. App-level ``errorhandler`` handlers also answer errors outside Flask-style views
    (an unknown URL's 404, a FastAPI-style router's exceptions).

    Example:
        ```python
        app = Flask(__name__)

        @app.route("/hello/<name>")
        def hello(name: str):
            return f"<p>Hello {name}</p>"
        ```

    Args:
        import_name: The app's module (``__name__``), as in Flask.
        **options: ``FastAPI``/``Zephyr`` constructor options (``title``, ``debug``, ``lifespan``...).
    """

    def __init__(self, import_name: str = "__main__", **options: Any) -> None:
        self.import_name = import_name
        self.flask_hooks = Hooks(import_name)
        self.view_functions: dict[str, Callable[..., Any]] = {}
        self.blueprints: dict[str, Blueprint] = {}
        options.setdefault("title", import_name)
        Zephyr.__init__(self, **options)
        # Unknown URLs still get the app's hooks and errorhandler(404), as in Flask.
        self.router.default = _not_found

    @property
    def name(self) -> str:
        """The app's name (its import name), as in Flask."""
        return self.import_name

    def _register_view(self, rule: FlaskRule) -> None:
        add_flask_route(self, rule.rule, rule, rule.endpoint, "", ())

    def register_error_handler(self, code_or_exception: int | type[BaseException], func: Callable[..., Any]) -> None:
        """Register ``func(exc)`` for a code or exception class, for Flask-style views and the rest of the app."""
        super().register_error_handler(code_or_exception, func)
        self._export_error_handler(code_or_exception, self.flask_hooks)

    def _export_error_handler(self, key: int | type[BaseException], hooks: Hooks) -> None:
        # Unknown URLs (404), wrong methods (405) and FastAPI-style routes never reach a Flask view; answering them
        # takes a Zephyr exception handler. 500/Exception stay with Flask-style views: Zephyr's 500 layer re-raises.
        if key in (500, Exception, BaseException):
            return
        handler: AsyncHook | None
        handler = hooks.error_codes.get(key) if isinstance(key, int) else hooks.error_classes.get(key)
        if handler is None:  # pragma: no cover - registered just before
            return
        flask_handler = handler

        async def answer(request: Request, exc: Exception) -> Response:
            return make_response(await flask_handler(exc), "errorhandler")

        self.add_exception_handler(key, answer)  # type: ignore[arg-type]

    def register_blueprint(
        self, blueprint: Blueprint, *, url_prefix: str | None = None, name: str | None = None
    ) -> None:
        """Add a blueprint's views (and nested blueprints') under ``url_prefix``, as Flask does.

        Args:
            blueprint: The blueprint.
            url_prefix: Overrides the blueprint's own ``url_prefix``.
            name: Registers the blueprint under another name (endpoints ``name.view``), to register it twice.

        Raises:
            ValueError: A blueprint is already registered under that name.
        """
        registered = name or blueprint.name
        if registered in self.blueprints:
            which = "this" if self.blueprints[registered] is blueprint else "a different"
            raise ValueError(
                f"The name {registered!r} is already registered for {which} blueprint. Use 'name=' to provide a "
                "unique name."
            )
        self.blueprints[registered] = blueprint
        for entry in blueprint.flatten(url_prefix, registered, ()):
            add_flask_route(self, entry.rule, entry.flask_rule, entry.endpoint, entry.blueprint, entry.chain)
        for each in _tree(blueprint):
            app_hooks = each.app_hooks
            self.flask_hooks.before.extend(app_hooks.before)
            self.flask_hooks.after.extend(app_hooks.after)
            self.flask_hooks.teardown.extend(app_hooks.teardown)
            for code in app_hooks.error_codes:
                self.flask_hooks.error_codes[code] = app_hooks.error_codes[code]
                self._export_error_handler(code, self.flask_hooks)
            for cls in app_hooks.error_classes:
                self.flask_hooks.error_classes[cls] = app_hooks.error_classes[cls]
                self._export_error_handler(cls, self.flask_hooks)

    def url_for(self, endpoint: str, /, **values: Any) -> str:
        """The URL of ``endpoint`` (``"view"`` or ``"blueprint.view"``), as Flask's ``url_for``.

        Values that are not rule variables go to the query string; ``_anchor="x"`` adds ``#x``. Inside a request,
        prefer the module-level ``url_for``, which also knows the mount prefix, ``_external=True`` and ``.view``.

        Raises:
            NoMatchFound: No route has that name (the message suggests a near miss).
        """
        return build_url(self, endpoint, values)


async def _not_found(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": 1000, "reason": ""})
        return
    await serve_routing_error(scope, receive, send, HTTPException(status_code=404))


def _tree(blueprint: Blueprint) -> Iterator[Blueprint]:
    yield blueprint
    for child, _, _ in blueprint.children:
        yield from _tree(child)


def build_url(owner: Any, endpoint: str, values: dict[str, Any], request: Request | None = None) -> str:
    """Build a URL for a route name the way Flask's ``url_for`` does.

    Args:
        owner: The app or router whose routes to search.
        endpoint: The route name.
        values: Rule variables, query-string values and ``_anchor``/``_external``/``_scheme``/``_method``.
        request: The current request (for the mount prefix and ``_external``).

    Returns:
        The path (or absolute URL), with query string and anchor.

    Raises:
        NoMatchFound: No route has that name and those variables.
    """
    values = dict(values)
    anchor = values.pop("_anchor", None)
    external = bool(values.pop("_external", False))
    scheme = values.pop("_scheme", None)
    values.pop("_method", None)
    names: set[str] | None = None
    for route in expand_routes(owner.routes):
        if getattr(route, "name", None) == endpoint and hasattr(route, "param_convertors"):
            names = set(route.param_convertors)
            break
    if names is None:
        path_params, query = values, {}
    else:
        path_params = {k: v for k, v in values.items() if k in names}
        query = {k: v for k, v in values.items() if k not in names and v is not None}
    path = str(owner.url_path_for(endpoint, **path_params))
    if request is not None:
        path = request.scope.get("root_path", "") + path
    if query:
        path += "?" + urlencode(query, doseq=True)
    if anchor is not None:
        path += "#" + str(anchor)
    if external:
        if request is None:
            raise RuntimeError(
                f"url_for({endpoint!r}, _external=True) needs the current request to know the host; call it inside "
                "a Flask-style view."
            )
        url = request.url
        path = f"{scheme or url.scheme}://{url.netloc}{path}"
    return path


def url_for(endpoint: str, /, **values: Any) -> str:
    """The URL of ``endpoint``, from inside a Flask-style view (or one of its hooks), as Flask's ``url_for``.

    ``".view"`` names a view of the current blueprint. Values that are not rule variables go to the query string;
    ``_external=True`` gives an absolute URL, ``_anchor`` a fragment.

    Raises:
        RuntimeError: Called outside a Flask-style view; use ``app.url_for(...)`` there.
        NoMatchFound: No route has that name.
    """
    current = current_view()
    if current is None:
        raise RuntimeError(
            f"url_for({endpoint!r}) was called outside a Flask-style view; call app.url_for(...) or "
            "request.url_for(...) instead."
        )
    request, spec = current
    if endpoint.startswith("."):
        endpoint = f"{spec.blueprint}{endpoint}" if spec.blueprint else endpoint[1:]
    owner = request.scope.get("app") or request.scope["router"]
    return build_url(owner, endpoint, values, request)
