"""A VROOM input document's JSON as raw records, every key checked against VROOM's API.

:func:`parse_document` reads the document into a :class:`Document` of
:class:`RawJob`, :class:`RawShipment` and :class:`RawVehicle` records (with
:class:`GivenMatrices` per profile), keeping each value's path for messages.
A key VROOM does not define raises :class:`~dispatch.errors.InvalidInputError`;
a key dispatch cannot represent faithfully raises
:class:`~dispatch.errors.UnsupportedFieldError` with its path. Document-wide
rules (unique ids, one amount length) are :func:`check_unique_ids` and
:func:`amount_dimensions`. Turning the records into a problem is
:mod:`dispatch.io._vroom_build`'s.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import attrs
import numpy as np

from dispatch.errors import InvalidInputError, UnsupportedFieldError
from dispatch.io._json import _join, _list, _list_of, _non_negative, _number, _Object, _show, _str
from dispatch.io._vroom_types import IntMatrix

__all__ = [
    "DEFAULT_PER_HOUR",
    "DEFAULT_PROFILE",
    "MAX_PRIORITY",
    "MAX_SPEED_FACTOR",
    "Document",
    "GivenMatrices",
    "RawJob",
    "RawPlace",
    "RawShipment",
    "RawStep",
    "RawStop",
    "RawVehicle",
    "amount_dimensions",
    "check_unique_ids",
    "parse_document",
]

MAX_PRIORITY = 100
MAX_SPEED_FACTOR = 5.0
DEFAULT_PROFILE = "car"
#: VROOM's cost per hour of travel when a vehicle's ``costs`` leave it out.
DEFAULT_PER_HOUR = 3600


@attrs.frozen(kw_only=True)
class RawPlace:
    """A place as given: ``location`` coordinates, a ``location_index``, or both."""

    path: str  # the object the place belongs to, e.g. ``jobs[3]``
    coordinates_path: str  # ``jobs[3].location``, ``vehicles[0].start``
    index_path: str  # ``jobs[3].location_index``, ``vehicles[0].start_index``
    index: int | None
    coordinates: tuple[float, float] | None


@attrs.frozen(kw_only=True)
class RawStop:
    """A job, or one step of a shipment: where, how long and when VROOM may serve it."""

    path: str
    id: int
    place: RawPlace
    setup_s: int
    service_s: int
    windows: tuple[tuple[int, int], ...]
    description: str | None


@attrs.frozen(kw_only=True)
class RawJob:
    """A VROOM job: one stop, its amounts (None: not given), skills and priority."""

    path: str
    stop: RawStop
    delivery: tuple[int, ...] | None
    pickup: tuple[int, ...] | None
    skills: frozenset[str]
    priority: int


@attrs.frozen(kw_only=True)
class RawShipment:
    """A VROOM shipment: a pickup and a delivery stop sharing one ``amount``."""

    path: str
    pickup: RawStop
    delivery: RawStop
    amount: tuple[int, ...] | None
    skills: frozenset[str]
    priority: int


@attrs.frozen(kw_only=True)
class RawStep:
    """One of a vehicle's ``steps``: its type and, for a task step, the task's id."""

    path: str
    type: str
    id: int | None


@attrs.frozen(kw_only=True)
class RawVehicle:
    """A VROOM vehicle with its costs, limits and ``steps``."""

    path: str
    id: int
    start: RawPlace
    end: RawPlace | None
    profile: str
    capacity: tuple[int, ...] | None
    skills: frozenset[str]
    window: tuple[int, int] | None
    fixed_cost: int
    per_hour: int
    per_km: int
    speed_factor_pct: int
    max_tasks: int | None
    max_travel_time_s: int | None
    steps: tuple[RawStep, ...]
    description: str | None


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, list | dict) and not value)


def _object(
    value: Any,
    path: str,
    required: Sequence[str],
    optional: Sequence[str] = (),
    unsupported: Mapping[str, str] | None = None,
) -> _Object:
    """Like :class:`_Object`, and keys in ``unsupported`` (unless empty) raise with the reason."""
    unsupported = unsupported or {}
    if isinstance(value, dict):
        for key, why in unsupported.items():
            if key in value and not _is_empty(value[key]):
                raise UnsupportedFieldError(_join(path, key), why)
    return _Object(value, path, required, (*optional, *unsupported))


def _uint(value: Any, path: str) -> int:
    return _non_negative(value, path)


def _amount(value: Any, path: str) -> tuple[int, ...]:
    return tuple(_list_of(_uint)(value, path))


def _skills(value: Any, path: str) -> frozenset[str]:
    return frozenset(str(s) for s in _list_of(_uint)(value, path))


def _priority(value: Any, path: str) -> int:
    priority = _uint(value, path)
    if priority > MAX_PRIORITY:
        raise InvalidInputError(path, f"must be in [0, {MAX_PRIORITY}], got {priority}")
    return priority


def _time_window(value: Any, path: str) -> tuple[int, int]:
    items = _list(value, path)
    if len(items) != 2:
        raise InvalidInputError(path, f"expected [start, end], got {len(items)} item(s)")
    start, end = _uint(items[0], _join(path, 0)), _uint(items[1], _join(path, 1))
    if start > end:
        raise InvalidInputError(path, f"start {start} is after end {end}")
    return start, end


def _time_windows(value: Any, path: str) -> tuple[tuple[int, int], ...]:
    windows = sorted(_list_of(_time_window)(value, path))
    if not windows:
        raise InvalidInputError(path, "must not be empty (leave the key out for any time)")
    merged: list[tuple[int, int]] = []
    for start, end in windows:  # overlapping windows allow the same times as their union
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return tuple(merged)


def _coordinates(value: Any, path: str) -> tuple[float, float]:
    items = _list(value, path)
    if len(items) != 2:
        raise InvalidInputError(path, f"expected [lon, lat], got {len(items)} item(s)")
    lon, lat = _number(items[0], _join(path, 0)), _number(items[1], _join(path, 1))
    if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
        raise InvalidInputError(path, f"[{lon:g}, {lat:g}] is not a [lon, lat] pair in degrees")
    return lon, lat


def _place(obj: _Object, coordinates_key: str, index_key: str) -> RawPlace | None:
    coordinates = obj.nullable(coordinates_key, _coordinates)
    index = obj.nullable(index_key, _uint)
    if coordinates is None and index is None:
        return None
    return RawPlace(
        path=obj.path,
        coordinates_path=obj.at(coordinates_key),
        index_path=obj.at(index_key),
        index=index,
        coordinates=coordinates,
    )


_TASK_UNSUPPORTED = {
    "setup_per_type": "service and setup times per vehicle type are not supported",
    "service_per_type": "service and setup times per vehicle type are not supported",
}
_STOP_KEYS = ("description", "location", "location_index", "setup", "service", "time_windows")


def _stop(obj: _Object, path: str) -> RawStop:
    place = _place(obj, "location", "location_index")
    if place is None:
        raise InvalidInputError(
            _join(path, "location"), "missing (give location or location_index)"
        )
    no_windows: tuple[tuple[int, int], ...] = ()
    windows = obj.opt("time_windows", _time_windows, no_windows)
    return RawStop(
        path=path,
        id=obj.get("id", _uint),
        place=place,
        setup_s=obj.opt("setup", _uint, 0),
        service_s=obj.opt("service", _uint, 0),
        windows=windows,
        description=obj.nullable("description", _str),
    )


def _job(value: Any, path: str) -> RawJob:
    obj = _object(
        value,
        path,
        ("id",),
        (*_STOP_KEYS, "delivery", "pickup", "amount", "skills", "priority"),
        _TASK_UNSUPPORTED,
    )
    delivery = obj.nullable("delivery", _amount)
    pickup = obj.nullable("pickup", _amount)
    if "amount" in obj:  # deprecated in VROOM: a delivery, unless delivery/pickup are given
        if delivery is not None or pickup is not None:
            raise InvalidInputError(
                obj.at("amount"), "deprecated key; with delivery or pickup it is ambiguous"
            )
        delivery = obj.get("amount", _amount)
    return RawJob(
        path=path,
        stop=_stop(obj, path),
        delivery=delivery,
        pickup=pickup,
        skills=obj.opt("skills", _skills, frozenset()),
        priority=obj.opt("priority", _priority, 0),
    )


def _shipment_step(value: Any, path: str) -> RawStop:
    obj = _object(value, path, ("id",), _STOP_KEYS, _TASK_UNSUPPORTED)
    return _stop(obj, path)


def _shipment(value: Any, path: str) -> RawShipment:
    obj = _object(value, path, ("pickup", "delivery"), ("amount", "skills", "priority"))
    return RawShipment(
        path=path,
        pickup=obj.get("pickup", _shipment_step),
        delivery=obj.get("delivery", _shipment_step),
        amount=obj.nullable("amount", _amount),
        skills=obj.opt("skills", _skills, frozenset()),
        priority=obj.opt("priority", _priority, 0),
    )


_STEP_TYPES = ("start", "job", "pickup", "delivery", "break", "end")
_FORCED = "forced service times of steps are not supported (they bind only that vehicle)"


def _step(value: Any, path: str) -> RawStep:
    obj = _object(
        value,
        path,
        ("type",),
        ("id", "description"),
        {"service_at": _FORCED, "service_after": _FORCED, "service_before": _FORCED},
    )
    kind = obj.get("type", _str)
    if kind not in _STEP_TYPES:
        raise InvalidInputError(obj.at("type"), f"{kind!r} is not one of {', '.join(_STEP_TYPES)}")
    if kind == "break":
        raise UnsupportedFieldError(path, "breaks are not supported")
    step_id = obj.nullable("id", _uint)
    if kind in ("job", "pickup", "delivery") and step_id is None:
        raise InvalidInputError(obj.at("id"), f"missing; a {kind} step names its task")
    return RawStep(path=path, type=kind, id=step_id)


def _speed_factor_pct(value: Any, path: str) -> int:
    factor = _number(value, path)
    if not 0 < factor <= MAX_SPEED_FACTOR:
        raise InvalidInputError(path, f"must be in (0, {MAX_SPEED_FACTOR:g}], got {factor:g}")
    pct = round(factor * 100)  # VROOM respects two decimals
    if pct < 1:
        raise InvalidInputError(path, f"must be at least 0.01, got {factor:g}")
    return pct


def _costs(value: Any, path: str) -> tuple[int, int, int]:
    obj = _object(value, path, (), ("fixed", "per_hour", "per_km"))
    return (
        obj.opt("fixed", _uint, 0),
        obj.opt("per_hour", _uint, DEFAULT_PER_HOUR),
        obj.opt("per_km", _uint, 0),
    )


_VEHICLE_UNSUPPORTED = {
    "breaks": "breaks are not supported (a courier's own stops with windows come closest)",
    "max_distance": "a route distance limit is not supported",
}


def _vehicle(value: Any, path: str) -> RawVehicle:
    obj = _object(
        value,
        path,
        ("id",),
        (
            "profile",
            "description",
            "type",
            "start",
            "start_index",
            "end",
            "end_index",
            "capacity",
            "costs",
            "skills",
            "time_window",
            "speed_factor",
            "max_tasks",
            "max_travel_time",
            "steps",
        ),
        _VEHICLE_UNSUPPORTED,
    )
    if "type" in obj:
        obj.get("type", _str)  # a label; it matters only for per-type times, rejected on tasks
    fixed, per_hour, per_km = obj.opt("costs", _costs, (0, DEFAULT_PER_HOUR, 0))
    start = _place(obj, "start", "start_index")
    if start is None:
        raise UnsupportedFieldError(
            obj.at("start"), "missing; a vehicle without a start (open start) is not supported"
        )
    return RawVehicle(
        path=path,
        id=obj.get("id", _uint),
        start=start,
        end=_place(obj, "end", "end_index"),
        profile=obj.opt("profile", _str, DEFAULT_PROFILE) or DEFAULT_PROFILE,
        capacity=obj.nullable("capacity", _amount),
        skills=obj.opt("skills", _skills, frozenset()),
        window=obj.nullable("time_window", _time_window),
        fixed_cost=fixed,
        per_hour=per_hour,
        per_km=per_km,
        speed_factor_pct=obj.opt("speed_factor", _speed_factor_pct, 100),
        max_tasks=obj.nullable("max_tasks", _uint),
        max_travel_time_s=obj.nullable("max_travel_time", _uint),
        steps=tuple(obj.opt("steps", _list_of(_step), list[RawStep]())),
        description=obj.nullable("description", _str),
    )


def _square(value: Any, path: str) -> IntMatrix:
    rows = _list(value, path)
    n = len(rows)
    for i, row in enumerate(rows):
        row_path = _join(path, i)
        if len(_list(row, row_path)) != n:
            raise InvalidInputError(
                row_path, f"expected {n} entries (a square matrix), got {len(row)}"
            )
        for j, entry in enumerate(row):
            if type(entry) is not int or entry < 0:
                raise InvalidInputError(
                    _join(row_path, j), f"expected an integer >= 0, got {_show(entry)}"
                )
    return np.array(rows, dtype=np.int64).reshape(n, n)


@attrs.frozen(kw_only=True, eq=False)
class GivenMatrices:
    """One profile's ``matrices`` entry: durations, distances, costs (None: not given)."""

    path: str
    durations: IntMatrix | None
    distances: IntMatrix | None
    costs: IntMatrix | None

    @property
    def size(self) -> int | None:
        for m in (self.durations, self.distances, self.costs):
            if m is not None:
                return int(m.shape[0])
        return None


