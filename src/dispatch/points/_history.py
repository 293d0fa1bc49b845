"""What the store says happened: tasks, couriers' categories, ledger entries, feedback.

:func:`read_history` reads the event store once, from the start, and keeps
what the points, rankings and reports need: per task its community, kind,
priority, the resident who ordered it, when it was ordered and delivered, by
whom (and in which courier category), and how often it went to the staff
queue; every ledger entry and every rating. It reads the dispatcher's own
events (``task.submitted``, ``task.delivered``, ``courier.online`` ...), never
a copy of them, and skips kinds it does not use.

Examples
--------
>>> from dispatch.store import MemoryEventStore
>>> history = read_history(MemoryEventStore())
>>> history.seq, dict(history.tasks), history.balance("c1")
(0, {}, 0)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

import attrs

from dispatch.errors import DispatchError, UnknownReferenceError
from dispatch.online import _events as ev
from dispatch.online._lifecycle import ACTION_OF_KIND, TRANSITIONS, Action, TaskState
from dispatch.points._entries import (
    FEEDBACK_RATED,
    POINTS_AWARDED,
    POINTS_REVERSED,
    POINTS_REWARDED,
    Feedback,
    LedgerEntry,
    Source,
    entry_from,
    feedback_from,
)
from dispatch.store._events import EventStore, StoredEvent, StoreError

__all__ = ["History", "TaskFacts", "read_history"]

_TARGET: Mapping[Action, TaskState] = {
    action: target for (_, action), target in TRANSITIONS.items()
}
_TO_STAFF = frozenset({Action.ESCALATE, Action.DECLINE_ALL})


@attrs.frozen(kw_only=True)
class TaskFacts:
    """One task as the points and reports see it.

    ``resident_id`` is the resident who ordered it (staff posting on a
    resident's behalf name them; a task staff posted for nobody, such as a
    hazard visit, has none). ``state`` is the task's latest state;
    ``delivered_s``, ``courier_id`` and ``courier_kind`` (the courier's
    category when they delivered it) are set once it is delivered.
    ``escalations`` counts the times it went to the staff queue (escalated,
    or declined by every courier).

    Examples
    --------
    >>> facts = TaskFacts(id="t1", community="xinhua", kind="groceries", priority=1,
    ...                   resident_id="r1", created_s=100, deadline_s=7300,
    ...                   state=TaskState.DELIVERED, delivered_s=1900, courier_id="c1")
    >>> facts.on_time, facts.order_to_delivery_s
    (True, 1800)
    """

    id: str
    community: str
    kind: str
    priority: int
    resident_id: str | None
    created_s: int
    deadline_s: int
    state: TaskState
    delivered_s: int | None = None
    courier_id: str | None = None
    courier_kind: str | None = None
    escalations: int = 0

    @property
    def delivered(self) -> bool:
        """Whether the task was delivered."""
        return self.state is TaskState.DELIVERED

    @property
    def on_time(self) -> bool | None:
        """Delivered by its deadline (None when not delivered)."""
        return None if self.delivered_s is None else self.delivered_s <= self.deadline_s

    @property
    def order_to_delivery_s(self) -> int | None:
        """Seconds from the order to the delivery (None when not delivered)."""
        return None if self.delivered_s is None else self.delivered_s - self.created_s


@attrs.frozen(kw_only=True)
class History:
    """Tasks, ledger entries and ratings after event ``seq`` of a store.

    ``now_s`` is the latest ``recorded_s`` of the log (0 when empty).
    ``entries`` are in the order they were booked; ``reversed_by`` maps an
    entry's id to the id of the reversal that cancelled it; ``latest`` maps
    ``(source, task id)`` to the id of the task's last award from that source
    (task or rating); ``feedback`` maps a task's id to its rating.
    """

    seq: int
    now_s: int
    tasks: Mapping[str, TaskFacts]
    entries: Mapping[str, LedgerEntry]
    reversed_by: Mapping[str, str]
    latest: Mapping[tuple[Source, str], str]
    feedback: Mapping[str, Feedback]

    def balance(self, courier_id: str) -> int:
        """The sum of ``courier_id``'s entries."""
        return sum(e.points for e in self.entries.values() if e.courier_id == courier_id)

    def entries_of(self, courier_id: str) -> tuple[LedgerEntry, ...]:
        """``courier_id``'s entries in booking order."""
        return tuple(e for e in self.entries.values() if e.courier_id == courier_id)

    def check_community(self, community: str) -> str:
        """``community`` if a task was ever ordered there, else :class:`UnknownReferenceError`."""
        if not any(t.community == community for t in self.tasks.values()):
            raise UnknownReferenceError("community", community)
        return community

    def couriers(self) -> tuple[str, ...]:
        """Every courier with a ledger entry, sorted."""
        return tuple(sorted({e.courier_id for e in self.entries.values()}))

    def live(self, entry_id: str) -> bool:
        """Whether the entry exists, is not a reversal and was not reversed."""
        entry = self.entries.get(entry_id)
        return entry is not None and entry.reverses is None and entry_id not in self.reversed_by

    def live_award(self, source: Source, task_id: str) -> LedgerEntry | None:
        """The task's award from ``source`` that stands now, if any.

        A task's awards from one source form a chain: a new one is only ever
        booked together with the reversal of the one before (a correction),
        so only the last can stand.
        """
        entry_id = self.latest.get((source, task_id))
        return None if entry_id is None or not self.live(entry_id) else self.entries[entry_id]


