"""Live ``include_router``: routes added to a router after it was included are served by the includer too.

FastAPI 0.165 keeps an included router by reference, so a route added to it later is served, in the place of the
``include_router`` call. Zephyr copies routes into the including router (one flat table to match against); this
module keeps those copies in step. Each :class:`Inclusion` records its copies and what comes before them:

- a route appended to an included router gets its copy right after the inclusion's last copy (cheap, the usual case);
- any other change (a copy inserted in the middle by a nested inclusion) rebuilds the inclusion's copies in place.

Either way the change then travels up to the routers that include the including router.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from typing_extensions import Unpack

from zephyr._bodylimit import first_limit
from zephyr._routing.base import BaseRoute
from zephyr._routing.frontend import FrontendMount
from zephyr._routing.options import RouteOptions, pick
from zephyr._routing.plain import Mount, Route, WebSocketRoute
from zephyr._routing.routes import APIRoute, APIWebSocketRoute
from zephyr.exceptions import FastAPIError

__all__ = ("Includer", "Inclusion", "check_inclusion", "copy_route", "include", "rebuild", "route_appended")


class Includer(Protocol):
    """What inclusion needs of a router: ``APIRouter`` has it all (and this module need not import it)."""

    prefix: str
    deprecated: bool | None
    routes: list[BaseRoute]
    default_response_class: Any
    generate_unique_id_function: Any
    strict_content_type: Any
    max_body_size: int | None
    form_limits: dict[str, Any]
    _included: list[Inclusion]
    _inclusions: list[Inclusion]
    _quiet: int

    def mark_dirty(self) -> None: ...

    def add_api_route(
        self,
        path: str,
        endpoint: Callable[..., Any],
        *,
        methods: set[str] | list[str] | None = None,
        route_class_override: type[APIRoute] | None = None,
        **options: Unpack[RouteOptions],
    ) -> None: ...

    def add_api_websocket_route(
        self, path: str, endpoint: Callable[..., Any], name: str | None = None, *, dependencies: Any = None
    ) -> None: ...

    def add_route(
        self,
        path: str,
        endpoint: Callable[..., Any],
        methods: Sequence[str] | None = None,
        name: str | None = None,
        include_in_schema: bool = True,
    ) -> None: ...

    def add_websocket_route(self, path: str, endpoint: Callable[..., Any], name: str | None = None) -> None: ...


@dataclass(eq=False)
class Inclusion:
    """One ``include_router`` call.

    Attributes:
        parent: The including router.
        router: The included router.
        options: The ``include_router`` keyword arguments.
        anchor: What precedes the copies in ``parent.routes``: a route, an earlier inclusion (its copies), or None
            (the copies start the list).
        copies: The routes copied into ``parent.routes``, in order.
    """

    parent: Includer
    router: Includer
    options: dict[str, Any]
    anchor: BaseRoute | Inclusion | None = None
    copies: list[BaseRoute] = field(default_factory=list)


def include(parent: Includer, router: Includer, options: dict[str, Any]) -> None:
    """Copy ``router``'s routes at the end of ``parent.routes`` and keep them in step from now on."""
    inclusion = Inclusion(parent, router, options, anchor=_anchor_at_end(parent))
    parent._included.append(inclusion)
    with _quiet(parent):
        for route in router.routes:
            inclusion.copies.extend(_copy(parent, route, inclusion))
    router._inclusions.append(inclusion)
    if inclusion.copies:
        _propagate(parent, at_end=True, added=inclusion.copies)


def route_appended(router: Includer, route: BaseRoute) -> None:
    """``route`` was appended to ``router.routes``: add its copy to every router that includes ``router``."""
    for inclusion in list(router._inclusions):
        _append_copy(inclusion, route)


def rebuild(inclusion: Inclusion) -> None:
    """Make the inclusion's copies again from the included router's routes, in the same place."""
    parent = inclusion.parent
    routes = parent.routes
    old = {id(route) for route in inclusion.copies}
    with _quiet(parent):
        kept = [route for route in routes if id(route) not in old]
        list.clear(routes)
        list.extend(routes, kept)
        inclusion.copies = []
        start = len(routes)
        for route in inclusion.router.routes:
            _copy(parent, route, inclusion)
        new = list.__getitem__(routes, slice(start, None))
        list.__delitem__(routes, slice(start, None))
        index = _end_index(parent, inclusion)
        list.__setitem__(routes, slice(index, index), new)
        inclusion.copies = new
    parent.mark_dirty()
    _propagate(parent, at_end=False, added=new)


def _propagate(router: Includer, *, at_end: bool, added: list[BaseRoute]) -> None:
    for inclusion in list(router._inclusions):
        if at_end:
            for route in added:
                _append_copy(inclusion, route)
        else:
            rebuild(inclusion)


def _append_copy(inclusion: Inclusion, route: BaseRoute) -> None:
    """Copy a route appended to the included router right after the inclusion's copies so far."""
    parent = inclusion.parent
    with _quiet(parent):
        new = _copy(parent, route, inclusion)
        if not new:
            return
        routes = parent.routes
        list.__delitem__(routes, slice(len(routes) - len(new), None))
        index = _end_index(parent, inclusion)
        list.__setitem__(routes, slice(index, index), new)
        inclusion.copies.extend(new)
    parent.mark_dirty()
    _propagate(parent, at_end=index + len(new) == len(parent.routes), added=new)


def _copy(parent: Includer, route: BaseRoute, inclusion: Inclusion) -> list[BaseRoute]:
    """Add the copy of ``route`` at the end of ``parent.routes`` (quietly) and return what was added."""
    routes = parent.routes
    start = len(routes)
    copy_route(parent, route, inclusion)
    return list(list.__getitem__(routes, slice(start, None)))


