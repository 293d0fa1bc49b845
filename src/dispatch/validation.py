"""Check a plan against its problem, recomputing everything from the problem.

:func:`validate` lists every rule a :class:`~dispatch.plan.Plan` breaks, as
:class:`Violation` s; :func:`check` raises :class:`PlanViolationError` when
there is any. The validator shares no code with the solvers: travel times come
from ``problem.travel`` (one matrix per route), loads from
:meth:`~dispatch.model.Problem.load_of`, windows and service times from the
tasks, so a bug in a solver's translation cannot hide itself here. Times on the
plan (arrival, start, departure) are taken as claims and checked leg by leg, so
one wrong number is reported once, where it is, not at every later stop.

A garbage plan (unknown ids, stops in odd roles, routes without ends) never
makes the validator fail: what it can check, it checks; the rest is reported.
Errors of the *problem* itself (a location missing from the travel matrix) are
raised by the travel provider as usual.

Examples
--------
>>> import attrs
>>> from dispatch import (Courier, Errand, Location, MatrixTravel, ObjectiveParts, Plan,
...                       PlannedStop, Problem, Route, SolveStatus, Stop, StopRole, TimeWindow)
>>> problem = Problem(
...     tasks=[Errand(id="e1", pickup=Stop(location=Location(node=1), service_s=30),
...                   dropoff=Stop(location=Location(node=2), windows=[(0, 200)]))],
...     couriers=[Courier(id="c1", start=Location(node=0), end=Location(node=0),
...                       shift=TimeWindow(0, 3600), capacity=1)],
...     travel=MatrixTravel(nodes=[0, 1, 2],
...                         durations_s=[[0, 60, 90], [60, 0, 40], [90, 40, 0]]),
... )
>>> def at(role, ref, arrival_s, start_s, departure_s, load):
...     return PlannedStop(role=role, ref=ref, arrival_s=arrival_s, start_s=start_s,
...                        departure_s=departure_s, load_after=(load,))
>>> route = Route(courier_id="c1", distance_m=190, duration_s=220, stops=(
...     at(StopRole.START, "c1", 0, 0, 0, 0),
...     at(StopRole.PICKUP, "e1", 60, 60, 90, 1),
...     at(StopRole.DROPOFF, "e1", 130, 130, 130, 0),
...     at(StopRole.END, "c1", 220, 220, 220, 0),
... ))
>>> plan = Plan(routes=(route,), unassigned=(), status=SolveStatus.FEASIBLE, runtime_s=0.0,
...             objective=ObjectiveParts(distance_m=190, fixed_cost=0, penalty=0))
>>> validate(problem, plan)
[]

A plan that claims the drop-off earlier than the courier can get there:

>>> early = at(StopRole.DROPOFF, "e1", 120, 120, 120, 0)
>>> bad = attrs.evolve(plan, routes=(attrs.evolve(route, stops=(
...     route.stops[0], route.stops[1], early, route.stops[3])),))
>>> for violation in validate(problem, bad):
...     print(violation)
TRAVEL_TIME 'e1' (route of 'c1', stop 2): arrives at 120 s, but leaving the previous stop at
90 s with 40 s of travel means 130 s at the earliest
"""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Final

import attrs
import numpy as np
import numpy.typing as npt

from dispatch.errors import DispatchError
from dispatch.model import Courier, Location, OwnStop, PairedTask, Problem, Stop, Task, Visit
from dispatch.plan import Plan, Route, StopRole

__all__ = ["PlanViolationError", "Violation", "ViolationKind", "check", "validate"]


