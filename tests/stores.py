"""The stores the tests run on, and the PostgreSQL server behind the PostgreSQL ones.

:func:`postgres_url` finds a server once per test process:

1. ``DISPATCH_POSTGRES_URL`` when it is set (``.ci/run`` sets it; the server must answer);
2. otherwise a throw-away server started here with ``bash .ci/postgres.sh start`` (needs
   the server binaries, e.g. Debian's ``postgresql``; stopped and deleted at exit);
3. otherwise the test is skipped with the reason, except when ``CI`` is set: then it
   fails, so CI never skips the PostgreSQL tests silently.

Each test works in a schema of its own (:func:`fresh_schema`), dropped afterwards.
:class:`CrashTarget` tells the crash tests how a writer and a checker open "the same
store" (a SQLite file or a PostgreSQL schema) and how to wait, after a writer was
killed, until the server has finished with its connection.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from types import ModuleType

import attrs
import pytest

from dispatch.store import EventStore, SQLiteEventStore

__all__ = [
    "CRASH_KINDS",
    "CrashTarget",
    "crash_target",
    "drop_schema",
    "fresh_schema",
    "postgres_store",
    "postgres_url",
    "require_psycopg",
    "wait_for_no_backends",
]

REPO_ROOT = Path(__file__).resolve().parents[1]
SCRIPT = REPO_ROOT / ".ci" / "postgres.sh"
URL_ENV = "DISPATCH_POSTGRES_URL"

_server: dict[str, str] = {}  # "url" (and "dir" when started here) once known
_failure: list[str] = []  # why no server could be had (asked once per process)


def _unavailable(reason: str) -> None:
    """Skip the test, or fail it when CI is set."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set: the PostgreSQL tests must run)", pytrace=False)
    pytest.skip(reason)


def _stop(directory: str, owner: int) -> None:
    """Stop the server this process started (never from a forked child)."""
    if os.getpid() == owner:
        subprocess.run(
            ["bash", str(SCRIPT), "stop", directory], capture_output=True, timeout=60, check=False
        )


