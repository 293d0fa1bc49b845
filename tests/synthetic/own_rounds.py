"""The plan in which every courier serves only its own stops, each as early as possible."""

from __future__ import annotations

import attrs

from dispatch import (
    Courier,
    ObjectiveParts,
    Plan,
    PlannedStop,
    Problem,
    Route,
    SolveStatus,
    StopRole,
)

__all__ = ["own_rounds_plan", "own_route"]


def own_route(problem: Problem, courier: Courier) -> Route:
    """``courier`` leaves at the start of its shift and serves its own stops as early as it can.

    Travel comes from ``problem.travel`` (one matrix for the route, as the
    validator asks for it); service starts on arrival or when the first
    window that has not closed yet opens.
    """
    places = [courier.start, *(own.stop.location for own in courier.own_stops)]
    if courier.end is not None:
        places.append(courier.end)
    matrix = problem.travel.matrix(places, courier.profile)
    empty = (0,) * len(courier.capacity)
    leave_s = courier.shift.earliest_s
    stops = [_at(StopRole.START, courier.id, leave_s, empty)]
    distance_m = 0
    for k, own in enumerate(courier.own_stops, start=1):
        arrival_s = leave_s + int(matrix.durations_s[k - 1, k])
        distance_m += int(matrix.distances_m[k - 1, k])
        open_windows = [w for w in own.stop.windows if w.latest_s >= arrival_s]
        start_s = max(arrival_s, open_windows[0].earliest_s) if open_windows else arrival_s
        leave_s = start_s + own.stop.service_s
        stops.append(
            PlannedStop(
                role=StopRole.OWN,
                ref=own.id,
                arrival_s=arrival_s,
                start_s=start_s,
                departure_s=leave_s,
                load_after=empty,
            )
        )
    if courier.end is not None:
        last = len(places) - 1
        end_s = leave_s + int(matrix.durations_s[last - 1, last])
        distance_m += int(matrix.distances_m[last - 1, last])
    else:
        end_s = leave_s
    stops.append(_at(StopRole.END, courier.id, end_s, empty))
    return Route(
        courier_id=courier.id,
        stops=tuple(stops),
        distance_m=distance_m,
        duration_s=end_s - courier.shift.earliest_s,
    )


def _at(role: StopRole, ref: str, t_s: int, load: tuple[int, ...]) -> PlannedStop:
    """A START or END stop: arrival = start = departure = ``t_s``."""
    return PlannedStop(
        role=role, ref=ref, arrival_s=t_s, start_s=t_s, departure_s=t_s, load_after=load
    )


def own_rounds_plan(problem: Problem) -> tuple[Problem, Plan]:
    """The problem without its tasks, and the plan of every courier's own round alone."""
    bare = attrs.evolve(problem, tasks=())
    routes = tuple(own_route(bare, c) for c in bare.couriers if c.own_stops)
    plan = Plan(
        routes=routes,
        unassigned=(),
        objective=ObjectiveParts(
            distance_m=sum(r.distance_m for r in routes), fixed_cost=0, penalty=0
        ),
        status=SolveStatus.FEASIBLE,
        runtime_s=0.0,
    )
    return bare, plan
