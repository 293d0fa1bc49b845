"""The day plan of the programme: :func:`plan_day`, from subscriptions to checked routes.

1. Subscriptions become the date's meal orders (:func:`meal_orders`);
   elders who eat in get none delivered.
2. Each order gets a kitchen (:func:`assign_kitchens`): diets, capacities,
   the hot-food limit, the delivery window; orders that cannot get one are
   reported per elder.
3. Every assigned order becomes a :class:`~dispatch.model.MealDelivery`, and
   every elder enrolled for a check-in today a :class:`~dispatch.model.Visit`
   in the check-in window; the couriers and volunteers of the day (with
   their own stops) route both together with the core solver
   (:func:`dispatch.solve`), so a courier passing anyway takes the check-in.
   A district is routed in two rounds (:mod:`dispatch.eldercare._parts`):
   a first plan for every kitchen with its own couriers, then zones of
   neighbouring kitchens improving on those routes, in parallel processes
   when ``workers > 1``. Before and after the zones, the tasks left out are
   fitted into the routes of any courier with room, across zones
   (:func:`dispatch.solver.fill_leftovers`); a zone never
   ends worse than the routes it starts from (more served, priority by
   priority, then shorter).
4. Whatever the router leaves out is reported per elder too, with its
   reason over the whole fleet: impossible for every courier alone (for
   example ``time_window``), or ``cost: fleet busy`` (couriers could serve
   it alone, none has room left).
"""

from __future__ import annotations

import datetime
import functools
import logging
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Protocol, TypeVar

import attrs

from dispatch.eldercare._assign import Issue, IssueReason, KitchenAssignment, assign_kitchens
from dispatch.eldercare._checks import instance_of
from dispatch.eldercare._elder import Elder
from dispatch.eldercare._kitchen import Kitchen, Slot
from dispatch.eldercare._orders import DayOrders, MealOrder, meal_orders
from dispatch.eldercare._parts import (
    Part,
    first_round_parts,
    follow_routes,
    group_cells,
    kitchen_cells,
)
from dispatch.eldercare._routing import MIN_PART_TIME_S, process_pool, solve_parts
from dispatch.eldercare._tasks import checkin_task, meal_task
from dispatch.errors import InvalidInputError
from dispatch.model import Courier, Problem, Task, TravelProfile
from dispatch.model._checks import non_negative_int, optional, positive_int
from dispatch.plan import Plan
from dispatch.solver import SolveOptions, fill_leftovers
from dispatch.travel import TravelTimes

__all__ = [
    "DayOptions",
    "DayPlan",
    "plan_day",
    "route_day",
]

logger = logging.getLogger(__name__)

#: Share of ``routing_time_s`` kept for fitting the zones' leftovers into routes at the end.
LEFTOVER_SHARE = 0.1

#: Fastest first: the planning profile of a day is the first one a courier has.
_FASTEST_FIRST = (TravelProfile.CAR, TravelProfile.EBIKE, TravelProfile.BIKE, TravelProfile.WALK)


def _profile(value: TravelProfile | str | None) -> TravelProfile | None:
    if value is None or isinstance(value, TravelProfile):
        return value
    try:
        return TravelProfile(value)
    except ValueError:
        choices = ", ".join(p.value for p in TravelProfile)
        raise InvalidInputError(
            "DayOptions.profile", f"{value!r} is not one of {choices}"
        ) from None


