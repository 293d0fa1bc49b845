"""The embedded, durable :class:`~dispatch.store.EventStore`: one SQLite file.

The file holds four tables (schema version 1):

``meta``
    ``key``/``value`` text pairs: ``application = 'dispatch.store'`` marks the
    file as ours, ``schema_version`` is the version of the tables.
``commands``
    one row per acknowledged command: ``command_id`` (primary key),
    ``first_seq``/``last_seq`` of its events, the ``command`` itself as JSON
    (or NULL) and ``recorded_s``.
``events``
    ``seq`` (integer primary key, 1, 2, 3... without gaps), ``kind``,
    ``payload`` (JSON text), ``command_id`` and ``recorded_s``.
``snapshots``
    ``seq`` (primary key) and ``state`` (JSON text).

Migrations are explicit: :data:`_MIGRATIONS` maps each schema version to the
function that brings a file from the version before to it. A file without
tables is version 0; opening a store applies the missing migrations in order,
in one ``BEGIN IMMEDIATE`` transaction, so a crash or a concurrent opener never
sees a half-migrated file.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from types import TracebackType
from typing import Any

from dispatch.errors import InvalidInputError
from dispatch.store._codec import (
    PreparedAppend,
    check_seq,
    check_snapshot_seq,
    decode_json,
    is_unicode,
    prepare_append,
    prepare_snapshot,
)
from dispatch.store._events import (
    AppendResult,
    ConcurrencyError,
    JSONValue,
    NewEvent,
    Snapshot,
    StoredEvent,
    StoreError,
)

__all__ = ["SCHEMA_VERSION", "SQLiteEventStore"]

SCHEMA_VERSION = 1
"""The schema version this code writes; older files are migrated on open."""

_APPLICATION = "dispatch.store"
_PAGE = 512  # rows fetched per query while iterating over events


def _migrate_to_1(conn: sqlite3.Connection) -> None:
    """Version 0 (an empty database) -> 1: create every table."""
    statements = (
        """CREATE TABLE meta (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        ) STRICT""",
        """CREATE TABLE commands (
            command_id TEXT PRIMARY KEY CHECK (command_id <> ''),
            first_seq INTEGER NOT NULL CHECK (first_seq >= 1),
            last_seq INTEGER NOT NULL CHECK (last_seq >= first_seq - 1),
            command TEXT CHECK (command IS NULL OR json_valid(command)),
            recorded_s INTEGER NOT NULL
        ) STRICT""",
        """CREATE TABLE events (
            seq INTEGER PRIMARY KEY CHECK (seq >= 1),
            kind TEXT NOT NULL CHECK (kind <> ''),
            payload TEXT NOT NULL CHECK (json_valid(payload)),
            command_id TEXT NOT NULL REFERENCES commands (command_id),
            recorded_s INTEGER NOT NULL
        ) STRICT""",
        """CREATE TABLE snapshots (
            seq INTEGER PRIMARY KEY CHECK (seq >= 0),
            state TEXT NOT NULL CHECK (json_valid(state))
        ) STRICT""",
    )
    for statement in statements:
        conn.execute(statement)
    conn.execute("INSERT INTO meta (key, value) VALUES ('application', ?)", (_APPLICATION,))


_MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {1: _migrate_to_1}
"""Target schema version -> the migration from the version before it."""


def _read_version(conn: sqlite3.Connection, path: str) -> int:
    """The file's schema version (0 when it has no tables), or :class:`StoreError`."""
    tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_schema WHERE type='table'")}
    if not tables:
        return 0
    if "meta" not in tables:
        shown = ", ".join(sorted(tables)[:5])
        raise StoreError(f"{path} is not a dispatch event store (no meta table; tables: {shown})")
    try:
        meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        application = meta.get("application")
        version = int(meta["schema_version"])
    except (sqlite3.Error, KeyError, ValueError, TypeError) as exc:
        raise StoreError(f"{path} is not a dispatch event store (bad meta table: {exc})") from None
    if application != _APPLICATION:
        raise StoreError(
            f"{path} is not a dispatch event store (application {application!r} in its meta table)"
        )
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"{path} has event store schema version {version}, newer than version "
            f"{SCHEMA_VERSION} that this version of dispatch knows; upgrade dispatch to open it"
        )
    return version


