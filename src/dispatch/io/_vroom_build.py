"""The dispatch tasks and couriers of a parsed VROOM document, with the VROOM record behind each.

Jobs become visits (or, when a capacity dimension mixes job deliveries with
pickups or shipments, errands loaded at the vehicle start), shipments become
errands and vehicles couriers, in dispatch's times (:func:`time_offset` shifts
timestamps to their first day). Each keeps a :class:`~dispatch.io.VroomTask`
or :class:`~dispatch.io.VroomVehicle` to answer in VROOM's ids. The mapping
and its note on deliveries are documented in :mod:`dispatch.io._vroom_read`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from dispatch.errors import UnsupportedFieldError
from dispatch.io._json import _build, _join
from dispatch.io._vroom_document import Document, RawJob, RawPlace, RawStop, RawVehicle
from dispatch.io._vroom_travel import GroupKey
from dispatch.io._vroom_types import VroomMatrices, VroomPlace, VroomTask, VroomVehicle
from dispatch.model import Courier, Errand, Location, Stop, Task, TimeWindow, TravelProfile, Visit

__all__ = [
    "ABSOLUTE_TIME_S",
    "OPEN_SHIFT_END_S",
    "build_couriers",
    "build_tasks",
    "time_offset",
]

#: The latest time a shift without ``time_window`` may end (the solver's horizon).
OPEN_SHIFT_END_S = 2**30
#: Times at least this large are timestamps; they are shifted to their first day.
ABSOLUTE_TIME_S = 10**8
_DAY_S = 86_400


def time_offset(doc: Document) -> int:
    """0 for relative times; for timestamps, the start (UTC) of the day of the earliest one."""
    times: list[int] = [t for v in doc.vehicles if v.window for t in v.window]
    stops = [j.stop for j in doc.jobs] + [
        s for sh in doc.shipments for s in (sh.pickup, sh.delivery)
    ]
    times += [t for stop in stops for w in stop.windows for t in w]
    if not times or max(times) < ABSOLUTE_TIME_S:
        return 0
    earliest = min(times)
    return earliest - earliest % _DAY_S


def _location(place: VroomPlace, path: str) -> Location:
    if place.coordinates is None:
        return Location(node=place.node)
    lon, lat = place.coordinates
    return _build(path, Location, lat=lat, lon=lon, node=place.node)


def _windows(stop: RawStop, offset: int) -> list[tuple[int, int]]:
    return [(a - offset, b - offset) for a, b in stop.windows]


def _mixed_dimensions(doc: Document, n: int) -> list[int]:
    """Capacity dimensions where job deliveries meet job pickups or shipments."""
    mixed = []
    for d in range(n):
        delivered = any(j.delivery and j.delivery[d] for j in doc.jobs)
        other = any(j.pickup and j.pickup[d] for j in doc.jobs) or any(
            s.amount and s.amount[d] for s in doc.shipments
        )
        if delivered and other:
            mixed.append(d)
    return mixed


def _shared_nodes(doc: Document, places: Mapping[RawPlace, VroomPlace]) -> Counter[int]:
    """How many task stops and vehicle starts each node has."""
    count: Counter[int] = Counter(places[v.start].node for v in doc.vehicles)
    count.update(places[j.stop.place].node for j in doc.jobs)
    count.update(places[s.place].node for sh in doc.shipments for s in (sh.pickup, sh.delivery))
    return count


def _service(stop: RawStop, node: int, shared: Counter[int]) -> int:
    if stop.setup_s and shared[node] > 1:
        raise UnsupportedFieldError(
            _join(stop.path, "setup"),
            f"its location (node {node}) is shared with another task or a vehicle start; "
            "VROOM skips the setup after a step at the same place, dispatch has no such rule",
        )
    return stop.setup_s + stop.service_s


def _zeros(n: int) -> tuple[int, ...]:
    return (0,) * n


def _our_load(amount: tuple[int, ...] | None, n: int) -> tuple[int, ...]:
    return (0,) if n == 0 else (amount or _zeros(n))


def _add(a: Sequence[int], b: Sequence[int]) -> tuple[int, ...]:
    return tuple(x + y for x, y in zip(a, b, strict=True))


def _depot_loading(
    doc: Document,
    places: Mapping[RawPlace, VroomPlace],
    matrices: Mapping[TravelProfile, VroomMatrices],
    offset: int,
    job: RawJob,
    mixed: Sequence[int],
) -> tuple[VroomPlace, int]:
    """Where and when a job's delivery is loaded when it becomes an errand from the depot."""
    why = (
        f"VROOM loads deliveries at the vehicle start, and dimension {mixed[0]} mixes them with "
        "pickups or shipments: dispatch models that as an errand from the start, which needs "
    )
    if job.pickup and any(job.pickup):
        raise UnsupportedFieldError(
            _join(job.path, "pickup"), why + "jobs with a delivery to have no pickup amount"
        )
    first = doc.vehicles[0]
    depot = places[first.start]
    shift_start = (first.window[0] if first.window else offset) - offset
    for vehicle in doc.vehicles:
        if places[vehicle.start].node != depot.node:
            raise UnsupportedFieldError(
                _join(job.path, "delivery"),
                why + f"every vehicle to start at one place "
                f"({vehicle.path} starts elsewhere than {first.path})",
            )
        if ((vehicle.window[0] if vehicle.window else offset) - offset) != shift_start:
            raise UnsupportedFieldError(
                _join(job.path, "delivery"),
                why + f"every vehicle to start its shift at one time "
                f"({vehicle.path} differs from {first.path})",
            )
    for m in matrices.values():
        if m.leg(depot.node, depot.node)[0] != 0:
            raise UnsupportedFieldError(
                _join(job.path, "delivery"), why + "zero travel time from the start to itself"
            )
    return depot, shift_start


