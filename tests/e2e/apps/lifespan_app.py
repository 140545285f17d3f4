"""An app whose lifespan sets state for the requests and writes start/stop markers (in ``MARKER_DIR``)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from zephyr import FastAPI, Request

MARKERS = Path(os.environ.get("MARKER_DIR", "."))


@contextlib.asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[dict[str, Any]]:
    (MARKERS / "started").write_text(str(os.getpid()))
    app.state.greeting = "hello from the lifespan"
    yield {"pool": "pool-1"}
    (MARKERS / "stopped").write_text(str(os.getpid()))


app = FastAPI(lifespan=lifespan)


@app.get("/state")
def state(request: Request) -> dict[str, str]:
    return {"greeting": request.app.state.greeting, "pool": request.state.pool}
