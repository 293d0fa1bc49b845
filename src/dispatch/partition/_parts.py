"""What is sent to a worker (:class:`Part`), what comes back (:class:`PartResult`), who solves it.

A part solver is any picklable callable ``Part -> PartResult``
(:class:`PartSolver`). Two come with `dispatch`:

* :class:`SolveParts` routes a part with the core solver
  (:func:`dispatch.solve`), from its warm start when it has one;
* :class:`MatchParts` matches a part's errands to its couriers' rounds with
  the incidental matcher (:class:`dispatch.incidental.Matcher`). A border
  part's couriers already carry errands: their routes are *frozen* into own
  stops (see :func:`freeze`) so the matcher only adds to them.
"""

from __future__ import annotations

import enum
import itertools
import math
from collections.abc import Mapping, Sequence
from typing import Protocol

import attrs

from dispatch.errors import InvalidInputError
from dispatch.incidental import Matcher, MatchOptions
from dispatch.model import Courier, OwnStop, Problem, Stop, Task, TimeWindow, Visit
from dispatch.plan import Plan, Route, StopRole
from dispatch.solver import SolveOptions, solve

__all__ = [
    "Frozen",
    "MatchParts",
    "Part",
    "PartResult",
    "PartSolver",
    "PartStage",
    "SolveParts",
    "busy_s",
    "freeze",
]

#: Latest time of a window clipped from below only (as :meth:`dispatch.model.Stop.not_before`).
_OPEN_S = 2**40


class PartStage(enum.Enum):
    """Which pass a part belongs to."""

    ZONE = "zone"
    """First pass: one zone's tasks with its couriers."""
    BORDER = "border"
    """A border round: one zone's leftovers, offered to couriers of other zones passing near."""


@attrs.frozen(kw_only=True, eq=False)
class Part:
    """One piece of a partitioned problem, as sent to a worker (picklable).

    Parameters
    ----------
    stage, zone
        The pass and the zone the part is about.
    index
        Position among the parts of its pass (part solvers derive seeds from it).
    round
        Border parts: the border round (0, 1, ...); 0 for zone parts.
    share
        The part's share of the whole problem's tasks (a border part: of its
        leftovers). Part solvers whose limits are meant for the whole
        problem give each part its share of them.
    problem
        The part's tasks and couriers, with the whole problem's travel model.
    warm_start
        Border parts: the couriers' current routes (every task on them is
        in ``problem``); None for zone parts.
    spent_detour_s
        Border parts: detour seconds each courier has already spent, when
        known (the matcher reports them).
    """

    stage: PartStage
    zone: int
    index: int
    problem: Problem
    round: int = 0
    share: float = 1.0
    warm_start: Plan | None = None
    spent_detour_s: Mapping[str, int] = attrs.field(factory=dict)


@attrs.frozen(kw_only=True, eq=False)
class PartResult:
    """A part's plan (over the part's problem) and the couriers' detours when known."""

    plan: Plan
    detours_s: Mapping[str, int] = attrs.field(factory=dict)


class PartSolver(Protocol):
    """Solves one part; must be picklable (a module-level class or function) for processes."""

    def __call__(self, part: Part) -> PartResult:
        """The part's plan: every task of ``part.problem`` routed or unassigned once."""
        ...


@attrs.frozen
class SolveParts:
    """Route each part with :func:`dispatch.solve`.

    Part ``k`` of a pass searches with seed ``options.seed + k``; border parts
    start from their warm start. With ``time_limit_s=None`` and a
    ``solution_limit`` every part, and so the merged plan, is deterministic.

    Examples
    --------
    >>> SolveParts(SolveOptions(time_limit_s=None, solution_limit=20)).options.solution_limit
    20
    """

    options: SolveOptions = attrs.field(
        factory=SolveOptions, validator=attrs.validators.instance_of(SolveOptions)
    )

    def __call__(self, part: Part) -> PartResult:
        """Solve the part's problem."""
        options = attrs.evolve(self.options, seed=self.options.seed + part.index)
        start = part.warm_start if part.warm_start is not None and part.warm_start.routes else None
        return PartResult(plan=solve(part.problem, options, warm_start=start))


