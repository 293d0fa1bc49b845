"""How a district's day is cut for routing: kitchen cells, grouped into zones.

The core solver finds a first plan for about a hundred meal deliveries in a
second, but the time grows much faster than the size: a whole district
(1,500 meals, 120 couriers) gets no plan at all within a minute. Meals are
local, though (a hot meal travels at most half an hour), so the day is
routed in pieces and put back together; the whole plan is checked against
the whole problem.

A *cell* (:func:`kitchen_cells`) is one kitchen with its meals, the
check-ins on elders nearest to it, and its couriers (those who belong to
it, or a share of those starting near it in proportion to the work they
can do there): the way a kitchen plans alone. A *zone*
(:func:`group_cells`) is a group of neighbouring cells: the kitchens are
cut along their wider side, again and again, into as many zones as the
meals need (a check-in weighs half a meal).
:func:`~dispatch.eldercare.plan_day` first builds a plan for every cell
(:func:`first_round_parts`: big cells in pieces, couriers with own stops
apart), then improves every zone starting from its cells' routes, so
couriers of neighbouring kitchens share the work and a passing courier
takes the check-in.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence

import attrs
import numpy as np
import numpy.typing as npt

from dispatch.eldercare._kitchen import Kitchen
from dispatch.eldercare._ortools_flow import transport
from dispatch.errors import InvalidInputError, UnknownReferenceError
from dispatch.model import Location, MealDelivery, Problem, Task, TravelProfile, Visit
from dispatch.partition._zones import Zones
from dispatch.plan import Plan
from dispatch.travel import local_xy_m

__all__ = [
    "CHECKIN_WEIGHT",
    "FIRST_ROUND_TASKS",
    "Part",
    "bisect",
    "first_round_parts",
    "follow_routes",
    "group_cells",
    "kitchen_cells",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

CHECKIN_WEIGHT = 0.5
"""Weight of a check-in against a meal (1) when sizing zones."""


_OVERLAP_S = 1800

FIRST_ROUND_TASKS = 40
"""A cell with more tasks is cut into pieces of about this many for its first plan."""


@attrs.frozen(kw_only=True)
class Part:
    """Tasks and couriers routed together, apart from the rest."""

    task_ids: tuple[str, ...]
    courier_ids: tuple[str, ...]

    def weight(self, problem: Problem) -> float:
        """Meals plus half the check-ins."""
        return sum(
            1.0 if isinstance(problem.task(t), MealDelivery) else CHECKIN_WEIGHT
            for t in self.task_ids
        )


def bisect(points: FloatArray, weights: FloatArray, parts: int) -> IntArray:
    """Label points into ``parts`` groups of about equal weight by recursive halving.

    A group to be cut into ``k`` is cut along its wider side where the
    weight on one side comes closest to ``floor(k/2)/k`` of the group's.
    Fewer groups come out when there are fewer points than groups.

    Examples
    --------
    >>> pts = np.array([[0.0, 0.0], [1.0, 0.0], [10.0, 0.0], [11.0, 0.0], [20.0, 0.0]])
    >>> bisect(pts, np.ones(5), 2).tolist(), bisect(pts, np.ones(5), 3).tolist()
    ([0, 0, 1, 1, 1], [0, 0, 1, 2, 2])
    """
    labels: IntArray = Zones.fit(points, weights, parts).labels
    return labels


def _nearest_kitchen(
    problem: Problem,
    kitchens: Sequence[Kitchen],
    places: Sequence[Location],
    profile: TravelProfile,
) -> list[int]:
    """Index of the kitchen each place is nearest to (travel from the kitchen, ``profile``)."""
    if not places:
        return []
    locations = [k.location for k in kitchens] + list(places)
    durations = problem.travel.matrix(locations, profile).durations_s
    return [int(k) for k in durations[: len(kitchens), len(kitchens) :].argmin(axis=0)]


def _quotas(weights: FloatArray, count: int) -> IntArray:
    """``count`` split in proportion to ``weights`` by largest remainder (ties: first)."""
    if weights.sum() <= 0:
        weights = np.ones(weights.size)
    exact = weights / weights.sum() * count
    quota: IntArray = np.floor(exact).astype(np.int64)
    order = np.argsort(-(exact - quota), kind="stable")
    quota[order[: count - int(quota.sum())]] += 1
    return quota


def _span(task: Task) -> tuple[int, int]:
    """From the earliest to the latest start of the task's last stop."""
    stop = task.stop if isinstance(task, Visit) else task.dropoff
    if not stop.windows:
        return 0, 2**40
    return stop.windows[0].earliest_s, stop.windows[-1].latest_s


