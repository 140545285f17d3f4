"""With the switch, Zephyr's exceptions are caught under Starlette's names (each case in a fresh interpreter)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

pytest.importorskip("starlette")


def _run(code: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def test_starlette_imported_after_the_switch_catches_zephyrs_exceptions() -> None:
    out = _run(
        """
        import zephyr
        zephyr.install_as_fastapi()
        from fastapi import FastAPI, HTTPException, WebSocketException
        from starlette.exceptions import HTTPException as SHTTP, WebSocketException as SWS
        from starlette.routing import NoMatchFound

        exc = HTTPException(404, headers={"x-a": "1"})
        assert isinstance(exc, SHTTP)
        assert (exc.status_code, exc.detail, exc.headers) == (404, "Not Found", {"x-a": "1"}), vars(exc)
        try:
            raise HTTPException(418, "teapot")
        except SHTTP as caught:
            assert caught.detail == "teapot"
        ws = WebSocketException(1008)
        assert isinstance(ws, SWS) and (ws.code, ws.reason) == (1008, "")
        app = FastAPI()
        try:
            app.url_path_for("missing")
        except NoMatchFound as caught:
            print("caught", type(caught).__module__)
        """
    )
    assert out == "caught zephyr._routing.base"


def test_starlette_imported_before_the_switch_is_adopted_when_it_is_installed() -> None:
    out = _run(
        """
        import starlette.exceptions, starlette.routing
        import zephyr
        from zephyr import HTTPException
        assert not isinstance(HTTPException(400), starlette.exceptions.HTTPException)
        zephyr.install_as_fastapi()
        assert isinstance(HTTPException(400), starlette.exceptions.HTTPException)
        from zephyr.routing import NoMatchFound
        assert issubclass(NoMatchFound, starlette.routing.NoMatchFound) and issubclass(NoMatchFound, LookupError)
        print("ok")
        """
    )
    assert out == "ok"


def test_without_the_switch_zephyrs_exceptions_stay_their_own() -> None:
    out = _run(
        """
        import zephyr
        import starlette.exceptions
        print(issubclass(zephyr.HTTPException, starlette.exceptions.HTTPException))
        """
    )
    assert out == "False"


def test_a_handler_registered_for_starlettes_class_answers_zephyrs_404() -> None:
    out = _run(
        """
        import zephyr
        zephyr.install_as_fastapi()
        from fastapi import FastAPI
        from fastapi.responses import PlainTextResponse
        from fastapi.testclient import TestClient
        from starlette.exceptions import HTTPException as SHTTP

        app = FastAPI()

        @app.exception_handler(SHTTP)
        async def handler(request, exc):
            return PlainTextResponse(f"custom {exc.status_code}", status_code=exc.status_code)

        response = TestClient(app).get("/nowhere")
        print(response.status_code, response.text)
        """
    )
    assert out == "404 custom 404"
