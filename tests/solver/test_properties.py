"""Properties of :func:`dispatch.solve` on generated problems (see ``tests/strategies.py``).

Every solve is bounded by a solution count, never by wall clock, so each run
is deterministic. The searches use greedy descent: with the default
metaheuristic (or guided local search) a solution limit alone may never be
reached (see ``test_solve.py``), and these properties are about the model, not
the metaheuristic. Solves run in a forked
child (``isolated.py``) so that a crash in native code fails one example.
"""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Mapping

import attrs
from hypothesis import given
from hypothesis import strategies as st
from tests.solver.brute_force import CourierRoutes, Item, own_items, plan_items, task_items
from tests.solver.isolated import solve_isolated
from tests.strategies import problems, solver_settings

from dispatch import (
    DispatchWarning,
    Errand,
    MealDelivery,
    Plan,
    Problem,
    SolveOptions,
    StopRole,
    UnassignedReason,
    validate,
)
from dispatch.solver import FIRST_SOLUTION_STRATEGIES

Reason = UnassignedReason
OPTIONS = SolveOptions(time_limit_s=None, solution_limit=40, metaheuristic="greedy_descent")
#: The pre-solve checks, in order: the furthest any courier gets through them decides the
#: reason (one courier lacking the skill, another the capacity: CAPACITY).
STAGES = (Reason.SKILL, Reason.KIND, Reason.TASK_CAP, Reason.CAPACITY, Reason.TIME_WINDOW)
TASK_ROLES = (StopRole.PICKUP, StopRole.DROPOFF, StopRole.VISIT)


def _solved(
    problem: Problem, warm_start: Plan | None = None, locked: Mapping[str, int] | None = None
) -> Plan:
    plan = solve_isolated(problem, OPTIONS, warm_start=warm_start, locked=locked)
    assert plan.is_feasible(), f"status {plan.status} although own routes alone are feasible"
    return plan


def _stage(problem: Problem, routes: CourierRoutes, task_id: str) -> int:
    """How many of skill, kind, cap, capacity and serving it alone (times) pass, 0..5."""
    task = problem.task(task_id)
    courier = routes.courier
    if not task.skills <= courier.skills:
        return 0
    if not courier.takes(task.kind):
        return 1
    if courier.max_tasks == 0:
        return 2
    load = problem.load_of(task)
    if any(x > c for x, c in zip(load, courier.capacity, strict=True)):
        return 3
    if routes.check(task_items(problem, task), detour=False) is None:
        return 4
    return 5


def _insertions(route: tuple[Item, ...], items: tuple[Item, ...]) -> list[tuple[Item, ...]]:
    """Every way to insert the task's items into the route, keeping both orders."""
    n = len(route)
    if len(items) == 1:
        return [(*route[:i], items[0], *route[i:]) for i in range(n + 1)]
    pickup, dropoff = items
    return [
        (*route[:i], pickup, *route[i:j], dropoff, *route[j:])
        for i in range(n + 1)
        for j in range(i, n + 1)
    ]


def _insertable(problem: Problem, plan: Plan, task_id: str) -> bool:
    """Whether some courier could take the task into its planned route, within every rule."""
    task = problem.task(task_id)
    items = task_items(problem, task)
    for courier in problem.couriers:
        if not task.skills <= courier.skills or not courier.takes(task.kind):
            continue
        route = plan.route_of(courier.id)
        carried = 0 if route is None else len(route.task_ids)
        if courier.max_tasks is not None and carried >= courier.max_tasks:
            continue
        routes = CourierRoutes(problem, courier)
        current = plan_items(problem, route) if route else own_items(problem, courier)
        if any(routes.check(cand) is not None for cand in _insertions(current, items)):
            return True
    return False


def _at_cap(problem: Problem, plan: Plan, courier_id: str, task_id: str) -> bool:
    """Whether the courier could take the task but already carries ``max_tasks`` tasks."""
    courier, task = problem.courier(courier_id), problem.task(task_id)
    route = plan.route_of(courier_id)
    carried = 0 if route is None else len(route.task_ids)
    return (
        task.skills <= courier.skills
        and courier.takes(task.kind)
        and courier.max_tasks is not None
        and carried >= courier.max_tasks
    )


