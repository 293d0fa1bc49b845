"""The shared, durable :class:`~dispatch.store.EventStore`: tables in a PostgreSQL schema.

Several dispatcher processes, on one machine or many, can share one log: every
:meth:`~PostgresEventStore.append` is one transaction that first locks the
log's single *head* row (``SELECT ... FOR UPDATE``), so appends are
serialised across all connections. Under that lock the command id is looked
up (a known id is a duplicate: nothing is written), ``expected_last_seq`` is
compared with the head (a mismatch is a
:class:`~dispatch.store.ConcurrencyError`: the caller reloads and re-decides),
and the command, its events (numbered from the head on, without gaps) and the
new head are written by one statement. A writer that dies in the middle
leaves nothing: PostgreSQL rolls its transaction back.

The schema (default ``dispatch``, schema version 1) holds five tables:

``meta``
    ``key``/``value`` text pairs: ``application = 'dispatch.store'`` marks the
    schema as ours, ``schema_version`` is the version of the tables.
``head``
    one row: ``last_seq``, the sequence number of the last event (0 when
    empty). Appends lock it.
``commands``
    one row per acknowledged command: ``command_id`` (primary key),
    ``first_seq``/``last_seq`` of its events, the ``command`` itself (``json``
    or NULL) and ``recorded_s``.
``events``
    ``seq`` (primary key, 1, 2, 3... without gaps), ``kind``, ``payload``
    (``json``), ``command_id`` (references ``commands``) and ``recorded_s``.
``snapshots``
    ``seq`` (primary key) and ``state`` (``json``).

``command_id`` and ``kind`` are ``bytea`` (their UTF-8 bytes), because
PostgreSQL's text cannot hold the NUL character that Python strings (and the
other stores) can; in ``psql``, ``convert_from(kind, 'UTF8')`` shows one.
Payloads are ``json``, not ``jsonb``: ``json`` keeps the text exactly as
written (``jsonb`` would turn ``1e308`` into an integer and refuse ``\\u0000``).

Migrations are explicit, as in the SQLite store: :data:`_MIGRATIONS` maps each
schema version to the function that brings the schema from the version
before. A missing or empty schema is version 0. Opening a store applies the
missing migrations in order, in one transaction holding a transaction-level
advisory lock on the schema's name, so concurrent openers never see a
half-migrated schema and never migrate twice.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from types import TracebackType
from typing import Any, LiteralString

try:
    import psycopg
    from psycopg import sql
    from psycopg.conninfo import conninfo_to_dict
    from psycopg.rows import TupleRow
except ImportError as _missing:  # pragma: no cover - depends on the installation
    raise ImportError(
        "dispatch's PostgreSQL event store needs psycopg 3: pip install 'dispatch[postgres]'"
    ) from _missing

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

__all__ = ["DEFAULT_SCHEMA", "SCHEMA_ENV", "SCHEMA_VERSION", "URL_ENV", "PostgresEventStore"]

SCHEMA_VERSION = 1
"""The schema version this code writes; older schemas are migrated on open."""

URL_ENV = "DISPATCH_POSTGRES_URL"
"""The environment variable read for the connection string when none is given."""

SCHEMA_ENV = "DISPATCH_POSTGRES_SCHEMA"
"""The environment variable read for the schema name when none is given."""

DEFAULT_SCHEMA = "dispatch"
"""The schema used when neither the argument nor :data:`SCHEMA_ENV` names one."""

_APPLICATION = "dispatch.store"
_TABLES = frozenset({"meta", "head", "commands", "events", "snapshots"})
_PAGE = 512  # rows fetched per query while iterating over events
_MAX_BIGINT = 2**63 - 1

Connection = psycopg.Connection[TupleRow]


def _q(template: LiteralString, schema: sql.Identifier) -> sql.Composed:
    """``template`` with ``{s}`` replaced by the quoted schema name."""
    return sql.SQL(template).format(s=schema)


def _migrate_to_1(conn: Connection, schema: sql.Identifier) -> None:
    """Version 0 (no tables) -> 1: create every table and the head row."""
    statements: tuple[LiteralString, ...] = (
        """CREATE TABLE {s}.meta (
            key text PRIMARY KEY,
            value text NOT NULL
        )""",
        """CREATE TABLE {s}.head (
            only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
            last_seq bigint NOT NULL CHECK (last_seq >= 0)
        )""",
        """CREATE TABLE {s}.commands (
            command_id bytea PRIMARY KEY CHECK (octet_length(command_id) > 0),
            first_seq bigint NOT NULL CHECK (first_seq >= 1),
            last_seq bigint NOT NULL CHECK (last_seq >= first_seq - 1),
            command json,
            recorded_s bigint NOT NULL CHECK (recorded_s >= 0)
        )""",
        """CREATE TABLE {s}.events (
            seq bigint PRIMARY KEY CHECK (seq >= 1),
            kind bytea NOT NULL CHECK (octet_length(kind) > 0),
            payload json NOT NULL,
            command_id bytea NOT NULL REFERENCES {s}.commands (command_id),
            recorded_s bigint NOT NULL CHECK (recorded_s >= 0)
        )""",
        """CREATE TABLE {s}.snapshots (
            seq bigint PRIMARY KEY CHECK (seq >= 0),
            state json NOT NULL
        )""",
        "INSERT INTO {s}.head (only_row, last_seq) VALUES (true, 0)",
    )
    for statement in statements:
        conn.execute(_q(statement, schema))
    conn.execute(
        _q("INSERT INTO {s}.meta (key, value) VALUES ('application', %s)", schema), (_APPLICATION,)
    )


_MIGRATIONS: dict[int, Callable[[Connection, sql.Identifier], None]] = {1: _migrate_to_1}
"""Target schema version -> the migration from the version before it."""


def _lock_key(schema: str) -> int:
    """The advisory-lock key (a signed 64-bit int) that serialises migrations of ``schema``."""
    digest = hashlib.sha256(f"{_APPLICATION}:{schema}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _tables(conn: Connection, schema: str) -> set[str]:
    """The names of the tables (and views) in ``schema``."""
    rows = conn.execute(
        "SELECT c.relname FROM pg_catalog.pg_class c"
        " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = %s AND c.relkind IN ('r', 'p', 'v', 'm', 'f')",
        (schema,),
    ).fetchall()
    return {name for (name,) in rows}


def _read_version(conn: Connection, schema: str, where: str) -> int:
    """The schema's version (0 when it has no tables), or :class:`StoreError`."""
    tables = _tables(conn, schema)
    if not tables:
        return 0
    if "meta" not in tables:
        shown = ", ".join(sorted(tables)[:5])
        raise StoreError(
            f"{where}: schema {schema!r} is not a dispatch event store (no meta table;"
            f" tables: {shown})"
        )
    try:
        rows = conn.execute(_q("SELECT key, value FROM {s}.meta", sql.Identifier(schema)))
        meta: dict[str, str] = dict(rows.fetchall())
        application = meta.get("application")
        version = int(meta["schema_version"])
    except (psycopg.Error, KeyError, ValueError, TypeError) as exc:
        raise StoreError(
            f"{where}: schema {schema!r} is not a dispatch event store (bad meta table: {exc})"
        ) from None
    if application != _APPLICATION:
        raise StoreError(
            f"{where}: schema {schema!r} is not a dispatch event store (application"
            f" {application!r} in its meta table)"
        )
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"{where}: schema {schema!r} has event store schema version {version}, newer than"
            f" version {SCHEMA_VERSION} that this version of dispatch knows; upgrade dispatch"
        )
    return version


