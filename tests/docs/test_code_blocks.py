"""Every code block in the documentation runs: Python blocks are executed, in order, one namespace per page.

Apps a page builds are then served through the test client (their lifespan runs and ``/openapi.json`` answers), so a
page cannot show an app that fails at start-up or cannot describe itself. See ``tests/docs/blocks.py`` for the
conventions (file blocks, invisible blocks, pages that need PostgreSQL).
"""

from __future__ import annotations

import ast
import asyncio
import inspect
import sys
import types
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

from tests.docs.blocks import DOCS, Block, blocks, pages, services
from zephyr.applications import Zephyr
from zephyr.testclient import TestClient

SHOWN_LANGUAGES = {"console", "sh", "text", "toml", "ini", "dockerfile", "yaml", "json", "nginx", "html", "jinja"}


@pytest.fixture
def scratch_database(database_url: str) -> Iterator[str]:
    """A database of this test's own on the PostgreSQL server, dropped afterwards: pages create tables freely."""
    name = f"docs_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    try:
        yield urlunsplit(urlsplit(database_url)._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(database_url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _run(block: Block, page: Path, namespace: dict[str, Any]) -> None:
    source = "\n" * (block.line) + block.code  # tracebacks point at the page's own lines
    code = compile(source, str(page), "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    result = eval(code, namespace)  # noqa: S307 - our own documentation
    if inspect.iscoroutine(result):
        asyncio.run(result)


def _exercise(namespace: dict[str, Any]) -> int:
    """Serve every app the page left in its namespace; answer how many."""
    apps = [value for value in namespace.values() if isinstance(value, Zephyr)]
    for app in {id(app): app for app in apps}.values():
        with TestClient(app) as client:
            if app.openapi_url:
                response = client.get(app.openapi_url)
                assert response.status_code == 200, response.text
    return len(apps)


def _page_id(page: Path) -> str:
    return str(page.relative_to(DOCS))


@pytest.mark.parametrize("page", pages(), ids=_page_id)
def test_every_python_block_runs(
    page: Path, request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    python = [block for block in blocks(page) if block.language == "python"]
    if not python:
        return
    needed = services(page)
    assert needed <= {"postgresql"}, f"{page}: unknown services {needed}"
    if "postgresql" in needed:
        monkeypatch.setenv("DATABASE_URL", request.getfixturevalue("scratch_database"))
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    # a real module, as the reader's file would be: pydantic and dataclasses look classes' modules up by name
    module = types.ModuleType(f"docs_{page.stem.replace('-', '_')}")
    monkeypatch.setitem(sys.modules, module.__name__, module)
    namespace = module.__dict__
    written = []
    try:
        for block in python:
            if block.title:
                target = tmp_path / block.title
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(block.code, encoding="utf-8")
                written.append(block.title)
                continue
            _run(block, page, namespace)
        _exercise(namespace)
        imported = {_file(module) for module in list(sys.modules.values()) if _under(module, tmp_path)}
        for title in written:
            if title.endswith(".py") and not Path(title).name.startswith("test_"):  # test files: the page runs pytest
                assert (tmp_path / title).resolve() in imported, f"{page}: the file block {title!r} is never imported"
    finally:
        for name, module in list(sys.modules.items()):
            if _under(module, tmp_path):
                del sys.modules[name]


def _file(module: Any) -> Path | None:
    file = getattr(module, "__file__", None)
    return Path(file).resolve() if isinstance(file, str) else None


def _under(module: Any, directory: Path) -> bool:
    file = _file(module)
    return file is not None and file.is_relative_to(directory.resolve())


@pytest.mark.parametrize("page", pages(), ids=_page_id)
def test_every_block_names_its_language(page: Path) -> None:
    for block in blocks(page):
        assert block.language in SHOWN_LANGUAGES | {"python"}, (
            f"{page}:{block.line}: a code block in {block.language or 'no language'!r}; name one of "
            f"{sorted(SHOWN_LANGUAGES | {'python'})} (python blocks are executed by this test)"
        )


def test_the_conventions_are_read() -> None:
    page = DOCS / "guides" / "bigger-applications.md"
    found = blocks(page)
    assert any(block.title == "app/main.py" for block in found)
    assert any(block.hidden for block in blocks(DOCS / "caching.md"))
    assert services(DOCS / "tutorial.md") == {"postgresql"}