@solver_settings(60)
@given(problem=problems(), first=st.sampled_from(sorted(FIRST_SOLUTION_STRATEGIES)))
def test_plans_validate(problem: Problem, first: str) -> None:
    """Whatever the first-solution strategy, the plan is feasible and the validator accepts it."""
    plan = solve_isolated(problem, attrs.evolve(OPTIONS, first_solution=first))
    assert plan.is_feasible(), plan.status
    assert validate(problem, plan) == []
    assert plan.objective.distance_m == sum(r.distance_m for r in plan.routes)
    fixed = sum(problem.courier(r.courier_id).fixed_cost for r in plan.routes)
    assert plan.objective.fixed_cost == fixed


@solver_settings(40)
@given(problem=problems())
def test_every_task_routed_once_or_unassigned_once(problem: Problem) -> None:
    """Each task has exactly one pickup and drop-off (or visit) on one route, or one reason."""
    plan = _solved(problem)
    unassigned = Counter(u.task_id for u in plan.unassigned)
    for task in problem.tasks:
        stops = [
            (route.courier_id, stop.role)
            for route in plan.routes
            for stop in route.stops
            if stop.ref == task.id and stop.role in TASK_ROLES
        ]
        couriers = {courier for courier, _ in stops}
        roles = sorted(role.value for _, role in stops)
        if unassigned[task.id]:
            assert unassigned[task.id] == 1 and not stops, task.id
            continue
        assert len(couriers) == 1, (task.id, stops)
        paired = isinstance(task, Errand | MealDelivery)
        assert roles == (["dropoff", "pickup"] if paired else ["visit"]), (task.id, roles)
    for entry in plan.unassigned:
        assert entry.reason in set(Reason) - {Reason.NO_COURIER, Reason.LOCKED}
        assert entry.detail, entry


@solver_settings(50)
@given(problem=problems())
def test_unassigned_reasons_match_their_definitions(problem: Problem) -> None:
    """SKILL, CAPACITY and TIME_WINDOW are given exactly to unservable tasks, DETOUR truly."""
    plan = _solved(problem)
    routes = [CourierRoutes(problem, c) for c in problem.couriers]
    for task in problem.tasks:
        stage = max(_stage(problem, r, task.id) for r in routes)
        entry = next((u for u in plan.unassigned if u.task_id == task.id), None)
        if stage < len(STAGES):
            assert entry is not None, f"{task.id} is unservable ({STAGES[stage]}) yet routed"
            assert entry.reason is STAGES[stage], (entry, f"expected {STAGES[stage]}")
        elif entry is not None:
            assert entry.reason in (Reason.DETOUR, Reason.COST, Reason.TASK_CAP), entry
            if entry.reason is Reason.TASK_CAP:
                assert not _insertable(problem, plan, task.id), (entry, "fits below a cap")
                assert any(_at_cap(problem, plan, c.id, task.id) for c in problem.couriers)
            if entry.reason is Reason.DETOUR:
                assert not _insertable(problem, plan, task.id), (entry, "fits within budgets")
            if entry.insertion_cost is not None:
                assert _insertable(problem, plan, task.id), (entry, "no feasible insertion")


@solver_settings(40)
@given(problem=problems())
def test_own_stops_served_in_order_within_windows(problem: Problem) -> None:
    """Each courier's own stops are on its route, in the given order, started inside a window."""
    plan = _solved(problem)
    for courier in problem.couriers:
        route = plan.route_of(courier.id)
        if not courier.own_stops:
            continue
        assert route is not None, courier.id
        served = [s for s in route.stops if s.role is StopRole.OWN]
        assert [s.ref for s in served] == [o.id for o in courier.own_stops]
        for own, stop in zip(courier.own_stops, served, strict=True):
            assert stop.start_s >= stop.arrival_s
            windows = own.stop.windows
            assert not windows or any(w.contains(stop.start_s) for w in windows), (own, stop)


