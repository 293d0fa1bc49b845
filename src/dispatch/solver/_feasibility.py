"""Facts provable before solving: tasks no courier could ever serve, broken own routes.

Every check here is a relaxation of the full problem (a courier alone, without
other tasks and, for time, without its own stops), so a task it rejects is
infeasible in every plan; the reason says which rule, with the numbers.
"""

from __future__ import annotations

import itertools

import numpy as np

from dispatch.errors import InvalidInputError
from dispatch.model import TimeWindow
from dispatch.plan import Unassigned, UnassignedReason
from dispatch.solver._compile import CompiledProblem
from dispatch.solver._schedule import earliest_start, simulate

__all__ = ["check_own_routes", "prove_unservable"]

_ORDER = (
    UnassignedReason.SKILL,
    UnassignedReason.KIND,
    UnassignedReason.TASK_CAP,
    UnassignedReason.CAPACITY,
    UnassignedReason.TIME_WINDOW,
    UnassignedReason.DETOUR,
)


def clock(t_s: int) -> str:
    """Seconds from the start of the day as ``H:MM:SS``.

    >>> clock(3725)
    '1:02:05'
    """
    return f"{t_s // 3600}:{t_s % 3600 // 60:02d}:{t_s % 60:02d}"


def check_own_routes(cp: CompiledProblem) -> None:
    """Raise :class:`InvalidInputError` for a courier whose own stops alone are infeasible."""
    for v, courier in enumerate(cp.couriers):
        nodes = [cp.starts[v], *cp.own_nodes[v], cp.ends[v]]
        if simulate(cp, v, nodes) is not None:
            continue
        dur = cp.duration(v)
        t = courier.shift.earliest_s
        for a, b in itertools.pairwise(nodes):
            arrival = t + int(dur[a, b])
            start = earliest_start(cp.node_windows[b], arrival)
            what = "its shift end" if b == cp.ends[v] else f"own stop {cp.node_ref[b]!r}"
            if start is None or start > courier.shift.latest_s:
                raise InvalidInputError(
                    f"Courier.own_stops (id {courier.id!r})",
                    f"{what} cannot be reached in time: earliest arrival {clock(arrival)}",
                )
            t = start + int(cp.node_service_s[b])
        raise InvalidInputError(  # pragma: no cover - simulate and this loop agree
            f"Courier.own_stops (id {courier.id!r})", "own stops cannot all be served"
        )


def _shortest_ride(cp: CompiledProblem, v: int, nodes: tuple[int, ...]) -> int | None:
    """Shortest ride vehicle ``v`` alone can achieve for a pair, over all window choices.

    For a pickup window ``wp`` and a drop-off window ``wd``, the pickup should
    start as late as it can while the drop-off still starts at its earliest:
    at ``wd.earliest - service - travel``, clamped into what ``wp``, the
    arrival and ``wd.latest`` allow. That choice minimises both the ride and
    the drop-off time, so checking it per pair of windows is exact. None when
    no pair of windows gives a schedule within the shift.
    """
    courier = cp.couriers[v]
    dur = cp.duration(v)
    p, d = nodes
    s_p, s_d = int(cp.node_service_s[p]), int(cp.node_service_s[d])
    travel = int(dur[p, d])
    arrival = courier.shift.earliest_s + int(dur[cp.starts[v], p])
    shift_end = courier.shift.latest_s
    to_end = int(dur[d, cp.ends[v]])
    whole = (TimeWindow(0, shift_end),)
    best: int | None = None
    for wp in cp.node_windows[p] or whole:
        for wd in cp.node_windows[d] or whole:
            lo = max(arrival, wp.earliest_s)
            hi = min(wp.latest_s, wd.latest_s - s_p - travel)
            if lo > hi:
                continue
            start_p = min(max(wd.earliest_s - s_p - travel, lo), hi)
            start_d = max(start_p + s_p + travel, wd.earliest_s)
            if start_d + s_d + to_end > shift_end:
                continue
            ride_s = start_d - start_p - s_p
            best = ride_s if best is None else min(best, ride_s)
    return best


