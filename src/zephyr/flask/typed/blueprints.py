"""Flask-style route decorators and hooks (``Scaffold``), and ``Blueprint``.

Example:
    ```python
    from zephyr.flask.typed import Blueprint

    users = Blueprint("users", __name__, url_prefix="/users")

    @users.route("/<int:user_id>", methods=["GET", "POST"])
    def show(user_id: int):
        return {"id": user_id}

    @users.before_request
    def check():
        ...

    app.register_blueprint(users)  # on a zephyr.flask.Flask app, or app.include_router(users) on any app
    ```
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, NamedTuple, TypeVar

from zephyr.exceptions import FastAPIError
from zephyr.flask.typed.hooks import FlaskRoute, Hooks, ViewSpec, make_view
from zephyr.flask.typed.rules import convert_rule, join_rule
from zephyr.routing import APIRouter

__all__ = ("Blueprint", "FlaskRule", "Scaffold")

F = TypeVar("F", bound=Callable[..., Any])

_FLASK_ONLY_OPTIONS = frozenset(
    {
        "alias",
        "build_only",
        "defaults",
        "host",
        "merge_slashes",
        "provide_automatic_options",
        "redirect_to",
        "strict_slashes",
        "subdomain",
        "websocket",
    }
)


class FlaskRule(NamedTuple):
    """One ``route``/``add_url_rule`` call, kept so a blueprint can be registered under any prefix and name."""

    rule: str
    endpoint: str
    view_func: Callable[..., Any]
    methods: list[str]
    options: dict[str, Any]


def _methods(methods: Any) -> list[str]:
    if methods is None:
        return ["GET"]
    if isinstance(methods, str):
        raise TypeError(
            f"Allowed methods must be a list of strings, for example: @route(..., methods=[{methods!r}]); "
            f"got the string {methods!r}."
        )
    return list(dict.fromkeys(str(m).upper() for m in methods))


class Scaffold:
    """The Flask decorators shared by the ``Flask`` app and ``Blueprint``: routes, hooks and error handlers.

    Routes accept Flask rules (``/users/<int:user_id>``) and any Zephyr route option (``tags``, ``summary``,
    ``dependencies``, ``status_code``...); Flask-only rule options (``defaults``, ``subdomain``, ``strict_slashes``...)
    raise an error that says so.
    """

    flask_hooks: Hooks
    view_functions: dict[str, Callable[..., Any]]

    def _register_view(self, rule: FlaskRule) -> None:
        raise NotImplementedError

    # -- routes ---------------------------------------------------------------------------------------------------

    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: Callable[..., Any] | None = None,
        **options: Any,
    ) -> None:
        """Register ``view_func`` for ``rule``, as Flask's ``add_url_rule``.

        Args:
            rule: A Flask rule such as ``"/users/<int:user_id>"``.
            endpoint: The endpoint name for ``url_for`` (defaults to the function's name).
            view_func: The view.
            **options: ``methods=[...]`` and Zephyr route options.

        Raises:
            FastAPIError: A Flask-only option, an invalid rule, a missing view, or an endpoint name already used by
                another function.
        """
        if view_func is None:
            raise FastAPIError(f"add_url_rule({rule!r}) needs a view_func; Zephyr has no endpoint-only rules.")
        unsupported = sorted(_FLASK_ONLY_OPTIONS.intersection(options))
        if unsupported:
            raise FastAPIError(
                f"Route option(s) {unsupported} of {rule!r} are Flask/Werkzeug rule options Zephyr does not support; "
                "remove them (query-string or Path defaults go on the view's parameters)."
            )
        name = endpoint or getattr(view_func, "__name__", None)
        if not name:
            raise FastAPIError(f"add_url_rule({rule!r}): give an endpoint= name for {view_func!r}.")
        if "." in name:
            raise FastAPIError(f"The endpoint name {name!r} may not contain a dot '.'; use a plain name.")
        convert_rule(rule)  # errors at registration, not at the first request
        existing = self.view_functions.get(name)
        if existing is not None and existing is not view_func:
            raise FastAPIError(
                f"View function mapping is overwriting an existing endpoint function: {name!r}. Give one of the "
                "views another name or an explicit endpoint=."
            )
        self.view_functions[name] = view_func
        methods = _methods(options.pop("methods", None))
        self._register_view(FlaskRule(rule, name, view_func, methods, options))

    def route(self, rule: str, **options: Any) -> Callable[[F], F]:
        """Decorator registering a view for ``rule`` (``methods=["GET", "POST"]``; GET by default).

        Returns:
            A decorator that registers the view and returns it unchanged.
        """

        def decorator(func: F) -> F:
            rest = dict(options)
            endpoint = rest.pop("endpoint", None)
            self.add_url_rule(rule, endpoint, func, **rest)
            return func

        return decorator

    def _method_route(self, method: str, rule: str, options: dict[str, Any]) -> Callable[[F], F]:
        if "methods" in options:
            raise TypeError(f"Use the 'route' decorator to pass 'methods'; .{method.lower()}() is {method} only.")
        return self.route(rule, methods=[method], **options)

    def get(self, rule: str, **options: Any) -> Callable[[F], F]:
        """Shortcut for ``route(rule, methods=["GET"])``."""
        return self._method_route("GET", rule, options)

    def post(self, rule: str, **options: Any) -> Callable[[F], F]:
        """Shortcut for ``route(rule, methods=["POST"])``."""
        return self._method_route("POST", rule, options)

    def put(self, rule: str, **options: Any) -> Callable[[F], F]:
        """Shortcut for ``route(rule, methods=["PUT"])``."""
        return self._method_route("PUT", rule, options)

    def delete(self, rule: str, **options: Any) -> Callable[[F], F]:
        """Shortcut for ``route(rule, methods=["DELETE"])``."""
        return self._method_route("DELETE", rule, options)

    def patch(self, rule: str, **options: Any) -> Callable[[F], F]:
        """Shortcut for ``route(rule, methods=["PATCH"])``."""
        return self._method_route("PATCH", rule, options)

    # -- hooks ----------------------------------------------------------------------------------------------------

    def before_request(self, func: F) -> F:
        """Run ``func()`` (or ``func(request)``) before each view; a non-``None`` return value answers the request."""
        self.flask_hooks.add_before(func)
        return func

    def after_request(self, func: F) -> F:
        """Run ``func(response)`` after each view; it returns the response to send (the same or a new one)."""
        self.flask_hooks.add_after(func)
        return func

    def teardown_request(self, func: F) -> F:
        """Run ``func(exc)`` at the end of each request, with the unhandled exception or ``None``."""
        self.flask_hooks.add_teardown(func)
        return func

    def errorhandler(self, code_or_exception: int | type[BaseException]) -> Callable[[F], F]:
        """Decorator registering ``func(exc)`` for an HTTP error code or an exception class.

        Returns:
            A decorator that registers the handler and returns it unchanged.
        """

        def decorator(func: F) -> F:
            self.register_error_handler(code_or_exception, func)
            return func

        return decorator

    def register_error_handler(self, code_or_exception: int | type[BaseException], func: Callable[..., Any]) -> None:
        """Non-decorator form of ``errorhandler``."""
        self.flask_hooks.add_error_handler(code_or_exception, func)


class Blueprint(Scaffold, APIRouter):  # type: ignore[misc]
    """A group of Flask-style views and hooks, registered on an app with a URL prefix and a name.

    It is also an ``APIRouter``: ``app.include_router(bp)`` works on any Zephyr/FastAPI app (the blueprint's hooks
    still run; the app-level Flask hooks exist only on ``zephyr.flask.Flask``).

    Example:
        ```python
        admin = Blueprint("admin", __name__, url_prefix="/admin")

        @admin.get("/users/<int:user_id>")
        def user(user_id: int):
            return {"id": user_id}

        app.register_blueprint(admin)  # url_for("admin.user", user_id=1) == "/admin/users/1"
        ```

    Args:
        name: The blueprint's name, the prefix of its endpoint names (``"users.show"``).
        import_name: The blueprint's module (``__name__``), as in Flask.
        url_prefix: The prefix of every rule (``register_blueprint(url_prefix=...)`` overrides it).
        **router_options: ``APIRouter`` options (``tags``, ``dependencies``, ``responses``...).

    Raises:
        ValueError: ``name`` is empty or contains a dot.
    """

    def __init__(self, name: str, import_name: str, url_prefix: str | None = None, **router_options: Any) -> None:
        if not name:
            raise ValueError("'name' may not be empty: give the blueprint a name such as 'users'.")
        if "." in name:
            raise ValueError(f"'name' may not contain a dot '.' character; got {name!r}.")
        APIRouter.__init__(self, **router_options)
        self.name = name
        self.import_name = import_name
        self.url_prefix = url_prefix
        self.flask_hooks = Hooks(name)
        self.app_hooks = Hooks(name)
        """Hooks registered with ``before_app_request`` & co., added to the app's own on registration."""
        self.view_functions: dict[str, Callable[..., Any]] = {}
        self.deferred: list[FlaskRule] = []
        self.children: list[tuple[Blueprint, str | None, str | None]] = []

    def _register_view(self, rule: FlaskRule) -> None:
        self.deferred.append(rule)
        # The blueprint as an APIRouter (for include_router): its own and nested views, under its own prefix.
        endpoint = f"{self.name}.{rule.endpoint}"
        add_flask_route(self, join_rule(self.url_prefix, rule.rule), rule, endpoint, self.name, (self.flask_hooks,))

    def register_blueprint(
        self, blueprint: Blueprint, *, url_prefix: str | None = None, name: str | None = None
    ) -> None:
        """Nest ``blueprint`` in this one: its endpoints become ``"parent.child.view"`` and both hook sets apply.

        Args:
            blueprint: The child blueprint (register its views first).
            url_prefix: Overrides the child's own ``url_prefix``.
            name: Overrides the child's name (to register one blueprint twice).

        Raises:
            ValueError: ``blueprint`` is this blueprint.
        """
        if blueprint is self:
            raise ValueError("Cannot register a blueprint on itself.")
        self.children.append((blueprint, url_prefix, name))
        for entry in blueprint.flatten(url_prefix, name or blueprint.name, ()):
            add_flask_route(
                self,
                join_rule(self.url_prefix, entry.rule),
                entry.flask_rule,
                f"{self.name}.{entry.endpoint}",
                f"{self.name}.{entry.blueprint}",
                (*entry.chain, self.flask_hooks),
            )

    def flatten(self, url_prefix: str | None, name: str, outer: Sequence[Hooks]) -> Iterator[FlatRule]:
        """Every view of this blueprint and its children, with its full rule, endpoint name and hook chain.

        Args:
            url_prefix: The prefix to use instead of ``self.url_prefix`` (``None``: keep it).
            name: The blueprint's registered (dotted) name.
            outer: The hooks of the enclosing blueprints, innermost first.
        """
        prefix = self.url_prefix if url_prefix is None else url_prefix
        chain = (self.flask_hooks, *outer)
        for rule in self.deferred:
            yield FlatRule(join_rule(prefix, rule.rule), f"{name}.{rule.endpoint}", name, rule, chain)
        for child, child_prefix, child_name in self.children:
            own = child.url_prefix if child_prefix is None else child_prefix
            yield from child.flatten(join_rule(prefix, own or ""), f"{name}.{child_name or child.name}", chain)

    # -- hooks on the app, declared on the blueprint ------------------------------------------------------------

    def before_app_request(self, func: F) -> F:
        """Like ``before_request``, for every request of the app this blueprint is registered on."""
        self.app_hooks.add_before(func)
        return func

    def after_app_request(self, func: F) -> F:
        """Like ``after_request``, for every request of the app."""
        self.app_hooks.add_after(func)
        return func

    def teardown_app_request(self, func: F) -> F:
        """Like ``teardown_request``, for every request of the app."""
        self.app_hooks.add_teardown(func)
        return func

    def app_errorhandler(self, code_or_exception: int | type[BaseException]) -> Callable[[F], F]:
        """Like ``errorhandler``, for the whole app.

        Returns:
            A decorator that registers the handler and returns it unchanged.
        """

        def decorator(func: F) -> F:
            self.app_hooks.add_error_handler(code_or_exception, func)
            return func

        return decorator


class FlatRule(NamedTuple):
    """A blueprint view resolved for one registration: full rule, endpoint, blueprint name and hook chain."""

    rule: str
    endpoint: str
    blueprint: str
    flask_rule: FlaskRule
    chain: tuple[Hooks, ...]


def add_flask_route(
    router: Any, rule_text: str, rule: FlaskRule, endpoint: str, blueprint: str, chain: Sequence[Hooks]
) -> None:
    """Add a Flask-style view to a Zephyr app or router, with ``FlaskRoute`` and its hook chain.

    Args:
        router: The app or router (anything with ``add_api_route``).
        rule_text: The full Flask rule.
        rule: The recorded rule (view, methods, options).
        endpoint: The full endpoint name (the route name).
        blueprint: The dotted blueprint name, or ``""``.
        chain: The blueprints' hooks, innermost first.
    """
    spec = ViewSpec(endpoint, blueprint, chain, rule.methods)
    options = dict(rule.options)
    options.setdefault("name", endpoint)
    path = convert_rule(rule_text)
    view = make_view(rule.view_func, spec)
    # One route per method: each gets its own OpenAPI operation id (one route for GET and POST would warn
    # "Duplicate Operation ID", as FastAPI does); FlaskRoute answers a 405 with every method of the rule.
    for method in rule.methods:
        router.add_api_route(path, view, methods=[method], route_class_override=FlaskRoute, **options)
