"""Spare couriers: the search sees as many of a fleet's identical couriers as it can use.

A fleet of identical couriers (a depot's cars in the literature, one per request in
Sartori and Buriol's instances) costs the search time out of all proportion: OR-Tools
tries every insertion and every move into each empty route, and empty routes of
identical couriers are all the same route. With 100 identical cars for 100 requests
(Sartori-Buriol ``bar-n200-1``) the first local-search descent took the whole of a 5 s
budget (69 solutions) and the ruin-and-recreate search never started; with the fleet cut
by this rule to 33 cars (the construction used 26) the descent ended after 1.8 s and the
search found 493 solutions in the same time.

The rule (:func:`trimmed_fleet`): couriers are interchangeable when they are equal in
everything but their id and have no own stops. When such a class has a fixed cost, a
first construction (``solution_limit=1``) on the whole fleet counts the class's couriers
it uses, ``used``; the search then keeps ``used + max(MIN_SPARE, ceil(SPARE_SHARE *
used))`` of them (all, if fewer), the others stay out of the model. The fixed cost makes
each extra route cost more, so a search seldom needs more routes than its first
construction; the spares leave it room to open some. Nothing is trimmed when the
construction leaves a task out (the fleet may be what is short), for couriers without a
fixed cost (more routes may then shorten the plan), or when the search starts from a
given plan.

Trimming changes which couriers the search may use, never a rule: the plan is built,
explained and validated against the problem as given. The couriers kept are those on
the construction's routes and the class's first idle ones, in the problem's order.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Final

import attrs

from dispatch.model import Courier
from dispatch.solver._compile import CompiledProblem
from dispatch.solver._ortools import SearchSettings, solve_routes

__all__ = ["MIN_SPARE", "SPARE_SHARE", "interchangeable", "trimmed_fleet"]

#: Spare couriers kept per class beyond those the construction uses: at least this many ...
MIN_SPARE: Final = 2
#: ... and at least this share of the used ones.
SPARE_SHARE: Final = 0.25


def interchangeable(couriers: Sequence[Courier]) -> list[list[int]]:
    """Classes of couriers equal in everything but their id, without own stops.

    Each class lists vehicle numbers (positions in ``couriers``) in order; couriers
    with own stops and couriers equal to no other are left out.

    Examples
    --------
    >>> from dispatch import Courier, Location, TimeWindow
    >>> car = Courier(id="a", start=Location(node=0), shift=TimeWindow(0, 99), capacity=5)
    >>> fleet = [car, attrs.evolve(car, id="b"), attrs.evolve(car, id="c", capacity=9),
    ...          attrs.evolve(car, id="d")]
    >>> interchangeable(fleet)
    [[0, 1, 3]]
    """
    classes: dict[Courier, list[int]] = {}
    for v, courier in enumerate(couriers):
        if not courier.own_stops:
            classes.setdefault(attrs.evolve(courier, id="_"), []).append(v)
    return [members for members in classes.values() if len(members) > 1]


def trimmed_fleet(
    cp: CompiledProblem,
    penalties: Sequence[int],
    *,
    first_solution: str,
    time_limit_s: float,
) -> tuple[CompiledProblem, list[int]] | None:
    """``cp`` without the spare couriers of its fixed-cost fleets, and the vehicles kept.

    None when nothing is trimmed (see the module docstring for the rule). The first
    construction runs on ``cp`` with ``first_solution`` within ``time_limit_s``.

    Examples
    --------
    >>> from dispatch import Courier, Location, MatrixTravel, Problem, Stop, TimeWindow, Visit
    >>> from dispatch.solver._compile import compile_problem
    >>> travel = MatrixTravel(nodes=[0, 1, 2], durations_s=[[0, 60, 90], [60, 0, 40], [90, 40, 0]])
    >>> car = Courier(id="car1", start=Location(node=0), end=Location(node=0),
    ...               shift=TimeWindow(0, 3600), capacity=4, fixed_cost=1000)
    >>> problem = Problem(
    ...     tasks=[Visit(id=f"v{k}", stop=Stop(location=Location(node=1 + k % 2)))
    ...            for k in range(4)],
    ...     couriers=[attrs.evolve(car, id=f"car{k}") for k in range(1, 9)],
    ...     travel=travel,
    ... )
    >>> cp, kept = trimmed_fleet(compile_problem(problem), [10**6] * 4,
    ...                          first_solution="parallel_cheapest_insertion", time_limit_s=5)
    >>> [c.id for c in cp.couriers]
    ['car1', 'car2', 'car3']
    """
    classes = [c for c in interchangeable(cp.couriers) if cp.couriers[c[0]].fixed_cost > 0]
    if not classes or not cp.task_ids:
        return None
    probe = solve_routes(
        cp,
        SearchSettings(
            time_limit_s=max(0.001, time_limit_s),
            solution_limit=1,
            first_solution=first_solution,
            metaheuristic="greedy_descent",
        ),
        penalties=penalties,
    )
    if not probe.routes:
        return None
    served = {int(cp.node_task[n]) for nodes in probe.routes for n in nodes if cp.node_task[n] >= 0}
    if len(served) < len(cp.task_ids):
        return None
    dropped: set[int] = set()
    for members in classes:
        used = [v for v in members if len(probe.routes[v]) > 2]
        spare = max(MIN_SPARE, math.ceil(SPARE_SHARE * len(used)))
        idle = [v for v in members if len(probe.routes[v]) <= 2]
        dropped.update(idle[spare:])
    if not dropped:
        return None
    kept = [v for v in range(cp.n_vehicles) if v not in dropped]
    return cp.keep_vehicles(kept), kept
