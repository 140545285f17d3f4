"""Validation errors take FastAPI's ``endpoint_ctx`` keyword, and their message names the endpoint."""

from __future__ import annotations

from zephyr.exceptions import RequestValidationError, ResponseValidationError, WebSocketRequestValidationError

ERRORS = [{"type": "missing", "loc": ("body", "name"), "msg": "Field required"}]


def test_no_context() -> None:
    error = RequestValidationError(ERRORS)
    assert error.endpoint_ctx is None
    assert error.endpoint_path is None
    assert str(error).startswith("1 validation error:")
    assert "Endpoint" not in str(error)


def test_path_only_context() -> None:
    error = RequestValidationError(ERRORS, endpoint_ctx={"path": "GET /api/test"})
    assert "Endpoint: GET /api/test" in str(error)
    assert 'File "' not in str(error)


def test_full_context() -> None:
    context = {"path": "GET /x", "function": "read", "file": "app.py", "line": 7}
    for kind in (RequestValidationError, ResponseValidationError, WebSocketRequestValidationError):
        error = kind(ERRORS, endpoint_ctx=context)
        assert error.endpoint_ctx == context
        assert 'File "app.py", line 7, in read\n    GET /x' in str(error)
