"""Who belongs to which zone: tasks by their first stop, couriers by where their round runs.

The rules (see :mod:`dispatch.partition` for why):

* A **task** belongs to the zone of its first stop: the pickup of an errand
  or a meal (the kitchen), the stop of a visit.
* A **courier** belongs to exactly one zone: the one where its own round
  (start, own stops in order, end) spends the most time. The time at a
  place is its service time plus half of each straight-line leg to and from
  it, at the courier's speed (the travel model's ``speeds`` when it has
  them, else :class:`~dispatch.travel.Speeds`); a tie goes to the zone of the
  start, then to the lowest zone. A courier without own stops belongs to
  the zone of its start.
* For the **border rounds**, each courier has its *neighbour zones*: the
  other zones its round comes within ``border_m`` of, nearest first (ties:
  lowest zone); border round ``r`` offers it to its ``r``-th neighbour zone
  only, and there only the leftovers *within reach* (:func:`within_reach`):
  those with a stop within ``border_m`` of a place of its round.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import attrs
import numpy as np
import numpy.typing as npt
from scipy.spatial import cKDTree

from dispatch.errors import InvalidInputError
from dispatch.model import Courier, Location, Problem, Task, Visit
from dispatch.partition._zones import Zones
from dispatch.travel import Speeds, haversine_pairs_m, local_xy_m
from dispatch.travel._haversine import coordinates_of

__all__ = ["Partition", "partition", "within_reach"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def task_stops(task: Task) -> tuple[Location, ...]:
    """The places of a task, its first stop (the one that zones it) first."""
    if isinstance(task, Visit):
        return (task.stop.location,)
    return (task.pickup.location, task.dropoff.location)


def round_places(courier: Courier) -> tuple[tuple[Location, int], ...]:
    """``(place, service_s)`` of the courier's own round: start, own stops, end."""
    places = [(courier.start, 0)]
    places += [(own.stop.location, own.stop.service_s) for own in courier.own_stops]
    if courier.end is not None:
        places.append((courier.end, 0))
    return tuple(places)


def lon_lat(locations: Sequence[Location]) -> FloatArray:
    """``(n, 2)`` longitudes and latitudes; every location needs them."""
    found = coordinates_of(locations, required=False)
    if found is None:
        missing = next(loc for loc in locations if not loc.has_coordinates)
        raise InvalidInputError(
            "Location", f"zones are drawn on coordinates; {missing!r} has no lat/lon"
        )
    lat, lon = found
    if lon.size and lon.max() - lon.min() >= 180.0:
        raise InvalidInputError("Location.lon", "zones cannot straddle the antimeridian")
    return np.column_stack([lon, lat])


def distance_to_zone_m(zones: Zones, coords: FloatArray, zone: int) -> FloatArray:
    """Metres from each point (lon, lat) to the nearest point of ``zone`` (0 inside)."""
    if not len(coords):
        return np.zeros(0)
    near = zones.clamp(coords, zone)
    both = np.concatenate([coords, near])
    n = len(coords)
    return haversine_pairs_m(both[:, 1], both[:, 0], np.arange(n), np.arange(n, 2 * n))


def _speeds(problem: Problem) -> Speeds:
    speeds = getattr(problem.travel, "speeds", None)
    return speeds if isinstance(speeds, Speeds) else Speeds()


@attrs.frozen(kw_only=True)
class Partition:
    """The zones of a problem and who belongs to each (see :mod:`dispatch.partition._assign`).

    Attributes
    ----------
    zones
        The regions.
    task_zone, courier_zone
        Zone of each task and courier, by id.
    neighbour_zones
        Each courier's neighbour zones for the border rounds, nearest first
        (absent: none within ``border_m``).
    border_m
        The reach they were drawn with, and the reach of the border rounds.
    """

    zones: Zones
    task_zone: Mapping[str, int]
    courier_zone: Mapping[str, int]
    neighbour_zones: Mapping[str, tuple[int, ...]]
    border_m: float


