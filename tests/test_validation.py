"""Tests of the independent plan validator, :mod:`dispatch.validation`.

One small problem, hand-checked: five places with a travel matrix (distances are
ten times the durations), two couriers and four tasks.

- ``c1``: closed route 0 -> 0, capacity (2 bags, 1 cold box), skill "lift", own
  stops ``p1`` (node 4, window [0, 500], 5 s) then ``p2`` (node 2), detour budget 40 s.
- ``c2``: open end, capacity (1, 1), skill "lift".
- ``e1``: errand 1 -> 2 needing "lift", load (1, 0); ``m1``: meal 1 -> 3 ready at 20 s,
  max ride 100 s, load (0, 1); ``v1``: visit at 3, window [50, 400], load (1, 0) carried
  to the end; ``e2``: errand left unassigned.

The valid plan is written out by hand below; each test of a violation changes it
(or the problem) in exactly one way.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import attrs
import pytest

from dispatch.errors import DispatchError
from dispatch.model import (
    Courier,
    Errand,
    Location,
    MealDelivery,
    OwnStop,
    Problem,
    Stop,
    TimeWindow,
    TravelProfile,
    Visit,
)
from dispatch.plan import (
    ObjectiveParts,
    Plan,
    PlannedStop,
    Route,
    SolveStatus,
    StopRole,
    Unassigned,
    UnassignedReason,
)
from dispatch.travel import MatrixTravel, TravelMatrix
from dispatch.validation import PlanViolationError, Violation, ViolationKind, check, validate

K = ViolationKind
START, END, PICKUP, DROPOFF, VISIT, OWN = (
    StopRole.START,
    StopRole.END,
    StopRole.PICKUP,
    StopRole.DROPOFF,
    StopRole.VISIT,
    StopRole.OWN,
)

DURATIONS_S = [
    [0, 10, 20, 30, 15],
    [10, 0, 12, 25, 10],
    [20, 12, 0, 8, 14],
    [30, 25, 8, 0, 20],
    [15, 10, 14, 20, 0],
]
DISTANCES_M = [[10 * d for d in row] for row in DURATIONS_S]


def node(k: int) -> Location:
    """The place with travel-matrix key ``k``."""
    return Location(node=k)


C1 = Courier(
    id="c1",
    start=node(0),
    end=node(0),
    shift=TimeWindow(0, 1000),
    capacity=(2, 1),
    skills={"lift"},
    own_stops=[
        OwnStop(id="p1", stop=Stop(location=node(4), windows=[(0, 500)], service_s=5)),
        OwnStop(id="p2", stop=Stop(location=node(2))),
    ],
    detour_budget_s=40,
)
C2 = Courier(id="c2", start=node(0), shift=TimeWindow(0, 1000), capacity=(1, 1), skills="lift")
E1 = Errand(
    id="e1",
    pickup=Stop(location=node(1), service_s=2),
    dropoff=Stop(location=node(2), windows=[(0, 300)], service_s=3),
    load=(1, 0),
    skills={"lift"},
)
M1 = MealDelivery(
    id="m1",
    kitchen=Stop(location=node(1), windows=[(0, 600)], service_s=4),
    home=Stop(location=node(3), service_s=1),
    ready_s=20,
    max_ride_s=100,
    load=(0, 1),
)
V1 = Visit(id="v1", stop=Stop(location=node(3), windows=[(50, 400)], service_s=10), load=(1, 0))
E2 = Errand(id="e2", pickup=Stop(location=node(2)), dropoff=Stop(location=node(4)), load=(1, 0))

PROBLEM = Problem(
    tasks=[E1, M1, V1, E2],
    couriers=[C1, C2],
    travel=MatrixTravel(nodes=range(5), durations_s=DURATIONS_S, distances_m=DISTANCES_M),
)


def at(
    role: StopRole, ref: str, arrival_s: int, start_s: int, departure_s: int, *load: int
) -> PlannedStop:
    """A planned stop, positionally: role, ref, arrival, start, departure, load after."""
    return PlannedStop(
        role=role,
        ref=ref,
        arrival_s=arrival_s,
        start_s=start_s,
        departure_s=departure_s,
        load_after=load,
    )


# c1 travels 10 + 0 + 10 + 14 + 0 + 8 + 30 = 72 s (720 m) and serves 2+4+5+3+0+1 = 15 s:
# busy 87 s against 15 + 14 + 20 + 5 = 54 s for p1, p2 alone, a detour of 33 s <= 40 s.
ROUTE_C1 = Route(
    courier_id="c1",
    distance_m=720,
    duration_s=95,
    stops=(
        at(START, "c1", 0, 0, 0, 0, 0),
        at(PICKUP, "e1", 10, 10, 12, 1, 0),
        at(PICKUP, "m1", 12, 20, 24, 1, 1),  # waits for the meal, ready at 20 s
        at(OWN, "p1", 34, 34, 39, 1, 1),
        at(DROPOFF, "e1", 53, 53, 56, 0, 1),
        at(OWN, "p2", 56, 56, 56, 0, 1),
        at(DROPOFF, "m1", 64, 64, 65, 0, 0),  # ride 64 - (20 + 4) = 40 s <= 100 s
        at(END, "c1", 95, 95, 95, 0, 0),
    ),
)
# c2 waits for the visit window at 50 s; the open end costs no travel; v1's load stays on.
ROUTE_C2 = Route(
    courier_id="c2",
    distance_m=300,
    duration_s=60,
    stops=(
        at(START, "c2", 0, 0, 0, 0, 0),
        at(VISIT, "v1", 30, 50, 60, 1, 0),
        at(END, "c2", 60, 60, 60, 1, 0),
    ),
)
PLAN = Plan(
    routes=(ROUTE_C1, ROUTE_C2),
    unassigned=(Unassigned(task_id="e2", reason=UnassignedReason.COST, detail="too far"),),
    objective=ObjectiveParts(distance_m=1020, fixed_cost=0, penalty=1),
    status=SolveStatus.FEASIBLE,
    runtime_s=0.0,
)

C1_STEPS = [
    (PICKUP, "e1"),
    (PICKUP, "m1"),
    (OWN, "p1"),
    (DROPOFF, "e1"),
    (OWN, "p2"),
    (DROPOFF, "m1"),
]


# --- helpers -----------------------------------------------------------------------------------


def build_route(problem: Problem, courier_id: str, steps: Sequence[tuple[StopRole, str]]) -> Route:
    """The earliest schedule of ``steps`` with loads and totals, to build otherwise valid routes."""
    courier = problem.courier(courier_id)
    zero = (0,) * len(courier.capacity)
    served: list[tuple[Stop, tuple[int, ...]]] = []
    for role, ref in steps:
        if role is OWN:
            own = next(o for c in problem.couriers for o in c.own_stops if o.id == ref)
            served.append((own.stop, zero))
            continue
        task = problem.task(ref)
        load = problem.load_of(task)
        if isinstance(task, Visit):
            served.append((task.stop, load))
        elif role is PICKUP:
            served.append((task.pickup, load))
        else:
            served.append((task.dropoff, tuple(-x for x in load)))
    places = [courier.start] + [stop.location for stop, _ in served]
    places += [courier.end] if courier.end is not None else []
    matrix = problem.travel.matrix(places, courier.profile)
    t = courier.shift.earliest_s
    load = zero
    distance = 0
    out = [at(START, courier_id, t, t, t, *zero)]
    for k, ((role, ref), (stop, delta)) in enumerate(zip(steps, served, strict=True)):
        arrival = t + int(matrix.durations_s[k, k + 1])
        distance += int(matrix.distances_m[k, k + 1])
        open_windows = [w for w in stop.windows if w.latest_s >= arrival]
        start = max(arrival, open_windows[0].earliest_s) if open_windows else arrival
        t = start + stop.service_s
        load = tuple(a + b for a, b in zip(load, delta, strict=True))
        out.append(at(role, ref, arrival, start, t, *load))
    if courier.end is not None:
        t += int(matrix.durations_s[len(steps), len(steps) + 1])
        distance += int(matrix.distances_m[len(steps), len(steps) + 1])
    out.append(at(END, courier_id, t, t, t, *load))
    return Route(
        courier_id=courier_id,
        stops=tuple(out),
        distance_m=distance,
        duration_s=t - courier.shift.earliest_s,
    )


def kinds(problem: Problem, plan: Plan) -> set[ViolationKind]:
    """The kinds of violation the validator finds."""
    return {v.kind for v in validate(problem, plan)}


def with_route(plan: Plan, route: Route) -> Plan:
    """``plan`` with the route of ``route.courier_id`` replaced (or added)."""
    kept = tuple(r for r in plan.routes if r.courier_id != route.courier_id)
    return attrs.evolve(plan, routes=(*kept, route))


def with_stop(plan: Plan, courier_id: str, position: int, **changes: Any) -> Plan:
    """``plan`` with one planned stop of one route changed."""
    route = plan.route_of(courier_id)
    assert route is not None
    stops = list(route.stops)
    stops[position] = attrs.evolve(stops[position], **changes)
    return with_route(plan, attrs.evolve(route, stops=tuple(stops)))


def with_courier(problem: Problem, courier_id: str, **changes: Any) -> Problem:
    """``problem`` with one courier changed."""
    couriers = [attrs.evolve(c, **changes) if c.id == courier_id else c for c in problem.couriers]
    return attrs.evolve(problem, couriers=couriers)


def with_task(problem: Problem, task_id: str, **changes: Any) -> Problem:
    """``problem`` with one task changed."""
    tasks = [attrs.evolve(t, **changes) if t.id == task_id else t for t in problem.tasks]
    return attrs.evolve(problem, tasks=tasks)


def leave_out(*task_ids: str) -> tuple[Unassigned, ...]:
    """Unassigned entries for these task ids."""
    return tuple(Unassigned(task_id=t, reason=UnassignedReason.COST, detail="") for t in task_ids)


def without_budget(problem: Problem) -> Problem:
    """``problem`` with c1's detour budget lifted, for reorderings that lengthen its route."""
    return with_courier(problem, "c1", detour_budget_s=None)


