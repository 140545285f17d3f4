"""Read the code blocks of the documentation's Markdown pages, in order, with their language and title.

A page's Python blocks run top to bottom in one namespace, as a reader pastes them. Three kinds of Python block:

- a plain ```` ```python ```` block is executed (top-level ``await`` allowed);
- a block with a file title (```` ```python title="app/main.py" ````) is written to that path in the page's scratch
  directory, which is the working directory and on ``sys.path``: later blocks import it, as the reader's project
  would;
- ``<!-- invisible-code-block: python ... -->`` is executed but not shown (set-up a fragment needs, or checks of
  what the reader was told).

A page that needs real services says so on a line of its own: ``<!-- docs-test: postgresql redis -->``.
Every other fence must name its language (``console``, ``toml``, ``dockerfile``...): it is shown, not run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

__all__ = ("DOCS", "Block", "blocks", "pages", "services")

DOCS = Path(__file__).resolve().parents[2] / "docs"

_FENCE = re.compile(
    r"^(?P<indent>[ ]*)```(?P<info>[^\n`]*)\n(?P<body>.*?)^(?P=indent)```[ ]*$"
    r"|^<!-- invisible-code-block: python\n(?P<hidden>.*?)^-->[ ]*$",
    re.M | re.S,
)
_TITLE = re.compile(r'title="([^"]+)"')
_SERVICES = re.compile(r"^<!-- docs-test: ([a-z ]+) -->$", re.M)


@dataclass(frozen=True)
class Block:
    """One code block of a page."""

    language: str
    code: str
    line: int
    title: str | None = None
    hidden: bool = False


def pages() -> list[Path]:
    """Every Markdown page of the site."""
    return sorted(DOCS.rglob("*.md"))


def blocks(page: Path) -> list[Block]:
    """The page's code blocks, in order."""
    text = page.read_text(encoding="utf-8")
    found = []
    for match in _FENCE.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        if match["hidden"] is not None:
            found.append(Block("python", match["hidden"], line, hidden=True))
            continue
        info = match["info"].strip()
        language = info.split(" ", 1)[0] if info else ""
        title = _TITLE.search(info)
        indent = len(match["indent"])
        code = "".join(row[indent:] for row in match["body"].splitlines(keepends=True))
        found.append(Block(language, code, line, title[1] if title else None))
    return found


def services(page: Path) -> set[str]:
    """The services the page's code needs (``postgresql``, ``redis``)."""
    return {name for match in _SERVICES.finditer(page.read_text(encoding="utf-8")) for name in match[1].split()}
