"""The event store's vocabulary: events, snapshots and the store interface.

The online dispatcher (and the points ledger) keep their state as an
append-only log of events. A *command* (a resident's order, a courier's
acceptance, a staff decision) is checked against the current state and, when
accepted, produces zero or more events that are appended **atomically**
together with the command's idempotency key. Replaying the events from the
start (or from a snapshot) rebuilds exactly the same state.

The store knows nothing about dispatching: events are a kind and a JSON
payload. Any database that can keep that contract can stand behind
:class:`EventStore`.

Examples
--------
>>> from dispatch.store import NewEvent
>>> NewEvent("task.submitted", {"task": "t1"}).kind
'task.submitted'
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Protocol, runtime_checkable

import attrs

from dispatch.errors import DispatchError, InvalidInputError

__all__ = [
    "AppendResult",
    "ConcurrencyError",
    "EventStore",
    "JSONValue",
    "NewEvent",
    "Snapshot",
    "StoreError",
    "StoredEvent",
]

JSONValue = None | bool | int | float | str | Sequence["JSONValue"] | Mapping[str, "JSONValue"]


class StoreError(DispatchError):
    """The store cannot be used: wrong schema version, corrupt file, closed store."""


class ConcurrencyError(StoreError):
    """Another writer appended first: ``expected_last_seq`` no longer holds.

    The caller reloads the state (``events(after_seq=...)``) and re-decides.
    """

    def __init__(self, expected: int, actual: int) -> None:
        self.expected = expected
        self.actual = actual
        super().__init__(f"expected last event {expected}, the store is at {actual}")

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.expected, self.actual))


def _kind(_instance: object, _attribute: object, value: str) -> None:
    if not value or not isinstance(value, str):
        raise InvalidInputError("kind", f"must be a non-empty string, got {value!r}")


@attrs.frozen
class NewEvent:
    """An event a command wants to append: a kind and a JSON-serialisable payload."""

    kind: str = attrs.field(validator=_kind)
    payload: Mapping[str, JSONValue] = attrs.field(factory=dict)


@attrs.frozen
class StoredEvent:
    """An event as stored: its position in the log and the command that produced it.

    ``seq`` starts at 1 and has no gaps. ``recorded_s`` is the dispatcher's clock
    time (seconds) when the command was accepted.
    """

    seq: int
    kind: str
    payload: Mapping[str, JSONValue]
    command_id: str
    recorded_s: int


@attrs.frozen
class AppendResult:
    """What :meth:`EventStore.append` did.

    ``duplicate`` is true when the command id had been appended before: nothing
    was written and ``first_seq``/``last_seq`` are those of the original append
    (``first_seq > last_seq`` when the command produced no events).
    """

    command_id: str
    first_seq: int
    last_seq: int
    duplicate: bool


@attrs.frozen
class Snapshot:
    """The folded state after event ``seq``, as JSON."""

    seq: int
    state: Mapping[str, JSONValue]


@runtime_checkable
class EventStore(Protocol):
    """An append-only, durable event log with idempotent commands and snapshots."""

    def append(
        self,
        command_id: str,
        events: Sequence[NewEvent],
        *,
        recorded_s: int,
        command: Mapping[str, JSONValue] | None = None,
        expected_last_seq: int | None = None,
    ) -> AppendResult:
        """Append ``events`` for command ``command_id`` atomically and durably.

        Returns only after the events are on stable storage. A command id seen
        before writes nothing and returns the original result with
        ``duplicate=True``. ``command`` (the command itself, JSON) is stored
        with the key, so an acknowledged command can be audited. With
        ``expected_last_seq`` the append fails with :class:`ConcurrencyError`
        unless the log ends exactly there (optimistic concurrency between
        several writer processes).
        """
        ...

    def events(self, after_seq: int = 0) -> Iterator[StoredEvent]:
        """The events with ``seq > after_seq``, in order."""
        ...

    def last_seq(self) -> int:
        """The sequence number of the last event (0 when empty)."""
        ...

    def command(self, command_id: str) -> AppendResult | None:
        """The result of an earlier append of ``command_id``, or None."""
        ...

    def save_snapshot(self, snapshot: Snapshot) -> None:
        """Store a snapshot of the state after event ``snapshot.seq``."""
        ...

    def latest_snapshot(self) -> Snapshot | None:
        """The snapshot with the highest ``seq``, or None."""
        ...

    def close(self) -> None:
        """Release the store's resources; further calls raise :class:`StoreError`."""
        ...
