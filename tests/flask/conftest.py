"""Flask tests: the SQLite connections a test's apps opened are closed right after that test."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _close_sqlite_connections() -> Iterator[None]:
    """Close every SQLite connection that SQLAlchemy opened during the test.

    Flask-SQLAlchemy's in-memory engines keep their connection until the app is collected, and Python 3.13 warns
    (``ResourceWarning``) about an unclosed SQLite connection wherever the collector frees it: in a later test.
    """
    try:
        from sqlalchemy import event
        from sqlalchemy.pool import Pool
    except ImportError:  # pragma: no cover - installed with the dev extra
        yield
        return
    opened: list[sqlite3.Connection] = []

    def record(dbapi_connection: Any, _record: Any) -> None:
        if isinstance(dbapi_connection, sqlite3.Connection):
            opened.append(dbapi_connection)

    event.listen(Pool, "connect", record)
    try:
        yield
    finally:
        event.remove(Pool, "connect", record)
        for connection in opened:
            connection.close()