@solver_settings(40)
@given(problem=problems(), data=st.data())
def test_locked_prefixes_stay_at_the_head_of_their_routes(
    problem: Problem, data: st.DataObject
) -> None:
    """Re-solving from a plan with random locked prefixes keeps them and stays valid."""
    plan = _solved(problem)
    locked: dict[str, int] = {}
    for courier in problem.couriers:
        route = plan.route_of(courier.id)
        inner = 0 if route is None else len(route.stops) - 2
        if data.draw(st.booleans(), label=f"lock {courier.id}"):
            locked[courier.id] = data.draw(st.integers(0, inner), label=f"{courier.id} stops")
    with warnings.catch_warnings():
        warnings.simplefilter("error", DispatchWarning)  # the warm start is a valid plan
        again = _solved(problem, warm_start=plan, locked=locked)
    assert validate(problem, again) == []
    for courier_id, count in locked.items():
        if count == 0:
            continue
        old, new = plan.route_of(courier_id), again.route_of(courier_id)
        assert old is not None and new is not None, courier_id
        head = [(s.role, s.ref) for s in new.stops[1 : count + 1]]
        assert head == [(s.role, s.ref) for s in old.stops[1 : count + 1]], courier_id


@solver_settings(30)
@given(problem=problems(), seed=st.integers(0, 2**31 - 1))
def test_same_seed_and_limit_give_the_same_plan(problem: Problem, seed: int) -> None:
    """Two solves with the same seed and solution limit return identical routes and reasons."""
    options = SolveOptions(
        time_limit_s=None, solution_limit=25, seed=seed, metaheuristic="greedy_descent"
    )
    first = solve_isolated(problem, options)
    second = solve_isolated(problem, options)
    assert first.routes == second.routes
    assert first.unassigned == second.unassigned
    assert first.objective == second.objective


@solver_settings(30)
@given(problem=problems(), data=st.data())
def test_locks_hold_when_a_task_arrives(problem: Problem, data: st.DataObject) -> None:
    """A plan made before the last task arrived, with locked prefixes, warm-starts the full one."""
    earlier = attrs.evolve(problem, tasks=problem.tasks[:-1])
    plan = _solved(earlier)
    locked: dict[str, int] = {}
    for route in plan.routes:
        locked[route.courier_id] = data.draw(st.integers(0, len(route.stops) - 2))
    again = _solved(problem, warm_start=plan, locked=locked)
    assert validate(problem, again) == []
    for courier_id, count in locked.items():
        old, new = plan.route_of(courier_id), again.route_of(courier_id)
        assert old is not None and new is not None, courier_id
        head = [(s.role, s.ref) for s in new.stops[1 : count + 1]]
        assert head == [(s.role, s.ref) for s in old.stops[1 : count + 1]], courier_id


@solver_settings(30)
@given(problem=problems(), seed=st.integers(0, 2**31 - 1))
def test_route_elimination_keeps_the_better_plan(problem: Problem, seed: int) -> None:
    """Half the solutions on a one-route-smaller search: valid, and no worse than the first half.

    The first search of such a solve is exactly a solve with half the solution
    limit and no elimination (same seed, deterministic), so the plan kept must
    cost at most as much and use at most as many routes.
    """
    couriers = [attrs.evolve(c, fixed_cost=c.fixed_cost + 5000) for c in problem.couriers]
    problem = attrs.evolve(problem, couriers=couriers)
    options = SolveOptions(
        time_limit_s=None, solution_limit=30, seed=seed, metaheuristic="greedy_descent"
    )
    both = solve_isolated(problem, attrs.evolve(options, route_elimination=0.5))
    first = solve_isolated(problem, attrs.evolve(options, solution_limit=15, route_elimination=0))
    assert validate(problem, both) == []
    assert both.objective.total <= first.objective.total
    assert len(both.routes) <= len(first.routes)
