from __future__ import annotations

import importlib
import inspect

import pytest
from starlette.middleware import Middleware as StarletteMiddleware
from starlette.middleware.gzip import GZipMiddleware as StarletteGZipMiddleware

import zephyr.middleware
from tests.middleware._asgi import make_scope, snapshot
from zephyr.middleware import Middleware
from zephyr.middleware.cors import CORSMiddleware
from zephyr.types import Receive, Scope, Send


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"x" * 1000})


def test_exported_surface() -> None:
    assert zephyr.middleware.__all__ == ("Middleware",)


@pytest.mark.parametrize("name", ["base", "cors", "gzip", "httpsredirect", "trustedhost", "wsgi"])
def test_module_all_lists_its_public_names_sorted(name: str) -> None:
    module = importlib.import_module(f"zephyr.middleware.{name}")
    defined = {
        attribute
        for attribute, value in vars(module).items()
        if not attribute.startswith("_")
        and (inspect.isclass(value) or inspect.isfunction(value))
        and value.__module__ == module.__name__
    }
    assert list(module.__all__) == sorted(module.__all__)
    assert defined <= set(module.__all__)
    assert all(hasattr(module, exported) for exported in module.__all__)


def test_middleware_unpacks_like_starlette() -> None:
    ours = Middleware(CORSMiddleware, allow_origins=["*"], max_age=10)
    theirs = StarletteMiddleware(CORSMiddleware, allow_origins=["*"], max_age=10)
    assert tuple(ours) == tuple(theirs) == (CORSMiddleware, (), {"allow_origins": ["*"], "max_age": 10})
    cls, args, kwargs = ours
    assert cls is CORSMiddleware
    assert args == ()
    assert kwargs == {"allow_origins": ["*"], "max_age": 10}


def test_middleware_repr_matches_starlette() -> None:
    ours = Middleware(StarletteGZipMiddleware, 600, compresslevel=5)
    theirs = StarletteMiddleware(StarletteGZipMiddleware, 600, compresslevel=5)
    assert repr(ours) == repr(theirs) == "Middleware(GZipMiddleware, 600, compresslevel=5)"


@pytest.mark.anyio
async def test_build_accepts_starlette_middleware_classes() -> None:
    wrapped = Middleware(StarletteGZipMiddleware, minimum_size=10).build(app)
    status, headers, body, _ = await snapshot(wrapped, make_scope(headers=[("accept-encoding", "gzip")]))
    assert status == 200
    assert ("content-encoding", "gzip") in headers
    assert len(body) < 1000


def test_non_callable_class_is_refused() -> None:
    with pytest.raises(TypeError, match=r"needs a middleware class or factory as its first argument, got 'cors'"):
        Middleware("cors")  # type: ignore[arg-type]
