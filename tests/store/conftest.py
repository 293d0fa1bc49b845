"""Fixtures that run the event store contract tests once per store implementation.

``store`` is a fresh, empty store: ``memory`` (:class:`MemoryEventStore`), ``sqlite``
(:class:`SQLiteEventStore` on a file in ``tmp_path``) or ``postgres``
(:class:`~dispatch.store._postgres.PostgresEventStore` in a schema of its own on the
server of :func:`tests.stores.postgres_url`, emptied afterwards for the next test). It is
closed after the test. ``crash_target`` is where a crash test writes: a SQLite file or
a PostgreSQL schema.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.stores import CRASH_KINDS, CrashTarget, crash_target, postgres_store

from dispatch.store import EventStore, MemoryEventStore, SQLiteEventStore

STORE_KINDS = ("memory", "sqlite", "postgres")


def open_store(kind: str, path: Path) -> EventStore:
    """A new store of ``kind``; a SQLite store lives in ``path/events.sqlite``."""
    if kind == "memory":
        return MemoryEventStore()
    return SQLiteEventStore(path / "events.sqlite")


@pytest.fixture(params=STORE_KINDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[EventStore]:
    """A fresh, empty event store of each kind, closed after the test."""
    if request.param == "postgres":
        with postgres_store("contract") as opened:
            yield opened
        return
    opened = open_store(request.param, tmp_path)
    yield opened
    opened.close()


@pytest.fixture(name="crash_target", params=CRASH_KINDS)
def crash_target_fixture(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[CrashTarget]:
    """Where a crash test writes: a SQLite file, or a PostgreSQL schema (dropped afterwards)."""
    with crash_target(request.param, tmp_path) as target:
        yield target