def _alone(cp: CompiledProblem, v: int, nodes: tuple[int, ...]) -> tuple[bool, str]:
    """Can vehicle ``v`` serve the task alone (no own stops)? Exact, including ride time."""
    courier = cp.couriers[v]
    dur = cp.duration(v)
    start, end = cp.starts[v], cp.ends[v]
    t = courier.shift.earliest_s
    prev = start
    starts: list[int] = []
    for node in nodes:
        arrival = t + int(dur[prev, node])
        s = earliest_start(cp.node_windows[node], arrival)
        if s is None or s > courier.shift.latest_s:
            role = cp.node_role[node].value
            windows = cp.node_windows[node]
            latest = min(
                windows[-1].latest_s if windows else courier.shift.latest_s, courier.shift.latest_s
            )
            return False, (
                f"{role} needs service by {clock(latest)}; courier {courier.id!r} arrives "
                f"at {clock(arrival)} at the earliest"
            )
        starts.append(s)
        t = s + int(cp.node_service_s[node])
        prev = node
    back = t + int(dur[prev, end])
    if back > courier.shift.latest_s:
        return False, (
            f"courier {courier.id!r} would end at {clock(back)}, after its shift "
            f"ends at {clock(courier.shift.latest_s)}"
        )
    task = int(cp.node_task[nodes[0]])
    ride = cp.max_ride_s[task]
    if ride is not None and len(nodes) == 2:
        shortest = _shortest_ride(cp, v, nodes)
        if shortest is None or shortest > ride:
            what = "no schedule" if shortest is None else f"shortest possible ride {shortest} s"
            return False, f"{what} within the windows and shift; maximum ride time {ride} s"
    return True, ""


def prove_unservable(cp: CompiledProblem) -> dict[int, Unassigned]:
    """Compiled tasks that no courier can serve in any plan, with the reason.

    Couriers with identical relevant attributes are checked once.
    """
    groups: dict[tuple[object, ...], int] = {}
    for v, c in enumerate(cp.couriers):
        key = (
            c.start,
            c.end,
            c.shift,
            c.capacity,
            c.skills,
            c.accepts,
            c.max_tasks == 0,
            c.profile,
            c.detour_budget_s,
            len(c.own_stops) > 0,
        )
        groups.setdefault(key, v)
    representatives = list(groups.values())
    out: dict[int, Unassigned] = {}
    if not representatives:
        for k, task_id in enumerate(cp.task_ids):
            out[k] = Unassigned(
                task_id=task_id,
                reason=UnassignedReason.NO_COURIER,
                detail="the problem has no courier",
            )
        return out
    for k, nodes in enumerate(cp.task_nodes):
        best: tuple[int, str] = (-1, "")
        for v in representatives:
            stage, detail = _check(cp, v, nodes)
            if stage == len(_ORDER):
                best = (stage, "")
                break
            if stage > best[0]:
                best = (stage, detail)
        if best[0] < len(_ORDER):
            out[k] = Unassigned(task_id=cp.task_ids[k], reason=_ORDER[best[0]], detail=best[1])
    return out


def _check(cp: CompiledProblem, v: int, nodes: tuple[int, ...]) -> tuple[int, str]:
    """How many of the checks in ``_ORDER`` vehicle ``v`` passes for the task, and why not."""
    courier = cp.couriers[v]
    skills = cp.node_skills[nodes[0]]
    if not skills <= courier.skills:
        missing = ", ".join(sorted(skills - courier.skills))
        return 0, f"no courier has the skill(s) {missing}"
    kind = cp.task_kind[cp.node_task[nodes[0]]]
    if not courier.takes(kind):
        return 1, f"no courier with the skills takes tasks of kind {kind!r}"
    if courier.max_tasks == 0:
        return 2, "every courier who could take it has a task cap of 0"
    load = cp.node_delta[nodes[0]]
    if (load > cp.capacity(v)).any():
        return 3, f"load {tuple(int(x) for x in load)} exceeds every courier's capacity"
    ok, why = _alone(cp, v, nodes)
    if not ok:
        return 4, why
    budget = courier.detour_budget_s
    service = int(np.sum(cp.node_service_s[list(nodes)]))
    if budget is not None and service > budget:
        return 5, f"service alone takes {service} s, over every detour budget"
    return 6, ""
