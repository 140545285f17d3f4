from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.openapi import docs as fastapi_docs

from zephyr.openapi import docs
from zephyr.responses import HTMLResponse

SWAGGER_CASES: list[dict[str, Any]] = [
    {"openapi_url": "/openapi.json", "title": "Shop - Swagger UI"},
    {
        "openapi_url": "/api/openapi.json",
        "title": "Shop",
        "oauth2_redirect_url": "/docs/oauth2-redirect",
        "init_oauth": {"clientId": "shop", "scopes": ["a", "b"], "usePkceWithAuthorizationCodeGrant": True},
    },
    {
        "openapi_url": "/openapi.json",
        "title": "Shop",
        "swagger_js_url": "/static/swagger-ui-bundle.js",
        "swagger_css_url": "/static/swagger-ui.css",
        "swagger_favicon_url": "/static/favicon.png",
        "swagger_ui_parameters": {"deepLinking": False, "syntaxHighlight": {"theme": "obsidian"}, "filter": None},
    },
    # values that would close the <script> element are escaped inside the JSON, as FastAPI does
    {
        "openapi_url": "/openapi.json",
        "title": "Shop",
        "init_oauth": {"appName": "</script><script>alert(1)</script>&"},
        "swagger_ui_parameters": {"x": "<!--"},
    },
]

REDOC_CASES: list[dict[str, Any]] = [
    {"openapi_url": "/openapi.json", "title": "Shop - ReDoc"},
    {"openapi_url": "/openapi.json", "title": "Shop", "with_google_fonts": False},
    {"openapi_url": "/o.json", "title": "Shop", "redoc_js_url": "/static/redoc.js", "redoc_favicon_url": "/f.png"},
]


def text(body: bytes | memoryview) -> str:
    return bytes(body).decode()


def headers_of(response: Any) -> list[tuple[bytes, bytes]]:
    return sorted(response.raw_headers)


@pytest.mark.parametrize("kwargs", SWAGGER_CASES)
def test_swagger_ui_html_is_fastapis_byte_for_byte(kwargs: dict[str, Any]) -> None:
    ours = docs.get_swagger_ui_html(**kwargs)
    theirs = fastapi_docs.get_swagger_ui_html(**kwargs)
    assert isinstance(ours, HTMLResponse)
    assert ours.body == theirs.body
    assert ours.status_code == 200
    assert headers_of(ours) == headers_of(theirs)


@pytest.mark.parametrize("kwargs", REDOC_CASES)
def test_redoc_html_is_fastapis_byte_for_byte(kwargs: dict[str, Any]) -> None:
    ours = docs.get_redoc_html(**kwargs)
    theirs = fastapi_docs.get_redoc_html(**kwargs)
    assert isinstance(ours, HTMLResponse)
    assert ours.body == theirs.body
    assert headers_of(ours) == headers_of(theirs)


def test_oauth2_redirect_html_is_fastapis_byte_for_byte() -> None:
    ours = docs.get_swagger_ui_oauth2_redirect_html()
    theirs = fastapi_docs.get_swagger_ui_oauth2_redirect_html()
    assert ours.body == theirs.body
    assert headers_of(ours) == headers_of(theirs)


def test_swagger_ui_default_parameters_match_fastapi() -> None:
    assert docs.swagger_ui_default_parameters == fastapi_docs.swagger_ui_default_parameters


def test_swagger_ui_parameters_do_not_change_the_defaults() -> None:
    docs.get_swagger_ui_html(openapi_url="/o", title="t", swagger_ui_parameters={"layout": "StandaloneLayout"})
    assert docs.swagger_ui_default_parameters["layout"] == "BaseLayout"


def test_swagger_ui_parameters_override_defaults_in_place() -> None:
    body = text(
        docs.get_swagger_ui_html(
            openapi_url="/o", title="t", swagger_ui_parameters={"deepLinking": False, "tryItOutEnabled": True}
        ).body
    )
    assert '"deepLinking": false,\n' in body
    assert '"tryItOutEnabled": true,\n' in body
    assert body.index('"dom_id"') < body.index('"deepLinking"') < body.index('"tryItOutEnabled"')


def test_swagger_ui_cdn_defaults_are_fastapis() -> None:
    body = text(docs.get_swagger_ui_html(openapi_url="/openapi.json", title="t").body)
    assert '<script src="https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui-bundle.js"></script>' in body
    assert 'href="https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui.css"' in body
    assert "url: '/openapi.json'," in body
    assert "initOAuth" not in body
    assert "oauth2RedirectUrl" not in body


def test_scalar_html_loads_scalar_with_the_openapi_url() -> None:
    response = docs.get_scalar_html(openapi_url="/openapi.json", title="Shop")
    assert isinstance(response, HTMLResponse)
    assert response.status_code == 200
    assert response.media_type == "text/html"
    body = text(response.body)
    assert body.startswith("<!DOCTYPE html>\n<html>\n<head>\n<title>Shop</title>\n")
    assert '<script src="https://cdn.jsdelivr.net/npm/@scalar/api-reference"></script>' in body
    assert 'Scalar.createApiReference("#app", {"url": "/openapi.json"})' in body
    assert '<link rel="shortcut icon" href="https://fastapi.tiangolo.com/img/favicon.png">' in body