class ViolationKind(enum.Enum):
    """Which rule a plan breaks. The docstring of each kind says what ``values`` holds."""

    UNKNOWN_COURIER = "unknown_courier"
    """A route names a courier the problem does not have. values: ()."""
    DUPLICATE_ROUTE = "duplicate_route"
    """A courier has more than one route. values: (number of routes,)."""
    EMPTY_ROUTE = "empty_route"
    """A route serves no task and no own stop (plans hold only non-empty routes). values: ()."""
    UNKNOWN_TASK = "unknown_task"
    """A task stop or an unassigned entry names a task the problem does not have. values: ()."""
    UNKNOWN_OWN_STOP = "unknown_own_stop"
    """An OWN stop names an own stop no courier has. values: ()."""
    BAD_ENDPOINTS = "bad_endpoints"
    """The route does not run START ... END, or START/END do not name its courier.

    values: (position of the offending stop,) or () for a route without stops.
    """
    TASK_MISSING = "task_missing"
    """A task is neither on a route nor unassigned. values: ()."""
    TASK_DUPLICATED = "task_duplicated"
    """A task is served twice, unassigned twice, or both routed and unassigned.

    values: (times routed, times unassigned) where "times routed" counts the
    task's stops for a visit and its pickups (or drop-offs) for a paired task.
    """
    PAIR_SPLIT = "pair_split"
    """Pickup and drop-off are on different routes, or one of them is missing.

    values: (pickups, drop-offs) on routes.
    """
    PRECEDENCE = "precedence"
    """The drop-off comes before the pickup. values: (pickup position, drop-off position)."""
    TRAVEL_TIME = "travel_time"
    """Arrival earlier than the previous departure plus the travel time.

    values: (arrival_s, previous departure_s, travel_s); travel_s is 0 when the
    previous stop could not be placed.
    """
    SCHEDULE = "schedule"
    """Service starts before arrival, departure is not start + service, or START/END wait.

    values: (arrival_s, start_s, departure_s, service_s); service_s is -1 when unknown.
    """
    TIME_WINDOW = "time_window"
    """Service starts outside every window of the stop. values: (start_s,)."""
    SHIFT = "shift"
    """START leaves before the shift or END arrives after it.

    values: (time_s, shift earliest_s, shift latest_s).
    """
    CAPACITY = "capacity"
    """The load leaves [0, capacity] in some dimension.

    values: (*load, *capacity) at the stop where it first leaves the range.
    """
    LOAD_MISMATCH = "load_mismatch"
    """The plan's ``load_after`` differs from the recomputed load. values: (*plan, *recomputed)."""
    MAX_RIDE_TIME = "max_ride_time"
    """Too long from leaving the pickup to starting the drop-off. values: (ride_s, max_ride_s)."""
    SKILL = "skill"
    """The courier lacks a skill the task needs. values: ()."""
    KIND = "kind"
    """The courier does not take tasks of this kind (``Courier.accepts``). values: ()."""
    TASK_CAP = "task_cap"
    """The route carries more tasks than ``Courier.max_tasks``. values: (tasks, max_tasks)."""
    OWN_STOP_MISSING = "own_stop_missing"
    """A courier's own stop is not on its route. values: ()."""
    OWN_STOP_ORDER = "own_stop_order"
    """Own stops out of the courier's order.

    values: (this stop's rank, rank of an own stop served before it).
    """
    OWN_STOP_DUPLICATED = "own_stop_duplicated"
    """An own stop is served more than once by its courier. values: (times served,)."""
    OWN_STOP_FOREIGN = "own_stop_foreign"
    """An own stop of another courier is on this route. values: ()."""
    DETOUR = "detour"
    """Busy time beyond the own-stops-only baseline exceeds the detour budget.

    values: (busy_s, baseline_s, detour_budget_s).
    """
    ROLE_MISMATCH = "role_mismatch"
    """A stop's role does not fit its task (PICKUP for a visit, VISIT for an errand). values: ()."""
    ROUTE_TOTALS = "route_totals"
    """``distance_m`` or ``duration_s`` of the route differs from the recomputed value.

    values: (claimed, recomputed).
    """


@attrs.frozen(kw_only=True)
class Violation:
    """One broken rule.

    Parameters
    ----------
    kind
        The rule.
    ref
        The task id, own-stop id or courier id the violation is about.
    courier_id
        The route's courier id when the violation is about a route, else None.
    detail
        A sentence with the numbers.
    values
        The numbers involved (see each :class:`ViolationKind`).
    stop_index
        Position of the offending stop in ``route.stops``, when there is one.

    Examples
    --------
    >>> v = Violation(kind=ViolationKind.SKILL, ref="e1", courier_id="c1",
    ...               detail="needs skills ['lift'] the courier lacks")
    >>> str(v)
    "SKILL 'e1' (route of 'c1'): needs skills ['lift'] the courier lacks"
    """

    kind: ViolationKind
    ref: str
    courier_id: str | None
    detail: str
    values: tuple[int, ...] = ()
    stop_index: int | None = None

    def __str__(self) -> str:
        where = ""
        if self.courier_id is not None:
            at = f", stop {self.stop_index}" if self.stop_index is not None else ""
            where = f" (route of {self.courier_id!r}{at})"
        return f"{self.kind.name} {self.ref!r}{where}: {self.detail}"


class PlanViolationError(DispatchError):
    """A plan breaks rules of its problem; ``violations`` lists them all.

    Examples
    --------
    >>> err = PlanViolationError([Violation(kind=ViolationKind.TASK_MISSING, ref="v1",
    ...                                     courier_id=None, detail="neither routed nor ...")])
    >>> len(err.violations), str(err)
    (1, "plan breaks 1 rule(s): TASK_MISSING 'v1': neither routed nor ...")
    """

    SHOWN: Final = 5

    def __init__(self, violations: Sequence[Violation]) -> None:
        self.violations = list(violations)
        shown = "; ".join(str(v) for v in self.violations[: self.SHOWN])
        more = len(self.violations) - self.SHOWN
        tail = f"; and {more} more" if more > 0 else ""
        super().__init__(f"plan breaks {len(self.violations)} rule(s): {shown}{tail}")


