"""The ledger's vocabulary: entries, feedback, their event kinds and their JSON.

The points ledger (积分) lives in the dispatcher's event store, in its own
kinds: ``points.awarded`` (points for a delivered task or for its rating),
``points.reversed`` (a correction: the exact opposite of an earlier entry),
``points.rewarded`` (an award: a quarter's or a year's best) and
``feedback.rated`` (a resident's rating of a delivered task). The dispatcher's
fold skips these kinds (:data:`dispatch.online._apply.SHARED_LOG_PREFIXES`).

Entries are never changed or deleted: a correction appends a reversal. Each
entry has a stable id that says what it is for:

==========================  =========================================================
``award:<task>``            points for delivering ``task`` (``award:<task>:2`` ... after
                            a correction)
``rating:<task>``           the rating bonus for ``task`` (``rating:<task>:2`` ...)
``reward:<award>:<who>``    courier ``who``'s reward for award ``award``
``reverse:<entry>``         the reversal of ``entry``
==========================  =========================================================

Examples
--------
>>> from dispatch.store import StoredEvent
>>> event = StoredEvent(7, POINTS_AWARDED, {
...     "entry": "award:t1", "source": "task", "courier": "c1", "points": 15, "task": "t1",
...     "community": "xinhua", "courier_kind": "food", "earned_s": 3600, "serial": 1,
...     "items": [{"rule": "kind:groceries", "points": 10}, {"rule": "on_time", "points": 5}],
...     "reverses": None, "note": "", "by": None}, "points:award:t1", 4000)
>>> entry = entry_from(event)
>>> entry.id, entry.points, entry.counts_for_ranking, entry.items[1]
('award:t1', 15, True, PointsItem(rule='on_time', points=5))
>>> entry_from(StoredEvent(8, "points.awarded", entry_payload(entry), "x", 1)) == attrs.evolve(
...     entry, seq=8, recorded_s=1)
True
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any

import attrs

from dispatch.store._events import StoredEvent

__all__ = [
    "FEEDBACK_RATED",
    "LEDGER_KINDS",
    "POINTS_AWARDED",
    "POINTS_REVERSED",
    "POINTS_REWARDED",
    "EntryKind",
    "Feedback",
    "LedgerEntry",
    "PointsItem",
    "Source",
    "entry_from",
    "entry_payload",
    "feedback_from",
    "feedback_payload",
]

POINTS_AWARDED = "points.awarded"
POINTS_REVERSED = "points.reversed"
POINTS_REWARDED = "points.rewarded"
FEEDBACK_RATED = "feedback.rated"

LEDGER_KINDS = (POINTS_AWARDED, POINTS_REVERSED, POINTS_REWARDED, FEEDBACK_RATED)
"""Every event kind the points package writes."""


class EntryKind(enum.Enum):
    """What a ledger entry does; its value is the entry's event kind."""

    AWARD = POINTS_AWARDED
    REVERSAL = POINTS_REVERSED
    REWARD = POINTS_REWARDED


class Source(enum.Enum):
    """What earned the points: a delivered task, its rating, or an award.

    Task and rating points count for rankings; rewards do not (they are
    handed out *for* a ranking).
    """

    TASK = "task"
    RATING = "rating"
    REWARD = "reward"


@attrs.frozen
class PointsItem:
    """One line of an award's breakdown: the rule that applied and what it gave."""

    rule: str
    points: int


@attrs.frozen(kw_only=True)
class LedgerEntry:
    """One entry of the points ledger, as stored.

    Parameters
    ----------
    id
        The entry's id (see the module docstring).
    seq
        Its position in the event store's log.
    kind
        Award, reversal or reward.
    source
        What earned the points (a reversal keeps the source of the entry it
        reverses).
    courier_id
        Whose balance it changes.
    points
        The change (negative for a reversal of a positive entry).
    task_id, community, courier_kind
        The task (task and rating points), the task's community, and the
        courier's category (``food``, ``parcel``, ``volunteer`` ...) when they
        delivered it; a reward names its community (quarterly community
        awards) or courier category (annual awards) when it has one.
    earned_s
        When the points were earned, on the store's clock: the delivery for
        task points, the rating for rating points, the booking for rewards. A
        reversal keeps the time of the entry it reverses, so a correction
        changes the period the points were earned in, never another one.
    recorded_s
        When the entry was booked.
    serial
        1 for the first award of a task (or rating), 2 for the one that
        replaced it after a correction, and so on.
    items
        The breakdown of an award (which rule gave what).
    reverses
        The id of the entry a reversal reverses.
    note
        Why (a reversal's reason, a reward's title).
    by
        Who booked a reversal or reward.
    """

    id: str
    seq: int
    kind: EntryKind
    source: Source
    courier_id: str
    points: int
    task_id: str | None
    community: str | None
    courier_kind: str | None
    earned_s: int
    recorded_s: int
    serial: int = 1
    items: tuple[PointsItem, ...] = ()
    reverses: str | None = None
    note: str = ""
    by: str | None = None

    @property
    def counts_for_ranking(self) -> bool:
        """Task and rating points (and their reversals) count; rewards do not."""
        return self.source is not Source.REWARD


@attrs.frozen(kw_only=True)
class Feedback:
    """A resident's rating (1 to 5 stars) and optional comment on a delivered task."""

    task_id: str
    resident_id: str
    community: str
    courier_id: str
    rating: int
    comment: str | None
    recorded_s: int
    seq: int


def entry_payload(entry: LedgerEntry) -> dict[str, Any]:
    """The event payload of ``entry`` (everything but ``seq``, ``kind`` and ``recorded_s``)."""
    return {
        "entry": entry.id,
        "source": entry.source.value,
        "courier": entry.courier_id,
        "points": entry.points,
        "task": entry.task_id,
        "community": entry.community,
        "courier_kind": entry.courier_kind,
        "earned_s": entry.earned_s,
        "serial": entry.serial,
        "items": [{"rule": i.rule, "points": i.points} for i in entry.items],
        "reverses": entry.reverses,
        "note": entry.note,
        "by": entry.by,
    }


def entry_from(event: StoredEvent) -> LedgerEntry:
    """The ledger entry an event of kind ``points.*`` records."""
    p: Mapping[str, Any] = event.payload
    return LedgerEntry(
        id=p["entry"],
        seq=event.seq,
        kind=EntryKind(event.kind),
        source=Source(p["source"]),
        courier_id=p["courier"],
        points=p["points"],
        task_id=p["task"],
        community=p["community"],
        courier_kind=p["courier_kind"],
        earned_s=p["earned_s"],
        recorded_s=event.recorded_s,
        serial=p["serial"],
        items=tuple(PointsItem(i["rule"], i["points"]) for i in p["items"]),
        reverses=p["reverses"],
        note=p["note"],
        by=p["by"],
    )


def feedback_payload(feedback: Feedback) -> dict[str, Any]:
    """The payload of a ``feedback.rated`` event."""
    return {
        "task": feedback.task_id,
        "resident": feedback.resident_id,
        "community": feedback.community,
        "courier": feedback.courier_id,
        "rating": feedback.rating,
        "comment": feedback.comment,
    }


def feedback_from(event: StoredEvent) -> Feedback:
    """The feedback a ``feedback.rated`` event records."""
    p: Mapping[str, Any] = event.payload
    return Feedback(
        task_id=p["task"],
        resident_id=p["resident"],
        community=p["community"],
        courier_id=p["courier"],
        rating=p["rating"],
        comment=p["comment"],
        recorded_s=event.recorded_s,
        seq=event.seq,
    )
