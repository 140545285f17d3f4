"""Request hooks and error handlers: run in Flask's order, compared with the same app on real Flask."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import flask
import pytest
import werkzeug.exceptions

from zephyr.exceptions import HTTPException
from zephyr.flask.typed import Blueprint, Flask, InternalServerError, abort
from zephyr.flask.typed.hooks import Hooks, make_view
from zephyr.flask.typed.hooks import ViewSpec as Spec
from zephyr.requests import Request
from zephyr.responses import Response
from zephyr.testclient import TestClient


@dataclass
class Kit:
    """One framework's Flask API, so the same app can be declared on both."""

    name: str
    app: Callable[[str], Any]
    blueprint: Callable[..., Any]
    abort: Callable[..., Any]
    http_exception: type[Exception]

    def get(self, app: Any, path: str, method: str = "GET") -> tuple[int, str, dict[str, str]]:
        if self.name == "flask":
            response = app.test_client().open(path, method=method)
            return response.status_code, response.get_data(as_text=True), dict(response.headers)
        client = TestClient(app, raise_server_exceptions=False)
        result = client.request(method, path)
        return result.status_code, result.text, dict(result.headers)


FLASK = Kit("flask", flask.Flask, flask.Blueprint, flask.abort, werkzeug.exceptions.HTTPException)
ZEPHYR = Kit("zephyr", Flask, Blueprint, abort, HTTPException)


def declare(kit: Kit, log: list[str]) -> Any:
    """An app with hooks on the app, a blueprint and a nested blueprint, and views that fail in various ways."""
    app = kit.app("hooks")
    parent = kit.blueprint("parent", "hooks", url_prefix="/p")
    child = kit.blueprint("child", "hooks", url_prefix="/c")

    def record(name: str) -> Callable[..., Any]:
        def hook(*args: Any) -> Any:
            if args and hasattr(args[0], "status_code"):
                args[0].headers[f"X-{name}"] = "1"
                log.append(f"{name}:{args[0].status_code}")
                return args[0]
            log.append(f"{name}:{type(args[0]).__name__ if args and args[0] is not None else '-'}")
            return None

        return hook

    for owner, label in ((app, "app"), (parent, "parent"), (child, "child")):
        for number in (1, 2):
            owner.before_request(record(f"{label}-before{number}"))
            owner.after_request(record(f"{label}-after{number}"))
            owner.teardown_request(record(f"{label}-teardown{number}"))

    def ok() -> str:
        log.append("view")
        return "ok"

    def missing() -> str:
        kit.abort(404)
        return "unreachable"  # pragma: no cover

    def key() -> str:
        raise KeyError("k")

    def crash() -> str:
        raise ZeroDivisionError("zero")

    def teapot() -> str:
        kit.abort(418)
        return "unreachable"  # pragma: no cover

    def top() -> str:
        raise LookupError("top")

    def child_key(exc: Exception) -> tuple[str, int]:
        return "child handled KeyError", 409

    def parent_http(exc: Any) -> tuple[str, int]:
        return "parent handled HTTP error", 400

    def app_404(exc: Any) -> tuple[str, int]:
        return "app handled 404", 404

    def app_lookup(exc: Exception) -> tuple[str, int]:
        return f"app handled {type(exc).__name__}", 410

    def app_405(exc: Any) -> tuple[str, int]:
        return "app handled 405", 405

    def app_500(exc: Any) -> tuple[str, int]:
        return f"500 from {type(exc.original_exception).__name__}", 500

    for view in (ok, missing, key, crash, teapot):
        child.add_url_rule(f"/{view.__name__}", view_func=view)
    app.add_url_rule("/top", view_func=top)
    child.register_error_handler(KeyError, child_key)
    parent.register_error_handler(kit.http_exception, parent_http)
    app.register_error_handler(404, app_404)
    app.register_error_handler(LookupError, app_lookup)
    app.register_error_handler(500, app_500)
    app.register_error_handler(405, app_405)
    parent.register_blueprint(child)
    app.register_blueprint(parent)
    return app


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/p/c/ok"),
        ("GET", "/p/c/missing"),
        ("GET", "/p/c/key"),
        ("GET", "/p/c/crash"),
        ("GET", "/p/c/teapot"),
        ("GET", "/top"),
        ("GET", "/nowhere"),
        ("POST", "/p/c/ok"),
    ],
)
def test_hooks_and_error_handlers_run_as_in_flask(method: str, path: str) -> None:
    results = []
    for kit in (FLASK, ZEPHYR):
        log: list[str] = []
        app = declare(kit, log)
        status, body, headers = kit.get(app, path, method)
        marks = sorted(k.lower() for k in headers if k.lower().startswith("x-"))
        results.append((status, body, marks, log))
    assert results[0] == results[1]