@attrs.frozen
class MatchParts:
    """Match each part's errands to its couriers with the incidental matcher.

    Zone parts are matched from the couriers' own rounds. Border parts keep
    what the couriers already carry: each route is frozen (:func:`freeze`)
    and the matcher fits the leftovers into it, within what is left of the
    courier's capacity, task cap and detour budget. The matcher is
    deterministic.

    ``improve_limit`` and ``pack_limit`` bound the work of the matcher's
    last two phases on the whole problem: each part gets its share of them
    (``Part.share``, rounded up), so the parts together do about as much
    of that work as one matcher on the whole problem would.

    Examples
    --------
    >>> MatchParts(MatchOptions(pack=False)).options.pack
    False
    """

    options: MatchOptions = attrs.field(
        factory=MatchOptions, validator=attrs.validators.instance_of(MatchOptions)
    )

    def __call__(self, part: Part) -> PartResult:
        """Match the part's errands."""
        problem = part.problem
        warm = part.warm_start
        options = attrs.evolve(
            self.options,
            improve_limit=math.ceil(self.options.improve_limit * part.share),
            pack_limit=math.ceil(self.options.pack_limit * part.share),
        )
        if warm is None or not warm.routes:
            matching = Matcher(problem, options).match()
            return PartResult(plan=matching.plan, detours_s=matching.detours_s())
        spent = dict(part.spent_detour_s)
        unknown = [
            r
            for r in warm.routes
            if r.courier_id not in spent
            and problem.courier(r.courier_id).detour_budget_s is not None
        ]
        if unknown:  # the own rounds alone, to measure what the routes already spend
            crew = [problem.courier(r.courier_id) for r in unknown]
            alone = Matcher(attrs.evolve(problem, tasks=(), couriers=crew), options)
            for route, own in zip(unknown, alone.routes, strict=True):
                spent[route.courier_id] = max(0, busy_s(route) - own.baseline_busy_s)
        frozen = freeze(problem, warm.routes, spent)
        matching = Matcher(frozen.problem, options).match()
        plan = frozen.thaw(matching.plan)
        detours = {c: d + spent.get(c, 0) for c, d in matching.detours_s().items()}
        return PartResult(plan=plan, detours_s=detours)


@attrs.frozen(kw_only=True, eq=False)
class Frozen:
    """A problem whose couriers carry their routes as own stops, and the way back."""

    problem: Problem
    original: Problem
    stops: Mapping[str, Mapping[str, tuple[StopRole, str]]]
    """Courier id -> frozen own stop id -> the (role, ref) it stands for."""

    def thaw(self, plan: Plan) -> Plan:
        """The plan over the original problem: frozen stops back to what they were, loads too."""
        routes = []
        for route in plan.routes:
            table = self.stops.get(route.courier_id, {})
            courier = self.original.courier(route.courier_id)
            load = [0] * len(courier.capacity)
            stops = []
            for stop in route.stops:
                role, ref = stop.role, stop.ref
                if role is StopRole.OWN and ref in table:
                    role, ref = table[ref]
                if role in (StopRole.PICKUP, StopRole.DROPOFF, StopRole.VISIT):
                    sign = -1 if role is StopRole.DROPOFF else 1
                    delta = self.original.load_of(self.original.task(ref))
                    load = [a + sign * b for a, b in zip(load, delta, strict=True)]
                stops.append(attrs.evolve(stop, role=role, ref=ref, load_after=tuple(load)))
            routes.append(attrs.evolve(route, stops=tuple(stops)))
        return attrs.evolve(
            plan,
            routes=tuple(routes),
            objective=attrs.evolve(plan.objective, distance_m=sum(r.distance_m for r in routes)),
        )


def busy_s(route: Route) -> int:
    """Travel and service seconds of a route, read off its schedule (idle time counts as travel).

    Exact for the plans of :func:`dispatch.solve` and the matcher, which
    arrive as soon as the travel allows; never less than the busy time
    :func:`dispatch.validate` recomputes.
    """
    stops = route.stops
    travel = sum(b.arrival_s - a.departure_s for a, b in itertools.pairwise(stops))
    return travel + sum(s.departure_s - s.start_s for s in stops)


def _clip(stop: Stop, low_s: int | None, high_s: int | None) -> tuple[TimeWindow, ...]:
    """The stop's windows cut to ``[low_s, high_s]`` (None: no bound on that side)."""
    low = 0 if low_s is None else low_s
    high = _OPEN_S if high_s is None else high_s
    windows = stop.windows or (TimeWindow(0, _OPEN_S),)
    kept = tuple(
        TimeWindow(max(w.earliest_s, low), min(w.latest_s, high))
        for w in windows
        if max(w.earliest_s, low) <= min(w.latest_s, high)
    )
    if not kept:  # pragma: no cover - a valid route's own times lie inside
        raise InvalidInputError("warm_start", f"no window left between {low} s and {high} s")
    return kept


