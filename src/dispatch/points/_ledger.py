"""Booking points: awards for delivered tasks and ratings, reversals, corrections, balances.

Every booking is one command of the event store, under an idempotency key
derived from what it is for (``points:award:<task>``,
``points:rating:<task>``, ``points:reverse:<entry>``, ``points:reward:...``).
So a task is awarded once however often :func:`award_pending` runs, from
however many processes, and an entry is reversed at most once: a second
attempt finds the key taken and writes nothing.

A correction (:func:`reverse_entry` with ``rules``) books the reversal and the
replacing award in the same command, so a task never has two standing awards
and never loses its award half-way. A plain reversal settles the task: it is
not awarded again by :func:`award_pending`.

Examples
--------
>>> from dispatch.store import MemoryEventStore
>>> from dispatch.points import PointsRules
>>> store = MemoryEventStore()
>>> award_pending(store, PointsRules(default=10), recorded_s=0).entries
()
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from dispatch.errors import InvalidInputError, UnknownReferenceError
from dispatch.online._errors import InvalidTransitionError, PermissionDeniedError
from dispatch.online._roles import Actor, Role
from dispatch.points._entries import (
    LEDGER_KINDS,
    EntryKind,
    LedgerEntry,
    PointsItem,
    Source,
    entry_from,
    entry_payload,
)
from dispatch.points._history import History, read_history
from dispatch.points._rules import PointsRules
from dispatch.store._codec import check_seq
from dispatch.store._events import EventStore, NewEvent, StoredEvent, StoreError

__all__ = [
    "AwardSummary",
    "Balance",
    "Booking",
    "append_once",
    "award_pending",
    "award_task",
    "balances",
    "reverse_entry",
]

_PREFIX = {Source.TASK: "award", Source.RATING: "rating"}


@attrs.frozen
class Booking:
    """What one ledger command booked; ``duplicate`` when it had been booked before.

    A duplicate's ``entries`` are the ones booked the first time.
    """

    entries: tuple[LedgerEntry, ...]
    duplicate: bool


@attrs.frozen
class AwardSummary:
    """What :func:`award_pending` booked: the new entries, by source, and their points."""

    entries: tuple[LedgerEntry, ...]

    @property
    def tasks(self) -> int:
        """Delivered tasks awarded."""
        return sum(e.source is Source.TASK for e in self.entries)

    @property
    def ratings(self) -> int:
        """Ratings awarded a bonus (possibly of 0 points)."""
        return sum(e.source is Source.RATING for e in self.entries)

    @property
    def points(self) -> int:
        """Points booked."""
        return sum(e.points for e in self.entries)


@attrs.frozen
class Balance:
    """A courier's balance, split into points for work (tasks, ratings) and rewards."""

    courier_id: str
    balance: int
    work: int
    rewards: int
    entries: int


def _plain(events: Sequence[NewEvent]) -> list[NewEvent]:
    return [NewEvent(e.kind, dict(e.payload)) for e in events]


def append_once(
    store: EventStore,
    command_id: str,
    events: Sequence[NewEvent],
    *,
    recorded_s: int,
    command: Mapping[str, Any],
) -> tuple[tuple[StoredEvent, ...], bool]:
    """Append ``events`` under ``command_id``; ``(stored events, duplicate)``.

    When the key was taken before, nothing is written and the events stored
    the first time are returned. A key taken by a command that is not ours
    (the dispatcher's callers choose their own ids) is a
    :class:`~dispatch.store.StoreError`, never silently accepted.
    """
    check_seq(recorded_s, "recorded_s")
    plain = _plain(events)
    result = store.append(command_id, plain, recorded_s=recorded_s, command=dict(command))
    if not result.duplicate:
        return (
            tuple(
                StoredEvent(result.first_seq + k, e.kind, e.payload, command_id, recorded_s)
                for k, e in enumerate(plain)
            ),
            False,
        )
    count = max(0, result.last_seq - result.first_seq + 1)
    stored = tuple(itertools.islice(store.events(after_seq=result.first_seq - 1), count))
    if not stored or any(e.kind not in LEDGER_KINDS for e in stored):
        raise StoreError(
            f"command id {command_id!r} is taken by a command that is not the points ledger's"
        )
    return stored, True


def _award_id(source: Source, task_id: str, serial: int) -> str:
    prefix = _PREFIX[source]
    return f"{prefix}:{task_id}" if serial == 1 else f"{prefix}:{task_id}:{serial}"