def _positive_seconds(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise InvalidInputError(f"DayOptions.{attribute.name}", f"must be > 0, got {value!r}")


def _skills(value: Iterable[str] | str) -> frozenset[str]:
    return frozenset((value,)) if isinstance(value, str) else frozenset(value)


@attrs.frozen(kw_only=True)
class DayOptions:
    """How to plan a day.

    Parameters
    ----------
    hot_food_limit_s
        Longest time from leaving the kitchen to the door (default 30 min).
    late_tolerance_s
        A delivery may start this long after the elder's preferred window
        closes (counted as late in the KPIs); default 0: never late.
    meal_priority, checkin_priority
        Task priorities (a meal outranks a check-in when not all fit).
    checkin_skills
        Skills a courier needs for a check-in (default none: anyone passing).
    profile
        Travel profile for the kitchen assignment's ranges and costs; None =
        the fastest profile among the day's couriers (car, e-bike, bike, walk).
    meals_per_zone
        Route each kitchen with the couriers nearest to it, then zones of
        neighbouring kitchens of about this many meals (a check-in counts
        half; default 40, two or three kitchens) from those routes; None
        routes everything at once.
    solve
        Solver options for each part (default 5 s).
    routing_time_s
        When set, a wall-clock budget for the whole plan, in place of
        ``solve.time_limit_s``: the kitchens' first plans take what they
        take (each search stops at its first solution), and so does fitting
        in the leftovers; the zones share the rest but ``LEFTOVER_SHARE`` of
        the budget (kept for the last leftovers); each part's time limit is
        its share times ``workers`` (see :func:`solve_parts`), at least
        ``MIN_PART_TIME_S``. When less than that share is left (a busy
        machine), the zones are skipped and the plan stays as filled.
    workers
        Parts solved at once, each in its own process.

    Examples
    --------
    >>> DayOptions().hot_food_limit_s
    1800
    >>> DayOptions(hot_food_limit_s=0)
    Traceback (most recent call last):
    ...
    dispatch.errors.InvalidInputError: DayOptions.hot_food_limit_s: must be >= 1, got 0
    """

    hot_food_limit_s: int = attrs.field(default=1800, validator=positive_int)
    late_tolerance_s: int = attrs.field(default=0, validator=non_negative_int)
    meal_priority: int = attrs.field(default=3, validator=positive_int)
    checkin_priority: int = attrs.field(default=2, validator=positive_int)
    checkin_skills: frozenset[str] = attrs.field(factory=frozenset, converter=_skills)
    profile: TravelProfile | None = attrs.field(default=None, converter=_profile)
    meals_per_zone: int | None = attrs.field(default=40, validator=optional(positive_int))
    solve: SolveOptions = attrs.field(
        factory=lambda: SolveOptions(time_limit_s=5.0), validator=instance_of(SolveOptions)
    )
    routing_time_s: float | None = attrs.field(default=None, validator=optional(_positive_seconds))
    workers: int = attrs.field(default=1, validator=positive_int)


@attrs.frozen(kw_only=True, eq=False)
class DayPlan:
    """A planned day: the routing problem, its plan, and what could not be served.

    Attributes
    ----------
    day
        The date.
    problem, plan
        The routing problem (meals and check-ins, couriers, travel) and its
        plan; check it with ``dispatch.validate(day_plan.problem, day_plan.plan)``.
    orders
        The date's meal orders (delivered and eaten in).
    assignment
        The kitchen of every delivered order that has one.
    kitchens, elders
        By id.
    issues
        One per meal or check-in not on any route, with the reason.
    parts
        How the day was cut for the last round of routing (zones, or cells
        for the per-kitchen baseline).
    options
        The options used.
    runtime_s
        Wall-clock seconds of the whole planning.
    """

    day: datetime.date
    problem: Problem
    plan: Plan
    orders: DayOrders
    assignment: KitchenAssignment
    kitchens: Mapping[str, Kitchen]
    elders: Mapping[str, Elder]
    issues: tuple[Issue, ...]
    parts: tuple[Part, ...]
    options: DayOptions
    runtime_s: float

    @functools.cached_property
    def meal_orders(self) -> Mapping[str, MealOrder]:
        """Delivered orders by id (the id of their task)."""
        return {o.id: o for o in self.orders.delivered}

    def kitchen_of(self, task_id: str) -> Kitchen | None:
        """The kitchen of a meal task; None for a check-in."""
        kitchen_id = self.assignment.kitchen_of.get(task_id)
        return None if kitchen_id is None else self.kitchens[kitchen_id]

    def elder_of(self, task_id: str) -> Elder:
        """The elder a meal or check-in task is for."""
        return self.elders[task_id.partition(":")[2]]


class _HasId(Protocol):
    @property
    def id(self) -> str: ...


_T = TypeVar("_T", bound=_HasId)


def _period(task: Task) -> str:
    """``"lunch"``, ``"dinner"`` or ``"check-in"``: the prefix of a day task's id."""
    return task.id.partition(":")[0]


def _index(items: Iterable[_T], what: str) -> dict[str, _T]:
    out: dict[str, _T] = {}
    for item in items:
        if item.id in out:
            raise InvalidInputError(what, f"id {item.id!r} repeats")
        out[item.id] = item
    return out


def planning_profile(couriers: Sequence[Courier], chosen: TravelProfile | None) -> TravelProfile:
    """``chosen``, else the fastest profile any courier has (e-bike without couriers).

    >>> planning_profile([], None)
    <TravelProfile.EBIKE: 'ebike'>
    """
    if chosen is not None:
        return chosen
    have = {c.profile for c in couriers}
    return next((p for p in _FASTEST_FIRST if p in have), TravelProfile.EBIKE)


def day_tasks(
    day: datetime.date,
    orders: DayOrders,
    assignment: KitchenAssignment,
    kitchens: Mapping[str, Kitchen],
    elders: Mapping[str, Elder],
    options: DayOptions,
) -> list[Task]:
    """The meal deliveries of the assigned orders, then the check-ins due on ``day``."""
    tasks: list[Task] = []
    for order in orders.delivered:
        kitchen_id = assignment.kitchen_of.get(order.id)
        if kitchen_id is None:
            continue
        tasks.append(
            meal_task(
                order,
                kitchens[kitchen_id],
                elders[order.elder_id],
                hot_food_limit_s=options.hot_food_limit_s,
                late_tolerance_s=options.late_tolerance_s,
                priority=options.meal_priority,
            )
        )
    for elder in elders.values():
        if elder.checkin is not None and elder.checkin.on(day):
            tasks.append(
                checkin_task(
                    elder, priority=options.checkin_priority, skills=options.checkin_skills
                )
            )
    return tasks


def routing_issues(plan: Plan, elder_of: Callable[[str], tuple[str, Slot | None]]) -> list[Issue]:
    """A NOT_ROUTED issue per task the plan leaves out (``elder_of(task_id) -> (elder, slot)``)."""
    issues = []
    for entry in plan.unassigned:
        elder_id, slot = elder_of(entry.task_id)
        issues.append(
            Issue(
                elder_id=elder_id,
                slot=slot,
                reason=IssueReason.NOT_ROUTED,
                detail=f"{entry.reason.value}: {entry.detail}",
            )
        )
    return issues


def plan_day(
    day: datetime.date,
    *,
    kitchens: Sequence[Kitchen],
    elders: Sequence[Elder],
    couriers: Sequence[Courier],
    travel: TravelTimes,
    options: DayOptions | None = None,
    courier_kitchen: Mapping[str, str] | None = None,
) -> DayPlan:
    """Plan the meals and check-ins of ``day`` with the given couriers and volunteers.

    Parameters
    ----------
    day
        The date (its weekday selects the subscriptions and check-ins due).
    kitchens, elders
        The programme.
    couriers
        Couriers and volunteers of the day, with their shifts, capacities
        (in meals), profiles and own stops.
    travel
        Travel times (a :class:`~dispatch.travel.TravelTable` for a district).
    options
        See :class:`DayOptions`.
    courier_kitchen
        Courier id -> the kitchen the courier belongs to (starts the day
        with, in the first round). None spreads them over the kitchens by
        work and distance.

    Returns
    -------
    DayPlan
        Check it with ``dispatch.validate(plan.problem, plan.plan)``. Every
        delivered order is either a task on a route, or an issue; so is every
        check-in due.

    Examples
    --------
    >>> from dispatch.eldercare import eldercare_district
    >>> d = eldercare_district(seed=1, scale=0.02)
    >>> day = plan_day(d.day, kitchens=d.kitchens, elders=d.elders, couriers=d.couriers,
    ...                travel=d.travel,
    ...                options=DayOptions(solve=SolveOptions(
    ...                    time_limit_s=None, solution_limit=20, metaheuristic="greedy_descent")))
    >>> from dispatch import validate
    >>> validate(day.problem, day.plan)
    []
    >>> served = set(day.plan.assigned_task_ids())
    >>> len(served) + len(day.issues) == len(day.orders.delivered) + sum(
    ...     1 for e in d.elders if e.checkin is not None and e.checkin.on(d.day))
    True
    """
    return route_day(
        day,
        kitchens=kitchens,
        elders=elders,
        couriers=couriers,
        travel=travel,
        options=options,
        courier_kitchen=courier_kitchen,
    )


def route_day(
    day: datetime.date,
    *,
    kitchens: Sequence[Kitchen],
    elders: Sequence[Elder],
    couriers: Sequence[Courier],
    travel: TravelTimes,
    options: DayOptions | None = None,
    courier_kitchen: Mapping[str, str] | None = None,
    zones: bool = True,
) -> DayPlan:
    """:func:`plan_day`, with the couriers' kitchens given, and with or without zones.

    ``zones=False`` routes each kitchen alone with its couriers in both
    rounds (the baseline).
    """
    began = time.perf_counter()
    options = options or DayOptions()
    kitchen_index = _index(kitchens, "kitchens")
    elder_index = _index(elders, "elders")
    orders = meal_orders(elders, day)
    profile = planning_profile(couriers, options.profile)
    assignment = assign_kitchens(
        orders.delivered,
        kitchens,
        elders,
        travel,
        profile=profile,
        hot_food_limit_s=options.hot_food_limit_s,
        late_tolerance_s=options.late_tolerance_s,
    )
    tasks = day_tasks(day, orders, assignment, kitchen_index, elder_index, options)
    problem = Problem(tasks=tasks, couriers=couriers, travel=travel)
    everything = Part(
        task_ids=tuple(t.id for t in tasks), courier_ids=tuple(c.id for c in couriers)
    )
    budget_s = options.routing_time_s
    with process_pool(options.workers, problem) as pool:
        if (options.meals_per_zone is None and zones) or not kitchens:
            last: tuple[Part, ...] = (everything,)
            plan = solve_parts(
                problem, last, options.solve, workers=options.workers, budget_s=budget_s, pool=pool
            )
        else:
            cells = kitchen_cells(
                problem,
                kitchens,
                assignment.kitchen_of,
                profile=profile,
                courier_kitchen=courier_kitchen,
                period_of=_period,
            )
            # First round: each kitchen's first plan (each search stops at its first
            # solution), big kitchens in pieces, couriers with own stops apart. "auto"
            # means OR-Tools' construction here: from the compiled search's (its greedy
            # insertion and one step), the zones' warm-started searches delivered 749,
            # 743 and 747 of 750 meals (scale 0.5, seeds 1-3, 20 s), from OR-Tools' 750.
            auto = options.solve.metaheuristic == "auto"
            first = attrs.evolve(
                options.solve,
                solution_limit=1,
                time_limit_s=budget_s if budget_s is not None else options.solve.time_limit_s,
                metaheuristic="ruin_and_recreate" if auto else options.solve.metaheuristic,
            )
            plan = solve_parts(
                problem,
                first_round_parts(problem, cells),
                first,
                workers=options.workers,
                pool=pool,
            )
            logger.info("first round: %d parts in %.1f s", len(cells), time.perf_counter() - began)
            # Second round: zones of neighbouring kitchens (or each kitchen alone for the
            # baseline) improve on it with the time left. Pooled, the leftovers of the
            # first round first go to any courier with room (whole fleet), each task then
            # routed in the zone of its courier, and the zones' leftovers once more at the
            # end, with their reasons over the whole fleet.
            last = group_cells(problem, cells, options.meals_per_zone or 1) if zones else cells
            if zones:
                plan = fill_leftovers(problem, plan)
                last = follow_routes(last, plan)
                logger.info("leftovers filled in %.1f s", time.perf_counter() - began)
            left_s, reserve_s = None, 0.0
            if budget_s is not None:
                reserve_s = LEFTOVER_SHARE * budget_s if zones else 0.0
                left_s = budget_s - reserve_s - (time.perf_counter() - began)
            if zones and left_s is not None and left_s < reserve_s:
                # A busy machine: parts would get only their minimum time and barely move
                # (each keeps its start anyway), so the plan keeps to its budget instead.
                logger.info("no time left for the zones (%.1f s); the plan stays as filled", left_s)
            else:
                plan = solve_parts(
                    problem,
                    last,
                    options.solve,
                    workers=options.workers,
                    budget_s=None if left_s is None else max(MIN_PART_TIME_S, left_s),
                    warm_start=plan,
                    pool=pool,
                )
            if zones:
                plan = fill_leftovers(problem, plan)
    logger.info("routed in %.1f s (%d parts last)", time.perf_counter() - began, len(last))
    slots = {o.id: o.slot for o in orders.delivered}

    def elder_of(task_id: str) -> tuple[str, Slot | None]:
        return task_id.partition(":")[2], slots.get(task_id)

    return DayPlan(
        day=day,
        problem=problem,
        plan=attrs.evolve(plan, runtime_s=time.perf_counter() - began),
        orders=orders,
        assignment=assignment,
        kitchens=kitchen_index,
        elders=elder_index,
        issues=(*assignment.issues, *routing_issues(plan, elder_of)),
        parts=last,
        options=options,
        runtime_s=time.perf_counter() - began,
    )
