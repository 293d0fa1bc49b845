"""Fitting leftovers into routes over the whole fleet, and the reasons for what stays out."""

from __future__ import annotations

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.eldercare.world import TRAVEL, H, M, at, courier

from dispatch import (
    Courier,
    Location,
    MatrixTravel,
    Problem,
    SolveOptions,
    Stop,
    TimeWindow,
    Visit,
    solve,
    validate,
)
from dispatch.eldercare._parts import Part, follow_routes
from dispatch.eldercare._routing import _better
from dispatch.plan import ObjectiveParts, Plan, Route, SolveStatus, Unassigned, UnassignedReason
from dispatch.solver import FLEET_BUSY, fill_leftovers

COUNTED = SolveOptions(time_limit_s=None, solution_limit=10, metaheuristic="greedy_descent")


def nothing_routed(problem: Problem) -> Plan:
    """A plan that leaves every task out."""
    return Plan(
        routes=(),
        unassigned=tuple(
            Unassigned(task_id=t.id, reason=UnassignedReason.COST, detail="") for t in problem.tasks
        ),
        objective=ObjectiveParts(distance_m=0, fixed_cost=0, penalty=len(problem.tasks)),
        status=SolveStatus.FEASIBLE,
        runtime_s=0.0,
    )


def visit(visit_id: str, east_m: float, window: tuple[int, int]) -> Visit:
    """A check-in style visit of five minutes."""
    return Visit(id=visit_id, stop=Stop(location=at(east_m, 0), windows=[window], service_s=5 * M))


def test_leftovers_go_to_any_courier_with_room_and_the_rest_are_explained() -> None:
    """Leftovers that fit go on routes; unreachable ones are time_window, the rest fleet busy."""
    tasks = [
        visit("a", 300, (8 * H + 30 * M, 8 * H + 50 * M)),
        visit("east", 800, (8 * H, 8 * H + 5 * M)),
        visit("west", -800, (8 * H, 8 * H + 5 * M)),
        visit("never", 900, (6 * H, 6 * H + 10 * M)),
    ]
    couriers = [courier("c0", at(0, 0), shift=(8 * H, 9 * H))]
    problem = Problem(tasks=tasks, couriers=couriers, travel=TRAVEL)
    plan = fill_leftovers(problem, nothing_routed(problem))
    assert validate(problem, plan) == []
    served = set(plan.assigned_task_ids())
    assert "a" in served and len(served & {"east", "west"}) == 1
    reasons = {u.task_id: u for u in plan.unassigned}
    assert reasons.pop("never").reason is UnassignedReason.TIME_WINDOW
    ((_, busy),) = reasons.items()
    assert busy.reason is UnassignedReason.COST and busy.detail.startswith(FLEET_BUSY)


@settings(max_examples=15, deadline=None)
@given(
    places=st.lists(st.integers(0, 3000), min_size=1, max_size=8),
    opens=st.lists(st.integers(0, 8), min_size=8, max_size=8),
    riders=st.integers(1, 2),
)
def test_filling_never_serves_fewer_and_stays_valid(
    places: list[int], opens: list[int], riders: int
) -> None:
    """After a counted solve, filling keeps every routed task, adds only valid stops."""
    tasks = [
        visit(f"v{k}", east, (8 * H + 15 * M * o, 8 * H + 15 * M * o + 10 * M))
        for k, (east, o) in enumerate(zip(places, opens, strict=False))
    ]
    couriers = [courier(f"c{k}", at(1500 * k, 0), shift=(8 * H, 10 * H)) for k in range(riders)]
    problem = Problem(tasks=tasks, couriers=couriers, travel=TRAVEL)
    # Each courier alone on half the tasks: the other's leftovers may fit in its route.
    halves = [tasks[k::riders] for k in range(riders)]
    routes: list[Route] = []
    for c, mine in zip(couriers, halves, strict=True):
        sub = solve(Problem(tasks=mine, couriers=[c], travel=TRAVEL), COUNTED)
        routes.extend(sub.routes)
    served = {t for r in routes for t in r.task_ids}
    start = Plan(
        routes=tuple(routes),
        unassigned=tuple(
            Unassigned(task_id=t.id, reason=UnassignedReason.COST, detail="")
            for t in tasks
            if t.id not in served
        ),
        objective=ObjectiveParts(distance_m=sum(r.distance_m for r in routes), fixed_cost=0,
                                 penalty=0),
        status=SolveStatus.FEASIBLE,
        runtime_s=0.0,
    )  # fmt: skip
    filled = fill_leftovers(problem, start)
    assert validate(problem, filled) == []
    assert served <= set(filled.assigned_task_ids())
    assert len(set(filled.assigned_task_ids())) + len(filled.unassigned) == len(tasks)