# --- the valid plan ----------------------------------------------------------------------------


def test_hand_written_plan_is_valid() -> None:
    """The hand-checked plan breaks no rule and check() accepts it."""
    assert validate(PROBLEM, PLAN) == []
    check(PROBLEM, PLAN)


def test_build_route_reproduces_the_hand_written_routes() -> None:
    """The test helper schedules exactly the hand-checked routes (so its routes can be trusted)."""
    assert build_route(PROBLEM, "c1", C1_STEPS) == ROUTE_C1
    assert build_route(PROBLEM, "c2", [(VISIT, "v1")]) == ROUTE_C2


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("detour exactly at budget", with_courier(PROBLEM, "c1", detour_budget_s=33)),
        ("ride exactly at max", with_task(PROBLEM, "m1", max_ride_s=40)),
        ("capacity exactly reached", with_courier(PROBLEM, "c2", capacity=(1, 0))),
        ("end exactly at shift end", with_courier(PROBLEM, "c2", shift=TimeWindow(0, 60))),
        (
            "start exactly at window end",
            with_task(
                PROBLEM,
                "v1",
                stop=Stop(location=node(3), windows=[(0, 10), (20, 50)], service_s=10),
            ),
        ),
    ],
)
def test_limits_are_inclusive(name: str, problem: Problem) -> None:
    """A plan that meets a limit exactly is valid."""
    assert validate(problem, PLAN) == []