def validate(problem: Problem, plan: Plan) -> list[Violation]:
    """Every rule of ``problem`` that ``plan`` breaks; an empty list means the plan is valid.

    Checks, recomputed from the problem: routes name known couriers, one each,
    run START ... END and serve something; every task is routed once or
    unassigned once; pairs share a route, pickup first, within ``max_ride_s``;
    each arrival allows the travel time (the courier's profile; none to an open
    end), service starts after arrival and inside a window, departure is start
    plus service; the shift is kept; loads stay within [0, capacity] and match
    ``load_after``; skills fit; own stops are all served, in order, by their
    courier; the detour budget holds; ``distance_m`` and ``duration_s`` add up.

    ``problem.travel.matrix`` is called once per route of a known courier.

    Parameters
    ----------
    problem
        The problem the plan claims to solve.
    plan
        The plan to check; it may be arbitrary garbage.

    Returns
    -------
    list of Violation
        In route order (stop by stop), then per task, per own stop, per
        unassigned entry.

    Examples
    --------
    >>> from dispatch import (Location, MatrixTravel, ObjectiveParts, Plan, Problem,
    ...                       SolveStatus, Stop, Visit)
    >>> problem = Problem(tasks=[Visit(id="v1", stop=Stop(location=Location(node=0)))],
    ...                   couriers=[], travel=MatrixTravel(nodes=[0], durations_s=[[0]]))
    >>> plan = Plan(routes=(), unassigned=(), status=SolveStatus.FEASIBLE, runtime_s=0.0,
    ...             objective=ObjectiveParts(distance_m=0, fixed_cost=0, penalty=0))
    >>> [v.kind.name for v in validate(problem, plan)]
    ['TASK_MISSING']
    """
    index = _Index(problem)
    found: list[Violation] = []
    tally = _Tally()
    routes_per_courier = Counter(route.courier_id for route in plan.routes)
    reported_duplicate: set[str] = set()
    for route_no, route in enumerate(plan.routes):
        courier = index.couriers.get(route.courier_id)
        if courier is None:
            found.append(
                _route_violation(
                    ViolationKind.UNKNOWN_COURIER,
                    route,
                    f"the problem has no courier {route.courier_id!r}",
                )
            )
        elif routes_per_courier[courier.id] > 1 and courier.id not in reported_duplicate:
            reported_duplicate.add(courier.id)
            count = routes_per_courier[courier.id]
            found.append(
                _route_violation(
                    ViolationKind.DUPLICATE_ROUTE,
                    route,
                    f"the courier has {count} routes; at most one is allowed",
                    (count,),
                )
            )
        found.extend(_check_route(index, route_no, route, courier, tally))
    unassigned = Counter(entry.task_id for entry in plan.unassigned)
    for task_id in unassigned:
        if task_id not in index.tasks:
            found.append(
                Violation(
                    kind=ViolationKind.UNKNOWN_TASK,
                    ref=task_id,
                    courier_id=None,
                    detail=f"unassigned entry names no task of the problem ({task_id!r})",
                )
            )
    found.extend(_check_tasks(index, tally, unassigned))
    found.extend(_check_own_stop_coverage(problem.couriers, tally))
    return found


def check(problem: Problem, plan: Plan) -> None:
    """Raise :class:`PlanViolationError` unless ``plan`` is a valid plan of ``problem``.

    Examples
    --------
    >>> from dispatch import (Location, MatrixTravel, ObjectiveParts, Plan, Problem,
    ...                       SolveStatus, Stop, Unassigned, UnassignedReason, Visit)
    >>> problem = Problem(tasks=[Visit(id="v1", stop=Stop(location=Location(node=0)))],
    ...                   couriers=[], travel=MatrixTravel(nodes=[0], durations_s=[[0]]))
    >>> left_out = Unassigned(task_id="v1", reason=UnassignedReason.NO_COURIER, detail="")
    >>> plan = Plan(routes=(), unassigned=(left_out, left_out), status=SolveStatus.FEASIBLE,
    ...             runtime_s=0.0, objective=ObjectiveParts(distance_m=0, fixed_cost=0, penalty=0))
    >>> check(problem, plan)
    Traceback (most recent call last):
    ...
    dispatch.validation.PlanViolationError: plan breaks 1 rule(s): TASK_DUPLICATED 'v1': ...
    """
    violations = validate(problem, plan)
    if violations:
        raise PlanViolationError(violations)


# --- indexes and bookkeeping -------------------------------------------------------------------

_TASK_ROLES: Final = frozenset({StopRole.PICKUP, StopRole.DROPOFF, StopRole.VISIT})
_ENDPOINT_ROLES: Final = frozenset({StopRole.START, StopRole.END})
IntMatrix = npt.NDArray[np.int64]
_OPEN_END: Final = -2  # location slot of an END stop of an open-ended courier
_UNPLACED: Final = -1  # location slot of a stop whose place is unknown


