"""A small, seeded demo district: a street grid, couriers on their own rounds, community tasks.

:func:`demo_district` builds everything the ``dispatch demo`` command shows;
:func:`demo_problem` returns just the :class:`~dispatch.model.Problem`. The
same seed always gives the same district.

The district is a grid of 12 x 12 intersections about 120 m apart (a directed
networkx graph; edges carry ``length`` in metres and car ``travel_time`` in
seconds), with two faster arterial roads and four one-way streets, routed with
:class:`~dispatch.travel.RoadGraphTravel`. On a weekday morning (07:30-13:00):

- five couriers already on their own paid rounds, each with a detour budget:
  a food-delivery rider (e-bike), a parcel courier (cargo bike), a
  ride-hailing driver (car), an elderly volunteer (on foot) and a community
  grid worker (bike);
- five hot lunches from the elder canteen (长者食堂), ready at 11:00 or 11:15,
  at most 30 minutes on the road, delivered 11:15-12:30;
- eight errands (groceries, medicine, drinking water) from the shops to
  elders' homes, each with a two-hour delivery window; water is heavy
  (skill ``heavy``, two units of load);
- two check-in visits (窗帘行动) on elders living alone, 08:00-10:00, by a
  courier with the skill ``check-in``.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import Any

import attrs
import networkx as nx
import numpy as np

from dispatch.errors import InvalidInputError
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
from dispatch.travel import RoadGraphTravel

__all__ = ["DemoDistrict", "demo_district", "demo_problem"]

GRID_SIZE = 12
"""Intersections per side of the street grid."""

_STREET_MPS = 8.0  # car speed on side streets (the default car speed of Speeds)
_ARTERIAL_MPS = 13.0  # car speed on the two arterial roads (about 47 km/h)
_ARTERIAL_ROW, _ARTERIAL_COLUMN = 5, 6
# One-way streets: (row or column, index, direction of travel along it: +1 or -1).
_ONE_WAY = (("row", 2, +1), ("row", 9, -1), ("column", 2, +1), ("column", 9, -1))
_ORIGIN_LAT, _ORIGIN_LON = 31.2200, 121.4600  # south-west corner (a Shanghai neighbourhood)
_METRES_PER_DEGREE = 111_320.0

_ELDERS = (
    "Grandma Li",
    "Grandpa Zhang",
    "Grandma Wang",
    "Grandpa Liu",
    "Grandma Chen",
    "Grandpa Yang",
    "Grandma Zhao",
    "Grandpa Huang",
    "Grandma Zhou",
    "Grandpa Wu",
    "Grandma Xu",
    "Grandpa Sun",
    "Grandma Hu",
    "Grandpa Zhu",
    "Grandma Gao",
)

_SHOPS = {
    "supermarket": "Supermarket",
    "market": "Fruit & vegetable market",
    "pharmacy": "Pharmacy",
    "water": "Water station",
}
# (kind, shop, load, priority, skills); the order is the order of the errands.
_ERRANDS = (
    ("groceries", "supermarket", 1, 1, ()),
    ("medicine", "pharmacy", 1, 2, ()),
    ("water", "water", 2, 1, ("heavy",)),
    ("groceries", "market", 1, 1, ()),
    ("medicine", "pharmacy", 1, 2, ()),
    ("groceries", "supermarket", 1, 1, ()),
    ("water", "water", 2, 1, ("heavy",)),
    ("medicine", "pharmacy", 1, 2, ()),
)
_MEALS = 5
_VISITS = 2


def _hm(hours: int, minutes: int = 0) -> int:
    return hours * 3600 + minutes * 60


@attrs.frozen(kw_only=True)
class _CourierSpec:
    id: str
    role: str
    profile: TravelProfile
    shift: TimeWindow
    capacity: int
    detour_budget_s: int
    skills: tuple[str, ...]
    base: str  # place name of the start
    returns: bool  # route ends back at the start (else open end)
    own_stops: int
    own_label: str  # "Food order {k}": name of the k-th own stop's place
    own_id: str  # "order-{k}"
    own_service_s: int
    own_gap_s: tuple[int, int]  # idle time before each own stop's window opens
    own_width_s: int  # width of each own stop's window


_COURIERS = (
    _CourierSpec(
        id="rider-wang",
        role="food-delivery rider on an e-bike (外卖骑手)",
        profile=TravelProfile.EBIKE,
        shift=TimeWindow(_hm(9, 30), _hm(13)),
        capacity=3,
        detour_budget_s=20 * 60,
        skills=("heavy",),
        base="Rider hub",
        returns=False,
        own_stops=5,
        own_label="Customer of food order {k}",
        own_id="order-{k}",
        own_service_s=60,
        own_gap_s=(8 * 60, 20 * 60),
        own_width_s=20 * 60,
    ),
    _CourierSpec(
        id="courier-liu",
        role="parcel courier on a cargo bike (快递员)",
        profile=TravelProfile.BIKE,
        shift=TimeWindow(_hm(8), _hm(12, 30)),
        capacity=6,
        detour_budget_s=25 * 60,
        skills=("heavy",),
        base="Parcel station",
        returns=True,
        own_stops=6,
        own_label="Parcel recipient {k}",
        own_id="parcel-{k}",
        own_service_s=120,
        own_gap_s=(5 * 60, 20 * 60),
        own_width_s=45 * 60,
    ),
    _CourierSpec(
        id="driver-zhang",
        role="ride-hailing driver by car (网约车司机)",
        profile=TravelProfile.CAR,
        shift=TimeWindow(_hm(7, 30), _hm(12)),
        capacity=4,
        detour_budget_s=15 * 60,
        skills=("heavy",),
        base="Taxi stand",
        returns=False,
        own_stops=4,
        own_label="Passenger stop {k}",
        own_id="trip-stop-{k}",
        own_service_s=60,
        own_gap_s=(15 * 60, 40 * 60),
        own_width_s=10 * 60,
    ),
    _CourierSpec(
        id="volunteer-chen",
        role="elderly volunteer on foot (志愿者)",
        profile=TravelProfile.WALK,
        shift=TimeWindow(_hm(7, 30), _hm(11, 30)),
        capacity=2,
        detour_budget_s=45 * 60,
        skills=("check-in",),
        base="Volunteer Chen's home",
        returns=True,
        own_stops=3,
        own_label="Volunteer's own errand {k}",
        own_id="own-errand-{k}",
        own_service_s=10 * 60,
        own_gap_s=(10 * 60, 30 * 60),
        own_width_s=60 * 60,
    ),
    _CourierSpec(
        id="worker-zhou",
        role="community grid worker on a bike (网格员)",
        profile=TravelProfile.BIKE,
        shift=TimeWindow(_hm(8), _hm(12)),
        capacity=4,
        detour_budget_s=40 * 60,
        skills=("check-in", "heavy"),
        base="Community centre",
        returns=True,
        own_stops=3,
        own_label="Scheduled home visit {k}",
        own_id="home-visit-{k}",
        own_service_s=15 * 60,
        own_gap_s=(10 * 60, 30 * 60),
        own_width_s=30 * 60,
    ),
)


@attrs.frozen(kw_only=True, eq=False)
class DemoDistrict:
    """The demo problem with what a person needs to read its plans.

    Parameters
    ----------
    problem
        Tasks, couriers and travel on the street grid.
    graph
        The street grid: nodes are ints ``row * 12 + column`` with ``x``
        (longitude) and ``y`` (latitude); edges carry ``length`` (m),
        ``travel_time`` (s by car), ``name`` and ``oneway``.
    place_names
        A readable name for every node where something happens.
    courier_roles
        Who each courier is (``"food-delivery rider on an e-bike ..."``).
    """

    problem: Problem
    graph: nx.DiGraph
    place_names: Mapping[Hashable, str]
    courier_roles: Mapping[str, str]

    def place(self, location: Location) -> str:
        """The name of a location's place, or ``"corner N"`` for an unnamed street corner."""
        return self.place_names.get(location.node, f"corner {location.node}")


