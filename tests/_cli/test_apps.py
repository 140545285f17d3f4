from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from zephyr._cli.apps import find_app

APP_SOURCE = "from zephyr import FastAPI\n{name} = FastAPI(title={title!r})\n"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty project directory as the current directory, its modules forgotten afterwards."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    before = set(sys.modules)
    yield tmp_path
    for name in set(sys.modules) - before:
        del sys.modules[name]


def write(path: Path, source: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(source)


def test_a_module_alone_means_module_app() -> None:
    import_string, app = find_app("examples.showcase")
    assert import_string == "examples.showcase:app"
    assert app.title == "Zephyr showcase"


def test_an_explicit_attribute_is_used_as_is() -> None:
    assert find_app("examples.showcase:app")[0] == "examples.showcase:app"


def test_api_is_the_second_default_name(project: Path) -> None:
    write(project / "service.py", APP_SOURCE.format(name="api", title="A"))
    assert find_app("service")[0] == "service:api"


def test_the_only_app_of_a_module_is_found_by_type(project: Path) -> None:
    write(project / "shop.py", APP_SOURCE.format(name="shop", title="Shop"))
    import_string, app = find_app("shop")
    assert import_string == "shop:shop"
    assert app.title == "Shop"


def test_several_apps_must_be_named(project: Path) -> None:
    write(project / "two.py", APP_SOURCE.format(name="one", title="1") + "two = FastAPI()\n")
    with pytest.raises(SystemExit, match=r"holds several apps \(one, two\); name one: two:one"):
        find_app("two")


def test_a_module_without_an_app_says_how_to_name_one(project: Path) -> None:
    write(project / "empty.py", "x = 1\n")
    with pytest.raises(SystemExit, match=r"has no attribute 'app' and holds no app\. Name it: empty:<attribute>"):
        find_app("empty")


def test_a_file_path_names_its_module(project: Path) -> None:
    write(project / "pkg" / "__init__.py", "")
    write(project / "pkg" / "web.py", APP_SOURCE.format(name="app", title="Web"))
    assert find_app("pkg/web.py")[0] == "pkg.web:app"
    assert find_app("pkg/web.py:app")[0] == "pkg.web:app"


def test_a_missing_file_is_reported(project: Path) -> None:
    with pytest.raises(SystemExit, match=r"no such file 'nowhere\.py'"):
        find_app("nowhere.py")


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        (["main.py", "app.py"], "main:app"),
        (["app.py", "api.py"], "app:app"),
        (["api.py"], "api:app"),
        (["app/main.py"], "app.main:app"),
        (["app/api.py"], "app.api:app"),
    ],
)
def test_nothing_named_looks_where_fastapi_dev_looks(project: Path, files: list[str], expected: str) -> None:
    for index, name in enumerate(files):
        write(project / name, APP_SOURCE.format(name="app", title=str(index)))
    if any(name.startswith("app/") for name in files):
        write(project / "app" / "__init__.py", "")
    import_string, app = find_app(None)
    assert import_string == expected
    assert app.title == "0"


def test_nothing_named_and_nothing_found(project: Path) -> None:
    with pytest.raises(SystemExit, match=r"none found \(looked for main\.py, app\.py, api\.py"):
        find_app(None)