# --- each violation ----------------------------------------------------------------------------

Mutation = Callable[[Problem, Plan], tuple[Problem, Plan]]


def plan_only(change: Callable[[Plan], Plan]) -> Mutation:
    """A mutation of the plan alone."""
    return lambda problem, plan: (problem, change(plan))


def problem_only(change: Callable[[Problem], Problem]) -> Mutation:
    """A mutation of the problem alone."""
    return lambda problem, plan: (change(problem), plan)


def rerouted(
    courier_id: str, steps: Sequence[tuple[StopRole, str]], budget: bool = True
) -> Mutation:
    """Replace one route by the earliest schedule of ``steps`` (optionally lifting c1's budget)."""

    def change(problem: Problem, plan: Plan) -> tuple[Problem, Plan]:
        problem = problem if budget else without_budget(problem)
        return problem, with_route(plan, build_route(problem, courier_id, steps))

    return change


def _renamed_c2(plan: Plan) -> Plan:
    stops = tuple(
        attrs.evolve(s, ref="ghost") if s.role in (START, END) else s for s in ROUTE_C2.stops
    )
    ghost = attrs.evolve(ROUTE_C2, courier_id="ghost", stops=stops)
    return attrs.evolve(plan, routes=(ROUTE_C1, ghost))


def _with_idle_c3(problem: Problem, plan: Plan) -> tuple[Problem, Plan]:
    c3 = attrs.evolve(C2, id="c3")
    problem = attrs.evolve(problem, couriers=[*problem.couriers, c3])
    return problem, with_route(plan, build_route(problem, "c3", []))


