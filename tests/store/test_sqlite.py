"""What only the SQLite store does: durability settings, reopening, schema versions, migrations."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dispatch.errors import InvalidInputError
from dispatch.store import (
    SCHEMA_VERSION,
    AppendResult,
    ConcurrencyError,
    NewEvent,
    Snapshot,
    SQLiteEventStore,
    StoreError,
    _sqlite,
)


@contextlib.contextmanager
def raw(path: Path) -> Iterator[sqlite3.Connection]:
    """A plain sqlite3 connection to ``path`` (autocommit), closed afterwards."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        yield conn
    finally:
        conn.close()


def meta(path: Path) -> dict[str, str]:
    """The store's meta table as a dict."""
    with raw(path) as conn:
        return dict(conn.execute("SELECT key, value FROM meta").fetchall())


def fill(store: SQLiteEventStore) -> None:
    """A few commands (one without events) and snapshots."""
    store.append("c1", [NewEvent("a", {"n": 1}), NewEvent("b", {"l": [1, 2]})], recorded_s=10)
    store.append("c2", [], recorded_s=20, command={"op": "noop"})
    store.append("c3", [NewEvent("c", {"地址": "幸福路"})], recorded_s=30, command={"op": "c"})
    store.save_snapshot(Snapshot(2, {"count": 2}))