def within_reach(
    problem: Problem, task_ids: Sequence[str], courier_ids: Sequence[str], reach_m: float
) -> tuple[list[str], list[str]]:
    """The tasks with a stop within ``reach_m`` of some courier's round, and those couriers.

    Distances are straight lines (:func:`~dispatch.travel.local_xy_m`, which
    never overstates them), so nothing within reach is left out. Both lists
    keep the order given.

    Examples
    --------
    >>> from dispatch import Courier, HaversineTravel, Location, Stop, TimeWindow, Visit
    >>> def at(lon):
    ...     return Location(lat=31.2, lon=lon)
    >>> problem = Problem(
    ...     tasks=[Visit(id=f"v{k}", stop=Stop(location=at(121.40 + 0.01 * k))) for k in range(3)],
    ...     couriers=[Courier(id="c", start=at(121.40), shift=TimeWindow(0, 9), capacity=1)],
    ...     travel=HaversineTravel(),
    ... )
    >>> within_reach(problem, ["v0", "v1", "v2"], ["c"], 1500)  # 0.01° is 951 m here
    (['v0', 'v1'], ['c'])
    """
    if not task_ids or not courier_ids:
        return [], []
    owners: list[int] = []
    stops: list[Location] = []
    for k, task_id in enumerate(task_ids):
        at = task_stops(problem.task(task_id))
        stops += at
        owners += [k] * len(at)
    riders: list[int] = []
    rounds: list[Location] = []
    for k, courier_id in enumerate(courier_ids):
        places = [p for p, _ in round_places(problem.courier(courier_id))]
        rounds += places
        riders += [k] * len(places)
    coords = lon_lat(stops + rounds)
    xy = local_xy_m(coords[:, 1], coords[:, 0])
    if xy is None:  # pragma: no cover - lon_lat refuses spans this wide
        raise InvalidInputError("Location.lon", "zones cannot straddle the antimeridian")
    stop_xy, round_xy = xy[: len(stops)], xy[len(stops) :]
    near_stop, _ = cKDTree(round_xy).query(stop_xy, distance_upper_bound=reach_m)
    near_round, _ = cKDTree(stop_xy).query(round_xy, distance_upper_bound=reach_m)
    task_hit = np.zeros(len(task_ids), dtype=bool)
    np.logical_or.at(task_hit, np.array(owners, dtype=np.int64), np.isfinite(near_stop))
    courier_hit = np.zeros(len(courier_ids), dtype=bool)
    np.logical_or.at(courier_hit, np.array(riders, dtype=np.int64), np.isfinite(near_round))
    return (
        [t for t, hit in zip(task_ids, task_hit.tolist(), strict=True) if hit],
        [c for c, hit in zip(courier_ids, courier_hit.tolist(), strict=True) if hit],
    )