def _own_p1_window(problem: Problem) -> Problem:
    p1 = OwnStop(id="p1", stop=Stop(location=node(4), windows=[(0, 30)], service_s=5))
    return with_courier(problem, "c1", own_stops=[p1, C1.own_stops[1]])


def _c2_without_end(plan: Plan) -> Plan:
    return with_route(plan, attrs.evolve(ROUTE_C2, stops=ROUTE_C2.stops[:-1]))


def _c2_end_twice(plan: Plan) -> Plan:
    stops = (ROUTE_C2.stops[0], at(END, "c2", 0, 0, 0, 0, 0), *ROUTE_C2.stops[1:])
    return with_route(plan, attrs.evolve(ROUTE_C2, stops=stops))


C1_WITHOUT_E1_DROPOFF = [s for s in C1_STEPS if s != (DROPOFF, "e1")]

CASES: list[tuple[str, Mutation, set[ViolationKind]]] = [
    ("route of an unknown courier", plan_only(_renamed_c2), {K.UNKNOWN_COURIER}),
    (
        "two routes for one courier",
        plan_only(lambda p: attrs.evolve(p, routes=(*p.routes, ROUTE_C2))),
        {K.DUPLICATE_ROUTE, K.TASK_DUPLICATED},
    ),
    ("route serving nothing", _with_idle_c3, {K.EMPTY_ROUTE}),
    (
        "stop of an unknown task",
        plan_only(lambda p: with_stop(p, "c2", 1, ref="nope")),
        {K.UNKNOWN_TASK, K.TASK_MISSING},
    ),
    (
        "unassigned entry of an unknown task",
        plan_only(lambda p: attrs.evolve(p, unassigned=leave_out("e2", "nope"))),
        {K.UNKNOWN_TASK},
    ),
    (
        "own stop nobody has",
        plan_only(lambda p: with_stop(p, "c1", 5, ref="p9")),
        {K.UNKNOWN_OWN_STOP, K.OWN_STOP_MISSING},
    ),
    (
        "START naming another courier",
        plan_only(lambda p: with_stop(p, "c1", 0, ref="c2")),
        {K.BAD_ENDPOINTS},
    ),
    ("route without END", plan_only(_c2_without_end), {K.BAD_ENDPOINTS}),
    ("END in the middle", plan_only(_c2_end_twice), {K.BAD_ENDPOINTS}),
    (
        "task neither routed nor unassigned",
        plan_only(lambda p: attrs.evolve(p, unassigned=())),
        {K.TASK_MISSING},
    ),
    (
        "task unassigned twice",
        plan_only(lambda p: attrs.evolve(p, unassigned=leave_out("e2", "e2"))),
        {K.TASK_DUPLICATED},
    ),
    (
        "task routed and unassigned",
        plan_only(lambda p: attrs.evolve(p, unassigned=leave_out("e2", "v1"))),
        {K.TASK_DUPLICATED},
    ),
    (
        "visit served on two routes",
        rerouted("c1", [*C1_STEPS, (VISIT, "v1")], budget=False),
        {K.TASK_DUPLICATED},
    ),
    ("drop-off missing", rerouted("c1", C1_WITHOUT_E1_DROPOFF), {K.PAIR_SPLIT}),
    (
        "pickup and drop-off on different routes",
        lambda problem, plan: rerouted("c2", [(VISIT, "v1"), (DROPOFF, "e1")])(
            *rerouted("c1", C1_WITHOUT_E1_DROPOFF)(problem, plan)
        ),
        {K.PAIR_SPLIT},
    ),
    (
        "drop-off before pickup (the load goes negative too)",
        rerouted("c1", [(DROPOFF, "e1"), (PICKUP, "e1"), *C1_STEPS[1:3], *C1_STEPS[4:]], False),
        {K.PRECEDENCE, K.CAPACITY},
    ),
    (
        "arrival before the travel time allows",
        plan_only(lambda p: with_stop(p, "c1", 4, arrival_s=52)),
        {K.TRAVEL_TIME},
    ),
    (
        "open end reached before the last departure",
        plan_only(
            lambda p: with_route(
                p,
                attrs.evolve(
                    ROUTE_C2,
                    duration_s=59,
                    stops=(*ROUTE_C2.stops[:2], at(END, "c2", 59, 59, 59, 1, 0)),
                ),
            )
        ),
        {K.TRAVEL_TIME},
    ),
    (
        "service starting before arrival",
        plan_only(lambda p: with_stop(p, "c1", 4, start_s=52, departure_s=55)),
        {K.SCHEDULE},
    ),
    (
        "departure before service ends",
        plan_only(lambda p: with_stop(p, "c1", 4, departure_s=55)),
        {K.SCHEDULE},
    ),
    (
        "waiting at END",
        plan_only(lambda p: with_stop(p, "c1", 7, start_s=96, departure_s=96)),
        {K.SCHEDULE},
    ),
    (
        "visit before its window",
        plan_only(lambda p: with_stop(p, "c2", 1, start_s=40, departure_s=50)),
        {K.TIME_WINDOW},
    ),
    (
        "meal collected before it is ready",
        plan_only(lambda p: with_stop(p, "c1", 2, start_s=12, departure_s=16)),
        {K.TIME_WINDOW},
    ),
    ("own stop after its window", problem_only(_own_p1_window), {K.TIME_WINDOW}),
    (
        "leaving before the shift",
        problem_only(lambda p: with_courier(p, "c1", shift=TimeWindow(1, 1000))),
        {K.SHIFT},
    ),
    (
        "open end after the shift",
        problem_only(lambda p: with_courier(p, "c2", shift=TimeWindow(0, 59))),
        {K.SHIFT},
    ),
    (
        "second capacity dimension exceeded",
        problem_only(lambda p: with_courier(p, "c1", capacity=(1, 0))),
        {K.CAPACITY},
    ),
    (
        "visit load over capacity",
        problem_only(lambda p: with_courier(p, "c2", capacity=(0, 1))),
        {K.CAPACITY},
    ),
    (
        "load_after differs",
        plan_only(lambda p: with_stop(p, "c1", 3, load_after=(1, 0))),
        {K.LOAD_MISMATCH},
    ),
    (
        "load_after of the wrong length",
        plan_only(lambda p: with_stop(p, "c1", 0, load_after=(0,))),
        {K.LOAD_MISMATCH},
    ),
    (
        "meal ride too long",
        problem_only(lambda p: with_task(p, "m1", max_ride_s=39)),
        {K.MAX_RIDE_TIME},
    ),
    (
        "errand ride too long",
        problem_only(lambda p: with_task(p, "e1", max_ride_s=40)),
        {K.MAX_RIDE_TIME},
    ),
    (
        "courier lacks a skill",
        problem_only(lambda p: with_courier(p, "c1", skills=())),
        {K.SKILL},
    ),
    (
        "courier does not take the kinds",
        problem_only(lambda p: with_courier(p, "c1", accepts=["water"])),
        {K.KIND},
    ),
    (
        "courier over its task cap",
        problem_only(lambda p: with_courier(p, "c1", max_tasks=1)),
        {K.TASK_CAP},
    ),
    (
        "own stop left out",
        rerouted("c1", [s for s in C1_STEPS if s != (OWN, "p2")]),
        {K.OWN_STOP_MISSING},
    ),
    (
        "own stops swapped",
        rerouted(
            "c1",
            [*C1_STEPS[:2], (OWN, "p2"), (OWN, "p1"), *C1_STEPS[3:4], *C1_STEPS[5:]],
            budget=False,
        ),
        {K.OWN_STOP_ORDER},
    ),
    (
        "own stop served twice",
        rerouted("c1", [*C1_STEPS[:5], (OWN, "p2"), *C1_STEPS[5:]]),
        {K.OWN_STOP_DUPLICATED},
    ),
    (
        "own stop of another courier",
        rerouted("c2", [(VISIT, "v1"), (OWN, "p2")]),
        {K.OWN_STOP_FOREIGN},
    ),
    (
        "detour over budget",
        problem_only(lambda p: with_courier(p, "c1", detour_budget_s=32)),
        {K.DETOUR},
    ),
    (
        "PICKUP stop for a visit",
        plan_only(lambda p: with_stop(p, "c2", 1, role=PICKUP)),
        {K.ROLE_MISMATCH},
    ),
    (
        "distance_m off by one",
        plan_only(lambda p: with_route(p, attrs.evolve(ROUTE_C1, distance_m=719))),
        {K.ROUTE_TOTALS},
    ),
    (
        "duration_s off by one",
        plan_only(lambda p: with_route(p, attrs.evolve(ROUTE_C2, duration_s=61))),
        {K.ROUTE_TOTALS},
    ),
]


