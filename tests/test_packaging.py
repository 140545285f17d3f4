"""The package says what it supports, and exactly what is tested: the Python versions in the classifiers."""

from __future__ import annotations

import re
import sys
from importlib.metadata import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _tested_versions() -> list[str]:
    """The versions ``scripts/test-pythons`` requires (``CLAIMED=(...)``)."""
    script = (ROOT / "scripts" / "test-pythons").read_text()
    found = re.search(r"^CLAIMED=\(([^)]*)\)", script, re.MULTILINE)
    assert found is not None, "scripts/test-pythons must list CLAIMED=(3.x ...)"
    return found.group(1).split()


def test_classifiers_list_exactly_the_tested_versions() -> None:
    classifiers = metadata("zephyr").get_all("Classifier") or []
    listed = sorted(
        c.rsplit(" :: ", 1)[1] for c in classifiers if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", c)
    )
    assert listed == _tested_versions()


def test_requires_python_is_the_oldest_tested_version() -> None:
    oldest = _tested_versions()[0]
    assert metadata("zephyr")["Requires-Python"] == f">={oldest}"


def test_this_interpreter_is_one_of_the_tested_versions() -> None:
    tested = [*_tested_versions(), "3.14"]  # 3.14 is run wherever it is installed
    assert f"{sys.version_info[0]}.{sys.version_info[1]}" in tested