class _Index:
    """Look-ups over the problem, with the (ready-time adjusted) stops of paired tasks cached."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.tasks: dict[str, Task] = {t.id: t for t in problem.tasks}
        self.couriers: dict[str, Courier] = {c.id: c for c in problem.couriers}
        self.own_stops: dict[str, dict[str, OwnStop]] = {
            c.id: {own.id: own for own in c.own_stops} for c in problem.couriers
        }
        self.own_owner: dict[str, list[tuple[str, OwnStop]]] = {}
        for courier in problem.couriers:
            for own in courier.own_stops:
                self.own_owner.setdefault(own.id, []).append((courier.id, own))
        self._pair_stops: dict[str, tuple[Stop, Stop]] = {}
        self._loads: dict[str, tuple[int, ...]] = {}

    def pair_stops(self, task: PairedTask) -> tuple[Stop, Stop]:
        """(pickup, drop-off) of a paired task; MealDelivery.pickup applies the ready time."""
        stops = self._pair_stops.get(task.id)
        if stops is None:
            stops = self._pair_stops[task.id] = (task.pickup, task.dropoff)
        return stops

    def load(self, task: Task) -> tuple[int, ...]:
        """The task's load vector in every dimension."""
        load = self._loads.get(task.id)
        if load is None:
            load = self._loads[task.id] = self.problem.load_of(task)
        return load


@attrs.define
class _Seen:
    """A task stop seen on a route."""

    route_no: int
    position: int
    role: StopRole
    start_s: int
    courier_id: str


@attrs.define
class _Tally:
    """What the route pass saw, for the checks that span routes."""

    task_stops: dict[str, list[_Seen]] = attrs.field(factory=dict)
    own_served: dict[str, Counter[str]] = attrs.field(factory=dict)


@attrs.frozen
class _Placed:
    """What a planned stop stands for: its place, its problem stop, its load change."""

    location: Location | None
    stop: Stop | None
    delta: tuple[int, ...] | None  # None: unknown, the plan's load_after is trusted
    task: Task | None = None


_NOWHERE: Final = _Placed(None, None, None)


def _route_violation(
    kind: ViolationKind, route: Route, detail: str, values: tuple[int, ...] = ()
) -> Violation:
    return Violation(
        kind=kind, ref=route.courier_id, courier_id=route.courier_id, detail=detail, values=values
    )


def _stop_violation(
    kind: ViolationKind,
    route: Route,
    position: int,
    detail: str,
    values: tuple[int, ...] = (),
) -> Violation:
    return Violation(
        kind=kind,
        ref=route.stops[position].ref,
        courier_id=route.courier_id,
        detail=detail,
        values=values,
        stop_index=position,
    )


def _within(t_s: int, stop: Stop) -> bool:
    return not stop.windows or any(w.earliest_s <= t_s <= w.latest_s for w in stop.windows)


# --- one route ---------------------------------------------------------------------------------


def _check_route(
    index: _Index, route_no: int, route: Route, courier: Courier | None, tally: _Tally
) -> list[Violation]:
    """Structure of the route, then (for a known courier) schedule, loads and budgets."""
    found: list[Violation] = []
    endpoints_ok = _check_endpoints(route, found)
    stops = route.stops
    if not any(s.role in _TASK_ROLES or s.role is StopRole.OWN for s in stops):
        found.append(
            _route_violation(
                ViolationKind.EMPTY_ROUTE, route, "the route serves no task and no own stop"
            )
        )
    placed = [_place(index, route, pos, courier, found) for pos in range(len(stops))]
    tasks_seen: set[str] = set()
    for pos, (stop, where) in enumerate(zip(stops, placed, strict=True)):
        if stop.role in _TASK_ROLES and stop.ref in index.tasks:
            seen = _Seen(route_no, pos, stop.role, stop.start_s, route.courier_id)
            tally.task_stops.setdefault(stop.ref, []).append(seen)
        task = where.task
        if courier is not None and task is not None and task.id not in tasks_seen:
            tasks_seen.add(task.id)  # reported once per task and route, at its first stop
            missing = task.skills - courier.skills
            if missing:
                found.append(
                    _stop_violation(
                        ViolationKind.SKILL,
                        route,
                        pos,
                        f"needs skill(s) {sorted(missing)} that courier {courier.id!r} lacks",
                    )
                )
            if not courier.takes(task.kind):
                found.append(
                    _stop_violation(
                        ViolationKind.KIND,
                        route,
                        pos,
                        f"is of kind {task.kind!r}, which courier {courier.id!r} does not take",
                    )
                )
    if courier is None:
        return found
    if courier.max_tasks is not None and len(tasks_seen) > courier.max_tasks:
        found.append(
            _route_violation(
                ViolationKind.TASK_CAP,
                route,
                f"carries {len(tasks_seen)} tasks, courier {courier.id!r} takes at most "
                f"{courier.max_tasks}",
                (len(tasks_seen), courier.max_tasks),
            )
        )
    _check_own_order(route, courier, tally, found)
    _check_schedule(index, route, courier, placed, endpoints_ok, found)
    return found


