"""A simulated district morning, told as it happens: :func:`demo_morning`.

The whole loop in a few seconds: residents order from the menu, the
dispatcher offers their errands to couriers already on their own paid
rounds, who accept or decline; staff re-post what nobody took; a hazard is
reported and followed up; the lunch round leaves the kitchens hot; elders
living alone get their check-in; at noon the points ledger books the
morning's work.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from dispatch.eldercare import CHECKIN_KIND, DayOptions
from dispatch.online import HAZARD_VISIT_KIND
from dispatch.plan import StopRole
from dispatch.simulate._engine import SimulationResult, simulate
from dispatch.simulate._meals import MealRound, MealStop
from dispatch.simulate._options import SimulationOptions
from dispatch.simulate._scenario import DistrictScenario, district_scenario
from dispatch.solver import SolveOptions
from dispatch.store import StoredEvent
from dispatch.synthetic._args import check_seed

__all__ = ["MORNING_HOURS", "demo_morning", "morning_report"]

MORNING_HOURS = 5.5
"""07:00 to 12:30."""

_ROLE = {
    "food": "food-delivery rider",
    "parcel": "parcel courier",
    "ride": "ride-hailing driver",
    "volunteer": "volunteer on foot",
}


def _clock(t_s: int) -> str:
    return f"{t_s // 3600:02d}:{t_s % 3600 // 60:02d}"


def _minutes(seconds: int) -> str:
    return f"{round(seconds / 60)} min"


_PHRASES: Mapping[str, str] = {
    "task.accepted": "  {courier} accepts {task}: an incidental errand on their way",
    "task.declined": "  {courier} declines {task}",
    "task.offer_expired": "  {courier} lets the offer of {task} expire",
    "task.escalated": "  {task} goes to the community staff: {reason}",
    "task.declined_by_all": "  {task} goes to the community staff: {reason}",
    "task.reposted": "  staff re-post {task}",
    "task.cancelled": "  {task} cancelled: {reason}",
    "task.expired": "  {task} expired: {reason}",
    "task.failed": "  {task} failed: {reason}",
    "hazard.closed": "  hazard {ticket} closed: {resolution}",
    "courier.offline": "{courier} signs off",
}
"""Events told by filling in their payload."""


class _Narrator:
    """The lines a person would notice in the dispatcher's log (None for the rest)."""

    def __init__(self, roles: Mapping[str, str]) -> None:
        self.roles = roles
        self.created: dict[str, int] = {}
        self.kinds: dict[str, str] = {}
        self.special: Mapping[str, Callable[[Mapping[str, Any], int], str | None]] = {
            "task.submitted": self.submitted,
            "task.offered": self.offered,
            "task.offer_withdrawn": self.withdrawn,
            "task.picked_up": self.picked_up,
            "task.delivered": self.delivered,
            "hazard.reported": self.hazard,
            "courier.online": self.online,
        }

    def who(self, courier_id: str) -> str:
        return f"{courier_id} ({_ROLE.get(self.roles.get(courier_id, ''), 'courier')})"

    def line(self, event: StoredEvent) -> str | None:
        tell = self.special.get(event.kind)
        if tell is not None:
            return tell(event.payload, event.recorded_s)
        phrase = _PHRASES.get(event.kind)
        return None if phrase is None else phrase.format_map(event.payload)

    def submitted(self, p: Mapping[str, Any], t_s: int) -> str:
        task = p["task"]
        self.created[task] = t_s
        self.kinds[task] = p["kind"]
        if p["ticket"] is not None:
            return f"staff send follow-up visit {task} for hazard {p['ticket']}"
        return f"order {task}: {p['kind']} for resident {p['origin']['id']} of {p['community']}"

    def offered(self, p: Mapping[str, Any], t_s: int) -> str:
        offer = p["offer"]
        return (
            f"  offer {p['task']} to {self.who(offer['courier'])}: "
            f"+{_minutes(offer['detour_s'])} on their round ({offer['basis']})"
        )

    def withdrawn(self, p: Mapping[str, Any], t_s: int) -> str | None:
        if p.get("reason") != "re-optimised":
            return None
        return f"  re-optimisation moves {p['task']} away from {p['courier']}"

    def picked_up(self, p: Mapping[str, Any], t_s: int) -> str:
        verb = "arrives for" if self.kinds.get(p["task"]) == HAZARD_VISIT_KIND else "picks up"
        return f"  {p['courier']} {verb} {p['task']}"

    def delivered(self, p: Mapping[str, Any], t_s: int) -> str:
        waited = _minutes(t_s - self.created[p["task"]])
        return f"  {p['courier']} delivers {p['task']}, {waited} after the order"

    def hazard(self, p: Mapping[str, Any], t_s: int) -> str:
        by = p["reporter"]
        return (
            f"hazard {p['ticket']} ({p['kind']}) reported by {by['role']} {by['id']} "
            f"in {p['community']}"
        )

    def online(self, p: Mapping[str, Any], t_s: int) -> str:
        plan = p["plan"]
        return (
            f"{self.who(p['courier'])} comes online: {len(plan['own_stops'])} own stops, "
            f"shift to {_clock(plan['shift_end_s'])}"
        )


