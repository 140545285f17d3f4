"""The routes every app gets: ``/openapi.json``, ``/docs`` (Swagger UI), its OAuth2 redirect, ``/redoc``, ``/scalar``.

The docs pages load their JavaScript, CSS and favicon from the app itself (``docs_assets_url``), so they work offline:
ReDoc and Scalar are vendored in Zephyr, Swagger UI comes from ``swagger-ui-bundle-v2`` (``zephyr[standard]``).
With ``docs_assets_url=None``, or without that package for Swagger UI, they load from the CDN FastAPI uses.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from zephyr.requests import Request
from zephyr.responses import HTMLResponse, JSONResponse, Response
from zephyr.types import ASGIApp

__all__ = ("DocsApp", "add_docs_routes")


class DocsApp(Protocol):
    """What the docs routes read from the app (``Zephyr`` has it all; this module need not import it)."""

    title: str
    openapi_url: str | None
    docs_url: str | None
    redoc_url: str | None
    scalar_url: str | None
    docs_assets_url: str | None
    root_path_in_servers: bool
    swagger_ui_oauth2_redirect_url: str | None
    swagger_ui_init_oauth: dict[str, Any] | None
    swagger_ui_parameters: dict[str, Any] | None
    router: Any  # its ``_low_priority_routes`` take the routes FastAPI has not

    def openapi(self) -> dict[str, Any]: ...

    def add_route(
        self,
        path: str,
        route: Callable[..., Any],
        methods: list[str] | None = None,
        name: str | None = None,
        include_in_schema: bool = True,
    ) -> None: ...

    def mount(self, path: str, app: ASGIApp, name: str | None = None) -> None: ...


def _add_zephyrs_own(app: DocsApp, path: str, endpoint: Any, methods: list[str] | None = None) -> None:
    """Add a docs route FastAPI has not (Scalar's page, the offline assets) as a low-priority route.

    ``app.routes`` holds FastAPI's docs routes only, as on FastAPI: rollbar's ``add_to(app)`` takes over the route
    class only while no other route is there, fastapi-versioning copies every route it finds there. A low-priority
    route is served when no route of ``app.routes`` matches (FastAPI 0.165's ``router._low_priority_routes``), so
    an app's own route at the same path wins; the route table places it once, nothing is looked up per request.
    """
    from zephyr._routing.plain import Route

    app.router._low_priority_routes.append(Route(path, endpoint, methods=methods, include_in_schema=False))


def _root(request: Request) -> str:
    return str(request.scope.get("root_path", "")).rstrip("/")


def _asset_urls(app: DocsApp, root: str) -> dict[str, str]:
    from zephyr.openapi._assets import default_asset_urls

    if app.docs_assets_url is None:
        return default_asset_urls("", assets={})
    return default_asset_urls(root + app.docs_assets_url)


def _redoc_image_policy(app: DocsApp) -> str:
    """Where the offline ReDoc page may load images and fonts from: the app itself, and the document's logo.

    ReDoc's bundle always shows a "Powered by" logo from Redocly's CDN; this policy keeps that request from ever
    leaving the browser (ReDoc then hides the image), while an ``x-logo`` the app put in its document still shows.
    """
    from urllib.parse import urlsplit

    sources = ["'self'", "data:", "blob:"]
    logo = app.openapi().get("info", {}).get("x-logo")
    if isinstance(logo, dict) and isinstance(logo.get("url"), str):
        parts = urlsplit(logo["url"])
        if parts.scheme in ("http", "https") and parts.netloc:
            sources.append(f"{parts.scheme}://{parts.netloc}")
    joined = " ".join(sources)
    return f"img-src {joined}; font-src 'self' data:"


def add_docs_routes(app: DocsApp) -> None:  # noqa: C901 - one block per optional page
    """Register the document and docs routes on ``app`` (not in the schema)."""
    openapi_url = app.openapi_url
    assert openapi_url is not None  # noqa: S101 - only called when the document is enabled

    async def openapi(request: Request) -> Response:
        root = _root(request)
        schema = app.openapi()
        if root and app.root_path_in_servers:
            servers = [s.get("url") for s in schema.get("servers", [])]
            if root not in servers:
                schema = {**schema, "servers": [{"url": root}, *schema.get("servers", [])]}
        return JSONResponse(schema)

    app.add_route(openapi_url, openapi, include_in_schema=False)

    if app.docs_url:
        from zephyr.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html

        async def swagger_ui_html(request: Request) -> HTMLResponse:
            root = _root(request)
            urls = _asset_urls(app, root)
            oauth2_redirect_url = app.swagger_ui_oauth2_redirect_url
            return get_swagger_ui_html(
                openapi_url=root + openapi_url,
                title=f"{app.title} - Swagger UI",
                oauth2_redirect_url=root + oauth2_redirect_url if oauth2_redirect_url else None,
                init_oauth=app.swagger_ui_init_oauth,
                swagger_ui_parameters=app.swagger_ui_parameters,
                swagger_js_url=urls["swagger_js_url"],
                swagger_css_url=urls["swagger_css_url"],
                swagger_favicon_url=urls["swagger_favicon_url"],
            )

        app.add_route(app.docs_url, swagger_ui_html, include_in_schema=False)
        if app.swagger_ui_oauth2_redirect_url:

            async def swagger_ui_redirect(request: Request) -> HTMLResponse:
                return get_swagger_ui_oauth2_redirect_html()

            app.add_route(app.swagger_ui_oauth2_redirect_url, swagger_ui_redirect, include_in_schema=False)

    if app.redoc_url:
        from zephyr.openapi.docs import get_redoc_html

        async def redoc_html(request: Request) -> HTMLResponse:
            root = _root(request)
            urls = _asset_urls(app, root)
            offline = app.docs_assets_url is not None
            page = get_redoc_html(
                openapi_url=root + openapi_url,
                title=f"{app.title} - ReDoc",
                redoc_js_url=urls["redoc_js_url"],
                redoc_favicon_url=urls["redoc_favicon_url"],
                # offline pages load nothing from the internet; ReDoc falls back to the system's fonts
                with_google_fonts=not offline,
            )
            if offline:
                page.headers["content-security-policy"] = _redoc_image_policy(app)
            return page

        app.add_route(app.redoc_url, redoc_html, include_in_schema=False)

    if app.scalar_url:
        from zephyr.openapi.docs import get_scalar_html

        async def scalar_html(request: Request) -> HTMLResponse:
            root = _root(request)
            urls = _asset_urls(app, root)
            return get_scalar_html(
                openapi_url=root + openapi_url,
                title=f"{app.title} - Scalar",
                scalar_js_url=urls["scalar_js_url"],
                scalar_favicon_url=urls["scalar_favicon_url"],
                # Scalar's own fonts come from its CDN: offline pages use the system's
                scalar_config=None if app.docs_assets_url is None else {"withDefaultFonts": False},
            )

        _add_zephyrs_own(app, app.scalar_url, scalar_html)

    if (app.docs_url or app.redoc_url or app.scalar_url) and app.docs_assets_url:
        from zephyr.openapi._assets import DocsStaticApp

        _add_zephyrs_own(app, app.docs_assets_url + "/{asset}", DocsStaticApp(), methods=["GET", "HEAD"])