def _profile_matrices(value: Any, path: str) -> GivenMatrices:
    obj = _object(value, path, (), ("durations", "distances", "costs"))
    given = GivenMatrices(
        path=path,
        durations=obj.nullable("durations", _square),
        distances=obj.nullable("distances", _square),
        costs=obj.nullable("costs", _square),
    )
    sizes = {
        key: int(m.shape[0])
        for key, m in (
            ("durations", given.durations),
            ("distances", given.distances),
            ("costs", given.costs),
        )
        if m is not None
    }
    if len(set(sizes.values())) > 1:
        raise InvalidInputError(path, f"matrices of different sizes: {sizes}")
    return given


def _matrices(value: Any, path: str) -> dict[str, GivenMatrices]:
    if not isinstance(value, dict):
        raise InvalidInputError(path, f"expected an object of profiles, got {_show(value)}")
    return {str(p): _profile_matrices(m, _join(path, str(p))) for p, m in value.items()}


@attrs.frozen(kw_only=True)
class Document:
    """A whole VROOM input document as raw records (``matrices`` None: not given)."""

    jobs: tuple[RawJob, ...]
    shipments: tuple[RawShipment, ...]
    vehicles: tuple[RawVehicle, ...]
    matrices: Mapping[str, GivenMatrices] | None


