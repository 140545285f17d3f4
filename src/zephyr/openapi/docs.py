"""The interactive API documentation pages: Swagger UI, ReDoc and Scalar.

Each function returns an ``HTMLResponse`` with a small page that loads the documentation UI's JavaScript and points
it at the OpenAPI document. ``get_swagger_ui_html``, ``get_redoc_html`` and ``get_swagger_ui_oauth2_redirect_html``
produce the same HTML as FastAPI's functions of the same names for the same arguments; ``get_scalar_html`` is ours.

The JavaScript and CSS come from the jsDelivr CDN by default, as in FastAPI. When the optional package
``swagger-ui-bundle-v2`` is installed (``pip install 'zephyr[standard]'``), the app serves Swagger UI's files itself
and passes their local URLs (see ``zephyr.openapi._assets.default_asset_urls``), so ``/docs`` works offline.

Example:
    ```python
    from zephyr import FastAPI
    from zephyr.openapi.docs import get_swagger_ui_html

    app = FastAPI(docs_url=None)


    @app.get("/docs", include_in_schema=False)
    async def docs():
        return get_swagger_ui_html(openapi_url="/openapi.json", title="Shop - docs")
    ```
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from zephyr.openapi._assets import (
    FAVICON_CDN_URL,
    REDOC_JS_CDN_URL,
    SCALAR_JS_CDN_URL,
    SWAGGER_CSS_CDN_URL,
    SWAGGER_JS_CDN_URL,
)

if TYPE_CHECKING:
    from zephyr.responses import HTMLResponse

__all__ = (
    "get_redoc_html",
    "get_scalar_html",
    "get_swagger_ui_html",
    "get_swagger_ui_oauth2_redirect_html",
    "swagger_ui_default_parameters",
)

swagger_ui_default_parameters: dict[str, Any] = {
    "dom_id": "#swagger-ui",
    "layout": "BaseLayout",
    "deepLinking": True,
    "showExtensions": True,
    "showCommonExtensions": True,
}
"""The Swagger UI configuration used unless overridden key by key with ``swagger_ui_parameters``."""


def _jsonable(value: Any) -> Any:
    # The lead's encoder knows every type a route can return; fall back to Pydantic's while it is not there.
    try:
        from zephyr.encoders import jsonable_encoder
    except ImportError:  # pragma: no cover - only before zephyr.encoders exists
        from pydantic_core import to_jsonable_python

        return to_jsonable_python(value)
    return jsonable_encoder(value)


def _script_json(value: Any) -> str:
    """Serialize ``value`` as JSON that cannot end a ``<script>`` element or open a comment in it."""
    return json.dumps(_jsonable(value)).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _html_response(content: str) -> HTMLResponse:
    from zephyr.responses import HTMLResponse

    return HTMLResponse(content)


_SWAGGER_HEAD = """
    <!DOCTYPE html>
    <html>
    <head>
    <meta name="viewport" content="width=device-width, initial-scale=1.0">
    <link type="text/css" rel="stylesheet" href="{css}">
    <link rel="shortcut icon" href="{favicon}">
    <title>{title}</title>
    </head>
    <body>
    <div id="swagger-ui">
    </div>
    <script src="{js}"></script>
    <!-- `SwaggerUIBundle` is now available on the page -->
    <script>
    const ui = SwaggerUIBundle({{
        url: '{openapi_url}',
    """

_SWAGGER_PRESETS = """
    presets: [
        SwaggerUIBundle.presets.apis,
        SwaggerUIBundle.SwaggerUIStandalonePreset
        ],
    })"""

_SWAGGER_INIT_OAUTH = """
        ui.initOAuth({init_oauth})
        """

_SWAGGER_TAIL = """
    </script>
    </body>
    </html>
    """


def get_swagger_ui_html(
    *,
    openapi_url: str,
    title: str,
    swagger_js_url: str = SWAGGER_JS_CDN_URL,
    swagger_css_url: str = SWAGGER_CSS_CDN_URL,
    swagger_favicon_url: str = FAVICON_CDN_URL,
    oauth2_redirect_url: str | None = None,
    init_oauth: dict[str, Any] | None = None,
    swagger_ui_parameters: dict[str, Any] | None = None,
) -> HTMLResponse:
    """Return the page that runs Swagger UI on the OpenAPI document (normally served at ``/docs``).

    The values are inserted as given, as FastAPI does: pass trusted strings only (never request data).

    Args:
        openapi_url: URL of the OpenAPI document that Swagger UI loads.
        title: The page's ``<title>``.
        swagger_js_url: URL of ``swagger-ui-bundle.js``.
        swagger_css_url: URL of ``swagger-ui.css``.
        swagger_favicon_url: URL of the page's icon.
        oauth2_redirect_url: Path of the OAuth2 redirect page (see ``get_swagger_ui_oauth2_redirect_html``); the
            page's origin is prepended in the browser.
        init_oauth: Options for Swagger UI's ``initOAuth`` (``clientId``, ``usePkceWithAuthorizationCodeGrant``, ...).
        swagger_ui_parameters: Swagger UI options that override ``swagger_ui_default_parameters`` key by key.

    Returns:
        The HTML page.
    """
    parameters = dict(swagger_ui_default_parameters)
    if swagger_ui_parameters:
        parameters.update(swagger_ui_parameters)
    parts = [
        _SWAGGER_HEAD.format(
            css=swagger_css_url, favicon=swagger_favicon_url, title=title, js=swagger_js_url, openapi_url=openapi_url
        )
    ]
    parts.extend(f"{_script_json(key)}: {_script_json(value)},\n" for key, value in parameters.items())
    if oauth2_redirect_url:
        parts.append(f"oauth2RedirectUrl: window.location.origin + '{oauth2_redirect_url}',")
    parts.append(_SWAGGER_PRESETS)
    if init_oauth:
        parts.append(_SWAGGER_INIT_OAUTH.format(init_oauth=_script_json(init_oauth)))
    parts.append(_SWAGGER_TAIL)
    return _html_response("".join(parts))


_REDOC_HEAD = """
    <!DOCTYPE html>
    <html>
    <head>
    <title>{title}</title>
    <!-- needed for adaptive design -->
    <meta charset="utf-8"/>
    <meta name="viewport" content="width=device-width, initial-scale=1">
    """

_REDOC_FONTS = """
    <link href="https://fonts.googleapis.com/css?family=Montserrat:300,400,700|Roboto:300,400,700" rel="stylesheet">
    """

_REDOC_BODY = """
    <link rel="shortcut icon" href="{favicon}">
    <!--
    ReDoc doesn't change outer page styles
    -->
    <style>
      body {{
        margin: 0;
        padding: 0;
      }}
    </style>
    </head>
    <body>
    <noscript>
        ReDoc requires Javascript to function. Please enable it to browse the documentation.
    </noscript>
    <redoc spec-url="{openapi_url}"></redoc>
    <script src="{js}"> </script>
    </body>
    </html>
    """


def get_redoc_html(
    *,
    openapi_url: str,
    title: str,
    redoc_js_url: str = REDOC_JS_CDN_URL,
    redoc_favicon_url: str = FAVICON_CDN_URL,
    with_google_fonts: bool = True,
) -> HTMLResponse:
    """Return the page that runs ReDoc on the OpenAPI document (normally served at ``/redoc``).

    The values are inserted as given, as FastAPI does: pass trusted strings only (never request data).

    Args:
        openapi_url: URL of the OpenAPI document that ReDoc loads.
        title: The page's ``<title>``.
        redoc_js_url: URL of ``redoc.standalone.js``.
        redoc_favicon_url: URL of the page's icon.
        with_google_fonts: Load the Montserrat and Roboto fonts from Google Fonts.

    Returns:
        The HTML page.
    """
    page = _REDOC_HEAD.format(title=title)
    if with_google_fonts:
        page += _REDOC_FONTS
    page += _REDOC_BODY.format(favicon=redoc_favicon_url, openapi_url=openapi_url, js=redoc_js_url)
    return _html_response(page)


_SCALAR_PAGE = """<!DOCTYPE html>
<html>
<head>
<title>{title}</title>
<meta charset="utf-8"/>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="shortcut icon" href="{favicon}">
</head>
<body>
<noscript>Scalar requires JavaScript to function. Please enable it to browse the documentation.</noscript>
<div id="app"></div>
<script src="{js}"></script>
<script>
Scalar.createApiReference("#app", {config})
</script>
</body>
</html>
"""


def get_scalar_html(
    *,
    openapi_url: str,
    title: str,
    scalar_js_url: str = SCALAR_JS_CDN_URL,
    scalar_favicon_url: str = FAVICON_CDN_URL,
    scalar_config: dict[str, Any] | None = None,
) -> HTMLResponse:
    """Return the page that runs the Scalar API reference on the OpenAPI document.

    Unlike the FastAPI-compatible pages, this one escapes ``title`` and the URLs for HTML and passes the
    configuration as JSON that is safe inside ``<script>``.

    Example:
        ```python
        @app.get("/scalar", include_in_schema=False)
        async def scalar():
            return get_scalar_html(openapi_url=app.openapi_url, title=app.title, scalar_config={"theme": "moon"})
        ```

    Args:
        openapi_url: URL of the OpenAPI document that Scalar loads.
        title: The page's ``<title>``.
        scalar_js_url: URL of Scalar's ``@scalar/api-reference`` standalone script.
        scalar_favicon_url: URL of the page's icon.
        scalar_config: Extra Scalar configuration (``theme``, ``layout``, ``hideModels``, ...), merged over
            ``{"url": openapi_url}``.

    Returns:
        The HTML page.
    """
    import html  # here: every app imports this module when it adds its docs routes; few serve this page

    config: dict[str, Any] = {"url": openapi_url}
    if scalar_config:
        config.update(scalar_config)
    page = _SCALAR_PAGE.format(
        title=html.escape(title),
        favicon=html.escape(scalar_favicon_url),
        js=html.escape(scalar_js_url),
        config=_script_json(config),
    )
    return _html_response(page)


# Swagger UI's dist/oauth2-redirect.html of v4.14.0 (Apache-2.0), as FastAPI serves it, so the page is identical.
_OAUTH2_REDIRECT_PAGE = """
    <!doctype html>
    <html lang="en-US">
    <head>
        <title>Swagger UI: OAuth2 Redirect</title>
    </head>
    <body>
    <script>
        'use strict';
        function run () {
            var oauth2 = window.opener.swaggerUIRedirectOauth2;
            var sentState = oauth2.state;
            var redirectUrl = oauth2.redirectUrl;
            var isValid, qp, arr;

            if (/code|token|error/.test(window.location.hash)) {
                qp = window.location.hash.substring(1).replace('?', '&');
            } else {
                qp = location.search.substring(1);
            }

            arr = qp.split("&");
            arr.forEach(function (v,i,_arr) { _arr[i] = '"' + v.replace('=', '":"') + '"';});
            qp = qp ? JSON.parse('{' + arr.join() + '}',
                    function (key, value) {
                        return key === "" ? value : decodeURIComponent(value);
                    }
            ) : {};

            isValid = qp.state === sentState;

            if ((
              oauth2.auth.schema.get("flow") === "accessCode" ||
              oauth2.auth.schema.get("flow") === "authorizationCode" ||
              oauth2.auth.schema.get("flow") === "authorization_code"
            ) && !oauth2.auth.code) {
                if (!isValid) {
                    oauth2.errCb({
                        authId: oauth2.auth.name,
                        source: "auth",
                        level: "warning",
                        message: "Authorization may be unsafe, passed state was changed in server. The passed state wasn't returned from auth server."
                    });
                }

                if (qp.code) {
                    delete oauth2.state;
                    oauth2.auth.code = qp.code;
                    oauth2.callback({auth: oauth2.auth, redirectUrl: redirectUrl});
                } else {
                    let oauthErrorMsg;
                    if (qp.error) {
                        oauthErrorMsg = "["+qp.error+"]: " +
                            (qp.error_description ? qp.error_description+ ". " : "no accessCode received from the server. ") +
                            (qp.error_uri ? "More info: "+qp.error_uri : "");
                    }

                    oauth2.errCb({
                        authId: oauth2.auth.name,
                        source: "auth",
                        level: "error",
                        message: oauthErrorMsg || "[Authorization failed]: no accessCode received from the server."
                    });
                }
            } else {
                oauth2.callback({auth: oauth2.auth, token: qp, isValid: isValid, redirectUrl: redirectUrl});
            }
            window.close();
        }

        if (document.readyState !== 'loading') {
            run();
        } else {
            document.addEventListener('DOMContentLoaded', function () {
                run();
            });
        }
    </script>
    </body>
    </html>
        """  # noqa: E501 - verbatim third-party page


def get_swagger_ui_oauth2_redirect_html() -> HTMLResponse:
    """Return the page that Swagger UI's OAuth2 login redirects back to (normally ``/docs/oauth2-redirect``).

    Returns:
        The HTML page, which hands the token or code back to the Swagger UI window that opened it.
    """
    return _html_response(_OAUTH2_REDIRECT_PAGE)