def _errand_lines(
    events: Iterable[StoredEvent], scenario: DistrictScenario
) -> list[tuple[int, str]]:
    """What people would notice in the dispatcher's log, line by line."""
    narrator = _Narrator(scenario.courier_roles)
    lines: list[tuple[int, str]] = []
    for event in events:
        text = narrator.line(event)
        if text is not None:
            lines.append((event.recorded_s, text))
    return lines


def _meal_lines(meals: MealRound, end_s: int) -> list[tuple[int, str]]:
    """The meal round per courier: leaving each kitchen, and the round's last handover."""
    lines: list[tuple[int, str]] = []
    day = meals.day
    by_courier: dict[str, list[MealStop]] = {}
    for stop in meals.stops:
        if stop.start_s < end_s:
            by_courier.setdefault(stop.courier_id, []).append(stop)
    hot = {m.task_id: m for m in meals.meals}
    for courier_id, stops in by_courier.items():
        k = 0
        while k < len(stops):
            stop = stops[k]
            if stop.role is StopRole.PICKUP:
                group = [stop]
                while k + 1 < len(stops) and stops[k + 1].role is StopRole.PICKUP:
                    k += 1
                    group.append(stops[k])
                kitchen = day.kitchen_of(stop.ref)
                slot = stop.ref.partition(":")[0]
                lines.append(
                    (
                        group[-1].departure_s,
                        f"meal round: {courier_id} leaves "
                        f"{kitchen.id if kitchen else '?'} with {len(group)} {slot} meals",
                    )
                )
            elif stop.role is StopRole.VISIT:
                elder = day.elder_of(stop.ref)
                lines.append((stop.start_s, f"check-in: {courier_id} checks in on {elder.name} "
                              f"({elder.id}), who lives alone"))  # fmt: skip
            k += 1
        handed = [hot[s.ref] for s in stops if s.role is StopRole.DROPOFF and s.ref in hot]
        if handed:
            warm = sum(1 for m in handed if m.hot)
            last = max(m.delivered_s for m in handed)
            lines.append((last, f"meal round: {courier_id} has handed over {len(handed)} "
                          f"meals, {warm} of them hot"))  # fmt: skip
    return lines


def morning_report(result: SimulationResult, scenario: DistrictScenario) -> str:
    """The timeline of a simulated morning, its figures and the points booked."""
    head = [
        f"A simulated district morning (seed {scenario.seed}), "
        f"{_clock(result.start_s)}-{_clock(result.end_s)}: {scenario.describe()}.",
    ]
    if result.meals is not None:
        day = result.meals.day
        routed = set(day.plan.assigned_task_ids())
        checkins = sum(1 for t in day.problem.tasks if t.kind == CHECKIN_KIND and t.id in routed)
        head.append(
            f"The meal round was planned at dawn (plan_day): {len(routed) - checkins} meals and "
            f"{checkins} check-ins on {day.plan.couriers_used} routes, ridden by the meal "
            "couriers; every errand goes through the online dispatcher."
        )
    lines = _errand_lines(result.store.events(), scenario)
    if result.meals is not None:
        lines += _meal_lines(result.meals, result.end_s)
    lines.sort(key=lambda line: line[0])
    body = [f"{_clock(t)}  {text}" for t, text in lines if t < result.end_s]
    positions = sum(1 for e in result.store.events() if e.kind == "courier.position")
    plans = sum(1 for e in result.store.events() if e.kind == "courier.plan_updated")
    foot = [
        f"(and {positions} position reports and {plans} plan updates from couriers on the move)",
        "",
        "The morning in figures:",
        result.kpis.table(),
    ]
    totals: dict[str, int] = {}
    for entry in result.points:
        totals[entry.courier_id] = totals.get(entry.courier_id, 0) + entry.points
    if totals:
        best = sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))[:3]
        foot += [
            "",
            f"At {_clock(result.end_s)} the points ledger booked {len(result.points)} entries, "
            f"{sum(totals.values())} points (积分); best: "
            + ", ".join(f"{c} {p}" for c, p in best)
            + ".",
        ]
    return "\n".join([*head, "", *body, *foot])


def demo_morning(seed: int = 0) -> str:
    """Simulate a small district's morning and tell it as a text report.

    Fourteen couriers on their own rounds, about 40 errands a day (so about
    half as many in the morning), a few hazard reports, the lunch round of
    two kitchens; 07:00-12:30. A few seconds on one core.

    Examples
    --------
    >>> text = demo_morning(seed=0)
    >>> "offer" in text and "accepts" in text and "meal round" in text
    True
    >>> "points ledger booked" in text
    True
    """
    seed = check_seed(seed)
    scenario = district_scenario(seed=seed, scale=0.03, errands=40, couriers=14, hazards=4)
    options = SimulationOptions(
        meals=DayOptions(solve=SolveOptions(time_limit_s=None, solution_limit=1)),
    )
    result = simulate(scenario, options, hours=MORNING_HOURS)
    return morning_report(result, scenario)