def _spread(
    problem: Problem,
    kitchens: Sequence[Kitchen],
    task_cell: Mapping[str, int],
    profile: TravelProfile,
    period_of: Callable[[Task], str],
) -> IntArray:
    """Each courier's kitchen: in proportion to the work it can do there, near its start.

    Tasks fall into periods (``period_of``: lunch, dinner, check-ins); a
    courier covers a period when its shift overlaps the period's service
    times by 30 minutes (or all of them). Couriers covering the same periods
    form a class; each class is split over the kitchens in proportion to
    their share of those periods' work (a check-in weighs half a meal), and
    within a class each courier goes to a kitchen so that the total travel
    from kitchen to start is least (a transportation problem, min-cost flow).
    """
    couriers = problem.couriers
    if not couriers:
        return np.zeros(0, dtype=np.int64)
    names = sorted({period_of(t) for t in problem.tasks}) or ["all"]
    column = {name: j for j, name in enumerate(names)}
    work = np.zeros((len(kitchens), len(names)))
    spans = [(2**40, 0)] * len(names)
    for task in problem.tasks:
        j = column[period_of(task)]
        work[task_cell[task.id], j] += CHECKIN_WEIGHT if isinstance(task, Visit) else 1.0
        earliest, latest = _span(task)
        spans[j] = (min(spans[j][0], earliest), max(spans[j][1], latest))
    share = work / np.maximum(work.sum(axis=0, keepdims=True), 1e-12)
    classes: dict[tuple[int, ...], list[int]] = {}
    for k, courier in enumerate(couriers):
        shift = courier.shift
        covered = tuple(
            j
            for j, (earliest, latest) in enumerate(spans)
            if min(shift.latest_s, latest) - max(shift.earliest_s, earliest)
            >= min(_OVERLAP_S, latest - earliest, shift.width_s)
        )
        classes.setdefault(covered or tuple(range(len(names))), []).append(k)
    locations = [k.location for k in kitchens] + [c.start for c in couriers]
    durations = problem.travel.matrix(locations, profile).durations_s
    cost = durations[: len(kitchens), len(kitchens) :].T  # couriers x kitchens
    chosen = np.zeros(len(couriers), dtype=np.int64)
    for covered, members in sorted(classes.items()):
        quota = _quotas(share[:, list(covered)].sum(axis=1), len(members))
        rows = np.repeat(np.arange(len(members), dtype=np.int64), len(kitchens))
        columns = np.tile(np.arange(len(kitchens), dtype=np.int64), len(members))
        mine = np.array(members)
        picked = transport(len(members), rows, columns, cost[mine].ravel().astype(np.int64), quota)
        chosen[mine] = picked
    return chosen


def kitchen_cells(
    problem: Problem,
    kitchens: Sequence[Kitchen],
    kitchen_of: Mapping[str, str],
    *,
    profile: TravelProfile,
    courier_kitchen: Mapping[str, str] | None = None,
    period_of: Callable[[Task], str] | None = None,
) -> tuple[Part, ...]:
    """One part per kitchen: its meals, the check-ins nearest to it, its couriers.

    Parameters
    ----------
    problem
        The day's meal deliveries and check-ins, couriers and travel.
    kitchens
        Every kitchen.
    kitchen_of
        Meal task id -> kitchen id.
    profile
        Travel profile for "nearest".
    courier_kitchen
        Courier id -> kitchen id. None spreads the couriers over the
        kitchens in proportion to the work they can do there, each to a
        kitchen near its start (see :func:`_spread`).
    period_of
        The period of a task (default its kind), for spreading couriers:
        lunch, dinner and check-ins need couriers at different hours.

    Returns
    -------
    tuple of Part
        In the order of ``kitchens``; a kitchen with neither tasks nor
        couriers has none.
    """
    ids = [k.id for k in kitchens]
    index = {k: i for i, k in enumerate(ids)}
    visits = [t for t in problem.tasks if isinstance(t, Visit)]
    nearest = _nearest_kitchen(problem, kitchens, [v.stop.location for v in visits], profile)
    task_cell = {v.id: k for v, k in zip(visits, nearest, strict=True)}
    for task in problem.tasks:
        if not isinstance(task, Visit):
            kitchen_id = kitchen_of.get(task.id)
            if kitchen_id not in index:
                raise UnknownReferenceError("kitchen of task", task.id)
            task_cell[task.id] = index[kitchen_id]
    if courier_kitchen is None:
        chosen = _spread(problem, kitchens, task_cell, profile, period_of or (lambda t: t.kind))
        courier_cell = {c.id: int(k) for c, k in zip(problem.couriers, chosen, strict=True)}
    else:
        courier_cell = {}
        for courier in problem.couriers:
            kitchen_id = courier_kitchen.get(courier.id)
            if kitchen_id is None:
                raise InvalidInputError("courier_kitchen", f"courier {courier.id!r} has none")
            if kitchen_id not in index:
                raise UnknownReferenceError("kitchen", kitchen_id)
            courier_cell[courier.id] = index[kitchen_id]
    cells = []
    for k in range(len(kitchens)):
        tasks = tuple(t.id for t in problem.tasks if task_cell[t.id] == k)
        crew = tuple(c.id for c in problem.couriers if courier_cell[c.id] == k)
        if tasks or crew:
            cells.append(Part(task_ids=tasks, courier_ids=crew))
    return tuple(cells)


