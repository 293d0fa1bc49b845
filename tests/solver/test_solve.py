"""Unit tests of :func:`dispatch.solve` and :class:`dispatch.SolveOptions` on hand-made instances.

Most instances put places on a line: node ``x`` sits at ``x`` units, one unit is
60 s of travel (and 60 m; distances equal durations). Searches are bounded by a
solution count with no time limit, except where the time limit itself is tested.
"""

from __future__ import annotations

import itertools
import math
import os
import re
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.solver.brute_force import BruteForce
from tests.solver.isolated import SolverHung, solve_isolated
from tests.strategies import solver_settings, tiny_problems

from dispatch import (
    Courier,
    Errand,
    InvalidInputError,
    Location,
    MatrixTravel,
    MealDelivery,
    OwnStop,
    Plan,
    Problem,
    SolveOptions,
    Stop,
    StopRole,
    Task,
    TimeWindow,
    UnassignedReason,
    UnknownReferenceError,
    Visit,
    solve,
    validate,
)
from dispatch.io import read_lilim
from dispatch.solver import FIRST_SOLUTION_STRATEGIES, METAHEURISTICS
from dispatch.solver._sisr import warm_up
from dispatch.solver._solve import _search_for

UNIT_S = 60
LIMITED = SolveOptions(time_limit_s=None, solution_limit=100, metaheuristic="greedy_descent")
REPO_ROOT = Path(__file__).resolve().parents[2]


def line(n: int) -> MatrixTravel:
    """Nodes 0..n-1 on a line, one unit (60 s, 60 m) apart."""
    return MatrixTravel(
        nodes=range(n),
        durations_s=[[abs(a - b) * UNIT_S for b in range(n)] for a in range(n)],
    )


def at(node: int, windows: Sequence[tuple[int, int]] = (), service_s: int = 0) -> Stop:
    """A stop at ``node`` of the line."""
    return Stop(location=Location(node=node), windows=list(windows), service_s=service_s)


def courier(
    courier_id: str = "c", start: int = 0, end: int | None = 0, **kwargs: object
) -> Courier:
    """A courier on the line, by default from 0 back to 0 over one hour, capacity 1."""
    fields: dict[str, object] = {"shift": TimeWindow(0, 3600), "capacity": 1, **kwargs}
    end_location = None if end is None else Location(node=end)
    return Courier(id=courier_id, start=Location(node=start), end=end_location, **fields)  # type: ignore[arg-type]


def errand(task_id: str, pickup: int, dropoff: int, **kwargs: object) -> Errand:
    """An errand between two nodes of the line."""
    return Errand(id=task_id, pickup=at(pickup), dropoff=at(dropoff), **kwargs)  # type: ignore[arg-type]


def reason_of(plan: Plan, task_id: str) -> UnassignedReason | None:
    """The reason the task is unassigned, or None when it is routed."""
    return next((u.reason for u in plan.unassigned if u.task_id == task_id), None)


def detail_of(plan: Plan, task_id: str) -> str:
    """The unassigned entry's detail."""
    return next(u.detail for u in plan.unassigned if u.task_id == task_id)


def solved(problem: Problem, options: SolveOptions = LIMITED, **kwargs: object) -> Plan:
    """Solve, and check the plan with the validator."""
    plan = solve(problem, options, **kwargs)  # type: ignore[arg-type]
    assert validate(problem, plan) == []
    return plan


# --- optimum on a tiny instance ----------------------------------------------------------------


def _line_orders_m(errands: Sequence[tuple[int, int]], capacity: int) -> int:
    """Least distance (m) of 0 -> every pickup before its drop-off -> 0 within the capacity."""
    stops = [(k, role) for k in range(len(errands)) for role in (0, 1)]
    best = math.inf
    for order in itertools.permutations(stops):
        position = {stop: i for i, stop in enumerate(order)}
        if any(position[(k, 0)] > position[(k, 1)] for k in range(len(errands))):
            continue
        load = 0
        here = 0
        units = 0
        for k, role in order:
            load += 1 if role == 0 else -1
            if load > capacity:
                break
            units += abs(errands[k][role] - here)
            here = errands[k][role]
        else:
            best = min(best, units + here)
    return int(best) * UNIT_S


