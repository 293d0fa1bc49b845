"""Where a VROOM document's places are and how long travel takes between them.

Every place gets a matrix node (:func:`assign_nodes`): its ``location_index``
when the document has ``matrices``, else one node per distinct coordinates.
Vehicles sharing a profile, speed factor and per-hour and per-km costs form a
group (:func:`group_keys`); each group gets one of dispatch's four
:class:`~dispatch.model.TravelProfile` s as its key and its own
:class:`~dispatch.io.VroomMatrices` (:func:`build_matrices`): durations with the
speed factor applied, arc costs in VROOM's units, distances when known.
Without ``durations``, straight-line travel at the speed of the profile's name
(:data:`PROFILE_SPEEDS`) stands in for VROOM's routing engine.
:func:`matrix_travel` is the problem's travel model over those matrices.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import attrs
import numpy as np

from dispatch.errors import InvalidInputError, UnknownReferenceError, UnsupportedFieldError
from dispatch.io._json import _join
from dispatch.io._vroom_document import DEFAULT_PER_HOUR, Document, RawPlace
from dispatch.io._vroom_types import IntMatrix, VroomMatrices, VroomPlace
from dispatch.model import Location, TravelProfile
from dispatch.travel import HaversineTravel, MatrixTravel, TravelMatrix

__all__ = [
    "PROFILE_SPEEDS",
    "GroupKey",
    "assign_nodes",
    "build_matrices",
    "group_keys",
    "matrix_travel",
]

#: VROOM profile names whose straight-line speeds dispatch knows (used without ``matrices``).
PROFILE_SPEEDS: Mapping[str, TravelProfile] = {
    "car": TravelProfile.CAR,
    "auto": TravelProfile.CAR,
    "driving-car": TravelProfile.CAR,
    "bike": TravelProfile.BIKE,
    "bicycle": TravelProfile.BIKE,
    "cycling": TravelProfile.BIKE,
    "cycling-regular": TravelProfile.BIKE,
    "ebike": TravelProfile.EBIKE,
    "cycling-electric": TravelProfile.EBIKE,
    "foot": TravelProfile.WALK,
    "walk": TravelProfile.WALK,
    "walking": TravelProfile.WALK,
    "pedestrian": TravelProfile.WALK,
    "foot-walking": TravelProfile.WALK,
}
_SLOT_ORDER = (TravelProfile.CAR, TravelProfile.BIKE, TravelProfile.EBIKE, TravelProfile.WALK)


def _places(doc: Document) -> list[RawPlace]:
    places: list[RawPlace] = []
    for vehicle in doc.vehicles:
        places += [vehicle.start] if vehicle.end is None else [vehicle.start, vehicle.end]
    places += [job.stop.place for job in doc.jobs]
    places += [s.place for sh in doc.shipments for s in (sh.pickup, sh.delivery)]
    return places


def assign_nodes(doc: Document) -> dict[RawPlace, VroomPlace]:
    """Every place's node: its ``location_index`` with matrices, else its distinct coordinates."""
    out: dict[RawPlace, VroomPlace] = {}
    by_coordinates: dict[tuple[float, float], int] = {}
    coordinates_of: dict[int, tuple[float, float]] = {}
    for place in _places(doc):
        if doc.matrices is not None:
            if place.index is None:
                raise InvalidInputError(
                    place.index_path, "missing; needed when the document has matrices"
                )
            node = place.index
            if place.coordinates is not None:
                known = coordinates_of.setdefault(node, place.coordinates)
                if known != place.coordinates:
                    raise InvalidInputError(
                        place.coordinates_path,
                        f"{list(place.coordinates)} differs from {list(known)} at the same index",
                    )
        else:
            if place.index is not None:
                raise InvalidInputError(
                    place.index_path, "given without matrices; give matrices or coordinates only"
                )
            if place.coordinates is None:
                raise InvalidInputError(place.coordinates_path, "missing; needed without matrices")
            node = by_coordinates.setdefault(place.coordinates, len(by_coordinates))
        out[place] = VroomPlace(
            node=node, location_index=place.index, coordinates=place.coordinates
        )
    return out


@attrs.frozen(kw_only=True)
class GroupKey:
    """What vehicles of one group share: profile, speed factor and per-hour/per-km costs."""

    profile: str
    speed_factor_pct: int
    per_hour: int
    per_km: int


def group_keys(
    doc: Document, custom_costs: Iterable[str]
) -> tuple[dict[int, GroupKey], dict[GroupKey, TravelProfile]]:
    """Each vehicle's (profile, speed, costs) group, and each group's TravelProfile key."""
    custom = set(custom_costs)
    of_vehicle: dict[int, GroupKey] = {}
    slots: dict[GroupKey, TravelProfile] = {}
    for k, vehicle in enumerate(doc.vehicles):
        if vehicle.profile in custom and (vehicle.per_hour, vehicle.per_km) != (
            DEFAULT_PER_HOUR,
            0,
        ):
            raise UnsupportedFieldError(
                _join(vehicle.path, "costs"),
                f"per_hour/per_km together with matrices.{vehicle.profile}.costs",
            )
        key = GroupKey(
            profile=vehicle.profile,
            speed_factor_pct=vehicle.speed_factor_pct,
            per_hour=vehicle.per_hour,
            per_km=vehicle.per_km,
        )
        of_vehicle[k] = key
        if key in slots:
            continue
        free = [s for s in _SLOT_ORDER if s not in slots.values()]
        if not free:
            raise UnsupportedFieldError(
                vehicle.path,
                "a fifth distinct (profile, speed_factor, costs) combination; dispatch keys "
                "travel matrices by its four travel profiles",
            )
        preferred = PROFILE_SPEEDS.get(vehicle.profile)
        slots[key] = preferred if preferred in free else free[0]
    return of_vehicle, slots