def _check_endpoints(route: Route, found: list[Violation]) -> bool:
    """START first, END last, both naming the route's courier, none in between."""
    stops = route.stops
    if not stops:
        found.append(_route_violation(ViolationKind.BAD_ENDPOINTS, route, "the route has no stops"))
        return False
    ok = True
    first, last = stops[0], stops[-1]
    if first.role is not StopRole.START or first.ref != route.courier_id:
        ok = False
        found.append(
            _stop_violation(
                ViolationKind.BAD_ENDPOINTS,
                route,
                0,
                f"the first stop is {first.role.name} {first.ref!r}, "
                f"not START {route.courier_id!r}",
                (0,),
            )
        )
    if len(stops) < 2 or last.role is not StopRole.END or last.ref != route.courier_id:
        ok = False
        found.append(
            _stop_violation(
                ViolationKind.BAD_ENDPOINTS,
                route,
                len(stops) - 1,
                f"the last stop is {last.role.name} {last.ref!r}, not END {route.courier_id!r}",
                (len(stops) - 1,),
            )
        )
    for pos in range(1, len(stops) - 1):
        if stops[pos].role in _ENDPOINT_ROLES:
            ok = False
            found.append(
                _stop_violation(
                    ViolationKind.BAD_ENDPOINTS,
                    route,
                    pos,
                    f"{stops[pos].role.name} stop in the middle of the route (position {pos})",
                    (pos,),
                )
            )
    return ok


def _place(
    index: _Index, route: Route, pos: int, courier: Courier | None, found: list[Violation]
) -> _Placed:
    """Resolve a planned stop against the problem; report unknown ids and wrong roles."""
    stop = route.stops[pos]
    role = stop.role
    zero = (0,) * index.problem.dimensions
    if role is StopRole.START:
        return _Placed(courier.start, None, zero) if courier is not None else _NOWHERE
    if role is StopRole.END:
        if courier is None:
            return _NOWHERE
        return _Placed(courier.end, None, zero)  # location None + END = open end
    if role is StopRole.OWN:
        return _place_own(index, route, pos, courier, found, zero)
    task = index.tasks.get(stop.ref)
    if task is None:
        found.append(
            _stop_violation(
                ViolationKind.UNKNOWN_TASK,
                route,
                pos,
                f"{role.name} stop names no task of the problem ({stop.ref!r})",
            )
        )
        return _NOWHERE
    load = index.load(task)
    if isinstance(task, Visit):
        if role is not StopRole.VISIT:
            found.append(
                _stop_violation(
                    ViolationKind.ROLE_MISMATCH,
                    route,
                    pos,
                    f"{role.name} stop for a visit; a visit has one VISIT stop",
                )
            )
        # The place and the load of a visit are unambiguous whatever the role says.
        return _Placed(task.stop.location, task.stop, load, task)
    if role is StopRole.VISIT:
        found.append(
            _stop_violation(
                ViolationKind.ROLE_MISMATCH,
                route,
                pos,
                f"VISIT stop for a {type(task).__name__}; it needs PICKUP and DROPOFF stops",
            )
        )
        return _NOWHERE
    pickup, dropoff = index.pair_stops(task)
    if role is StopRole.PICKUP:
        return _Placed(pickup.location, pickup, load, task)
    return _Placed(dropoff.location, dropoff, tuple(-x for x in load), task)


def _place_own(
    index: _Index,
    route: Route,
    pos: int,
    courier: Courier | None,
    found: list[Violation],
    zero: tuple[int, ...],
) -> _Placed:
    ref = route.stops[pos].ref
    if courier is None:
        return _NOWHERE
    own = index.own_stops[courier.id].get(ref)
    if own is not None:
        return _Placed(own.stop.location, own.stop, zero)
    owners = index.own_owner.get(ref)
    if owners is None:
        found.append(
            _stop_violation(
                ViolationKind.UNKNOWN_OWN_STOP,
                route,
                pos,
                f"OWN stop names no own stop of any courier ({ref!r})",
            )
        )
        return _NOWHERE
    names = ", ".join(repr(cid) for cid, _ in owners)
    found.append(
        _stop_violation(
            ViolationKind.OWN_STOP_FOREIGN,
            route,
            pos,
            f"own stop of courier {names}, not of {courier.id!r}",
        )
    )
    other = owners[0][1]
    return _Placed(other.stop.location, other.stop, zero)