def test_three_errands_on_a_line_reach_the_optimum() -> None:
    """1 courier, capacity 1, errands 2->5, 4->1, 3->6: the optimum of 16 units is found."""
    # By hand: 9 loaded units plus empty travel |0-p1| + |d1-p2| + |d2-p3| + |d3-0|, least
    # for the order 2->5, 3->6, 4->1: 2 + 2 + 2 + 1 = 7 units. The brute force agrees.
    pairs = [(2, 5), (4, 1), (3, 6)]
    assert _line_orders_m(pairs, capacity=1) == 16 * UNIT_S
    problem = Problem(
        tasks=[errand(f"e{k}", p, d) for k, (p, d) in enumerate(pairs)],
        couriers=[courier()],
        travel=line(7),
    )
    plan = solved(problem)
    assert plan.unassigned == ()
    assert plan.distance_m == 16 * UNIT_S
    order = [(s.role.value, s.ref) for s in plan.routes[0].stops[1:-1]]
    assert order == [
        ("pickup", "e0"),
        ("dropoff", "e0"),
        ("pickup", "e2"),
        ("dropoff", "e2"),
        ("pickup", "e1"),
        ("dropoff", "e1"),
    ]


# --- who serves what, and why not --------------------------------------------------------------


def test_skills_force_the_assignment() -> None:
    """Each task goes to the one courier with its skill, though the other one is closer."""
    problem = Problem(
        tasks=[
            errand("lift-job", 8, 9, skills={"lift"}),
            errand("cold-job", 1, 2, skills={"cold"}),
        ],
        couriers=[
            courier("near-lifter", start=1, end=None, skills={"lift"}),
            courier("far-cooler", start=9, end=None, skills={"cold"}),
        ],
        travel=line(10),
    )
    plan = solved(problem)
    assert plan.unassigned == ()
    lifter, cooler = plan.route_of("near-lifter"), plan.route_of("far-cooler")
    assert lifter is not None and lifter.task_ids == ("lift-job",)
    assert cooler is not None and cooler.task_ids == ("cold-job",)


def test_overload_leaves_the_lower_priority_task_out_for_cost() -> None:
    """Two visits due at the same instant in different places: the priority-1 one is left out."""
    problem = Problem(
        tasks=[
            Visit(id="low", stop=at(2, [(300, 300)]), priority=1),
            Visit(id="high", stop=at(4, [(300, 300)]), priority=2),
        ],
        couriers=[courier()],
        travel=line(5),
    )
    plan = solved(problem)
    assert plan.routes[0].task_ids == ("high",)
    assert reason_of(plan, "low") is UnassignedReason.COST
    assert detail_of(plan, "low")


def test_a_skill_nobody_has_is_reported_as_skill() -> None:
    """A task needing a skill no courier offers is unassigned with SKILL, naming the skill."""
    problem = Problem(
        tasks=[errand("piano", 1, 2, skills={"hoist", "lift"}), errand("bread", 1, 2)],
        couriers=[courier(skills={"lift"}), courier("d", skills={"cold"})],
        travel=line(3),
    )
    plan = solved(problem)
    assert reason_of(plan, "piano") is UnassignedReason.SKILL
    assert "hoist" in detail_of(plan, "piano")
    assert reason_of(plan, "bread") is None


def test_a_load_over_every_capacity_is_reported_as_capacity() -> None:
    """A load above every courier's capacity in some dimension is unassigned with CAPACITY."""
    problem = Problem(
        tasks=[
            errand("sofa", 1, 2, load=(1, 3)),
            errand("bag", 1, 2, load=(1, 1)),
        ],
        couriers=[courier(capacity=(1, 2)), courier("d", capacity=(5, 1))],
        travel=line(3),
    )
    plan = solved(problem)
    assert reason_of(plan, "sofa") is UnassignedReason.CAPACITY
    assert "(1, 3)" in detail_of(plan, "sofa")
    assert reason_of(plan, "bag") is None