def test_hook_order_for_a_nested_blueprint_view() -> None:
    log: list[str] = []
    status, body, _ = ZEPHYR.get(declare(ZEPHYR, log), "/p/c/ok")
    assert (status, body) == (200, "ok")
    assert log == [
        "app-before1:-",
        "app-before2:-",
        "parent-before1:-",
        "parent-before2:-",
        "child-before1:-",
        "child-before2:-",
        "view",
        "child-after2:200",
        "child-after1:200",
        "parent-after2:200",
        "parent-after1:200",
        "app-after2:200",
        "app-after1:200",
        "child-teardown2:-",
        "child-teardown1:-",
        "parent-teardown2:-",
        "parent-teardown1:-",
        "app-teardown2:-",
        "app-teardown1:-",
    ]


def test_teardown_receives_the_unhandled_exception() -> None:
    log: list[str] = []
    declare(ZEPHYR, log)
    app = declare(ZEPHYR, log)
    log.clear()
    ZEPHYR.get(app, "/p/c/crash")
    assert "app-teardown1:ZeroDivisionError" in log
    log.clear()
    ZEPHYR.get(app, "/p/c/key")
    assert "app-teardown1:-" in log


def test_before_request_short_circuits_the_view_and_after_request_still_runs() -> None:
    app = Flask(__name__)
    calls: list[str] = []

    @app.before_request
    async def gate(request: Request) -> tuple[dict[str, str], int] | None:
        if request.headers.get("x-token") != "secret":
            return {"error": "forbidden"}, 403
        return None

    @app.after_request
    async def stamp(response: Response) -> Response:
        response.headers["X-Stamped"] = "yes"
        return response

    @app.route("/private")
    def private() -> str:
        calls.append("view")
        return "secret page"

    client = TestClient(app)
    denied = client.get("/private")
    assert (denied.status_code, denied.content) == (403, b'{"error":"forbidden"}\n')
    assert denied.headers["x-stamped"] == "yes"
    assert calls == []
    allowed = client.get("/private", headers={"X-Token": "secret"})
    assert (allowed.status_code, allowed.text, allowed.headers["x-stamped"]) == (200, "secret page", "yes")
    assert calls == ["view"]


def test_after_request_may_replace_the_response() -> None:
    app = Flask(__name__)

    @app.after_request
    def replace(response: Response) -> Response:
        return Response(b"replaced:" + bytes(response.body), status_code=203, media_type="text/plain")

    @app.route("/")
    def index() -> str:
        return "original"

    response = TestClient(app).get("/")
    assert (response.status_code, response.text) == (203, "replaced:original")


def test_after_request_must_return_a_response() -> None:
    app = Flask(__name__)

    @app.after_request
    def forgetful(response: Response) -> None:
        return None

    @app.route("/")
    def index() -> str:
        return "x"

    with pytest.raises(TypeError, match=r"after_request hook of .* returned NoneType, not the response"):
        TestClient(app).get("/")


def test_unhandled_errors_without_a_500_handler_reach_zephyr() -> None:
    app = Flask(__name__)
    torn: list[BaseException | None] = []

    @app.teardown_request
    def teardown(exc: BaseException | None) -> None:
        torn.append(exc)

    @app.route("/boom")
    def boom() -> str:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        TestClient(app).get("/boom")
    response = TestClient(app, raise_server_exceptions=False).get("/boom")
    assert (response.status_code, response.text) == (500, "Internal Server Error")
    assert [type(exc) for exc in torn] == [RuntimeError, RuntimeError]


def test_http_errors_without_a_flask_handler_use_the_apps_exception_handlers() -> None:
    app = Flask(__name__)

    @app.after_request
    def stamp(response: Response) -> Response:
        response.headers["X-Stamped"] = "yes"
        return response

    @app.route("/items/<int:item_id>")
    def item(item_id: int, q: int = 0) -> dict[str, int]:
        if item_id > 10:
            abort(404, "No such item")
        return {"id": item_id, "q": q}

    client = TestClient(app)
    missing = client.get("/items/11")
    assert (missing.status_code, missing.json(), missing.headers["x-stamped"]) == (
        404,
        {"detail": "No such item"},
        "yes",
    )
    invalid = client.get("/items/1?q=abc")
    assert invalid.status_code == 422
    assert invalid.json()["detail"][0]["loc"] == ["query", "q"]
    assert invalid.headers["x-stamped"] == "yes"


