"""VROOM solution documents: a plan written in VROOM's ids, and read back from one.

:func:`write_vroom_solution` writes a plan of a problem read by
:func:`~dispatch.io.read_vroom` in VROOM's ids, times and loads;
:func:`read_vroom_solution` reads a VROOM solution (VROOM's own or ours) back
into a plan, so :func:`dispatch.validate` can check it.

The solution document follows VROOM's output (``code``, ``summary``,
``unassigned``, ``routes`` with ``steps``); ``unassigned`` entries carry two
extra keys, ``reason`` and ``detail``, with dispatch's reason. ``distance``
appears when the input has distances or coordinates.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from dispatch.errors import InvalidInputError, UnknownReferenceError, UnsupportedFieldError
from dispatch.io._json import _int, _join, _list, _non_negative, _Object, _str
from dispatch.io._vroom_routes import build_route, check_sequence, step_sequence
from dispatch.io._vroom_types import Json, VroomMapping, VroomPlace, VroomTask
from dispatch.model import Problem
from dispatch.plan import (
    ObjectiveParts,
    Plan,
    PlannedStop,
    Route,
    SolveStatus,
    StopRole,
    Unassigned,
    UnassignedReason,
)

__all__ = ["read_vroom_solution", "write_vroom_solution"]


@attrs.define
class _Totals:
    """Sums over a route or the whole solution, in VROOM's terms."""

    n: int
    cost: int = 0
    setup: int = 0
    service: int = 0
    duration: int = 0
    waiting_time: int = 0
    priority: int = 0
    distance: int | None = 0
    delivery: list[int] = attrs.field(factory=list)
    pickup: list[int] = attrs.field(factory=list)

    def __attrs_post_init__(self) -> None:
        self.delivery = [0] * self.n
        self.pickup = [0] * self.n

    def add(self, other: _Totals) -> None:
        self.cost += other.cost
        self.setup += other.setup
        self.service += other.service
        self.duration += other.duration
        self.waiting_time += other.waiting_time
        self.priority += other.priority
        self.distance = (
            None
            if self.distance is None or other.distance is None
            else self.distance + other.distance
        )
        self.delivery = [a + b for a, b in zip(self.delivery, other.delivery, strict=True)]
        self.pickup = [a + b for a, b in zip(self.pickup, other.pickup, strict=True)]

    def to_json(self) -> Json:
        out: Json = {"cost": self.cost}
        if self.n:  # VROOM writes amounts only when the document has some
            out.update(delivery=self.delivery, pickup=self.pickup)
        out.update(
            {
                "setup": self.setup,
                "service": self.service,
                "duration": self.duration,
                "waiting_time": self.waiting_time,
                "priority": self.priority,
            }
        )
        if self.distance is not None:
            out["distance"] = self.distance
        return out


_STEP_TYPE = {StopRole.VISIT: "job", StopRole.PICKUP: "pickup", StopRole.DROPOFF: "delivery"}


def _vroom_stop(task: VroomTask, role: StopRole) -> tuple[str, int]:
    """VROOM's step type and the index into the task's per-step tuples."""
    if task.kind == "job":
        return "job", 0
    return _STEP_TYPE[role], 0 if role is StopRole.PICKUP else 1


