"""Jinja2 templates: ``Jinja2Templates`` and its ``TemplateResponse``, as in Starlette/FastAPI.

Jinja2 is an optional dependency (``pip install 'zephyr[templates]'``), imported when ``Jinja2Templates`` is
created. Templates get the ``request`` and a ``url_for(name, **path_params)`` function; HTML templates are
autoescaped.

Example:
    ```python
    from zephyr import FastAPI, Request
    from zephyr.templating import Jinja2Templates

    app = FastAPI()
    templates = Jinja2Templates(directory="templates")


    @app.get("/items/{item_id}")
    def read_item(request: Request, item_id: str):
        return templates.TemplateResponse(request, "item.html", {"item_id": item_id})
    ```
"""

from __future__ import annotations

import difflib
import os
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, overload

from zephyr.exceptions import MissingDependencyError
from zephyr.responses import HTMLResponse

if TYPE_CHECKING:
    import jinja2

    from zephyr.background import BackgroundTask
    from zephyr.datastructures import URL
    from zephyr.requests import Request
    from zephyr.types import Receive, Scope, Send

__all__ = ("Jinja2Templates",)

Directory = str | os.PathLike[str]

_OLD_STYLE = (
    "The `name` is not the first parameter anymore. The first parameter should be the `Request` instance.\n"
    'Replace `TemplateResponse(name, {"request": request})` by `TemplateResponse(request, name)`.'
)
_NO_REQUEST = (
    "The `TemplateResponse` now requires the `request` argument.\n"
    'Replace `TemplateResponse(name, {"context": context})` by `TemplateResponse(request, name)`.'
)


def _import_jinja2() -> Any:
    try:
        import jinja2
    except ImportError as exc:  # pragma: no cover - jinja2 is installed in the test environment
        raise MissingDependencyError("jinja2", "templates", "Jinja2Templates") from exc
    return jinja2