class _Reader:
    """The fold behind :func:`read_history` (mutable while reading, frozen at the end)."""

    def __init__(self) -> None:
        self.seq = 0
        self.now_s = 0
        self.tasks: dict[str, TaskFacts] = {}
        self.categories: dict[str, str | None] = {}
        self.entries: dict[str, LedgerEntry] = {}
        self.reversed_by: dict[str, str] = {}
        self.latest: dict[tuple[Source, str], str] = {}
        self.feedback: dict[str, Feedback] = {}

    def read(self, event: StoredEvent) -> None:
        action = ACTION_OF_KIND.get(event.kind)
        handler = _HANDLERS.get(event.kind)
        try:
            if action is not None:
                self.task_action(action, event)
            elif handler is not None:
                handler(self, event)
        except (DispatchError, KeyError, TypeError, ValueError) as err:
            raise StoreError(f"event {event.seq} ({event.kind}) cannot be read: {err}") from err
        self.seq = event.seq
        self.now_s = max(self.now_s, event.recorded_s)

    def submitted(self, event: StoredEvent) -> None:
        p: Mapping[str, Any] = event.payload
        origin = p["origin"]
        self.tasks[p["task"]] = TaskFacts(
            id=p["task"],
            community=p["community"],
            kind=p["kind"],
            priority=int(p["routing"].get("priority", 1)),
            resident_id=origin["id"] if origin["role"] == "resident" else None,
            created_s=event.recorded_s,
            deadline_s=p["deadline_s"],
            state=TaskState.SUBMITTED,
        )

    def task_action(self, action: Action, event: StoredEvent) -> None:
        p: Mapping[str, Any] = event.payload
        task = self.tasks[p["task"]]
        changes: dict[str, Any] = {"state": _TARGET[action]}
        if action is Action.DELIVER:
            courier_id = p["courier"]
            changes.update(
                delivered_s=event.recorded_s,
                courier_id=courier_id,
                courier_kind=self.categories.get(courier_id),
            )
        elif action in _TO_STAFF:
            changes["escalations"] = task.escalations + 1
        self.tasks[task.id] = attrs.evolve(task, **changes)

    def courier_online(self, event: StoredEvent) -> None:
        p: Mapping[str, Any] = event.payload
        self.categories[p["courier"]] = p["category"]

    def entry(self, event: StoredEvent) -> None:
        entry = entry_from(event)
        if entry.id in self.entries:
            raise ValueError(f"ledger entry {entry.id!r} exists already")
        if entry.reverses is not None:
            if entry.reverses in self.reversed_by:
                raise ValueError(f"ledger entry {entry.reverses!r} was reversed already")
            self.reversed_by[entry.reverses] = entry.id
        elif entry.task_id is not None and entry.source is not Source.REWARD:
            self.latest[(entry.source, entry.task_id)] = entry.id
        self.entries[entry.id] = entry

    def rated(self, event: StoredEvent) -> None:
        feedback = feedback_from(event)
        if feedback.task_id in self.feedback:
            raise ValueError(f"task {feedback.task_id!r} was rated already")
        self.feedback[feedback.task_id] = feedback

    def history(self) -> History:
        return History(
            seq=self.seq,
            now_s=self.now_s,
            tasks=dict(self.tasks),
            entries=dict(self.entries),
            reversed_by=dict(self.reversed_by),
            latest=dict(self.latest),
            feedback=dict(self.feedback),
        )


_HANDLERS: Mapping[str, Callable[[_Reader, StoredEvent], None]] = {
    ev.TASK_SUBMITTED: _Reader.submitted,
    ev.COURIER_ONLINE: _Reader.courier_online,
    POINTS_AWARDED: _Reader.entry,
    POINTS_REVERSED: _Reader.entry,
    POINTS_REWARDED: _Reader.entry,
    FEEDBACK_RATED: _Reader.rated,
}


def read_history(store: EventStore | Iterator[StoredEvent]) -> History:
    """Read every event of ``store`` (or an iterator of stored events) into a :class:`History`.

    Raises
    ------
    StoreError
        An event the reader uses is malformed (names the event).

    Examples
    --------
    >>> from dispatch.store import MemoryEventStore, NewEvent
    >>> store = MemoryEventStore()
    >>> _ = store.append("c1", [NewEvent("courier.online", {"courier": "c1",
    ...                                                   "category": "food"})], recorded_s=0)
    >>> read_history(store).seq
    1
    """
    reader = _Reader()
    events = store.events() if isinstance(store, EventStore) else store
    for event in events:
        reader.read(event)
    return reader.history()
