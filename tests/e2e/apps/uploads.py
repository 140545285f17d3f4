"""An upload app for end-to-end tests: large bodies as ``UploadFile`` and as a raw stream written to disk.

``UPLOAD_DIR`` (environment) is where ``/raw`` writes (and then deletes) the received file.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Any

import anyio

from zephyr import FastAPI, File, Request, UploadFile

UPLOAD_DIR = Path(os.environ.get("UPLOAD_DIR", tempfile.gettempdir()))

app = FastAPI()


@app.post("/upload")
async def upload(file: UploadFile = File(...)) -> dict[str, Any]:
    digest = hashlib.sha256()
    size = 0
    while chunk := await file.read(1024 * 1024):
        digest.update(chunk)
        size += len(chunk)
    return {"filename": file.filename, "size": size, "declared_size": file.size, "sha256": digest.hexdigest()}


@app.post("/raw")
async def raw(request: Request) -> dict[str, Any]:
    digest = hashlib.sha256()
    size = 0
    target = UPLOAD_DIR / f"raw-{os.getpid()}-{id(request)}.bin"
    try:
        async with await anyio.open_file(target, "wb") as out:
            async for chunk in request.stream():
                digest.update(chunk)
                size += len(chunk)
                await out.write(chunk)
        on_disk = target.stat().st_size
    finally:
        target.unlink(missing_ok=True)
    return {"size": size, "on_disk": on_disk, "sha256": digest.hexdigest()}