def _xy(locations: Sequence[Location]) -> FloatArray | None:
    lat = np.empty(len(locations))
    lon = np.empty(len(locations))
    for k, loc in enumerate(locations):
        if loc.lat is None or loc.lon is None:
            return None
        lat[k], lon[k] = loc.lat, loc.lon
    return local_xy_m(lat, lon) if len(locations) else None


def _place(problem: Problem, part: Part) -> Location | None:
    """Where a cell is: its first meal's kitchen, else its first courier's start, else a visit."""
    for task_id in part.task_ids:
        task = problem.task(task_id)
        if isinstance(task, MealDelivery):
            return task.kitchen.location
    if part.courier_ids:
        return problem.courier(part.courier_ids[0]).start
    if part.task_ids:
        first = problem.task(part.task_ids[0])
        return first.stop.location if isinstance(first, Visit) else first.pickup.location
    return None


def group_cells(problem: Problem, cells: Sequence[Part], meals_per_zone: float) -> tuple[Part, ...]:
    """Neighbouring cells grouped into zones of about ``meals_per_zone`` meals each.

    The number of zones is the cells' weight (meals, and half the check-ins)
    over ``meals_per_zone``, rounded up; cells are placed at their kitchen
    (:func:`bisect`). Without coordinates (lat/lon) everything is one zone.

    Examples
    --------
    >>> from dispatch import Courier, HaversineTravel, Location, Stop, TimeWindow
    >>> def at(lon):
    ...     return Location(lat=31.2, lon=lon)
    >>> visits = [Visit(id=f"v{k}", stop=Stop(location=at(121.40 + 0.01 * k))) for k in range(4)]
    >>> couriers = [Courier(id=f"c{k}", start=at(121.40 + 0.01 * k), shift=TimeWindow(0, 9),
    ...                     capacity=1) for k in range(4)]
    >>> problem = Problem(tasks=visits, couriers=couriers, travel=HaversineTravel())
    >>> cells = [Part(task_ids=(f"v{k}",), courier_ids=(f"c{k}",)) for k in range(4)]
    >>> [z.task_ids for z in group_cells(problem, cells, 1)]
    [('v0', 'v1'), ('v2', 'v3')]
    """
    if not cells:
        return ()
    weights = np.array([cell.weight(problem) for cell in cells], dtype=np.float64)
    places = [_place(problem, cell) for cell in cells]
    xy = None if any(p is None for p in places) else _xy([p for p in places if p is not None])
    zones = max(1, math.ceil(weights.sum() / meals_per_zone - 1e-9))
    if xy is None or zones == 1:
        labels = np.zeros(len(cells), dtype=np.int64)
    else:
        labels = bisect(xy, np.maximum(weights, 1e-3), zones)
    out = []
    for label in range(int(labels.max()) + 1):
        members = [cell for cell, lab in zip(cells, labels.tolist(), strict=True) if lab == label]
        out.append(
            Part(
                task_ids=tuple(t for cell in members for t in cell.task_ids),
                courier_ids=tuple(c for cell in members for c in cell.courier_ids),
            )
        )
    return tuple(out)


def _stop_location(problem: Problem, task_id: str) -> Location:
    task = problem.task(task_id)
    return task.stop.location if isinstance(task, Visit) else task.dropoff.location


