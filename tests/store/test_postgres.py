"""What only the PostgreSQL store does: schemas, versions, migrations, locks, connections.

The contract (``test_contract.py``, fixture ``store``) and the crash test
(``test_crash.py``, fixture ``crash_target``) run on PostgreSQL too. Here:
the schema's tables and versions, foreign schemas, the connection string and
password, concurrent writers and openers on separate connections, the lock
timeout, reconnection, a writer killed in the middle of an append, and the
store model of ``test_model.py`` with PostgreSQL beside the memory store.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import settings
from hypothesis.stateful import rule
from tests.store.test_model import StoreMachine
from tests.stores import (
    drop_schema,
    fresh_schema,
    postgres_url,
    require_psycopg,
    wait_for_no_backends,
)
from tests.strategies import examples

psycopg = require_psycopg()

from psycopg import sql  # noqa: E402 (after the check that psycopg is there)

from dispatch.errors import InvalidInputError  # noqa: E402
from dispatch.store import (  # noqa: E402
    AppendResult,
    ConcurrencyError,
    NewEvent,
    Snapshot,
    StoreError,
    _postgres,
)
from dispatch.store._postgres import PostgresEventStore  # noqa: E402


@pytest.fixture
def url() -> str:
    """The test server's URL (skips, or fails under CI, without one)."""
    return postgres_url()


@pytest.fixture
def schema(url: str) -> Iterator[str]:
    """A fresh schema name, dropped after the test."""
    name = fresh_schema("pgtest")
    yield name
    drop_schema(url, name)


@contextlib.contextmanager
def raw(url: str) -> Iterator[Any]:
    """A plain autocommit psycopg connection, closed afterwards."""
    with psycopg.connect(url, autocommit=True) as conn:
        yield conn


def q(template: str, schema: str) -> sql.Composed:
    """``template`` with ``{s}`` replaced by the quoted schema."""
    return sql.SQL(template).format(s=sql.Identifier(schema))  # type: ignore[arg-type]


def meta(url: str, schema: str) -> dict[str, str]:
    """The store's meta table as a dict."""
    with raw(url) as conn:
        return dict(conn.execute(q("SELECT key, value FROM {s}.meta", schema)).fetchall())


def fill(store: PostgresEventStore) -> None:
    """A few commands (one without events) and a snapshot."""
    store.append("c1", [NewEvent("a", {"n": 1}), NewEvent("b", {"l": [1, 2]})], recorded_s=10)
    store.append("c2", [], recorded_s=20, command={"op": "noop"})
    store.append("c3", [NewEvent("c", {"地址": "幸福路"})], recorded_s=30, command={"op": "c"})
    store.save_snapshot(Snapshot(2, {"count": 2}))


def test_new_schema_gets_the_current_version(url: str, schema: str) -> None:
    """A new schema is created at SCHEMA_VERSION (1) with its five tables, marked as ours."""
    PostgresEventStore(url, schema=schema).close()
    assert _postgres.SCHEMA_VERSION == 1
    assert meta(url, schema) == {"application": "dispatch.store", "schema_version": "1"}
    with raw(url) as conn:
        tables = {
            name
            for (name,) in conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
                (schema,),
            )
        }
        head = conn.execute(q("SELECT * FROM {s}.head", schema)).fetchall()
    assert tables == {"meta", "head", "commands", "events", "snapshots"}
    assert head == [(True, 0)]


def test_existing_empty_schema_becomes_a_store(url: str, schema: str) -> None:
    """A schema that exists but holds nothing (version 0) is migrated in place."""
    with raw(url) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    with PostgresEventStore(url, schema=schema) as store:
        assert store.append("c1", [NewEvent("a")], recorded_s=0).last_seq == 1