def _street_grid(rng: np.random.Generator) -> nx.DiGraph:
    """The 12 x 12 grid with jittered block lengths, arterials and one-way streets."""
    column_gap_m = rng.uniform(105.0, 135.0, GRID_SIZE - 1)
    row_gap_m = rng.uniform(105.0, 135.0, GRID_SIZE - 1)
    x_m = np.concatenate(([0.0], np.cumsum(column_gap_m)))
    y_m = np.concatenate(([0.0], np.cumsum(row_gap_m)))
    metres_per_lon = _METRES_PER_DEGREE * np.cos(np.radians(_ORIGIN_LAT))
    G = nx.DiGraph(name="demo district")
    for r in range(GRID_SIZE):
        for c in range(GRID_SIZE):
            G.add_node(
                r * GRID_SIZE + c,
                x=round(_ORIGIN_LON + x_m[c] / metres_per_lon, 6),
                y=round(_ORIGIN_LAT + y_m[r] / _METRES_PER_DEGREE, 6),
            )
    one_way = {(kind, index): step for kind, index, step in _ONE_WAY}
    for r in range(GRID_SIZE):
        for c in range(GRID_SIZE):
            u = r * GRID_SIZE + c
            if c + 1 < GRID_SIZE:  # along row r, eastwards
                _add_street(G, u, u + 1, float(column_gap_m[c]), "row", r, one_way)
            if r + 1 < GRID_SIZE:  # along column c, northwards
                _add_street(G, u, u + GRID_SIZE, float(row_gap_m[r]), "column", c, one_way)
    return G


