"""The multi-core portfolio: ``SolveOptions(workers=N)`` keeps the best of N seeded searches."""

from __future__ import annotations

import multiprocessing
import sys

import attrs
import pytest

from dispatch import (
    Courier,
    Errand,
    InvalidInputError,
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
from dispatch.solver import start_workers
from dispatch.solver._portfolio import _metaheuristics, best_of

LIMITED = SolveOptions(time_limit_s=None, solution_limit=50, metaheuristic="greedy_descent")


def grid_problem() -> Problem:
    """Twelve places on a 4 x 3 grid, two couriers, errands and visits."""
    points = [(x, y) for x in range(4) for y in range(3)]
    durations = [[60 * (abs(a - c) + abs(b - d)) for c, d in points] for a, b in points]
    travel = MatrixTravel(nodes=range(len(points)), durations_s=durations)
    at = lambda n: Stop(location=Location(node=n), service_s=30)  # noqa: E731
    tasks = [
        Errand(id=f"e{k}", pickup=at(k), dropoff=at(11 - k), priority=1 + k % 3) for k in range(4)
    ] + [Visit(id=f"v{k}", stop=at(4 + k)) for k in range(3)]
    couriers = [
        Courier(id="a", start=Location(node=0), shift=TimeWindow(0, 3600), capacity=2),
        Courier(id="b", start=Location(node=11), shift=TimeWindow(0, 3600), capacity=2),
    ]
    return Problem(tasks=tasks, couriers=couriers, travel=travel)


def test_portfolio_keeps_the_best_of_its_seeds() -> None:
    """Two workers of one metaheuristic give the better of the two seeds' own plans."""
    problem = grid_problem()
    alone = [solve(problem, attrs.evolve(LIMITED, seed=s)) for s in (0, 1)]
    both = solve(problem, attrs.evolve(LIMITED, workers=2, worker_metaheuristic=None))
    assert validate(problem, both) == []
    assert both.objective.total == min(p.objective.total for p in alone)


def test_the_first_worker_runs_the_worker_metaheuristic() -> None:
    """By default the second search is the compiled string-removal search, seed + 1."""
    problem = grid_problem()
    here = solve(problem, LIMITED)
    there = solve(problem, attrs.evolve(LIMITED, seed=1, metaheuristic="sisr"))
    both = solve(problem, attrs.evolve(LIMITED, workers=2))
    assert validate(problem, both) == []
    assert both.objective.total == min(here.objective.total, there.objective.total)
    assert _metaheuristics(attrs.evolve(LIMITED, workers=3), 2) == ["sisr", "greedy_descent"]
    none = attrs.evolve(LIMITED, workers=3, worker_metaheuristic=None)
    assert _metaheuristics(none, 2) == ["greedy_descent", "greedy_descent"]


def test_portfolio_honours_the_time_limit() -> None:
    """With a time limit the portfolio returns a valid plan without waiting for late workers."""
    problem = grid_problem()
    plan = solve(problem, SolveOptions(time_limit_s=3, workers=2))
    assert validate(problem, plan) == []
    assert plan.runtime_s < 3 * 1.1 + 0.6


def test_best_of_prefers_feasible_then_cheaper() -> None:
    """best_of takes the lowest objective among plans, the first on ties."""
    problem = grid_problem()
    a = solve(problem, LIMITED)
    worse = attrs.evolve(a, objective=attrs.evolve(a.objective, penalty=a.objective.penalty + 1))
    assert best_of([worse, a]) is a
    assert best_of([a, attrs.evolve(a)]) is a


@pytest.mark.parametrize("workers", [0, -1, 1.5, True])
def test_bad_worker_counts_are_rejected(workers: object) -> None:
    """workers must be an int >= 1."""
    with pytest.raises(InvalidInputError, match=r"SolveOptions\.workers"):
        SolveOptions(workers=workers)  # type: ignore[arg-type]


def test_a_pool_process_that_used_the_workers_exits() -> None:
    """A process started by multiprocessing whose solves used worker processes ends.

    multiprocessing ends such a process without atexit and joins its children first;
    the portfolio's idle workers used to make that join wait for ever.
    """
    child = multiprocessing.get_context("spawn").Process(target=start_workers, args=(1,))
    child.start()
    child.join(timeout=120)
    stuck = child.is_alive()
    if stuck:
        child.kill()
        child.join()
    assert not stuck
    assert child.exitcode == 0


def _exit_with_kernels_loaded() -> None:
    start_workers(1)
    sys.exit(0 if "dispatch.solver._sisr_kernels" in sys.modules else 3)


def test_start_workers_loads_the_compiled_search_in_the_calling_process() -> None:
    """start_workers loads the SISR kernels here too, since the default search runs them here."""
    child = multiprocessing.get_context("spawn").Process(target=_exit_with_kernels_loaded)
    child.start()
    child.join(timeout=120)
    if child.is_alive():
        child.kill()
        child.join()
    assert child.exitcode == 0