def test_new_file_gets_the_current_schema(tmp_path: Path) -> None:
    """A new file is created at SCHEMA_VERSION (1), marked as ours, in WAL mode."""
    path = tmp_path / "new.sqlite"
    SQLiteEventStore(path).close()
    assert SCHEMA_VERSION == 1
    assert meta(path) == {"application": "dispatch.store", "schema_version": "1"}
    with raw(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_schema WHERE type='table'")}
    assert tables == {"meta", "commands", "events", "snapshots"}


def test_connection_is_durable(tmp_path: Path) -> None:
    """The store's connection uses synchronous=FULL and enforces foreign keys."""
    with SQLiteEventStore(tmp_path / "s.sqlite") as store:
        conn = store._conn
        assert conn is not None
        assert conn.execute("PRAGMA synchronous").fetchone() == (2,)  # FULL
        assert conn.execute("PRAGMA foreign_keys").fetchone() == (1,)


def test_empty_file_becomes_a_store(tmp_path: Path) -> None:
    """A zero-byte file (an empty database, version 0) is migrated to a store."""
    path = tmp_path / "empty.sqlite"
    path.write_bytes(b"")
    with SQLiteEventStore(path) as store:
        assert store.append("c1", [NewEvent("a")], recorded_s=0).last_seq == 1
    assert meta(path)["schema_version"] == "1"


def test_reopen_keeps_everything(tmp_path: Path) -> None:
    """Closing and reopening gives the same events, commands, snapshot and next seq."""
    path = tmp_path / "s.sqlite"
    with SQLiteEventStore(path) as store:
        fill(store)
        before = (list(store.events()), [store.command(f"c{i}") for i in (1, 2, 3)])
        snapshot = store.latest_snapshot()
    with SQLiteEventStore(path) as store:
        assert (list(store.events()), [store.command(f"c{i}") for i in (1, 2, 3)]) == before
        assert store.latest_snapshot() == snapshot
        assert store.last_seq() == 3
        assert store.append("c3", [NewEvent("x")], recorded_s=0).duplicate
        assert store.append("c4", [NewEvent("d")], recorded_s=40) == AppendResult("c4", 4, 4, False)


def test_commands_are_stored_for_audit(tmp_path: Path) -> None:
    """The commands table keeps each command's JSON (NULL when none), seqs and recorded_s."""
    path = tmp_path / "s.sqlite"
    with SQLiteEventStore(path) as store:
        store.append("c1", [NewEvent("a")], recorded_s=10)
        store.append("c2", [], recorded_s=20, command={"op": "noop", "by": "staff-1"})
    with raw(path) as conn:
        rows = conn.execute("SELECT * FROM commands ORDER BY command_id").fetchall()
    assert rows == [("c1", 1, 1, None, 10), ("c2", 2, 1, '{"op":"noop","by":"staff-1"}', 20)]


def test_newer_schema_version_is_refused(tmp_path: Path) -> None:
    """A file written by a newer schema raises StoreError naming both versions and the path."""
    path = tmp_path / "future.sqlite"
    SQLiteEventStore(path).close()
    with raw(path) as conn:
        conn.execute("UPDATE meta SET value = '7' WHERE key = 'schema_version'")
    with pytest.raises(StoreError, match=r"future\.sqlite.*version 7.*version 1"):
        SQLiteEventStore(path)


def test_random_bytes_are_not_a_store(tmp_path: Path) -> None:
    """A file of random bytes raises StoreError with its path and is left untouched."""
    path = tmp_path / "noise.bin"
    data = bytes(range(256)) * 16
    path.write_bytes(data)
    with pytest.raises(StoreError, match=r"noise\.bin"):
        SQLiteEventStore(path)
    assert path.read_bytes() == data


def test_foreign_database_is_not_a_store(tmp_path: Path) -> None:
    """A SQLite database without our meta table raises StoreError and is not modified."""
    path = tmp_path / "other.sqlite"
    with raw(path) as conn:
        conn.execute("CREATE TABLE people (name TEXT)")
        conn.execute("INSERT INTO people VALUES ('ada')")
    data = path.read_bytes()
    with pytest.raises(StoreError, match=r"other\.sqlite is not a dispatch event store.*people"):
        SQLiteEventStore(path)
    assert path.read_bytes() == data
    with raw(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)


@pytest.mark.parametrize(
    "statements",
    [
        ["CREATE TABLE meta (key TEXT, value TEXT)"],
        ["CREATE TABLE meta (key TEXT, value TEXT)", "INSERT INTO meta VALUES ('x', 'y')"],
        [
            "CREATE TABLE meta (key TEXT, value TEXT)",
            "INSERT INTO meta VALUES ('application', 'other'), ('schema_version', '1')",
        ],
        [
            "CREATE TABLE meta (key TEXT, value TEXT)",
            "INSERT INTO meta VALUES ('application', 'dispatch.store'), ('schema_version', 'x')",
        ],
        ["CREATE TABLE meta (k INTEGER)"],
    ],
)
def test_foreign_meta_table_is_not_a_store(tmp_path: Path, statements: list[str]) -> None:
    """A meta table that is not ours (other application, no or bad version) is refused."""
    path = tmp_path / "meta.sqlite"
    with raw(path) as conn:
        for statement in statements:
            conn.execute(statement)
    with pytest.raises(StoreError, match=r"meta\.sqlite is not a dispatch event store"):
        SQLiteEventStore(path)


def test_unopenable_path_names_it(tmp_path: Path) -> None:
    """A path in a missing directory raises StoreError with the path."""
    with pytest.raises(StoreError, match="missing"):
        SQLiteEventStore(tmp_path / "missing" / "s.sqlite")


@pytest.mark.parametrize("timeout_s", [-1, "5", True])
def test_bad_timeout_is_rejected(tmp_path: Path, timeout_s: Any) -> None:
    """A negative or non-numeric timeout_s is an InvalidInputError; no file is created."""
    with pytest.raises(InvalidInputError, match="timeout_s"):
        SQLiteEventStore(tmp_path / "s.sqlite", timeout_s=timeout_s)
    assert not (tmp_path / "s.sqlite").exists()


def test_two_stores_on_one_file_conflict(tmp_path: Path) -> None:
    """Two store objects on one file: the second append at the same expected seq fails."""
    path = tmp_path / "shared.sqlite"
    with SQLiteEventStore(path) as first, SQLiteEventStore(path) as second:
        first.append("c0", [NewEvent("a")], recorded_s=0)
        seen = second.last_seq()
        assert first.append("c1", [NewEvent("b")], recorded_s=1, expected_last_seq=seen)
        with pytest.raises(ConcurrencyError) as info:
            second.append("c2", [NewEvent("c")], recorded_s=1, expected_last_seq=seen)
        assert (info.value.expected, info.value.actual) == (1, 2)
        assert second.append("c1", [NewEvent("b")], recorded_s=1).duplicate
        assert [e.command_id for e in second.events()] == ["c0", "c1"]


WRITER = textwrap.dedent(
    """
    import sys
    from dispatch.store import ConcurrencyError, NewEvent, SQLiteEventStore

    path, name, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    conflicts = 0
    with SQLiteEventStore(path, timeout_s=30) as store:
        for i in range(count):
            while True:
                seen = store.last_seq()
                event = NewEvent("step", {"writer": name, "i": i, "after": seen})
                try:
                    store.append(f"{name}-{i}", [event], recorded_s=i, expected_last_seq=seen)
                    break
                except ConcurrencyError:
                    conflicts += 1
    print(conflicts)
    """
)


def test_processes_never_append_at_the_same_expected_seq(tmp_path: Path) -> None:
    """Writer processes racing with expected_last_seq leave a gapless log, each append once."""
    path = tmp_path / "race.sqlite"
    SQLiteEventStore(path).close()
    names, count = ["p0", "p1", "p2"], 40
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path), name, str(count)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in names
    ]
    for proc in procs:
        _out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    with SQLiteEventStore(path) as store:
        events = list(store.events())
    assert [e.seq for e in events] == list(range(1, len(names) * count + 1))
    # each event was decided on the log it saw: the log ended at ``after`` when it was appended
    assert all(e.payload["after"] == e.seq - 1 for e in events)
    for name in names:
        mine = [e.payload["i"] for e in events if e.payload["writer"] == name]
        assert mine == list(range(count))


