"""Static files and a frontend on a real server; ``STATIC_ROOT`` holds ``public/`` (served) and secrets beside it."""

from __future__ import annotations

import os
from pathlib import Path

from zephyr import FastAPI
from zephyr.staticfiles import StaticFiles

ROOT = Path(os.environ.get("STATIC_ROOT", "."))

app = FastAPI()
app.mount("/static", StaticFiles(directory=ROOT / "public"), name="static")
app.frontend(path="/", directory=str(ROOT / "public"))
