"""A community's report for a period: is the loop closing? As text, CSV (and PNG, `_plot`).

Two scopes, stated on the report:

- **Requests** (counts by kind, served share, order-to-delivery time,
  escalations, ratings) are the tasks *ordered* in the period (their
  ``task.submitted`` time), as they stand at the end of the log: a task
  ordered on the last day and delivered the next still counts as served.
  "Escalated" counts tasks that went to the staff queue at least once
  (escalated, or declined by every courier); ratings are those given on
  these tasks.
- **Points** (points issued, top volunteers) are those *earned* in the
  period in the community, exactly as the quarterly ranking counts them
  (see :mod:`dispatch.points._ranking`); rewards booked for the community
  in the period are shown apart. Top volunteers are the couriers of every
  category (volunteers, and food and parcel couriers doing community work).

Order-to-delivery times: the median is the middle value (the mean of the two
middle ones for an even count); the 90th percentile is the nearest-rank
one, the smallest time that at least 90 % of deliveries took at most
(``sorted_times[ceil(0.9 n) - 1]``).

Examples
--------
>>> nearest_rank([60, 10, 30, 20, 50, 40, 70, 80, 90, 100], 90), median([40, 10, 30, 20])
(90, 25.0)
"""

from __future__ import annotations

import csv
import datetime
from collections.abc import Sequence
from pathlib import Path

import attrs

from dispatch.points._calendar import Period
from dispatch.points._history import History
from dispatch.points._ranking import Standing, ranking, standings_table
from dispatch.points._rules import PointsConfig
from dispatch.points._text import minutes_text, text_table

__all__ = [
    "CommunityReport",
    "KindCount",
    "community_report",
    "median",
    "nearest_rank",
    "report_text",
    "write_report_csv",
]


