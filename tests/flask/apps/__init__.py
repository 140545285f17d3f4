"""Small Flask apps of the kind a migrating team writes, each as ``build(flask)`` plus the ``CALLS`` to replay."""

from __future__ import annotations

from pathlib import Path

__all__ = ("ROOT",)

ROOT = str(Path(__file__).resolve().parent)
"""The apps' root path: ``templates/`` and ``static/`` live here."""