def _award_payload(
    history: History, source: Source, task_id: str, rules: PointsRules, serial: int
) -> dict[str, Any]:
    """The payload of the ``serial``-th award of ``task_id`` from ``source`` under ``rules``."""
    task = history.tasks.get(task_id)
    if task is None:
        raise UnknownReferenceError("task", task_id)
    if task.delivered_s is None or task.courier_id is None:
        raise InvalidTransitionError(task_id, task.state.value, "award points for")
    items: tuple[PointsItem, ...]
    if source is Source.TASK:
        items, earned_s = rules.score(task), task.delivered_s
    else:
        feedback = history.feedback.get(task_id)
        if feedback is None:
            raise InvalidInputError(f"task {task_id!r}", "has no rating to award a bonus for")
        items, earned_s = rules.rating_points(feedback.rating), feedback.recorded_s
    entry = LedgerEntry(
        id=_award_id(source, task_id, serial),
        seq=0,
        kind=EntryKind.AWARD,
        source=source,
        courier_id=task.courier_id,
        points=sum(i.points for i in items),
        task_id=task_id,
        community=task.community,
        courier_kind=task.courier_kind,
        earned_s=earned_s,
        recorded_s=0,
        serial=serial,
        items=items,
    )
    return entry_payload(entry)


def award_task(
    store: EventStore,
    task_id: str,
    rules: PointsRules,
    *,
    recorded_s: int,
    source: Source = Source.TASK,
    history: History | None = None,
) -> Booking:
    """Book the points for delivering ``task_id`` (or, with ``source=RATING``, its rating).

    Idempotent: a task awarded before (even if that award was reversed since)
    gets nothing new and the original booking comes back with
    ``duplicate=True``. ``history`` is :func:`read_history` of ``store``, when
    the caller has it at hand.

    Raises
    ------
    UnknownReferenceError
        No such task.
    InvalidTransitionError
        The task is not delivered.
    InvalidInputError
        A rating bonus for a task without a rating.

    Examples
    --------
    See :mod:`dispatch.points`.
    """
    if source is Source.REWARD:
        raise InvalidInputError("source", "rewards are booked with record_awards")
    history = read_history(store) if history is None else history
    payload = _award_payload(history, source, task_id, rules, 1)
    command_id = f"points:{payload['entry']}"
    stored, duplicate = append_once(
        store,
        command_id,
        [NewEvent(EntryKind.AWARD.value, payload)],
        recorded_s=recorded_s,
        command={"name": "award", "task": task_id, "source": source.value},
    )
    return Booking(tuple(entry_from(e) for e in stored), duplicate)


def award_pending(store: EventStore, rules: PointsRules, *, recorded_s: int) -> AwardSummary:
    """Award every delivered task and every rating that has no award yet, in log order.

    Safe to run as often as wanted (from a timer, after each day, by hand):
    what was awarded before is skipped, and two runs racing each other book
    each award once (the store's idempotency keys decide).

    Examples
    --------
    See :mod:`dispatch.points`.
    """
    history = read_history(store)
    booked: list[LedgerEntry] = []
    pending = [
        (Source.TASK, t.id, t.delivered_s or 0)
        for t in history.tasks.values()
        if t.delivered and (Source.TASK, t.id) not in history.latest
    ]
    pending += [
        (Source.RATING, f.task_id, f.recorded_s)
        for f in history.feedback.values()
        if (Source.RATING, f.task_id) not in history.latest
    ]
    pending.sort(key=lambda item: (item[2], item[0] is Source.RATING, item[1]))
    for source, task_id, _ in pending:
        booking = award_task(
            store, task_id, rules, recorded_s=recorded_s, source=source, history=history
        )
        if not booking.duplicate:
            booked.extend(booking.entries)
    return AwardSummary(tuple(booked))


def _reversal_reason(actor: Actor, entry: LedgerEntry) -> str | None:
    """Why ``actor`` may not reverse ``entry``: staff of its community and admins may."""
    if actor.role is Role.ADMIN:
        return None
    if entry.community is not None and actor.manages(entry.community):
        return None
    where = "its community" if entry.community is not None else "an admin"
    return f"only {where} may correct ledger entry {entry.id!r}"