def _check_own_order(route: Route, courier: Courier, tally: _Tally, found: list[Violation]) -> None:
    """The courier's own stops on this route come in the courier's order."""
    rank = {own.id: k for k, own in enumerate(courier.own_stops)}
    served = tally.own_served.setdefault(courier.id, Counter())
    latest = -1
    latest_id = ""
    for pos, stop in enumerate(route.stops):
        if stop.role is not StopRole.OWN or stop.ref not in rank:
            continue
        served[stop.ref] += 1
        if served[stop.ref] > 1:
            continue  # a repeat is reported as OWN_STOP_DUPLICATED, not as disorder
        k = rank[stop.ref]
        if k < latest:
            found.append(
                _stop_violation(
                    ViolationKind.OWN_STOP_ORDER,
                    route,
                    pos,
                    f"own stop #{k + 1} served after own stop #{latest + 1} ({latest_id!r})",
                    (k, latest),
                )
            )
        else:
            latest, latest_id = k, stop.ref


def _check_schedule(
    index: _Index,
    route: Route,
    courier: Courier,
    placed: list[_Placed],
    endpoints_ok: bool,
    found: list[Violation],
) -> None:
    """Travel, schedule, windows, shift, loads, totals and detour of a known courier's route."""
    stops = route.stops
    n = len(stops)
    if n == 0:
        return
    # One matrix per route: its places plus what the detour baseline needs.
    slots: dict[Location, int] = {courier.start: 0}
    if courier.end is not None:
        slots.setdefault(courier.end, len(slots))
    slot_of = [_UNPLACED] * n
    for pos, where in enumerate(placed):
        if where.location is not None:
            slot_of[pos] = slots.setdefault(where.location, len(slots))
        elif stops[pos].role is StopRole.END and where.delta is not None:
            slot_of[pos] = _OPEN_END
    if courier.detour_budget_s is not None:
        for own in courier.own_stops:
            slots.setdefault(own.stop.location, len(slots))
    matrix = index.problem.travel.matrix(list(slots), courier.profile)
    travel_s, distance_m = _legs(slot_of, matrix.durations_s, matrix.distances_m)

    _check_times(route, courier, placed, travel_s, found)
    _check_loads(route, courier, placed, found)

    if not endpoints_ok:
        return
    duration = stops[-1].arrival_s - stops[0].departure_s
    if route.duration_s != duration:
        found.append(
            _route_violation(
                ViolationKind.ROUTE_TOTALS,
                route,
                f"duration_s is {route.duration_s} but END arrives {duration} s after START leaves",
                (route.duration_s, duration),
            )
        )
    if any(d is None for d in distance_m):
        return  # some stop could not be placed (already reported)
    distance = sum(d for d in distance_m if d is not None)
    if route.distance_m != distance:
        found.append(
            _route_violation(
                ViolationKind.ROUTE_TOTALS,
                route,
                f"distance_m is {route.distance_m} but the stops add up to {distance} m",
                (route.distance_m, distance),
            )
        )
    if courier.detour_budget_s is not None:
        busy = sum(t for t in travel_s if t is not None) + sum(
            w.stop.service_s for w in placed if w.stop is not None
        )
        baseline = _baseline_s(courier, slots, matrix.durations_s)
        if busy - baseline > courier.detour_budget_s:
            found.append(
                _route_violation(
                    ViolationKind.DETOUR,
                    route,
                    f"busy for {busy} s against {baseline} s for the own stops alone: "
                    f"{busy - baseline} s of detour, budget {courier.detour_budget_s} s",
                    (busy, baseline, courier.detour_budget_s),
                )
            )


def _legs(
    slot_of: Sequence[int], durations: IntMatrix, distances: IntMatrix
) -> tuple[list[int | None], list[int | None]]:
    """Travel time and distance into each stop after the first (None where unknown)."""
    if len(slot_of) < 2:
        return [], []
    frm = np.asarray(slot_of[:-1], dtype=np.intp)
    to = np.asarray(slot_of[1:], dtype=np.intp)
    known = (frm >= 0) & (to >= 0)
    a, b = np.where(known, frm, 0), np.where(known, to, 0)
    dur: list[int] = durations[a, b].tolist()
    dist: list[int] = distances[a, b].tolist()
    travel_s: list[int | None] = []
    distance_m: list[int | None] = []
    for k, ok in enumerate(known.tolist()):
        if to[k] == _OPEN_END and frm[k] != _UNPLACED:
            travel_s.append(0)  # the route ends where its last stop is
            distance_m.append(0)
        elif ok:
            travel_s.append(dur[k])
            distance_m.append(dist[k])
        else:
            travel_s.append(None)
            distance_m.append(None)
    return travel_s, distance_m