def _anchor_at_end(parent: Includer) -> BaseRoute | Inclusion | None:
    routes = parent.routes
    if not routes:
        return None
    last = routes[-1]
    for inclusion in reversed(parent._included):
        if inclusion.copies and inclusion.copies[-1] is last:
            return inclusion
    return last


def _end_index(parent: Includer, inclusion: Inclusion) -> int:
    """Where the next copy of ``inclusion`` goes in ``parent.routes``."""
    routes = parent.routes
    anchor: BaseRoute | Inclusion | None = inclusion.copies[-1] if inclusion.copies else inclusion.anchor
    while True:
        if anchor is None:
            return 0
        if isinstance(anchor, Inclusion):
            if anchor.copies:
                anchor = anchor.copies[-1]
                continue
            anchor = anchor.anchor
            continue
        for index in range(len(routes) - 1, -1, -1):
            if routes[index] is anchor:
                return index + 1
        return len(routes)


class _quiet:  # noqa: N801 - used as a context manager, reads as a phrase
    """Within: route list changes of ``router`` do not propagate (the caller propagates once at the end)."""

    __slots__ = ("router",)

    def __init__(self, router: Includer) -> None:
        self.router = router

    def __enter__(self) -> None:
        self.router._quiet += 1

    def __exit__(self, *exc_info: object) -> None:
        self.router._quiet -= 1


def check_inclusion(parent: Includer, router: Includer, prefix: str) -> None:
    """Refuse an ``include_router`` call FastAPI refuses, saying why.

    Raises:
        FastAPIError: ``router`` is ``parent`` itself, or ``prefix`` (or, without one, a route's path) is malformed.
    """
    if router is parent:
        raise FastAPIError("A router cannot include itself.")
    if prefix:
        if not prefix.startswith("/"):
            raise FastAPIError(f"A path prefix must start with '/'; got {prefix!r}.")
        if prefix.endswith("/"):
            raise FastAPIError(f"A path prefix must not end with '/'; got {prefix!r}. Remove the trailing slash.")
    else:
        for route in router.routes:
            path = getattr(route, "path", None)
            name = getattr(route, "name", None)
            if not path and not isinstance(route, (Mount, FrontendMount)):
                raise FastAPIError(
                    f"Prefix and path cannot be both empty (path operation: {name}). "
                    "Give the router a prefix or the route a path."
                )


def copy_route(parent: Includer, route: BaseRoute, inclusion: Inclusion) -> None:
    """Add the copy of one route of an included router, as ``include_router`` would have."""
    router = inclusion.router
    options = inclusion.options
    prefix: str = options["prefix"]
    tags = options["tags"]
    dependencies = options["dependencies"]
    default_response_class = options["default_response_class"]
    responses = options["responses"]
    callbacks = options["callbacks"]
    deprecated = options["deprecated"]
    include_in_schema = options["include_in_schema"]
    generate_unique_id_function = options["generate_unique_id_function"]
    strict_content_type = options["strict_content_type"]
    if isinstance(route, APIRoute):
        # The route's limits already hold its router's (folded in by add_api_route); then this inclusion's, then
        # the parent router's: FastAPI's order.
        max_body_size = first_limit(route.max_body_size, options.get("max_body_size"), parent.max_body_size)
        form_limits = {**parent.form_limits, **(options.get("form_limits") or {}), **route.form_limits}
        parent.add_api_route(
            prefix + route.path,
            route.endpoint,
            methods=list(route.methods),
            route_class_override=type(route),
            response_model=route.response_model if route.response_model is not None else None,
            status_code=route.status_code,
            tags=[*(tags or []), *route.tags],
            dependencies=[*(dependencies or []), *route.dependencies],
            summary=route.summary,
            description=route.description,
            response_description=route.response_description,
            responses={**(responses or {}), **route.responses},
            deprecated=route.deprecated or deprecated or parent.deprecated,
            operation_id=route.operation_id,
            response_model_include=route.response_model_include,
            response_model_exclude=route.response_model_exclude,
            response_model_by_alias=route.response_model_by_alias,
            response_model_exclude_unset=route.response_model_exclude_unset,
            response_model_exclude_defaults=route.response_model_exclude_defaults,
            response_model_exclude_none=route.response_model_exclude_none,
            include_in_schema=route.include_in_schema and include_in_schema,
            response_class=pick(route.response_class, router.default_response_class, default_response_class),
            name=route.name,
            callbacks=[*(callbacks or []), *(route.callbacks or [])],
            openapi_extra=route.openapi_extra,
            generate_unique_id_function=pick(
                route.generate_unique_id_function,
                router.generate_unique_id_function,
                generate_unique_id_function,
            ),
            strict_content_type=pick(route.strict_content_type, router.strict_content_type, strict_content_type),
            max_body_size=max_body_size,
            form_limits=form_limits,
        )
    elif isinstance(route, APIWebSocketRoute):
        parent.add_api_websocket_route(
            prefix + route.path,
            route.endpoint,
            name=route.name,
            dependencies=[*(dependencies or []), *route.dependencies],
        )
    elif isinstance(route, Route):
        parent.add_route(
            prefix + route.path,
            route.endpoint,
            methods=list(route.methods or []) or None,
            name=route.name,
            include_in_schema=route.include_in_schema,
        )
    elif isinstance(route, WebSocketRoute):
        parent.add_websocket_route(prefix + route.path, route.endpoint, name=route.name)
    elif isinstance(route, Mount):
        parent.routes.append(Mount(parent.prefix + prefix + route.path, route.app, name=route.name))
    elif isinstance(route, FrontendMount):
        parent.routes.append(FrontendMount(parent.prefix + prefix + route.path, route.app, name=route.name))
    else:
        parent.routes.append(route)
