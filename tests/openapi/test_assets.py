from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from zephyr.openapi import _assets
from zephyr.openapi._assets import DocsStaticApp, default_asset_urls, docs_static_app, local_assets, vendored_assets

pytestmark = pytest.mark.anyio

CDN_URLS = {
    "swagger_js_url": "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui-bundle.js",
    "swagger_css_url": "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui.css",
    "swagger_favicon_url": "https://fastapi.tiangolo.com/img/favicon.png",
    "redoc_js_url": "https://cdn.jsdelivr.net/npm/redoc@2/bundles/redoc.standalone.js",
    "redoc_favicon_url": "https://fastapi.tiangolo.com/img/favicon.png",
    "scalar_js_url": "https://cdn.jsdelivr.net/npm/@scalar/api-reference",
    "scalar_favicon_url": "https://fastapi.tiangolo.com/img/favicon.png",
}
VENDOR = Path(_assets.__file__).with_name("_vendor")


def vendored_urls(prefix: str) -> dict[str, str]:
    """The URLs of the vendored files under ``prefix``, each tagged by a hash of its content."""

    def url(name: str, file: str) -> str:
        return f"{prefix}/{name}?v={hashlib.blake2b((VENDOR / file).read_bytes(), digest_size=6).hexdigest()}"

    return {
        "redoc_js_url": url("redoc.standalone.js", "redoc.standalone.js.gz"),
        "scalar_js_url": url("scalar.standalone.js", "scalar.standalone.js.gz"),
    }


async def call(
    app: Any, path: str, method: str = "GET", headers: list[tuple[bytes, bytes]] | None = None, root_path: str = ""
) -> tuple[int, dict[bytes, bytes], bytes]:
    messages: list[dict[str, Any]] = []
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": root_path,
        "query_string": b"v=5",
        "headers": headers or [],
    }

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        messages.append(message)

    await app(scope, receive, send)
    start, *bodies = messages
    assert start["type"] == "http.response.start"
    return start["status"], dict(start["headers"]), b"".join(m.get("body", b"") for m in bodies)


@pytest.fixture
def assets() -> dict[str, Path]:
    found = local_assets()
    assert found is not None, "swagger-ui-bundle-v2 is a dev dependency; it should be installed"
    return found


def test_local_assets_finds_swagger_ui_files(assets: dict[str, Path]) -> None:
    assert {"swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png"} <= set(assets)
    assert all(path.is_file() for path in assets.values())
    assert b"SwaggerUIBundle" in assets["swagger-ui-bundle.js"].read_bytes()[:200_000]


def test_local_assets_is_none_without_the_package() -> None:
    assert local_assets("zephyr_no_such_package") is None


def test_local_assets_is_none_for_a_package_without_swagger_files() -> None:
    assert local_assets("json") is None


def test_default_asset_urls_are_local_with_a_version(assets: dict[str, Path]) -> None:
    version = assets["swagger-ui-bundle.js"].parent.name.rpartition("-")[2]
    assert version[0].isdigit()
    urls = default_asset_urls("/_zephyr/docs-static/", assets)
    favicon = f"/_zephyr/docs-static/favicon-32x32.png?v={version}"
    assert urls == CDN_URLS | {
        "swagger_js_url": f"/_zephyr/docs-static/swagger-ui-bundle.js?v={version}",
        "swagger_css_url": f"/_zephyr/docs-static/swagger-ui.css?v={version}",
        "swagger_favicon_url": favicon,
        "redoc_favicon_url": favicon,
        "scalar_favicon_url": favicon,
    }
    # by default the vendored ReDoc and Scalar are local too: nothing is left on a CDN
    assert default_asset_urls("/_zephyr/docs-static/") == urls | vendored_urls("/_zephyr/docs-static")


