"""What :func:`~dispatch.io.read_vroom` keeps to answer in VROOM's terms.

A :class:`VroomMapping` ties a problem read from a VROOM input document back to
that document: each task's :class:`VroomTask` (VROOM's job or shipment ids,
places, setup and service times, amounts), each courier's :class:`VroomVehicle`,
where every step is (:class:`VroomPlace`), and each vehicle group's
:class:`VroomMatrices`. :func:`~dispatch.io.write_vroom_solution` and
:func:`~dispatch.io.read_vroom_solution` translate through it.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from typing import Any, Literal

import attrs
import numpy as np
import numpy.typing as npt

from dispatch.errors import UnknownReferenceError
from dispatch.model import TravelProfile
from dispatch.plan import Plan

__all__ = [
    "IntMatrix",
    "Json",
    "VroomMapping",
    "VroomMatrices",
    "VroomPlace",
    "VroomTask",
    "VroomVehicle",
]

IntMatrix = npt.NDArray[np.int64]
Json = dict[str, Any]


@attrs.frozen(kw_only=True)
class VroomPlace:
    """Where a VROOM step is: our matrix node, and VROOM's index and coordinates if given."""

    node: int
    location_index: int | None = None
    coordinates: tuple[float, float] | None = None  # [lon, lat], as VROOM writes them

    def to_json(self) -> Json:
        """``location`` and ``location_index`` keys, as far as the input gave them."""
        out: Json = {}
        if self.coordinates is not None:
            out["location"] = list(self.coordinates)
        if self.location_index is not None:
            out["location_index"] = self.location_index
        return out


@attrs.frozen(kw_only=True)
class VroomTask:
    """A VROOM job or shipment behind one dispatch task.

    ``ids``, ``places``, ``setup_s``, ``service_s`` and ``descriptions`` hold
    one entry for a job and two (pickup, delivery) for a shipment.
    ``delivery``/``pickup`` are VROOM's amounts (a shipment's ``amount`` in
    both). ``loaded_at_start`` marks a job whose delivery is an errand from the
    vehicle start (see the notes on deliveries in :mod:`dispatch.io._vroom_read`).
    """

    task_id: str
    kind: Literal["job", "shipment"]
    ids: tuple[int, ...]
    places: tuple[VroomPlace, ...]
    setup_s: tuple[int, ...]
    service_s: tuple[int, ...]
    descriptions: tuple[str | None, ...]
    delivery: tuple[int, ...]
    pickup: tuple[int, ...]
    priority: int
    loaded_at_start: bool = False


@attrs.frozen(kw_only=True)
class VroomVehicle:
    """A VROOM vehicle behind one courier; ``matrix_key`` selects its travel matrices."""

    courier_id: str
    id: int
    start: VroomPlace
    end: VroomPlace | None
    profile: str
    matrix_key: TravelProfile
    fixed_cost: int
    description: str | None = None


@attrs.frozen(kw_only=True, eq=False)
class VroomMatrices:
    """One vehicle group's durations, arc costs and (when known) distances among ``nodes``.

    A group is the vehicles sharing a profile, speed factor and per-hour and
    per-km costs; durations have the speed factor applied, and the costs are
    the problem's ``distances_m`` (what dispatch minimises).
    """

    nodes: tuple[int, ...]
    durations_s: IntMatrix
    costs: IntMatrix
    distances_m: IntMatrix | None

    @cached_property
    def row(self) -> dict[int, int]:
        return {node: i for i, node in enumerate(self.nodes)}

    def leg(self, a: int, b: int) -> tuple[int, int, int | None]:
        """Duration, cost and distance from node ``a`` to node ``b``."""
        i, j = self.row[a], self.row[b]
        distance = None if self.distances_m is None else int(self.distances_m[i, j])
        return int(self.durations_s[i, j]), int(self.costs[i, j]), distance


@attrs.frozen(kw_only=True, eq=False)
class VroomMapping:
    """What :func:`~dispatch.io.read_vroom` keeps to write and read VROOM solutions of its problem.

    Attributes
    ----------
    tasks
        Task id -> the VROOM job or shipment.
    vehicles
        Courier id -> the VROOM vehicle.
    dimensions
        Length of VROOM's amount arrays (0 when the document has none).
    matrices
        The travel of each vehicle group, keyed like the couriers' profiles.
    time_offset_s
        Added to dispatch times to get VROOM times (non-zero for timestamps).
    warm_start
        The vehicles' ``steps`` as a plan to seed :func:`dispatch.solve`
        (scheduled at the earliest times; not checked), or None.
    loading_s
        Seconds spent reading the document.
    """

    tasks: Mapping[str, VroomTask]
    vehicles: Mapping[str, VroomVehicle]
    dimensions: int
    time_offset_s: int
    matrices: Mapping[TravelProfile, VroomMatrices]
    warm_start: Plan | None = None
    loading_s: float = 0.0

    @cached_property
    def _by_vroom_id(self) -> dict[tuple[str, int], str]:
        out: dict[tuple[str, int], str] = {}
        for task in self.tasks.values():
            if task.kind == "job":
                out[("job", task.ids[0])] = task.task_id
            else:
                out[("pickup", task.ids[0])] = task.task_id
                out[("delivery", task.ids[1])] = task.task_id
        return out

    def task_of(self, step_type: str, vroom_id: int) -> str:
        """The task id behind VROOM's ``(type, id)``: ``("job", 4)``, ``("pickup", 2)``..."""
        try:
            return self._by_vroom_id[(step_type, vroom_id)]
        except KeyError:
            raise UnknownReferenceError(f"VROOM {step_type}", vroom_id) from None

    @cached_property
    def _courier_of(self) -> dict[int, str]:
        return {v.id: v.courier_id for v in self.vehicles.values()}

    def courier_of(self, vehicle_id: int) -> str:
        """The courier id of VROOM vehicle ``vehicle_id``."""
        try:
            return self._courier_of[vehicle_id]
        except KeyError:
            raise UnknownReferenceError("VROOM vehicle", vehicle_id) from None
