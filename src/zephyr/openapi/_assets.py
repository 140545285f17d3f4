"""Offline assets for the docs pages: Swagger UI, ReDoc and Scalar served by the app itself.

- **Swagger UI** comes from the ``swagger-ui-bundle-v2`` package (Apache-2.0, maintained fork of spec-first's
  ``swagger-ui-bundle``, tracks Swagger UI 5.x; it ships ``swagger-ui-bundle.js``, ``swagger-ui.css`` and the favicons
  under ``swagger_ui_bundle.swagger_ui_path``), which ``zephyr[standard]`` installs.
- **ReDoc and Scalar** are vendored in ``openapi/_vendor/``: no maintained PyPI package ships them without a framework
  attached. ``scripts/update-docs-assets`` takes their standalone bundles from the pinned npm releases, checks npm's
  integrity hash, stores them gzip-compressed next to their licences, and records version and sha256 in
  ``_vendor/manifest.json`` (checked by the tests). They are sent compressed (``Content-Encoding: gzip``) to the
  clients that accept it, and decompressed for the rare one that does not.
- A small favicon of our own stands in where Swagger UI's is not installed.

The app serves a ``DocsStaticApp`` (for example at ``/_zephyr/docs-static/{asset}``) and asks
``default_asset_urls(prefix)`` for the URLs to put in the pages: local ones for every file it has, the CDN ones (as in
FastAPI) otherwise.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import importlib.util
import json
from collections.abc import Mapping
from pathlib import Path

import anyio

from zephyr.types import Receive, Scope, Send

__all__ = (
    "DocsStaticApp",
    "FAVICON_CDN_URL",
    "REDOC_JS_CDN_URL",
    "SCALAR_JS_CDN_URL",
    "SWAGGER_CSS_CDN_URL",
    "SWAGGER_JS_CDN_URL",
    "default_asset_urls",
    "docs_static_app",
    "local_assets",
    "vendored_assets",
)

SWAGGER_JS_CDN_URL = "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui-bundle.js"
SWAGGER_CSS_CDN_URL = "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui.css"
REDOC_JS_CDN_URL = "https://cdn.jsdelivr.net/npm/redoc@2/bundles/redoc.standalone.js"
SCALAR_JS_CDN_URL = "https://cdn.jsdelivr.net/npm/@scalar/api-reference"
FAVICON_CDN_URL = "https://fastapi.tiangolo.com/img/favicon.png"

_PACKAGE = "swagger_ui_bundle"

# The only files ever served: a request for any other name is a 404, so no path can leave the package directory.
_CONTENT_TYPES: dict[str, bytes] = {
    "swagger-ui-bundle.js": b"text/javascript; charset=utf-8",
    "swagger-ui-bundle.js.map": b"application/json",
    "swagger-ui.css": b"text/css; charset=utf-8",
    "swagger-ui.css.map": b"application/json",
    "favicon-32x32.png": b"image/png",
    "favicon-16x16.png": b"image/png",
    "redoc.standalone.js": b"text/javascript; charset=utf-8",
    "scalar.standalone.js": b"text/javascript; charset=utf-8",
    "favicon.svg": b"image/svg+xml",
}
_VENDOR = Path(__file__).with_name("_vendor")

_CACHE_CONTROL = b"public, max-age=31536000, immutable"


def _bundle_directory(package: str) -> Path | None:
    if importlib.util.find_spec(package) is None:
        return None
    module = importlib.import_module(package)
    location = getattr(module, "swagger_ui_path", None)
    if location is None:
        return None
    directory = Path(str(location))
    return directory if directory.is_dir() else None


def local_assets(package: str = _PACKAGE) -> dict[str, Path] | None:
    """Find the Swagger UI files shipped by ``swagger-ui-bundle-v2``.

    Args:
        package: The import name of the package to look in (tests pass another name to simulate its absence).

    Returns:
        File name -> path for every known file present, or ``None`` when the package is not installed or lacks
        ``swagger-ui-bundle.js`` or ``swagger-ui.css``.
    """
    found = _find_assets(package)
    return dict(found) if found is not None else None


# Which files an installed package ships does not change while the process runs, and the docs pages ask on every
# request: remember the answer per package name (a handful at most, and nothing that keeps an app alive).
@functools.lru_cache(maxsize=8)
def _find_assets(package: str) -> tuple[tuple[str, Path], ...] | None:
    directory = _bundle_directory(package)
    if directory is None:
        return None
    found = tuple((name, directory / name) for name in _CONTENT_TYPES if (directory / name).is_file())
    names = {name for name, _ in found}
    if "swagger-ui-bundle.js" not in names or "swagger-ui.css" not in names:
        return None
    return found


@functools.lru_cache(maxsize=1)
def vendored_assets() -> dict[str, Path]:
    """The ReDoc and Scalar bundles and the favicon shipped inside Zephyr (``openapi/_vendor``).

    Returns:
        Served name -> file (the bundles are stored as ``.js.gz``; :class:`DocsStaticApp` sends them compressed).
    """
    manifest = json.loads((_VENDOR / "manifest.json").read_text())
    found = {f"{entry['file'].removesuffix('.js.gz')}.js": _VENDOR / entry["file"] for entry in manifest.values()}
    found["favicon.svg"] = _VENDOR / "favicon.svg"
    return {name: path for name, path in found.items() if path.is_file()}


def _version_tag(path: Path) -> str:
    # A new release must get new URLs, which is what makes the year-long immutable caching safe: Swagger UI's
    # directory is named after its release (``swagger-ui-5.31.0``); a vendored file is tagged by its content.
    if path.parent == _VENDOR:
        return hashlib.blake2b(path.read_bytes(), digest_size=6).hexdigest()
    return path.parent.name.rpartition("-")[2] or "0"


def default_asset_urls(static_prefix: str, assets: Mapping[str, Path] | None = None) -> dict[str, str]:
    """Return the asset URLs for the docs pages: local under ``static_prefix`` when possible, else the CDN's.

    Example:
        ```python
        urls = default_asset_urls("/_zephyr/docs-static")
        get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="API",
            swagger_js_url=urls["swagger_js_url"],
            swagger_css_url=urls["swagger_css_url"],
            swagger_favicon_url=urls["swagger_favicon_url"],
        )
        ```

    Args:
        static_prefix: The path where ``docs_static_app`` is mounted (including any ``root_path``).
        assets: The files to use; defaults to ``local_assets()`` and ``vendored_assets()``.

    Returns:
        A dict with ``swagger_js_url``, ``swagger_css_url``, ``swagger_favicon_url``, ``redoc_js_url``,
        ``redoc_favicon_url``, ``scalar_js_url`` and ``scalar_favicon_url``.
    """
    if assets is None:
        assets = {**vendored_assets(), **(local_assets() or {})}
    urls = {
        "swagger_js_url": SWAGGER_JS_CDN_URL,
        "swagger_css_url": SWAGGER_CSS_CDN_URL,
        "swagger_favicon_url": FAVICON_CDN_URL,
        "redoc_js_url": REDOC_JS_CDN_URL,
        "redoc_favicon_url": FAVICON_CDN_URL,
        "scalar_js_url": SCALAR_JS_CDN_URL,
        "scalar_favicon_url": FAVICON_CDN_URL,
    }
    if not assets:
        return urls
    prefix = static_prefix.rstrip("/")

    def local(name: str) -> str:
        return f"{prefix}/{name}?v={_tag(assets[name])}"

    if "swagger-ui-bundle.js" in assets and "swagger-ui.css" in assets:
        urls["swagger_js_url"] = local("swagger-ui-bundle.js")
        urls["swagger_css_url"] = local("swagger-ui.css")
    favicon = next((name for name in ("favicon-32x32.png", "favicon.svg") if name in assets), None)
    if favicon is not None:
        urls["swagger_favicon_url"] = urls["redoc_favicon_url"] = urls["scalar_favicon_url"] = local(favicon)
    if "redoc.standalone.js" in assets:
        urls["redoc_js_url"] = local("redoc.standalone.js")
    if "scalar.standalone.js" in assets:
        urls["scalar_js_url"] = local("scalar.standalone.js")
    return urls


@functools.lru_cache(maxsize=16)
def _tag(path: Path) -> str:
    return _version_tag(path)


class _File:
    __slots__ = ("content_type", "etag", "gzipped", "path", "size")

    def __init__(self, path: Path, content_type: bytes) -> None:
        stat = path.stat()
        self.path = path
        self.size = stat.st_size
        self.gzipped = path.suffix == ".gz"
        self.content_type = content_type
        digest = hashlib.blake2b(f"{path}:{stat.st_size}:{stat.st_mtime_ns}".encode(), digest_size=8).hexdigest()
        self.etag = f'"{digest}"'.encode()


async def _send_plain(send: Send, status: int, text: bytes, extra: list[tuple[bytes, bytes]] | None = None) -> None:
    headers = [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"content-length", str(len(text)).encode()),
        *(extra or ()),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": text})


def _path_below_mount(path: str, root_path: str) -> str:
    # Servers disagree on whether ``path`` includes ``root_path`` (ASGI says it does; a proxy that strips its prefix
    # and a TestClient given ``root_path`` send it without). Remove the longest tail of ``root_path`` that ``path``
    # starts with, so the mount works under both conventions.
    if not root_path:
        return path
    if path.startswith(root_path):
        return path[len(root_path) :]
    start = root_path.find("/", 1)
    while start != -1:
        tail = root_path[start:]
        if path.startswith(tail + "/"):
            return path[len(tail) :]
        start = root_path.find("/", start + 1)
    return path


class DocsStaticApp:
    """ASGI app that serves the offline docs files by name, with immutable cache headers.

    Only the names in ``local_assets()`` and ``vendored_assets()`` are served; any other path is a 404. ``GET``
    and ``HEAD`` are allowed, ``If-None-Match`` answers 304. The files are located on the first request, not at import.

    Mounted, it serves the file named by the path below the mount; as the endpoint of a route whose path ends in
    ``{asset}`` (how the app adds it), the file named by that parameter.

    Example:
        ```python
        app.mount("/_zephyr/docs-static", DocsStaticApp())
        ```

    Args:
        assets: File name -> path; defaults to ``local_assets()`` (resolved on the first request).
    """

    __slots__ = ("_assets", "_files")

    def __init__(self, assets: Mapping[str, Path] | None = None) -> None:
        self._assets = assets
        self._files: dict[str, _File] | None = None

    def _load(self) -> dict[str, _File]:
        assets = self._assets if self._assets is not None else {**vendored_assets(), **(local_assets() or {})}
        files = {
            name: _File(path, _CONTENT_TYPES.get(name, b"application/octet-stream")) for name, path in assets.items()
        }
        self._files = files
        return files

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            # lifespan and websocket scopes have nothing to do here
            return
        files = self._files if self._files is not None else self._load()
        params = scope.get("path_params")
        name = params.get("asset") if params else None  # served by a route ``.../{asset}``
        if name is None:  # or mounted
            path = _path_below_mount(scope["path"], scope.get("root_path", ""))
            name = path[1:] if path.startswith("/") and path.count("/") == 1 else None
        file = files.get(name) if name is not None else None
        if file is None:
            await _send_plain(send, 404, b"Not Found")
            return
        method = scope["method"]
        if method not in ("GET", "HEAD"):
            await _send_plain(send, 405, b"Method Not Allowed", [(b"allow", b"GET, HEAD")])
            return
        await self._send_file(scope, send, file, head=method == "HEAD")

    async def _send_file(self, scope: Scope, send: Send, file: _File, *, head: bool) -> None:
        headers = [(b"etag", file.etag), (b"cache-control", _CACHE_CONTROL)]
        accepts_gzip = False
        for key, value in scope["headers"]:
            if key == b"if-none-match" and file.etag in (tag.strip() for tag in value.split(b",")):
                await send({"type": "http.response.start", "status": 304, "headers": headers})
                await send({"type": "http.response.body", "body": b""})
                return
            if key == b"accept-encoding" and b"gzip" in value.lower():
                accepts_gzip = True
        compressed = file.gzipped and accepts_gzip
        if file.gzipped:
            headers.append((b"vary", b"Accept-Encoding"))
        if compressed:
            headers.append((b"content-encoding", b"gzip"))
        # read before answering, so content-length is the length of what is actually sent
        body = b""
        size = file.size
        if not head or (file.gzipped and not compressed):
            body = await anyio.Path(file.path).read_bytes()
            if file.gzipped and not compressed:
                body = gzip.decompress(body)
            size = len(body)
            if head:
                body = b""
        headers += [(b"content-type", file.content_type), (b"content-length", str(size).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})


docs_static_app = DocsStaticApp()
"""The app to mount for the offline docs assets (Swagger UI, ReDoc, Scalar and a favicon)."""