def test_default_asset_urls_fall_back_to_the_cdn_only_when_told(monkeypatch: pytest.MonkeyPatch) -> None:
    assert default_asset_urls("/static", {}) == CDN_URLS
    # without swagger-ui-bundle-v2, Swagger UI loads from the CDN; ReDoc, Scalar and the favicon stay local
    monkeypatch.setattr(_assets.local_assets, "__defaults__", ("zephyr_no_such_package",))
    svg = f"/static/favicon.svg?v={hashlib.blake2b((VENDOR / 'favicon.svg').read_bytes(), digest_size=6).hexdigest()}"
    assert default_asset_urls("/static") == CDN_URLS | vendored_urls("/static") | {
        "swagger_favicon_url": svg,
        "redoc_favicon_url": svg,
        "scalar_favicon_url": svg,
    }


def test_vendored_bundles_match_the_manifest() -> None:
    manifest = json.loads((VENDOR / "manifest.json").read_text())
    assert set(manifest) == {"redoc", "scalar"}
    assert manifest["redoc"]["package"] == "redoc" and manifest["redoc"]["version"].startswith("2.")
    assert manifest["scalar"]["package"] == "@scalar/api-reference"
    for entry in manifest.values():
        content = gzip.decompress((VENDOR / entry["file"]).read_bytes())
        assert hashlib.sha256(content).hexdigest() == entry["sha256"], entry["file"]
        assert entry["integrity"].startswith("sha512-")
        licence = (VENDOR / entry["license_file"]).read_text()
        assert entry["license"] == "MIT" and "MIT License" in licence.splitlines()[0], entry["license_file"]
    assert set(vendored_assets()) == {"redoc.standalone.js", "scalar.standalone.js", "favicon.svg"}


async def test_vendored_bundle_is_sent_compressed_to_clients_that_accept_gzip() -> None:
    stored = (VENDOR / "redoc.standalone.js.gz").read_bytes()
    status, headers, body = await call(
        docs_static_app, "/redoc.standalone.js", headers=[(b"accept-encoding", b"br, GZIP")]
    )
    assert (status, body) == (200, stored)
    assert headers[b"content-encoding"] == b"gzip"
    assert headers[b"vary"] == b"Accept-Encoding"
    assert headers[b"content-type"] == b"text/javascript; charset=utf-8"
    assert headers[b"content-length"] == str(len(stored)).encode()
    assert b"Redoc" in gzip.decompress(body)[:5_000]


async def test_vendored_bundle_is_decompressed_for_clients_without_gzip() -> None:
    plain = gzip.decompress((VENDOR / "scalar.standalone.js.gz").read_bytes())
    status, headers, body = await call(docs_static_app, "/scalar.standalone.js")
    assert (status, body) == (200, plain)
    assert b"content-encoding" not in headers
    assert headers[b"content-length"] == str(len(plain)).encode()
    status, headers, body = await call(docs_static_app, "/scalar.standalone.js", method="HEAD")
    assert (status, body, headers[b"content-length"]) == (200, b"", str(len(plain)).encode())
    status, headers, body = await call(
        docs_static_app, "/scalar.standalone.js", method="HEAD", headers=[(b"accept-encoding", b"gzip")]
    )
    stored_size = (VENDOR / "scalar.standalone.js.gz").stat().st_size
    assert (status, body, headers[b"content-length"]) == (200, b"", str(stored_size).encode())


async def test_serves_a_known_file_with_immutable_caching(assets: dict[str, Path]) -> None:
    status, headers, body = await call(DocsStaticApp(assets), "/swagger-ui.css")
    expected = assets["swagger-ui.css"].read_bytes()
    assert status == 200
    assert body == expected
    assert headers[b"content-type"] == b"text/css; charset=utf-8"
    assert headers[b"content-length"] == str(len(expected)).encode()
    assert headers[b"cache-control"] == b"public, max-age=31536000, immutable"
    assert headers[b"etag"].startswith(b'"') and headers[b"etag"].endswith(b'"')


async def test_module_app_serves_the_installed_bundle(assets: dict[str, Path]) -> None:
    status, headers, body = await call(docs_static_app, "/swagger-ui-bundle.js")
    assert status == 200
    assert headers[b"content-type"] == b"text/javascript; charset=utf-8"
    assert body == assets["swagger-ui-bundle.js"].read_bytes()


