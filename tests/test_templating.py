# mypy: disable-error-code="untyped-decorator, name-defined"
"""Jinja2Templates: rendering compared with FastAPI's, url_for, autoescaping, the old call form, clear errors.

No ``from __future__ import annotations`` here: the endpoints' annotations name the framework under test through
a local variable, so they must be evaluated when the functions are defined.
"""

import subprocess
import sys
from pathlib import Path
from typing import Any

import fastapi
import fastapi.staticfiles
import fastapi.templating
import fastapi.testclient
import jinja2
import pytest

import zephyr
import zephyr.testclient
from zephyr.background import BackgroundTask
from zephyr.exceptions import MissingDependencyError
from zephyr.requests import Request
from zephyr.staticfiles import StaticFiles
from zephyr.templating import Jinja2Templates

_zephyr: Any = zephyr


@pytest.fixture
def templates_dir(tmp_path: Path) -> Path:
    root = tmp_path / "templates"
    (root / "partials").mkdir(parents=True)
    (root / "static").mkdir()
    (root / "static" / "site.css").write_text("body {}")
    (root / "item.html").write_text(
        "<h1>{{ title }}</h1><a href=\"{{ url_for('read_item', item_id=item_id) }}\">self</a>"
        "<link href=\"{{ url_for('static', path='site.css') }}\">{{ request.url.path }}|{{ user }}"
    )
    (root / "note.txt").write_text("plain {{ title }}")
    (root / "page.html").write_text("{% include 'partials/missing.html' %}")
    return root


def build_app(fw: Any, templates_class: Any, static_class: Any, directory: Path) -> Any:
    """The same templated app on either framework."""
    app = fw.FastAPI()
    app.mount("/static", static_class(directory=directory / "static"), name="static")

    def user_processor(request: Any) -> dict[str, Any]:
        return {"user": request.headers.get("x-user", "anonymous")}

    templates = templates_class(directory=directory, context_processors=[user_processor])

    @app.get("/items/{item_id}")
    def read_item(request: fw.Request, item_id: str) -> Any:
        return templates.TemplateResponse(request, "item.html", {"title": "<b>Tea & cake</b>", "item_id": item_id})

    @app.get("/note")
    def note(request: fw.Request) -> Any:
        return templates.TemplateResponse(
            request,
            name="note.txt",
            context={"title": "<raw>"},
            status_code=201,
            headers={"x-extra": "1"},
            media_type="text/plain",
        )

    return app


@pytest.mark.parametrize(("url", "headers"), [("/items/a%20b", {}), ("/items/1", {"x-user": "ann"}), ("/note", {})])
def test_template_responses_match_fastapi(templates_dir: Path, url: str, headers: dict[str, str]) -> None:
    answers = []
    for fw, templates_class, static_class, client_class in [
        (fastapi, fastapi.templating.Jinja2Templates, fastapi.staticfiles.StaticFiles, fastapi.testclient.TestClient),
        (_zephyr, Jinja2Templates, StaticFiles, zephyr.testclient.TestClient),
    ]:
        with client_class(build_app(fw, templates_class, static_class, templates_dir)) as client:
            response = client.get(url, headers=headers)
        answers.append((response.status_code, response.headers.multi_items(), response.text))
    assert answers[0] == answers[1]


