"""An in-memory :class:`~dispatch.store.EventStore`, for simulations and tests."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping, Sequence
from types import TracebackType

import attrs

from dispatch.store._codec import (
    check_seq,
    check_snapshot_seq,
    decode_json,
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

__all__ = ["MemoryEventStore"]


@attrs.frozen
class _Row:
    kind: str
    payload: str  # JSON text: every read decodes a fresh copy
    command_id: str
    recorded_s: int


@attrs.frozen
class _Command:
    first_seq: int
    last_seq: int
    command: str | None
    recorded_s: int


class MemoryEventStore:
    """The :class:`~dispatch.store.EventStore` contract, kept in memory (nothing is durable).

    It behaves exactly like :class:`~dispatch.store.SQLiteEventStore`:
    idempotent command ids, gapless ``seq`` from 1, ``expected_last_seq``
    checks, snapshots, and :class:`~dispatch.store.StoreError` after
    :meth:`close`. Payloads are checked and stored as JSON text, so what is
    read back is always a fresh copy: mutating an event (or the payload passed
    in) never changes the log.

    All methods are thread-safe (one lock per store). :meth:`events` iterates
    over the log as it was when it was called.

    Examples
    --------
    >>> from dispatch.store import MemoryEventStore, NewEvent
    >>> store = MemoryEventStore()
    >>> store.append("c1", [NewEvent("task.submitted", {"task": "t1"})], recorded_s=60)
    AppendResult(command_id='c1', first_seq=1, last_seq=1, duplicate=False)
    >>> store.append("c1", [NewEvent("task.submitted", {"task": "t1"})], recorded_s=61).duplicate
    True
    >>> [(e.seq, e.kind, e.payload) for e in store.events()]
    [(1, 'task.submitted', {'task': 't1'})]
    >>> store.close()
    >>> store.last_seq()
    Traceback (most recent call last):
    ...
    dispatch.store._events.StoreError: the event store is closed
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rows: list[_Row] = []
        self._commands: dict[str, _Command] = {}
        self._snapshots: dict[int, str] = {}
        self._closed = False

    def __repr__(self) -> str:
        state = "closed" if self._closed else f"{len(self._rows)} events"
        return f"<MemoryEventStore {state}>"

    def __enter__(self) -> MemoryEventStore:
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
        if self._closed:
            raise StoreError("the event store is closed")

    def append(
        self,
        command_id: str,
        events: Sequence[NewEvent],
        *,
        recorded_s: int,
        command: Mapping[str, JSONValue] | None = None,
        expected_last_seq: int | None = None,
    ) -> AppendResult:
        """Append ``events`` for ``command_id`` atomically; see :meth:`EventStore.append`.

        A repeated ``command_id`` returns the original result with
        ``duplicate=True`` (before ``expected_last_seq`` is looked at, so a
        retry with a stale expectation still succeeds). Invalid input raises
        :class:`~dispatch.errors.InvalidInputError` and stores nothing.
        The retry's events are not compared with the original ones (the
        original wins). ``recorded_s`` is the caller's clock (non-negative
        seconds), stored with the command and each of its events.

        Examples
        --------
        >>> from dispatch.store import MemoryEventStore, NewEvent
        >>> store = MemoryEventStore()
        >>> store.append("c1", [], recorded_s=0)  # no events: first_seq > last_seq
        AppendResult(command_id='c1', first_seq=1, last_seq=0, duplicate=False)
        >>> store.append("c2", [NewEvent("x")], recorded_s=5, expected_last_seq=3)
        Traceback (most recent call last):
        ...
        dispatch.store._events.ConcurrencyError: expected last event 3, the store is at 0
        """
        self._check_open()
        prepared = prepare_append(
            command_id,
            events,
            recorded_s=recorded_s,
            command=command,
            expected_last_seq=expected_last_seq,
        )
        with self._lock:
            self._check_open()
            old = self._commands.get(prepared.command_id)
            if old is not None:
                return AppendResult(prepared.command_id, old.first_seq, old.last_seq, True)
            last = len(self._rows)
            if prepared.expected_last_seq is not None and prepared.expected_last_seq != last:
                raise ConcurrencyError(prepared.expected_last_seq, last)
            self._rows.extend(
                _Row(kind, payload, prepared.command_id, prepared.recorded_s)
                for kind, payload in prepared.events
            )
            entry = _Command(last + 1, len(self._rows), prepared.command, prepared.recorded_s)
            self._commands[prepared.command_id] = entry
            return AppendResult(prepared.command_id, entry.first_seq, entry.last_seq, False)

    def events(self, after_seq: int = 0) -> Iterator[StoredEvent]:
        """The events with ``seq > after_seq``, in order, as the log was at the call.

        Examples
        --------
        >>> from dispatch.store import MemoryEventStore, NewEvent
        >>> store = MemoryEventStore()
        >>> _ = store.append("c1", [NewEvent("a"), NewEvent("b")], recorded_s=0)
        >>> [e.kind for e in store.events(after_seq=1)]
        ['b']
        """
        self._check_open()
        start = check_seq(after_seq, "after_seq")
        with self._lock:
            rows, end = self._rows, len(self._rows)
        return self._iter_events(rows, start, end)

    def _iter_events(self, rows: list[_Row], start: int, end: int) -> Iterator[StoredEvent]:
        for index in range(start, end):
            self._check_open()
            row = rows[index]
            yield StoredEvent(
                index + 1, row.kind, decode_json(row.payload), row.command_id, row.recorded_s
            )

    def last_seq(self) -> int:
        """The sequence number of the last event (0 when empty).

        Examples
        --------
        >>> from dispatch.store import MemoryEventStore
        >>> MemoryEventStore().last_seq()
        0
        """
        self._check_open()
        return len(self._rows)

    def command(self, command_id: str) -> AppendResult | None:
        """The original result (``duplicate=False``) of appending ``command_id``, or None.

        Examples
        --------
        >>> from dispatch.store import MemoryEventStore
        >>> store = MemoryEventStore()
        >>> _ = store.append("c1", [], recorded_s=0)
        >>> store.command("c1"), store.command("c2")
        (AppendResult(command_id='c1', first_seq=1, last_seq=0, duplicate=False), None)
        """
        self._check_open()
        if not isinstance(command_id, str):
            return None
        with self._lock:
            entry = self._commands.get(command_id)
        if entry is None:
            return None
        return AppendResult(command_id, entry.first_seq, entry.last_seq, False)

    def save_snapshot(self, snapshot: Snapshot) -> None:
        """Store the state after event ``snapshot.seq`` (replacing one at the same seq).

        ``snapshot.seq`` must lie between 0 and :meth:`last_seq`; the state
        must be JSON-serialisable (:class:`~dispatch.errors.InvalidInputError`).

        Examples
        --------
        >>> from dispatch.store import MemoryEventStore, NewEvent, Snapshot
        >>> store = MemoryEventStore()
        >>> _ = store.append("c1", [NewEvent("a")], recorded_s=0)
        >>> store.save_snapshot(Snapshot(1, {"count": 1}))
        >>> store.latest_snapshot()
        Snapshot(seq=1, state={'count': 1})
        """
        self._check_open()
        seq, state = prepare_snapshot(snapshot)
        with self._lock:
            self._check_open()
            check_snapshot_seq(seq, len(self._rows))
            self._snapshots[seq] = state

    def latest_snapshot(self) -> Snapshot | None:
        """The snapshot with the highest ``seq``, or None.

        Examples
        --------
        >>> from dispatch.store import MemoryEventStore
        >>> MemoryEventStore().latest_snapshot() is None
        True
        """
        self._check_open()
        with self._lock:
            if not self._snapshots:
                return None
            seq = max(self._snapshots)
            state = self._snapshots[seq]
        return Snapshot(seq, decode_json(state))

    def close(self) -> None:
        """Drop the log; every later call except ``close`` raises :class:`StoreError`.

        Examples
        --------
        >>> from dispatch.store import MemoryEventStore
        >>> with MemoryEventStore() as store:
        ...     store.last_seq()
        0
        """
        with self._lock:
            self._closed = True
            self._rows = []
            self._commands = {}
            self._snapshots = {}