@pytest.mark.parametrize(("name", "mutate", "expected"), CASES, ids=[c[0] for c in CASES])
def test_each_break_is_caught(name: str, mutate: Mutation, expected: set[ViolationKind]) -> None:
    """Breaking the valid plan (or its problem) in one way yields exactly the expected kinds."""
    problem, plan = mutate(PROBLEM, PLAN)
    assert kinds(problem, plan) == expected


def test_every_kind_has_a_case() -> None:
    """The table above exercises every ViolationKind."""
    assert set().union(*(expected for _, _, expected in CASES)) == set(ViolationKind)


# --- the numbers reported ----------------------------------------------------------------------


def test_capacity_reports_the_dimension_and_numbers() -> None:
    """Only the cold-box dimension overflows; reported once, at the meal pickup, with numbers."""
    problem = with_courier(PROBLEM, "c1", capacity=(1, 0))
    [violation] = validate(problem, PLAN)
    assert (violation.ref, violation.courier_id, violation.stop_index) == ("m1", "c1", 2)
    assert violation.values == (1, 1, 1, 0)
    assert "dimension(s) [1]" in violation.detail


def test_detour_reports_busy_and_baseline() -> None:
    """The detour violation carries busy time, baseline and budget."""
    problem = with_courier(PROBLEM, "c1", detour_budget_s=32)
    [violation] = validate(problem, PLAN)
    assert violation.values == (87, 54, 32)
    assert violation.ref == "c1"