def partition(problem: Problem, zones: int | Zones, *, border_m: float = 1000.0) -> Partition:
    """Zone the problem's tasks and couriers.

    Parameters
    ----------
    problem
        Every location needs ``lat``/``lon``.
    zones
        How many zones to fit (recursive bisection of the tasks' first stops
        and the couriers' starts, one weight each), or zones fitted before
        (on another day, so that districts stay put).
    border_m
        Reach of the border rounds: a courier's neighbour zones are the
        other zones its round comes within this many metres of.

    Examples
    --------
    >>> from dispatch import Courier, HaversineTravel, Location, Stop, TimeWindow, Visit
    >>> def at(lon):
    ...     return Location(lat=31.2, lon=lon)
    >>> problem = Problem(
    ...     tasks=[Visit(id=f"v{k}", stop=Stop(location=at(121.40 + 0.01 * k))) for k in range(4)],
    ...     couriers=[Courier(id=f"c{k}", start=at(121.40 + 0.01 * k), shift=TimeWindow(0, 9),
    ...                       capacity=1) for k in (0, 3)],
    ...     travel=HaversineTravel(),
    ... )
    >>> split = partition(problem, 2, border_m=2000)
    >>> dict(split.task_zone), dict(split.courier_zone)
    ({'v0': 0, 'v1': 0, 'v2': 1, 'v3': 1}, {'c0': 0, 'c3': 1})
    >>> dict(split.neighbour_zones)  # 1.4 km from the cut at 121.415° E: within 2 km
    {'c0': (1,), 'c3': (0,)}
    """
    if isinstance(border_m, bool) or not isinstance(border_m, int | float) or not border_m >= 0:
        raise InvalidInputError("border_m", f"must be a number >= 0, got {border_m!r}")
    anchors = [task_stops(t)[0] for t in problem.tasks] + [c.start for c in problem.couriers]
    lon_lat([s for t in problem.tasks for s in task_stops(t)])  # every stop is placed later
    if isinstance(zones, Zones):
        fitted = zones
    else:
        if isinstance(zones, bool) or not isinstance(zones, int) or zones < 1:
            raise InvalidInputError("zones", f"must be an int >= 1 or Zones, got {zones!r}")
        coords = lon_lat(anchors)
        xy = local_xy_m(coords[:, 1], coords[:, 0])
        if xy is None:  # pragma: no cover - lon_lat refuses spans this wide
            raise InvalidInputError("Location.lon", "zones cannot straddle the antimeridian")
        fitted = Zones.fit(xy, np.ones(len(anchors)), zones, coords=coords)
    n_tasks = len(problem.tasks)
    task_zone_arr = fitted.locate(lon_lat(anchors[:n_tasks])) if n_tasks else np.zeros(0)
    courier_zone, neighbour = _courier_zones(problem, fitted, border_m)
    return Partition(
        zones=fitted,
        task_zone={t.id: int(z) for t, z in zip(problem.tasks, task_zone_arr, strict=True)},
        courier_zone=courier_zone,
        neighbour_zones=neighbour,
        border_m=float(border_m),
    )


def _courier_zones(
    problem: Problem, zones: Zones, border_m: float
) -> tuple[dict[str, int], dict[str, tuple[int, ...]]]:
    """Each courier's zone (most time) and neighbour zones (others within reach, nearest first)."""
    couriers = problem.couriers
    if not couriers:
        return {}, {}
    speeds = _speeds(problem)
    owner: list[int] = []
    places: list[Location] = []
    service: list[int] = []
    for k, courier in enumerate(couriers):
        for location, service_s in round_places(courier):
            owner.append(k)
            places.append(location)
            service.append(service_s)
    who = np.array(owner, dtype=np.int64)
    coords = lon_lat(places)
    zone = zones.locate(coords)
    # Straight-line legs between consecutive places of the same courier, in seconds.
    same = who[1:] == who[:-1]
    leg_m = haversine_pairs_m(
        coords[:, 1], coords[:, 0], np.arange(len(places) - 1), np.arange(1, len(places))
    )
    mps = np.array([speeds[couriers[k].profile] for k in owner[:-1]], dtype=np.float64)
    half_leg_s = np.where(same, leg_m / mps / 2.0, 0.0)
    time_s = np.asarray(service, dtype=np.float64)
    time_s[:-1] += half_leg_s
    time_s[1:] += half_leg_s
    spent = np.zeros((len(couriers), zones.count))
    np.add.at(spent, (who, zone), time_s)
    first = np.searchsorted(who, np.arange(len(couriers)))
    start_zone = zone[first]
    best = spent.max(axis=1)
    rows = np.arange(len(couriers))
    tied_start = spent[rows, start_zone] >= best - 1e-9
    home = np.where(tied_start, start_zone, spent.argmax(axis=1))
    # Neighbour zones: the other zones within reach of some place of the round, nearest first.
    reach = np.full((len(couriers), zones.count), np.inf)
    for z in range(zones.count):
        np.minimum.at(reach[:, z], who, distance_to_zone_m(zones, coords, z))
    reach[rows, home] = np.inf
    order = np.argsort(reach, axis=1, kind="stable")
    courier_zone = {c.id: int(h) for c, h in zip(couriers, home.tolist(), strict=True)}
    neighbour = {}
    for k, courier in enumerate(couriers):
        near = tuple(int(z) for z in order[k] if reach[k, z] <= border_m)
        if near:
            neighbour[courier.id] = near
    return courier_zone, neighbour
