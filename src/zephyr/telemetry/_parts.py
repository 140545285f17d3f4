"""The pieces of ``zephyr.telemetry`` that do not run per request, or only on its rare paths.

Attribute building as FastAPI 0.165's telemetry builds it (server address from the ``Host`` header, the query string
with signatures redacted, qualified error types), the header getter for trace-context propagation, and the
OpenTelemetry log records FastAPI emits (validation failures, unhandled exceptions).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from time import time_ns
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from zephyr.types import Scope

__all__ = (
    "HEADERS",
    "HeaderGetter",
    "SCHEMA_URL",
    "exception_type",
    "expected_error",
    "function_name",
    "log_exception",
    "log_validation_failure",
    "normal_websocket_close",
    "query",
    "server_attributes",
)

SCHEMA_URL = "https://opentelemetry.io/schemas/1.44.0"
"""The semantic-conventions schema FastAPI 0.165 declares for its tracer, meter and logger."""
_SENSITIVE = frozenset({"X-Amz-Signature", "X-Amz-Credential", "X-Amz-Security-Token", "sig", "X-Goog-Signature"})
# ``k=v&k=v`` of characters that parsing and re-encoding leave as they are: the redacted form is the string itself.
_PLAIN_QUERY = re.compile(r"[A-Za-z0-9._~-]+=[A-Za-z0-9._~-]*(?:&[A-Za-z0-9._~-]+=[A-Za-z0-9._~-]*)*")
_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}
_NAMES: dict[Any, str] = {}
# Errors FastAPI answers on purpose: an operation span they leave is not marked failed.
_EXPECTED = frozenset(
    {"HTTPException", "RequestValidationError", "WebSocketException", "WebSocketRequestValidationError"}
)


def query(raw: bytes) -> str:
    """``url.query`` as FastAPI writes it: parsed, signature parameters replaced by ``REDACTED``, encoded again."""
    text = raw.decode("latin-1")
    if _PLAIN_QUERY.fullmatch(text) and not any(name in text for name in _SENSITIVE):
        return text
    pairs = parse_qsl(text, keep_blank_values=True)
    return urlencode([(key, "REDACTED" if key in _SENSITIVE else value) for key, value in pairs])


def server_attributes(scope: Scope, headers: Iterable[tuple[bytes, bytes]]) -> dict[str, Any]:
    """``server.address`` and ``server.port``: from the ``Host`` header, else the server the ASGI server reports.

    An app answers few distinct hosts: their parsed attributes are remembered (a bounded number of them), and the
    dict returned is shared: merge it, never change it.
    """
    for name, value in headers:
        if name == b"host":
            key = (value, scope.get("scheme", "http"))
            found = _HOSTS.get(key)
            if found is None:
                found = _from_host(value.decode("latin-1"), key[1])
                if len(_HOSTS) < 256:
                    _HOSTS[key] = found
            return found
    address, port = scope.get("server") or (None, None)
    return _server_attributes(address, port)


_HOSTS: dict[tuple[bytes, str], dict[str, Any]] = {}


def _from_host(host: str, scheme: str) -> dict[str, Any]:
    try:
        url = urlsplit("//" + host)
        address, port = url.hostname, url.port
    except ValueError:  # a malformed Host never fails the request: no server attributes
        return {}
    if url.username is not None or url.path or url.query or url.fragment:
        return {}
    return _server_attributes(address, _DEFAULT_PORTS.get(scheme) if port is None else port)


def _server_attributes(address: str | None, port: int | None) -> dict[str, Any]:
    if address is None:
        return {}
    attributes: dict[str, Any] = {"server.address": address}
    if port is not None:
        attributes["server.port"] = port
    return attributes


class HeaderGetter:
    """OpenTelemetry's ``Getter`` over ASGI's header list: every value of a name, ``baggage`` values joined."""

    def get(self, carrier: list[tuple[bytes, bytes]], key: str) -> list[str] | None:
        wanted = key.lower().encode("latin-1")
        values = [value.decode("latin-1") for name, value in carrier if name == wanted]
        if not values:
            return None
        return [",".join(values)] if wanted == b"baggage" else values

    def keys(self, carrier: list[tuple[bytes, bytes]]) -> list[str]:
        return list(dict.fromkeys(name.decode("latin-1") for name, _ in carrier))


HEADERS = HeaderGetter()


def exception_type(exc: BaseException) -> str:
    """``error.type`` for an exception: its qualified name, without ``builtins.``.

    Zephyr's exceptions are named as FastAPI names its own (``fastapi.exceptions.HTTPException``,
    ``starlette.websockets.WebSocketDisconnect``), so that dashboards and alerts written for FastAPI keep matching.
    """
    cls = type(exc)
    module = cls.__module__
    if module == "builtins":
        return cls.__qualname__
    module = _FASTAPI_MODULES.get(module, module)
    return f"{module}.{cls.__qualname__}"


# Zephyr's modules whose exceptions FastAPI defines (or re-exports from Starlette) under another module.
_FASTAPI_MODULES = {"zephyr.exceptions": "fastapi.exceptions", "zephyr.websockets": "starlette.websockets"}


def expected_error(exc: BaseException) -> bool:
    """An HTTP or validation error (answered on purpose), or a WebSocket closed normally."""
    return any(cls.__name__ in _EXPECTED for cls in type(exc).__mro__) or normal_websocket_close(exc)


def normal_websocket_close(exc: BaseException) -> bool:
    """A ``WebSocketDisconnect`` with code 1000 or 1001: the end of a session, not a failure."""
    return type(exc).__name__ == "WebSocketDisconnect" and getattr(exc, "code", None) in (1000, 1001)


def function_name(function: Any) -> str:
    """``code.function.name`` of an endpoint: ``module.qualname`` (remembered per function)."""
    try:
        return _NAMES[function]
    except (KeyError, TypeError):
        pass
    module = getattr(function, "__module__", type(function).__module__)
    qualname = getattr(function, "__qualname__", type(function).__qualname__)
    name = f"{module}.{qualname}"
    try:
        if len(_NAMES) < 4096:
            _NAMES[function] = name
    except TypeError:  # an unhashable callable instance
        pass
    return name


def log_validation_failure(logger: Any, exc: Any, route: str | None) -> None:
    """FastAPI's ``fastapi.validation.failed`` log record (a warning with the error count)."""
    from opentelemetry._logs import SeverityNumber

    attributes: dict[str, Any] = {"fastapi.validation.error_count": len(exc.errors())}
    if route is not None:
        attributes["http.route"] = route
    logger.emit(
        event_name="fastapi.validation.failed",
        timestamp=time_ns(),
        severity_number=SeverityNumber.WARN,
        severity_text="WARN",
        body="Request validation failed",
        attributes=attributes,
    )


def log_exception(logger: Any, exc: BaseException, route: str | None, websocket: bool) -> None:
    """FastAPI's log record of an unhandled exception (an error with the exception and its traceback)."""
    from opentelemetry._logs import SeverityNumber

    logger.emit(
        exception=exc,
        event_name="fastapi.websocket.exception" if websocket else "http.server.request.exception",
        timestamp=time_ns(),
        severity_number=SeverityNumber.ERROR,
        severity_text="ERROR",
        body="Unhandled exception in FastAPI WebSocket connection"
        if websocket
        else "Unhandled exception in FastAPI request",
        attributes={"http.route": route} if route else None,
    )
