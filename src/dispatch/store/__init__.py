"""Durable, append-only event storage for the online dispatcher and the points ledger.

:class:`EventStore` is the interface; :class:`SQLiteEventStore` (standard
library ``sqlite3``, WAL, ``synchronous=FULL``) is the embedded default and
:class:`MemoryEventStore` keeps the same contract in memory, for simulations
that do not need durability. :class:`PostgresEventStore` (the ``postgres``
extra, psycopg 3) lets several dispatcher processes share one database; it is
imported on first use.
"""

from typing import TYPE_CHECKING

from dispatch.store._events import (
    AppendResult,
    ConcurrencyError,
    EventStore,
    JSONValue,
    NewEvent,
    Snapshot,
    StoredEvent,
    StoreError,
)
from dispatch.store._memory import MemoryEventStore
from dispatch.store._sqlite import SCHEMA_VERSION, SQLiteEventStore

if TYPE_CHECKING:
    from dispatch.store._postgres import PostgresEventStore


def __getattr__(name: str) -> object:
    """``PostgresEventStore`` is imported on first use: psycopg is an optional extra."""
    if name == "PostgresEventStore":
        from dispatch.store._postgres import PostgresEventStore

        return PostgresEventStore
    raise AttributeError(f"module 'dispatch.store' has no attribute {name!r}")


__all__ = [
    "SCHEMA_VERSION",
    "AppendResult",
    "ConcurrencyError",
    "EventStore",
    "JSONValue",
    "MemoryEventStore",
    "NewEvent",
    "PostgresEventStore",
    "SQLiteEventStore",
    "Snapshot",
    "StoreError",
    "StoredEvent",
]