def test_travel_time_reports_the_leg() -> None:
    """A too-early arrival names the previous departure, the travel time and the stop."""
    [violation] = validate(PROBLEM, with_stop(PLAN, "c1", 4, arrival_s=52))
    assert violation.values == (52, 39, 14)
    assert (violation.ref, violation.stop_index) == ("e1", 4)
    assert "53 s at the earliest" in str(violation)


def test_max_ride_reports_ride_and_limit() -> None:
    """The ride time is measured from the end of pickup service to the drop-off start."""
    [violation] = validate(with_task(PROBLEM, "m1", max_ride_s=39), PLAN)
    assert violation.values == (40, 39)


def test_load_mismatch_is_reported_where_it_happens() -> None:
    """One wrong load_after is one violation; later stops are compared with the true load."""
    found = validate(PROBLEM, with_stop(PLAN, "c1", 3, load_after=(1, 0)))
    assert [(v.kind, v.stop_index, v.values) for v in found] == [(K.LOAD_MISMATCH, 3, (1, 0, 1, 1))]


def test_courier_with_own_stops_but_no_route() -> None:
    """A courier with own stops must have a route: each own stop is reported missing."""
    plan = attrs.evolve(PLAN, routes=(ROUTE_C2,), unassigned=leave_out("e1", "m1", "e2"))
    found = validate(PROBLEM, plan)
    assert [(v.kind, v.ref, v.courier_id) for v in found] == [
        (K.OWN_STOP_MISSING, "p1", "c1"),
        (K.OWN_STOP_MISSING, "p2", "c1"),
    ]


def test_skill_is_reported_once_per_task() -> None:
    """A paired task the courier may not take is one SKILL violation, at its pickup."""
    found = validate(with_courier(PROBLEM, "c1", skills=()), PLAN)
    assert [(v.kind, v.ref, v.stop_index) for v in found] == [(K.SKILL, "e1", 1)]


def test_task_cap_reports_the_count() -> None:
    """Two tasks on a route capped at one: one TASK_CAP violation with both numbers."""
    found = validate(with_courier(PROBLEM, "c1", max_tasks=1), PLAN)
    assert [(v.kind, v.ref, v.values) for v in found] == [(K.TASK_CAP, "c1", (2, 1))]


# --- garbage in, violations out ----------------------------------------------------------------


