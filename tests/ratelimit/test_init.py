from __future__ import annotations

import subprocess
import sys

import zephyr.ratelimit as package


def test_all_lists_every_public_name_sorted() -> None:
    public = {name for name in vars(package) if not name.startswith("_") and name not in {"annotations"}}
    modules = {name for name in public if type(vars(package)[name]).__name__ == "module"}
    assert set(package.__all__) == public - modules
    assert list(package.__all__) == sorted(package.__all__)


def test_import_does_not_import_redis() -> None:
    code = "import sys, zephyr.ratelimit; print('redis' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
