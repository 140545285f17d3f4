from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import fastapi.testclient
import pytest

import zephyr.testclient
from tests.compat.harness import forget_modules, take_unchecked_pairs


def _document(client_class: Any, app: Any) -> tuple[int, Any] | None:
    """``(status, parsed body)`` of ``/openapi.json``, or ``None`` when rendering it raised."""
    client = client_class(app, raise_server_exceptions=True)  # no lifespan: the document must not need one
    try:
        response = client.get(app.openapi_url)
    except Exception:
        return None
    finally:
        client.close()
    return response.status_code, json.loads(response.content) if response.status_code == 200 else None


@pytest.fixture(autouse=True)
def every_document_renders() -> Iterator[None]:
    """After each test, every app pair it built whose documents it did not compare serves ``/openapi.json``.

    The document is part of the product: a test about requests alone must not hide a document that fails to
    render (as ``Annotated.__class_getitem__`` did on Python 3.13). Where FastAPI renders its document, Zephyr
    must render one too; where FastAPI's fails, Zephyr's may fail as well.
    """
    take_unchecked_pairs()
    try:
        yield
        _check_documents()
    finally:
        forget_modules()


def _check_documents() -> None:
    for theirs, ours in take_unchecked_pairs():
        ours_app, theirs_app = getattr(ours, "app", None), getattr(theirs, "app", None)
        if ours_app is None or theirs_app is None or not getattr(theirs_app, "openapi_url", None):
            continue
        if not hasattr(theirs_app, "openapi") or not hasattr(ours_app, "openapi"):
            continue
        theirs_document = _document(fastapi.testclient.TestClient, theirs_app)
        if theirs_document is None or theirs_document[0] != 200:
            continue
        ours_document = _document(zephyr.testclient.TestClient, ours_app)
        assert ours_document is not None, f"{ours.__name__}: /openapi.json raised on Zephyr but not on FastAPI"
        status, body = ours_document
        assert status == 200, f"{ours.__name__}: /openapi.json answered {status} on Zephyr, 200 on FastAPI"
        assert body["openapi"].startswith("3.1"), body
        assert set(body["paths"]) == set(theirs_document[1]["paths"]), ours.__name__
