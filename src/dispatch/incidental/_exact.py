"""The exact optimum of small incidental-matching problems, to measure the matcher against.

Same objective as :class:`~dispatch.incidental.Matcher`: the summed
``value_per_priority_s * priority`` of the errands served minus the couriers'
added busy seconds (fairness off). Exact for couriers taking at most two
errands each: every feasible set of one or two errands per courier is priced
exhaustively, and a set-packing model (CP-SAT) picks one set per courier and
each errand at most once.

Pricing a pair ``{a, b}`` exhaustively: every feasible position of ``a`` in
the own route, then the best position of ``b`` in each resulting route, and
the same with ``b`` first. That covers every interleaving whose route with
only one of the two errands is feasible; removing a stop from a feasible
route keeps it feasible when travel obeys the triangle inequality (times only
move earlier, loads and busy time only drop) except through a maximum ride
time (a pickup served earlier can lengthen a ride), so the benchmark's
instances carry no maximum ride and the optimum is exact there.
"""

from __future__ import annotations

import itertools

import attrs
import numpy as np

from dispatch.errors import InvalidInputError
from dispatch.incidental._match import Matcher, MatchOptions
from dispatch.incidental._ortools_exact import pack
from dispatch.incidental._route import CourierRoute
from dispatch.model import Problem

__all__ = ["ExactMatching", "exact_match"]


@attrs.frozen(kw_only=True)
class ExactMatching:
    """The optimum: its value, and which errands each courier takes (ids)."""

    value: int
    served: int
    detour_s: int
    assignment: dict[str, tuple[str, ...]]


def _placements(matcher: Matcher, vehicle: int, errand: int) -> list[tuple[int, CourierRoute]]:
    """Every feasible way to put ``errand`` into the own route (full simulation), cheapest first."""
    own = matcher._own_routes[vehicle]
    found = []
    for i, j in itertools.combinations_with_replacement(range(len(own.refs) - 1), 2):
        route = matcher._with(own, errand, i, j)
        if route is not None:
            found.append((route.busy_s - own.busy_s, route))
    found.sort(key=lambda pair: pair[0])
    return found


def _pair_cost(
    matcher: Matcher,
    a: int,
    b: int,
    placed: dict[int, list[tuple[int, CourierRoute]]],
) -> int | None:
    """Least added busy seconds of serving errands ``a`` and ``b`` together on one courier."""
    best: int | None = None
    for first, second in ((a, b), (b, a)):
        routes: list[CourierRoute] = []
        costs: list[int] = []
        for cost, route in placed[first]:
            if best is not None and cost >= best:
                break  # the second errand never costs less than nothing
            routes.append(route)
            costs.append(cost)
        if not routes:
            continue
        # Price ``second`` on every candidate route in one kernel batch, a "vehicle" per route.
        result = matcher._price(
            np.full(len(routes), second, dtype=np.int64),
            np.arange(len(routes), dtype=np.int64),
            routes,
        )
        for cost, ok, more in zip(
            costs, result.feasible.tolist(), result.added_busy_s.tolist(), strict=True
        ):
            if ok and (best is None or cost + more < best):
                best = cost + more
    return best


def exact_match(problem: Problem, options: MatchOptions | None = None) -> ExactMatching:
    """The optimal matching of a small problem whose couriers take at most two errands each.

    Raises
    ------
    InvalidInputError
        A courier may take more than two errands, or an errand has a maximum ride.

    Examples
    --------
    >>> from dispatch import Courier, Errand, Location, MatrixTravel, Stop, TimeWindow
    >>> line = MatrixTravel(nodes=[0, 1, 2, 3],
    ...     durations_s=[[abs(a - b) * 100 for b in range(4)] for a in range(4)])
    >>> rider = Courier(id="r", start=Location(node=0), end=Location(node=3),
    ...                 shift=TimeWindow(0, 3600), capacity=1, max_tasks=2, detour_budget_s=200)
    >>> errands = [Errand(id=f"e{k}", pickup=Stop(location=Location(node=k)),
    ...                   dropoff=Stop(location=Location(node=k + 1))) for k in range(3)]
    >>> best = exact_match(Problem(tasks=errands, couriers=[rider], travel=line))
    >>> best.served, best.detour_s, sorted(best.assignment["r"])
    (2, 0, ['e0', 'e1'])
    """
    opts = options or MatchOptions()
    for courier in problem.couriers:
        if courier.max_tasks is None or courier.max_tasks > 2:
            raise InvalidInputError(
                f"Courier.max_tasks (id {courier.id!r})",
                "the exact model prices sets of at most two errands per courier",
            )
    for task in problem.tasks:
        if getattr(task, "max_ride_s", None) is not None:
            raise InvalidInputError(
                f"Errand.max_ride_s (id {task.id!r})",
                "the exact model needs errands without a maximum ride",
            )
    matcher = Matcher(problem, MatchOptions(value_per_priority_s=opts.value_per_priority_s))
    n_v = len(matcher.routes)
    n_e = len(matcher.errands)
    e_idx, v_idx = matcher._plausible(list(range(n_e)), list(range(n_v)))
    singles: dict[int, dict[int, int]] = {v: {} for v in range(n_v)}
    if e_idx.size:
        result = matcher._price(e_idx, v_idx)
        for e, v, ok, cost in zip(
            e_idx.tolist(),
            v_idx.tolist(),
            result.feasible.tolist(),
            result.added_busy_s.tolist(),
            strict=True,
        ):
            if ok:
                singles[v][e] = cost
    sets: list[tuple[int, tuple[int, ...], int]] = []
    priority = [e.priority for e in matcher.errands]
    for v in range(n_v):
        cap = matcher.routes[v].courier.max_tasks or 0
        if cap < 1:
            continue
        for e, cost in singles[v].items():
            sets.append((v, (e,), cost))
        if cap >= 2 and len(singles[v]) >= 2:
            placed = {e: _placements(matcher, v, e) for e in singles[v]}
            for a, b in itertools.combinations(sorted(singles[v]), 2):
                cost2 = _pair_cost(matcher, a, b, placed)
                if cost2 is not None:
                    sets.append((v, (a, b), cost2))
    values = [
        opts.value_per_priority_s * sum(priority[e] for e in chosen) - cost
        for _, chosen, cost in sets
    ]
    picked = pack([v for v, _, _ in sets], [chosen for _, chosen, _ in sets], values, n_v, n_e)
    assignment: dict[str, tuple[str, ...]] = {}
    served = detour = value = 0
    for k in picked:
        v, chosen, cost = sets[k]
        assignment[matcher.routes[v].courier.id] = tuple(matcher.errands[e].id for e in chosen)
        served += len(chosen)
        detour += cost
        value += values[k]
    return ExactMatching(value=value, served=served, detour_s=detour, assignment=assignment)
