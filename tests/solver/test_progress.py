"""Progress reports of a running search (``solve(progress=...)``)."""

from __future__ import annotations

from tests.solver.test_portfolio import grid_problem

from dispatch import SolveOptions, solve, validate
from dispatch.solver import SearchProgress


def test_progress_reports_solutions_and_ends_with_the_plans_objective() -> None:
    """Reports come in time order, count solutions; the last is done, with the plan's cost."""
    problem = grid_problem()
    seen: list[SearchProgress] = []
    options = SolveOptions(time_limit_s=None, solution_limit=30, metaheuristic="greedy_descent")
    plan = solve(problem, options, progress=seen.append)
    assert validate(problem, plan) == []
    assert seen and seen[-1].done and not any(p.done for p in seen[:-1])
    assert [p.elapsed_s for p in seen] == sorted(p.elapsed_s for p in seen)
    assert [p.solutions for p in seen] == sorted(p.solutions for p in seen)
    assert seen[-1].best_objective == plan.objective.total
    assert seen[-1].fraction is None  # no time limit


def test_progress_with_a_time_limit_reports_the_elapsed_fraction() -> None:
    """With a time limit, the fraction is the elapsed share of it, at most 1."""
    problem = grid_problem()
    seen: list[SearchProgress] = []
    solve(problem, SolveOptions(time_limit_s=0.5), progress=seen.append)
    assert seen[-1].done and seen[-1].time_limit_s == 0.5
    assert all(p.fraction is not None and 0 <= p.fraction <= 1 for p in seen)