def _task_stop(task: Task, role: StopRole) -> Stop:
    if isinstance(task, Visit):
        return task.stop
    return task.pickup if role is StopRole.PICKUP else task.dropoff


def freeze(problem: Problem, routes: Sequence[Route], spent_detour_s: Mapping[str, int]) -> Frozen:
    """Turn each route into its courier's own stops, so a matcher can only add to it.

    Every stop between start and end becomes an own stop, in the route's
    order: own stops keep their windows; a pickup (or visit) that starts at
    ``p`` may start no earlier than ``p``, and its drop-off no later than
    ``p + service + max_ride_s``, which keeps each carried errand's ride
    within its maximum however the route is stretched. Own stops carry no
    load, so the courier's capacity shrinks by the most it carries anywhere
    on the route (conservative); its task cap by the tasks it carries; its
    detour budget by ``spent_detour_s`` (what the route already spends
    beyond the courier's own round). Tasks on the routes leave the problem.

    Examples
    --------
    >>> from dispatch import Errand, Location, MatrixTravel
    >>> travel = MatrixTravel(nodes=[0, 1, 2], durations_s=[[0, 60, 90], [60, 0, 40], [90, 40, 0]])
    >>> courier = Courier(id="li", start=Location(node=0), shift=TimeWindow(0, 3600), capacity=3)
    >>> milk = Errand(id="milk", pickup=Stop(location=Location(node=1)),
    ...               dropoff=Stop(location=Location(node=2)), max_ride_s=100)
    >>> problem = Problem(tasks=[milk], couriers=[courier], travel=travel)
    >>> plan = solve(problem, SolveOptions(time_limit_s=None, solution_limit=5))
    >>> frozen = freeze(problem, plan.routes, {})
    >>> c = frozen.problem.courier("li")
    >>> [(o.id, o.stop.windows[0].earliest_s, o.stop.windows[0].latest_s) for o in c.own_stops]
    [('#1', 60, 1099511627776), ('#2', 0, 160)]
    >>> c.capacity, frozen.problem.tasks
    ((2,), ())
    """
    held: set[str] = set()
    couriers: dict[str, Courier] = {}
    tables: dict[str, dict[str, tuple[StopRole, str]]] = {}
    for route in routes:
        courier = problem.courier(route.courier_id)
        own_by_id = {own.id: own for own in courier.own_stops}
        picked_s: dict[str, int] = {}
        own: list[OwnStop] = []
        table: dict[str, tuple[StopRole, str]] = {}
        for k, planned in enumerate(route.stops[1:-1], start=1):
            stop_id = f"#{k}"
            table[stop_id] = (planned.role, planned.ref)
            if planned.role is StopRole.OWN:
                stop = own_by_id[planned.ref].stop
            else:
                task = problem.task(planned.ref)
                held.add(task.id)
                stop = _task_stop(task, planned.role)
                if planned.role is StopRole.DROPOFF:
                    ride = getattr(task, "max_ride_s", None)
                    high = None if ride is None else picked_s[task.id] + ride
                    stop = attrs.evolve(stop, windows=_clip(stop, None, high))
                else:
                    picked_s[task.id] = planned.start_s + stop.service_s
                    stop = attrs.evolve(stop, windows=_clip(stop, planned.start_s, None))
            own.append(OwnStop(id=stop_id, stop=stop))
        most = [max(s.load_after[d] for s in route.stops) for d in range(len(courier.capacity))]
        tasks = sum(1 for s in route.stops if s.role in (StopRole.PICKUP, StopRole.VISIT))
        budget = courier.detour_budget_s
        couriers[courier.id] = attrs.evolve(
            courier,
            own_stops=own,
            capacity=tuple(max(0, c - m) for c, m in zip(courier.capacity, most, strict=True)),
            max_tasks=None if courier.max_tasks is None else max(0, courier.max_tasks - tasks),
            detour_budget_s=None
            if budget is None
            else max(0, budget - spent_detour_s.get(courier.id, 0)),
        )
        tables[courier.id] = table
    frozen = attrs.evolve(
        problem,
        tasks=[t for t in problem.tasks if t.id not in held],
        couriers=[couriers.get(c.id, c) for c in problem.couriers],
    )
    return Frozen(problem=frozen, original=problem, stops=tables)