def test_errorhandler_422_answers_validation_errors() -> None:
    app = Flask(__name__)

    @app.errorhandler(422)
    def invalid(exc: Exception) -> tuple[str, int]:
        return f"bad input: {type(exc).__name__}", 400

    @app.route("/n/<int:n>")
    def number(n: int, limit: int = 5) -> str:
        return str(n)

    response = TestClient(app).get("/n/1?limit=x")
    assert (response.status_code, response.text) == (400, "bad input: RequestValidationError")


def test_abort_with_a_response_sends_it() -> None:
    app = Flask(__name__)

    @app.route("/")
    def index() -> str:
        abort(Response("custom", status_code=451, media_type="text/plain"))

    response = TestClient(app).get("/")
    assert (response.status_code, response.text) == (451, "custom")


def test_app_errorhandler_answers_unknown_urls_and_fastapi_routes() -> None:
    app = Flask(__name__)

    class OutOfStockError(Exception):
        pass

    @app.errorhandler(404)
    def not_found(exc: HTTPException) -> tuple[str, int]:
        return f"<p>{exc.detail}</p>", 404

    @app.errorhandler(OutOfStockError)
    async def out_of_stock(exc: OutOfStockError) -> tuple[dict[str, str], int]:
        return {"error": str(exc)}, 409

    @app.api_route("/buy")
    def buy() -> None:
        raise OutOfStockError("sold out")

    client = TestClient(app)
    unknown = client.get("/nowhere")
    assert (unknown.status_code, unknown.text) == (404, "<p>Not Found</p>")
    assert unknown.headers["content-type"] == "text/html; charset=utf-8"
    bought = client.get("/buy")
    assert (bought.status_code, bought.content) == (409, b'{"error":"sold out"}\n')


def test_errorhandler_500_receives_internal_server_error() -> None:
    app = Flask(__name__)
    seen: list[Any] = []

    @app.errorhandler(500)
    def server_error(exc: InternalServerError) -> tuple[str, int]:
        seen.append(exc)
        return "sorry", 500

    @app.route("/")
    def index() -> str:
        raise ValueError("bad")

    response = TestClient(app).get("/")
    assert (response.status_code, response.text) == (500, "sorry")
    assert isinstance(seen[0], InternalServerError)
    assert isinstance(seen[0].original_exception, ValueError)


@pytest.mark.parametrize("key", [200, 600, "404", 1.5, True])
def test_errorhandler_rejects_invalid_keys(key: Any) -> None:
    with pytest.raises(ValueError, match="errorhandler"):
        Hooks("app").add_error_handler(key, lambda exc: None)


def test_make_view_keeps_the_signature_and_sync_or_async_nature() -> None:
    import inspect

    def sync_view(user_id: int, q: str | None = None) -> str:
        return f"{user_id}"

    async def async_view(user_id: int) -> str:
        return f"{user_id}"

    spec = Spec("view", "", ())
    wrapped = make_view(sync_view, spec)
    assert list(inspect.signature(wrapped).parameters) == ["user_id", "q"]
    assert inspect.signature(wrapped).return_annotation is Response
    assert not inspect.iscoroutinefunction(wrapped)
    assert wrapped(user_id=3).body == b"3"
    assert inspect.iscoroutinefunction(make_view(async_view, spec))
    assert wrapped.__name__ == "sync_view"


def test_make_view_keeps_records_of_decorators_below_the_route_but_not_wrapped() -> None:
    import functools

    from zephyr import Depends
    from zephyr._hooks import add_route_dependency, route_dependencies

    def generator_view() -> Any:
        yield "x"  # pragma: no cover

    @functools.wraps(generator_view)
    def decorated() -> str:
        return "plain"

    marker = Depends(lambda: None)
    add_route_dependency(decorated, marker)
    wrapped = make_view(decorated, Spec("decorated", "", ()))
    assert route_dependencies(wrapped) == (marker,)
    assert not hasattr(wrapped, "__wrapped__")
    assert wrapped().body == b"plain"


