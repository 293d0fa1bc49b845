"""Checks of the dispatcher's own invariants while a day runs.

- :func:`held_violations`: every task held (accepted or picked up) is held by
  exactly the courier its record names, and no task is in two couriers' hands.
- :func:`offer_violations`: the route an offer implies -- the courier as the
  dispatcher plans them now (position, remaining own stops, held tasks, free
  capacity, what is left of the detour budget and of the caps) with the
  offered task inserted where the offer says -- scheduled as early as
  possible and checked with :func:`dispatch.validate`, which shares no code
  with the matcher.

Both return human-readable lines (empty when all is well).
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from dispatch.model import Courier, Problem, Stop, Task
from dispatch.online import DispatchState, TaskState
from dispatch.online._lifecycle import HELD
from dispatch.online._planner import Planner, merged_stops, planning_kind, stop_id
from dispatch.plan import ObjectiveParts, Plan, PlannedStop, Route, SolveStatus, StopRole
from dispatch.simulate._meals import start_in
from dispatch.travel import TravelTimes
from dispatch.validation import validate

__all__ = ["held_violations", "offer_violations", "timed_route"]

Item = tuple[StopRole, str, Stop, tuple[int, ...]]  # role, ref, stop, load change


def held_violations(state: DispatchState) -> list[str]:
    """Tasks held by two couriers, or held by someone their record does not name.

    Examples
    --------
    >>> held_violations(DispatchState())
    []
    """
    found: list[str] = []
    holder: dict[str, str] = {}
    for courier_id in sorted(state.couriers):
        for task_id in state.couriers[courier_id].held:
            if task_id in holder:
                found.append(f"task {task_id} is held by {holder[task_id]} and {courier_id}")
            holder[task_id] = courier_id
    for task_id, courier_id in holder.items():
        record = state.tasks[task_id]
        if record.state not in HELD or record.courier_id != courier_id:
            found.append(
                f"courier {courier_id} holds task {task_id}, which is {record.state.value} "
                f"(courier {record.courier_id})"
            )
    for record in state.active_tasks():
        if record.state in HELD and holder.get(record.id) != record.courier_id:
            found.append(f"task {record.id} is {record.state.value} but no courier holds it")
    return found


def timed_route(courier: Courier, items: Sequence[Item], travel: TravelTimes) -> Route:
    """``courier``'s route through ``items``, each served as early as its windows allow.

    Examples
    --------
    >>> from dispatch import Location, MatrixTravel, TimeWindow
    >>> travel = MatrixTravel(nodes=[0, 1], durations_s=[[0, 60], [60, 0]])
    >>> c = Courier(id="c", start=Location(node=0), shift=TimeWindow(100, 900), capacity=1)
    >>> stop = Stop(location=Location(node=1), windows=[(200, 300)], service_s=10)
    >>> route = timed_route(c, [(StopRole.OWN, "o1", stop, (0,))], travel)
    >>> [(s.role.value, s.arrival_s, s.start_s, s.departure_s) for s in route.stops]
    [('start', 100, 100, 100), ('own', 160, 200, 210), ('end', 210, 210, 210)]
    """
    places = [courier.start, *(stop.location for _, _, stop, _ in items)]
    if courier.end is not None:
        places.append(courier.end)
    matrix = travel.matrix(places, courier.profile)
    seconds, metres = matrix.durations_s, matrix.distances_m
    dims = len(courier.capacity)
    t_s = courier.shift.earliest_s
    load = (0,) * dims
    stops = [PlannedStop(role=StopRole.START, ref=courier.id, arrival_s=t_s, start_s=t_s,
                         departure_s=t_s, load_after=load)]  # fmt: skip
    distance_m = 0
    for k, (role, ref, stop, delta) in enumerate(items, start=1):
        arrival_s = t_s + int(seconds[k - 1, k])
        distance_m += int(metres[k - 1, k])
        begin_s = start_in(stop, arrival_s)
        t_s = begin_s + stop.service_s
        load = tuple(x + d for x, d in zip(load, delta, strict=True))
        stops.append(
            PlannedStop(role=role, ref=ref, arrival_s=arrival_s, start_s=begin_s,
                        departure_s=t_s, load_after=load)
        )  # fmt: skip
    if courier.end is not None:
        last = len(places) - 1
        t_s += int(seconds[last - 1, last])
        distance_m += int(metres[last - 1, last])
    stops.append(PlannedStop(role=StopRole.END, ref=courier.id, arrival_s=t_s, start_s=t_s,
                             departure_s=t_s, load_after=load))  # fmt: skip
    return Route(
        courier_id=courier.id,
        stops=tuple(stops),
        distance_m=distance_m,
        duration_s=t_s - stops[0].departure_s,
    )


def _items(task: Task, sequence: Sequence[tuple[str, Stop]], dims: int) -> list[Item]:
    load = tuple(task.load) if len(task.load) == dims else (0,) * dims
    minus = tuple(-x for x in load)
    roles = {
        stop_id(task.id, "pickup"): (StopRole.PICKUP, load),
        stop_id(task.id, "dropoff"): (StopRole.DROPOFF, minus),
        stop_id(task.id, "visit"): (StopRole.VISIT, load),
    }
    items: list[Item] = []
    for own_id, stop in sequence:
        role, delta = roles.get(own_id, (StopRole.OWN, (0,) * dims))
        items.append((role, task.id if role is not StopRole.OWN else own_id, stop, delta))
    return items


def offer_violations(
    state: DispatchState, task_id: str, planner: Planner, travel: TravelTimes
) -> list[str]:
    """What :func:`dispatch.validate` finds on the route the pending offer of ``task_id`` implies.

    Pinned offers (staff decide; the dispatcher may place them anyhow) are
    not checked.
    """
    record = state.tasks[task_id]
    offer = record.offer
    if record.state is not TaskState.OFFERED or offer is None or offer.pinned:
        return []
    where = f"offer of {task_id} to {offer.courier_id} at {state.now_s} s ({offer.basis})"
    courier_record = state.couriers[offer.courier_id]
    kind = planning_kind(record)
    courier = planner.planning_courier(courier_record, state.tasks, state.now_s, {kind: record})
    if courier is None:
        return [f"{where}: the courier cannot take work now"]
    held = [state.tasks[t] for t in courier_record.held]
    taken = attrs.evolve(
        record, state=TaskState.ACCEPTED, accepted=offer, courier_id=offer.courier_id
    )
    sequence = merged_stops(courier.id, courier_record.plan.own_stops, [*held, taken])
    task = attrs.evolve(record.task, kind=kind)
    items = _items(task, [(o.id, o.stop) for o in sequence], len(courier.capacity))
    route = timed_route(courier, items, travel)
    plan = Plan(
        routes=(route,),
        unassigned=(),
        objective=ObjectiveParts(distance_m=route.distance_m, fixed_cost=0, penalty=0),
        status=SolveStatus.FEASIBLE,
        runtime_s=0.0,
    )
    problem = Problem(tasks=[task], couriers=[courier], travel=travel)
    return [f"{where}: {violation}" for violation in validate(problem, plan)]
