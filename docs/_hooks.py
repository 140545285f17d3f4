"""MkDocs hooks: the benchmark results and chart, read from ``benchmarks/results/`` at build time (never copied)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from mkdocs.structure.files import File, Files

RESULTS = Path(__file__).resolve().parents[1] / "benchmarks" / "results"


def on_files(files: Files, config: Any) -> Files:
    """Add ``benchmarks/results.md`` (the committed report, with its chart) and ``benchmarks/chart.png``."""
    report = (RESULTS / "results.md").read_text(encoding="utf-8")
    # the report's own links point next to it; on the site the chart sits beside the page too
    report = re.sub(r"\]\((?:\./)?chart\.png\)", "](chart.png)", report)
    if "](chart.png)" not in report:
        report = report.replace("\n## ", "\n![requests per second by scenario and framework](chart.png)\n\n## ", 1)
    files.append(File.generated(config, "benchmarks/results.md", content=report))
    files.append(File.generated(config, "benchmarks/chart.png", abs_src_path=str(RESULTS / "chart.png")))
    return files
