"""The documentation site builds with ``mkdocs build --strict`` and loads nothing from another host."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.server import ROOT

# what a page loads by itself (links a reader follows are fine): scripts, styles, images, fonts, frames
_LOADS = re.compile(
    r"<(?:script|img|iframe|source|audio|video)\b[^>]*\ssrc=\"(?P<src>[^\"]+)\""
    r"|<link\b[^>]*\shref=\"(?P<href>[^\"]+)\""
    r"|url\((?P<url>[^)]+)\)"
    r"|@import\s+[\"'](?P<import>[^\"']+)[\"']",
    re.I,
)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    build = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert build.returncode == 0, build.stdout + build.stderr
    assert "WARNING" not in build.stderr, build.stderr
    return out


def _external(url: str) -> bool:
    url = url.strip("'\" ")
    return bool(re.match(r"^(?:https?:)?//", url)) and not re.match(r"^(?:https?:)?//(?:127\.0\.0\.1|localhost)", url)


def test_no_page_loads_anything_from_another_host(site: Path) -> None:
    offenders = []
    files = [*site.rglob("*.html"), *site.rglob("*.css")]
    assert len(files) > 20
    for file in files:
        for match in _LOADS.finditer(file.read_text(encoding="utf-8", errors="replace")):
            url = next(group for group in match.groups() if group)
            if _external(url):
                offenders.append(f"{file.relative_to(site)}: {url}")
    assert offenders == []
    # Material's Google Fonts are off: no font request is even written into the pages
    assert not any("fonts.googleapis" in file.read_text(errors="replace") for file in site.rglob("*.html"))


def test_every_page_is_built(site: Path) -> None:
    for page in ("index", "tutorial", "guides/databases", "guides/deployment", "coming-from-fastapi", "ratelimit"):
        assert (site / f"{page}.html").is_file(), page
    results = (site / "benchmarks" / "results.html").read_text(encoding="utf-8")
    assert 'src="chart.png"' in results
    assert (site / "benchmarks" / "chart.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_api_reference_is_generated_from_the_docstrings(site: Path) -> None:
    reference = (site / "reference" / "app.html").read_text(encoding="utf-8")
    assert 'id="zephyr.routing.APIRouter"' in reference
    assert "include_router" in reference
    batteries = (site / "reference" / "batteries.html").read_text(encoding="utf-8")
    assert 'id="zephyr.ratelimit.limit"' in batteries