def _add_street(
    G: nx.DiGraph,
    u: int,
    v: int,
    length_m: float,
    kind: str,
    index: int,
    one_way: Mapping[tuple[str, int], int],
) -> None:
    arterial = (kind, index) in (("row", _ARTERIAL_ROW), ("column", _ARTERIAL_COLUMN))
    speed_mps = _ARTERIAL_MPS if arterial else _STREET_MPS
    name = f"{'Arterial ' if arterial else ''}{'Lane' if kind == 'row' else 'Road'} {index + 1}"
    step = one_way.get((kind, index))
    attributes: dict[str, Any] = {
        "length": round(length_m, 1),
        "travel_time": round(length_m / speed_mps, 2),
        "name": name,
        "oneway": step is not None,
    }
    if step is None or step > 0:
        G.add_edge(u, v, **attributes)
    if step is None or step < 0:
        G.add_edge(v, u, **attributes)


def _location(G: nx.DiGraph, node: int) -> Location:
    data = G.nodes[node]
    return Location(lat=data["y"], lon=data["x"], node=node)


def _own_stops(
    spec: _CourierSpec,
    start: Location,
    places: Sequence[Location],
    travel: RoadGraphTravel,
    rng: np.random.Generator,
) -> tuple[OwnStop, ...]:
    """Own stops whose windows follow the courier's own round, so that round is feasible.

    Walking the round from the start of the shift, each window opens a random
    idle gap after the courier could arrive; stops that would not leave time to
    get back within the shift are dropped.
    """
    path = [start, *places]
    durations = travel.matrix(path, spec.profile).durations_s
    stops: list[OwnStop] = []
    t_s = spec.shift.earliest_s
    for k in range(1, len(path)):
        arrival_s = t_s + int(durations[k - 1, k])
        opens_s = arrival_s + int(rng.integers(*spec.own_gap_s))
        departure_s = opens_s + spec.own_service_s
        back_s = int(durations[k, 0]) if spec.returns else 0
        if departure_s + back_s > spec.shift.latest_s:
            break
        window = TimeWindow(opens_s, opens_s + spec.own_width_s)
        stops.append(
            OwnStop(
                id=spec.own_id.format(k=k),
                stop=Stop(location=path[k], windows=[window], service_s=spec.own_service_s),
            )
        )
        t_s = departure_s
    return tuple(stops)


def _check_seed(seed: int) -> int:
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise InvalidInputError("seed", f"must be an int >= 0, got {seed!r}")
    return seed