class _TemplateResponse(HTMLResponse):
    """A rendered template; ``template`` and ``context`` stay on it (and on TestClient responses)."""

    __slots__ = ("context", "template")

    def __init__(
        self,
        template: Any,
        context: dict[str, Any],
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
        background: BackgroundTask | None = None,
    ) -> None:
        self.template = template
        self.context = context
        super().__init__(template.render(context), status_code, headers, media_type, background)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Send the response, first telling a test client which template and context made it."""
        if "http.response.debug" in scope.get("extensions", ()):
            await send({"type": "http.response.debug", "info": {"template": self.template, "context": self.context}})
        await super().__call__(scope, receive, send)


class Jinja2Templates:
    """Render Jinja2 templates into HTML responses.

    Pass either ``directory`` (one or several template directories; HTML/XML templates are autoescaped) or a
    ready ``env``. Every template can call ``url_for("route_name", **path_params)``, which builds an absolute URL
    with the request's ``url_for``. Each context processor is called with the request and its dict is merged into
    every template's context.

    Example:
        ```python
        def user_processor(request: Request) -> dict[str, Any]:
            return {"user": request.state.user}


        templates = Jinja2Templates(directory="templates", context_processors=[user_processor])
        ```

    Args:
        directory: The template directory, or a sequence of them (searched in order).
        env: A configured ``jinja2.Environment`` to use instead of ``directory``.
        context_processors: Callables ``request -> dict`` merged into each template's context.

    Raises:
        TypeError: Neither or both of ``directory`` and ``env`` are given.
        MissingDependencyError: Jinja2 is not installed.
    """

    @overload
    def __init__(
        self,
        directory: Directory | Sequence[Directory],
        *,
        context_processors: list[Callable[[Request], dict[str, Any]]] | None = None,
    ) -> None: ...

    @overload
    def __init__(
        self,
        *,
        env: jinja2.Environment,
        context_processors: list[Callable[[Request], dict[str, Any]]] | None = None,
    ) -> None: ...

    def __init__(
        self,
        directory: Directory | Sequence[Directory] | None = None,
        *,
        context_processors: list[Callable[[Request], dict[str, Any]]] | None = None,
        env: jinja2.Environment | None = None,
    ) -> None:
        if bool(directory) == bool(env):
            raise TypeError(
                "Jinja2Templates needs either 'directory' or 'env', not both and not neither: "
                "pass Jinja2Templates(directory='templates') or Jinja2Templates(env=environment)."
            )
        jinja = _import_jinja2()
        self.directory = directory
        self.context_processors = list(context_processors or [])
        if env is None:
            env = jinja.Environment(loader=jinja.FileSystemLoader(directory), autoescape=jinja.select_autoescape())
        self.env: jinja2.Environment = env
        self._setup_env_defaults(env)

    def _setup_env_defaults(self, env: jinja2.Environment) -> None:
        jinja = _import_jinja2()

        @jinja.pass_context  # type: ignore[untyped-decorator]
        def url_for(context: Mapping[str, Any], name: str, /, **path_params: Any) -> URL:
            request: Request = context["request"]
            return request.url_for(name, **path_params)

        env.globals.setdefault("url_for", url_for)

    def get_template(self, name: str) -> jinja2.Template:
        """Load the template called ``name``.

        Raises:
            jinja2.TemplateNotFound: No template has that name; the message names the directories searched and
                near misses.
        """
        jinja = _import_jinja2()
        try:
            return self.env.get_template(name)
        except jinja.TemplateNotFound as exc:
            if exc.name != name:  # a template that ``name`` includes or extends is missing
                raise
            raise jinja.TemplateNotFound(name, message=self._not_found_message(name)) from None

    def _not_found_message(self, name: str) -> str:
        loader = self.env.loader
        searched = getattr(loader, "searchpath", None)
        where = (
            "in " + ", ".join(f"'{path}' (resolved: '{os.path.realpath(path)}')" for path in searched)
            if searched
            else f"by the environment's loader {loader!r}"
        )
        message = f"Template {name!r} not found {where}."
        try:
            available = self.env.list_templates()
        except TypeError:  # the loader cannot list its templates
            available = []
        close = difflib.get_close_matches(name, available, n=3)
        if close:
            message += " Did you mean " + " or ".join(repr(match) for match in close) + "?"
        return message

    @overload
    def TemplateResponse(
        self,
        request: Request,
        name: str,
        context: dict[str, Any] | None = None,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
        background: BackgroundTask | None = None,
    ) -> _TemplateResponse: ...

    @overload
    def TemplateResponse(
        self,
        name: str,
        context: dict[str, Any] | None = None,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
        background: BackgroundTask | None = None,
    ) -> _TemplateResponse: ...

    def TemplateResponse(self, *args: Any, **kwargs: Any) -> _TemplateResponse:  # noqa: N802 - Starlette's name
        """Render a template into an HTML response.

        Call it as ``TemplateResponse(request, name, context=None, status_code=200, headers=None, media_type=None,
        background=None)``. The old ``TemplateResponse(name, {"request": request, ...})`` form still works, with a
        ``DeprecationWarning``. ``request`` is added to the context, then each context processor's values.

        Returns:
            The response, with ``template`` and ``context`` attributes.

        Raises:
            ValueError: The old form without a ``"request"`` in the context.
            jinja2.TemplateNotFound: No such template.
        """
        request, name, context, options = _arguments(args, kwargs)
        context.setdefault("request", request)
        for processor in self.context_processors:
            context.update(processor(request))
        return _TemplateResponse(self.get_template(name), context, **options)


_OPTIONS = ("status_code", "headers", "media_type", "background")


def _arguments(args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, str, dict[str, Any], dict[str, Any]]:
    """Sort out the new (request first) and the deprecated (name first) call forms."""
    if (args and isinstance(args[0], str)) or (not args and "request" not in kwargs):
        warnings.warn(_OLD_STYLE if args else _NO_REQUEST, DeprecationWarning, stacklevel=3)
        values = dict(zip(("name", "context", *_OPTIONS), args, strict=False))
        values.update(kwargs)
        context = values.get("context") or {}
        if "request" not in context:
            raise ValueError('context must include a "request" key')
        if "name" not in values:
            raise TypeError("TemplateResponse() needs the template name: TemplateResponse(request, 'page.html').")
        return context["request"], values["name"], context, {k: values[k] for k in _OPTIONS if k in values}
    names = ("request", "name", "context", *_OPTIONS)
    if len(args) > len(names):
        raise TypeError(f"TemplateResponse() takes at most {len(names)} positional arguments ({len(args)} given).")
    values = dict(zip(names, args, strict=False))
    for key, value in kwargs.items():
        if key in values or key not in names:
            problem = "got multiple values for" if key in values else "got an unexpected keyword"
            raise TypeError(f"TemplateResponse() {problem} argument {key!r}.")
        values[key] = value
    if "name" not in values:
        raise TypeError("TemplateResponse() needs the template name: TemplateResponse(request, 'page.html').")
    options = {k: values[k] for k in _OPTIONS if k in values}
    return values["request"], values["name"], values.get("context") or {}, options