def test_garbage_plan_is_reported_not_raised() -> None:
    """Unknown ids, wrong roles and routes without stops are reported without crashing."""
    junk = Route(
        courier_id="c1",
        distance_m=-1,
        duration_s=-1,
        stops=(
            at(DROPOFF, "zz", 5, 0, 0),
            at(VISIT, "e1", 0, 0, 0, 0, 0),
            at(START, "c1", 0, 0, 0, 0, 0),
            at(OWN, "p2", 0, 0, 0, 9, 9, 9),
            at(END, "c1", 0, 0, 0, 0, 0),
            at(OWN, "e2", 0, 0, 0, 0, 0),
        ),
    )
    nobody = Route(courier_id="nobody", distance_m=0, duration_s=0, stops=())
    ghost = Route(
        courier_id="ghost",
        distance_m=0,
        duration_s=0,
        stops=(at(PICKUP, "m1", 0, 0, 0, 0, 1), at(OWN, "p1", 0, 0, 0, 0, 0)),
    )
    plan = attrs.evolve(PLAN, routes=(junk, nobody, ghost, ROUTE_C2), unassigned=leave_out("zz"))
    found = validate(PROBLEM, plan)
    assert {v.kind for v in found} >= {
        K.UNKNOWN_COURIER,
        K.UNKNOWN_TASK,
        K.UNKNOWN_OWN_STOP,
        K.ROLE_MISMATCH,
        K.BAD_ENDPOINTS,
        K.EMPTY_ROUTE,
        K.PAIR_SPLIT,
        K.TASK_MISSING,
        K.OWN_STOP_MISSING,
    }
    assert all(isinstance(v, Violation) and v.detail for v in found)


def test_check_raises_with_every_violation() -> None:
    """check() raises PlanViolationError carrying all violations and naming the first few."""
    plan = attrs.evolve(PLAN, routes=(), unassigned=())
    with pytest.raises(PlanViolationError) as caught:
        check(PROBLEM, plan)
    err = caught.value
    assert isinstance(err, DispatchError)
    assert len(err.violations) == 6  # four tasks missing, two own stops missing
    assert str(err).startswith("plan breaks 6 rule(s): TASK_MISSING 'e1'")
    assert str(err).endswith("; and 1 more")


# --- how it computes ---------------------------------------------------------------------------


@attrs.define
class CountingTravel:
    """A travel provider that records each call."""

    inner: MatrixTravel
    calls: list[tuple[Location, ...]] = attrs.field(factory=list)

    def matrix(self, locations: Sequence[Location], profile: TravelProfile) -> TravelMatrix:
        """Record the locations asked for and delegate."""
        self.calls.append(tuple(locations))
        return self.inner.matrix(locations, profile)


def test_one_matrix_of_distinct_locations_per_route() -> None:
    """The validator asks the travel provider once per route, for distinct locations."""
    travel = CountingTravel(PROBLEM.travel)  # type: ignore[arg-type]
    problem = attrs.evolve(PROBLEM, travel=travel)
    assert validate(problem, PLAN) == []
    assert len(travel.calls) == len(PLAN.routes)
    assert all(len(set(call)) == len(call) for call in travel.calls)
    assert set(travel.calls[0]) == {node(k) for k in range(5)}


def test_long_route_is_valid() -> None:
    """A route with 1500 visits on a line validates as valid (and reasonably fast)."""
    n = 1500
    travel = MatrixTravel(
        nodes=range(n + 1), durations_s=[[abs(i - j) for j in range(n + 1)] for i in range(n + 1)]
    )
    visits = [
        Visit(id=f"v{k}", stop=Stop(location=node(k), windows=[(k, 10 * n)], service_s=1))
        for k in range(1, n + 1)
    ]
    courier = Courier(
        id="c", start=node(0), shift=TimeWindow(0, 10 * n), capacity=n, detour_budget_s=3 * n
    )
    problem = Problem(tasks=visits, couriers=[courier], travel=travel)
    route = build_route(problem, "c", [(VISIT, v.id) for v in visits])
    plan = attrs.evolve(PLAN, routes=(route,), unassigned=())
    assert validate(problem, plan) == []
    late = with_stop(plan, "c", n, arrival_s=0, start_s=0, departure_s=1)
    assert [(v.kind, v.stop_index) for v in validate(problem, late)] == [
        (K.TRAVEL_TIME, n),
        (K.TIME_WINDOW, n),
    ]