def _route_out(route: Route, mapping: VroomMapping) -> tuple[Json, _Totals]:
    """One route in VROOM's terms: its steps (loading stops hidden) and its totals."""
    vehicle = mapping.vehicles.get(route.courier_id)
    if vehicle is None:
        raise UnknownReferenceError("courier", route.courier_id)
    m = mapping.matrices[vehicle.matrix_key]
    inner = route.stops[1:-1]
    for stop in inner:
        if stop.ref not in mapping.tasks:
            raise UnknownReferenceError(f"{stop.role.value} stop", stop.ref)
    tasks = {s.ref: mapping.tasks[s.ref] for s in inner}  # each task once, in route order
    shown = [
        (stop, tasks[stop.ref])
        for stop in inner
        if not (tasks[stop.ref].loaded_at_start and stop.role is StopRole.PICKUP)
    ]
    totals = _Totals(mapping.dimensions)
    for task in tasks.values():
        totals.delivery = [a + b for a, b in zip(totals.delivery, task.delivery, strict=True)]
        totals.pickup = [a + b for a, b in zip(totals.pickup, task.pickup, strict=True)]
        totals.priority += task.priority * (2 if task.kind == "shipment" else 1)
    # VROOM's load: every job delivery is on board from the start.
    load = [sum(t.delivery[d] for t in tasks.values() if t.kind == "job") for d in range(totals.n)]
    offset = mapping.time_offset_s
    distance: int | None = 0 if m.distances_m is not None else None
    node = vehicle.start.node

    def step(head: Json, place: VroomPlace, stop: PlannedStop, setup: int, service: int) -> Json:
        nonlocal node, distance
        travel_s, cost, meters = (0, 0, 0) if head["type"] == "start" else m.leg(node, place.node)
        node = place.node
        totals.duration += travel_s
        totals.cost += cost
        distance = None if distance is None or meters is None else distance + meters
        out: Json = {**head, **place.to_json(), "setup": setup, "service": service}
        out["waiting_time"] = stop.wait_s
        if totals.n:
            out["load"] = list(load)
        out.update(arrival=stop.arrival_s + offset, duration=totals.duration)
        if distance is not None:
            out["distance"] = distance
        return out

    start = attrs.evolve(route.stops[0], arrival_s=route.stops[0].departure_s)
    steps = [step({"type": "start"}, vehicle.start, start, 0, 0)]
    place = vehicle.start
    nothing = (0,) * totals.n
    for stop, task in shown:
        kind, k = _vroom_stop(task, stop.role)
        place = task.places[k]
        gained = task.pickup if kind != "delivery" else nothing
        lost = task.delivery if kind != "pickup" else nothing
        load = [a - b + c for a, b, c in zip(load, lost, gained, strict=True)]
        head: Json = {"type": kind}
        if task.descriptions[k] is not None:
            head["description"] = task.descriptions[k]
        head["id"] = task.ids[k]
        steps.append(step(head, place, stop, task.setup_s[k], task.service_s[k]))
        totals.setup += task.setup_s[k]
        totals.service += task.service_s[k]
        totals.waiting_time += stop.wait_s
    if vehicle.end is not None:
        steps.append(step({"type": "end"}, vehicle.end, route.stops[-1], 0, 0))
    else:  # open end: where the last step is, no travel
        steps.append(step({"type": "end"}, place, route.stops[-1], 0, 0))
    totals.distance = distance
    totals.cost += vehicle.fixed_cost
    head = {"vehicle": vehicle.id}
    if vehicle.description is not None:
        head["description"] = vehicle.description
    return {**head, **totals.to_json(), "steps": steps}, totals


def _unassigned_out(mapping: VroomMapping, entry: Unassigned) -> list[Json]:
    task = mapping.tasks.get(entry.task_id)
    if task is None:
        raise UnknownReferenceError("task", entry.task_id)
    kinds = ("job",) if task.kind == "job" else ("pickup", "delivery")
    out = []
    for k, kind in enumerate(kinds):
        item: Json = {"id": task.ids[k], "type": kind, **task.places[k].to_json()}
        if task.descriptions[k] is not None:
            item["description"] = task.descriptions[k]
        item.update(reason=entry.reason.value, detail=entry.detail)
        out.append(item)
    return out