def test_scalar_html_merges_config_and_escapes() -> None:
    body = text(
        docs.get_scalar_html(
            openapi_url="/o.json",
            title="<Shop & Co>",
            scalar_js_url="/static/scalar.js?v=1&x=2",
            scalar_config={"theme": "moon", "customCss": "</script>"},
        ).body
    )
    assert "<title>&lt;Shop &amp; Co&gt;</title>" in body
    assert '<script src="/static/scalar.js?v=1&amp;x=2"></script>' in body
    config = body.split('Scalar.createApiReference("#app", ', 1)[1].split(")\n", 1)[0]
    assert "</script>" not in config
    assert json.loads(config) == {"url": "/o.json", "theme": "moon", "customCss": "</script>"}


def test_docs_all_is_sorted() -> None:
    assert list(docs.__all__) == sorted(docs.__all__)
    assert {"get_swagger_ui_html", "get_redoc_html", "get_swagger_ui_oauth2_redirect_html"} <= set(docs.__all__)


@pytest.mark.e2e
def test_swagger_ui_renders_offline_in_a_browser() -> None:
    """The /docs page with the packaged assets renders in Chromium with every non-local request blocked."""
    import shutil

    from tests.openapi._docs_app import URLS
    from tests.support.server import run_server
    from tests.support.services import missing_service

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        missing_service("chromium is not installed (scripts/system-deps installs it)")
    if URLS["swagger_js_url"].startswith("https://"):
        missing_service("swagger-ui-bundle-v2 is not installed, so there are no offline assets to test")
    sync_api = pytest.importorskip("playwright.sync_api")

    blocked: list[str] = []
    with run_server("tests.openapi._docs_app:app") as server, sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        try:
            page = browser.new_page()

            def guard(route: Any) -> None:
                if route.request.url.startswith(server.url):
                    route.continue_()
                else:
                    blocked.append(route.request.url)
                    route.abort()

            page.route("**/*", guard)
            page.goto(f"{server.url}/docs", timeout=20_000)
            page.wait_for_selector(".swagger-ui .info .title", timeout=20_000)
            assert "Offline Shop" in page.inner_text(".swagger-ui .info .title")
            page.wait_for_selector("#operations-items-read_item_items__item_id__get", timeout=20_000)
        finally:
            browser.close()
    assert blocked == []


@pytest.mark.parametrize("root_path", ["", "/api"])
@pytest.mark.parametrize("url", ["/docs", "/redoc", "/docs/oauth2-redirect"])
def test_app_docs_pages_on_the_cdn_are_fastapis_byte_for_byte(root_path: str, url: str) -> None:
    import fastapi
    import fastapi.testclient

    import zephyr
    import zephyr.testclient

    options: dict[str, Any] = {
        "title": "Shop",
        "swagger_ui_init_oauth": {"clientId": "shop"},
        "swagger_ui_parameters": {"deepLinking": False},
    }
    with (
        fastapi.testclient.TestClient(fastapi.FastAPI(**options), root_path=root_path) as theirs_client,
        zephyr.testclient.TestClient(zephyr.FastAPI(docs_assets_url=None, **options), root_path=root_path) as client,
    ):
        theirs = theirs_client.get(url)
        ours = client.get(url)
    assert ours.status_code == theirs.status_code == 200
    assert ours.content == theirs.content
    assert dict(ours.headers) == dict(theirs.headers)


def test_offline_redoc_page_loads_nothing_from_the_internet() -> None:
    import zephyr
    from zephyr.openapi._assets import default_asset_urls
    from zephyr.testclient import TestClient

    app = zephyr.FastAPI(title="Shop")
    page = TestClient(app).get("/redoc")
    urls = default_asset_urls(app.docs_assets_url or "")
    assert page.status_code == 200
    assert "fonts.googleapis.com" not in page.text and "https://" not in page.text
    assert f'<script src="{urls["redoc_js_url"]}">' in page.text
    assert page.headers["content-security-policy"] == "img-src 'self' data: blob:; font-src 'self' data:"
    script = TestClient(app).get(urls["redoc_js_url"], headers={"accept-encoding": "gzip"})
    assert (script.status_code, script.headers["content-encoding"]) == (200, "gzip")
    assert b"redoc" in script.content[:5_000].lower()


def test_offline_redoc_policy_admits_the_documents_own_logo() -> None:
    import zephyr
    from zephyr.testclient import TestClient

    app = zephyr.FastAPI()

    def custom_openapi() -> dict[str, Any]:
        document = zephyr.FastAPI.openapi(app)
        document["info"]["x-logo"] = {"url": "https://img.example.com/logo.png"}
        return document

    app.openapi = custom_openapi  # type: ignore[method-assign]
    policy = TestClient(app).get("/redoc").headers["content-security-policy"]
    assert policy == "img-src 'self' data: blob: https://img.example.com; font-src 'self' data:"


def test_offline_scalar_page_uses_the_vendored_bundle_and_no_web_fonts() -> None:
    import zephyr
    from zephyr.openapi._assets import default_asset_urls
    from zephyr.testclient import TestClient

    app = zephyr.FastAPI(title="Shop")
    client = TestClient(app)
    page = client.get("/scalar")
    urls = default_asset_urls(app.docs_assets_url or "")
    assert page.status_code == 200
    assert "https://" not in page.text
    assert f'<script src="{urls["scalar_js_url"].replace("&", "&amp;")}"></script>' in page.text
    assert 'Scalar.createApiReference("#app", {"url": "/openapi.json", "withDefaultFonts": false})' in page.text
    assert client.get(urls["scalar_favicon_url"]).status_code == 200
    script = client.get(urls["scalar_js_url"])
    assert script.status_code == 200 and b"createApiReference" in script.content
