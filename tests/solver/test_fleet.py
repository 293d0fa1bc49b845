"""Spare couriers left out of the search (``dispatch.solver._fleet``, ``trim_fleet``)."""

from __future__ import annotations

import math
import warnings

import attrs
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.solver.isolated import solve_isolated
from tests.strategies import problems, solver_settings

from dispatch import (
    Courier,
    DispatchWarning,
    Errand,
    Location,
    MatrixTravel,
    OwnStop,
    Problem,
    SolveOptions,
    Stop,
    TimeWindow,
    validate,
)
from dispatch.solver._compile import CompiledProblem, compile_problem
from dispatch.solver._fleet import MIN_SPARE, SPARE_SHARE, interchangeable, trimmed_fleet
from dispatch.solver._ortools import SearchSettings, solve_routes
from dispatch.solver._solve import _penalties

OPTIONS = SolveOptions(time_limit_s=None, solution_limit=60, metaheuristic="greedy_descent")
FIELDS = [f.name for f in attrs.fields(CompiledProblem) if f.name != "problem"]


def _same(a: CompiledProblem, b: CompiledProblem) -> None:
    """Every compiled field of ``a`` equals ``b``'s, and the couriers are the same."""
    assert a.couriers == b.couriers
    for name in FIELDS:
        x, y = getattr(a, name), getattr(b, name)
        if name in ("durations_s", "distances_m"):
            assert len(x) == len(y) and all(
                np.array_equal(p, q) for p, q in zip(x, y, strict=True)
            ), name
        elif isinstance(x, np.ndarray):
            assert np.array_equal(x, y), name
        else:
            assert x == y, name


def fleet_problem(cars: int, errands: int, *, fixed_cost: int = 10_000) -> Problem:
    """``errands`` errands on a line of 12 places, ``cars`` identical cars at place 0."""
    travel = MatrixTravel(
        nodes=range(12), durations_s=[[abs(a - b) * 60 for b in range(12)] for a in range(12)]
    )
    car = Courier(
        id="car1",
        start=Location(node=0),
        end=Location(node=0),
        shift=TimeWindow(0, 4 * 3600),
        capacity=3,
        fixed_cost=fixed_cost,
    )
    tasks = [
        Errand(
            id=f"e{k}",
            pickup=Stop(location=Location(node=1 + k % 11)),
            dropoff=Stop(location=Location(node=1 + (5 * k + 3) % 11), windows=[(0, 3600)]),
        )
        for k in range(errands)
    ]
    couriers = [attrs.evolve(car, id=f"car{k}") for k in range(1, cars + 1)]
    return Problem(tasks=tasks, couriers=couriers, travel=travel)


@solver_settings(40)
@given(problem=problems(), data=st.data())
def test_keeping_vehicles_compiles_as_the_smaller_problem(
    problem: Problem, data: st.DataObject
) -> None:
    """Keeping some vehicles gives what compiling the problem with only their couriers gives."""
    full = compile_problem(problem)
    optional = [v for v in range(full.n_vehicles) if not full.own_nodes[v]]
    dropped = set(data.draw(st.lists(st.sampled_from(optional), unique=True)) if optional else [])
    kept = [v for v in range(full.n_vehicles) if v not in dropped] or [0]  # never none
    smaller = attrs.evolve(problem, couriers=[problem.couriers[v] for v in kept])
    _same(full.keep_vehicles(kept), compile_problem(smaller))


def test_keeping_vehicles_refuses_to_drop_own_stops_or_repeat() -> None:
    """A vehicle with own stops cannot be dropped; vehicle numbers must be distinct and valid."""
    problem = fleet_problem(cars=3, errands=2)
    rider = attrs.evolve(
        problem.couriers[0],
        id="rider",
        own_stops=[OwnStop(id="parcel", stop=Stop(location=Location(node=4)))],
    )
    cp = compile_problem(attrs.evolve(problem, couriers=[*problem.couriers, rider]))
    with pytest.raises(ValueError, match="own stops"):
        cp.keep_vehicles([0, 1, 2])
    with pytest.raises(ValueError, match="distinct"):
        cp.keep_vehicles([0, 0, 3])
    with pytest.raises(ValueError, match="distinct"):
        cp.keep_vehicles([3, 4])


@given(problem=problems(max_couriers=6))
def test_interchangeable_couriers_differ_only_in_their_ids(problem: Problem) -> None:
    """Each class holds two or more couriers without own stops, equal but for the id."""
    classes = interchangeable(problem.couriers)
    seen = [v for members in classes for v in members]
    assert len(seen) == len(set(seen))
    for members in classes:
        assert len(members) > 1 and members == sorted(members)
        first = problem.couriers[members[0]]
        for v in members:
            assert not problem.couriers[v].own_stops
            assert attrs.evolve(problem.couriers[v], id=first.id) == first
    for v, courier in enumerate(problem.couriers):
        if v not in seen and not courier.own_stops:
            others = [c for u, c in enumerate(problem.couriers) if u != v]
            assert all(attrs.evolve(c, id=courier.id) != courier for c in others)