def write_vroom_solution(problem: Problem, plan: Plan, mapping: VroomMapping) -> dict[str, Any]:
    """``plan`` as a VROOM solution document, in the ids of the document ``mapping`` came from.

    Parameters
    ----------
    problem
        The problem :func:`~dispatch.io.read_vroom` returned (kept for symmetry and checks:
        every routed or unassigned task must be one of its tasks).
    plan
        A plan of that problem (check it with :func:`dispatch.validate`).
    mapping
        The mapping :func:`~dispatch.io.read_vroom` returned with ``problem``.

    Returns
    -------
    dict
        ``code`` (0), ``summary``, ``unassigned`` (VROOM's keys plus ``reason``
        and ``detail``) and ``routes`` with ``steps`` (``type``, ``id``,
        ``location``/``location_index`` as given, ``setup``, ``service``,
        ``waiting_time``, ``load``, ``arrival``, ``duration`` = travel so far,
        ``distance`` when known). Costs are VROOM's (arc costs plus fixed
        costs); times are VROOM's (offset added back).

    Examples
    --------
    >>> from dispatch import SolveOptions, solve
    >>> from dispatch.io import read_vroom
    >>> problem, mapping = read_vroom({
    ...     "vehicles": [{"id": 7, "start_index": 0, "end_index": 0}],
    ...     "jobs": [{"id": 1, "location_index": 1, "service": 60}],
    ...     "matrices": {"car": {"durations": [[0, 300], [300, 0]]}},
    ... })
    >>> plan = solve(problem, SolveOptions(time_limit_s=None, solution_limit=1))
    >>> solution = write_vroom_solution(problem, plan, mapping)
    >>> solution["summary"]["cost"], solution["summary"]["service"]
    (600, 60)
    >>> [(s["type"], s.get("id"), s["arrival"]) for s in solution["routes"][0]["steps"]]
    [('start', None, 0), ('job', 1, 300), ('end', None, 660)]
    """
    for task_id in itertools.chain(plan.assigned_task_ids(), (u.task_id for u in plan.unassigned)):
        problem.task(task_id)  # UnknownReferenceError for a plan of another problem
    known = all(m.distances_m is not None for m in mapping.matrices.values())
    summary = _Totals(mapping.dimensions, distance=0 if known else None)
    routes = []
    for route in plan.routes:
        route_json, totals = _route_out(route, mapping)
        routes.append(route_json)
        summary.add(totals)
    unassigned = [item for u in plan.unassigned for item in _unassigned_out(mapping, u)]
    return {
        "code": 0,
        "summary": {
            "cost": summary.cost,
            "routes": len(routes),
            "unassigned": len(unassigned),
            **{k: v for k, v in summary.to_json().items() if k != "cost"},
            "computing_times": {
                "loading": round(mapping.loading_s * 1000),
                "solving": round(plan.runtime_s * 1000),
            },
        },
        "unassigned": unassigned,
        "routes": routes,
    }


def _output(value: Any, path: str, required: Sequence[str]) -> _Object:
    """An object of a solution document: required keys checked, others read or ignored.

    Output documents grow keys between VROOM versions (``violations``,
    ``geometry``...) that change nothing about the routes, so they are ignored.
    """
    return _Object(value, path, required, tuple(value) if isinstance(value, dict) else ())


def _solution_route(problem: Problem, mapping: VroomMapping, value: Any, path: str) -> Route:
    obj = _output(value, path, ("vehicle", "steps"))
    courier = problem.courier(mapping.courier_of(obj.get("vehicle", _non_negative)))
    raw = _list(obj.get("steps", _list), obj.at("steps"))
    tasks: list[tuple[str, int, str]] = []
    times: dict[tuple[str, int], tuple[int, int]] = {}
    start_time = end_time = None
    offset = mapping.time_offset_s
    for k, item in enumerate(raw):
        step_path = _join(obj.at("steps"), k)
        step = _output(item, step_path, ("type", "arrival"))
        kind = step.get("type", _str)
        arrival = step.get("arrival", _int) - offset
        wait = step.opt("waiting_time", _non_negative, 0)
        if kind == "start":
            start_time = arrival
        elif kind == "end":
            end_time = arrival
        elif kind in ("job", "pickup", "delivery"):
            vroom_id = step.get("id", _non_negative)
            tasks.append((kind, vroom_id, step_path))
            times[(kind, vroom_id)] = (arrival, arrival + wait)
        else:
            raise UnsupportedFieldError(step_path, f"{kind!r} steps are not supported")
    if start_time is None or end_time is None:
        raise InvalidInputError(obj.at("steps"), "needs a start and an end step")
    sequence = step_sequence(mapping, tasks)
    check_sequence(sequence, obj.at("steps"))
    loading = any(mapping.tasks[ref].loaded_at_start for _, ref in sequence)
    departure = courier.shift.earliest_s if loading else start_time
    claimed: list[tuple[int, int]] = [(departure, departure)]
    for role, ref in sequence:
        task = mapping.tasks[ref]
        if task.loaded_at_start and role is StopRole.PICKUP:
            claimed.append((departure, departure))  # loaded before leaving (hidden by VROOM)
            continue
        kind, k = _vroom_stop(task, role)
        claimed.append(times[(kind, task.ids[k])])
    claimed.append((end_time, end_time))
    return build_route(problem, courier, sequence, claimed)