def median(values: Sequence[int]) -> float | None:
    """The median of ``values`` (None when there are none)."""
    ordered = sorted(values)
    n = len(ordered)
    if n == 0:
        return None
    return float(ordered[n // 2]) if n % 2 else (ordered[n // 2 - 1] + ordered[n // 2]) / 2


def nearest_rank(values: Sequence[int], percent: int) -> int | None:
    """The nearest-rank ``percent``-th percentile of ``values`` (None when there are none).

    >>> nearest_rank([5], 90), nearest_rank([], 90)
    (5, None)
    """
    ordered = sorted(values)
    if not ordered:
        return None
    k = max(1, -(-percent * len(ordered) // 100))  # ceil(percent / 100 * n), at least 1
    return ordered[k - 1]


@attrs.frozen(kw_only=True)
class KindCount:
    """Requests of one kind ordered in the period, and how many were delivered."""

    kind: str
    requested: int
    delivered: int


@attrs.frozen(kw_only=True)
class CommunityReport:
    """A community's figures for a period (see the module docstring for what counts).

    ``delivery_times_s`` are the order-to-delivery times of the served
    requests, sorted; ``rating_counts[k]`` is the number of ``k + 1``-star
    ratings.
    """

    community: str
    period: Period
    by_kind: tuple[KindCount, ...]
    escalated: int
    delivery_times_s: tuple[int, ...]
    rating_counts: tuple[int, int, int, int, int]
    points_issued: int
    rewards_issued: int
    top: tuple[Standing, ...]

    @property
    def requested(self) -> int:
        """Requests ordered in the period."""
        return sum(k.requested for k in self.by_kind)

    @property
    def delivered(self) -> int:
        """Of them, delivered."""
        return sum(k.delivered for k in self.by_kind)

    @property
    def served_share(self) -> float | None:
        """Delivered / requested (None without requests)."""
        return None if not self.requested else self.delivered / self.requested

    @property
    def median_s(self) -> float | None:
        """Median order-to-delivery time."""
        return median(self.delivery_times_s)

    @property
    def p90_s(self) -> int | None:
        """90th percentile (nearest rank) of the order-to-delivery time."""
        return nearest_rank(self.delivery_times_s, 90)

    @property
    def ratings(self) -> int:
        """Ratings given on the period's requests."""
        return sum(self.rating_counts)

    @property
    def mean_rating(self) -> float | None:
        """Their mean (None without ratings)."""
        if not self.ratings:
            return None
        return sum((k + 1) * n for k, n in enumerate(self.rating_counts)) / self.ratings


def community_report(
    history: History, config: PointsConfig, community: str, period: Period, *, top: int = 5
) -> CommunityReport:
    """The report of ``community`` for ``period``; ``top`` volunteers are listed (ties included).

    Raises :class:`~dispatch.errors.InvalidInputError` without a calendar origin, and
    :class:`~dispatch.errors.UnknownReferenceError` for a community where no task was ever
    ordered.

    Examples
    --------
    See :mod:`dispatch.points`.
    """
    start_s, end_s = period.seconds(config.require_origin())
    history.check_community(community)
    tasks = [
        t
        for t in history.tasks.values()
        if t.community == community and start_s <= t.created_s < end_s
    ]
    kinds: dict[str, list[int]] = {}
    for task in tasks:
        count = kinds.setdefault(task.kind, [0, 0])
        count[0] += 1
        count[1] += task.delivered
    stars = [0, 0, 0, 0, 0]
    for task in tasks:
        feedback = history.feedback.get(task.id)
        if feedback is not None:
            stars[feedback.rating - 1] += 1
    points = rewards = 0
    for entry in history.entries.values():
        if entry.community == community and start_s <= entry.earned_s < end_s:
            if entry.counts_for_ranking:
                points += entry.points
            else:
                rewards += entry.points
    board = ranking(history, config, period, community=community)
    return CommunityReport(
        community=community,
        period=period,
        by_kind=tuple(
            KindCount(kind=k, requested=n, delivered=d) for k, (n, d) in sorted(kinds.items())
        ),
        escalated=sum(t.escalations > 0 for t in tasks),
        delivery_times_s=tuple(
            sorted(t.order_to_delivery_s for t in tasks if t.order_to_delivery_s is not None)
        ),
        rating_counts=(stars[0], stars[1], stars[2], stars[3], stars[4]),
        points_issued=points,
        rewards_issued=rewards,
        top=board.top(top),
    )


def _share(part: int, whole: int) -> str:
    return "-" if not whole else f"{100 * part / whole:.1f} %"


def report_text(report: CommunityReport, origin: datetime.date | None = None) -> str:
    """The report as text for a terminal: the summary, requests by kind, top volunteers.

    ``origin`` (the calendar origin) shows when the top volunteers reached their totals.

    Examples
    --------
    See :mod:`dispatch.points`.
    """
    mean = "-" if report.mean_rating is None else f"{report.mean_rating:.2f}"
    lines = [
        f"Community report: {report.community}, {report.period.first} to {report.period.last}",
        *text_table(
            [
                ["requests ordered", str(report.requested)],
                ["delivered", f"{report.delivered} ({_share(report.delivered, report.requested)})"],
                [
                    "order to delivery",
                    f"median {minutes_text(report.median_s)}, "
                    f"90th percentile {minutes_text(report.p90_s)}",
                ],
                ["escalated to staff", str(report.escalated)],
                ["ratings", f"{report.ratings}, mean {mean}"],
                ["points issued", f"{report.points_issued} (rewards {report.rewards_issued})"],
            ]
        ),
        "",
        "Requests by kind",
    ]
    rows = [["kind", "requested", "delivered", "served"]]
    rows += [
        [k.kind, str(k.requested), str(k.delivered), _share(k.delivered, k.requested)]
        for k in report.by_kind
    ]
    lines += text_table(rows, {1, 2, 3}) if report.by_kind else ["  none"]
    lines += ["", "Top volunteers (points earned in the period)"]
    lines += standings_table(report.top, origin) or ["  none"]
    return "\n".join(lines)


def _cell(text: str) -> str:
    """An id a spreadsheet would run as a formula, defused with a leading apostrophe."""
    return "'" + text if text.startswith(("=", "+", "-", "@", "\t", "\r")) else text


def write_report_csv(report: CommunityReport, path: str | Path) -> Path:
    """Write the report as CSV rows ``section,item,value``; returns the path.

    Sections: ``summary`` (``requested``, ``delivered``, ``served_share``,
    ``order_to_delivery_median_s``, ``order_to_delivery_p90_s``,
    ``escalated``, ``ratings``, ``mean_rating``, ``points_issued``,
    ``rewards_issued``), ``requested_by_kind`` and ``delivered_by_kind``
    (item = kind), ``ratings_by_stars`` (item = stars), ``top_volunteers``
    (item = courier, value = points, in ranking order). Missing values
    (no deliveries, no ratings) are empty. An item that a spreadsheet would
    run as a formula (starting with ``=``, ``+``, ``-``, ``@``) gets a
    leading apostrophe.

    Examples
    --------
    See :mod:`dispatch.points`.
    """
    path = Path(path)

    def value(x: float | None) -> str:
        if x is None:
            return ""
        return str(x) if isinstance(x, int) or not x.is_integer() else str(int(x))

    share = report.served_share
    rows: list[list[str]] = [["section", "item", "value"]]
    summary: list[tuple[str, float | None]] = [
        ("requested", report.requested),
        ("delivered", report.delivered),
        ("served_share", None if share is None else round(share, 4)),
        ("order_to_delivery_median_s", report.median_s),
        ("order_to_delivery_p90_s", report.p90_s),
        ("escalated", report.escalated),
        ("ratings", report.ratings),
        ("mean_rating", None if report.mean_rating is None else round(report.mean_rating, 4)),
        ("points_issued", report.points_issued),
        ("rewards_issued", report.rewards_issued),
    ]
    rows += [["summary", name, value(x)] for name, x in summary]
    rows += [["requested_by_kind", _cell(k.kind), str(k.requested)] for k in report.by_kind]
    rows += [["delivered_by_kind", _cell(k.kind), str(k.delivered)] for k in report.by_kind]
    rows += [["ratings_by_stars", str(k + 1), str(n)] for k, n in enumerate(report.rating_counts)]
    rows += [["top_volunteers", _cell(s.courier_id), str(s.points)] for s in report.top]
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path