def reverse_entry(
    store: EventStore,
    entry_id: str,
    *,
    reason: str,
    actor: Actor,
    recorded_s: int,
    rules: PointsRules | None = None,
) -> Booking:
    """Book the reversal of ``entry_id`` (and, with ``rules``, its replacement): a correction.

    The reversal is the exact opposite of the entry (same courier, task,
    community and earned time, the opposite points), so the courier's
    balance and the rankings of the period the entry was earned in are as if
    it had never been booked. With ``rules`` (task and rating awards only),
    the task is scored again under ``rules`` and the new award is booked in
    the same command; without, the task stays settled with no award.

    Staff of the entry's community and admins may reverse; the reversal
    records ``actor`` and ``reason``. An entry is reversed at most once:
    repeating exactly the same call returns the first booking with
    ``duplicate=True``, anything else is refused.

    Raises
    ------
    UnknownReferenceError
        No such entry.
    PermissionDeniedError
        ``actor`` may not correct the entry.
    InvalidInputError
        No reason; the entry is a reversal, or was reversed already; ``rules``
        given for a reward.

    Examples
    --------
    See :mod:`dispatch.points`.
    """
    if not isinstance(reason, str) or not reason.strip():
        raise InvalidInputError("reason", "a correction needs a reason")
    history = read_history(store)
    entry = history.entries.get(entry_id)
    if entry is None:
        raise UnknownReferenceError("ledger entry", entry_id)
    refusal = _reversal_reason(actor, entry)
    if refusal is not None:
        raise PermissionDeniedError(actor.label, "reverse points", refusal)
    if entry.reverses is not None:
        raise InvalidInputError(f"ledger entry {entry_id!r}", "is a reversal itself")
    if rules is not None and entry.source is Source.REWARD:
        raise InvalidInputError("rules", "a reward is reversed, never scored again")
    reversal = attrs.evolve(
        entry,
        id=f"reverse:{entry_id}",
        kind=EntryKind.REVERSAL,
        points=-entry.points,
        items=(),
        reverses=entry_id,
        note=reason,
        by=actor.label,
    )
    events = [NewEvent(EntryKind.REVERSAL.value, entry_payload(reversal))]
    if rules is not None and entry.task_id is not None:
        payload = _award_payload(history, entry.source, entry.task_id, rules, entry.serial + 1)
        events.append(NewEvent(EntryKind.AWARD.value, payload))
    first_time = history.reversed_by.get(entry_id)
    if first_time is not None:
        return _repeat(store, history.entries[first_time], reversal, len(events))
    stored, duplicate = append_once(
        store,
        f"points:{reversal.id}",
        events,
        recorded_s=recorded_s,
        command={"name": "reverse", "entry": entry_id, "by": actor.label},
    )
    booking = Booking(tuple(entry_from(e) for e in stored), duplicate)
    if duplicate:
        return _repeat(store, booking.entries[0], reversal, len(events))
    return booking


def _repeat(store: EventStore, booked: LedgerEntry, wanted: LedgerEntry, count: int) -> Booking:
    """The first reversal again if ``wanted`` repeats it exactly; else refused."""
    if (booked.note, booked.by) != (wanted.note, wanted.by):
        raise InvalidInputError(
            f"ledger entry {wanted.reverses!r}", f"was reversed already ({booked.id!r})"
        )
    first = list(itertools.islice(store.events(after_seq=booked.seq - 1), 2))
    entries = [entry_from(first[0])]
    if len(first) > 1 and first[1].command_id == first[0].command_id:
        entries.append(entry_from(first[1]))
    if len(entries) != count:
        raise InvalidInputError(
            f"ledger entry {wanted.reverses!r}", f"was reversed already ({booked.id!r})"
        )
    return Booking(tuple(entries), True)


def balances(history: History) -> tuple[Balance, ...]:
    """Every courier's balance, highest first (then by courier id).

    Examples
    --------
    >>> from dispatch.store import MemoryEventStore
    >>> balances(read_history(MemoryEventStore()))
    ()
    """
    out = []
    for courier_id in history.couriers():
        entries = history.entries_of(courier_id)
        work = sum(e.points for e in entries if e.counts_for_ranking)
        rewards = sum(e.points for e in entries if not e.counts_for_ranking)
        out.append(Balance(courier_id, work + rewards, work, rewards, len(entries)))
    return tuple(sorted(out, key=lambda b: (-b.balance, b.courier_id)))