def test_an_unreachable_pickup_window_is_reported_with_times() -> None:
    """A pickup window closing at 30 s, one minute's ride away: TIME_WINDOW naming both times."""
    problem = Problem(
        tasks=[Errand(id="early", pickup=at(1, [(0, 30)]), dropoff=at(2))],
        couriers=[courier(), courier("late", shift=TimeWindow(600, 3600))],
        travel=line(3),
    )
    plan = solved(problem)
    assert reason_of(plan, "early") is UnassignedReason.TIME_WINDOW
    times = re.findall(r"\d+:\d\d:\d\d", detail_of(plan, "early"))
    assert "0:00:30" in times and "0:01:00" in times, detail_of(plan, "early")


def _detour_problem(budget_s: int | None) -> Problem:
    """A courier 0 -> own stop at 4 -> 0 with a budget; ``near`` costs 2 units, ``far`` 8."""
    return Problem(
        tasks=[
            Visit(id="near", stop=at(5, service_s=30)),
            Visit(id="far", stop=at(8, service_s=30)),
        ],
        couriers=[
            courier(
                shift=TimeWindow(0, 7200),
                own_stops=[OwnStop(id="parcel", stop=at(4, service_s=60))],
                detour_budget_s=budget_s,
            )
        ],
        travel=line(9),
    )


def test_the_detour_budget_is_respected_and_reported() -> None:
    """Budget 200 s: ``near`` (150 s extra) fits, ``far`` (510 s extra) is refused as DETOUR."""
    problem = _detour_problem(200)
    plan = solved(problem)
    route = plan.routes[0]
    assert route.task_ids == ("near",)
    places = [_node_of(problem, s.ref, s.role) for s in route.stops]
    travel_s = sum(abs(a - b) * UNIT_S for a, b in itertools.pairwise(places))
    busy_s = travel_s + sum(s.departure_s - s.start_s for s in route.stops)
    baseline_s = 2 * 4 * UNIT_S + 60
    assert busy_s - baseline_s <= 200
    assert busy_s - baseline_s == 2 * UNIT_S + 30
    assert reason_of(plan, "far") is UnassignedReason.DETOUR
    # Only the budget stops it: without one, both visits are served.
    unlimited = solved(_detour_problem(None))
    assert unlimited.unassigned == ()


def _position(location: Location | None) -> int:
    """The line position of a location."""
    assert location is not None and isinstance(location.node, int)
    return location.node


def _node_of(problem: Problem, ref: str, role: StopRole) -> int:
    """The line position of a planned stop (start and end at the courier's places)."""
    if role is StopRole.START:
        return _position(problem.courier(ref).start)
    if role is StopRole.END:
        return _position(problem.courier(ref).end)
    if role is StopRole.OWN:
        own = next(o for c in problem.couriers for o in c.own_stops if o.id == ref)
        return _position(own.stop.location)
    task = problem.task(ref)
    if isinstance(task, Visit):
        return _position(task.stop.location)
    return _position((task.pickup if role is StopRole.PICKUP else task.dropoff).location)


def test_a_task_whose_service_exceeds_every_budget_is_detour() -> None:
    """A visit with 10 minutes of service and a 5-minute budget is refused before the search."""
    problem = Problem(
        tasks=[Visit(id="chat", stop=at(0, service_s=600))],
        couriers=[courier(detour_budget_s=300)],
        travel=line(2),
    )
    plan = solved(problem)
    assert reason_of(plan, "chat") is UnassignedReason.DETOUR


def test_the_maximum_ride_time_of_a_meal_is_respected() -> None:
    """Kitchen 1 -> home 3, 150 s ride: the shortest route (via a 300 s visit at 2) is not taken."""
    meal = MealDelivery(id="soup", kitchen=at(1), home=at(3), ready_s=0, max_ride_s=150)
    problem = Problem(
        tasks=[meal, Visit(id="chat", stop=at(2, service_s=300))],
        couriers=[courier(end=None)],
        travel=line(4),
    )
    plan = solved(problem)
    assert plan.unassigned == ()
    stops = {(s.role, s.ref): s for s in plan.routes[0].stops}
    pickup, dropoff = stops[(StopRole.PICKUP, "soup")], stops[(StopRole.DROPOFF, "soup")]
    assert dropoff.start_s - pickup.departure_s <= 150
    assert plan.distance_m == 4 * UNIT_S  # kitchen, home, then back to the visit


