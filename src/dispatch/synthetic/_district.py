"""Seeded districts for the incidental-errand matcher: :func:`incidental_district`."""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping

import attrs
import networkx as nx
import numpy as np

from dispatch.model import Problem
from dispatch.synthetic import _errands, _rounds
from dispatch.synthetic._args import (
    check_count,
    check_mix,
    check_origin,
    check_real,
    check_seed,
    split_counts,
)
from dispatch.synthetic._city import City
from dispatch.synthetic._errands import ERRAND_MIX, KINDS
from dispatch.synthetic._rounds import COURIER_MIX
from dispatch.synthetic._streets import street_grid
from dispatch.travel import RoadGraphTravel

__all__ = [
    "COURIERS_PER_KM2",
    "ERRANDS_PER_KM2",
    "MIN_SIDE_M",
    "District",
    "incidental_district",
]

COURIERS_PER_KM2 = 14.0
"""Couriers per km² when the district is sized from the counts (2,000 on about 12 x 12 km)."""

ERRANDS_PER_KM2 = 35.0
"""Errands per km² when the district is sized from the counts (5,000 on about 12 x 12 km)."""

MIN_SIDE_M = 2000.0
"""Smallest side of a district sized from the counts."""


@attrs.frozen(kw_only=True, eq=False)
class District:
    """A generated district: the problem, the streets it lies on, and its shops.

    Why not just the :class:`~dispatch.model.Problem`: its travel provider
    hides the road graph, which the matcher needs to build its own travel
    table and the simulator needs (with the shops) to make new errands; a
    tuple would leave them unnamed. Compared by identity (``eq=False``), like
    the graph and the problem it holds.

    Parameters
    ----------
    problem
        Errands and couriers, with ``RoadGraphTravel(graph, weight="travel_time")``.
    graph
        The :func:`street_grid` the district lies on.
    seed
        The seed it was built from.
    side_m
        Side of the square district, metres.
    shops
        Errand kind -> nodes of the shops that sell it (on the arterials).
    depots
        Nodes of the parcel stations.
    courier_roles
        Courier id -> ``"food"``, ``"parcel"``, ``"ride"`` or ``"volunteer"``.
    """

    problem: Problem
    graph: nx.MultiDiGraph
    seed: int
    side_m: float
    shops: Mapping[str, tuple[Hashable, ...]]
    depots: tuple[Hashable, ...]
    courier_roles: Mapping[str, str]