async def test_head_sends_headers_without_body(assets: dict[str, Path]) -> None:
    status, headers, body = await call(DocsStaticApp(assets), "/favicon-32x32.png", method="HEAD")
    assert status == 200
    assert body == b""
    assert headers[b"content-type"] == b"image/png"
    assert headers[b"content-length"] == str(assets["favicon-32x32.png"].stat().st_size).encode()


async def test_if_none_match_answers_304(assets: dict[str, Path]) -> None:
    app = DocsStaticApp(assets)
    _, headers, _ = await call(app, "/swagger-ui.css")
    etag = headers[b"etag"]
    status, again, body = await call(app, "/swagger-ui.css", headers=[(b"if-none-match", b'"other", ' + etag)])
    assert status == 304
    assert body == b""
    assert again[b"etag"] == etag
    assert b"content-length" not in again
    status, _, _ = await call(app, "/swagger-ui.css", headers=[(b"if-none-match", b'"other"')])
    assert status == 200


@pytest.mark.parametrize(
    "path",
    [
        "/index.html",
        "/swagger-ui.js",
        "/../swagger_ui_bundle/__init__.py",
        "/..%2Fswagger-ui.css",
        "/sub/swagger-ui.css",
        "/",
        "",
        "/swagger-ui.css/",
    ],
)
async def test_unknown_names_and_traversal_are_404(assets: dict[str, Path], path: str) -> None:
    status, headers, body = await call(DocsStaticApp(assets), path)
    assert (status, body) == (404, b"Not Found")
    assert headers[b"content-type"] == b"text/plain; charset=utf-8"


async def test_other_methods_are_405(assets: dict[str, Path]) -> None:
    status, headers, body = await call(DocsStaticApp(assets), "/swagger-ui.css", method="POST")
    assert (status, body) == (405, b"Method Not Allowed")
    assert headers[b"allow"] == b"GET, HEAD"


async def test_mounted_path_under_root_path_is_served(assets: dict[str, Path]) -> None:
    app = DocsStaticApp(assets)
    status, _, _ = await call(app, "/_zephyr/docs-static/swagger-ui.css", root_path="/_zephyr/docs-static")
    assert status == 200
    # a server that strips the mount prefix from ``path`` works too
    status, _, _ = await call(app, "/swagger-ui.css", root_path="/_zephyr/docs-static")
    assert status == 200
    # and so does one whose ``path`` lacks the proxy's prefix but whose ``root_path`` has it
    status, _, _ = await call(app, "/_zephyr/docs-static/swagger-ui.css", root_path="/api/_zephyr/docs-static")
    assert status == 200
    status, _, _ = await call(app, "/other/swagger-ui.css", root_path="/api/_zephyr/docs-static")
    assert status == 404


async def test_docs_pages_of_an_app_link_to_served_assets() -> None:
    import re

    from zephyr import FastAPI
    from zephyr.testclient import TestClient

    app = FastAPI(title="Shop")
    for root_path, prefix in (("", ""), ("/api", "/api")):
        with TestClient(app, root_path=root_path) as client:
            for page in ("/docs", "/redoc"):
                html = client.get(page).text
                local = [url for url in re.findall(r'(?:href|src)="([^"]+)"', html) if url.startswith("/")]
                assert local, page
                for url in local:
                    assert url.startswith(f"{prefix}/_zephyr/docs-static/")
                    for requested in (url, url[len(prefix) :]):
                        response = client.get(requested)
                        assert response.status_code == 200, requested
                        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"


async def test_without_assets_everything_is_404() -> None:
    status, _, _ = await call(DocsStaticApp({}), "/swagger-ui.css")
    assert status == 404


async def test_non_http_scopes_are_ignored() -> None:
    sent: list[Any] = []

    async def receive() -> dict[str, Any]:
        return {"type": "lifespan.startup"}

    async def send(message: Any) -> None:
        sent.append(message)

    await DocsStaticApp({})({"type": "lifespan"}, receive, send)
    assert sent == []


