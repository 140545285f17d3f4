"""Exception handling around the router (zephyr._errors): Starlette's HTTPException and its subclasses."""

from __future__ import annotations

from typing import Any

import fastapi
import fastapi.testclient
from starlette.exceptions import HTTPException as StarletteHTTPException

import zephyr
import zephyr.testclient
from zephyr._errors import lookup


class LoginError(StarletteHTTPException):
    """Defined outside Starlette, as fastapi-sso's ``SSOLoginError`` is."""


class DeeperLoginError(LoginError):
    pass


def _app(framework: Any) -> Any:
    app = framework.FastAPI()

    @app.get("/plain")
    async def plain() -> None:
        raise StarletteHTTPException(401, "plain")

    @app.get("/sub")
    async def sub() -> None:
        raise LoginError(401, "State cookie not found", headers={"WWW-Authenticate": "Bearer"})

    @app.get("/deeper")
    def deeper() -> None:
        raise DeeperLoginError(403)

    @app.get("/teapot")
    async def teapot() -> None:
        raise LoginError(418, "by status")

    @app.exception_handler(418)
    async def by_status(request: Any, exc: Any) -> Any:
        return framework.responses.PlainTextResponse(f"status handler: {exc.detail}", status_code=418)

    return app


def _answers(framework: Any, client_class: Any) -> list[tuple[int, str, str | None]]:
    client = client_class(_app(framework), raise_server_exceptions=False)
    answers = [client.get(path) for path in ("/plain", "/sub", "/deeper", "/teapot")]
    return [(r.status_code, r.text, r.headers.get("www-authenticate")) for r in answers]


def test_a_subclass_of_starlettes_http_exception_is_answered_as_on_fastapi() -> None:
    ours = _answers(zephyr, zephyr.testclient.TestClient)
    assert ours == _answers(fastapi, fastapi.testclient.TestClient)
    assert ours[1] == (401, '{"detail":"State cookie not found"}', "Bearer")
    assert ours[2] == (403, '{"detail":"Forbidden"}', None)
    assert ours[3] == (418, "status handler: by status", None)


def test_lookup_finds_the_http_exception_handler_for_starlettes_classes_and_nothing_for_others() -> None:
    def handler(request: Any, exc: Exception) -> None:
        return None

    handlers = {zephyr.HTTPException: handler}
    assert lookup(handlers, DeeperLoginError(400)) is handler
    assert lookup(handlers, StarletteHTTPException(400)) is handler
    assert lookup(handlers, ValueError("no")) is None

    class LooksLikeOneError(Exception):
        status_code = 400
        detail = "not Starlette's"

    assert lookup(handlers, LooksLikeOneError()) is None