def first_round_parts(
    problem: Problem, cells: Sequence[Part], most_tasks: int = FIRST_ROUND_TASKS
) -> list[Part]:
    """The parts of the first round: cells, cut smaller, couriers with own stops apart.

    A first plan costs about the square of the tasks, so a cell of more than
    ``most_tasks`` tasks is cut by place (its homes, :func:`bisect`) into
    pieces of about that many, at most one per courier; its couriers are
    dealt out largest capacity first. Couriers with own stops get a part of
    their own: the solver builds a first plan around own stops one task at a
    time, so they take tasks only in the second round, from their own route.

    Examples
    --------
    >>> from dispatch import Courier, HaversineTravel, Location, Stop, TimeWindow
    >>> visits = [Visit(id=f"v{k}", stop=Stop(location=Location(lat=31.2, lon=121.4 + k / 100)))
    ...           for k in range(4)]
    >>> couriers = [Courier(id=f"c{k}", start=Location(lat=31.2, lon=121.4), capacity=k + 1,
    ...                     shift=TimeWindow(0, 9)) for k in range(3)]
    >>> problem = Problem(tasks=visits, couriers=couriers, travel=HaversineTravel())
    >>> cell = Part(task_ids=("v0", "v1", "v2", "v3"), courier_ids=("c0", "c1", "c2"))
    >>> [(p.task_ids, p.courier_ids) for p in first_round_parts(problem, [cell], 2)]
    [(('v0', 'v1'), ('c2', 'c0')), (('v2', 'v3'), ('c1',))]
    """
    out: list[Part] = []
    for cell in cells:
        own = [c for c in cell.courier_ids if problem.courier(c).own_stops]
        rest = [c for c in cell.courier_ids if c not in own]
        pieces = min(max(1, math.ceil(len(cell.task_ids) / most_tasks)), max(1, len(rest)))
        xy = _xy([_stop_location(problem, t) for t in cell.task_ids]) if pieces > 1 else None
        if xy is None:
            out.append(Part(task_ids=cell.task_ids, courier_ids=tuple(rest)))
        else:
            labels = bisect(xy, np.ones(len(cell.task_ids)), pieces).tolist()
            count = max(labels) + 1
            tasks = [tuple(t for t, lab in zip(cell.task_ids, labels, strict=True) if lab == p)
                     for p in range(count)]  # fmt: skip
            crews: list[list[str]] = [[] for _ in range(count)]
            biggest = sorted(range(count), key=lambda p: -len(tasks[p]))
            by_capacity = sorted(rest, key=lambda c: -sum(problem.courier(c).capacity))
            for k, courier_id in enumerate(by_capacity):
                crews[biggest[k % count]].append(courier_id)
            out.extend(Part(task_ids=tasks[p], courier_ids=tuple(crews[p])) for p in range(count))
        out.extend(Part(task_ids=(), courier_ids=(c,)) for c in own)
    return out


def follow_routes(parts: Sequence[Part], plan: Plan) -> tuple[Part, ...]:
    """``parts`` with every task on a route moved to the part of the courier serving it.

    Then each route of ``plan`` lies within one part (the condition for
    starting the parts from it); tasks left out stay where they were.

    Examples
    --------
    >>> from dispatch.plan import ObjectiveParts, PlannedStop, Route, SolveStatus, StopRole
    >>> def stop(role, ref):
    ...     return PlannedStop(role=role, ref=ref, arrival_s=0, start_s=0, departure_s=0,
    ...                        load_after=(0,))
    >>> route = Route(courier_id="c1", stops=(stop(StopRole.START, "c1"),
    ...     stop(StopRole.VISIT, "v0"), stop(StopRole.END, "c1")), distance_m=0, duration_s=0)
    >>> plan = Plan(routes=(route,), unassigned=(), status=SolveStatus.FEASIBLE, runtime_s=0.0,
    ...             objective=ObjectiveParts(distance_m=0, fixed_cost=0, penalty=0))
    >>> parts = [Part(task_ids=("v0", "v1"), courier_ids=("c0",)),
    ...          Part(task_ids=("v2",), courier_ids=("c1",))]
    >>> [p.task_ids for p in follow_routes(parts, plan)]
    [('v1',), ('v2', 'v0')]
    """
    part_of = {c: k for k, part in enumerate(parts) for c in part.courier_ids}
    moved = {
        t: part_of[route.courier_id]
        for route in plan.routes
        if route.courier_id in part_of
        for t in route.task_ids
    }
    home = {t: k for k, part in enumerate(parts) for t in part.task_ids}
    arrivals: list[list[str]] = [[] for _ in parts]
    for task_id, k in moved.items():
        if home.get(task_id) != k:
            arrivals[k].append(task_id)
    return tuple(
        Part(
            task_ids=(*(t for t in part.task_ids if moved.get(t, k) == k), *arrivals[k]),
            courier_ids=part.courier_ids,
        )
        for k, part in enumerate(parts)
    )