def demo_district(seed: int = 0) -> DemoDistrict:
    """Build the demo district for ``seed`` (see the module docstring for what it holds).

    Parameters
    ----------
    seed
        Any int >= 0. It chooses the block lengths, where every place is, the
        couriers' own rounds and the tasks' windows; the same seed always
        gives the same district.

    Examples
    --------
    >>> district = demo_district(seed=0)
    >>> district.graph.number_of_nodes(), len(district.problem.couriers)
    (144, 5)
    >>> sorted({task.kind for task in district.problem.tasks})
    ['check-in', 'groceries', 'meal', 'medicine', 'water']
    >>> district.place(district.problem.task("meal-1").pickup.location)
    'Elder canteen (长者食堂)'
    """
    rng = np.random.default_rng(_check_seed(seed))
    G = _street_grid(rng)
    travel = RoadGraphTravel(G, weight="travel_time")
    own_total = sum(spec.own_stops for spec in _COURIERS)
    wanted = 1 + len(_SHOPS) + len(_COURIERS) + _MEALS + len(_ERRANDS) + _VISITS + own_total
    nodes = iter(int(n) for n in rng.choice(G.number_of_nodes(), size=wanted, replace=False))
    names: dict[Hashable, str] = {}

    def place(name: str) -> Location:
        """The next unused corner, named ``name`` (``{node}`` is replaced by its number)."""
        node = next(nodes)
        names[node] = name.format(node=node)
        return _location(G, node)

    canteen = place("Elder canteen (长者食堂)")
    shops = {key: place(name) for key, name in _SHOPS.items()}
    elders = iter(_ELDERS)

    def home() -> Location:
        return place(f"Home of {next(elders)} (Bldg {{node}})")

    tasks: list[Task] = []
    for k in range(1, _MEALS + 1):
        ready_s = _hm(11) if k <= 3 else _hm(11, 15)
        tasks.append(
            MealDelivery(
                id=f"meal-{k}",
                kitchen=Stop(location=canteen, windows=[(_hm(10, 45), _hm(12, 15))], service_s=120),
                home=Stop(location=home(), windows=[(_hm(11, 15), _hm(12, 30))], service_s=180),
                ready_s=ready_s,
                max_ride_s=30 * 60,
                priority=3,
            )
        )
    for k, (kind, shop, load, priority, skills) in enumerate(_ERRANDS, start=1):
        opens_s = _hm(8, 30) + 15 * 60 * int(rng.integers(0, 9))  # 08:30 to 10:30
        tasks.append(
            Errand(
                id=f"errand-{k}",
                kind=kind,
                pickup=Stop(location=shops[shop], windows=[(_hm(8), _hm(12))], service_s=180),
                dropoff=Stop(
                    location=home(), windows=[(opens_s, opens_s + 2 * 3600)], service_s=120
                ),
                load=load,
                priority=priority,
                skills=skills,
            )
        )
    for k in range(1, _VISITS + 1):
        tasks.append(
            Visit(
                id=f"check-in-{k}",
                kind="check-in",
                stop=Stop(location=home(), windows=[(_hm(8), _hm(10))], service_s=10 * 60),
                priority=2,
                skills=("check-in",),
            )
        )

    couriers: list[Courier] = []
    for spec in _COURIERS:
        start = place(spec.base)
        own_places = [place(spec.own_label.format(k=k)) for k in range(1, spec.own_stops + 1)]
        couriers.append(
            Courier(
                id=spec.id,
                start=start,
                end=start if spec.returns else None,
                shift=spec.shift,
                capacity=spec.capacity,
                profile=spec.profile,
                skills=spec.skills,
                own_stops=_own_stops(spec, start, own_places, travel, rng),
                detour_budget_s=spec.detour_budget_s,
            )
        )
    return DemoDistrict(
        problem=Problem(tasks=tasks, couriers=couriers, travel=travel),
        graph=G,
        place_names=names,
        courier_roles={spec.id: spec.role for spec in _COURIERS},
    )


def demo_problem(seed: int = 0) -> Problem:
    """The demo district's problem (see :func:`demo_district`).

    Examples
    --------
    >>> problem = demo_problem(seed=3)
    >>> len(problem.tasks), [c.profile.value for c in problem.couriers]
    (15, ['ebike', 'bike', 'car', 'walk', 'bike'])
    """
    return demo_district(seed).problem