def test_migrations_run_in_order_and_keep_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Opening a version-1 file with code at version 3 applies migrations 2 then 3 once."""
    path = tmp_path / "old.sqlite"
    with SQLiteEventStore(path) as store:
        fill(store)
        before = list(store.events())
    applied: list[int] = []

    def to_2(conn: sqlite3.Connection) -> None:
        applied.append(2)
        conn.execute("CREATE TABLE extra (x INTEGER)")

    def to_3(conn: sqlite3.Connection) -> None:
        applied.append(3)
        conn.execute("INSERT INTO extra VALUES (3)")

    monkeypatch.setattr(_sqlite, "SCHEMA_VERSION", 3)
    monkeypatch.setattr(_sqlite, "_MIGRATIONS", {**_sqlite._MIGRATIONS, 3: to_3, 2: to_2})
    with SQLiteEventStore(path) as store:
        assert list(store.events()) == before
    with SQLiteEventStore(path) as store:
        assert store.last_seq() == 3
    assert applied == [2, 3]
    assert meta(path)["schema_version"] == "3"
    with raw(path) as conn:
        assert conn.execute("SELECT x FROM extra").fetchall() == [(3,)]


def test_failed_migration_changes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A migration that fails half-way is rolled back: version and tables stay as they were."""
    path = tmp_path / "old.sqlite"
    with SQLiteEventStore(path) as store:
        fill(store)

    def broken(conn: sqlite3.Connection) -> None:
        conn.execute("CREATE TABLE extra (x INTEGER)")
        conn.execute("DROP TABLE snapshots")
        raise RuntimeError("migration bug")

    monkeypatch.setattr(_sqlite, "SCHEMA_VERSION", 2)
    monkeypatch.setattr(_sqlite, "_MIGRATIONS", {**_sqlite._MIGRATIONS, 2: broken})
    with pytest.raises(RuntimeError, match="migration bug"):
        SQLiteEventStore(path)
    monkeypatch.undo()
    assert meta(path)["schema_version"] == "1"
    with SQLiteEventStore(path) as store:
        assert store.latest_snapshot() == Snapshot(2, {"count": 2})
        assert store.last_seq() == 3
    with raw(path) as conn:
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_schema WHERE type='table'")}
    assert "extra" not in names


def test_missing_migration_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Code at version 3 without a migration to 2 refuses a version-1 file."""
    path = tmp_path / "old.sqlite"
    SQLiteEventStore(path).close()
    monkeypatch.setattr(_sqlite, "SCHEMA_VERSION", 3)
    monkeypatch.setattr(_sqlite, "_MIGRATIONS", {**_sqlite._MIGRATIONS, 3: lambda conn: None})
    with pytest.raises(StoreError, match="no migration from schema version 1"):
        SQLiteEventStore(path)
    monkeypatch.undo()
    assert meta(path)["schema_version"] == "1"


def test_corrupt_stored_json_is_a_store_error(tmp_path: Path) -> None:
    """A payload edited by hand into invalid JSON raises StoreError when read."""
    path = tmp_path / "s.sqlite"
    with SQLiteEventStore(path) as store:
        store.append("c1", [NewEvent("a", {"n": 1})], recorded_s=0)
    with raw(path) as conn:
        conn.execute("PRAGMA ignore_check_constraints = ON")
        conn.execute("UPDATE events SET payload = '{broken' WHERE seq = 1")
    with SQLiteEventStore(path) as store, pytest.raises(StoreError, match="event 1"):
        list(store.events())


def test_schema_rejects_invalid_rows(tmp_path: Path) -> None:
    """The tables' checks refuse rows the store would never write (bad JSON, seq 0, orphans)."""
    path = tmp_path / "s.sqlite"
    SQLiteEventStore(path).close()
    with raw(path) as conn:
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("INSERT INTO commands VALUES ('c1', 1, 1, NULL, 0)")
        bad = [
            "INSERT INTO events VALUES (1, 'a', '{x', 'c1', 0)",
            "INSERT INTO events VALUES (0, 'a', '{}', 'c1', 0)",
            "INSERT INTO events VALUES (1, 'a', '{}', 'nobody', 0)",
            "INSERT INTO events VALUES (1, 'a', '{}', 'c1', 'noon')",
            "INSERT INTO snapshots VALUES (1, 'nope')",
        ]
        for statement in bad:
            with pytest.raises(sqlite3.IntegrityError):
                conn.execute(statement)


def test_file_path_and_repr(tmp_path: Path) -> None:
    """The store reports its path and whether it is closed."""
    path = tmp_path / "s.sqlite"
    store = SQLiteEventStore(os.fspath(path))
    assert store.path == str(path)
    assert repr(store) == f"SQLiteEventStore({str(path)!r})"
    store.close()
    assert repr(store).endswith("(closed)")


def test_invalid_input_on_a_file_store_writes_nothing(tmp_path: Path) -> None:
    """A rejected append leaves no command or event row in the file."""
    path = tmp_path / "s.sqlite"
    with SQLiteEventStore(path) as store, pytest.raises(InvalidInputError):
        bad: Any = {1}
        store.append("c1", [NewEvent("a"), NewEvent("b", {"x": bad})], recorded_s=0)
    with raw(path) as conn:
        assert conn.execute("SELECT count(*) FROM commands").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM events").fetchone() == (0,)