def parse_document(data: Any) -> Document:
    """The raw records of VROOM input document ``data`` (keys checked; deprecated ones read)."""
    obj = _object(
        data,
        "",
        ("vehicles",),
        ("jobs", "shipments", "matrices", "matrix"),
        {"options": "solver options come from dispatch's SolveOptions, not the document"},
    )
    matrices = obj.nullable("matrices", _matrices)
    if "matrix" in obj:  # deprecated by VROOM: the durations of profile "car"
        if matrices is not None:
            raise InvalidInputError(obj.at("matrix"), "deprecated key; give matrices only")
        matrices = {
            DEFAULT_PROFILE: GivenMatrices(
                path="matrix",
                durations=obj.get("matrix", _square),
                distances=None,
                costs=None,
            )
        }
    return Document(
        jobs=tuple(obj.opt("jobs", _list_of(_job), list[RawJob]())),
        shipments=tuple(obj.opt("shipments", _list_of(_shipment), list[RawShipment]())),
        vehicles=tuple(obj.get("vehicles", _list_of(_vehicle))),
        matrices=matrices,
    )


def check_unique_ids(doc: Document) -> None:
    """Raise if a job, pickup, delivery or vehicle id repeats within its kind."""
    seen: dict[str, dict[int, str]] = {"job": {}, "pickup": {}, "delivery": {}, "vehicle": {}}

    def note(kind: str, ident: int, path: str) -> None:
        first = seen[kind].setdefault(ident, path)
        if first != path:
            raise InvalidInputError(_join(path, "id"), f"{kind} id {ident} repeats ({first})")

    for job in doc.jobs:
        note("job", job.stop.id, job.path)
    for shipment in doc.shipments:
        note("pickup", shipment.pickup.id, shipment.pickup.path)
        note("delivery", shipment.delivery.id, shipment.delivery.path)
    for vehicle in doc.vehicles:
        note("vehicle", vehicle.id, vehicle.path)


def amount_dimensions(doc: Document) -> int:
    """VROOM's amount length; every capacity and amount must have it."""
    found: list[tuple[str, tuple[int, ...] | None]] = [
        (_join(v.path, "capacity"), v.capacity) for v in doc.vehicles
    ]
    for job in doc.jobs:
        found += [
            (_join(job.path, "delivery"), job.delivery),
            (_join(job.path, "pickup"), job.pickup),
        ]
    found += [(_join(s.path, "amount"), s.amount) for s in doc.shipments]
    given = [(path, a) for path, a in found if a is not None]
    if not given:
        return 0
    first_path, first = given[0]
    for path, amount in given:
        if len(amount) != len(first):
            raise InvalidInputError(
                path, f"has {len(amount)} dimension(s), {first_path} has {len(first)}"
            )
    if first:
        for vehicle in doc.vehicles:
            if vehicle.capacity is None:
                raise InvalidInputError(
                    _join(vehicle.path, "capacity"),
                    f"missing; amounts have {len(first)} dimension(s)",
                )
    return len(first)