def build_tasks(
    doc: Document,
    places: Mapping[RawPlace, VroomPlace],
    matrices: Mapping[TravelProfile, VroomMatrices],
    n: int,
    offset: int,
) -> tuple[list[Task], dict[str, VroomTask]]:
    """The tasks of the jobs and shipments, each with its VROOM record by task id."""
    shared = _shared_nodes(doc, places)
    mixed = _mixed_dimensions(doc, n)
    tasks: list[Task] = []
    info: dict[str, VroomTask] = {}
    for job in doc.jobs:
        place = places[job.stop.place]
        task_id = f"job-{job.stop.id}"
        stop = _build(
            job.path,
            Stop,
            location=_location(place, job.path),
            windows=_windows(job.stop, offset),
            service_s=_service(job.stop, place.node, shared),
        )
        delivery = job.delivery or _zeros(n)
        pickup = job.pickup or _zeros(n)
        loaded_at_start = any(delivery[d] for d in mixed)
        common: dict[str, Any] = {
            "id": task_id,
            "priority": job.priority + 1,
            "skills": job.skills,
            "kind": "job",
        }
        task: Task
        if loaded_at_start:
            depot, shift_start = _depot_loading(doc, places, matrices, offset, job, mixed)
            loading = Stop(
                location=_location(depot, job.path), windows=[(shift_start, shift_start)]
            )
            task = _build(
                job.path,
                Errand,
                pickup=loading,
                dropoff=stop,
                load=_our_load(delivery, n),
                **common,
            )
        else:
            task = _build(
                job.path, Visit, stop=stop, load=_our_load(_add(delivery, pickup), n), **common
            )
        tasks.append(task)
        info[task_id] = VroomTask(
            task_id=task_id,
            kind="job",
            ids=(job.stop.id,),
            places=(place,),
            setup_s=(job.stop.setup_s,),
            service_s=(job.stop.service_s,),
            descriptions=(job.stop.description,),
            delivery=delivery,
            pickup=pickup,
            priority=job.priority,
            loaded_at_start=loaded_at_start,
        )
    for shipment in doc.shipments:
        steps = (shipment.pickup, shipment.delivery)
        pair = tuple(places[s.place] for s in steps)
        task_id = f"shipment-{shipment.pickup.id}-{shipment.delivery.id}"
        stops = [
            _build(
                step.path,
                Stop,
                location=_location(place, step.path),
                windows=_windows(step, offset),
                service_s=_service(step, place.node, shared),
            )
            for step, place in zip(steps, pair, strict=True)
        ]
        amount = shipment.amount or _zeros(n)
        tasks.append(
            _build(
                shipment.path,
                Errand,
                id=task_id,
                pickup=stops[0],
                dropoff=stops[1],
                load=_our_load(amount, n),
                priority=shipment.priority + 1,
                skills=shipment.skills,
                kind="shipment",
            )
        )
        info[task_id] = VroomTask(
            task_id=task_id,
            kind="shipment",
            ids=(shipment.pickup.id, shipment.delivery.id),
            places=pair,
            setup_s=tuple(s.setup_s for s in steps),
            service_s=tuple(s.service_s for s in steps),
            descriptions=tuple(s.description for s in steps),
            delivery=amount,
            pickup=amount,
            priority=shipment.priority,
        )
    return tasks, info


