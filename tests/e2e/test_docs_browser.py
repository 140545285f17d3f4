"""The docs pages in a real browser: headless Chromium (Debian's) driven by Playwright, against the showcase app
served by uvicorn on 127.0.0.1. Swagger UI must list the operations and run "Try it out" -> "Execute" on the
validated ``POST /users`` with the response shown on the page; ReDoc and Scalar must list the operations too. Every
request to anything but loopback is refused and recorded, and no page may make one (scripts, styles, fonts, favicon).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.server import Server, run_server
from tests.support.services import missing_service

pytestmark = pytest.mark.e2e

CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        missing_service("No Chromium: install Debian's 'chromium' package (make system-deps does it as root)")
    return str(path)


@pytest.fixture(scope="module")
def showcase() -> Iterator[Server]:
    with run_server("examples.showcase:app") as server:
        yield server


@pytest.fixture
def page(tmp_path: Path) -> Iterator[object]:
    executable = _chromium()
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        context = browser.new_context()
        outside: list[str] = []

        # Only loopback may be reached: anything else (a CDN, a font host) is refused at once and recorded.
        def only_loopback(route: Any) -> None:
            url = route.request.url
            if url.startswith(("http://127.0.0.1", "data:", "blob:")):
                route.continue_()
            else:
                outside.append(url)
                route.abort()

        context.route("**/*", only_loopback)
        page = context.new_page()
        page.outside_requests = outside
        try:
            yield page
            assert outside == [], f"the page asked for non-loopback URLs: {outside}"
        finally:
            page.screenshot(path=str(tmp_path / "last-page.png"), full_page=True)
            context.close()
            browser.close()


def test_swagger_ui_lists_operations_and_executes_post_users(showcase: Server, page: object, tmp_path: Path) -> None:
    p: object = page
    p.goto(f"{showcase.url}/docs")  # type: ignore[attr-defined]
    p.wait_for_selector(".opblock-summary-path", timeout=20_000)  # type: ignore[attr-defined]
    paths = p.locator(".opblock-summary-path").all_inner_texts()  # type: ignore[attr-defined]
    for expected in ("/users", "/users/{user_id}", "/predict", "/me", "/token"):
        assert any(text.replace("\u200b", "") == expected for text in paths), (expected, paths)
    operation = p.locator("#operations-users-create_user_users_post")  # type: ignore[attr-defined]
    operation.locator(".opblock-summary").click()
    operation.locator(".try-out__btn").click()
    body = json.dumps({"name": "Grace", "email": "grace@example.com", "age": 45})
    operation.locator("textarea.body-param__text").fill(body)
    operation.locator(".execute").click()
    status = operation.locator(".live-responses-table tbody .response-col_status").first
    status.wait_for(timeout=20_000)
    assert status.inner_text().strip().startswith("201")
    shown = operation.locator(".live-responses-table tbody .response-col_description .microlight").first.inner_text()
    assert json.loads(shown) == {
        "id": json.loads(shown)["id"],
        "name": "Grace",
        "email": "grace@example.com",
        "age": 45,
    }
    p.screenshot(path=str(tmp_path / "swagger-ui.png"), full_page=True)  # type: ignore[attr-defined]


def test_swagger_ui_shows_the_422_for_an_invalid_user(showcase: Server, page: object) -> None:
    p: object = page
    p.goto(f"{showcase.url}/docs")  # type: ignore[attr-defined]
    operation = p.locator("#operations-users-create_user_users_post")  # type: ignore[attr-defined]
    operation.wait_for(timeout=20_000)
    operation.locator(".opblock-summary").click()
    operation.locator(".try-out__btn").click()
    operation.locator("textarea.body-param__text").fill(json.dumps({"name": "Kid", "email": "k@example.com", "age": 9}))
    operation.locator(".execute").click()
    status = operation.locator(".live-responses-table tbody .response-col_status").first
    status.wait_for(timeout=20_000)
    assert status.inner_text().strip().startswith("422")
    shown = json.loads(operation.locator(".live-responses-table tbody .microlight").first.inner_text())
    assert shown["detail"][0]["loc"] == ["body", "age"]


def test_redoc_page_loads_with_the_document_url(showcase: Server, page: object) -> None:
    p: object = page
    response = p.goto(f"{showcase.url}/redoc")  # type: ignore[attr-defined]
    assert response.status == 200
    assert p.title() == "Zephyr showcase - ReDoc"  # type: ignore[attr-defined]
    assert p.locator("redoc").get_attribute("spec-url") == "/openapi.json"  # type: ignore[attr-defined]
    document = p.request.get(f"{showcase.url}/openapi.json").json()  # type: ignore[attr-defined]
    assert document["info"]["title"] == "Zephyr showcase"


def test_redoc_lists_the_operations_offline(showcase: Server, page: object, tmp_path: Path) -> None:
    p: Any = page
    p.goto(f"{showcase.url}/redoc")
    # ReDoc renders one heading per operation, named by its summary
    p.get_by_role("heading", name="Create User").first.wait_for(timeout=30_000)
    for summary in ("Read User", "Predict", "Token"):
        assert p.get_by_role("heading", name=summary).count() >= 1, summary
    assert "/users/{user_id}" in p.content()
    p.screenshot(path=str(tmp_path / "redoc.png"), full_page=False)


def test_scalar_lists_the_operations_offline(showcase: Server, page: object, tmp_path: Path) -> None:
    p: Any = page
    p.goto(f"{showcase.url}/scalar")
    p.get_by_text("Create User").first.wait_for(timeout=30_000)
    text = p.inner_text("body")
    # the sidebar lists every tag; the first group is open with its operations
    for expected in ("Zephyr showcase", "users", "model", "auth", "batteries", "Read User", "/users/{user_id}"):
        assert expected in text, expected
    p.get_by_text("Open Group - model").first.click()
    p.get_by_text("Predict").first.wait_for(timeout=10_000)
    p.screenshot(path=str(tmp_path / "scalar.png"), full_page=False)