def fake_bundle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, package: str, files: list[str]) -> Path:
    bundle = tmp_path / "vendor" / "swagger-ui-9.8.7"
    bundle.mkdir(parents=True)
    for name in files:
        (bundle / name).write_bytes(b"/* " + name.encode() + b" */")
    (tmp_path / f"{package}.py").write_text(f"from pathlib import Path\nswagger_ui_path = Path({str(bundle)!r})\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(__import__("sys").modules, package, raising=False)
    return bundle


def test_local_assets_needs_both_the_js_and_the_css(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_bundle(tmp_path, monkeypatch, "zephyr_fake_bundle_js_only", ["swagger-ui-bundle.js"])
    assert local_assets("zephyr_fake_bundle_js_only") is None


def test_bundle_without_favicon_keeps_the_cdn_favicon(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bundle = fake_bundle(
        tmp_path, monkeypatch, "zephyr_fake_bundle_no_icon", ["swagger-ui-bundle.js", "swagger-ui.css"]
    )
    found = local_assets("zephyr_fake_bundle_no_icon")
    assert found == {
        "swagger-ui-bundle.js": bundle / "swagger-ui-bundle.js",
        "swagger-ui.css": bundle / "swagger-ui.css",
    }
    assert default_asset_urls("/s", found) == CDN_URLS | {
        "swagger_js_url": "/s/swagger-ui-bundle.js?v=9.8.7",
        "swagger_css_url": "/s/swagger-ui.css?v=9.8.7",
    }


def test_bundle_path_that_is_not_a_directory_is_ignored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "zephyr_fake_bundle_missing.py").write_text(f"swagger_ui_path = {str(tmp_path / 'nowhere')!r}\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert local_assets("zephyr_fake_bundle_missing") is None


def test_importing_the_docs_does_not_import_the_bundle() -> None:
    import subprocess
    import sys

    code = (
        "import sys, zephyr.openapi.docs, zephyr.openapi._assets, zephyr.openapi.models, zephyr.security\n"
        "print(sorted(m for m in ('swagger_ui_bundle', 'jinja2', 'jwt') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert result.stdout.strip() == "[]"


def test_the_app_serves_its_assets_from_a_route_with_an_endpoint() -> None:
    # fastapi-versioning reads every route's ``endpoint`` and ``methods``: the app's own routes must have both.
    from zephyr import FastAPI
    from zephyr.routing import Mount
    from zephyr.testclient import TestClient

    app = FastAPI()
    assert not [route for route in app.routes if isinstance(route, Mount)]
    routes: list[Any] = [*app.routes, *app.router._low_priority_routes]
    assert all(getattr(route, "endpoint", None) is not None and route.methods for route in routes)
    (assets,) = [route for route in routes if route.path.startswith("/_zephyr/docs-static")]
    assert assets.path == "/_zephyr/docs-static/{asset}"
    with TestClient(app) as client:
        assert client.get("/_zephyr/docs-static/favicon-32x32.png").status_code == 200
        assert client.get("/_zephyr/docs-static/nothing.js").status_code == 404
        refused = client.post("/_zephyr/docs-static/favicon-32x32.png")
        assert (refused.status_code, refused.headers["allow"]) == (405, "GET, HEAD")


def test_app_routes_hold_fastapis_docs_routes_only_and_zephyrs_own_give_way() -> None:
    # rollbar's add_to(app) takes over the route class only while app.routes holds nothing but FastAPI's docs routes.
    import fastapi

    from zephyr import FastAPI
    from zephyr.responses import PlainTextResponse
    from zephyr.testclient import TestClient

    app = FastAPI()
    assert [getattr(route, "path", None) for route in app.routes] == [
        getattr(route, "path", None) for route in fastapi.FastAPI().routes
    ]
    assert [getattr(route, "path", None) for route in app.router._low_priority_routes] == [
        "/scalar",
        "/_zephyr/docs-static/{asset}",
    ]

    @app.get("/scalar")
    def own_scalar() -> PlainTextResponse:
        return PlainTextResponse("the app's own")

    with TestClient(app) as client:
        assert client.get("/scalar").text == "the app's own"
        assert client.get("/_zephyr/docs-static/favicon-32x32.png").status_code == 200
    with TestClient(FastAPI()) as client:
        page = client.get("/scalar")
        assert page.status_code == 200 and "/_zephyr/docs-static/" in page.text