def _max_tasks(doc: Document, vehicle: RawVehicle) -> int | None:
    if vehicle.max_tasks is None:
        return None
    if doc.shipments and doc.jobs:
        raise UnsupportedFieldError(
            _join(vehicle.path, "max_tasks"),
            "with both jobs and shipments: VROOM counts a shipment as two tasks and a job as "
            "one, dispatch counts each task once",
        )
    return vehicle.max_tasks // 2 if doc.shipments else vehicle.max_tasks


def _detour_budget(
    doc: Document,
    vehicle: RawVehicle,
    start: VroomPlace,
    end: VroomPlace | None,
    m: VroomMatrices,
) -> tuple[int | None, bool]:
    """The detour budget that bounds travel time like ``max_travel_time``; and "unusable"."""
    if vehicle.max_travel_time_s is None:
        return None, False
    stops = [j.stop for j in doc.jobs] + [
        s for sh in doc.shipments for s in (sh.pickup, sh.delivery)
    ]
    busy = next((s for s in stops if s.service_s or s.setup_s), None)
    if busy is not None:
        raise UnsupportedFieldError(
            _join(vehicle.path, "max_travel_time"),
            f"supported only when every service and setup is 0 ({busy.path} has some): "
            "dispatch's detour budget counts service time, VROOM's limit does not",
        )
    baseline = 0 if end is None else m.leg(start.node, end.node)[0]
    if vehicle.max_travel_time_s < baseline:
        return 0, True  # even the empty route is too long: VROOM never uses this vehicle
    return vehicle.max_travel_time_s - baseline, False


def build_couriers(
    doc: Document,
    places: Mapping[RawPlace, VroomPlace],
    matrices: Mapping[TravelProfile, VroomMatrices],
    groups: tuple[dict[int, GroupKey], dict[GroupKey, TravelProfile]],
    n: int,
    offset: int,
) -> tuple[list[Courier], dict[str, VroomVehicle]]:
    """The couriers of the vehicles, each with its VROOM record by courier id."""
    of_vehicle, slots = groups
    couriers: list[Courier] = []
    info: dict[str, VroomVehicle] = {}
    for k, vehicle in enumerate(doc.vehicles):
        courier_id = f"vehicle-{vehicle.id}"
        slot = slots[of_vehicle[k]]
        start = places[vehicle.start]
        end = None if vehicle.end is None else places[vehicle.end]
        window = vehicle.window
        shift = (
            TimeWindow(0, OPEN_SHIFT_END_S)
            if window is None
            else _build(
                _join(vehicle.path, "time_window"),
                TimeWindow,
                earliest_s=window[0] - offset,
                latest_s=window[1] - offset,
            )
        )
        budget, unusable = _detour_budget(doc, vehicle, start, end, matrices[slot])
        max_tasks = 0 if unusable else _max_tasks(doc, vehicle)
        couriers.append(
            _build(
                vehicle.path,
                Courier,
                id=courier_id,
                start=_location(start, _join(vehicle.path, "start")),
                end=None if end is None else _location(end, _join(vehicle.path, "end")),
                shift=shift,
                capacity=vehicle.capacity if n else (0,),
                profile=slot,
                skills=vehicle.skills,
                fixed_cost=vehicle.fixed_cost,
                max_tasks=max_tasks,
                detour_budget_s=budget,
            )
        )
        info[courier_id] = VroomVehicle(
            courier_id=courier_id,
            id=vehicle.id,
            start=start,
            end=end,
            profile=vehicle.profile,
            matrix_key=slot,
            fixed_cost=vehicle.fixed_cost,
            description=vehicle.description,
        )
    return couriers, info
