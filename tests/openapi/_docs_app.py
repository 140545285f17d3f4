"""A bare ASGI app serving the three docs pages with the offline Swagger UI assets, for the browser test."""

from __future__ import annotations

from typing import Any

from zephyr.openapi._assets import default_asset_urls, docs_static_app
from zephyr.openapi.docs import get_redoc_html, get_scalar_html, get_swagger_ui_html
from zephyr.responses import JSONResponse, PlainTextResponse
from zephyr.types import Receive, Scope, Send

STATIC = "/static"
URLS = default_asset_urls(STATIC)
TITLE = "Offline Shop"

OPENAPI: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": TITLE, "version": "1.0.0"},
    "paths": {
        "/items/{item_id}": {
            "get": {
                "tags": ["items"],
                "summary": "Read Item",
                "operationId": "read_item_items__item_id__get",
                "parameters": [{"name": "item_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
                "responses": {"200": {"description": "Successful Response"}},
            }
        }
    },
}


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    path = scope["path"]
    if path.startswith(STATIC + "/"):
        await docs_static_app({**scope, "root_path": scope.get("root_path", "") + STATIC}, receive, send)
        return
    response: Any
    if path == "/docs":
        response = get_swagger_ui_html(
            openapi_url="/openapi.json",
            title=TITLE,
            swagger_js_url=URLS["swagger_js_url"],
            swagger_css_url=URLS["swagger_css_url"],
            swagger_favicon_url=URLS["swagger_favicon_url"],
        )
    elif path == "/redoc":
        response = get_redoc_html(openapi_url="/openapi.json", title=TITLE)
    elif path == "/scalar":
        response = get_scalar_html(openapi_url="/openapi.json", title=TITLE)
    elif path == "/openapi.json":
        response = JSONResponse(OPENAPI)
    else:
        response = PlainTextResponse("Not Found", status_code=404)
    await response(scope, receive, send)