def _migrate(conn: Connection, schema: str, where: str) -> None:
    """Bring ``schema`` to :data:`SCHEMA_VERSION` in one transaction, under an advisory lock."""
    ident = sql.Identifier(schema)
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_lock_key(schema),))
        exists = conn.execute("SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = %s", (schema,))
        if exists.fetchone() is None:
            conn.execute(sql.SQL("CREATE SCHEMA {}").format(ident))
        version = _read_version(conn, schema, where)  # again: another process may have migrated
        for target in sorted(_MIGRATIONS):
            if version < target <= SCHEMA_VERSION:
                if target != version + 1:
                    raise StoreError(f"{where}: no migration from schema version {version}")
                _MIGRATIONS[target](conn, ident)
                conn.execute(
                    _q(
                        "INSERT INTO {s}.meta (key, value) VALUES ('schema_version', %s)"
                        " ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                        ident,
                    ),
                    (str(target),),
                )
                version = target
        if version != SCHEMA_VERSION:
            raise StoreError(f"{where}: no migration from schema version {version}")


def _describe(conninfo: str) -> str:
    """The connection string without its password: ``postgresql://user@host:port/db``."""
    try:
        params = conninfo_to_dict(conninfo)
    except psycopg.Error:
        return "postgresql (unparsable connection string)"
    user = f"{params['user']}@" if params.get("user") else ""
    host, port = str(params.get("host") or ""), params.get("port")
    db = params.get("dbname") or ""
    if host.startswith("/"):  # a unix-socket directory
        return f"postgresql://{user}/{db}?host={host}"
    return f"postgresql://{user}{host}{f':{port}' if port else ''}/{db}"


