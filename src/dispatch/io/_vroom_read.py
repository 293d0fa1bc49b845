"""VROOM input documents read as dispatch problems: the entry point and the mapping.

`VROOM <https://github.com/VROOM-Project/vroom/blob/master/docs/API.md>`_ is a
routing engine whose JSON interface many services speak. :func:`read_vroom`
turns a VROOM input document into a :class:`~dispatch.model.Problem` plus a
:class:`~dispatch.io.VroomMapping` (VROOM's ids, places and matrices), which
:func:`~dispatch.io.write_vroom_solution` and
:func:`~dispatch.io.read_vroom_solution` use to answer in VROOM's ids.
:func:`is_vroom_document` and :func:`sniff_vroom` tell a VROOM document from
one of ours. Nothing is fetched from the network: without ``matrices``, travel
comes from coordinates (:class:`~dispatch.travel.HaversineTravel`).

Every VROOM key that has no faithful meaning in ``dispatch`` raises
:class:`~dispatch.errors.UnsupportedFieldError` naming its path
(``jobs[3].setup``); a key VROOM does not define raises
:class:`~dispatch.errors.InvalidInputError`. Nothing is dropped silently.

The work is shared by sibling modules: ``_vroom_document`` (the JSON as raw
records), ``_vroom_travel`` (nodes and matrices), ``_vroom_build`` (tasks and
couriers), ``_vroom_routes`` (the ``steps`` warm start) and ``_vroom_types``
(the mapping).

How VROOM maps onto dispatch
----------------------------

==========================  =================================================================
VROOM                       dispatch
==========================  =================================================================
job                         :class:`~dispatch.model.Visit` ``job-<id>`` (see *deliveries*)
shipment                    :class:`~dispatch.model.Errand` ``shipment-<pickup id>-<delivery
                            id>``, load ``amount``
vehicle                     :class:`~dispatch.model.Courier` ``vehicle-<id>``
``location_index``          the location's node in the travel matrices (with ``matrices``)
``location`` [lon, lat]     ``lat``/``lon``; without ``matrices`` also the node (one per
                            distinct place) and straight-line travel at the speed of the
                            profile's name (``car``, ``bike``, ``foot``... ``PROFILE_SPEEDS``)
``priority`` 0-100          ``priority`` 1-101 (VROOM's + 1; ours starts at 1)
``skills`` (integers)       skills ``"1"``, ``"14"``, ...
``time_windows``            stop windows (overlapping windows merged, same set of times)
``service``                 ``service_s``
``setup``                   added to ``service_s`` when no other task stop or vehicle start
                            shares the location (VROOM then always pays it); else rejected
``description``             kept and written back
vehicle ``time_window``     ``shift`` (none: ``[0, 2**30]``)
``start`` / ``end``         ``start`` / ``end``; no ``end`` = open end; no ``start`` rejected
``capacity``                ``capacity`` (no amounts at all: one dimension of zeros)
``costs.fixed``             ``fixed_cost``
``costs.per_hour/per_km``,  the travel model's arc costs (its ``distances_m``), so dispatch
``matrices.*.costs``        minimises VROOM's objective; ``plan.distance_m`` is VROOM cost
``speed_factor``            durations ``ceil(d / speed_factor)`` per leg (VROOM keeps
                            1/100 s inside, so its times may be up to 1 s per leg earlier)
``profile`` + matrices      one travel matrix per (profile, speed factor, costs): each gets one
                            of the four :class:`~dispatch.model.TravelProfile` s as its key
``max_tasks``               ``max_tasks`` (shipments only: half of it; a shipment is two VROOM
                            tasks); jobs and shipments together with ``max_tasks`` rejected
``max_travel_time``         ``detour_budget_s = max_travel_time - travel(start, end)`` when
                            every service and setup is 0 (dispatch counts service as busy)
``steps``                   a warm start (:attr:`VroomMapping.warm_start`), as VROOM's own
                            solving mode uses them; ``service_at/after/before`` rejected
vehicle ``type``            accepted as a label (it selects per-type times, rejected on tasks)
``amount`` on a job,        VROOM's deprecated spellings: a delivery, and
top-level ``matrix``        ``matrices.car.durations``
absolute times (>= 1e8)     shifted to the start (UTC) of their first day; written back
==========================  =================================================================

Deliveries. VROOM loads every job ``delivery`` at the vehicle start and brings
every job ``pickup`` back to its end. A dispatch visit *adds* its load, which
checks capacity the same way as long as no capacity dimension mixes job
deliveries with job pickups or shipments: then a vehicle's peak load is its
total on either reading. When a dimension does mix them, each job with a
delivery in it becomes an :class:`~dispatch.model.Errand` from the vehicle
start, with a pickup window of exactly the shift start: the courier loads it
before leaving, as VROOM's vehicle does, and waits (if at all) at its first
stop instead of at the depot, which no VROOM constraint can tell apart. That
needs every vehicle to share its start and shift start, and such a job to
have no pickup amount; otherwise the document is rejected. These loading
stops are hidden in the VROOM solution, whose loads are VROOM's.

Features of one that the other lacks
------------------------------------

==================================================  =======================================
VROOM has, dispatch lacks (rejected on reading)     Nearest dispatch feature
==================================================  =======================================
breaks (``vehicles[i].breaks``)                     own stops with windows
``max_distance``                                    --
open start (vehicle without ``start``)              --
``setup`` at a shared location                      ``service_s``
``setup_per_type`` / ``service_per_type``           --
steps' ``service_at/after/before``                  own stops with windows
``max_travel_time`` with service times              detour budgets (count service too)
``max_tasks`` with both jobs and shipments          ``max_tasks`` (a shipment counts once)
job deliveries mixed with pickups, several depots   errands from each depot
``per_hour``/``per_km`` next to a ``costs`` matrix  --
over four (profile, speed, costs) vehicle groups    four travel profiles
plan mode (``-c``) and ``violations``               :func:`dispatch.validate`
routing engines (OSRM, ORS, Valhalla)               road graphs, straight-line travel
priorities maximised before cost (not rejected)     penalty ``priority x`` a large base
==================================================  =======================================

==================================================  =======================================
dispatch has, VROOM lacks                           Nearest VROOM feature
==================================================  =======================================
maximum ride time (meals, ``Errand.max_ride_s``)    --
detour budgets (``Courier.detour_budget_s``)        ``max_travel_time`` (travel only)
couriers' own stops (mandatory, in order)           ``steps`` (a starting point only)
locks (``solve(warm_start=, locked=)``)             --
task kinds a courier takes (``Courier.accepts``)    skills
meal ready times                                    time windows
reasons for unassigned tasks                        ``unassigned`` (ids only)
==================================================  =======================================
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from dispatch.errors import FormatError, InvalidInputError, UnsupportedFieldError
from dispatch.io._json import _build, _show
from dispatch.io._vroom_build import build_couriers, build_tasks, time_offset
from dispatch.io._vroom_document import amount_dimensions, check_unique_ids, parse_document
from dispatch.io._vroom_routes import warm_start_plan
from dispatch.io._vroom_travel import assign_nodes, build_matrices, group_keys, matrix_travel
from dispatch.io._vroom_types import VroomMapping
from dispatch.model import Problem
from dispatch.travel import HaversineTravel

__all__ = ["is_vroom_document", "read_vroom", "sniff_vroom"]


def is_vroom_document(data: Any) -> bool:
    """Whether JSON data looks like a VROOM input document rather than a dispatch problem.

    Examples
    --------
    >>> is_vroom_document({"vehicles": [{"id": 1, "start": [2.35, 48.86]}], "jobs": []})
    True
    >>> is_vroom_document({"format": "dispatch-problem", "version": 1, "tasks": []})
    False
    """
    return isinstance(data, dict) and "vehicles" in data and "format" not in data


def _load_json(source: Path) -> Any:
    try:
        return json.loads(source.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise FormatError(str(source), err.lineno, f"not valid JSON: {err.msg}") from None
    except UnicodeDecodeError as err:
        raise FormatError(str(source), None, f"not UTF-8 text ({err.reason})") from None


def sniff_vroom(path: str | Path) -> bool:
    """Whether the JSON file at ``path`` is a VROOM document (False when it is no JSON at all).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "input.json"
    >>> _ = path.write_text('{"vehicles": [], "jobs": []}')
    >>> sniff_vroom(path)
    True
    """
    try:
        return is_vroom_document(_load_json(Path(path)))
    except (FormatError, OSError):
        return False


def read_vroom(
    source: Mapping[str, Any] | str | Path, *, travel: HaversineTravel | None = None
) -> tuple[Problem, VroomMapping]:
    """A VROOM input document as a dispatch problem, with what is needed to answer in VROOM's ids.

    Parameters
    ----------
    source
        The parsed document, or the path of a JSON file.
    travel
        Straight-line travel for profiles without ``matrices`` (default
        :class:`~dispatch.travel.HaversineTravel`); the VROOM profile name
        picks the speed (``car``, ``bike``, ``foot``... see ``PROFILE_SPEEDS``).

    Returns
    -------
    (Problem, VroomMapping)
        Task ids are ``job-<id>`` and ``shipment-<pickup id>-<delivery id>``,
        courier ids ``vehicle-<id>``. See the module notes for the mapping.

    Raises
    ------
    UnsupportedFieldError
        A VROOM key dispatch cannot represent faithfully (the path is named).
    InvalidInputError
        A malformed document (the path is named); from a file, a
        :class:`~dispatch.errors.FormatError` naming the file too.

    Examples
    --------
    >>> problem, mapping = read_vroom({
    ...     "vehicles": [{"id": 7, "start_index": 0, "end_index": 0, "capacity": [2]}],
    ...     "jobs": [{"id": 1, "location_index": 1, "service": 60, "delivery": [1],
    ...               "time_windows": [[0, 900]]},
    ...              {"id": 2, "location_index": 2, "priority": 10}],
    ...     "matrices": {"car": {"durations": [[0, 300, 400], [300, 0, 200], [400, 200, 0]]}},
    ... })
    >>> [(t.id, t.stop.service_s, t.load, t.priority) for t in problem.tasks]
    [('job-1', 60, (1,), 1), ('job-2', 0, (0,), 11)]
    >>> problem.couriers[0].id, mapping.vehicles["vehicle-7"].id
    ('vehicle-7', 7)
    >>> read_vroom({"vehicles": [{"id": 1, "start": [2.35, 48.86], "breaks": [
    ...     {"id": 1, "time_windows": [[0, 60]]}]}]})
    Traceback (most recent call last):
    ...
    dispatch.errors.UnsupportedFieldError: vehicles[0].breaks: breaks are not supported \
