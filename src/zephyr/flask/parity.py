"""``zephyr flask parity``: replay recorded requests against the old app and the new one and list every difference.

Requests are JSON Lines, one object per request::

    {"method": "POST", "path": "/login?next=/", "headers": {"Content-Type": "application/x-www-form-urlencoded"},
     "body": "username=ada&password=pw"}

(``body`` is text; ``body_base64`` carries bytes.) `RecordingMiddleware` writes such lines from live traffic.
Each app gets its own test client, so cookies carry from one request to the next as in a browser. Answers are
compared on status, body and headers (names case-insensitive; ``Date`` and ``Server`` ignored; a signed session
cookie's signature and a cookie's ``Expires`` date, which depend on the second they were made, are compared as
present or absent).

Example:
    ```console
    $ zephyr flask parity --old legacy:app --new app:app --requests traffic.jsonl
    ```
"""

from __future__ import annotations

import base64
import json
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any

__all__ = ("Difference", "RecordingMiddleware", "compare", "load_requests", "replay")

_IGNORED = frozenset({"date", "server"})
_SIGNED = re.compile(r"^(session=)[^;]+")
_EXPIRES = re.compile(r"Expires=[^;]+")


@dataclass(frozen=True)
class Difference:
    """One request whose answers differ."""

    line: int
    """The request's line in the requests file (from 1)."""
    request: str
    """``METHOD /path``."""
    field: str
    """``status``, ``body`` or ``header <name>``."""
    old: str
    """The old app's value."""
    new: str
    """The new app's value."""

    def __str__(self) -> str:
        return f"line {self.line}: {self.request}: {self.field} differs\n  old: {self.old}\n  new: {self.new}"


def load_requests(path: str | Path) -> list[dict[str, Any]]:
    """Read a JSON Lines requests file (blank lines skipped).

    Raises:
        ValueError: A line is not a JSON object with ``method`` and ``path``; the message names the line.
    """
    requests = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            request = json.loads(line)
        except ValueError as exc:
            raise ValueError(f"{path}:{number}: not JSON ({exc}); write one JSON object per line.") from exc
        if not isinstance(request, dict) or "method" not in request or "path" not in request:
            raise ValueError(
                f'{path}:{number}: a request needs \'method\' and \'path\', e.g. {{"method": "GET", "path": "/"}}.'
            )
        request["_line"] = number
        requests.append(request)
    return requests


def _body(request: dict[str, Any]) -> bytes:
    if "body_base64" in request:
        return base64.b64decode(request["body_base64"])
    return str(request.get("body", "")).encode()


def _send(client: Any, request: dict[str, Any]) -> Any:
    return client.open(
        request["path"], method=request["method"].upper(), headers=request.get("headers", {}), data=_body(request)
    )


def _headers(response: Any) -> dict[str, list[str]]:
    headers: dict[str, list[str]] = {}
    for name, value in response.headers.to_wsgi_list():
        key = name.lower()
        if key in _IGNORED:
            continue
        if key == "set-cookie":
            value = _EXPIRES.sub("Expires=<date>", _SIGNED.sub(r"\1<signed>", value))
        headers.setdefault(key, []).append(value)
    return headers


def compare(line: int, request: dict[str, Any], old: Any, new: Any) -> Iterator[Difference]:
    """The differences between two answers to one request."""
    label = f"{request['method'].upper()} {request['path']}"
    if old.status != new.status:
        yield Difference(line, label, "status", old.status, new.status)
    old_headers, new_headers = _headers(old), _headers(new)
    for name in sorted(old_headers.keys() | new_headers.keys()):
        if old_headers.get(name) != new_headers.get(name):
            yield Difference(line, label, f"header {name}", _show(old_headers.get(name)), _show(new_headers.get(name)))
    if old.data != new.data:
        yield Difference(line, label, "body", repr(old.data[:300]), repr(new.data[:300]))


def _show(values: list[str] | None) -> str:
    return "(absent)" if values is None else " | ".join(values)


def replay(old_app: Any, new_app: Any, requests: Iterable[dict[str, Any]]) -> list[Difference]:
    """Send every request to both apps (in-process, each with its own cookie jar) and collect the differences."""
    old_client, new_client = old_app.test_client(), new_app.test_client()
    differences: list[Difference] = []
    for request in requests:
        old_response, new_response = _send(old_client, request), _send(new_client, request)
        try:
            differences.extend(compare(request.get("_line", 0), request, old_response, new_response))
        finally:  # a file response holds its file open until closed
            old_response.close()
            new_response.close()
    return differences


class RecordingMiddleware:
    """WSGI middleware that appends each request to a JSON Lines file for `replay` (``app.wsgi_app = ...``).

    Args:
        app: The WSGI app to wrap (``app.wsgi_app``).
        path: The file to append to.
        max_body: Bodies longer than this are not recorded (the request is still served).

    Example:
        ```python
        app.wsgi_app = RecordingMiddleware(app.wsgi_app, "traffic.jsonl")
        ```
    """

    def __init__(self, app: Callable[..., Iterable[bytes]], path: str | Path, *, max_body: int = 1_000_000) -> None:
        self.app = app
        self.path = Path(path)
        self.max_body = max_body
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        """Record the request, then hand it (body intact) to the wrapped app."""
        length = int(environ.get("CONTENT_LENGTH") or 0)
        if length <= self.max_body:
            body = environ["wsgi.input"].read(length) if length else b""
            environ["wsgi.input"] = BytesIO(body)
            self._record(environ, body)
        return self.app(environ, start_response)

    def _record(self, environ: dict[str, Any], body: bytes) -> None:
        path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
        path = path.encode("latin-1").decode("utf-8", "replace")
        if environ.get("QUERY_STRING"):
            path += "?" + environ["QUERY_STRING"]
        headers = {
            key[5:].replace("_", "-").title(): value for key, value in environ.items() if key.startswith("HTTP_")
        }
        if environ.get("CONTENT_TYPE"):
            headers["Content-Type"] = environ["CONTENT_TYPE"]
        request: dict[str, Any] = {"method": environ["REQUEST_METHOD"], "path": path, "headers": headers}
        try:
            request["body"] = body.decode()
        except UnicodeDecodeError:
            request["body_base64"] = base64.b64encode(body).decode()
        line = json.dumps(request, ensure_ascii=False)
        with self._lock, self.path.open("a", encoding="utf-8") as out:
            out.write(line + "\n")