def test_reopen_keeps_everything(url: str, schema: str) -> None:
    """Closing and reopening gives the same events, commands, snapshot and next seq."""
    with PostgresEventStore(url, schema=schema) as store:
        fill(store)
        before = (list(store.events()), [store.command(f"c{i}") for i in (1, 2, 3)])
        snapshot = store.latest_snapshot()
    with PostgresEventStore(url, schema=schema) as store:
        assert (list(store.events()), [store.command(f"c{i}") for i in (1, 2, 3)]) == before
        assert store.latest_snapshot() == snapshot
        assert store.last_seq() == 3
        assert store.append("c3", [NewEvent("x")], recorded_s=0).duplicate
        assert store.append("c4", [NewEvent("d")], recorded_s=40) == AppendResult("c4", 4, 4, False)


def test_commands_and_events_are_stored_for_audit(url: str, schema: str) -> None:
    """Rows hold the UTF-8 ids and kinds, the JSON exactly as written, seqs and recorded_s."""
    with PostgresEventStore(url, schema=schema) as store:
        store.append("c1", [NewEvent("派单", {"b": 1, "a": 1e308})], recorded_s=10)
        store.append("c2", [], recorded_s=20, command={"op": "noop", "by": "staff-1"})
    with raw(url) as conn:
        commands = conn.execute(
            q(
                "SELECT command_id, first_seq, last_seq, command::text, recorded_s"
                " FROM {s}.commands ORDER BY command_id",
                schema,
            )
        ).fetchall()
        events = conn.execute(
            q("SELECT seq, convert_from(kind, 'UTF8'), payload::text FROM {s}.events", schema)
        ).fetchall()
    assert commands == [
        (b"c1", 1, 1, None, 10),
        (b"c2", 2, 1, '{"op":"noop","by":"staff-1"}', 20),
    ]
    assert events == [(1, "派单", '{"b":1,"a":1e+308}')]


def test_newer_schema_version_is_refused(url: str, schema: str) -> None:
    """A schema written by a newer version raises StoreError naming both versions."""
    PostgresEventStore(url, schema=schema).close()
    with raw(url) as conn:
        conn.execute(q("UPDATE {s}.meta SET value = '7' WHERE key = 'schema_version'", schema))
    with pytest.raises(StoreError, match=rf"{schema}.*version 7.*version 1"):
        PostgresEventStore(url, schema=schema)


def test_foreign_schema_is_not_a_store(url: str, schema: str) -> None:
    """A schema with other tables raises StoreError naming them, and is not modified."""
    with raw(url) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
        conn.execute(q("CREATE TABLE {s}.people (name text)", schema))
    with pytest.raises(StoreError, match=rf"{schema}'? is not a dispatch event store.*people"):
        PostgresEventStore(url, schema=schema)
    with raw(url) as conn:
        names = conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s", (schema,)
        ).fetchall()
    assert names == [("people",)]


@pytest.mark.parametrize(
    "statements",
    [
        ["CREATE TABLE {s}.meta (key text, value text)"],
        ["CREATE TABLE {s}.meta (key text, value text)", "INSERT INTO {s}.meta VALUES ('x', 'y')"],
        [
            "CREATE TABLE {s}.meta (key text, value text)",
            "INSERT INTO {s}.meta VALUES ('application', 'other'), ('schema_version', '1')",
        ],
        [
            "CREATE TABLE {s}.meta (key text, value text)",
            "INSERT INTO {s}.meta VALUES ('application', 'dispatch.store'),"
            " ('schema_version', 'x')",
        ],
        ["CREATE TABLE {s}.meta (k integer)"],
    ],
)
def test_foreign_meta_table_is_not_a_store(url: str, schema: str, statements: list[str]) -> None:
    """A meta table that is not ours (other application, no or bad version) is refused."""
    with raw(url) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
        for statement in statements:
            conn.execute(q(statement, schema))
    with pytest.raises(StoreError, match="is not a dispatch event store"):
        PostgresEventStore(url, schema=schema)


def test_unreachable_server_is_named_without_the_password() -> None:
    """A server that cannot be reached raises StoreError naming it, never the password."""
    bad = "postgresql://ada:s3cret@/nowhere?host=/nonexistent-dispatch-dir&connect_timeout=2"
    with pytest.raises(StoreError, match="cannot connect") as info:
        PostgresEventStore(bad)
    assert "postgresql://ada@/nowhere?host=/nonexistent-dispatch-dir" in str(info.value)
    assert "s3cret" not in str(info.value)