def _scaled(durations: IntMatrix, speed_factor_pct: int) -> IntMatrix:
    """``ceil(d / speed_factor)`` in integers (speed factor in hundredths)."""
    if speed_factor_pct == 100:
        return durations
    return (durations * 100 + speed_factor_pct - 1) // speed_factor_pct


def _profile_arrays(
    doc: Document,
    places: Mapping[RawPlace, VroomPlace],
    profile: str,
    travel: HaversineTravel,
) -> tuple[tuple[int, ...], IntMatrix, IntMatrix | None, IntMatrix | None]:
    """Nodes, durations, distances (None: unknown) and custom costs (None: none) of a profile.

    Given matrices come first; without durations, straight-line travel over the
    places' coordinates stands in for VROOM's routing engine.
    """
    given = (doc.matrices or {}).get(profile)
    size = None if given is None else given.size
    used = sorted({p.node for p in places.values()})
    if given is not None and size is not None and used and used[-1] >= size:
        who = next(p.index_path for p, vp in places.items() if vp.node == used[-1])
        raise InvalidInputError(given.path, f"has {size} rows, but {who} is {used[-1]}")
    nodes = tuple(range(size)) if size is not None else tuple(used)
    durations = None if given is None else given.durations
    distances = None if given is None else given.distances
    costs = None if given is None else given.costs
    if durations is None:
        speed = PROFILE_SPEEDS.get(profile)
        vehicle = next(v for v in doc.vehicles if v.profile == profile)
        if speed is None:
            raise InvalidInputError(
                _join(vehicle.path, "profile"),
                f"{profile!r} has no matrices.{profile}.durations and dispatch knows no "
                f"straight-line speed for it (known: {', '.join(sorted(PROFILE_SPEEDS))})",
            )
        coordinates = {vp.node: vp.coordinates for vp in places.values() if vp.coordinates}
        lacking = next((p for p, vp in places.items() if vp.node not in coordinates), None)
        if lacking is not None:
            raise InvalidInputError(
                f"matrices.{profile}.durations",
                f"missing, and {lacking.coordinates_path} is missing to compute travel from",
            )
        if size is not None:  # given distances or costs: keep the used rows, as estimated
            rows = np.ix_(used, used)
            distances = None if distances is None else distances[rows]
            costs = None if costs is None else costs[rows]
        nodes = tuple(used)
        locations = [Location(lon=coordinates[n][0], lat=coordinates[n][1], node=n) for n in nodes]
        estimate = travel.matrix(locations, speed)
        durations = estimate.durations_s
        distances = estimate.distances_m if distances is None else distances
    return nodes, durations, distances, costs


def build_matrices(
    doc: Document,
    places: Mapping[RawPlace, VroomPlace],
    groups: Mapping[GroupKey, TravelProfile],
    travel: HaversineTravel,
) -> dict[TravelProfile, VroomMatrices]:
    """Each vehicle group's durations (speed factor applied), arc costs and distances."""
    arrays = {
        profile: _profile_arrays(doc, places, profile, travel)
        for profile in dict.fromkeys(g.profile for g in groups)
    }
    out: dict[TravelProfile, VroomMatrices] = {}
    for key, slot in groups.items():
        nodes, durations, distances, costs = arrays[key.profile]
        scaled = _scaled(durations, key.speed_factor_pct)
        if costs is None:  # VROOM: per_hour * hours + per_km * km, per leg here
            cost_units = key.per_hour * scaled * 1000
            if key.per_km:
                if distances is None:
                    vehicle = next(v for v in doc.vehicles if v.profile == key.profile)
                    raise InvalidInputError(
                        _join(_join(vehicle.path, "costs"), "per_km"),
                        f"needs distances (matrices.{key.profile}.distances or coordinates)",
                    )
                cost_units = cost_units + key.per_km * distances * 3600
            costs = (cost_units + 1_800_000) // 3_600_000
        out[slot] = VroomMatrices(
            nodes=nodes,
            durations_s=np.asarray(scaled, dtype=np.int64),
            costs=np.asarray(costs, dtype=np.int64),
            distances_m=None if distances is None else np.asarray(distances, dtype=np.int64),
        )
    return out


@attrs.frozen(eq=False)
class _ProfileMatrices:
    """Travel given as one :class:`MatrixTravel` per profile (VROOM's ``matrices``)."""

    by_profile: Mapping[TravelProfile, MatrixTravel]

    def matrix(self, locations: Sequence[Location], profile: TravelProfile) -> TravelMatrix:
        """The matrix of ``profile`` among ``locations``."""
        travel = self.by_profile.get(profile)
        if travel is None:
            raise UnknownReferenceError("travel profile", profile.value)
        return travel.matrix(locations, profile)


def matrix_travel(
    matrices: Mapping[TravelProfile, VroomMatrices],
) -> MatrixTravel | _ProfileMatrices:
    """The problem's travel: durations, and the arc costs as its ``distances_m``."""
    by_profile = {
        slot: MatrixTravel(nodes=m.nodes, durations_s=m.durations_s, distances_m=m.costs)
        for slot, m in matrices.items()
    }
    if len(by_profile) == 1:
        return next(iter(by_profile.values()))
    return _ProfileMatrices(by_profile)