def test_an_own_route_infeasible_alone_raises_naming_the_courier() -> None:
    """An own stop due 10 s into the shift but a minute away raises InvalidInputError."""
    problem = Problem(
        tasks=[],
        couriers=[
            courier("fine"),
            courier("rushed", own_stops=[OwnStop(id="parcel", stop=at(1, [(0, 10)]))]),
        ],
        travel=line(2),
    )
    with pytest.raises(InvalidInputError, match="rushed") as info:
        solve(problem, LIMITED)
    assert "own_stops" in info.value.field


# --- options -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"time_limit_s": -1.0}, "time_limit_s"),
        ({"time_limit_s": 0}, "time_limit_s"),
        ({"time_limit_s": math.nan}, "time_limit_s"),
        ({"time_limit_s": math.inf}, "time_limit_s"),
        ({"time_limit_s": 1e300}, "time_limit_s"),
        ({"time_limit_s": "10"}, "time_limit_s"),
        ({"solution_limit": -5}, "solution_limit"),
        ({"solution_limit": 0}, "solution_limit"),
        ({"solution_limit": 2.5}, "solution_limit"),
        ({"solution_limit": True}, "solution_limit"),
        ({"time_limit_s": None, "solution_limit": None}, "SolveOptions"),
        ({"seed": -1}, "seed"),
        ({"seed": 1.5}, "seed"),
        ({"first_solution": "fastest"}, "first_solution"),
        ({"metaheuristic": "genetic"}, "metaheuristic"),
        ({"route_elimination": 1}, "route_elimination"),
        ({"route_elimination": -0.1}, "route_elimination"),
        ({"route_elimination": True}, "route_elimination"),
        ({"route_elimination": "half"}, "route_elimination"),
        ({"trim_fleet": "yes"}, "trim_fleet"),
        ({"trim_fleet": 1}, "trim_fleet"),
        ({"worker_metaheuristic": "genetic"}, "worker_metaheuristic"),
        ({"worker_metaheuristic": 1}, "worker_metaheuristic"),
    ],
    ids=lambda value: repr(value) if isinstance(value, dict) else None,
)
def test_bad_options_are_rejected(kwargs: dict[str, object], field: str) -> None:
    """Bad limits, no limit at all, bad seeds and unknown strategies raise InvalidInputError."""
    with pytest.raises(InvalidInputError) as info:
        SolveOptions(**kwargs)  # type: ignore[arg-type]
    assert field in info.value.field


@pytest.mark.parametrize("name", sorted(FIRST_SOLUTION_STRATEGIES))
def test_every_first_solution_strategy_serves_an_easy_instance(name: str) -> None:
    """Each first-solution strategy gives a valid plan serving all three easy tasks."""
    problem = Problem(
        tasks=[errand("a", 2, 5), errand("b", 4, 1), Visit(id="v", stop=at(3, [(0, 900)]))],
        couriers=[courier(), courier("d", start=6, end=None)],
        travel=line(7),
    )
    plan = solved(problem, attrs.evolve(LIMITED, first_solution=name))
    assert plan.unassigned == ()


# --- warm starts and locks ---------------------------------------------------------------------


def _two_errands() -> tuple[Problem, Plan]:
    problem = Problem(
        tasks=[errand("a", 1, 2), errand("b", 3, 4)],
        couriers=[courier(), courier("d", start=4, end=4)],
        travel=line(5),
    )
    return problem, solved(problem)


def test_locked_without_a_warm_start_raises() -> None:
    """``locked`` needs the plan whose prefixes it locks."""
    problem, _ = _two_errands()
    with pytest.raises(InvalidInputError, match="warm_start"):
        solve(problem, LIMITED, locked={"c": 1})


@pytest.mark.parametrize("count", [-1, 99, 1.0, True, "2"])
def test_locked_counts_out_of_range_raise(count: object) -> None:
    """Lock counts that are not ints in [0, stops on the route] raise InvalidInputError."""
    problem, plan = _two_errands()
    route = plan.routes[0]
    with pytest.raises(InvalidInputError, match=route.courier_id):
        solve(problem, LIMITED, warm_start=plan, locked={route.courier_id: count})  # type: ignore[dict-item]


