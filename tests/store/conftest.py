"""Fixtures that run the event store contract tests once per store implementation.

``store`` is a fresh, empty store: ``memory`` (:class:`MemoryEventStore`) or
``sqlite`` (:class:`SQLiteEventStore` on a file in ``tmp_path``). It is closed
after the test.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from dispatch.store import EventStore, MemoryEventStore, SQLiteEventStore

STORE_KINDS = ("memory", "sqlite")


def open_store(kind: str, path: Path) -> EventStore:
    """A new store of ``kind``; a SQLite store lives in ``path/events.sqlite``."""
    if kind == "memory":
        return MemoryEventStore()
    return SQLiteEventStore(path / "events.sqlite")


@pytest.fixture(params=STORE_KINDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[EventStore]:
    """A fresh, empty event store of each kind, closed after the test."""
    opened = open_store(request.param, tmp_path)
    yield opened
    opened.close()
