"""Durable, append-only event storage for the online dispatcher and the points ledger.

:class:`EventStore` is the interface; :class:`SQLiteEventStore` (standard
library ``sqlite3``, WAL, ``synchronous=FULL``) is the embedded default and
:class:`MemoryEventStore` keeps the same contract in memory, for simulations
that do not need durability.
"""

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

__all__ = [
    "SCHEMA_VERSION",
    "AppendResult",
    "ConcurrencyError",
    "EventStore",
    "JSONValue",
    "MemoryEventStore",
    "NewEvent",
    "SQLiteEventStore",
    "Snapshot",
    "StoreError",
    "StoredEvent",
]