_LEFT_OUT = "left out by VROOM"


def _any(value: Any, path: str) -> Any:
    return value


def read_vroom_solution(
    problem: Problem, mapping: VroomMapping, solution: Mapping[str, Any]
) -> Plan:
    """A VROOM solution document (VROOM's own or :func:`write_vroom_solution`'s) as a plan.

    Stops take VROOM's arrival and waiting times; loads, departures, route
    distance (dispatch's arc costs) and duration are recomputed from the
    problem, so :func:`dispatch.validate` checks VROOM's routes by dispatch's
    rules. Tasks on no route are unassigned, with the ``reason`` and
    ``detail`` of the document when it has them (else ``cost``). A job whose
    delivery is an errand from the start gets its hidden loading stop back,
    at the shift start.

    Examples
    --------
    >>> from dispatch import validate
    >>> from dispatch.io import read_vroom
    >>> problem, mapping = read_vroom({
    ...     "vehicles": [{"id": 7, "start_index": 0, "end_index": 0}],
    ...     "jobs": [{"id": 1, "location_index": 1, "time_windows": [[400, 500]]}],
    ...     "matrices": {"car": {"durations": [[0, 300], [300, 0]]}},
    ... })
    >>> plan = read_vroom_solution(problem, mapping, {"code": 0, "routes": [
    ...     {"vehicle": 7, "steps": [{"type": "start", "arrival": 100},
    ...                              {"type": "job", "id": 1, "arrival": 400},
    ...                              {"type": "end", "arrival": 700}]}]})
    >>> [(s.ref, s.arrival_s, s.start_s) for s in plan.routes[0].stops], validate(problem, plan)
    ([('vehicle-7', 100, 100), ('job-1', 400, 400), ('vehicle-7', 700, 700)], [])
    """
    obj = _output(dict(solution), "", ("routes",))
    code = obj.opt("code", _int, 0)
    if code != 0:
        raise InvalidInputError(
            "code", f"VROOM reported error {code}: {obj.opt('error', _str, '')}"
        )
    routes = tuple(
        _solution_route(problem, mapping, r, _join("routes", k))
        for k, r in enumerate(obj.get("routes", _list))
    )
    served = {ref for r in routes for ref in r.task_ids}
    reasons: dict[str, tuple[UnassignedReason, str]] = {}
    for k, item in enumerate(obj.opt("unassigned", _list, list[Any]())):
        path = _join("unassigned", k)
        entry = _output(item, path, ("id", "type"))
        task_id = mapping.task_of(entry.get("type", _str), entry.get("id", _non_negative))
        if task_id in served:
            raise InvalidInputError(path, f"{task_id} is also on a route")
        reason = UnassignedReason.COST
        if "reason" in entry:
            try:
                reason = UnassignedReason(entry.get("reason", _str))
            except ValueError:
                raise InvalidInputError(entry.at("reason"), "not a dispatch reason") from None
        reasons[task_id] = (reason, entry.opt("detail", _str, _LEFT_OUT))
    unassigned = tuple(
        Unassigned(task_id=t.id, reason=reason, detail=detail)
        for t in problem.tasks
        if t.id not in served
        for reason, detail in [reasons.get(t.id, (UnassignedReason.COST, _LEFT_OUT))]
    )
    fixed = sum(mapping.vehicles[r.courier_id].fixed_cost for r in routes)
    summary = obj.opt("summary", _any, None)
    solving_ms: float = 0.0
    if isinstance(summary, dict) and isinstance(summary.get("computing_times"), dict):
        solving = summary["computing_times"].get("solving", 0)
        solving_ms = float(solving) if isinstance(solving, int | float) else 0.0
    return Plan(
        routes=routes,
        unassigned=unassigned,
        objective=ObjectiveParts(
            distance_m=sum(r.distance_m for r in routes), fixed_cost=fixed, penalty=0
        ),
        status=SolveStatus.FEASIBLE,
        runtime_s=max(0.0, float(solving_ms) / 1000),
    )