def _start() -> str:
    """Start a throw-away server with .ci/postgres.sh; its URL, or a reason on failure."""
    try:
        done = subprocess.run(
            ["bash", str(SCRIPT), "start"], capture_output=True, text=True, timeout=120, check=False
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise RuntimeError(f"cannot run {SCRIPT.name}: {exc}") from None
    found = dict(
        line.removeprefix("export ").split("=", 1)
        for line in done.stdout.splitlines()
        if line.startswith("export ")
    )
    url = found.get(URL_ENV, "").strip("'")
    directory = found.get("DISPATCH_POSTGRES_DIR", "").strip("'")
    if done.returncode != 0 or not url:
        last = done.stderr.strip().splitlines()[-3:]
        raise RuntimeError(f"no PostgreSQL server could be started: {' / '.join(last)}")
    _server["dir"] = directory
    atexit.register(_stop, directory, os.getpid())
    return url


def require_psycopg() -> ModuleType:
    """The psycopg module; skips the calling test module without it (fails it under CI)."""
    try:
        import psycopg
    except ImportError:
        if os.environ.get("CI"):
            raise
        pytest.skip(
            "psycopg is not installed (pip install 'psycopg[binary]')", allow_module_level=True
        )
    return psycopg


def postgres_url() -> str:
    """The URL of a PostgreSQL server for the tests; skips (or fails under CI) without one."""
    if "url" in _server:
        return _server["url"]
    if _failure:
        _unavailable(_failure[0])
    try:
        import psycopg
    except ImportError:
        _failure.append("psycopg is not installed (pip install 'psycopg[binary]')")
        _unavailable(_failure[0])
        raise  # not reached
    url = os.environ.get(URL_ENV)
    try:
        if not url:
            url = _start()
        with psycopg.connect(url, connect_timeout=10) as conn:
            conn.execute("SELECT 1")
    except (RuntimeError, psycopg.Error) as exc:
        where = f"{URL_ENV} is set but " if os.environ.get(URL_ENV) else ""
        _failure.append(f"{where}no PostgreSQL server for the tests: {exc}")
        _unavailable(_failure[0])
    assert url is not None
    _server["url"] = url
    os.environ.setdefault(URL_ENV, url)  # the doctests of dispatch.store._postgres use it
    return url


def fresh_schema(prefix: str = "test") -> str:
    """A new, unused schema name."""
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


def drop_schema(url: str, schema: str) -> None:
    """Drop ``schema`` and everything in it (if it exists)."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


def wait_for_no_backends(url: str, application_name: str, timeout_s: float = 30.0) -> None:
    """Wait until the server has no connection named ``application_name`` any more.

    A client killed with SIGKILL may have sent a COMMIT that its server process has not
    handled yet; once that process is gone, whatever it committed is visible.
    """
    import psycopg

    deadline = time.monotonic() + timeout_s
    with psycopg.connect(url, autocommit=True) as conn:
        while True:
            row = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s",
                (application_name,),
            ).fetchone()
            if row is None or row[0] == 0:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"{row[0]} connection(s) of {application_name} still open")
            time.sleep(0.002)


_spare: list[str] = []  # emptied store schemas, ready for the next postgres_store()


def _drop_spares(owner: int) -> None:
    """At exit, drop the spare schemas from a server that outlives the tests."""
    if os.getpid() != owner or "dir" in _server or "url" not in _server:
        return  # a forked child, or a throw-away server that is deleted whole
    for schema in _spare:
        with contextlib.suppress(Exception):
            drop_schema(_server["url"], schema)


atexit.register(_drop_spares, os.getpid())


def _empty(url: str, schema: str) -> bool:
    """Empty the store in ``schema`` for reuse; False if it is not a plain version-1 store."""
    import psycopg
    from psycopg import sql

    from dispatch.store import _postgres

    wipe = sql.SQL(
        "DELETE FROM {s}.snapshots; DELETE FROM {s}.events; DELETE FROM {s}.commands;"
        " UPDATE {s}.head SET last_seq = 0"
    ).format(s=sql.Identifier(schema))
    try:
        with psycopg.connect(url, autocommit=True) as conn, conn.transaction():
            tables = conn.execute(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = %s",
                (schema,),
            ).fetchone()
            if tables != (len(_postgres._TABLES),) or _postgres.SCHEMA_VERSION != 1:
                return False
            conn.execute(wipe)
    except psycopg.Error:
        return False
    return True


@contextlib.contextmanager
def postgres_store(prefix: str = "test") -> Iterator[EventStore]:
    """An empty PostgreSQL store in a schema of its own, closed afterwards.

    Creating a schema's tables takes tens of milliseconds, so a used store is emptied
    (its rows deleted) and its schema handed to the next caller; a schema that cannot
    be emptied that way is dropped. Tests of creating and migrating schemas use
    :func:`fresh_schema` instead.
    """
    from dispatch.store._postgres import PostgresEventStore

    url = postgres_url()
    schema = _spare.pop() if _spare else fresh_schema(prefix)
    store = PostgresEventStore(url, schema=schema)
    try:
        yield store
    finally:
        store.close()
        if _empty(url, schema):
            _spare.append(schema)
        else:
            drop_schema(url, schema)


def _nothing() -> None:
    """No waiting needed."""


@attrs.frozen
class CrashTarget:
    """Where a crash test writes, and how its processes open that store.

    ``writer_arg`` and ``writer_env`` are what ``crash_writer.py`` is given (a SQLite
    path, or ``postgres`` with the URL and schema in the environment); ``open_writer``
    opens the store in a forked writer; ``open`` opens it to check; ``settle`` waits,
    after a writer was killed, until the store has finished with it.
    """

    kind: str
    writer_arg: str
    writer_env: Mapping[str, str]
    open: Callable[[], EventStore]
    open_writer: Callable[[], EventStore]
    settle: Callable[[], None] = _nothing


CRASH_KINDS = ("sqlite", "postgres")


@contextlib.contextmanager
def crash_target(kind: str, tmp_path: Path) -> Iterator[CrashTarget]:
    """A :class:`CrashTarget` of ``kind`` (``sqlite`` or ``postgres``), cleaned up afterwards."""
    if kind == "sqlite":
        path = tmp_path / "crash.sqlite"
        yield CrashTarget(
            "sqlite",
            str(path),
            {},
            lambda: SQLiteEventStore(path),
            lambda: SQLiteEventStore(path),
        )
        return
    from psycopg.conninfo import make_conninfo

    from dispatch.store._postgres import PostgresEventStore

    url = postgres_url()
    schema = fresh_schema("crash")
    writer_name = f"dispatch-crash-{schema}"  # the writers' connections carry this name
    writer_url = make_conninfo(url, application_name=writer_name)
    try:
        yield CrashTarget(
            "postgres",
            "postgres",
            {URL_ENV: url, "DISPATCH_POSTGRES_SCHEMA": schema, "PGAPPNAME": writer_name},
            lambda: PostgresEventStore(url, schema=schema),
            lambda: PostgresEventStore(writer_url, schema=schema),
            lambda: wait_for_no_backends(url, writer_name),
        )
    finally:
        drop_schema(url, schema)