def _check_schema(schema: object) -> str:
    if (
        not isinstance(schema, str)
        or not schema
        or "\x00" in schema
        or not is_unicode(schema)
        or len(schema.encode("utf-8")) > 63
        or schema.startswith("pg_")
    ):
        raise InvalidInputError(
            "schema",
            f"must be a PostgreSQL schema name (1-63 bytes, no NUL, not pg_...), got {schema!r}",
        )
    return schema


def _text(raw: bytes, where: str, what: str) -> str:
    try:
        return bytes(raw).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise StoreError(f"{where}: {what} is not UTF-8: {exc}") from None


def _decode(text: str, where: str, what: str) -> dict[str, Any]:
    try:
        return decode_json(text)
    except ValueError as exc:
        raise StoreError(f"{where}: {what} is not valid JSON: {exc}") from None


class _Queries:
    """The store's statements, with the schema name quoted in."""

    def __init__(self, schema: sql.Identifier) -> None:
        self.lock_head = _q("SELECT last_seq FROM {s}.head FOR UPDATE", schema)
        self.head = _q("SELECT last_seq FROM {s}.head", schema)
        self.command = _q(
            "SELECT first_seq, last_seq FROM {s}.commands WHERE command_id = %s", schema
        )
        # One statement writes the command, its events and the new head (the data-modifying
        # CTEs all run; the foreign key is checked at the statement's end).
        self.insert = _q(
            """WITH command AS (
                INSERT INTO {s}.commands (command_id, first_seq, last_seq, command, recorded_s)
                VALUES (%(cid)s, %(first)s, %(last)s, %(command)s::json, %(recorded)s)
            ), head AS (
                UPDATE {s}.head SET last_seq = %(last)s
            )
            INSERT INTO {s}.events (seq, kind, payload, command_id, recorded_s)
            SELECT %(first)s::bigint + e.ord - 1, e.kind, e.payload::json, %(cid)s, %(recorded)s
            FROM unnest(%(kinds)s::bytea[], %(payloads)s::text[])
                WITH ORDINALITY AS e (kind, payload, ord)""",
            schema,
        )
        self.events = _q(
            "SELECT seq, kind, payload::text, command_id, recorded_s FROM {s}.events"
            " WHERE seq > %s AND seq <= %s ORDER BY seq LIMIT %s",
            schema,
        )
        self.save_snapshot = _q(
            "INSERT INTO {s}.snapshots (seq, state) VALUES (%s, %s::json)"
            " ON CONFLICT (seq) DO UPDATE SET state = EXCLUDED.state",
            schema,
        )
        self.latest_snapshot = _q(
            "SELECT seq, state::text FROM {s}.snapshots ORDER BY seq DESC LIMIT 1", schema
        )


