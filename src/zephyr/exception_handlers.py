"""The default exception handlers; import them to reuse FastAPI's answers from a custom handler."""

from __future__ import annotations

from zephyr.encoders import jsonable_encoder
from zephyr.exceptions import HTTPException, RequestValidationError, WebSocketRequestValidationError
from zephyr.requests import Request
from zephyr.responses import JSONResponse, Response
from zephyr.status import WS_1008_POLICY_VIOLATION
from zephyr.websockets import WebSocket

__all__ = (
    "http_exception_handler",
    "request_validation_exception_handler",
    "websocket_request_validation_exception_handler",
)


def _body_allowed(status_code: int) -> bool:
    return not (status_code < 200 or status_code in (204, 205, 304))


async def http_exception_handler(request: Request, exc: HTTPException) -> Response:
    """Answer ``{"detail": exc.detail}`` with the exception's status code and headers."""
    headers = getattr(exc, "headers", None)
    if not _body_allowed(exc.status_code):
        return Response(status_code=exc.status_code, headers=headers)
    return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=headers)


async def request_validation_exception_handler(request: Request, exc: RequestValidationError) -> JSONResponse:
    """Answer 422 with ``{"detail": [errors]}``."""
    return JSONResponse(status_code=422, content={"detail": jsonable_encoder(exc.errors())})


async def websocket_request_validation_exception_handler(
    websocket: WebSocket, exc: WebSocketRequestValidationError
) -> None:
    """Close the WebSocket with 1008 (policy violation), the errors as the reason."""
    await websocket.close(code=WS_1008_POLICY_VIOLATION, reason=jsonable_encoder(exc.errors()))