def test_rendering_escapes_html_and_builds_urls(templates_dir: Path) -> None:
    app = build_app(_zephyr, Jinja2Templates, StaticFiles, templates_dir)
    with zephyr.testclient.TestClient(app) as client:
        response = client.get("/items/7", headers={"x-user": "<script>"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.text == (
        '<h1>&lt;b&gt;Tea &amp; cake&lt;/b&gt;</h1><a href="http://testserver/items/7">self</a>'
        '<link href="http://testserver/static/site.css">/items/7|&lt;script&gt;'
    )


def test_test_client_response_carries_template_and_context(templates_dir: Path) -> None:
    app = build_app(_zephyr, Jinja2Templates, StaticFiles, templates_dir)
    with zephyr.testclient.TestClient(app) as client:
        response: Any = client.get("/items/3")
    assert response.template.name == "item.html"
    assert response.context["title"] == "<b>Tea & cake</b>"
    assert response.context["item_id"] == "3"
    assert response.context["user"] == "anonymous"
    assert isinstance(response.context["request"], Request)


def test_response_object_has_template_and_context(templates_dir: Path) -> None:
    templates = Jinja2Templates(directory=templates_dir)
    request = Request({"type": "http", "method": "GET", "path": "/", "headers": [], "query_string": b""})
    task = BackgroundTask(print)
    response = templates.TemplateResponse(request, "note.txt", {"title": "x"}, 202, {"a": "b"}, "text/plain", task)
    assert response.template.name == "note.txt"
    assert response.context == {"title": "x", "request": request}
    assert (response.status_code, response.body, response.background) == (202, b"plain x", task)
    assert response.raw_headers == [
        (b"a", b"b"),
        (b"content-length", b"7"),
        (b"content-type", b"text/plain; charset=utf-8"),
    ]


def test_old_call_form_works_with_starlettes_deprecation_warning(templates_dir: Path) -> None:
    templates = Jinja2Templates(directory=templates_dir)
    request = Request({"type": "http", "method": "GET", "path": "/", "headers": [], "query_string": b""})
    message = (
        "The `name` is not the first parameter anymore. The first parameter should be the `Request` instance.\n"
        'Replace `TemplateResponse(name, {"request": request})` by `TemplateResponse(request, name)`.'
    )
    with pytest.warns(DeprecationWarning) as record:
        response = templates.TemplateResponse("note.txt", {"request": request, "title": "old"}, 203)
    assert [str(warning.message) for warning in record] == [message]
    assert record[0].filename == __file__
    assert (response.status_code, response.body) == (203, b"plain old")
    with pytest.warns(DeprecationWarning, match="now requires the `request` argument"):
        keyword = templates.TemplateResponse(name="note.txt", context={"request": request, "title": "kw"})
    assert keyword.body == b"plain kw"
    with pytest.warns(DeprecationWarning), pytest.raises(ValueError, match='context must include a "request" key'):
        templates.TemplateResponse("note.txt", {"title": "no request"})


def test_call_form_mistakes_are_type_errors(templates_dir: Path) -> None:
    templates = Jinja2Templates(directory=templates_dir)
    request = Request({"type": "http", "method": "GET", "path": "/", "headers": [], "query_string": b""})
    with pytest.raises(TypeError, match="multiple values for argument 'name'"):
        templates.TemplateResponse(request, "note.txt", name="x")  # type: ignore[call-overload]
    with pytest.raises(TypeError, match="unexpected keyword argument 'colour'"):
        templates.TemplateResponse(request, "note.txt", colour="red")  # type: ignore[call-overload]
    with pytest.raises(TypeError, match="needs the template name"):
        templates.TemplateResponse(request)  # type: ignore[call-overload]


def test_missing_template_error_names_the_directory_and_near_misses(templates_dir: Path) -> None:
    templates = Jinja2Templates(directory=templates_dir)
    with pytest.raises(jinja2.TemplateNotFound) as info:
        templates.get_template("itme.html")
    message = str(info.value)
    assert message.startswith(f"Template 'itme.html' not found in '{templates_dir}' (resolved: ")
    assert "Did you mean 'item.html'" in message
    assert info.value.name == "itme.html"


def test_missing_included_template_keeps_jinjas_error(templates_dir: Path) -> None:
    app = _zephyr.FastAPI()
    templates = Jinja2Templates(directory=templates_dir)

    @app.get("/page")
    def page(request: Request) -> Any:
        return templates.TemplateResponse(request, "page.html")

    with zephyr.testclient.TestClient(app) as client, pytest.raises(jinja2.TemplateNotFound) as info:
        client.get("/page")
    assert info.value.name == "partials/missing.html"


def test_env_argument_and_url_for_not_overridden(templates_dir: Path) -> None:
    env = jinja2.Environment(loader=jinja2.DictLoader({"t.html": "{{ url_for('x') }}"}), autoescape=True)
    env.globals["url_for"] = lambda name: f"custom:{name}"
    templates = Jinja2Templates(env=env)
    assert templates.env is env
    request = Request({"type": "http", "method": "GET", "path": "/", "headers": [], "query_string": b""})
    assert templates.TemplateResponse(request, "t.html").body == b"custom:x"
    with pytest.raises(jinja2.TemplateNotFound, match="not found by the environment's loader"):
        templates.get_template("nope.html")


def test_several_directories_are_searched_in_order(tmp_path: Path) -> None:
    for name, text in [("one", "first"), ("two", "second")]:
        (tmp_path / name).mkdir()
        (tmp_path / name / "shared.html").write_text(text)
    (tmp_path / "two" / "only.html").write_text("only two")
    templates = Jinja2Templates(directory=[tmp_path / "one", tmp_path / "two"])
    assert templates.get_template("shared.html").render() == "first"
    assert templates.get_template("only.html").render() == "only two"


def test_directory_or_env_is_required(templates_dir: Path) -> None:
    with pytest.raises(TypeError, match="needs either 'directory' or 'env'"):
        Jinja2Templates()  # type: ignore[call-overload]
    with pytest.raises(TypeError, match="not both"):
        Jinja2Templates(directory=templates_dir, env=jinja2.Environment(autoescape=True))  # type: ignore[call-overload]


def test_missing_jinja2_raises_missing_dependency_error(monkeypatch: pytest.MonkeyPatch, templates_dir: Path) -> None:
    monkeypatch.setitem(sys.modules, "jinja2", None)
    with pytest.raises(MissingDependencyError, match=r"pip install 'zephyr\[templates\]'"):
        Jinja2Templates(directory=templates_dir)


def test_importing_templating_does_not_import_jinja2() -> None:
    code = "import sys, zephyr, zephyr.templating; print('jinja2' in sys.modules)"
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert output.strip() == "False"


def test_loader_that_cannot_list_still_gets_a_clear_error() -> None:
    env = jinja2.Environment(loader=jinja2.FunctionLoader(lambda name: None), autoescape=True)
    templates = Jinja2Templates(env=env)
    with pytest.raises(jinja2.TemplateNotFound, match=r"^Template 'x\.html' not found by the environment's loader"):
        templates.get_template("x.html")


def test_too_many_arguments_or_no_name_in_the_old_form(templates_dir: Path) -> None:
    templates = Jinja2Templates(directory=templates_dir)
    request = Request({"type": "http", "method": "GET", "path": "/", "headers": [], "query_string": b""})
    with pytest.raises(TypeError, match="at most 7 positional arguments"):
        templates.TemplateResponse(request, "note.txt", {}, 200, None, None, None, 8)  # type: ignore[call-overload]
    with pytest.warns(DeprecationWarning), pytest.raises(TypeError, match="needs the template name"):
        templates.TemplateResponse(context={"request": request})  # type: ignore[call-overload]