def test_flask_route_as_route_class_runs_app_hooks_around_fastapi_style_routes() -> None:
    from zephyr.flask.typed import FlaskRoute
    from zephyr.responses import PlainTextResponse
    from zephyr.routing import APIRouter

    app = Flask(__name__)
    router = APIRouter(route_class=FlaskRoute)

    @app.after_request
    def stamp(response: Response) -> Response:
        response.headers["X-Stamped"] = "yes"
        return response

    @router.get("/items/{item_id}")
    def read_item(item_id: int) -> dict[str, int]:
        if item_id > 10:
            abort(404)
        return {"item_id": item_id}

    def sync_http_handler(request: Request, exc: HTTPException) -> Response:
        return PlainTextResponse(f"sync handler: {exc.status_code}", exc.status_code, headers=exc.headers)

    app.add_exception_handler(HTTPException, sync_http_handler)
    app.include_router(router)
    client = TestClient(app)
    response = client.get("/items/2")
    assert (response.content, response.headers["x-stamped"]) == (b'{"item_id":2}', "yes")
    wrong = client.post("/items/2")
    assert (wrong.status_code, wrong.text, wrong.headers["allow"]) == (405, "sync handler: 405", "GET")
    missing = client.get("/items/11")
    assert (missing.status_code, missing.text, missing.headers["x-stamped"]) == (404, "sync handler: 404", "yes")


def test_http_errors_with_no_handler_at_all_propagate() -> None:
    bp = Blueprint("bp", __name__)

    @bp.route("/gone")
    def gone() -> str:
        abort(410)

    scope_app_less = bp  # served as a bare router: no app, so no exception handlers
    client = TestClient(scope_app_less, raise_server_exceptions=True)
    with pytest.raises(HTTPException):
        client.get("/gone")


def test_unknown_urls_and_wrong_methods_run_the_app_hooks() -> None:
    app = Flask(__name__)
    seen: list[str] = []

    @app.before_request
    def gate(request: Request) -> str | None:
        seen.append(f"before {request.url.path}")
        return "gate says no" if request.url.path == "/secret-unknown" else None

    @app.after_request
    def stamp(response: Response) -> Response:
        response.headers["X-Stamped"] = "yes"
        return response

    @app.teardown_request
    def done(exc: BaseException | None) -> None:
        seen.append("teardown")

    @app.errorhandler(405)
    def wrong_method(exc: HTTPException) -> tuple[str, int, dict[str, str]]:
        return "wrong method", 405, dict(exc.headers or {})

    @app.route("/only-get")
    def only_get() -> str:
        return "got"

    client = TestClient(app)
    unknown = client.get("/unknown")
    assert (unknown.status_code, unknown.json(), unknown.headers["x-stamped"]) == (404, {"detail": "Not Found"}, "yes")
    gated = client.get("/secret-unknown")
    assert (gated.status_code, gated.text) == (200, "gate says no")
    wrong = client.post("/only-get")
    assert (wrong.status_code, wrong.text, wrong.headers["allow"], wrong.headers["x-stamped"]) == (
        405,
        "wrong method",
        "GET",
        "yes",
    )
    assert seen == ["before /unknown", "teardown", "before /secret-unknown", "teardown", "before /only-get", "teardown"]


def test_unknown_websocket_paths_are_closed() -> None:
    from zephyr.websockets import WebSocketDisconnect

    app = Flask(__name__)
    with pytest.raises(WebSocketDisconnect), TestClient(app).websocket_connect("/nowhere") as websocket:
        websocket.receive_text()


def test_fastapi_style_exception_handlers_come_before_errorhandler_500() -> None:
    from zephyr.responses import JSONResponse

    class PaymentError(Exception):
        pass

    app = Flask(__name__)

    @app.exception_handler(PaymentError)
    async def payment(request: Request, exc: PaymentError) -> JSONResponse:
        return JSONResponse({"payment": str(exc)}, status_code=402)

    @app.errorhandler(500)
    def server_error(exc: InternalServerError) -> tuple[str, int]:
        return "500 page", 500

    @app.route("/pay")
    def pay() -> str:
        raise PaymentError("declined")

    @app.route("/crash")
    def crash() -> str:
        raise OSError("disk")

    client = TestClient(app)
    paid = client.get("/pay")
    assert (paid.status_code, paid.json()) == (402, {"payment": "declined"})
    crashed = client.get("/crash")
    assert (crashed.status_code, crashed.text) == (500, "500 page")