def test_locking_stops_of_a_courier_without_a_route_raises() -> None:
    """A courier with no route in the warm start can lock 0 stops, not 1."""
    problem = Problem(
        tasks=[errand("a", 1, 2)],
        couriers=[courier(), courier("idle", start=4, end=4)],
        travel=line(5),
    )
    plan = solved(problem)
    assert plan.route_of("idle") is None
    assert validate(problem, solve(problem, LIMITED, warm_start=plan, locked={"idle": 0})) == []
    with pytest.raises(InvalidInputError, match="idle"):
        solve(problem, LIMITED, warm_start=plan, locked={"idle": 1})


def test_locking_an_unknown_courier_raises() -> None:
    """Locks name couriers of the problem."""
    problem, plan = _two_errands()
    with pytest.raises(UnknownReferenceError):
        solve(problem, LIMITED, warm_start=plan, locked={"ghost": 0})


# --- the time limit ----------------------------------------------------------------------------


def _benchmarks() -> Path:
    default = REPO_ROOT.parent / "shared" / "benchmarks"
    return Path(os.environ.get("DISPATCH_BENCHMARKS", default))


def test_the_time_limit_is_honoured_on_lc101() -> None:
    """A 1 s limit on Li & Lim lc101 returns a valid plan within 1.1 s + 0.1 s of wall clock."""
    path = _benchmarks() / "lilim" / "lc101.txt"
    if not path.is_file():
        pytest.skip(f"benchmark data not found at {path} (set DISPATCH_BENCHMARKS)")
    problem = read_lilim(path).problem
    began = time.perf_counter()
    plan = solve(problem, SolveOptions(time_limit_s=1.0))
    elapsed = time.perf_counter() - began
    assert elapsed <= 1.0 * 1.1 + 0.1
    assert plan.is_feasible()
    assert validate(problem, plan) == []


# --- brute force on tiny instances -------------------------------------------------------------


def _key(problem: Problem, plan: Plan) -> tuple[int, int]:
    """(unserved priority, distance + fixed cost), the order the brute force minimises."""
    unserved = sum(problem.task(u.task_id).priority for u in plan.unassigned)
    return unserved, plan.distance_m + plan.objective.fixed_cost


def _without(problem: Problem, task_id: str) -> Problem:
    tasks: list[Task] = [t for t in problem.tasks if t.id != task_id]
    return attrs.evolve(problem, tasks=tasks)


@solver_settings(40)
@given(problem=tiny_problems(), data=st.data())
def test_removing_a_task_never_makes_the_optimum_worse(
    problem: Problem, data: st.DataObject
) -> None:
    """On tiny instances the optimum without a task is no worse, and the solver attains both."""
    # Priorities in the thousands make the objective lexicographic (unserved priority, then
    # distance plus fixed costs), so the brute force needs no knowledge of penalty scaling.
    brute = BruteForce(problem)
    ids = [t.id for t in problem.tasks]
    full = brute.best(ids)
    plan = solve_isolated(problem, LIMITED)
    assert validate(problem, plan) == []
    assert _key(problem, plan) == full
    if not ids:
        return
    gone = data.draw(st.sampled_from(ids), label="removed task")
    rest = [t for t in ids if t != gone]
    less = brute.best(rest)
    assert less <= full
    smaller = _without(problem, gone)
    plan = solve_isolated(smaller, LIMITED)
    assert validate(smaller, plan) == []
    assert _key(smaller, plan) == less


# --- regressions and known bugs ----------------------------------------------------------------


def test_a_ride_time_met_only_in_later_windows_is_not_time_window() -> None:
    """Pickup at 485 and drop-off at 500 meet a 15 s ride; the task must not be TIME_WINDOW."""
    task = Errand(
        id="e",
        pickup=at(1, [(0, 5), (480, 490)]),
        dropoff=at(2, [(100, 110), (500, 600)]),
        max_ride_s=15,
    )
    travel = MatrixTravel(nodes=[1, 2], durations_s=[[0, 10], [10, 0]])
    problem = Problem(
        tasks=[task],
        couriers=[courier(start=1, end=None, shift=TimeWindow(0, 5000))],
        travel=travel,
    )
    plan = solved(problem)
    assert plan.unassigned == ()


