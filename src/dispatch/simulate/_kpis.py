"""What a simulated day achieved: :class:`Kpis` for the day, :class:`IntervalKpis` over it.

Everything about errands and hazard visits is read back from the event log
the dispatcher wrote (the same events a replay or the points ledger reads,
never the simulator's own bookkeeping); meals and check-ins from the ridden
meal round; points from the ledger's bookings.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import attrs
import numpy as np

from dispatch.eldercare import CHECKIN_KIND
from dispatch.online import DispatchState, TaskState
from dispatch.online._lifecycle import ACTION_OF_KIND, TERMINAL, TRANSITIONS, Action
from dispatch.points import LedgerEntry
from dispatch.simulate._meals import MealRound
from dispatch.store import StoredEvent

__all__ = ["IntervalKpis", "Kpis", "measure"]

_TARGET = {action: target for (_, action), target in TRANSITIONS.items()}


def _minutes(values_s: Sequence[int], q: float) -> float | None:
    if not values_s:
        return None
    return round(float(np.percentile(np.asarray(values_s, dtype=np.float64), q)) / 60.0, 1)


@attrs.frozen(kw_only=True)
class Kpis:
    """The day's key figures.

    Errands are the residents' orders; an order is *served* when delivered.
    ``order_to_delivery_*_min`` are over delivered errands; ``offers`` counts
    every offer of an errand (re-offers after a decline, an expiry or a
    re-optimisation included); ``detour_min`` sums the detour the dispatcher
    priced into each delivered errand's accepted offer (minutes of extra
    travel and service on the courier's route). ``open_at_end`` orders were
    not in a final state when the run stopped (their states are listed in the
    result). Meals are *hot* when their ride was within the hot-food limit,
    *on time* when the handover started in the elder's window.
    """

    orders: int
    delivered: int
    served_share: float
    cancelled: int
    expired: int
    failed: int
    open_at_end: int
    late_deliveries: int
    order_to_delivery_median_min: float | None
    order_to_delivery_p90_min: float | None
    offers: int
    offers_per_task: float
    declines: int
    offers_expired: int
    offers_moved: int
    escalations: int
    escalated_tasks: int
    reposts: int
    reoptimisations: int
    detour_min: float
    detour_min_per_delivery: float | None
    couriers_online: int
    couriers_with_errands: int
    hazards_reported: int
    hazard_visits: int
    hazard_visits_done: int
    alerts: int
    meals_planned: int
    meals_not_planned: int
    meals_delivered: int
    meals_hot: int
    meals_on_time: int
    meal_ride_mean_min: float | None
    checkins_due: int
    checkins_planned: int
    checkins_done: int
    checkins_on_time: int
    ratings: int
    points_awarded: int
    couriers_with_points: int
    events: int

    def as_dict(self) -> dict[str, Any]:
        """The figures by name (for JSON)."""
        return attrs.asdict(self)

    def rows(self) -> list[tuple[str, str]]:
        """``(label, value)`` lines for a table a person reads."""

        def share(part: int, whole: int) -> str:
            return f"{part} ({100.0 * part / whole:.1f} %)" if whole else str(part)

        def minutes(value: float | None) -> str:
            return "-" if value is None else f"{value:.1f} min"

        return [
            ("errands ordered", str(self.orders)),
            ("delivered (served)", share(self.delivered, self.orders)),
            ("cancelled / expired / failed", f"{self.cancelled} / {self.expired} / {self.failed}"),
            ("still open at the end", str(self.open_at_end)),
            ("delivered after the deadline", str(self.late_deliveries)),
            ("order to delivery, median", minutes(self.order_to_delivery_median_min)),
            ("order to delivery, 90th pct", minutes(self.order_to_delivery_p90_min)),
            ("offers (per errand)", f"{self.offers} ({self.offers_per_task:.2f})"),
            ("declines / expired offers", f"{self.declines} / {self.offers_expired}"),
            ("offers moved by re-optimisation",
             f"{self.offers_moved} ({self.reoptimisations} runs)"),
            ("escalations (errands)", f"{self.escalations} ({self.escalated_tasks})"),
            ("re-posted by staff", str(self.reposts)),
            ("courier detour", f"{self.detour_min:.0f} min ("
             f"{minutes(self.detour_min_per_delivery)} per delivery)"),
            ("couriers online / with errands", f"{self.couriers_online} / "
             f"{self.couriers_with_errands}"),
            ("hazards reported / visits / done", f"{self.hazards_reported} / "
             f"{self.hazard_visits} / {self.hazard_visits_done}"),
            ("alerts to staff", str(self.alerts)),
            ("meals planned (not planned)", f"{self.meals_planned} ({self.meals_not_planned})"),
            ("meals delivered", str(self.meals_delivered)),
            ("  hot / on time", f"{share(self.meals_hot, self.meals_delivered)} / "
             f"{share(self.meals_on_time, self.meals_delivered)}"),
            ("  ride, mean", minutes(self.meal_ride_mean_min)),
            ("check-ins done (planned, due)", f"{self.checkins_done} ({self.checkins_planned}, "
             f"{self.checkins_due}), {self.checkins_on_time} on time"),
            ("ratings", str(self.ratings)),
            ("points awarded", f"{self.points_awarded} to {self.couriers_with_points} couriers"),
            ("events in the log", str(self.events)),
        ]  # fmt: skip

    def table(self) -> str:
        """The figures as an aligned two-column table."""
        rows = self.rows()
        width = max(len(label) for label, _ in rows)
        return "\n".join(f"  {label:<{width}}  {value}" for label, value in rows)


@attrs.frozen(kw_only=True)
class IntervalKpis:
    """Figures of one interval ``[start_s, end_s)`` of the day.

    ``open_tasks`` and ``couriers_online`` are counted at the interval's end;
    the others count what happened inside it (deliveries by their time,
    points by when they were earned).
    """

    start_s: int
    end_s: int
    orders: int
    delivered: int
    offers: int
    declines: int
    escalations: int
    expired: int
    cancelled: int
    open_tasks: int
    couriers_online: int
    order_to_delivery_median_min: float | None
    meals_delivered: int
    meals_hot: int
    checkins_done: int
    points: int

    def as_dict(self) -> dict[str, Any]:
        """The figures by name (for JSON)."""
        return attrs.asdict(self)


@attrs.define
class _Task:
    kind: str
    errand: bool
    created_s: int
    deadline_s: int
    state: TaskState = TaskState.SUBMITTED
    delivered_s: int | None = None
    escalations: int = 0


@attrs.define
class _Bin:
    """The counts of one interval (:class:`IntervalKpis` without the median, with the waits)."""

    orders: int = 0
    delivered: int = 0
    offers: int = 0
    declines: int = 0
    escalations: int = 0
    expired: int = 0
    cancelled: int = 0
    open_tasks: int = 0
    couriers_online: int = 0
    waits_s: list[int] = attrs.Factory(list)
    meals_delivered: int = 0
    meals_hot: int = 0
    checkins_done: int = 0
    points: int = 0


@attrs.define
class _Tally:
    """Counts over the whole log."""

    offers: int = 0
    declines: int = 0
    offers_expired: int = 0
    offers_moved: int = 0
    escalations: int = 0
    reposts: int = 0
    reoptimisations: int = 0
    hazards: int = 0
    visits: int = 0
    alerts: int = 0
    online: set[str] = attrs.Factory(set)
    ratings: int = 0


def measure(
    events: Iterable[StoredEvent],
    state: DispatchState,
    meals: MealRound | None,
    points: Sequence[LedgerEntry],
    *,
    start_s: int,
    end_s: int,
    interval_s: int,
) -> tuple[Kpis, tuple[IntervalKpis, ...], dict[str, str]]:
    """The day's figures, the time series, and the final state of every errand ordered.

    ``state`` is the dispatcher's state at the end (for the accepted offers'
    detours); only meal stops before ``end_s`` count.
    """
    count = max(1, -(-(end_s - start_s) // interval_s))
    bins = [_Bin() for _ in range(count)]

    def bin_of(t_s: int) -> _Bin:
        return bins[min(count - 1, max(0, (t_s - start_s) // interval_s))]

    tasks: dict[str, _Task] = {}
    tally = _Tally()
    online: set[str] = set()
    active: set[str] = set()
    seen = 0
    boundary = 0  # bins before this one have their end-of-interval counts
    for event in events:
        seen += 1
        while boundary < count and event.recorded_s >= start_s + (boundary + 1) * interval_s:
            bins[boundary].open_tasks = len(active)
            bins[boundary].couriers_online = len(online)
            boundary += 1
        _fold(event, tasks, tally, online, active, bin_of)
    for k in range(boundary, count):
        bins[k].open_tasks = len(active)
        bins[k].couriers_online = len(online)
    if meals is not None:
        for meal in meals.meals:
            if meal.delivered_s < end_s:
                b = bin_of(meal.delivered_s)
                b.meals_delivered += 1
                b.meals_hot += meal.hot
        for visit in meals.checkins:
            if visit.at_s < end_s:
                bin_of(visit.at_s).checkins_done += 1
    for entry in points:
        bin_of(entry.earned_s).points += entry.points
    errands = {k: t for k, t in tasks.items() if t.errand}
    finals = {k: t.state.value for k, t in errands.items()}
    kpis = _kpis(errands, tasks, tally, state, meals, points, end_s, seen)
    series = tuple(
        IntervalKpis(
            start_s=start_s + k * interval_s,
            end_s=min(end_s, start_s + (k + 1) * interval_s),
            order_to_delivery_median_min=_minutes(b.waits_s, 50),
            **{name: value for name, value in attrs.asdict(b).items() if name != "waits_s"},
        )
        for k, b in enumerate(bins)
    )
    return kpis, series, finals


def _fold(
    event: StoredEvent,
    tasks: dict[str, _Task],
    tally: _Tally,
    online: set[str],
    active: set[str],
    bin_of: Callable[[int], _Bin],
) -> None:
    """Count one event."""
    p: Mapping[str, Any] = event.payload
    t_s = event.recorded_s
    kind = event.kind
    if kind == "task.submitted":
        errand = p.get("ticket") is None
        tasks[p["task"]] = _Task(
            kind=p["kind"], errand=errand, created_s=t_s, deadline_s=int(p["deadline_s"])
        )
        active.add(p["task"])
        if errand:
            bin_of(t_s).orders += 1
        else:
            tally.visits += 1
        return
    action = ACTION_OF_KIND.get(kind)
    if action is not None:
        task = tasks[p["task"]]
        task.state = _TARGET[action]
        if task.state in TERMINAL:
            active.discard(p["task"])
        if task.errand:
            _count_errand(action, p, task, t_s, tally, bin_of)
        return
    if kind == "courier.online":
        online.add(p["courier"])
        tally.online.add(p["courier"])
    elif kind == "courier.offline":
        online.discard(p["courier"])
    elif kind == "hazard.reported":
        tally.hazards += 1
    elif kind == "alert.raised":
        tally.alerts += 1
    elif kind == "reoptimise.ran":
        tally.reoptimisations += 1
    elif kind == "feedback.rated":
        tally.ratings += 1


def _count_errand(
    action: Action,
    p: Mapping[str, Any],
    task: _Task,
    t_s: int,
    tally: _Tally,
    bin_of: Callable[[int], _Bin],
) -> None:
    here = bin_of(t_s)
    if action is Action.OFFER:
        tally.offers += 1
        here.offers += 1
    elif action is Action.DECLINE:
        tally.declines += 1
        here.declines += 1
    elif action is Action.EXPIRE_OFFER:
        tally.offers_expired += 1
    elif action is Action.WITHDRAW and p.get("reason") == "re-optimised":
        tally.offers_moved += 1
    elif action is Action.ESCALATE:
        tally.escalations += 1
        task.escalations += 1
        here.escalations += 1
    elif action is Action.REPOST:
        tally.reposts += 1
    elif action is Action.DELIVER:
        task.delivered_s = t_s
        here.delivered += 1
        here.waits_s.append(t_s - task.created_s)
    elif action is Action.EXPIRE:
        here.expired += 1
    elif action is Action.CANCEL:
        here.cancelled += 1


def _kpis(
    errands: Mapping[str, _Task],
    tasks: Mapping[str, _Task],
    tally: _Tally,
    state: DispatchState,
    meals: MealRound | None,
    points: Sequence[LedgerEntry],
    end_s: int,
    events: int,
) -> Kpis:
    by_state: dict[TaskState, int] = {}
    for task in errands.values():
        by_state[task.state] = by_state.get(task.state, 0) + 1
    delivered = [k for k, t in errands.items() if t.state is TaskState.DELIVERED]
    waits = [
        (t.delivered_s or 0) - t.created_s for t in errands.values() if t.delivered_s is not None
    ]
    detours = []
    carriers = set()
    for task_id in delivered:
        record = state.tasks.get(task_id)
        if record is not None and record.accepted is not None:
            detours.append(record.accepted.detour_s)
        if record is not None and record.courier_id is not None:
            carriers.add(record.courier_id)
    orders = len(errands)
    visits = [t for t in tasks.values() if not t.errand]
    meal_list = [] if meals is None else [m for m in meals.meals if m.delivered_s < end_s]
    checkins = [] if meals is None else [c for c in meals.checkins if c.at_s < end_s]
    day = None if meals is None else meals.day
    due = 0 if day is None else sum(1 for t in day.problem.tasks if t.kind == CHECKIN_KIND)
    routed = set() if day is None else set(day.plan.assigned_task_ids())
    planned = 0 if day is None else sum(1 for t in day.meal_orders if t in routed)
    rides = [m.ride_s for m in meal_list]
    return Kpis(
        orders=orders,
        delivered=len(delivered),
        served_share=round(len(delivered) / orders, 4) if orders else 0.0,
        cancelled=by_state.get(TaskState.CANCELLED, 0),
        expired=by_state.get(TaskState.EXPIRED, 0),
        failed=by_state.get(TaskState.FAILED, 0),
        open_at_end=sum(n for s, n in by_state.items() if s not in TERMINAL),
        late_deliveries=sum(
            1
            for t in errands.values()
            if t.delivered_s is not None and t.delivered_s > t.deadline_s
        ),
        order_to_delivery_median_min=_minutes(waits, 50),
        order_to_delivery_p90_min=_minutes(waits, 90),
        offers=tally.offers,
        offers_per_task=round(tally.offers / orders, 3) if orders else 0.0,
        declines=tally.declines,
        offers_expired=tally.offers_expired,
        offers_moved=tally.offers_moved,
        escalations=tally.escalations,
        escalated_tasks=sum(1 for t in errands.values() if t.escalations),
        reposts=tally.reposts,
        reoptimisations=tally.reoptimisations,
        detour_min=round(sum(detours) / 60.0, 1),
        detour_min_per_delivery=round(sum(detours) / 60.0 / len(detours), 1) if detours else None,
        couriers_online=len(tally.online),
        couriers_with_errands=len(carriers),
        hazards_reported=tally.hazards,
        hazard_visits=len(visits),
        hazard_visits_done=sum(1 for t in visits if t.state is TaskState.DELIVERED),
        alerts=tally.alerts,
        meals_planned=planned,
        meals_not_planned=0 if day is None else len(day.meal_orders) - planned,
        meals_delivered=len(meal_list),
        meals_hot=sum(1 for m in meal_list if m.hot),
        meals_on_time=sum(1 for m in meal_list if m.on_time),
        meal_ride_mean_min=round(sum(rides) / len(rides) / 60.0, 1) if rides else None,
        checkins_due=due,
        checkins_planned=0
        if day is None
        else sum(1 for t in day.problem.tasks if t.kind == CHECKIN_KIND and t.id in routed),
        checkins_done=len(checkins),
        checkins_on_time=sum(1 for c in checkins if c.on_time),
        ratings=tally.ratings,
        points_awarded=sum(e.points for e in points),
        couriers_with_points=len({e.courier_id for e in points}),
        events=events,
    )
