"""StaticFiles and SinglePageApp: mounted in apps, compared with Starlette/FastAPI, and attacked with path tricks."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
import fastapi
import fastapi.testclient
import pytest
import starlette.staticfiles

import zephyr
import zephyr.testclient
from zephyr.staticfiles import SinglePageApp, StaticFiles
from zephyr.websockets import WebSocketDisconnect

SECRET = b"TOP-SECRET-CONTENT"


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """``public/`` to serve, with secrets beside it and symlinks pointing out of it."""
    public = tmp_path / "public"
    (public / "sub").mkdir(parents=True)
    (public / "a.txt").write_bytes(b"hello")
    (public / "style.css").write_text("body {}")
    (public / "sub" / "index.html").write_text("<h1>sub</h1>")
    (public / "sub" / "page.html").write_text("<p>page</p>")
    (public / "empty").mkdir()
    (tmp_path / "secret.txt").write_bytes(SECRET)
    (tmp_path / "public2").mkdir()
    (tmp_path / "public2" / "x.txt").write_bytes(SECRET)
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "x.txt").write_bytes(SECRET)
    os.symlink(tmp_path / "secret.txt", public / "link_out.txt")
    os.symlink(tmp_path / "outside", public / "dirlink_out")
    os.symlink(public / "a.txt", public / "link_in.txt")
    return tmp_path


def zephyr_app(static: Any, path: str = "/static") -> Any:
    app = zephyr.FastAPI()
    app.mount(path, static, name="static")
    return app


async def asgi_get(app: Any, path: str, method: str = "GET", headers: list[tuple[bytes, bytes]] | None = None) -> Any:
    """Send one request with an exact ``scope["path"]`` (no client-side normalization); returns status and body."""
    messages: list[dict[str, Any]] = []
    requested = False
    never = anyio.Event()

    async def receive() -> dict[str, Any]:
        nonlocal requested
        if requested:
            await never.wait()  # the client stays connected until the response is complete
        requested = True
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        messages.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode("utf-8", "surrogateescape"),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"testserver"), *(headers or [])],
        "client": ("127.0.0.1", 1234),
        "server": ("testserver", 80),
    }
    with anyio.fail_after(5):
        await app(scope, receive, send)
    start = next(m for m in messages if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
    return start["status"], body


# Paths as the app receives them: servers percent-decode, so %2e%2e%2f arrives as ../ and %2F as /.
TRAVERSALS = [
    "/static/../secret.txt",
    "/static/../../secret.txt",
    "/static/sub/../../secret.txt",
    "/static/./../secret.txt",
    "/static/..",
    "/static/../public2/x.txt",
    "/static/dirlink_out/x.txt",
    "/static/link_out.txt",
    "/static/..\\secret.txt",
    "/static/sub\\..\\..\\secret.txt",
    "/static/..%2fsecret.txt",
    "/static/%2e%2e/secret.txt",
    "/static/%2e%2e%2fsecret.txt",
    "/static/..%2Fsecret.txt",
    "/static/a.txt\x00",
    "/static/\x00../secret.txt",
    "/static//etc/passwd",
    "/static//{tmp}/secret.txt",
    "/static/{tmp}/secret.txt",
    "/static/" + "a" * 5000,
]


@pytest.mark.anyio
@pytest.mark.parametrize("path", TRAVERSALS)
@pytest.mark.parametrize("html", [False, True])
async def test_path_traversal_is_404_and_never_serves_outside_files(tree: Path, path: str, html: bool) -> None:
    app = zephyr_app(StaticFiles(directory=tree / "public", html=html))
    status, body = await asgi_get(app, path.format(tmp=tree))
    assert status == 404
    assert SECRET not in body


@pytest.mark.parametrize(
    "url",
    [
        "/static/%2e%2e/secret.txt",
        "/static/%2e%2e%2fsecret.txt",
        "/static/..%2Fsecret.txt",
        "/static/sub/%2E%2E%2F%2E%2E%2Fsecret.txt",
        "/static/..%5csecret.txt",
        "/static/a.txt%00",
        "/static/%2Fetc%2Fpasswd",
        "/static/link_out.txt",
    ],
)
def test_percent_encoded_traversal_through_the_test_client_is_404(tree: Path, url: str) -> None:
    with zephyr.testclient.TestClient(zephyr_app(StaticFiles(directory=tree / "public"))) as client:
        response = client.get(url)
    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}


@pytest.mark.anyio
async def test_follow_symlink_serves_links_out_but_still_refuses_dot_dot(tree: Path) -> None:
    app = zephyr_app(StaticFiles(directory=tree / "public", follow_symlink=True))
    assert await asgi_get(app, "/static/link_out.txt") == (200, SECRET)
    assert await asgi_get(app, "/static/dirlink_out/x.txt") == (200, SECRET)
    assert (await asgi_get(app, "/static/../secret.txt"))[0] == 404
    assert await asgi_get(app, "/static/link_in.txt") == (200, b"hello")


@pytest.mark.anyio
async def test_symlink_inside_the_directory_is_served(tree: Path) -> None:
    app = zephyr_app(StaticFiles(directory=tree / "public"))
    assert await asgi_get(app, "/static/link_in.txt") == (200, b"hello")


def _frameworks() -> dict[str, tuple[Any, Any, Any]]:
    return {
        "fastapi": (fastapi.FastAPI, starlette.staticfiles.StaticFiles, fastapi.testclient.TestClient),
        "zephyr": (zephyr.FastAPI, StaticFiles, zephyr.testclient.TestClient),
    }


DIFF_REQUESTS: list[tuple[str, str, dict[str, str]]] = [
    ("GET", "/static/a.txt", {}),
    ("HEAD", "/static/a.txt", {}),
    ("POST", "/static/a.txt", {}),
    ("DELETE", "/static/nope", {}),
    ("GET", "/static/style.css", {}),
    ("GET", "/static/sub", {}),
    ("GET", "/static/sub/", {}),
    ("GET", "/static/sub/?x=1", {}),
    ("GET", "/static", {}),
    ("GET", "/static/", {}),
    ("GET", "/static/empty", {}),
    ("GET", "/static/nope.txt", {}),
    ("GET", "/static/a.txt", {"if-none-match": "*"}),
    ("GET", "/static/a.txt", {"if-none-match": '"nope"'}),
    ("GET", "/static/a.txt", {"if-modified-since": "Fri, 01 Jan 2100 00:00:00 GMT"}),
    ("GET", "/static/a.txt", {"if-modified-since": "Fri, 01 Jan 1990 00:00:00 GMT"}),
    ("GET", "/static/a.txt", {"range": "bytes=1-2"}),
    ("GET", "/static/a.txt", {"range": "bytes=9-"}),
    ("GET", "/static/%2e%2e/secret.txt", {}),
]


@pytest.mark.parametrize("html", [False, True])
@pytest.mark.parametrize(("method", "url", "headers"), DIFF_REQUESTS)
@pytest.mark.current_reference
def test_static_files_match_starlette(tree: Path, html: bool, method: str, url: str, headers: dict[str, str]) -> None:
    (tree / "public" / "404.html").write_text("<h1>missing</h1>")
    answers = []
    for app_class, static_class, client_class in _frameworks().values():
        app = app_class()
        app.mount("/static", static_class(directory=tree / "public", html=html), name="static")
        with client_class(app) as client:
            response = client.request(method, url, headers=headers, follow_redirects=False)
        kept = [(k, v) for k, v in response.headers.multi_items() if k not in ("date", "etag", "last-modified")]
        answers.append((response.status_code, kept, response.content))
    assert answers[0] == answers[1]


@pytest.mark.anyio
@pytest.mark.parametrize("path", ["/static/../secret.txt", "/static/link_out.txt", "/static/..\\secret.txt"])
async def test_traversal_answers_match_starlette(tree: Path, path: str) -> None:
    starlette_app = fastapi.FastAPI()
    starlette_app.mount("/static", starlette.staticfiles.StaticFiles(directory=tree / "public"))
    assert await asgi_get(zephyr_app(StaticFiles(directory=tree / "public")), path) == await asgi_get(
        starlette_app, path
    )


def test_etag_and_last_modified_are_sent_and_honoured(tree: Path) -> None:
    with zephyr.testclient.TestClient(zephyr_app(StaticFiles(directory=tree / "public"))) as client:
        first = client.get("/static/a.txt")
        etag = first.headers["etag"]
        again = client.get("/static/a.txt", headers={"if-none-match": f'W/{etag}, "other"'})
        dated = client.get("/static/a.txt", headers={"if-modified-since": first.headers["last-modified"]})
    assert first.status_code == 200
    assert again.status_code == 304
    assert again.headers.multi_items() == [("etag", etag)]
    assert again.content == b""
    assert dated.status_code == 304


def test_html_mode_serves_404_page_with_status_404(tree: Path) -> None:
    (tree / "public" / "404.html").write_text("<h1>missing</h1>")
    with zephyr.testclient.TestClient(zephyr_app(StaticFiles(directory=tree / "public", html=True))) as client:
        response = client.get("/static/nowhere")
    assert response.status_code == 404
    assert response.text == "<h1>missing</h1>"
    assert response.headers["content-type"] == "text/html; charset=utf-8"


def test_packages_serve_their_statics_directories(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for package, directory, content in [("zpkg_one", "statics", "one"), ("zpkg_two", "public", "two")]:
        (tmp_path / package / directory).mkdir(parents=True)
        (tmp_path / package / "__init__.py").write_text("")
        (tmp_path / package / directory / f"{package}.txt").write_text(content)
        (tmp_path / package / directory / "shared.txt").write_text(content)
    monkeypatch.syspath_prepend(str(tmp_path))
    static = StaticFiles(packages=["zpkg_one", ("zpkg_two", "public")])
    with zephyr.testclient.TestClient(zephyr_app(static)) as client:
        assert client.get("/static/zpkg_one.txt").text == "one"
        assert client.get("/static/zpkg_two.txt").text == "two"
        assert client.get("/static/shared.txt").text == "one"
        assert client.get("/static/../zpkg_two/__init__.py").status_code == 404


def test_missing_package_or_directory_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="Package 'zpkg_does_not_exist' could not be found"):
        StaticFiles(packages=["zpkg_does_not_exist"])
    with pytest.raises(RuntimeError, match="Directory 'nope' in package 'zephyr' could not be found"):
        StaticFiles(packages=[("zephyr", "nope")])
    with pytest.raises(RuntimeError, match=r"Directory '.*missing' does not exist"):
        StaticFiles(directory=tmp_path / "missing")


def test_unchecked_missing_directory_fails_on_first_request(tmp_path: Path) -> None:
    static = StaticFiles(directory=tmp_path / "later", check_dir=False)
    with zephyr.testclient.TestClient(zephyr_app(static)) as client:
        with pytest.raises(RuntimeError, match=r"StaticFiles directory '.*later' does not exist"):
            client.get("/static/a.txt")
        (tmp_path / "later").mkdir()
        (tmp_path / "later" / "a.txt").write_text("now")
        assert client.get("/static/a.txt").text == "now"


def test_not_a_directory_is_reported(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    static = StaticFiles(directory=tmp_path / "file", check_dir=False)
    with zephyr.testclient.TestClient(zephyr_app(static)) as client, pytest.raises(RuntimeError, match="not a dir"):
        client.get("/static/a.txt")


def test_websocket_connection_is_closed(tree: Path) -> None:
    client = zephyr.testclient.TestClient(zephyr_app(StaticFiles(directory=tree / "public")))
    with client, pytest.raises(WebSocketDisconnect) as info, client.websocket_connect("/static/a.txt"):
        pass
    assert info.value.code == 1000


def test_url_for_builds_static_urls(tree: Path) -> None:
    app = zephyr_app(StaticFiles(directory=tree / "public"))

    @app.get("/link")
    def link(request: zephyr.Request) -> str:
        return str(request.url_for("static", path="sub/page.html"))

    with zephyr.testclient.TestClient(app) as client:
        assert client.get("/link").json() == "http://testserver/static/sub/page.html"


# -- SinglePageApp through app.frontend ------------------------------------------------------------------------


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    root = tmp_path / "dist"
    (root / "assets").mkdir(parents=True)
    (root / "guide").mkdir()
    (root / "index.html").write_text("<div id=app></div>")
    (root / "assets" / "app.js").write_text("console.log(1)")
    (root / "guide" / "index.html").write_text("<h1>guide</h1>")
    (tmp_path / "secret.txt").write_bytes(SECRET)
    return root


def _spa(dist: Path, make: Callable[[], Any] = lambda: zephyr.FastAPI()) -> Any:
    app = make()

    @app.get("/api/items")
    def items() -> list[int]:
        return [1, 2]

    app.frontend(path="/", directory=str(dist))
    return app


HTML = {"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
FRONTEND_REQUESTS: list[tuple[str, str, dict[str, str]]] = [
    ("GET", "/", {}),
    ("GET", "/", HTML),
    ("HEAD", "/", HTML),
    ("GET", "/assets/app.js", {}),
    ("GET", "/api/items", HTML),
    ("GET", "/dashboard/settings", HTML),
    ("GET", "/dashboard/settings", {"accept": "application/xhtml+xml"}),
    ("GET", "/dashboard/settings", {"accept": "text/html;q=0"}),
    ("GET", "/dashboard/settings", {"accept": "text/html;q=oops"}),
    ("GET", "/dashboard/settings", {}),
    ("GET", "/dashboard/settings", {"accept": "*/*"}),
    ("GET", "/dashboard.v2", HTML),
    ("GET", "/assets/missing.js", {"accept": "*/*"}),
    ("GET", "/guide", HTML),
    ("GET", "/guide/", HTML),
    ("POST", "/assets/app.js", {}),
    ("POST", "/dashboard", HTML),
    ("GET", "/%2e%2e/secret.txt", HTML),
]


@pytest.mark.parametrize(("method", "url", "headers"), FRONTEND_REQUESTS)
@pytest.mark.parametrize("with_404_page", [False, True])
def test_frontend_matches_fastapi(
    dist: Path, method: str, url: str, headers: dict[str, str], with_404_page: bool
) -> None:
    if with_404_page:
        (dist / "404.html").write_text("<h1>gone</h1>")
    answers = []
    for make, client_class in [
        (fastapi.FastAPI, fastapi.testclient.TestClient),
        (zephyr.FastAPI, zephyr.testclient.TestClient),
    ]:
        with client_class(_spa(dist, make)) as client:
            response = client.request(method, url, headers=headers, follow_redirects=False)
        kept = [(k, v) for k, v in response.headers.multi_items() if k not in ("date", "etag", "last-modified")]
        answers.append((response.status_code, kept, response.content))
    assert answers[0] == answers[1]
    assert SECRET not in answers[1][2]


def test_frontend_falls_back_to_index_for_page_navigations_only(dist: Path) -> None:
    with zephyr.testclient.TestClient(_spa(dist)) as client:
        page = client.get("/dashboard/settings", headers=HTML)
        asset = client.get("/assets/missing.js", headers={"accept": "*/*"})
        api = client.get("/api/items", headers=HTML)
    assert (page.status_code, page.text) == (200, "<div id=app></div>")
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert (asset.status_code, asset.json()) == (404, {"detail": "Not Found"})
    assert api.json() == [1, 2]


@pytest.mark.anyio
@pytest.mark.parametrize("path", [p.removeprefix("/static") for p in TRAVERSALS if "{tmp}" not in p])
async def test_frontend_path_traversal_is_404(dist: Path, path: str) -> None:
    os.symlink(dist.parent / "secret.txt", dist / "link_out.txt")
    status, body = await asgi_get(_spa(dist), path, headers=[(b"accept", b"application/json")])
    assert status == 404
    assert SECRET not in body


def test_single_page_app_explicit_fallbacks(dist: Path) -> None:
    with pytest.raises(RuntimeError, match=r"Frontend fallback file '404\.html' does not exist"):
        SinglePageApp(dist, fallback="404.html")
    with pytest.raises(RuntimeError, match=r"Frontend directory '.*nope' does not exist"):
        SinglePageApp(dist / "nope")
    with pytest.raises(ValueError, match="fallback must be"):
        SinglePageApp(dist, fallback="index.htm")  # type: ignore[arg-type]
    (dist / "main.html").write_text("main")
    app = zephyr_app(SinglePageApp(dist, index="main.html", fallback="index.html"), path="/ui")
    off = zephyr_app(SinglePageApp(dist, fallback=None), path="/ui")
    with zephyr.testclient.TestClient(app) as client, zephyr.testclient.TestClient(off) as no_fallback:
        assert client.get("/ui/anything", headers=HTML).text == "main"
        assert client.get("/ui/anything").status_code == 404
        assert no_fallback.get("/ui/anything", headers=HTML).status_code == 404
        assert no_fallback.get("/ui/assets/app.js").text == "console.log(1)"


def test_permission_error_is_401_as_in_starlette(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self: StaticFiles, path: str) -> Any:
        raise PermissionError(path)

    monkeypatch.setattr(StaticFiles, "lookup_path", refuse)
    with zephyr.testclient.TestClient(zephyr_app(StaticFiles(directory=tree / "public"))) as client:
        response = client.get("/static/a.txt")
    assert (response.status_code, response.json()) == (401, {"detail": "Unauthorized"})


def test_other_os_errors_propagate(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(self: StaticFiles, path: str) -> Any:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(StaticFiles, "lookup_path", broken)
    client = zephyr.testclient.TestClient(zephyr_app(StaticFiles(directory=tree / "public")))
    with client, pytest.raises(OSError, match="Input/output error"):
        client.get("/static/a.txt")


def test_check_dir_auto_only_warns_in_development(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    missing = tmp_path / "not-built-yet"
    with pytest.raises(RuntimeError, match="does not exist"):
        SinglePageApp(missing)
    monkeypatch.setenv("FASTAPI_ENV", "development")
    with pytest.warns(UserWarning, match=r"Frontend directory '.*not-built-yet' does not exist"):
        spa = SinglePageApp(missing)
    missing.mkdir()
    (missing / "index.html").write_text("built")
    with zephyr.testclient.TestClient(zephyr_app(spa, path="/ui")) as client:
        assert client.get("/ui/", headers=HTML).text == "built"
