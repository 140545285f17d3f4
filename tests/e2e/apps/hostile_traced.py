"""The hostile app with ``tracemalloc`` on, and one more path, ``/__traced__``: the Python memory still allocated.

``GET /__traced__`` collects garbage, then answers ``{"traced": <bytes>}``: what Python objects hold, unlike the
process's RSS, which also counts memory the C allocator keeps after Python freed it (on Python 3.13, glibc keeps tens
of MiB of freed 60 KB request buffers in its heap; see ``test_unique_long_urls_do_not_pile_up``).
"""

from __future__ import annotations

import gc
import json
import tracemalloc
from typing import Any

tracemalloc.start()  # before the app is imported: everything it allocates is traced

from tests.e2e.apps.hostile import app as hostile_app  # noqa: E402

__all__ = ("app",)


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """The hostile app, but for ``GET /__traced__``."""
    if scope["type"] == "http" and scope["path"] == "/__traced__":
        gc.collect()
        body = json.dumps({"traced": tracemalloc.get_traced_memory()[0]}).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})
        return
    await hostile_app(scope, receive, send)
