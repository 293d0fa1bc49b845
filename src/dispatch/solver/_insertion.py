"""Cheapest feasible insertion of one task into an existing route.

Exact on earliest-start schedules. The added distance of every pair of
positions is computed at once with numpy (O(1) per pair from the matrix);
candidates are then simulated cheapest first, so usually only a few full
schedule checks run. Used to explain why a task was left out and what it
would cost.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import numpy as np

from dispatch.solver._compile import CompiledProblem
from dispatch.solver._schedule import busy_s, earliest_start, simulate

__all__ = ["DeadlineReached", "Insertion", "cheapest_insertion"]

Insertion = tuple[int, tuple[int, ...]]
"""(added distance in metres, the new node sequence)."""


class DeadlineReached(Exception):
    """The caller's deadline passed before the search was complete."""


def _candidates(
    cp: CompiledProblem, vehicle: int, route: Sequence[int], nodes: tuple[int, ...], last: int
) -> list[tuple[int, int, int]]:
    """(added metres, i, j) for inserting before ``route[i]`` (and the drop-off before
    ``route[j]``), for pickup positions ``i <= last``; sorted cheapest first."""
    dist = cp.distance(vehicle)
    r = np.asarray(route, dtype=np.intp)
    prev, succ = r[:-1], r[1:]  # position i in 1..len-1 sits between prev[i-1] and succ[i-1]
    base = dist[prev, succ]
    first = nodes[0]
    add_first = dist[prev, first] + dist[first, succ] - base
    positions = np.arange(1, len(route))
    keep = positions <= last
    if len(nodes) == 1:
        order = np.argsort(add_first[keep], kind="stable")
        return [(int(add_first[k]), int(positions[k]), int(positions[k])) for k in order]
    second = nodes[1]
    add_second = dist[prev, second] + dist[second, succ] - base
    together = dist[prev, first] + dist[first, second] + dist[second, succ] - base
    i_idx, j_idx = np.triu_indices(len(positions))
    mask = keep[i_idx]
    i_idx, j_idx = i_idx[mask], j_idx[mask]
    added = np.where(i_idx == j_idx, together[i_idx], add_first[i_idx] + add_second[j_idx])
    order = np.argsort(added, kind="stable")
    return [(int(added[k]), int(positions[i_idx[k]]), int(positions[j_idx[k]])) for k in order]


def cheapest_insertion(
    cp: CompiledProblem,
    vehicle: int,
    route: Sequence[int],
    task: int,
    *,
    busy_limit: int | None,
    deadline: float | None = None,
    schedule: Sequence[tuple[int, int, int]] | None = None,
    admit: Callable[[int, int], bool] | None = None,
    max_checks: int | None = None,
) -> Insertion | None:
    """Cheapest feasible way to add compiled ``task`` to ``route`` (start..end), or None.

    ``busy_limit`` caps travel plus service seconds of the new route (the
    detour budget); None means no cap. Raises :class:`DeadlineReached` when
    ``deadline`` (a ``time.perf_counter()`` value) passes first.
    ``schedule`` is the route's earliest schedule when the caller has it
    already. ``admit(i, j)`` may rule positions out before they are
    simulated (a necessary condition); at most ``max_checks`` of the admitted
    ones are simulated, cheapest first (None: all).
    """
    nodes = cp.task_nodes[task]
    if not cp.eligible(task, vehicle):
        return None
    cap = cp.couriers[vehicle].max_tasks
    if cap is not None and len({int(cp.node_task[n]) for n in route} - {-1}) >= cap:
        return None
    base = simulate(cp, vehicle, route) if schedule is None else schedule
    if base is None:
        return None
    dur = cp.duration(vehicle)
    first = nodes[0]
    last = 0  # the last pickup position whose arrival can still meet the pickup's windows
    for i in range(1, len(route)):
        arrival = base[i - 1][2] + int(dur[route[i - 1], first])
        if earliest_start(cp.node_windows[first], arrival) is None:
            break  # departures only grow along the route
        last = i
    simulated = 0
    for checked, (added, i, j) in enumerate(_candidates(cp, vehicle, route, nodes, last)):
        if deadline is not None and checked % 64 == 0 and time.perf_counter() > deadline:
            raise DeadlineReached
        if admit is not None and not admit(i, j):
            continue
        if max_checks is not None and simulated >= max_checks:
            break
        simulated += 1
        if len(nodes) == 2:
            cand = (*route[:i], nodes[0], *route[i:j], nodes[1], *route[j:])
        else:
            cand = (*route[:i], nodes[0], *route[i:])
        if busy_limit is not None and busy_s(cp, vehicle, cand) > busy_limit:
            continue
        if simulate(cp, vehicle, cand) is not None:
            return added, cand
    return None
