"""The routes every app gets: ``/openapi.json``, ``/docs`` (Swagger UI), its OAuth2 redirect, ``/redoc``, ``/scalar``.

The docs pages load their JavaScript and CSS from the app itself when a package shipping them is installed
(``zephyr[standard]`` installs one), so they work offline; otherwise from the CDN FastAPI uses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from zephyr.requests import Request
from zephyr.responses import HTMLResponse, JSONResponse, Response

if TYPE_CHECKING:
    from zephyr.applications import Zephyr


def _root(request: Request) -> str:
    return str(request.scope.get("root_path", "")).rstrip("/")


def _asset_urls(app: Zephyr, root: str) -> dict[str, str]:
    from zephyr.openapi._assets import default_asset_urls, local_assets

    if app.docs_assets_url is None:
        return default_asset_urls("", assets={})
    return default_asset_urls(root + app.docs_assets_url, assets=local_assets())


def add_docs_routes(app: Zephyr) -> None:  # noqa: C901 - one block per optional page
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
            return get_redoc_html(
                openapi_url=root + openapi_url,
                title=f"{app.title} - ReDoc",
                redoc_js_url=urls["redoc_js_url"],
                redoc_favicon_url=urls["redoc_favicon_url"],
            )

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
            )

        app.add_route(app.scalar_url, scalar_html, include_in_schema=False)

    if (app.docs_url or app.redoc_url or app.scalar_url) and app.docs_assets_url:
        from zephyr.openapi._assets import DocsStaticApp

        app.mount(app.docs_assets_url, DocsStaticApp())