def test_a_problem_without_couriers_leaves_every_task_with_no_courier() -> None:
    """Without couriers every task is unassigned with NO_COURIER (this used to crash Python)."""
    problem = Problem(
        tasks=[errand("e", 1, 2), Visit(id="v", stop=at(0))], couriers=[], travel=line(3)
    )
    plan = solve_isolated(problem, LIMITED)
    assert {u.task_id: u.reason for u in plan.unassigned} == {
        "e": UnassignedReason.NO_COURIER,
        "v": UnassignedReason.NO_COURIER,
    }
    assert validate(problem, plan) == []


def test_a_solution_limit_alone_stops_without_tasks_to_route() -> None:
    """One courier with two own stops and no task: a solution limit of 2 returns at once."""
    own = [OwnStop(id="a", stop=at(1)), OwnStop(id="b", stop=at(2))]
    problem = Problem(tasks=[], couriers=[courier(own_stops=own)], travel=line(3))
    for metaheuristic in sorted(METAHEURISTICS):
        options = SolveOptions(time_limit_s=None, solution_limit=2, metaheuristic=metaheuristic)
        plan = solve_isolated(problem, options, timeout_s=3.0)
        assert validate(problem, plan) == []


def _one_visit() -> Problem:
    return Problem(tasks=[Visit(id="v", stop=at(1))], couriers=[courier()], travel=line(2))


def _errand_blocked_by_an_own_stop() -> Problem:
    """Servable alone, but not with the own stop due at 180 s at node 3 (so never served)."""
    own = [OwnStop(id="parcel", stop=at(3, [(180, 180)]))]
    return Problem(
        tasks=[errand("e", 1, 0)],
        couriers=[courier(end=None, shift=TimeWindow(0, 240), own_stops=own)],
        travel=line(4),
    )


@pytest.mark.xfail(
    strict=True,
    raises=SolverHung,
    reason="guided local search, tabu search and OR-Tools' iterated local search never stop by "
    "themselves when the model has fewer improving solutions than solution_limit; only the 300 s "
    "safety net (SAFETY_TIME_LIMIT_S) ends the run, with a DispatchWarning, so the plan then "
    "depends on wall clock",
)
@pytest.mark.parametrize(
    ("instance", "metaheuristic"),
    [
        (_errand_blocked_by_an_own_stop, "ruin_and_recreate"),
        (_one_visit, "guided_local_search"),
        (_one_visit, "tabu_search"),
    ],
    ids=["blocked-errand-ruin-and-recreate", "one-visit-guided", "one-visit-tabu"],
)
def test_a_solution_limit_alone_stops_promptly(
    instance: Callable[[], Problem], metaheuristic: str
) -> None:
    """Tiny problems with a solution limit of 2 and no time limit return within 2 s."""
    problem = instance()
    options = SolveOptions(time_limit_s=None, solution_limit=2, metaheuristic=metaheuristic)
    plan = solve_isolated(problem, options, timeout_s=2.0)
    assert validate(problem, plan) == []


@pytest.mark.parametrize("instance", [_errand_blocked_by_an_own_stop, _one_visit])
def test_the_default_search_stops_after_its_solution_limit(
    instance: Callable[[], Problem],
) -> None:
    """The default ("auto": the compiled search here) counts its steps and stops by itself."""
    warm_up()  # compiled (or loaded) here, before the fork, outside the timeout
    problem = instance()
    plan = solve_isolated(problem, SolveOptions(time_limit_s=None, solution_limit=2), timeout_s=5.0)
    assert validate(problem, plan) == []


def test_auto_runs_the_compiled_search_unless_a_plan_is_given() -> None:
    """ "auto" and "sisr": SISR, ride limits or not; OR-Tools from a warm start; names kept."""
    plain = Problem(tasks=[errand("e", 1, 2)], couriers=[courier()], travel=line(3))
    plan = solve(plain, LIMITED)
    assert validate(plain, plan) == []
    assert _search_for("auto", None) == "sisr"
    assert _search_for("auto", plan) == "ruin_and_recreate"
    assert _search_for("sisr", None) == "sisr"
    assert _search_for("sisr", plan) == "ruin_and_recreate"
    assert _search_for("tabu_search", None) == "tabu_search"
    assert _search_for("tabu_search", plan) == "tabu_search"
