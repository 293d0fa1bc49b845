"""Route a day in parts, apart (in parallel processes) and put back together: :func:`solve_parts`.

Each part (:class:`~dispatch.eldercare._parts.Part`) becomes a problem of
its tasks and couriers, solved by the core solver (:func:`dispatch.solve`)
with its share of the time; the plans are merged into one plan of the whole
problem, which :func:`dispatch.validate` checks like any other.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import logging
import multiprocessing
import time
from collections import Counter
from collections.abc import Iterator, Sequence

import attrs

from dispatch.eldercare._parts import Part
from dispatch.errors import SolverError
from dispatch.model import Problem
from dispatch.plan import ObjectiveParts, Plan, SolveStatus
from dispatch.solver import SolveOptions, solve

__all__ = ["MIN_PART_TIME_S", "SharedPool", "process_pool", "solve_parts"]

logger = logging.getLogger(__name__)

#: Shortest time limit a part gets from a budget.
MIN_PART_TIME_S = 0.3

_STATUS_RANK = {
    SolveStatus.OPTIMAL: 0,
    SolveStatus.FEASIBLE: 1,
    SolveStatus.NO_SOLUTION: 2,
    SolveStatus.INFEASIBLE: 3,
}


def _part_options(
    subs: Sequence[Problem],
    options: SolveOptions,
    *,
    budget_s: float | None,
    workers: int,
    power: float,
) -> list[SolveOptions]:
    """Each part's share of ``budget_s * workers``, in proportion to ``tasks ** power``."""
    if budget_s is None:
        return [options] * len(subs)
    sizes = [len(s.tasks) ** power for s in subs]
    total = sum(sizes) or 1.0
    return [
        attrs.evolve(options, time_limit_s=max(MIN_PART_TIME_S, budget_s * workers * n / total))
        for n in sizes
    ]


def _restrict(plan: Plan, part: Part) -> Plan:
    """The routes of ``part``'s couriers and the unassigned of its tasks."""
    couriers, tasks = set(part.courier_ids), set(part.task_ids)
    routes = tuple(r for r in plan.routes if r.courier_id in couriers)
    return Plan(
        routes=routes,
        unassigned=tuple(u for u in plan.unassigned if u.task_id in tasks),
        objective=ObjectiveParts(
            distance_m=sum(r.distance_m for r in routes), fixed_cost=0, penalty=0
        ),
        status=plan.status,
        runtime_s=0.0,
    )


def _better(problem: Problem, new: Plan, old: Plan) -> Plan:
    """The plan serving more, priority by priority (the highest first), then the shorter.

    Lexicographic: a plan that serves one meal fewer is worse whatever
    check-ins it gains. ``new`` on a tie; ``old`` when ``new`` is infeasible.
    """
    levels = sorted({t.priority for t in problem.tasks}, reverse=True)

    def key(plan: Plan) -> tuple[int, ...]:
        served = Counter(problem.task(t).priority for t in plan.assigned_task_ids())
        return (*(-served[p] for p in levels), plan.distance_m)

    if not new.is_feasible():
        return old
    return new if key(new) <= key(old) else old