(a courier's own stops with windows come closest)
    """
    began = time.perf_counter()
    if isinstance(source, str | Path):
        path = Path(source)
        data = _load_json(path)
        if not isinstance(data, dict):
            raise FormatError(str(path), 1, f"expected a JSON object, got {_show(data)}")
        try:
            return _read(data, travel, began)
        except UnsupportedFieldError as err:
            raise UnsupportedFieldError(f"{path}: {err.field}", err.message) from None
        except FormatError:
            raise
        except InvalidInputError as err:
            raise FormatError(str(path), None, str(err)) from None
    return _read(dict(source), travel, began)


def _read(
    data: dict[str, Any], travel: HaversineTravel | None, began: float
) -> tuple[Problem, VroomMapping]:
    doc = parse_document(data)
    check_unique_ids(doc)
    n = amount_dimensions(doc)
    offset = time_offset(doc)
    places = assign_nodes(doc)
    custom_costs = [p for p, m in (doc.matrices or {}).items() if m.costs is not None]
    groups = group_keys(doc, custom_costs)
    matrices = build_matrices(doc, places, groups[1], travel or HaversineTravel())
    tasks, task_info = build_tasks(doc, places, matrices, n, offset)
    couriers, vehicle_info = build_couriers(doc, places, matrices, groups, n, offset)
    problem = _build("", Problem, tasks=tasks, couriers=couriers, travel=matrix_travel(matrices))
    mapping = VroomMapping(
        tasks=task_info,
        vehicles=vehicle_info,
        dimensions=n,
        time_offset_s=offset,
        matrices=matrices,
    )
    mapping = attrs.evolve(
        mapping,
        warm_start=warm_start_plan(doc, problem, mapping),
        loading_s=time.perf_counter() - began,
    )
    return problem, mapping