def test_repr_and_location_hide_the_password(url: str, schema: str) -> None:
    """repr, location and errors name user, host and database, not the password."""
    params = psycopg.conninfo.conninfo_to_dict(url)
    with_password = psycopg.conninfo.make_conninfo(url, password="s3cret")
    store = PostgresEventStore(with_password, schema=schema)
    assert "s3cret" not in repr(store) and "s3cret" not in store.location
    assert str(params["dbname"]) in store.location and store.schema == schema
    assert repr(store) == f"PostgresEventStore({store.location!r}, schema={schema!r})"
    store.close()
    assert repr(store).endswith("(closed)")


def test_url_and_schema_from_the_environment(
    url: str, schema: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without arguments the store reads DISPATCH_POSTGRES_URL and DISPATCH_POSTGRES_SCHEMA."""
    monkeypatch.setenv("DISPATCH_POSTGRES_URL", url)
    monkeypatch.setenv("DISPATCH_POSTGRES_SCHEMA", schema)
    with PostgresEventStore() as store:
        assert store.schema == schema
        store.append("c1", [], recorded_s=0)
    monkeypatch.delenv("DISPATCH_POSTGRES_SCHEMA")
    assert PostgresEventStore.__init__.__kwdefaults__ == {"schema": None, "timeout_s": 5.0}
    assert _postgres.DEFAULT_SCHEMA == "dispatch"


def test_missing_url_is_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    """No argument and no DISPATCH_POSTGRES_URL is an InvalidInputError naming both."""
    monkeypatch.delenv("DISPATCH_POSTGRES_URL", raising=False)
    with pytest.raises(InvalidInputError, match=r"url.*DISPATCH_POSTGRES_URL"):
        PostgresEventStore()
    with pytest.raises(InvalidInputError, match="url"):
        PostgresEventStore("  ")


@pytest.mark.parametrize("bad", ["", "a\x00b", "x" * 64, "\ud800", "pg_mine", 5])
def test_bad_schema_names_are_rejected(url: str, bad: Any) -> None:
    """An empty, too long, NUL-holding, reserved or non-string schema is an InvalidInputError."""
    with pytest.raises(InvalidInputError, match="schema"):
        PostgresEventStore(url, schema=bad)


@pytest.mark.parametrize("timeout_s", [-1, "5", True])
def test_bad_timeout_is_rejected(url: str, timeout_s: Any) -> None:
    """A negative or non-numeric timeout_s is an InvalidInputError."""
    with pytest.raises(InvalidInputError, match="timeout_s"):
        PostgresEventStore(url, timeout_s=timeout_s)


def test_any_schema_name_is_quoted(url: str) -> None:
    """A schema name with capitals, quotes and SQL in it is an identifier, never SQL."""
    name = f'Odd "{fresh_schema()}"; DROP TABLE x; --'
    try:
        with PostgresEventStore(url, schema=name) as store:
            store.append("c1", [NewEvent("a")], recorded_s=0)
            assert [e.kind for e in store.events()] == ["a"]
        assert meta(url, name)["schema_version"] == "1"
    finally:
        drop_schema(url, name)


def test_recorded_s_beyond_bigint_is_rejected(url: str, schema: str) -> None:
    """recorded_s at 2**63 or more is an InvalidInputError; nothing is stored."""
    with PostgresEventStore(url, schema=schema) as store:
        with pytest.raises(InvalidInputError, match="recorded_s"):
            store.append("c1", [NewEvent("a")], recorded_s=2**63)
        assert store.append("c1", [NewEvent("a")], recorded_s=2**63 - 1).last_seq == 1


def test_two_stores_on_one_schema_conflict(url: str, schema: str) -> None:
    """Two connections on one schema: the second append at the same expected seq fails."""
    with (
        PostgresEventStore(url, schema=schema) as first,
        PostgresEventStore(url, schema=schema) as second,
    ):
        first.append("c0", [NewEvent("a")], recorded_s=0)
        seen = second.last_seq()
        assert first.append("c1", [NewEvent("b")], recorded_s=1, expected_last_seq=seen)
        with pytest.raises(ConcurrencyError) as info:
            second.append("c2", [NewEvent("c")], recorded_s=1, expected_last_seq=seen)
        assert (info.value.expected, info.value.actual) == (1, 2)
        assert second.append("c1", [NewEvent("b")], recorded_s=1).duplicate
        assert [e.command_id for e in second.events()] == ["c0", "c1"]


def test_connections_never_append_at_the_same_expected_seq(url: str, schema: str) -> None:
    """Writers on their own connections racing with expected_last_seq: gapless, each once."""
    PostgresEventStore(url, schema=schema).close()
    names, count = ["w0", "w1", "w2"], 40
    conflicts: list[int] = []
    start = threading.Barrier(len(names))

    def writer(name: str) -> None:
        mine = 0
        with PostgresEventStore(url, schema=schema) as store:
            start.wait()
            for i in range(count):
                while True:
                    seen = store.last_seq()
                    event = NewEvent("step", {"writer": name, "i": i, "after": seen})
                    try:
                        store.append(f"{name}-{i}", [event], recorded_s=i, expected_last_seq=seen)
                        break
                    except ConcurrencyError:
                        mine += 1
        conflicts.append(mine)

    threads = [threading.Thread(target=writer, args=(name,)) for name in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with PostgresEventStore(url, schema=schema) as store:
        events = list(store.events())
    assert [e.seq for e in events] == list(range(1, len(names) * count + 1))
    assert all(e.payload["after"] == e.seq - 1 for e in events)
    for name in names:
        assert [e.payload["i"] for e in events if e.payload["writer"] == name] == list(range(count))
    assert len(conflicts) == len(names)


def test_concurrent_openers_migrate_once(url: str, schema: str) -> None:
    """Stores opened at the same moment on a new schema all work; the tables are made once."""
    openers = 4
    start = threading.Barrier(openers)
    errors: list[BaseException] = []

    def open_and_append(k: int) -> None:
        try:
            start.wait()
            with PostgresEventStore(url, schema=schema) as store:
                store.append(f"c{k}", [NewEvent("a")], recorded_s=k)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=open_and_append, args=(k,)) for k in range(openers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with PostgresEventStore(url, schema=schema) as store:
        assert store.last_seq() == openers
    assert meta(url, schema) == {"application": "dispatch.store", "schema_version": "1"}


def test_lock_timeout_is_a_store_error(url: str, schema: str) -> None:
    """An append that waits longer than timeout_s for the log's lock fails with StoreError."""
    with PostgresEventStore(url, schema=schema, timeout_s=0.2) as store, raw(url) as holder:
        with holder.transaction():
            holder.execute(q("SELECT last_seq FROM {s}.head FOR UPDATE", schema))
            started = time.monotonic()
            with pytest.raises(StoreError, match="lock timeout"):
                store.append("c1", [NewEvent("a")], recorded_s=0)
            assert time.monotonic() - started < 5
        assert store.append("c1", [NewEvent("a")], recorded_s=0).last_seq == 1


def test_broken_connection_is_replaced(url: str, schema: str) -> None:
    """After the server ends the store's connection, one call fails and the next reconnects."""
    with PostgresEventStore(url, schema=schema) as store:
        store.append("c1", [NewEvent("a")], recorded_s=0)
        assert store._conn is not None
        pid = store._conn.info.backend_pid
        with raw(url) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        with pytest.raises(StoreError):
            store.append("c2", [NewEvent("b")], recorded_s=1)
        assert store.append("c2", [NewEvent("b")], recorded_s=1).last_seq == 2
        assert store._conn.info.backend_pid != pid


def test_migrations_run_in_order_and_keep_data(
    url: str, schema: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Opening a version-1 schema with code at version 3 applies migrations 2 then 3 once."""
    with PostgresEventStore(url, schema=schema) as store:
        fill(store)
        before = list(store.events())
    applied: list[int] = []

    def to_2(conn: Any, ident: sql.Identifier) -> None:
        applied.append(2)
        conn.execute(sql.SQL("CREATE TABLE {}.extra (x integer)").format(ident))

    def to_3(conn: Any, ident: sql.Identifier) -> None:
        applied.append(3)
        conn.execute(sql.SQL("INSERT INTO {}.extra VALUES (3)").format(ident))

    monkeypatch.setattr(_postgres, "SCHEMA_VERSION", 3)
    monkeypatch.setattr(_postgres, "_MIGRATIONS", {**_postgres._MIGRATIONS, 3: to_3, 2: to_2})
    with PostgresEventStore(url, schema=schema) as store:
        assert list(store.events()) == before
    with PostgresEventStore(url, schema=schema) as store:
        assert store.last_seq() == 3
    assert applied == [2, 3]
    assert meta(url, schema)["schema_version"] == "3"
    with raw(url) as conn:
        assert conn.execute(q("SELECT x FROM {s}.extra", schema)).fetchall() == [(3,)]


def test_failed_migration_changes_nothing(
    url: str, schema: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A migration that fails half-way is rolled back: version and tables stay as they were."""
    with PostgresEventStore(url, schema=schema) as store:
        fill(store)

    def broken(conn: Any, ident: sql.Identifier) -> None:
        conn.execute(sql.SQL("CREATE TABLE {}.extra (x integer)").format(ident))
        conn.execute(sql.SQL("DROP TABLE {}.snapshots").format(ident))
        raise RuntimeError("migration bug")

    monkeypatch.setattr(_postgres, "SCHEMA_VERSION", 2)
    monkeypatch.setattr(_postgres, "_MIGRATIONS", {**_postgres._MIGRATIONS, 2: broken})
    with pytest.raises(RuntimeError, match="migration bug"):
        PostgresEventStore(url, schema=schema)
    monkeypatch.undo()
    assert meta(url, schema)["schema_version"] == "1"
    with PostgresEventStore(url, schema=schema) as store:
        assert store.latest_snapshot() == Snapshot(2, {"count": 2})
        assert store.last_seq() == 3


def test_missing_migration_is_refused(
    url: str, schema: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Code at version 3 without a migration to 2 refuses a version-1 schema."""
    PostgresEventStore(url, schema=schema).close()
    monkeypatch.setattr(_postgres, "SCHEMA_VERSION", 3)
    monkeypatch.setattr(
        _postgres, "_MIGRATIONS", {**_postgres._MIGRATIONS, 3: lambda conn, ident: None}
    )
    with pytest.raises(StoreError, match="no migration from schema version 1"):
        PostgresEventStore(url, schema=schema)
    monkeypatch.undo()
    assert meta(url, schema)["schema_version"] == "1"


def test_schema_rejects_invalid_rows(url: str, schema: str) -> None:
    """The tables' checks refuse rows the store would never write."""
    PostgresEventStore(url, schema=schema).close()
    bad = [
        "INSERT INTO {s}.events VALUES (1, 'a', '{{x', 'c1', 0)",
        "INSERT INTO {s}.events VALUES (0, 'a', '{{}}', 'c1', 0)",
        "INSERT INTO {s}.events VALUES (1, 'a', '{{}}', 'nobody', 0)",
        "INSERT INTO {s}.events VALUES (1, '', '{{}}', 'c1', 0)",
        "INSERT INTO {s}.events VALUES (1, 'a', '{{}}', 'c1', -1)",
        "INSERT INTO {s}.commands VALUES ('', 1, 0, NULL, 0)",
        "INSERT INTO {s}.commands VALUES ('c2', 3, 1, NULL, 0)",
        "INSERT INTO {s}.snapshots VALUES (1, 'nope')",
        "INSERT INTO {s}.head VALUES (false, 0)",
        "UPDATE {s}.head SET last_seq = -1",
    ]
    with raw(url) as conn:
        conn.execute(q("INSERT INTO {s}.commands VALUES ('c1', 1, 1, NULL, 0)", schema))
        for statement in bad:
            with pytest.raises((psycopg.errors.IntegrityError, psycopg.errors.DataError)):
                conn.execute(q(statement, schema))


def test_corrupt_kind_is_a_store_error(url: str, schema: str) -> None:
    """A kind edited by hand into bytes that are not UTF-8 raises StoreError when read."""
    with PostgresEventStore(url, schema=schema) as store:
        store.append("c1", [NewEvent("a", {"n": 1})], recorded_s=0)
    with raw(url) as conn:
        conn.execute(q("UPDATE {s}.events SET kind = '\\xff'::bytea WHERE seq = 1", schema))
    with (
        PostgresEventStore(url, schema=schema) as store,
        pytest.raises(StoreError, match="event 1 is not UTF-8"),
    ):
        list(store.events())


def test_drop_deletes_only_a_pure_store(url: str, schema: str) -> None:
    """drop() deletes the schema and closes; a schema with other tables is refused, kept."""
    store = PostgresEventStore(url, schema=schema)
    with raw(url) as conn:
        conn.execute(q("CREATE TABLE {s}.mine (x integer)", schema))
    with pytest.raises(StoreError, match="mine"):
        store.drop()
    with raw(url) as conn:
        conn.execute(q("DROP TABLE {s}.mine", schema))
    store.drop()
    assert repr(store).endswith("(closed)")
    with raw(url) as conn:
        gone = conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema,))
        assert gone.fetchone() is None


STALLED_WRITER = textwrap.dedent(
    """
    import sys, time
    from dispatch.store import NewEvent
    from dispatch.store._postgres import PostgresEventStore

    store = PostgresEventStore(sys.argv[1], schema=sys.argv[2])
    conn = store._conn
    execute = conn.execute

    def stall(query, params=None, **kwargs):
        cursor = execute(query, params, **kwargs)
        if query is store._sql.insert:  # every row written, COMMIT not sent yet
            print("written", flush=True)
            time.sleep(600)
        return cursor

    conn.execute = stall
    store.append("half", [NewEvent("b"), NewEvent("c")], recorded_s=1)
    """
)


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX SIGKILL")
def test_writer_killed_inside_an_append_leaves_nothing(url: str, schema: str) -> None:
    """SIGKILL after a command's rows are written, before COMMIT: none stay, the lock frees."""
    with PostgresEventStore(url, schema=schema) as store:
        store.append("before", [NewEvent("a")], recorded_s=0)
    name = f"stalled-{schema}"
    proc = subprocess.Popen(
        [sys.executable, "-c", STALLED_WRITER, url, schema],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PGAPPNAME": name},
    )
    assert proc.stdout is not None
    assert proc.stdout.readline() == "written\n", proc.stderr.read() if proc.stderr else ""
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)
    wait_for_no_backends(url, name)
    with PostgresEventStore(url, schema=schema, timeout_s=2) as store:
        assert store.command("half") is None
        assert [e.command_id for e in store.events()] == ["before"]
        assert store.append("after", [NewEvent("d")], recorded_s=2) == AppendResult(
            "after", 2, 2, False
        )


class PostgresStoreMachine(StoreMachine):
    """The store model of ``test_model.py`` with PostgreSQL in place of SQLite."""

    def __init__(self) -> None:
        super().__init__()
        self.stores.pop("sqlite").close()
        self.url = postgres_url()
        self.schema = fresh_schema("model")
        self.stores["postgres"] = PostgresEventStore(self.url, schema=self.schema)

    @rule()
    def reopen(self) -> None:
        """Close the PostgreSQL store and open the schema again."""
        self.stores["postgres"].close()
        self.stores["postgres"] = PostgresEventStore(self.url, schema=self.schema)

    def teardown(self) -> None:
        try:
            super().teardown()
        finally:
            drop_schema(self.url, self.schema)


PostgresStoreMachine.TestCase.settings = settings(
    max_examples=examples(10), stateful_step_count=25, deadline=None
)
TestPostgresStoreModel = pytest.mark.usefixtures("url")(PostgresStoreMachine.TestCase)
TestPostgresStoreModel.__doc__ = "The memory and PostgreSQL stores agree with the model."