def solve_parts(
    problem: Problem,
    parts: Sequence[Part],
    options: SolveOptions,
    *,
    workers: int = 1,
    budget_s: float | None = None,
    warm_start: Plan | None = None,
    pool: SharedPool | None = None,
) -> Plan:
    """Solve each part's tasks with its couriers and put the plans together.

    Routes keep the order of ``problem.couriers``, unassigned tasks the order
    of ``problem.tasks``; the status is the worst of the parts'; objectives
    add up. With ``workers > 1`` the parts run in ``pool`` (or a new pool of
    that many processes), the largest first. With ``budget_s``, each part's
    time limit is its share of ``budget_s * workers``: by the square of its
    tasks (a first plan takes about that), by its tasks with a warm start. A part that
    finds no plan in its time (a busy machine) is solved once more with twice
    the time. With ``warm_start`` (a plan whose routes each lie within one
    part), each part starts from its share of it and keeps that share when
    the search finds nothing better.
    """
    started = time.perf_counter()
    subs = [_sub_problem(problem, part) for part in parts]
    warm = [None if warm_start is None else _restrict(warm_start, p) for p in parts]
    order = sorted(range(len(subs)), key=lambda k: -len(subs[k].tasks))
    # Building a first plan takes about the square of the tasks; improving a warm start less.
    power = 1.0 if warm_start is not None else 2.0
    each = _part_options(subs, options, budget_s=budget_s, workers=workers, power=power)
    plans: list[Plan | None] = [None] * len(subs)
    if workers > 1 and len(subs) > 1:
        shared = pool is not None and pool.problem is problem
        own = pool is None
        executor = (
            pool.executor
            if pool is not None
            else concurrent.futures.ProcessPoolExecutor(
                min(workers, len(subs)), mp_context=multiprocessing.get_context("spawn")
            )
        )
        try:
            futures = {
                k: executor.submit(_solve_shared, parts[k], each[k], warm[k])
                if shared
                else executor.submit(_solve_one, subs[k], each[k], warm[k])
                for k in order
            }
            for k, future in futures.items():
                plans[k] = future.result()
        finally:
            if own:
                executor.shutdown()
    else:
        for k in order:
            plans[k] = _solve_one(subs[k], each[k], warm[k])
    done: list[Plan] = []
    for k, plan in enumerate(plans):
        if plan is None:  # pragma: no cover - every future has a result
            raise SolverError(f"part {k} returned no plan")
        limit_s = each[k].time_limit_s
        if not plan.is_feasible() and limit_s is not None:
            # No first plan in time (a busy machine): once more, with twice the time.
            logger.info("part %d found no plan; trying again for %.1f s", k, 2 * limit_s)
            plan = _solve_one(subs[k], attrs.evolve(each[k], time_limit_s=2 * limit_s), warm[k])
        start = warm[k]
        if start is not None:
            plan = _better(subs[k], plan, start)
        logger.debug(
            "part of %d tasks, %d couriers: %s, %d unassigned, %.1f s",
            len(parts[k].task_ids),
            len(parts[k].courier_ids),
            plan.status.value,
            len(plan.unassigned),
            plan.runtime_s,
        )
        done.append(plan)
    rank = {c.id: k for k, c in enumerate(problem.couriers)}
    task_rank = {t.id: k for k, t in enumerate(problem.tasks)}
    routes = sorted((r for p in done for r in p.routes), key=lambda r: rank[r.courier_id])
    unassigned = sorted((u for p in done for u in p.unassigned), key=lambda u: task_rank[u.task_id])
    status = max(
        (p.status for p in done), key=_STATUS_RANK.__getitem__, default=SolveStatus.OPTIMAL
    )
    return Plan(
        routes=tuple(routes),
        unassigned=tuple(unassigned),
        objective=ObjectiveParts(
            distance_m=sum(p.objective.distance_m for p in done),
            fixed_cost=sum(p.objective.fixed_cost for p in done),
            penalty=sum(p.objective.penalty for p in done),
        ),
        status=status,
        runtime_s=time.perf_counter() - started,
    )


#: The whole problem of the day, in a worker process of :func:`process_pool`.
_SHARED: list[Problem] = []


def _adopt(problem: Problem) -> None:
    """Worker initialiser: keep the whole problem, so each part is sent as ids only."""
    _SHARED[:] = [problem]


def _sub_problem(problem: Problem, part: Part) -> Problem:
    return Problem(
        tasks=[problem.task(t) for t in part.task_ids],
        couriers=[problem.courier(c) for c in part.courier_ids],
        travel=problem.travel,
    )


def _solve_shared(part: Part, options: SolveOptions, warm: Plan | None) -> Plan:
    """:func:`_solve_one` of ``part`` of the problem the worker adopted."""
    return _solve_one(_sub_problem(_SHARED[0], part), options, warm)


@attrs.frozen(eq=False)
class SharedPool:
    """Worker processes that hold ``problem`` (sent once, not with every part)."""

    executor: concurrent.futures.Executor
    problem: Problem


def _solve_one(problem: Problem, options: SolveOptions, warm: Plan | None) -> Plan:
    """``solve`` from ``warm`` when it has routes (picklable for worker processes)."""
    if warm is not None and warm.routes:
        return solve(problem, options, warm_start=warm)
    return solve(problem, options)


@contextlib.contextmanager
def process_pool(workers: int, problem: Problem) -> Iterator[SharedPool | None]:
    """A pool of ``workers`` spawned processes holding ``problem`` (None for one worker).

    The rounds share it; each worker receives the problem (and its travel
    table, megabytes for a district) once, then only the ids of each part.
    """
    if workers <= 1:
        yield None
        return
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(
        workers, mp_context=context, initializer=_adopt, initargs=(problem,)
    ) as pool:
        yield SharedPool(executor=pool, problem=problem)