def incidental_district(
    *,
    couriers: int,
    errands: int,
    seed: int,
    side_m: float | None = None,
    spacing_m: float = 250.0,
    origin: tuple[float, float] = (31.2, 121.4),
    courier_mix: Mapping[str, float] | None = None,
    errand_mix: Mapping[str, float] | None = None,
) -> District:
    """A day of residents' errands and of couriers on their own paid rounds, in a square district.

    Models issue 3, incidental errands: couriers already out on their own
    work take an errand that fits their round with a small detour. The
    district is a :func:`street_grid` (streets 250 m apart, arterials every
    1 km at about 40 km/h, side streets at 20-25 km/h, some one-way) of side
    ``side_m``, by default sized to keep :data:`COURIERS_PER_KM2` and
    :data:`ERRANDS_PER_KM2` (whichever needs more room; at least
    :data:`MIN_SIDE_M`): 200 couriers and 500 errands get 4 x 4 km, 2,000 and
    5,000 get 12 x 12 km (2,401 intersections), 5,000 and 20,000 get
    24 x 24 km (9,409 intersections).

    **Couriers** (ids ``food-0001``, ``parcel-0001``, ...; shares
    :data:`COURIER_MIX`). Each has a shift within 07:00-21:00, 5-15 own stops
    in a zone around its start, served in order, each with a window around
    its planned time, a capacity for errands, a detour budget, the errand
    kinds it ``accepts`` and ``max_tasks``:

    =========  =================  =======  =====  =======  ================  ======  =====  =======
    role       profile, capacity  shift h  stops  zone km  window min        budget  tasks  end
    =========  =================  =======  =====  =======  ================  ======  =====  =======
    food       e-bike, 4          4-10     10     1.5-2.5  -5..10/+10..20    5-10    1-2    open
    parcel     e-bike 6, car 12   6-9      12     1-1.5    -30..60/+60..120  8-15    2-4    station
    ride       car, 8             4-10     9      2-3.5    -2..5/+5..10      5-12    1-3    open
    volunteer  walk, 2            3-5      6      0.4-0.8  -15..30/+30..60   10-15   1-2    home
    =========  =================  =======  =====  =======  ================  ======  =====  =======

    ("stops" is the median count of own stops; a window opens and closes
    that many minutes before and after the planned time; budgets in
    minutes.) Food riders take groceries, medicine and clothes; parcel
    couriers everything (``accepts=None``); ride-hailing drivers groceries,
    water and clothes; volunteers groceries and medicine. Parcel couriers
    start at a parcel station (one per 4 km², on an arterial) and volunteers
    at home, and both visit their stops in a round; riders and drivers start
    at home and take theirs in random order. A shift is stretched past its
    drawn length when the own round needs it (never past 21:00); only a round
    longer than the whole day would lose stops, which these roles never need.

    **Own rounds are feasible.** Planned times come from shortest-path car
    times on the graph, scaled per profile and rounded up as
    :class:`~dispatch.travel.RoadGraphTravel` with default
    :class:`~dispatch.travel.Speeds` does, plus a second per leg; the shift's
    slack is spread as idle time between the stops. A courier serving only
    its own stops, each as early as possible, keeps every window and its
    shift under ``problem.travel`` (or a table built from the same graph and
    speeds).

    **Errands** (ids ``errand-00001``, ...; kinds :data:`ERRAND_MIX`): from one
    of the three shops of the kind nearest to the home (shops cluster along
    the arterials around their crossings) to a home off the arterials; the
    drop-off window lasts 1-3 hours between 08:00 and 21:00, the pickup
    window opens an hour earlier and closes with it. Loads 1-2 (water 2),
    service 1-5 minutes, priority 1, plus 1 for a household with an elder
    (40 % of homes), plus 1 for medicine; 30 % of groceries (fresh food) and
    10 % of medicine (cold chain) have a maximum ride of 60 and 45 minutes.

    Every :class:`~dispatch.model.Location` carries its node and the node's
    ``lat``/``lon``.

    Generation time (CPU seconds, one core of a shared 2-core machine;
    measured over seeds 1-3): 200 couriers x 500 errands 0.06 s, 2,000 x
    5,000 0.8-1.2 s, 5,000 x 20,000 3.4-4.5 s. About 30 % of it is Dijkstra
    for the legs of the own rounds (cut off near each leg's length, so it
    grows with the couriers, not with the city; no all-pairs travel is
    computed), 10 % building the graph, the rest drawing and validating the
    model objects (about 250,000 for 5,000 x 20,000).

    Parameters
    ----------
    couriers, errands
        How many of each (ints >= 0).
    seed
        Any int >= 0. The same arguments always give the same district.
        Streets, places, couriers and errands draw from separate random
        streams, so with ``side_m`` fixed, changing ``errands`` leaves the
        couriers as they were and changing ``couriers`` leaves the errands.
    side_m
        Side of the district in metres (>= ``spacing_m``); None sizes it from
        the counts as above.
    spacing_m, origin
        As in :func:`street_grid`.
    courier_mix, errand_mix
        Weights per role and per kind (keys of :data:`COURIER_MIX` and
        :data:`ERRAND_MIX`; keys left out weigh 0). Counts are split by
        largest remainder, so they add up exactly.

    Returns
    -------
    District

    Raises
    ------
    InvalidInputError
        An argument is out of range; the error names it.

    Examples
    --------
    >>> d = incidental_district(couriers=4, errands=6, seed=7)
    >>> len(d.problem.couriers), len(d.problem.tasks), d.side_m
    (4, 6, 2000.0)
    >>> d.courier_roles
    {'food-0001': 'food', 'food-0002': 'food', 'parcel-0001': 'parcel', 'ride-0001': 'ride'}
    >>> rider = d.problem.courier("food-0001")
    >>> rider.profile.name, sorted(rider.accepts), 5 <= len(rider.own_stops) <= 15
    ('EBIKE', ['clothes', 'groceries', 'medicine'], True)
    >>> errand = d.problem.tasks[0]
    >>> errand.kind in ERRAND_MIX, errand.pickup.location.node in d.shops[errand.kind]
    (True, True)
    >>> incidental_district(couriers=-1, errands=0, seed=0)
    Traceback (most recent call last):
    ...
    dispatch.errors.InvalidInputError: couriers: must be >= 0, got -1
    """
    couriers = check_count("couriers", couriers)
    errands = check_count("errands", errands)
    seed = check_seed(seed)
    spacing_m = check_real("spacing_m", spacing_m, low=10.0)
    origin = check_origin(origin)
    role_weights = check_mix("courier_mix", courier_mix, COURIER_MIX)
    kind_weights = check_mix("errand_mix", errand_mix, ERRAND_MIX)
    if side_m is None:
        km2 = max(couriers / COURIERS_PER_KM2, errands / ERRANDS_PER_KM2)
        side_m = max(MIN_SIDE_M, 1000.0 * math.sqrt(km2))
        side_m = math.ceil(side_m / spacing_m - 1e-9) * spacing_m
    else:
        side_m = check_real("side_m", side_m, low=spacing_m)

    G = street_grid(width_m=side_m, height_m=side_m, seed=seed, spacing_m=spacing_m, origin=origin)
    places, crews, orders = (
        np.random.default_rng(stream) for stream in np.random.SeedSequence(seed).spawn(3)
    )
    shares = {kind: spec.shop_share for kind, spec in KINDS.items()}
    city = City.of(G, side_m, shares, places)
    travel = RoadGraphTravel(G, weight="travel_time")
    roles, crew_list = _rounds.couriers(
        city, split_counts(couriers, role_weights), travel.speeds, crews
    )
    tasks = _errands.errands(city, split_counts(errands, kind_weights), orders)
    return District(
        problem=Problem(tasks=tasks, couriers=crew_list, travel=travel),
        graph=G,
        seed=seed,
        side_m=side_m,
        shops={kind: tuple(city.nodes[r] for r in rows) for kind, rows in city.shops.items()},
        depots=tuple(city.nodes[r] for r in city.depots),
        courier_roles=roles,
    )
