"""Cheapest feasible insertion of one task into an existing route.

Straightforward and exact on earliest-start schedules: every pair of
positions is tried, with early exits once the pickup can no longer be reached
in time. Used to explain why a task was left out and what it would cost.
"""

from __future__ import annotations

from collections.abc import Sequence

from dispatch.solver._compile import CompiledProblem
from dispatch.solver._schedule import busy_s, distance_m, earliest_start, simulate

__all__ = ["Insertion", "cheapest_insertion"]

Insertion = tuple[int, tuple[int, ...]]
"""(added distance in metres, the new node sequence)."""


def cheapest_insertion(
    cp: CompiledProblem,
    vehicle: int,
    route: Sequence[int],
    task: int,
    *,
    busy_limit: int | None,
) -> Insertion | None:
    """Cheapest feasible way to add compiled ``task`` to ``route`` (start..end), or None.

    ``busy_limit`` caps travel plus service seconds of the new route (the
    detour budget); None means no cap.
    """
    nodes = cp.task_nodes[task]
    if not cp.node_skills[nodes[0]] <= cp.couriers[vehicle].skills:
        return None
    base = simulate(cp, vehicle, route)
    if base is None:
        return None
    dur = cp.duration(vehicle)
    base_distance = distance_m(cp, vehicle, route)
    best: Insertion | None = None
    first = nodes[0]
    for i in range(1, len(route)):
        arrival = base[i - 1][2] + int(dur[route[i - 1], first])
        if earliest_start(cp.node_windows[first], arrival) is None:
            break  # departures only grow along the route
        j_range = range(i, len(route)) if len(nodes) == 2 else range(i, i + 1)
        for j in j_range:
            if len(nodes) == 2:
                cand = (*route[:i], nodes[0], *route[i:j], nodes[1], *route[j:])
            else:
                cand = (*route[:i], nodes[0], *route[i:])
            added = distance_m(cp, vehicle, cand) - base_distance
            if best is not None and added >= best[0]:
                continue
            if busy_limit is not None and busy_s(cp, vehicle, cand) > busy_limit:
                continue
            if simulate(cp, vehicle, cand) is not None:
                best = (added, cand)
    return best