def _migrate(conn: sqlite3.Connection, path: str) -> None:
    """Bring the file to :data:`SCHEMA_VERSION` in one IMMEDIATE transaction."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = _read_version(conn, path)  # again: another process may have migrated
        for target in sorted(_MIGRATIONS):
            if version < target <= SCHEMA_VERSION:
                if target != version + 1:
                    raise StoreError(f"{path}: no migration from schema version {version}")
                _MIGRATIONS[target](conn)
                conn.execute(
                    "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)",
                    (str(target),),
                )
                version = target
        if version != SCHEMA_VERSION:
            raise StoreError(f"{path}: no migration from schema version {version}")
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def _decode(text: str, path: str, where: str) -> dict[str, Any]:
    """Decode stored JSON; a corrupt value is a :class:`StoreError`."""
    try:
        return decode_json(text)
    except ValueError as exc:
        raise StoreError(f"{path}: {where} is not valid JSON: {exc}") from None


class SQLiteEventStore:
    """The durable :class:`~dispatch.store.EventStore`: a SQLite file in WAL mode.

    Every :meth:`append` is one ``BEGIN IMMEDIATE ... COMMIT`` transaction with
    ``synchronous=FULL``: when it returns, the command and its events are on
    stable storage, and a crash at any moment leaves either all of them or
    none. Opening a new or empty file creates the tables; opening an older
    schema migrates it (see the module docstring); an existing store keeps all
    its data.

    Parameters
    ----------
    path
        The database file (created if missing). Its directory also receives
        SQLite's ``-wal`` and ``-shm`` files. ``":memory:"`` gives a private,
        non-durable database (handy in examples).
    timeout_s
        How long a write waits for another connection's write lock before
        failing with :class:`~dispatch.store.StoreError` (non-negative).

    Raises
    ------
    StoreError
        When the file cannot be opened, is not a dispatch event store (naming
        the path), or has a schema version newer than :data:`SCHEMA_VERSION`
        (naming both versions).

    Notes
    -----
    Threads and processes: a store object holds one ``sqlite3`` connection,
    guarded by a lock, so several threads may share one object (their calls
    are serialised). Several store objects, in this or other processes, may
    open the same file: SQLite's locks serialise their writes, and
    ``expected_last_seq`` (checked inside the write transaction) tells a writer
    that another one appended first. Do not use a store object in a child
    process after ``os.fork()``; open a new one there.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from dispatch.store import NewEvent, SQLiteEventStore
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "events.sqlite"
    >>> with SQLiteEventStore(path) as store:
    ...     store.append("c1", [NewEvent("task.submitted", {"task": "t1"})], recorded_s=60)
    AppendResult(command_id='c1', first_seq=1, last_seq=1, duplicate=False)
    >>> with SQLiteEventStore(path) as store:  # reopening keeps everything
    ...     [(e.seq, e.payload, e.command_id) for e in store.events()]
    [(1, {'task': 't1'}, 'c1')]
    >>> import shutil; shutil.rmtree(path.parent)
    """

    def __init__(self, path: str | os.PathLike[str], *, timeout_s: float = 5.0) -> None:
        self._path = os.fspath(path)
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        if isinstance(timeout_s, bool) or not isinstance(timeout_s, int | float) or timeout_s < 0:
            raise InvalidInputError(
                "timeout_s", f"must be a non-negative number, got {timeout_s!r}"
            )
        try:
            conn = sqlite3.connect(
                self._path, timeout=timeout_s, isolation_level=None, check_same_thread=False
            )
        except sqlite3.Error as exc:
            raise StoreError(f"{self._path}: cannot open the event store: {exc}") from None
        try:
            self._open(conn)
        except BaseException:
            conn.close()
            raise
        self._conn = conn

    def _open(self, conn: sqlite3.Connection) -> None:
        try:
            version = _read_version(conn, self._path)  # before WAL: never touch a foreign file
            (mode,) = conn.execute("PRAGMA journal_mode=WAL").fetchone()
            if mode != "wal" and self._path != ":memory:":
                raise StoreError(f"{self._path}: cannot use the WAL journal (got {mode!r})")
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA foreign_keys=ON")
            if version < SCHEMA_VERSION:
                _migrate(conn, self._path)
        except sqlite3.Error as exc:
            raise StoreError(f"{self._path}: not a usable dispatch event store: {exc}") from None

    @property
    def path(self) -> str:
        """The database file's path."""
        return self._path

    def __repr__(self) -> str:
        state = " (closed)" if self._conn is None else ""
        return f"SQLiteEventStore({self._path!r}){state}"

    def __enter__(self) -> SQLiteEventStore:
        self._connection()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            raise StoreError(f"the event store {self._path} is closed")
        return self._conn

    def _fail(self, doing: str, exc: sqlite3.Error) -> StoreError:
        return StoreError(f"{self._path}: {doing} failed: {exc}")

    def append(
        self,
        command_id: str,
        events: Sequence[NewEvent],
        *,
        recorded_s: int,
        command: Mapping[str, JSONValue] | None = None,
        expected_last_seq: int | None = None,
    ) -> AppendResult:
        """Append ``events`` for ``command_id`` in one durable transaction.

        See :meth:`EventStore.append`. A repeated ``command_id`` returns the
        original result with ``duplicate=True`` (before ``expected_last_seq``
        is looked at, so a retry with a stale expectation still succeeds).
        Invalid input raises :class:`~dispatch.errors.InvalidInputError` and
        stores nothing.
        The retry's events are not compared with the original ones (the
        original wins). ``recorded_s`` is the caller's clock (non-negative
        seconds), stored with the command and each of its events.

        Examples
        --------
        >>> from dispatch.store import NewEvent, SQLiteEventStore
        >>> with SQLiteEventStore(":memory:") as store:
        ...     store.append("c1", [NewEvent("a"), NewEvent("b")], recorded_s=5)
        ...     store.append("c2", [NewEvent("c")], recorded_s=6, expected_last_seq=1)
        Traceback (most recent call last):
        ...
        dispatch.store._events.ConcurrencyError: expected last event 1, the store is at 2
        """
        self._connection()
        prepared = prepare_append(
            command_id,
            events,
            recorded_s=recorded_s,
            command=command,
            expected_last_seq=expected_last_seq,
        )
        with self._lock:
            conn = self._connection()
            try:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    result = self._append_in_transaction(conn, prepared)
                    if not result.duplicate:
                        conn.execute("COMMIT")
                    return result
                finally:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
            except sqlite3.Error as exc:
                raise self._fail(f"appending command {prepared.command_id!r}", exc) from None

    @staticmethod
    def _append_in_transaction(conn: sqlite3.Connection, prepared: PreparedAppend) -> AppendResult:
        command_id = prepared.command_id
        old = conn.execute(
            "SELECT first_seq, last_seq FROM commands WHERE command_id = ?", (command_id,)
        ).fetchone()
        if old is not None:
            return AppendResult(command_id, old[0], old[1], True)
        (last,) = conn.execute("SELECT coalesce(max(seq), 0) FROM events").fetchone()
        if prepared.expected_last_seq is not None and prepared.expected_last_seq != last:
            raise ConcurrencyError(prepared.expected_last_seq, last)
        first, new_last = last + 1, last + len(prepared.events)
        conn.execute(
            "INSERT INTO commands (command_id, first_seq, last_seq, command, recorded_s)"
            " VALUES (?, ?, ?, ?, ?)",
            (command_id, first, new_last, prepared.command, prepared.recorded_s),
        )
        conn.executemany(
            "INSERT INTO events (seq, kind, payload, command_id, recorded_s)"
            " VALUES (?, ?, ?, ?, ?)",
            [
                (first + i, kind, payload, command_id, prepared.recorded_s)
                for i, (kind, payload) in enumerate(prepared.events)
            ],
        )
        return AppendResult(command_id, first, new_last, False)

    def events(self, after_seq: int = 0) -> Iterator[StoredEvent]:
        """The events with ``seq > after_seq``, in order, up to the last one at the call.

        The events are read in pages, so a long log is never loaded at once.

        Examples
        --------
        >>> from dispatch.store import NewEvent, SQLiteEventStore
        >>> with SQLiteEventStore(":memory:") as store:
        ...     _ = store.append("c1", [NewEvent("a", {"n": 1}), NewEvent("b")], recorded_s=5)
        ...     [(e.seq, e.kind, e.payload) for e in store.events(after_seq=1)]
        [(2, 'b', {})]
        """
        self._connection()
        start = check_seq(after_seq, "after_seq")
        end = self.last_seq()
        return self._iter_events(start, end)

    def _iter_events(self, start: int, end: int) -> Iterator[StoredEvent]:
        while start < end:
            with self._lock:
                conn = self._connection()
                try:
                    rows = conn.execute(
                        "SELECT seq, kind, payload, command_id, recorded_s FROM events"
                        " WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?",
                        (start, end, _PAGE),
                    ).fetchall()
                except sqlite3.Error as exc:
                    raise self._fail("reading events", exc) from None
            if not rows:
                raise StoreError(f"{self._path}: events after {start} are missing")
            for seq, kind, payload, command_id, recorded_s in rows:
                self._connection()  # closing the store stops the iteration, as in memory
                yield StoredEvent(
                    seq, kind, _decode(payload, self._path, f"event {seq}"), command_id, recorded_s
                )
            start = rows[-1][0]

    def last_seq(self) -> int:
        """The sequence number of the last event (0 when empty).

        Examples
        --------
        >>> from dispatch.store import SQLiteEventStore
        >>> with SQLiteEventStore(":memory:") as store:
        ...     store.last_seq()
        0
        """
        with self._lock:
            conn = self._connection()
            try:
                (last,) = conn.execute("SELECT coalesce(max(seq), 0) FROM events").fetchone()
            except sqlite3.Error as exc:
                raise self._fail("reading the last seq", exc) from None
        return int(last)

    def command(self, command_id: str) -> AppendResult | None:
        """The original result (``duplicate=False``) of appending ``command_id``, or None.

        Examples
        --------
        >>> from dispatch.store import NewEvent, SQLiteEventStore
        >>> with SQLiteEventStore(":memory:") as store:
        ...     _ = store.append("c1", [NewEvent("a")], recorded_s=5)
        ...     store.command("c1"), store.command("c9")
        (AppendResult(command_id='c1', first_seq=1, last_seq=1, duplicate=False), None)
        """
        with self._lock:
            conn = self._connection()
            if not isinstance(command_id, str) or not is_unicode(command_id):
                return None  # never stored: append refuses such ids
            try:
                row = conn.execute(
                    "SELECT first_seq, last_seq FROM commands WHERE command_id = ?", (command_id,)
                ).fetchone()
            except sqlite3.Error as exc:
                raise self._fail(f"reading command {command_id!r}", exc) from None
        return None if row is None else AppendResult(command_id, row[0], row[1], False)

    def save_snapshot(self, snapshot: Snapshot) -> None:
        """Store the state after event ``snapshot.seq`` durably (replacing one at that seq).

        ``snapshot.seq`` must lie between 0 and :meth:`last_seq`; the state
        must be JSON-serialisable (:class:`~dispatch.errors.InvalidInputError`).
        Older snapshots are kept.

        Examples
        --------
        >>> from dispatch.store import NewEvent, Snapshot, SQLiteEventStore
        >>> with SQLiteEventStore(":memory:") as store:
        ...     _ = store.append("c1", [NewEvent("a")], recorded_s=5)
        ...     store.save_snapshot(Snapshot(1, {"count": 1}))
        ...     store.latest_snapshot()
        Snapshot(seq=1, state={'count': 1})
        """
        self._connection()
        seq, state = prepare_snapshot(snapshot)
        with self._lock:
            conn = self._connection()
            try:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    (last,) = conn.execute("SELECT coalesce(max(seq), 0) FROM events").fetchone()
                    check_snapshot_seq(seq, last)
                    conn.execute(
                        "INSERT OR REPLACE INTO snapshots (seq, state) VALUES (?, ?)", (seq, state)
                    )
                    conn.execute("COMMIT")
                finally:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
            except sqlite3.Error as exc:
                raise self._fail(f"saving the snapshot at {seq}", exc) from None

    def latest_snapshot(self) -> Snapshot | None:
        """The snapshot with the highest ``seq``, or None.

        Examples
        --------
        >>> from dispatch.store import SQLiteEventStore
        >>> with SQLiteEventStore(":memory:") as store:
        ...     store.latest_snapshot() is None
        True
        """
        with self._lock:
            conn = self._connection()
            try:
                row = conn.execute(
                    "SELECT seq, state FROM snapshots ORDER BY seq DESC LIMIT 1"
                ).fetchone()
            except sqlite3.Error as exc:
                raise self._fail("reading the latest snapshot", exc) from None
        if row is None:
            return None
        return Snapshot(row[0], _decode(row[1], self._path, f"snapshot {row[0]}"))

    def close(self) -> None:
        """Close the connection; every later call except ``close`` raises :class:`StoreError`.

        Examples
        --------
        >>> from dispatch.store import SQLiteEventStore
        >>> store = SQLiteEventStore(":memory:")
        >>> store.close()
        >>> store.last_seq()
        Traceback (most recent call last):
        ...
        dispatch.store._events.StoreError: the event store :memory: is closed
        """
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
