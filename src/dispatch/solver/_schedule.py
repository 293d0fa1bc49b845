"""Earliest-start schedules of node sequences on compiled problems.

Used by the pre-solve feasibility proofs and by insertion; the OR-Tools layer
does not use it, and the validator has its own independent code.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from dispatch.model import TimeWindow
from dispatch.solver._compile import CompiledProblem

__all__ = ["busy_s", "distance_m", "earliest_start", "own_baseline_busy_s", "simulate"]


def earliest_start(windows: Sequence[TimeWindow], arrival_s: int) -> int | None:
    """The earliest service start at or after ``arrival_s`` inside ``windows``; None if none.

    >>> earliest_start([TimeWindow(10, 20), TimeWindow(40, 50)], 25)
    40
    >>> earliest_start([TimeWindow(10, 20)], 21) is None
    True
    >>> earliest_start([], 7)
    7
    """
    if not windows:
        return arrival_s
    for w in windows:
        if arrival_s <= w.latest_s:
            return max(arrival_s, w.earliest_s)
    return None


def simulate(
    cp: CompiledProblem, vehicle: int, nodes: Sequence[int]
) -> list[tuple[int, int, int]] | None:
    """Earliest schedule ``(arrival, start, departure)`` per node of a full route, or None.

    ``nodes`` runs from the vehicle's start node to its end node. Checks
    windows, the shift, capacity and maximum ride times of the route's paired
    tasks on the earliest schedule (which is conservative for ride times).
    """
    courier = cp.couriers[vehicle]
    dur = cp.duration(vehicle)
    cap = cp.capacity(vehicle)
    load = cp.node_delta[nodes[0]] * 0
    out: list[tuple[int, int, int]] = []
    t = courier.shift.earliest_s
    prev = nodes[0]
    picked: dict[int, int] = {}
    for k, node in enumerate(nodes):
        arrival = t if k == 0 else out[-1][2] + int(dur[prev, node])
        start = earliest_start(cp.node_windows[node], arrival)
        if start is None or start > courier.shift.latest_s:
            return None
        departure = start + int(cp.node_service_s[node])
        load = load + cp.node_delta[node]
        if (load > cap).any() or (load < 0).any():
            return None
        task = int(cp.node_task[node])
        if task >= 0:
            ride = cp.max_ride_s[task]
            if node == cp.task_nodes[task][0]:
                picked[task] = departure
            elif ride is not None and task in picked and start - picked[task] > ride:
                return None
        out.append((arrival, start, departure))
        prev = node
    return out


def busy_s(cp: CompiledProblem, vehicle: int, nodes: Sequence[int]) -> int:
    """Travel plus service seconds along ``nodes`` (what a detour budget limits)."""
    dur = cp.duration(vehicle)
    travel = sum(int(dur[a, b]) for a, b in itertools.pairwise(nodes))
    return travel + int(cp.node_service_s[list(nodes)].sum())


def distance_m(cp: CompiledProblem, vehicle: int, nodes: Sequence[int]) -> int:
    """Metres along ``nodes`` for this vehicle's profile."""
    dist = cp.distance(vehicle)
    return sum(int(dist[a, b]) for a, b in itertools.pairwise(nodes))


def own_baseline_busy_s(cp: CompiledProblem, vehicle: int) -> int:
    """Busy seconds of the vehicle's own stops alone (start, own stops, end)."""
    return busy_s(cp, vehicle, [cp.starts[vehicle], *cp.own_nodes[vehicle], cp.ends[vehicle]])
