"""Rankings of couriers by points, quarterly awards per community or district, annual awards.

A ranking sums, per courier, the points for work (delivered tasks and their
ratings, with their reversals) *earned* in a period: the delivery's time for
a task, the rating's for a rating bonus; a reversal counts where the entry
it reverses was earned. Rewards never count (they are handed out for a
ranking). Couriers with no points in the period are not listed.

Ties, explicitly:

- **Rank**: equal points share a rank, and the next rank skips the places
  they fill ("1, 1, 3": standard competition ranking). An award for the
  ``top`` places includes everyone whose rank is at most ``top``, so a tie
  at the last place can give more than ``top`` winners.
- **Display order** within a rank: earliest to reach the total first (the
  time of the courier's last standing entry that added points, on the
  store's clock), then courier id.

A ranking is a function of the ledger alone: rebuilding it from the same
events (a replay, another process) gives the same ranking.

Examples
--------
>>> import datetime
>>> from dispatch.store import MemoryEventStore
>>> from dispatch.points import PointsConfig, read_history
>>> config = PointsConfig(origin=datetime.date(2026, 1, 1))
>>> ranking(read_history(MemoryEventStore()), config, Period.quarter("2026Q3")).standings
()
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence

import attrs

from dispatch.errors import InvalidInputError
from dispatch.online._errors import PermissionDeniedError
from dispatch.online._roles import Actor, Role
from dispatch.points._calendar import Period, clock_text
from dispatch.points._entries import (
    EntryKind,
    LedgerEntry,
    PointsItem,
    Source,
    entry_from,
    entry_payload,
)
from dispatch.points._history import History
from dispatch.points._ledger import Booking, append_once
from dispatch.points._rules import PointsConfig
from dispatch.points._text import text_table
from dispatch.store._events import EventStore, NewEvent

__all__ = [
    "Award",
    "Ranking",
    "Standing",
    "annual_awards",
    "quarter_award",
    "ranking",
    "record_award",
    "standings_table",
]


@attrs.frozen(kw_only=True)
class Standing:
    """A courier's place in a ranking.

    ``tasks`` counts the tasks whose award stands (was not reversed) in the
    period; ``reached_s`` is when the courier reached their total (the
    display tie-break, see the module docstring).
    """

    rank: int
    courier_id: str
    points: int
    tasks: int
    reached_s: int


@attrs.frozen(kw_only=True)
class Ranking:
    """The standings of a period within a scope (a community, a district, a courier category)."""

    period: Period
    scope: str
    standings: tuple[Standing, ...]

    def top(self, places: int) -> tuple[Standing, ...]:
        """Everyone ranked ``places`` or better (all who tie at the last place included)."""
        return tuple(s for s in self.standings if s.rank <= places)


def standings_table(standings: Sequence[Standing], origin: datetime.date | None) -> list[str]:
    """Standings as text lines (rank, courier, points, tasks, when the total was reached).

    Examples
    --------
    >>> print("\\n".join(standings_table([Standing(rank=1, courier_id="c1", points=45, tasks=3,
    ...                                             reached_s=37_800)], None)))
      rank  courier  points  tasks  reached
         1  c1           45      3  day 0 10:30
    """
    if not standings:
        return []
    rows = [["rank", "courier", "points", "tasks", "reached"]]
    rows += [
        [str(s.rank), s.courier_id, str(s.points), str(s.tasks), clock_text(s.reached_s, origin)]
        for s in standings
    ]
    return text_table(rows, {0, 2, 3})


def _standings(
    history: History, start_s: int, end_s: int, keep: Callable[[LedgerEntry], bool]
) -> tuple[Standing, ...]:
    points: dict[str, int] = {}
    reached: dict[str, int] = {}
    tasks: dict[str, set[str]] = {}
    for entry in history.entries.values():
        if not (entry.counts_for_ranking and start_s <= entry.earned_s < end_s and keep(entry)):
            continue
        who = entry.courier_id
        points[who] = points.get(who, 0) + entry.points
        if not history.live(entry.id):
            continue
        if entry.points > 0:
            reached[who] = max(reached.get(who, entry.earned_s), entry.earned_s)
        if entry.source is Source.TASK and entry.task_id is not None:
            tasks.setdefault(who, set()).add(entry.task_id)
    order = sorted(
        (who for who, total in points.items() if total > 0),
        key=lambda who: (-points[who], reached[who], who),
    )
    out: list[Standing] = []
    for place, who in enumerate(order, start=1):
        rank = out[-1].rank if out and out[-1].points == points[who] else place
        out.append(
            Standing(
                rank=rank,
                courier_id=who,
                points=points[who],
                tasks=len(tasks.get(who, ())),
                reached_s=reached[who],
            )
        )
    return tuple(out)


def ranking(
    history: History,
    config: PointsConfig,
    period: Period,
    *,
    community: str | None = None,
    district: str | None = None,
) -> Ranking:
    """Rank couriers by the points they earned in ``period`` in a community, a district or all.

    Parameters
    ----------
    history
        :func:`~dispatch.points.read_history` of the store.
    config
        Gives the calendar origin and the districts.
    period
        Typically :meth:`Period.quarter`.
    community, district
        At most one: the scope (all communities when neither is given).

    Raises
    ------
    InvalidInputError
        Both a community and a district; no calendar origin.
    UnknownReferenceError
        A district the configuration does not list; a community where no
        task was ever ordered (a typo, most likely).

    Examples
    --------
    See :mod:`dispatch.points`.
    """
    start_s, end_s = period.seconds(config.require_origin())
    if community is not None and district is not None:
        raise InvalidInputError("district", "rank a community or a district, not both")
    if community is not None:
        history.check_community(community)
        scope, members = f"community {community}", frozenset((community,))
    elif district is not None:
        scope, members = f"district {district}", config.communities_of(district)
    else:
        return Ranking(
            period=period,
            scope="all communities",
            standings=_standings(history, start_s, end_s, lambda e: True),
        )
    standings = _standings(history, start_s, end_s, lambda e: e.community in members)
    return Ranking(period=period, scope=scope, standings=standings)


@attrs.frozen(kw_only=True)
class Award:
    """An award: the best of a ranking, each rewarded with ``points``.

    ``id`` names it in the ledger (``2026Q3:community:xinhua``,
    ``2026:food``); ``community`` / ``courier_kind`` say whose award it is.
    """

    id: str
    title: str
    ranking: Ranking
    top: int
    points: int
    community: str | None = None
    district: str | None = None
    courier_kind: str | None = None

    @property
    def winners(self) -> tuple[Standing, ...]:
        """Everyone ranked ``top`` or better."""
        return self.ranking.top(self.top)


def quarter_award(
    history: History,
    config: PointsConfig,
    quarter: Period,
    *,
    community: str | None = None,
    district: str | None = None,
) -> Award:
    """The quarter's award of a community or district (``config.quarter_award``).

    Examples
    --------
    See :mod:`dispatch.points`.
    """
    rule = config.quarter_award
    board = ranking(history, config, quarter, community=community, district=district)
    where = "all" if board.scope == "all communities" else board.scope.replace(" ", ":", 1)
    return Award(
        id=f"{quarter.label}:{where}",
        title=f"{quarter.label} top {rule.top}, {board.scope}",
        ranking=board,
        top=rule.top,
        points=rule.points,
        community=community,
        district=district,
    )


def _of_kind(kind: str | None) -> Callable[[LedgerEntry], bool]:
    """Entries earned in courier category ``kind`` (None: every entry)."""
    return lambda entry: kind is None or entry.courier_kind == kind


def annual_awards(history: History, config: PointsConfig, year: int) -> tuple[Award, ...]:
    """The year's awards: the ``top`` couriers of each category in ``config.year_award``.

    A courier's points count in the category they delivered under (the
    category they gave when they last went online before the delivery), so
    one person may place in two categories. Without categories in the
    configuration there is one award over all couriers.

    Examples
    --------
    See :mod:`dispatch.points`.
    """
    rule = config.year_award
    period = Period.year(year)
    start_s, end_s = period.seconds(config.require_origin())
    awards = []
    for kind in rule.courier_kinds or (None,):
        label = "all" if kind is None else kind
        standings = _standings(history, start_s, end_s, _of_kind(kind))
        awards.append(
            Award(
                id=f"{period.label}:{label}",
                title=f"{period.label} top {rule.top} {label} couriers",
                ranking=Ranking(period=period, scope=f"{label} couriers", standings=standings),
                top=rule.top,
                points=rule.points,
                courier_kind=kind,
            )
        )
    return tuple(awards)


def record_award(store: EventStore, award: Award, *, actor: Actor, recorded_s: int) -> Booking:
    """Book ``award``'s rewards: one ``points.rewarded`` entry per winner, in one command.

    An award is booked once: booking it again (even after the ranking has
    changed) books nothing and returns the first booking with
    ``duplicate=True``. Staff book their community's quarterly awards;
    district and annual awards need an admin.

    Raises
    ------
    PermissionDeniedError
        ``actor`` may not book this award.

    Examples
    --------
    See :mod:`dispatch.points`.
    """
    staff = award.community is not None and actor.manages(award.community)
    if not (staff or actor.role is Role.ADMIN):
        raise PermissionDeniedError(
            actor.label, "record awards", f"award {award.id!r} needs an admin or its staff"
        )
    events = []
    for standing in award.winners:
        entry = LedgerEntry(
            id=f"reward:{award.id}:{standing.courier_id}",
            seq=0,
            kind=EntryKind.REWARD,
            source=Source.REWARD,
            courier_id=standing.courier_id,
            points=award.points,
            task_id=None,
            community=award.community,
            courier_kind=award.courier_kind,
            earned_s=recorded_s,
            recorded_s=recorded_s,
            items=(PointsItem(f"rank:{standing.rank}", award.points),),
            note=award.title,
            by=actor.label,
        )
        events.append(NewEvent(EntryKind.REWARD.value, entry_payload(entry)))
    if not events:
        return Booking((), False)
    stored, duplicate = append_once(
        store,
        f"points:reward:{award.id}",
        events,
        recorded_s=recorded_s,
        command={"name": "record_award", "award": award.id, "by": actor.label},
    )
    return Booking(tuple(entry_from(e) for e in stored), duplicate)