def _baseline_s(courier: Courier, slots: dict[Location, int], durations: IntMatrix) -> int:
    """Busy time of start -> own stops in order -> end (no travel to an open end)."""
    path = [slots[courier.start]] + [slots[own.stop.location] for own in courier.own_stops]
    if courier.end is not None:
        path.append(slots[courier.end])
    rows = np.asarray(path, dtype=np.intp)
    travel = int(durations[rows[:-1], rows[1:]].sum()) if len(path) > 1 else 0
    return travel + sum(own.stop.service_s for own in courier.own_stops)


def _check_times(
    route: Route,
    courier: Courier,
    placed: list[_Placed],
    travel_s: list[int | None],
    found: list[Violation],
) -> None:
    """Each stop's times against the previous departure, its service, windows and the shift."""
    stops = route.stops
    for pos, stop in enumerate(stops):
        where = placed[pos]
        if pos > 0:
            travel = travel_s[pos - 1]
            previous = stops[pos - 1].departure_s
            earliest = previous + (travel or 0)
            if stop.arrival_s < earliest:
                found.append(
                    _stop_violation(
                        ViolationKind.TRAVEL_TIME,
                        route,
                        pos,
                        f"arrives at {stop.arrival_s} s, but leaving the previous stop at "
                        f"{previous} s with {travel or 0} s of travel means {earliest} s "
                        "at the earliest",
                        (stop.arrival_s, previous, travel or 0),
                    )
                )
        times = (stop.arrival_s, stop.start_s, stop.departure_s)
        if stop.role in _ENDPOINT_ROLES:
            if not stop.arrival_s == stop.start_s == stop.departure_s:
                found.append(
                    _stop_violation(
                        ViolationKind.SCHEDULE,
                        route,
                        pos,
                        f"{stop.role.name} needs arrival = start = departure, got {times}",
                        (*times, 0),
                    )
                )
        else:
            service = where.stop.service_s if where.stop is not None else None
            if stop.start_s < stop.arrival_s:
                found.append(
                    _stop_violation(
                        ViolationKind.SCHEDULE,
                        route,
                        pos,
                        f"service starts at {stop.start_s} s, before arrival at {stop.arrival_s} s",
                        (*times, -1 if service is None else service),
                    )
                )
            if service is not None and stop.departure_s != stop.start_s + service:
                found.append(
                    _stop_violation(
                        ViolationKind.SCHEDULE,
                        route,
                        pos,
                        f"departs at {stop.departure_s} s, but service starting at "
                        f"{stop.start_s} s takes {service} s, so departure is "
                        f"{stop.start_s + service} s",
                        (*times, service),
                    )
                )
        if where.stop is not None and not _within(stop.start_s, where.stop):
            shown = ", ".join(f"[{w.earliest_s}, {w.latest_s}]" for w in where.stop.windows)
            found.append(
                _stop_violation(
                    ViolationKind.TIME_WINDOW,
                    route,
                    pos,
                    f"service starts at {stop.start_s} s, outside its window(s) {shown}",
                    (stop.start_s,),
                )
            )
    shift = courier.shift
    first, last = stops[0], stops[-1]
    if first.role is StopRole.START and first.departure_s < shift.earliest_s:
        found.append(
            _stop_violation(
                ViolationKind.SHIFT,
                route,
                0,
                f"leaves at {first.departure_s} s, before the shift starts at {shift.earliest_s} s",
                (first.departure_s, shift.earliest_s, shift.latest_s),
            )
        )
    if last.role is StopRole.END and last.arrival_s > shift.latest_s:
        found.append(
            _stop_violation(
                ViolationKind.SHIFT,
                route,
                len(stops) - 1,
                f"ends at {last.arrival_s} s, after the shift ends at {shift.latest_s} s",
                (last.arrival_s, shift.earliest_s, shift.latest_s),
            )
        )


def _check_loads(
    route: Route, courier: Courier, placed: list[_Placed], found: list[Violation]
) -> None:
    """Recompute the load stop by stop; report leaving [0, capacity] and differing claims.

    At a stop whose load change is unknown (unknown id, wrong role) the plan's
    ``load_after`` is taken as it is, so one bad stop does not taint the rest.
    """
    capacity = courier.capacity
    dims = len(capacity)
    load = [0] * dims
    outside = [False] * dims
    for pos, (stop, where) in enumerate(zip(route.stops, placed, strict=True)):
        claimed = stop.load_after
        if where.delta is None:
            if len(claimed) == dims:
                load = list(claimed)
        else:
            load = [x + d for x, d in zip(load, where.delta, strict=True)]
            if tuple(load) != tuple(claimed):
                found.append(
                    _stop_violation(
                        ViolationKind.LOAD_MISMATCH,
                        route,
                        pos,
                        f"load_after is {tuple(claimed)}, recomputed {tuple(load)}",
                        (*claimed, *load),
                    )
                )
        now = [not 0 <= x <= c for x, c in zip(load, capacity, strict=True)]
        entered = [d for d in range(dims) if now[d] and not outside[d]]
        outside = now
        if entered:
            found.append(
                _stop_violation(
                    ViolationKind.CAPACITY,
                    route,
                    pos,
                    f"load {tuple(load)} outside [0, {tuple(capacity)}] in dimension(s) {entered}",
                    (*load, *capacity),
                )
            )


