"""The ASGI side of a ``zephyr.flask`` app: a request's scope as a WSGI environ, and a WSGI answer sent back.

Pure translation, no Flask: `build_environ` turns an HTTP scope and its body into the environ Flask's request
reads (PEP 3333 keys, headers as ``HTTP_*``, the path as latin-1 text of its UTF-8 bytes, ``SCRIPT_NAME`` from
``root_path``); `read_body` collects the body, stopping one byte past the app's limit so Flask still answers 413.
"""

from __future__ import annotations

import sys
from io import BytesIO
from typing import Any

from zephyr.types import Receive, Scope

__all__ = ("PRESERVE_CONTEXT", "build_environ", "encode_headers", "read_body")

PRESERVE_CONTEXT = "werkzeug.debug.preserve_context"
"""The environ key Flask's test client uses to keep a request's contexts after it; carried through the scope."""

_SPECIAL = {"content-type": "CONTENT_TYPE", "content-length": "CONTENT_LENGTH"}
_SINGLE = frozenset(_SPECIAL.values())
_NO_SERVER = ("localhost", 80)
_PROTOCOLS = {"1.1": "HTTP/1.1", "1.0": "HTTP/1.0", "2": "HTTP/2"}
_COMMON = (
    "host",
    "user-agent",
    "accept",
    "accept-encoding",
    "accept-language",
    "connection",
    "cookie",
    "referer",
    "origin",
    "authorization",
    "cache-control",
    "x-forwarded-for",
    "x-forwarded-proto",
    "x-forwarded-host",
    "x-requested-with",
    "upgrade-insecure-requests",
    "if-none-match",
    "if-modified-since",
    "content-type",
    "content-length",
)
_KEYS = {name.encode(): _SPECIAL.get(name) or "HTTP_" + name.upper().replace("-", "_") for name in _COMMON}
"""Environ keys of the usual (lower-case, as servers send them) header names, worked out once."""


async def read_body(receive: Receive, limit: int | None) -> bytes:
    """Receive the whole request body, or its first ``limit + 1`` bytes when it is longer than ``limit``.

    Args:
        receive: The ASGI receive channel.
        limit: ``MAX_CONTENT_LENGTH``; ``None`` reads everything.

    Returns:
        The body bytes (one byte over ``limit`` tells Flask's request that the body is too large).
    """
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break  # the client went away: answer what was read
        chunk = message.get("body", b"")
        if chunk:
            chunks.append(chunk)
            size += len(chunk)
        if not message.get("more_body", False) or (limit is not None and size > limit):
            break
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def build_environ(scope: Scope, body: bytes) -> dict[str, Any]:
    """The WSGI environ of an HTTP scope, as a WSGI server would build it.

    Args:
        scope: The ASGI HTTP scope.
        body: The request body (`read_body`).

    Returns:
        A PEP 3333 environ; ``wsgi.input`` reads ``body``.
    """
    root_path: str = scope.get("root_path", "")
    path: str = scope["path"]
    if root_path and path.startswith(root_path):
        path = path[len(root_path) :]
    server = scope.get("server") or _NO_SERVER
    environ: dict[str, Any] = {
        "REQUEST_METHOD": scope["method"],
        "SCRIPT_NAME": root_path if root_path.isascii() else root_path.encode().decode("latin-1"),
        "PATH_INFO": path if path.isascii() else path.encode().decode("latin-1"),
        "QUERY_STRING": scope["query_string"].decode("latin-1"),
        "SERVER_NAME": server[0],
        "SERVER_PORT": "80" if server[1] is None else str(server[1]),
        "SERVER_PROTOCOL": _PROTOCOLS.get(scope.get("http_version", "1.1")) or f"HTTP/{scope['http_version']}",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.get("scheme", "http"),
        "wsgi.input": BytesIO(body),
        "wsgi.input_terminated": True,
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "asgi.scope": scope,
    }
    client = scope.get("client")
    if client:
        environ["REMOTE_ADDR"] = client[0]
        environ["REMOTE_PORT"] = str(client[1])
    for raw_name, raw_value in scope["headers"]:
        key = _KEYS.get(raw_name)
        if key is None:
            name = raw_name.decode("latin-1").lower()
            key = _SPECIAL.get(name) or "HTTP_" + name.upper().replace("-", "_")
        value = raw_value.decode("latin-1")
        if key in environ and key not in _SINGLE:
            value = f"{environ[key]}{'; ' if key == 'HTTP_COOKIE' else ','}{value}"
        environ[key] = value
    preserve = scope.get(PRESERVE_CONTEXT)
    if preserve is not None:
        environ[PRESERVE_CONTEXT] = preserve
    return environ


def encode_headers(headers: list[tuple[str, str]]) -> list[tuple[bytes, bytes]]:
    """WSGI response headers as ASGI header pairs (lower-case names, latin-1 bytes)."""
    return [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers]