def test_tasks_follow_the_courier_that_serves_them() -> None:
    """After filling across parts, every route lies within one part and no task is lost."""
    tasks = [visit("near1", 200, (8 * H, 9 * H)), visit("near2", 1800, (8 * H, 9 * H))]
    couriers = [courier("c0", at(0, 0), shift=(8 * H, 10 * H))]
    problem = Problem(tasks=tasks, couriers=couriers, travel=TRAVEL)
    parts = [Part(task_ids=("near1",), courier_ids=("c0",)), Part(task_ids=("near2",),
                                                                  courier_ids=())]  # fmt: skip
    plan = fill_leftovers(problem, nothing_routed(problem))
    moved = follow_routes(parts, plan)
    assert sorted(t for p in moved for t in p.task_ids) == ["near1", "near2"]
    for route in plan.routes:
        (owner,) = [p for p in moved if route.courier_id in p.courier_ids]
        assert set(route.task_ids) <= set(owner.task_ids)


def test_a_plan_with_nothing_left_out_is_returned_as_it_is() -> None:
    """No leftovers, nothing to do."""
    problem = Problem(
        tasks=[visit("a", 300, (8 * H, 9 * H))],
        couriers=[courier("c0", at(0, 0), shift=(8 * H, 10 * H))],
        travel=TRAVEL,
    )
    plan = solve(problem, COUNTED)
    assert not plan.unassigned
    assert fill_leftovers(problem, plan) is plan


def test_a_zone_keeps_its_start_unless_the_new_plan_serves_more_by_priority() -> None:
    """Lexicographic: one high-priority task outweighs two lower ones; then distance decides."""
    meal = attrs.evolve(visit("meal", 300, (8 * H, 9 * H)), priority=3)
    checks = [attrs.evolve(visit(f"c{k}", 600, (8 * H, 9 * H)), priority=2) for k in range(2)]
    couriers = [courier("c0", at(0, 0), shift=(8 * H, 10 * H), capacity=3)]
    problem = Problem(tasks=[meal, *checks], couriers=couriers, travel=TRAVEL)
    only_meal = solve(Problem(tasks=[meal], couriers=couriers, travel=TRAVEL), COUNTED)
    only_checks = solve(Problem(tasks=checks, couriers=couriers, travel=TRAVEL), COUNTED)
    assert len(list(only_checks.assigned_task_ids())) == 2  # priority 4 against 3
    assert _better(problem, only_checks, only_meal) is only_meal
    assert _better(problem, only_meal, only_checks) is only_meal


def test_leftovers_respect_a_couriers_task_cap() -> None:
    """A courier at its task cap takes no leftover, though its route has room in time."""
    travel = MatrixTravel(nodes=[0, 1], durations_s=[[0, 60], [60, 0]])
    stop = Stop(location=Location(node=1), windows=[(0, 3600)])
    problem = Problem(
        tasks=[Visit(id="a", stop=stop), Visit(id="b", stop=stop)],
        couriers=[
            Courier(
                id="c",
                start=Location(node=0),
                shift=TimeWindow(0, 7200),
                capacity=2,
                max_tasks=1,
            )
        ],
        travel=travel,
    )
    plan = solve(problem, COUNTED)
    assert len(plan.unassigned) == 1
    filled = fill_leftovers(problem, plan)
    assert validate(problem, filled) == []
    assert [u.task_id for u in filled.unassigned] == [plan.unassigned[0].task_id]
