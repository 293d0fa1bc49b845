"""Dispatch routes from VROOM step sequences.

:func:`step_sequence` turns VROOM's ``(type, id)`` steps into a route's task
stops (with the hidden loading stops of depot errands first),
:func:`check_sequence` checks that every task appears once with its pickup
before its delivery, and :func:`build_route` schedules the stops, at given
times or as early as their windows allow, recomputing loads, departures,
distance and duration as :func:`dispatch.validate` reads them. A document's
vehicle ``steps`` become a warm start (:func:`warm_start_plan`); a solution
document's routes a plan (:func:`~dispatch.io.read_vroom_solution`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from dispatch.errors import InvalidInputError, UnknownReferenceError
from dispatch.io._json import _join
from dispatch.io._vroom_document import Document
from dispatch.io._vroom_types import VroomMapping
from dispatch.model import Courier, Problem, Stop, Visit
from dispatch.plan import ObjectiveParts, Plan, PlannedStop, Route, SolveStatus, StopRole

__all__ = ["build_route", "check_sequence", "step_sequence", "warm_start_plan"]


def _served(problem: Problem, role: StopRole, ref: str) -> Stop:
    task = problem.task(ref)
    if isinstance(task, Visit):
        return task.stop
    return task.pickup if role is StopRole.PICKUP else task.dropoff


def build_route(
    problem: Problem,
    courier: Courier,
    sequence: Sequence[tuple[StopRole, str]],
    claimed: Sequence[tuple[int, int]] | None,
) -> Route:
    """A route through the task stops ``sequence``, at ``claimed`` (arrival, start) times.

    ``claimed`` has one pair per stop, start and end included; without it
    every stop is served as early as its windows allow (a seed, not a checked
    schedule). Departures, loads, distance and duration are recomputed from
    the problem the way :func:`dispatch.validate` reads them.
    """
    roles = [(StopRole.START, courier.id), *sequence, (StopRole.END, courier.id)]
    served = [None, *(_served(problem, role, ref) for role, ref in sequence), None]
    places = [courier.start, *(s.location for s in served[1:-1] if s is not None)]
    places.append(courier.end or places[-1])
    slot = {loc: k for k, loc in enumerate(dict.fromkeys(places))}
    matrix = problem.travel.matrix(list(slot), courier.profile)
    load = (0,) * problem.dimensions
    stops: list[PlannedStop] = []
    distance = 0
    for k, ((role, ref), stop) in enumerate(zip(roles, served, strict=True)):
        if k == 0:
            arrival = start = claimed[0][1] if claimed else courier.shift.earliest_s
        else:
            open_end = role is StopRole.END and courier.end is None
            i, j = slot[places[k - 1]], slot[places[k]]
            travel_s = 0 if open_end else int(matrix.durations_s[i, j])
            distance += 0 if open_end else int(matrix.distances_m[i, j])
            if claimed:
                arrival, start = claimed[k]
            else:
                arrival = stops[-1].departure_s + travel_s
                windows = () if stop is None else stop.windows
                start = next(
                    (max(arrival, w.earliest_s) for w in windows if w.latest_s >= arrival),
                    arrival,
                )
        if role in (StopRole.PICKUP, StopRole.DROPOFF, StopRole.VISIT):
            sign = -1 if role is StopRole.DROPOFF else 1
            delta = problem.load_of(problem.task(ref))
            load = tuple(x + sign * y for x, y in zip(load, delta, strict=True))
        stops.append(
            PlannedStop(
                role=role,
                ref=ref,
                arrival_s=arrival,
                start_s=start,
                departure_s=start + (0 if stop is None else stop.service_s),
                load_after=load,
            )
        )
    return Route(
        courier_id=courier.id,
        stops=tuple(stops),
        distance_m=distance,
        duration_s=stops[-1].arrival_s - stops[0].departure_s,
    )


def step_sequence(
    mapping: VroomMapping, steps: Iterable[tuple[str, int, str]]
) -> list[tuple[StopRole, str]]:
    """Task stops of VROOM steps ``(type, id, path)``, loading stops of depot errands first."""
    sequence: list[tuple[StopRole, str]] = []
    loading: list[tuple[StopRole, str]] = []
    for kind, vroom_id, path in steps:
        try:
            task_id = mapping.task_of(kind, vroom_id)
        except UnknownReferenceError:
            raise InvalidInputError(path, f"no {kind} has id {vroom_id}") from None
        task = mapping.tasks[task_id]
        if kind == "job" and task.loaded_at_start:
            loading.append((StopRole.PICKUP, task_id))
            sequence.append((StopRole.DROPOFF, task_id))
        elif kind == "job":
            sequence.append((StopRole.VISIT, task_id))
        else:
            sequence.append((StopRole.PICKUP if kind == "pickup" else StopRole.DROPOFF, task_id))
    return loading + sequence


def check_sequence(sequence: Sequence[tuple[StopRole, str]], path: str) -> None:
    """Raise unless each task stop appears once and every pickup precedes its delivery."""
    seen: Counter[tuple[StopRole, str]] = Counter(sequence)
    for (role, ref), count in seen.items():
        if count > 1:
            raise InvalidInputError(path, f"task {ref} appears {count} times")
        if role is StopRole.PICKUP and (StopRole.DROPOFF, ref) not in seen:
            raise InvalidInputError(path, f"has the pickup of {ref} but not its delivery")
        if role is StopRole.DROPOFF and (StopRole.PICKUP, ref) not in seen:
            raise InvalidInputError(path, f"has the delivery of {ref} but not its pickup")
        if role is StopRole.DROPOFF and sequence.index((StopRole.PICKUP, ref)) > sequence.index(
            (role, ref)
        ):
            raise InvalidInputError(path, f"delivers {ref} before picking it up")


def warm_start_plan(doc: Document, problem: Problem, mapping: VroomMapping) -> Plan | None:
    """The vehicles' ``steps`` as a plan scheduled as early as possible (None: no steps)."""
    routes = []
    placed: dict[str, str] = {}
    for vehicle in doc.vehicles:
        tasks = [s for s in vehicle.steps if s.type in ("job", "pickup", "delivery")]
        for position, step in enumerate(vehicle.steps):
            if step.type == "start" and position != 0:
                raise InvalidInputError(step.path, "a start step must come first")
            if step.type == "end" and position != len(vehicle.steps) - 1:
                raise InvalidInputError(step.path, "an end step must come last")
        if not tasks:
            continue
        steps = [(s.type, s.id, s.path) for s in tasks if s.id is not None]
        sequence = step_sequence(mapping, steps)
        check_sequence(sequence, _join(vehicle.path, "steps"))
        for _, ref in sequence:
            first = placed.setdefault(ref, vehicle.path)
            if first != vehicle.path:
                raise InvalidInputError(
                    _join(vehicle.path, "steps"), f"task {ref} is also in {first}.steps"
                )
        courier = problem.courier(f"vehicle-{vehicle.id}")
        routes.append(build_route(problem, courier, sequence, None))
    if not routes:
        return None
    return Plan(
        routes=tuple(routes),
        unassigned=(),
        objective=ObjectiveParts(distance_m=0, fixed_cost=0, penalty=0),
        status=SolveStatus.FEASIBLE,
        runtime_s=0.0,
    )