# --- across routes -----------------------------------------------------------------------------


def _check_tasks(index: _Index, tally: _Tally, unassigned: Counter[str]) -> Iterable[Violation]:
    """Every task routed once or unassigned once; pairs together, in order, in time."""
    for task in index.problem.tasks:
        seen = tally.task_stops.get(task.id, [])
        left_out = unassigned.get(task.id, 0)
        if not seen and not left_out:
            yield Violation(
                kind=ViolationKind.TASK_MISSING,
                ref=task.id,
                courier_id=None,
                detail="the task is neither on a route nor unassigned",
            )
            continue
        if isinstance(task, Visit):
            routed = len(seen)
            yield from _duplication(task.id, routed, left_out, seen)
            continue
        pickups = [s for s in seen if s.role is StopRole.PICKUP]
        dropoffs = [s for s in seen if s.role is StopRole.DROPOFF]
        routed = max(len(pickups), len(dropoffs), 1 if seen else 0)
        duplicated = list(_duplication(task.id, routed, left_out, seen))
        yield from duplicated
        if duplicated or not (pickups or dropoffs):
            continue  # only wrong-role stops: reported as ROLE_MISMATCH
        counts = (len(pickups), len(dropoffs))
        if not pickups or not dropoffs:
            there = (pickups or dropoffs)[0]
            lacking = "drop-off" if pickups else "pickup"
            yield Violation(
                kind=ViolationKind.PAIR_SPLIT,
                ref=task.id,
                courier_id=there.courier_id,
                detail=f"the {lacking} is on no route",
                values=counts,
                stop_index=there.position,
            )
            continue
        pick, drop = pickups[0], dropoffs[0]
        if pick.route_no != drop.route_no:
            yield Violation(
                kind=ViolationKind.PAIR_SPLIT,
                ref=task.id,
                courier_id=pick.courier_id,
                detail=f"pickup on route #{pick.route_no} ({pick.courier_id!r}), drop-off on "
                f"route #{drop.route_no} ({drop.courier_id!r})",
                values=counts,
                stop_index=pick.position,
            )
            continue
        if drop.position < pick.position:
            yield Violation(
                kind=ViolationKind.PRECEDENCE,
                ref=task.id,
                courier_id=pick.courier_id,
                detail=f"drop-off at position {drop.position} before pickup at {pick.position}",
                values=(pick.position, drop.position),
                stop_index=drop.position,
            )
            continue
        if task.max_ride_s is None:
            continue
        pickup_stop, _ = index.pair_stops(task)
        ride = drop.start_s - (pick.start_s + pickup_stop.service_s)
        if ride > task.max_ride_s:
            yield Violation(
                kind=ViolationKind.MAX_RIDE_TIME,
                ref=task.id,
                courier_id=pick.courier_id,
                detail=f"{ride} s from leaving the pickup to starting the drop-off, "
                f"max_ride_s {task.max_ride_s}",
                values=(ride, task.max_ride_s),
                stop_index=drop.position,
            )


def _duplication(
    task_id: str, routed: int, left_out: int, seen: Sequence[_Seen]
) -> Iterable[Violation]:
    """TASK_DUPLICATED when served twice, unassigned twice, or both."""
    if routed <= 1 and left_out <= 1 and not (routed and left_out):
        return
    if routed > 1:
        how = f"served {routed} times"
    elif left_out > 1:
        how = f"unassigned {left_out} times"
    else:
        how = "both on a route and unassigned"
    if routed > 1 and left_out:
        how += f" and unassigned {left_out} time(s)"
    yield Violation(
        kind=ViolationKind.TASK_DUPLICATED,
        ref=task_id,
        courier_id=seen[0].courier_id if seen else None,
        detail=f"the task is {how}",
        values=(routed, left_out),
    )


def _check_own_stop_coverage(couriers: Sequence[Courier], tally: _Tally) -> Iterable[Violation]:
    """Every own stop served exactly once by its courier."""
    for courier in couriers:
        served = tally.own_served.get(courier.id, Counter())
        for own in courier.own_stops:
            times = served[own.id]
            if times == 0:
                yield Violation(
                    kind=ViolationKind.OWN_STOP_MISSING,
                    ref=own.id,
                    courier_id=courier.id,
                    detail=f"own stop of {courier.id!r} is not on its route",
                )
            elif times > 1:
                yield Violation(
                    kind=ViolationKind.OWN_STOP_DUPLICATED,
                    ref=own.id,
                    courier_id=courier.id,
                    detail=f"own stop served {times} times",
                    values=(times,),
                )
