"""A synchronous test client for bare ASGI apps: Zephyr's TestClient once it exists, Starlette's until then."""

from __future__ import annotations

import importlib
import inspect
import json
from types import ModuleType
from typing import Any

from zephyr.types import Receive, Scope, Send

__all__ = ("assert_exported_surface", "echo_scope_app", "make_client")


def make_client(app: Any, **kwargs: Any) -> Any:
    """Return a TestClient for ``app``."""
    try:
        module = importlib.import_module("zephyr.testclient")
    except ImportError:  # pragma: no cover - until zephyr.testclient lands
        module = importlib.import_module("starlette.testclient")
    return module.TestClient(app, **kwargs)


async def echo_scope_app(scope: Scope, receive: Receive, send: Send) -> None:
    """Answer with JSON describing the scope as the wrapped app sees it, after reading the whole body."""
    body = b""
    more = True
    while more:
        message = await receive()
        body += message.get("body", b"")
        more = message.get("more_body", False)
    payload = {
        "client": list(scope["client"]) if scope.get("client") else None,
        "scheme": scope["scheme"],
        "server": list(scope["server"]) if scope.get("server") else None,
        "host": dict(scope["headers"]).get(b"host", b"").decode(),
        "state": {k: v for k, v in scope.get("state", {}).items() if isinstance(v, str)},
        "body_length": len(body),
    }
    raw = json.dumps(payload).encode()
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": raw})


def assert_exported_surface(module: ModuleType) -> None:
    """``__all__`` is a sorted tuple naming every public class and function the module defines."""
    defined = {
        attribute
        for attribute, value in vars(module).items()
        if not attribute.startswith("_")
        and (inspect.isclass(value) or inspect.isfunction(value))
        and value.__module__ == module.__name__
    }
    assert isinstance(module.__all__, tuple)
    assert list(module.__all__) == sorted(module.__all__)
    assert defined <= set(module.__all__), defined - set(module.__all__)
    assert all(hasattr(module, exported) for exported in module.__all__)
