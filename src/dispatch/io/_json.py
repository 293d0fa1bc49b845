"""Our JSON formats for problems and plans (see ``docs/json-format.md``).

Both formats are versioned (``"format"`` and ``"version"`` keys) and strict:
an unknown key, a missing required key or a value of the wrong type raises
:class:`~dispatch.errors.InvalidInputError` naming the key path, for example
``tasks[3].pickup.windows[0]``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Hashable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from dispatch.errors import FormatError, InvalidInputError
from dispatch.model import (
    Courier,
    Errand,
    Location,
    MealDelivery,
    OwnStop,
    Problem,
    Stop,
    Task,
    TimeWindow,
    TravelProfile,
    Visit,
)
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
from dispatch.travel import HaversineTravel, MatrixTravel, Speeds, TravelTimes

__all__ = [
    "JSON_VERSION",
    "PLAN_FORMAT",
    "PROBLEM_FORMAT",
    "dump_plan",
    "dump_problem",
    "load_plan",
    "load_problem",
    "plan_from_dict",
    "plan_to_dict",
    "problem_from_dict",
    "problem_to_dict",
]

PROBLEM_FORMAT = "dispatch-problem"
PLAN_FORMAT = "dispatch-plan"
JSON_VERSION = 1
"""The version of both formats that this code writes and reads."""

T = TypeVar("T")
Json = dict[str, Any]


# --------------------------------------------------------------------------- reading helpers


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


class _Object:
    """A JSON object being read: every key must be known, required keys present.

    Every error names the key path.
    """

    def __init__(
        self, value: Any, path: str, required: Sequence[str], optional: Sequence[str] = ()
    ) -> None:
        if not isinstance(value, dict):
            raise InvalidInputError(path or "document", f"expected an object, got {_show(value)}")
        self.path = path
        self._value: Mapping[str, Any] = value
        known = set(required) | set(optional)
        for key in value:
            if key not in known:
                expected = ", ".join(sorted(known))
                raise InvalidInputError(
                    _join(path, str(key)), f"unknown key (expected one of: {expected})"
                )
        for key in required:
            if key not in value:
                raise InvalidInputError(_join(path, key), "missing required key")

    def __contains__(self, key: str) -> bool:
        return key in self._value

    def at(self, key: str) -> str:
        """The path of ``key``."""
        return _join(self.path, key)

    def get(self, key: str, read: Callable[[Any, str], T]) -> T:
        """The value at ``key`` (required) converted by ``read``."""
        return read(self._value[key], self.at(key))

    def opt(self, key: str, read: Callable[[Any, str], T], default: T) -> T:
        """The value at ``key`` converted by ``read``, or ``default`` when absent."""
        if key not in self._value:
            return default
        return read(self._value[key], self.at(key))

    def nullable(self, key: str, read: Callable[[Any, str], T]) -> T | None:
        """The value at ``key`` converted by ``read``; None when absent or null."""
        value = self._value.get(key)
        return None if value is None else read(value, self.at(key))


def _show(value: Any) -> str:
    text = json.dumps(value) if _is_json_scalar(value) else type(value).__name__
    return text if len(text) <= 40 else text[:37] + "..."


def _is_json_scalar(value: Any) -> bool:
    return value is None or isinstance(value, bool | int | float | str)


def _int(value: Any, path: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInputError(path, f"expected an integer, got {_show(value)}")
    return value


def _non_negative(value: Any, path: str) -> int:
    number = _int(value, path)
    if number < 0:
        raise InvalidInputError(path, f"must be >= 0, got {number}")
    return number


def _number(value: Any, path: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidInputError(path, f"expected a finite number, got {_show(value)}")
    return float(value)


def _str(value: Any, path: str) -> str:
    if not isinstance(value, str):
        raise InvalidInputError(path, f"expected a string, got {_show(value)}")
    return value


def _list(value: Any, path: str) -> list[Any]:
    if not isinstance(value, list):
        raise InvalidInputError(path, f"expected an array, got {_show(value)}")
    return value


def _list_of(read: Callable[[Any, str], T]) -> Callable[[Any, str], list[T]]:
    def _read(value: Any, path: str) -> list[T]:
        return [read(item, _join(path, i)) for i, item in enumerate(_list(value, path))]

    return _read


def _pair(value: Any, path: str) -> tuple[int, int]:
    items = _list(value, path)
    if len(items) != 2:
        raise InvalidInputError(path, f"expected [earliest_s, latest_s], got {len(items)} item(s)")
    return _int(items[0], _join(path, 0)), _int(items[1], _join(path, 1))


def _node(value: Any, path: str) -> Hashable:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise InvalidInputError(path, f"a node must be an integer or a string, got {_show(value)}")
    return value


def _enum(kind: type[Any]) -> Callable[[Any, str], Any]:
    def _read(value: Any, path: str) -> Any:
        try:
            return kind(_str(value, path))
        except ValueError:
            choices = ", ".join(repr(m.value) for m in kind)
            raise InvalidInputError(path, f"{value!r} is not one of {choices}") from None

    return _read


def _build(path: str, factory: Callable[..., T], **kwargs: Any) -> T:
    """``factory(**kwargs)``, with a model error re-raised under ``path``."""
    try:
        return factory(**kwargs)
    except InvalidInputError as err:
        raise InvalidInputError(path or "document", str(err)) from None


def _as_dict(data: Any) -> Any:
    return dict(data) if isinstance(data, Mapping) and not isinstance(data, dict) else data


def _check_header(obj: _Object, expected: str) -> None:
    fmt = obj.get("format", _str)
    if fmt != expected:
        raise InvalidInputError(obj.at("format"), f"expected {expected!r}, got {fmt!r}")
    version = obj.get("version", _int)
    if version != JSON_VERSION:
        raise InvalidInputError(
            obj.at("version"), f"unsupported version {version}; this reads version {JSON_VERSION}"
        )


# --------------------------------------------------------------------------- writing helpers


def _node_out(node: Hashable, path: str) -> int | str:
    if isinstance(node, bool) or not isinstance(node, int | str | np.integer):
        raise InvalidInputError(
            path, f"node {node!r} ({type(node).__name__}) cannot be written; use an int or a str"
        )
    return node if isinstance(node, str) else int(node)


def _window_out(window: TimeWindow) -> list[int]:
    return [window.earliest_s, window.latest_s]


# --------------------------------------------------------------------------- locations and stops


def _location_to_dict(loc: Location, path: str) -> Json:
    out: Json = {}
    if loc.lat is not None:
        out["lat"] = loc.lat
        out["lon"] = loc.lon
    if loc.node is not None:
        out["node"] = _node_out(loc.node, _join(path, "node"))
    return out


def _location_from(value: Any, path: str) -> Location:
    obj = _Object(value, path, (), ("lat", "lon", "node"))
    return _build(
        path,
        Location,
        lat=obj.nullable("lat", _number),
        lon=obj.nullable("lon", _number),
        node=obj.nullable("node", _node),
    )


def _stop_to_dict(stop: Stop, path: str) -> Json:
    return {
        "location": _location_to_dict(stop.location, _join(path, "location")),
        "windows": [_window_out(w) for w in stop.windows],
        "service_s": stop.service_s,
    }


def _stop_from(value: Any, path: str) -> Stop:
    obj = _Object(value, path, ("location",), ("windows", "service_s"))
    return _build(
        path,
        Stop,
        location=obj.get("location", _location_from),
        windows=obj.opt("windows", _list_of(_pair), list[tuple[int, int]]()),
        service_s=obj.opt("service_s", _int, 0),
    )


# --------------------------------------------------------------------------- tasks

_TASK_COMMON = ("load", "priority", "skills", "kind")


def _task_common(task: Task) -> Json:
    return {
        "load": list(task.load),
        "priority": task.priority,
        "skills": sorted(task.skills),
        "kind": task.kind,
    }


def _errand_to_dict(task: Errand, path: str) -> Json:
    return {
        "type": "errand",
        "id": task.id,
        "pickup": _stop_to_dict(task.pickup, _join(path, "pickup")),
        "dropoff": _stop_to_dict(task.dropoff, _join(path, "dropoff")),
        "max_ride_s": task.max_ride_s,
        **_task_common(task),
    }


def _meal_to_dict(task: MealDelivery, path: str) -> Json:
    return {
        "type": "meal_delivery",
        "id": task.id,
        "kitchen": _stop_to_dict(task.kitchen, _join(path, "kitchen")),
        "home": _stop_to_dict(task.home, _join(path, "home")),
        "ready_s": task.ready_s,
        "max_ride_s": task.max_ride_s,
        **_task_common(task),
    }


def _visit_to_dict(task: Visit, path: str) -> Json:
    return {
        "type": "visit",
        "id": task.id,
        "stop": _stop_to_dict(task.stop, _join(path, "stop")),
        **_task_common(task),
    }


def _common_kwargs(obj: _Object) -> dict[str, Any]:
    kwargs: dict[str, Any] = {}
    if "load" in obj:
        kwargs["load"] = obj.get("load", _list_of(_int))
    if "priority" in obj:
        kwargs["priority"] = obj.get("priority", _int)
    if "kind" in obj:
        kwargs["kind"] = obj.get("kind", _str)
    kwargs["skills"] = obj.opt("skills", _list_of(_str), list[str]())
    return kwargs


def _errand_from(value: Any, path: str) -> Errand:
    obj = _Object(value, path, ("type", "id", "pickup", "dropoff"), ("max_ride_s", *_TASK_COMMON))
    return _build(
        path,
        Errand,
        id=obj.get("id", _str),
        pickup=obj.get("pickup", _stop_from),
        dropoff=obj.get("dropoff", _stop_from),
        max_ride_s=obj.nullable("max_ride_s", _int),
        **_common_kwargs(obj),
    )


def _meal_from(value: Any, path: str) -> MealDelivery:
    obj = _Object(
        value, path, ("type", "id", "kitchen", "home", "ready_s", "max_ride_s"), _TASK_COMMON
    )
    return _build(
        path,
        MealDelivery,
        id=obj.get("id", _str),
        kitchen=obj.get("kitchen", _stop_from),
        home=obj.get("home", _stop_from),
        ready_s=obj.get("ready_s", _int),
        max_ride_s=obj.get("max_ride_s", _int),
        **_common_kwargs(obj),
    )


def _visit_from(value: Any, path: str) -> Visit:
    obj = _Object(value, path, ("type", "id", "stop"), _TASK_COMMON)
    return _build(
        path,
        Visit,
        id=obj.get("id", _str),
        stop=obj.get("stop", _stop_from),
        **_common_kwargs(obj),
    )


_TASK_READERS: dict[str, Callable[[Any, str], Task]] = {
    "errand": _errand_from,
    "meal_delivery": _meal_from,
    "visit": _visit_from,
}


def _task_to_dict(task: Task, path: str) -> Json:
    if isinstance(task, Errand):
        return _errand_to_dict(task, path)
    if isinstance(task, MealDelivery):
        return _meal_to_dict(task, path)
    return _visit_to_dict(task, path)


def _task_from(value: Any, path: str) -> Task:
    if not isinstance(value, dict):
        raise InvalidInputError(path, f"expected an object, got {_show(value)}")
    if "type" not in value:
        raise InvalidInputError(_join(path, "type"), "missing required key")
    kind = _str(value["type"], _join(path, "type"))
    reader = _TASK_READERS.get(kind)
    if reader is None:
        choices = ", ".join(repr(k) for k in _TASK_READERS)
        raise InvalidInputError(_join(path, "type"), f"{kind!r} is not one of {choices}")
    return reader(value, path)


# --------------------------------------------------------------------------- couriers


def _courier_to_dict(courier: Courier, path: str) -> Json:
    return {
        "id": courier.id,
        "start": _location_to_dict(courier.start, _join(path, "start")),
        "end": None if courier.end is None else _location_to_dict(courier.end, _join(path, "end")),
        "shift": _window_out(courier.shift),
        "capacity": list(courier.capacity),
        "profile": courier.profile.value,
        "skills": sorted(courier.skills),
        "own_stops": [
            {"id": own.id, "stop": _stop_to_dict(own.stop, _join(_join(path, "own_stops"), i))}
            for i, own in enumerate(courier.own_stops)
        ],
        "detour_budget_s": courier.detour_budget_s,
        "fixed_cost": courier.fixed_cost,
        "accepts": None if courier.accepts is None else sorted(courier.accepts),
        "max_tasks": courier.max_tasks,
    }


def _own_stop_from(value: Any, path: str) -> OwnStop:
    obj = _Object(value, path, ("id", "stop"))
    return _build(path, OwnStop, id=obj.get("id", _str), stop=obj.get("stop", _stop_from))


def _shift_from(value: Any, path: str) -> TimeWindow:
    earliest, latest = _pair(value, path)
    return _build(path, TimeWindow, earliest_s=earliest, latest_s=latest)


def _courier_from(value: Any, path: str) -> Courier:
    obj = _Object(
        value,
        path,
        ("id", "start", "shift", "capacity"),
        (
            "end",
            "profile",
            "skills",
            "own_stops",
            "detour_budget_s",
            "fixed_cost",
            "accepts",
            "max_tasks",
        ),
    )
    return _build(
        path,
        Courier,
        id=obj.get("id", _str),
        start=obj.get("start", _location_from),
        end=obj.nullable("end", _location_from),
        shift=obj.get("shift", _shift_from),
        capacity=obj.get("capacity", _list_of(_int)),
        profile=obj.opt("profile", _enum(TravelProfile), TravelProfile.BIKE),
        skills=obj.opt("skills", _list_of(_str), list[str]()),
        own_stops=obj.opt("own_stops", _list_of(_own_stop_from), list[OwnStop]()),
        detour_budget_s=obj.nullable("detour_budget_s", _int),
        fixed_cost=obj.opt("fixed_cost", _int, 0),
        accepts=obj.nullable("accepts", _list_of(_str)),
        max_tasks=obj.nullable("max_tasks", _int),
    )


# --------------------------------------------------------------------------- travel models


def _int_matrix(value: Any, path: str, n: int) -> list[list[int]]:
    rows = _list(value, path)
    if len(rows) != n:
        raise InvalidInputError(path, f"expected {n} rows (one per node), got {len(rows)}")
    for i, row in enumerate(rows):
        row_path = _join(path, i)
        if len(_list(row, row_path)) != n:
            raise InvalidInputError(row_path, f"expected {n} entries, got {len(row)}")
        for j, entry in enumerate(row):
            if type(entry) is not int:
                raise InvalidInputError(
                    _join(row_path, j), f"expected an integer, got {_show(entry)}"
                )
    return rows


def _matrix_to_dict(travel: MatrixTravel, path: str) -> Json:
    distances = travel.durations_s if travel.distances_m is None else travel.distances_m
    return {
        "type": "matrix",
        "nodes": [
            _node_out(node, _join(_join(path, "nodes"), i)) for i, node in enumerate(travel.nodes)
        ],
        "durations_s": travel.durations_s.tolist(),
        "distances_m": distances.tolist(),
    }


def _matrix_from(value: Any, path: str) -> MatrixTravel:
    obj = _Object(value, path, ("type", "nodes", "durations_s"), ("distances_m",))
    nodes = obj.get("nodes", _list_of(_node))
    n = len(nodes)
    durations = _int_matrix(obj.get("durations_s", _list), obj.at("durations_s"), n)
    distances = (
        _int_matrix(obj.get("distances_m", _list), obj.at("distances_m"), n)
        if "distances_m" in obj
        else None
    )
    shape = (n, n)
    return _build(
        path,
        MatrixTravel,
        nodes=nodes,
        durations_s=np.array(durations, dtype=np.int64).reshape(shape),
        distances_m=None if distances is None else np.array(distances, np.int64).reshape(shape),
    )


def _haversine_to_dict(travel: HaversineTravel, path: str) -> Json:
    return {
        "type": "haversine",
        "detour_factor": travel.detour_factor,
        "speeds_mps": travel.speeds.as_dict(),
    }


def _speeds_from(value: Any, path: str) -> Speeds:
    names = [p.value for p in TravelProfile]
    obj = _Object(value, path, (), names)
    speeds = {name: obj.get(name, _number) for name in names if name in obj}
    return _build(path, Speeds.from_mapping, speeds_mps=speeds)


def _haversine_from(value: Any, path: str) -> HaversineTravel:
    obj = _Object(value, path, ("type",), ("detour_factor", "speeds_mps"))
    kwargs: dict[str, Any] = {}
    if "detour_factor" in obj:
        kwargs["detour_factor"] = obj.get("detour_factor", _number)
    if "speeds_mps" in obj:
        kwargs["speeds"] = obj.get("speeds_mps", _speeds_from)
    return _build(path, HaversineTravel, **kwargs)


_TRAVEL_WRITERS: dict[type[Any], Callable[[Any, str], Json]] = {
    MatrixTravel: _matrix_to_dict,
    HaversineTravel: _haversine_to_dict,
}
_TRAVEL_READERS: dict[str, Callable[[Any, str], TravelTimes]] = {
    "matrix": _matrix_from,
    "haversine": _haversine_from,
}


def _travel_to_dict(travel: TravelTimes, path: str) -> Json:
    writer = _TRAVEL_WRITERS.get(type(travel))
    if writer is None:
        supported = ", ".join(t.__name__ for t in _TRAVEL_WRITERS)
        raise InvalidInputError(
            path,
            f"the travel model {type(travel).__name__} is not serialisable yet "
            f"(supported: {supported})",
        )
    return writer(travel, path)


def _travel_from(value: Any, path: str) -> TravelTimes:
    if not isinstance(value, dict):
        raise InvalidInputError(path, f"expected an object, got {_show(value)}")
    if "type" not in value:
        raise InvalidInputError(_join(path, "type"), "missing required key")
    kind = _str(value["type"], _join(path, "type"))
    reader = _TRAVEL_READERS.get(kind)
    if reader is None:
        choices = ", ".join(repr(k) for k in _TRAVEL_READERS)
        raise InvalidInputError(_join(path, "type"), f"{kind!r} is not one of {choices}")
    return reader(value, path)


# --------------------------------------------------------------------------- problems


def problem_to_dict(problem: Problem) -> dict[str, Any]:
    """The problem as JSON-ready data (format ``dispatch-problem``, version 1).

    Raises :class:`~dispatch.errors.InvalidInputError` for what the format
    cannot hold: a travel model other than :class:`~dispatch.travel.MatrixTravel`
    and :class:`~dispatch.travel.HaversineTravel`, or a node key that is
    neither an int nor a str.

    Examples
    --------
    >>> from dispatch import Courier, Location, MatrixTravel, Stop, TimeWindow, Visit
    >>> problem = Problem(
    ...     tasks=[Visit(id="v1", stop=Stop(location=Location(node="home")))],
    ...     couriers=[Courier(id="c1", start=Location(node="hub"), shift=TimeWindow(0, 3600),
    ...                       capacity=1)],
    ...     travel=MatrixTravel(nodes=["hub", "home"], durations_s=[[0, 60], [60, 0]]),
    ... )
    >>> d = problem_to_dict(problem)
    >>> d["format"], d["version"], d["tasks"][0]["stop"]["location"], d["travel"]["nodes"]
    ('dispatch-problem', 1, {'node': 'home'}, ['hub', 'home'])
    >>> problem_from_dict(d).tasks == problem.tasks
    True
    """
    return {
        "format": PROBLEM_FORMAT,
        "version": JSON_VERSION,
        "tasks": [_task_to_dict(t, _join("tasks", i)) for i, t in enumerate(problem.tasks)],
        "couriers": [
            _courier_to_dict(c, _join("couriers", i)) for i, c in enumerate(problem.couriers)
        ],
        "travel": _travel_to_dict(problem.travel, "travel"),
    }


def problem_from_dict(data: Mapping[str, Any]) -> Problem:
    """The problem held by JSON data of format ``dispatch-problem`` (see :func:`problem_to_dict`).

    Unknown keys, missing required keys and wrong types raise
    :class:`~dispatch.errors.InvalidInputError` naming the key path.

    Examples
    --------
    >>> problem_from_dict({"format": "dispatch-problem", "version": 1, "tasks": [],
    ...                    "couriers": [], "travel": {"type": "haversine"}, "extra": 1})
    Traceback (most recent call last):
    ...
    dispatch.errors.InvalidInputError: extra: unknown key (expected one of: couriers, format, \
tasks, travel, version)
    >>> problem_from_dict({"format": "dispatch-problem", "version": 1, "couriers": [],
    ...                    "travel": {"type": "haversine"}})
    Traceback (most recent call last):
    ...
    dispatch.errors.InvalidInputError: tasks: missing required key
    """
    obj = _Object(_as_dict(data), "", ("format", "version", "tasks", "couriers", "travel"))
    _check_header(obj, PROBLEM_FORMAT)
    return _build(
        "",
        Problem,
        tasks=obj.get("tasks", _list_of(_task_from)),
        couriers=obj.get("couriers", _list_of(_courier_from)),
        travel=obj.get("travel", _travel_from),
    )


# --------------------------------------------------------------------------- plans


def _stop_out(stop: PlannedStop) -> Json:
    return {
        "role": stop.role.value,
        "ref": stop.ref,
        "arrival_s": stop.arrival_s,
        "start_s": stop.start_s,
        "departure_s": stop.departure_s,
        "load_after": list(stop.load_after),
    }


def _planned_stop_from(value: Any, path: str) -> PlannedStop:
    obj = _Object(value, path, ("role", "ref", "arrival_s", "start_s", "departure_s", "load_after"))
    return PlannedStop(
        role=obj.get("role", _enum(StopRole)),
        ref=obj.get("ref", _str),
        arrival_s=obj.get("arrival_s", _non_negative),
        start_s=obj.get("start_s", _non_negative),
        departure_s=obj.get("departure_s", _non_negative),
        load_after=tuple(obj.get("load_after", _list_of(_non_negative))),
    )


def _route_from(value: Any, path: str) -> Route:
    obj = _Object(value, path, ("courier_id", "stops", "distance_m", "duration_s"))
    return Route(
        courier_id=obj.get("courier_id", _str),
        stops=tuple(obj.get("stops", _list_of(_planned_stop_from))),
        distance_m=obj.get("distance_m", _non_negative),
        duration_s=obj.get("duration_s", _non_negative),
    )


def _unassigned_from(value: Any, path: str) -> Unassigned:
    obj = _Object(value, path, ("task_id", "reason"), ("detail", "insertion_cost"))
    return Unassigned(
        task_id=obj.get("task_id", _str),
        reason=obj.get("reason", _enum(UnassignedReason)),
        detail=obj.opt("detail", _str, ""),
        insertion_cost=obj.nullable("insertion_cost", _int),
    )


def _objective_from(value: Any, path: str) -> ObjectiveParts:
    obj = _Object(value, path, ("distance_m", "fixed_cost", "penalty"), ("total",))
    parts = ObjectiveParts(
        distance_m=obj.get("distance_m", _int),
        fixed_cost=obj.get("fixed_cost", _int),
        penalty=obj.get("penalty", _int),
    )
    total = obj.nullable("total", _int)
    if total is not None and total != parts.total:
        raise InvalidInputError(
            obj.at("total"), f"is {total}, but the parts add up to {parts.total}"
        )
    return parts


def _runtime_from(value: Any, path: str) -> float:
    seconds = _number(value, path)
    if seconds < 0:
        raise InvalidInputError(path, f"must be >= 0, got {seconds}")
    return seconds


def plan_to_dict(plan: Plan) -> dict[str, Any]:
    """The plan as JSON-ready data (format ``dispatch-plan``, version 1).

    ``objective.total`` is written for readers' convenience; when read back
    it must equal the sum of the parts.

    Examples
    --------
    >>> stops = tuple(
    ...     PlannedStop(role=role, ref=ref, arrival_s=t, start_s=t, departure_s=t,
    ...                 load_after=(load,))
    ...     for role, ref, t, load in [(StopRole.START, "c1", 0, 0),
    ...                                (StopRole.VISIT, "v1", 60, 1),
    ...                                (StopRole.END, "c1", 120, 1)])
    >>> plan = Plan(routes=(Route(courier_id="c1", stops=stops, distance_m=900, duration_s=120),),
    ...             unassigned=(), objective=ObjectiveParts(distance_m=900, fixed_cost=0,
    ...             penalty=0), status=SolveStatus.OPTIMAL, runtime_s=0.01)
    >>> d = plan_to_dict(plan)
    >>> d["routes"][0]["stops"][1]
    {'role': 'visit', 'ref': 'v1', 'arrival_s': 60, 'start_s': 60, 'departure_s': 60, \
'load_after': [1]}
    >>> plan_from_dict(d) == plan
    True
    """
    return {
        "format": PLAN_FORMAT,
        "version": JSON_VERSION,
        "status": plan.status.value,
        "runtime_s": plan.runtime_s,
        "objective": {
            "distance_m": plan.objective.distance_m,
            "fixed_cost": plan.objective.fixed_cost,
            "penalty": plan.objective.penalty,
            "total": plan.objective.total,
        },
        "routes": [
            {
                "courier_id": route.courier_id,
                "distance_m": route.distance_m,
                "duration_s": route.duration_s,
                "stops": [_stop_out(s) for s in route.stops],
            }
            for route in plan.routes
        ],
        "unassigned": [
            {
                "task_id": u.task_id,
                "reason": u.reason.value,
                "detail": u.detail,
                "insertion_cost": u.insertion_cost,
            }
            for u in plan.unassigned
        ],
    }


def plan_from_dict(data: Mapping[str, Any]) -> Plan:
    """The plan held by JSON data of format ``dispatch-plan`` (see :func:`plan_to_dict`).

    Examples
    --------
    >>> plan_from_dict({"format": "dispatch-plan", "version": 1, "status": "feasible",
    ...                 "runtime_s": 1.5, "routes": [], "unassigned": [{"task_id": "e1",
    ...                 "reason": "capacity", "detail": "load 9 > capacity 4"}],
    ...                 "objective": {"distance_m": 0, "fixed_cost": 0, "penalty": 100}}).unassigned
    (Unassigned(task_id='e1', reason=<UnassignedReason.CAPACITY: 'capacity'>, \
detail='load 9 > capacity 4', insertion_cost=None),)
    """
    obj = _Object(
        _as_dict(data),
        "",
        ("format", "version", "status", "runtime_s", "objective", "routes", "unassigned"),
    )
    _check_header(obj, PLAN_FORMAT)
    return Plan(
        routes=tuple(obj.get("routes", _list_of(_route_from))),
        unassigned=tuple(obj.get("unassigned", _list_of(_unassigned_from))),
        objective=obj.get("objective", _objective_from),
        status=obj.get("status", _enum(SolveStatus)),
        runtime_s=obj.get("runtime_s", _runtime_from),
    )


# --------------------------------------------------------------------------- files

_LINE = 100


def _pretty(value: Any, level: int = 0) -> str:
    """JSON with two-space indents; a container goes on one line when it fits or is flat.

    Flat means an array of scalars (a matrix row, a window) or an object whose
    values are scalars or arrays of scalars (a planned stop).
    """
    compact = json.dumps(value, ensure_ascii=False, allow_nan=False)
    if not isinstance(value, dict | list) or 2 * level + len(compact) <= _LINE or _is_flat(value):
        return compact
    inner = "  " * (level + 1)
    if isinstance(value, dict):
        items = [
            f"{inner}{json.dumps(k, ensure_ascii=False)}: {_pretty(v, level + 1)}"
            for k, v in value.items()
        ]
        return "{\n" + ",\n".join(items) + "\n" + "  " * level + "}"
    items = [f"{inner}{_pretty(v, level + 1)}" for v in value]
    return "[\n" + ",\n".join(items) + "\n" + "  " * level + "]"


def _is_flat(value: dict[str, Any] | list[Any]) -> bool:
    if isinstance(value, list):
        return all(_is_json_scalar(v) for v in value)
    return all(
        _is_json_scalar(v) or (isinstance(v, list) and all(_is_json_scalar(x) for x in v))
        for v in value.values()
    )


def _write(data: Json, path: str | Path) -> None:
    Path(path).write_text(_pretty(data) + "\n", encoding="utf-8")


def _read(path: str | Path, parse: Callable[[Mapping[str, Any]], T]) -> T:
    source = str(path)
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise FormatError(source, err.lineno, f"not valid JSON: {err.msg}") from None
    except UnicodeDecodeError as err:
        raise FormatError(source, None, f"not UTF-8 text ({err.reason})") from None
    if not isinstance(data, dict):
        raise FormatError(source, 1, f"expected a JSON object, got {_show(data)}")
    try:
        return parse(data)
    except FormatError:
        raise
    except InvalidInputError as err:
        raise FormatError(source, None, str(err)) from None


def dump_problem(problem: Problem, path: str | Path) -> None:
    """Write ``problem`` to a JSON file (UTF-8, see :func:`problem_to_dict`).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from dispatch import MatrixTravel
    >>> tmp = tempfile.TemporaryDirectory()
    >>> path = pathlib.Path(tmp.name) / "problem.json"
    >>> empty = Problem(tasks=[], couriers=[], travel=MatrixTravel(nodes=[0], durations_s=[[0]]))
    >>> dump_problem(empty, path)
    >>> print(path.read_text().strip())
    {
      "format": "dispatch-problem",
      "version": 1,
      "tasks": [],
      "couriers": [],
      "travel": {"type": "matrix", "nodes": [0], "durations_s": [[0]], "distances_m": [[0]]}
    }
    >>> load_problem(path).couriers
    ()
    >>> tmp.cleanup()
    """
    _write(problem_to_dict(problem), path)


def load_problem(path: str | Path) -> Problem:
    """Read a problem from a JSON file written by :func:`dump_problem` (or by hand).

    Invalid JSON raises :class:`~dispatch.errors.FormatError` with the line;
    content errors name the file and the key path.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> tmp = tempfile.TemporaryDirectory()
    >>> path = pathlib.Path(tmp.name) / "problem.json"
    >>> _ = path.write_text('{"format": "dispatch-problem", "version": 1, "tasks": [],'
    ...                     ' "couriers": [{"id": "c1", "start": {"node": 0}}],'
    ...                     ' "travel": {"type": "haversine"}}')
    >>> load_problem(path)
    Traceback (most recent call last):
    ...
    dispatch.errors.FormatError: ...problem.json: couriers[0].shift: missing required key
    >>> tmp.cleanup()
    """
    return _read(path, problem_from_dict)


def dump_plan(plan: Plan, path: str | Path) -> None:
    """Write ``plan`` to a JSON file (UTF-8, see :func:`plan_to_dict`).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> tmp = tempfile.TemporaryDirectory()
    >>> path = pathlib.Path(tmp.name) / "plan.json"
    >>> plan = Plan(routes=(), unassigned=(), status=SolveStatus.NO_SOLUTION, runtime_s=0.5,
    ...             objective=ObjectiveParts(distance_m=0, fixed_cost=0, penalty=0))
    >>> dump_plan(plan, path)
    >>> load_plan(path) == plan
    True
    >>> tmp.cleanup()
    """
    _write(plan_to_dict(plan), path)


def load_plan(path: str | Path) -> Plan:
    """Read a plan from a JSON file written by :func:`dump_plan`.

    Errors are reported as by :func:`load_problem`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> tmp = tempfile.TemporaryDirectory()
    >>> path = pathlib.Path(tmp.name) / "plan.json"
    >>> _ = path.write_text('{"format": "dispatch-plan", "version": 1,,}')
    >>> load_plan(path)
    Traceback (most recent call last):
    ...
    dispatch.errors.FormatError: ...plan.json:1: not valid JSON: Expecting property name \
enclosed in double quotes
    >>> tmp.cleanup()
    """
    return _read(path, plan_from_dict)