class PostgresEventStore:
    """The :class:`~dispatch.store.EventStore` on PostgreSQL, shared by many processes.

    Every :meth:`append` is one transaction (PostgreSQL's default
    ``synchronous_commit = on`` makes it durable when it returns) that locks
    the log's head row, so several dispatcher processes may share one schema:
    commands are idempotent across all of them, ``seq`` has no gaps, and an
    append whose ``expected_last_seq`` no longer holds raises
    :class:`~dispatch.store.ConcurrencyError` (another process appended
    first; reload and re-decide). Opening a missing or empty schema creates
    it; an older schema version is migrated (see the module docstring).

    Parameters
    ----------
    url
        A libpq connection string or URI
        (``postgresql://user@host:5432/db``, ``host=/run/postgresql
        dbname=db``). None reads :data:`URL_ENV` (``DISPATCH_POSTGRES_URL``).
    schema
        The PostgreSQL schema that holds the tables (several logs may live in
        one database, one per schema). None reads :data:`SCHEMA_ENV`
        (``DISPATCH_POSTGRES_SCHEMA``), else :data:`DEFAULT_SCHEMA`.
    timeout_s
        How long an append waits for another connection's lock on the log
        before failing with :class:`~dispatch.store.StoreError`
        (PostgreSQL's ``lock_timeout``; non-negative, 0 fails at once).

    Raises
    ------
    InvalidInputError
        No connection string, a bad schema name or timeout.
    StoreError
        The server cannot be reached (naming the server, never the
        password), the schema holds something that is not a dispatch event
        store, or its version is newer than :data:`SCHEMA_VERSION`.

    Notes
    -----
    A store object holds one connection, guarded by a lock, so threads may
    share it (their calls are serialised). Do not use it in a child process
    after ``os.fork()``: open a new one there. If the connection breaks (the
    server restarted), the failing call raises
    :class:`~dispatch.store.StoreError` and the next one reconnects; an
    :meth:`append` that failed that way may or may not have been committed,
    so retry it with the same command id.

    Examples
    --------
    The examples need a server: they run where ``DISPATCH_POSTGRES_URL`` is
    set (as in CI) and are skipped elsewhere.

    >>> import os, pytest
    >>> url = os.environ.get("DISPATCH_POSTGRES_URL") or pytest.skip("no DISPATCH_POSTGRES_URL")
    >>> from dispatch.store import NewEvent
    >>> with PostgresEventStore(url, schema="doctest_postgres") as store:
    ...     store.append("c1", [NewEvent("task.submitted", {"task": "t1"})], recorded_s=60)
    AppendResult(command_id='c1', first_seq=1, last_seq=1, duplicate=False)
    >>> first = PostgresEventStore(url, schema="doctest_postgres")  # e.g. two processes
    >>> second = PostgresEventStore(url, schema="doctest_postgres")
    >>> seen = second.last_seq()
    >>> first.append("c2", [NewEvent("task.accepted", {"task": "t1"})], recorded_s=61,
    ...              expected_last_seq=seen).last_seq
    2
    >>> second.append("c3", [NewEvent("task.accepted", {"task": "t1"})], recorded_s=61,
    ...               expected_last_seq=seen)
    Traceback (most recent call last):
    ...
    dispatch.store._events.ConcurrencyError: expected last event 1, the store is at 2
    >>> [(e.seq, e.kind, e.command_id) for e in second.events()]
    [(1, 'task.submitted', 'c1'), (2, 'task.accepted', 'c2')]
    >>> second.close()
    >>> first.drop()  # delete the example's tables
    """

    def __init__(
        self,
        url: str | None = None,
        *,
        schema: str | None = None,
        timeout_s: float = 5.0,
    ) -> None:
        self._lock = threading.Lock()
        self._conn: Connection | None = None
        conninfo = os.environ.get(URL_ENV) if url is None else url
        if not isinstance(conninfo, str) or not conninfo.strip():
            raise InvalidInputError(
                "url", f"no PostgreSQL connection string: pass one or set {URL_ENV}"
            )
        if isinstance(timeout_s, bool) or not isinstance(timeout_s, int | float) or timeout_s < 0:
            raise InvalidInputError(
                "timeout_s", f"must be a non-negative number, got {timeout_s!r}"
            )
        if schema is None:
            schema = os.environ.get(SCHEMA_ENV) or DEFAULT_SCHEMA
        self._schema = _check_schema(schema)
        self._conninfo = conninfo
        self._lock_timeout_ms = max(1, round(timeout_s * 1000))
        self._location = _describe(conninfo)
        self._sql = _Queries(sql.Identifier(self._schema))
        conn = self._connect()
        try:
            version = _read_version(conn, self._schema, self._where)
            if version < SCHEMA_VERSION:
                _migrate(conn, self._schema, self._where)
        except psycopg.Error as exc:
            conn.close()
            raise StoreError(f"{self._where}: not a usable dispatch event store: {exc}") from None
        except BaseException:
            conn.close()
            raise
        self._conn = conn

    def _connect(self) -> Connection:
        try:
            conn = psycopg.connect(
                self._conninfo, autocommit=True, fallback_application_name=_APPLICATION
            )
        except psycopg.Error as exc:
            raise StoreError(f"{self._location}: cannot connect: {exc}") from None
        try:
            conn.execute(
                "SELECT set_config('lock_timeout', %s, false)", (f"{self._lock_timeout_ms}ms",)
            )
        except psycopg.Error as exc:
            conn.close()
            raise StoreError(f"{self._location}: cannot set up the connection: {exc}") from None
        return conn

    @property
    def _where(self) -> str:
        return f"{self._location} schema {self._schema!r}"

    @property
    def location(self) -> str:
        """The server and database, as a URL without the password."""
        return self._location

    @property
    def schema(self) -> str:
        """The PostgreSQL schema that holds the store's tables."""
        return self._schema

    def __repr__(self) -> str:
        state = " (closed)" if self._conn is None else ""
        return f"PostgresEventStore({self._location!r}, schema={self._schema!r}){state}"

    def __enter__(self) -> PostgresEventStore:
        self._check_open()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _check_open(self) -> None:
        if self._conn is None:
            raise StoreError(f"the event store {self._where} is closed")

    def _connection(self) -> Connection:
        """The open connection (a broken one is replaced); call with the lock held."""
        conn = self._conn
        if conn is None:
            raise StoreError(f"the event store {self._where} is closed")
        if conn.broken:
            conn.close()
            conn = self._connect()
            self._conn = conn
        return conn

    def _fail(self, doing: str, exc: psycopg.Error) -> StoreError:
        return StoreError(f"{self._where}: {doing} failed: {str(exc).strip()}")

    def append(
        self,
        command_id: str,
        events: Sequence[NewEvent],
        *,
        recorded_s: int,
        command: Mapping[str, JSONValue] | None = None,
        expected_last_seq: int | None = None,
    ) -> AppendResult:
        """Append ``events`` for ``command_id`` in one transaction holding the log's lock.

        See :meth:`EventStore.append`: a repeated ``command_id`` (appended by
        any process) returns the original result with ``duplicate=True``,
        before ``expected_last_seq`` is looked at; a wrong
        ``expected_last_seq`` raises :class:`~dispatch.store.ConcurrencyError`
        and writes nothing. Invalid input raises
        :class:`~dispatch.errors.InvalidInputError` and stores nothing.
        ``recorded_s`` must be below 2**63 (PostgreSQL's ``bigint``).

        Examples
        --------
        See :class:`PostgresEventStore`.
        """
        self._check_open()
        prepared = prepare_append(
            command_id,
            events,
            recorded_s=recorded_s,
            command=command,
            expected_last_seq=expected_last_seq,
        )
        if prepared.recorded_s > _MAX_BIGINT:
            raise InvalidInputError("recorded_s", f"must be below 2**63, got {recorded_s!r}")
        with self._lock:
            conn = self._connection()
            try:
                with conn.transaction():
                    return self._append_in_transaction(conn, prepared)
            except psycopg.Error as exc:
                raise self._fail(f"appending command {prepared.command_id!r}", exc) from None

    def _append_in_transaction(self, conn: Connection, prepared: PreparedAppend) -> AppendResult:
        command_id = prepared.command_id
        key = command_id.encode("utf-8")
        head = conn.execute(self._sql.lock_head).fetchone()
        if head is None:
            raise StoreError(f"{self._where}: the head row is missing")
        last = int(head[0])
        # A statement of its own after the lock: under READ COMMITTED it sees a command
        # committed by the writer whose lock we waited for.
        old = conn.execute(self._sql.command, (key,)).fetchone()
        if old is not None:
            return AppendResult(command_id, int(old[0]), int(old[1]), True)
        if prepared.expected_last_seq is not None and prepared.expected_last_seq != last:
            raise ConcurrencyError(prepared.expected_last_seq, last)
        first, new_last = last + 1, last + len(prepared.events)
        conn.execute(
            self._sql.insert,
            {
                "cid": key,
                "first": first,
                "last": new_last,
                "command": prepared.command,
                "recorded": prepared.recorded_s,
                "kinds": [kind.encode("utf-8") for kind, _ in prepared.events],
                "payloads": [payload for _, payload in prepared.events],
            },
        )
        return AppendResult(command_id, first, new_last, False)

    def events(self, after_seq: int = 0) -> Iterator[StoredEvent]:
        """The events with ``seq > after_seq``, in order, up to the last one at the call.

        The events are read in pages, so a long log is never loaded at once.

        Examples
        --------
        See :class:`PostgresEventStore`.
        """
        self._check_open()
        start = check_seq(after_seq, "after_seq")
        end = self.last_seq()
        return self._iter_events(start, end)

    def _iter_events(self, start: int, end: int) -> Iterator[StoredEvent]:
        while start < end:
            with self._lock:
                conn = self._connection()
                try:
                    rows = conn.execute(self._sql.events, (start, end, _PAGE)).fetchall()
                except psycopg.Error as exc:
                    raise self._fail("reading events", exc) from None
            if not rows:
                raise StoreError(f"{self._where}: events after {start} are missing")
            for seq, kind, payload, command_id, recorded_s in rows:
                self._check_open()  # closing the store stops the iteration, as in memory
                yield StoredEvent(
                    seq,
                    _text(kind, self._where, f"the kind of event {seq}"),
                    _decode(payload, self._where, f"event {seq}"),
                    _text(command_id, self._where, f"the command id of event {seq}"),
                    recorded_s,
                )
            start = rows[-1][0]

    def last_seq(self) -> int:
        """The sequence number of the last event (0 when empty).

        Examples
        --------
        See :class:`PostgresEventStore`.
        """
        with self._lock:
            conn = self._connection()
            try:
                row = conn.execute(self._sql.head).fetchone()
            except psycopg.Error as exc:
                raise self._fail("reading the last seq", exc) from None
        if row is None:
            raise StoreError(f"{self._where}: the head row is missing")
        return int(row[0])

    def command(self, command_id: str) -> AppendResult | None:
        """The original result (``duplicate=False``) of appending ``command_id``, or None.

        Examples
        --------
        See :class:`PostgresEventStore`.
        """
        with self._lock:
            conn = self._connection()
            if not isinstance(command_id, str) or not is_unicode(command_id):
                return None  # never stored: append refuses such ids
            try:
                row = conn.execute(self._sql.command, (command_id.encode("utf-8"),)).fetchone()
            except psycopg.Error as exc:
                raise self._fail(f"reading command {command_id!r}", exc) from None
        return None if row is None else AppendResult(command_id, int(row[0]), int(row[1]), False)

    def save_snapshot(self, snapshot: Snapshot) -> None:
        """Store the state after event ``snapshot.seq`` durably (replacing one at that seq).

        ``snapshot.seq`` must lie between 0 and :meth:`last_seq`; the state
        must be JSON-serialisable (:class:`~dispatch.errors.InvalidInputError`).
        Older snapshots are kept. Several processes may save snapshots: the
        log only grows, so a snapshot valid when saved stays valid.

        Examples
        --------
        See :class:`PostgresEventStore`.
        """
        self._check_open()
        seq, state = prepare_snapshot(snapshot)
        last = self.last_seq()
        check_snapshot_seq(seq, last)
        with self._lock:
            conn = self._connection()
            try:
                conn.execute(self._sql.save_snapshot, (seq, state))
            except psycopg.Error as exc:
                raise self._fail(f"saving the snapshot at {seq}", exc) from None

    def latest_snapshot(self) -> Snapshot | None:
        """The snapshot with the highest ``seq``, or None.

        Examples
        --------
        See :class:`PostgresEventStore`.
        """
        with self._lock:
            conn = self._connection()
            try:
                row = conn.execute(self._sql.latest_snapshot).fetchone()
            except psycopg.Error as exc:
                raise self._fail("reading the latest snapshot", exc) from None
        if row is None:
            return None
        return Snapshot(row[0], _decode(row[1], self._where, f"snapshot {row[0]}"))

    def close(self) -> None:
        """Close the connection; every later call except ``close`` raises :class:`StoreError`.

        Examples
        --------
        See :class:`PostgresEventStore`.
        """
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def drop(self) -> None:
        """Delete the store's schema with everything in it, then close the store.

        Only a schema that holds nothing but this store's tables is dropped
        (:class:`StoreError` otherwise, and nothing is deleted). Other
        processes using the schema fail from then on.

        Examples
        --------
        See :class:`PostgresEventStore`.
        """
        with self._lock:
            conn = self._connection()
            try:
                with conn.transaction():
                    conn.execute("SELECT pg_advisory_xact_lock(%s)", (_lock_key(self._schema),))
                    others = _tables(conn, self._schema) - _TABLES
                    if others:
                        shown = ", ".join(sorted(others)[:5])
                        raise StoreError(
                            f"{self._where}: not dropped: the schema also holds {shown}"
                        )
                    conn.execute(
                        sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(self._schema))
                    )
            except psycopg.Error as exc:
                raise self._fail("dropping the schema", exc) from None
            conn.close()
            self._conn = None