def test_a_fleet_keeps_the_used_cars_and_a_few_spares() -> None:
    """Twenty cars for six errands: the construction's cars plus max(2, a quarter) spares."""
    problem = fleet_problem(cars=20, errands=6)
    cp = compile_problem(problem)
    penalties = _penalties(cp)
    result = trimmed_fleet(
        cp, penalties, first_solution="parallel_cheapest_insertion", time_limit_s=5
    )
    assert result is not None
    trimmed, kept = result
    # The same construction (deterministic: one solution), counted here.
    probe = solve_routes(
        cp,
        SearchSettings(
            time_limit_s=5,
            solution_limit=1,
            first_solution="parallel_cheapest_insertion",
            metaheuristic="greedy_descent",
        ),
        penalties=penalties,
    )
    used = [v for v, nodes in enumerate(probe.routes) if len(nodes) > 2]
    assert set(used) <= set(kept)
    assert len(kept) == len(used) + max(MIN_SPARE, math.ceil(SPARE_SHARE * len(used)))
    assert kept == sorted(kept)
    assert [c.id for c in trimmed.couriers] == [problem.couriers[v].id for v in kept]


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"fixed_cost": 0}, "without a fixed cost more routes may shorten the plan"),
        ({"cars": 3}, "nothing spare: three cars, all needed or kept as spares"),
    ],
)
def test_nothing_is_trimmed(change: dict[str, int], why: str) -> None:
    """No trimming without a fixed cost, or when the fleet is no larger than what is kept."""
    cars = change.get("cars", 20)
    problem = fleet_problem(cars=cars, errands=6, fixed_cost=change.get("fixed_cost", 10_000))
    cp = compile_problem(problem)
    assert (
        trimmed_fleet(
            cp, _penalties(cp), first_solution="parallel_cheapest_insertion", time_limit_s=5
        )
        is None
    ), why


def test_nothing_is_trimmed_when_the_construction_leaves_a_task_out() -> None:
    """A task the construction cannot place means the fleet may be short: all cars stay."""
    problem = fleet_problem(cars=12, errands=4)
    cp = compile_problem(problem)
    first = "parallel_cheapest_insertion"
    assert trimmed_fleet(cp, _penalties(cp), first_solution=first, time_limit_s=5) is not None
    far = Errand(
        id="late",
        pickup=Stop(location=Location(node=11)),
        dropoff=Stop(location=Location(node=1), windows=[(0, 60)]),  # unreachable in time
    )
    problem = attrs.evolve(problem, tasks=[*problem.tasks, far])
    cp = compile_problem(problem)
    assert (
        trimmed_fleet(
            cp, _penalties(cp), first_solution="parallel_cheapest_insertion", time_limit_s=5
        )
        is None
    )


@solver_settings(30)
@given(
    cars=st.integers(2, 12),
    errands=st.integers(1, 10),
    trim=st.booleans(),
    fixed_cost=st.sampled_from([0, 1, 10_000]),
)
def test_fleet_plans_validate_with_and_without_trimming(
    cars: int, errands: int, trim: bool, fixed_cost: int
) -> None:
    """Trimmed or not, every plan passes the validator and routes or explains every errand."""
    problem = fleet_problem(cars=cars, errands=errands, fixed_cost=fixed_cost)
    plan = solve_isolated(problem, attrs.evolve(OPTIONS, trim_fleet=trim))
    assert validate(problem, plan) == []
    routed = [s.ref for r in plan.routes for s in r.stops if s.role.value == "pickup"]
    assert sorted(routed + [u.task_id for u in plan.unassigned]) == sorted(
        t.id for t in problem.tasks
    )


def test_trimming_keeps_the_fleet_plan_as_good_on_a_small_fleet() -> None:
    """On twenty cars for eight errands the trimmed search ends no worse than the full one."""
    problem = fleet_problem(cars=20, errands=8)
    options = SolveOptions(time_limit_s=None, solution_limit=400)
    trimmed = solve_isolated(problem, options)
    full = solve_isolated(problem, attrs.evolve(options, trim_fleet=False))
    assert validate(problem, trimmed) == [] and not trimmed.unassigned
    assert trimmed.couriers_used <= full.couriers_used


def test_a_trimmed_fleet_beside_a_courier_with_own_stops_keeps_them() -> None:
    """A rider's own stops stay on the rider's route when the cars beside it are trimmed."""
    problem = fleet_problem(cars=16, errands=6)
    rider = attrs.evolve(
        problem.couriers[0],
        id="rider",
        fixed_cost=0,
        own_stops=[
            OwnStop(id="parcel-a", stop=Stop(location=Location(node=3))),
            OwnStop(id="parcel-b", stop=Stop(location=Location(node=9))),
        ],
    )
    problem = attrs.evolve(problem, couriers=[*problem.couriers, rider])
    cp = compile_problem(problem)
    first = "parallel_cheapest_insertion"
    assert trimmed_fleet(cp, _penalties(cp), first_solution=first, time_limit_s=5) is not None
    with warnings.catch_warnings():
        # The search starts from the own routes of the couriers kept, not a misread start.
        warnings.simplefilter("error", DispatchWarning)
        plan = solve_isolated(problem, OPTIONS)
    assert validate(problem, plan) == []
    route = plan.route_of("rider")
    assert route is not None
    own = [s.ref for s in route.stops if s.role.value == "own"]
    assert own == ["parcel-a", "parcel-b"]
