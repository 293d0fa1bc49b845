"""A seeded district for simulated days: :func:`district_scenario`.

Modelled on a real urban programme (:data:`PROGRAMME` at ``scale=1``): 142
communities (居委会), 18 elder canteens (长者食堂) and 41 partner restaurants
(爱心餐桌) with their elders, meal couriers and volunteers, 200 volunteer
couriers on their own paid rounds (food-delivery riders, parcel couriers, some
ride-hailing drivers, elderly volunteers on foot) and the residents' errands of
a day, ordered from the community menus (点单) over the day.

Nothing is generated twice: the kitchens, elders and meal couriers come from
:func:`dispatch.eldercare.eldercare_district`, the couriers on their rounds and
the errands' shops and homes from :func:`dispatch.synthetic.incidental_district`,
both on the same :func:`dispatch.synthetic.street_grid` (same side, spacing,
origin and seed give the same graph; checked). This module adds what a day
needs on top: communities, menus, when each resident orders, and hazard reports.
"""

from __future__ import annotations

import datetime
from collections.abc import Hashable, Mapping

import attrs
import networkx as nx
import numpy as np
from scipy.spatial import cKDTree

from dispatch.eldercare import ElderCareDistrict, eldercare_district
from dispatch.eldercare._district import _spread
from dispatch.errors import InvalidInputError
from dispatch.incidental import CourierPlan
from dispatch.model import Courier, Errand, Location, TravelProfile
from dispatch.online import HAZARD_VISIT_KIND, Contact, ServiceMenu, menus_from_dict
from dispatch.synthetic import District, incidental_district
from dispatch.synthetic._args import check_count, check_real, check_seed
from dispatch.synthetic._streets import node_positions_m
from dispatch.travel import RoadGraphTravel, TravelTable

__all__ = [
    "HAZARD_KINDS",
    "MENU",
    "ORDER_PROFILE",
    "PROGRAMME",
    "DistrictScenario",
    "HazardReport",
    "OrderRequest",
    "district_scenario",
    "plan_of",
]

PROGRAMME: Mapping[str, int] = {
    "communities": 142,
    "canteens": 18,
    "partners": 41,
    "couriers": 200,
    "errands": 800,
    "hazards": 30,
}
"""Counts at ``scale=1``: communities, kitchens of each kind, couriers on their own rounds,
expected errands and hazard reports a day (meals and meal couriers: see
:data:`dispatch.eldercare.PROGRAMME`)."""

ORDER_PROFILE: Mapping[int, float] = {
    7: 0.6, 8: 1.4, 9: 1.6, 10: 1.3, 11: 0.9, 12: 0.6, 13: 0.7,
    14: 0.9, 15: 1.2, 16: 1.3, 17: 1.1, 18: 0.8, 19: 0.5, 20: 0.3,
}  # fmt: skip
"""Relative rate of residents' orders by hour of the day (a morning and an afternoon peak)."""

MENU: Mapping[str, Mapping[str, object]] = {
    "groceries": {"load": 1, "pickup_service_s": 180, "dropoff_service_s": 120,
                  "deadline_s": 3 * 3600},
    "medicine": {"load": 1, "pickup_service_s": 120, "dropoff_service_s": 120,
                 "deadline_s": 2 * 3600, "priority": 2},
    "water": {"load": 2, "pickup_service_s": 180, "dropoff_service_s": 180,
              "deadline_s": 3 * 3600},
    "clothes": {"load": 1, "pickup_service_s": 120, "dropoff_service_s": 60,
                "deadline_s": 4 * 3600},
}  # fmt: skip
"""Every community's menu: the errand kinds of :data:`dispatch.synthetic.ERRAND_MIX`."""

HAZARD_KINDS = (
    "blocked_exit",
    "broken_light",
    "loose_railing",
    "water_leak",
    "fallen_branch",
    "gas_smell",
)
"""What residents and couriers report (隐患随手拍)."""

_H = 3600
_COURIER_REPORTS = 0.6  # share of hazards reported by a courier passing by
_FIRST_HAZARD_S, _LAST_HAZARD_S = 8 * _H, 18 * _H


@attrs.frozen(kw_only=True)
class OrderRequest:
    """A resident ordering an errand from their community's menu at ``at_s``."""

    at_s: int
    resident_id: str
    community: str
    kind: str
    pickup: Location
    dropoff: Location
    contact: Contact


@attrs.frozen(kw_only=True)
class HazardReport:
    """A hazard seen at ``at_s``: by the resident living at ``location``, or by a courier.

    ``by_courier``: the simulator has the online courier nearest to
    ``location`` report it, from where they are (a resident reports it when
    no courier is online).
    """

    at_s: int
    location: Location
    community: str
    kind: str
    by_courier: bool


@attrs.frozen(kw_only=True, eq=False)
class DistrictScenario:
    """A district and the demand of one day, ready to simulate.

    Attributes
    ----------
    name, seed, scale
        What it was built from.
    start_s, end_s
        The working day (07:00-21:00): orders come in, shifts lie within it.
    graph, travel
        The street grid and a travel table of it for every profile.
    community_of
        Graph node -> community id (``community-001``, ...): the nearest community centre.
    menus
        Each community's service menu (:data:`MENU`).
    couriers
        The couriers on their own rounds, as the plan they send when their
        shift starts (``now_s`` is the start of the shift).
    courier_roles
        Courier id -> ``food``, ``parcel``, ``ride`` or ``volunteer`` (their
        category when they go online).
    orders, hazards
        The day's orders and hazard reports, by time.
    eldercare
        The elder-care programme (kitchens, elders, meal couriers) of the day.
    errands
        The district the couriers and the errands' places come from.
    """

    name: str
    seed: int
    scale: float
    start_s: int
    end_s: int
    graph: nx.MultiDiGraph
    travel: TravelTable
    community_of: Mapping[Hashable, str]
    menus: Mapping[str, ServiceMenu]
    couriers: tuple[CourierPlan, ...]
    courier_roles: Mapping[str, str]
    orders: tuple[OrderRequest, ...]
    hazards: tuple[HazardReport, ...]
    eldercare: ElderCareDistrict
    errands: District

    @property
    def communities(self) -> tuple[str, ...]:
        """The community ids, in order."""
        return tuple(self.menus)

    def describe(self) -> str:
        """One line: what the district holds."""
        kitchens = self.eldercare.kitchens
        canteens = sum(1 for k in kitchens if k.kind.value == "canteen")
        return (
            f"{_count(len(self.menus), 'community', 'communities')}, "
            f"{_count(canteens, 'canteen')} and "
            f"{_count(len(kitchens) - canteens, 'partner restaurant')}, "
            f"{_count(len(self.couriers), 'courier')} on their own rounds and "
            f"{_count(len(self.eldercare.couriers), 'meal courier')}, "
            f"{_count(len(self.orders), 'errand')} and "
            f"{_count(len(self.hazards), 'hazard report')} "
            f"on a {self.eldercare.side_m / 1000:g} km grid"
        )


def _count(n: int, noun: str, plural: str | None = None) -> str:
    """``1 canteen``, ``2 canteens``."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"


def plan_of(courier: Courier, *, accepts_visits: bool = False) -> CourierPlan:
    """The plan a courier of the generator sends when their shift starts.

    ``accepts_visits`` adds hazard follow-up visits to the kinds they take.

    Examples
    --------
    >>> from dispatch.synthetic import incidental_district
    >>> rider = incidental_district(couriers=1, errands=0, seed=1).problem.couriers[0]
    >>> plan = plan_of(rider)
    >>> plan.now_s == rider.shift.earliest_s, plan.max_errands_per_shift == rider.max_tasks
    (True, True)
    """
    accepts = courier.accepts
    if accepts_visits and accepts is not None:
        accepts = accepts | {HAZARD_VISIT_KIND}
    return CourierPlan(
        courier_id=courier.id,
        position=courier.start,
        now_s=courier.shift.earliest_s,
        shift_end_s=courier.shift.latest_s,
        capacity=courier.capacity,
        own_stops=courier.own_stops,
        end=courier.end,
        profile=courier.profile,
        skills=courier.skills,
        accepts=accepts,
        detour_budget_s=courier.detour_budget_s,
        max_errands_per_shift=courier.max_tasks,
    )


def _communities(
    graph: nx.MultiDiGraph, count: int, side_m: float, rng: np.random.Generator
) -> dict[Hashable, str]:
    """Each node's community: the nearest of ``count`` centres spread over the district."""
    nodes, xy = node_positions_m(graph)
    centres = _spread(rng, count, side_m)
    _, nearest = cKDTree(centres).query(xy)
    width = max(3, len(str(count)))
    return {
        node: f"community-{int(k) + 1:0{width}d}"
        for node, k in zip(nodes, np.asarray(nearest).tolist(), strict=True)
    }


def _arrivals(count: int, profile: Mapping[int, float], rng: np.random.Generator) -> list[int]:
    """``count`` times (s) drawn from the hourly profile, sorted: a Poisson day's orders."""
    hours = np.array(sorted(profile), dtype=np.int64)
    weights = np.array([profile[int(h)] for h in hours], dtype=np.float64)
    picked = rng.choice(hours, size=count, p=weights / weights.sum())
    seconds = picked * _H + rng.integers(0, _H, size=count)
    return sorted(int(s) for s in seconds)


def _contact(resident_id: str, node: Hashable, rng: np.random.Generator) -> Contact:
    return Contact(
        name=f"Resident {resident_id}",
        phone=f"138{int(rng.integers(10**8)):08d}",
        address=f"Bldg {node}, Room {int(rng.integers(1, 7))}0{int(rng.integers(1, 5))}",
    )


def district_scenario(
    *,
    seed: int,
    scale: float = 1.0,
    errands: int | None = None,
    couriers: int | None = None,
    hazards: int | None = None,
    day: datetime.date | None = None,
    profile: Mapping[int, float] = ORDER_PROFILE,
    spacing_m: float = 250.0,
    origin: tuple[float, float] = (31.2, 121.4),
) -> DistrictScenario:
    """A seeded district and the demand of one day, modelled on a real programme.

    At ``scale=1`` (:data:`PROGRAMME`): 142 communities, the elder-care
    programme of :func:`~dispatch.eldercare.eldercare_district` (18 canteens,
    41 partner restaurants, 1,500 meals, 120 meal couriers and volunteers,
    a 7 x 7 km street grid), 200 couriers on their own rounds from
    :func:`~dispatch.synthetic.incidental_district` (45 % food-delivery riders,
    25 % parcel couriers, 20 % ride-hailing drivers, 10 % elderly volunteers on
    foot; each with own stops, a detour budget and a cap on errands per
    shift), about 800 errands and 30 hazard reports. ``scale`` multiplies
    every count and the area (at least one of each, a 2 km grid at the least).

    **Communities**: centres spread over the district; a place belongs to the
    nearest one. Every community has the same menu (:data:`MENU`): groceries,
    medicine (priority 2), water (two units of load) and clothes, with
    deadlines of 2-4 hours after ordering.

    **Orders**: the number is Poisson around ``errands``; times are drawn from
    the hourly ``profile`` (07:00-21:00, peaks at 09:00 and 16:00), so the
    arrivals are a Poisson process with that daily rate. Each order takes the
    shop and home of one generated errand (a shop of the kind near the home);
    the resident is the household at the home (``r<node>``) of the home's
    community.

    **Couriers** send their generated round as their plan when their shift
    starts (:func:`plan_of`); elderly volunteers also take hazard follow-up
    visits, as parcel couriers do (they take every kind).

    **Hazards**: Poisson around ``hazards``, 08:00-18:00, at homes; 60 % are
    reported by a courier passing by.

    Parameters
    ----------
    seed
        Any int >= 0; the same arguments give the same scenario.
    scale
        Size against the real programme (> 0, at most 2).
    errands, couriers, hazards
        Override the counts at this scale (expected errands and hazards,
        couriers exactly).
    day
        The date (its weekday selects the meal subscriptions); default
        Tuesday 2026-12-01.
    profile
        Hour of the day -> relative order rate.
    spacing_m, origin
        As in :func:`~dispatch.synthetic.street_grid`.

    Examples
    --------
    >>> s = district_scenario(seed=1, scale=0.02)
    >>> len(s.menus), len(s.couriers), len(s.eldercare.kitchens)
    (3, 4, 2)
    >>> all(a.at_s <= b.at_s for a, b in zip(s.orders, s.orders[1:]))
    True
    >>> order = s.orders[0]
    >>> order.community == s.community_of[order.dropoff.node]
    True
    >>> order.kind in s.menus[order.community].items
    True
    >>> district_scenario(seed=1, scale=0)
    Traceback (most recent call last):
    ...
    dispatch.errors.InvalidInputError: scale: must be finite and in (0.0, 2.0], got 0
    """
    seed = check_seed(seed)
    scale = check_real("scale", scale, low=0.0, high=2.0, low_open=True)
    expected = PROGRAMME["errands"] * scale if errands is None else check_count("errands", errands)
    n_couriers = (
        max(1, round(PROGRAMME["couriers"] * scale))
        if couriers is None
        else check_count("couriers", couriers)
    )
    hazard_rate = (
        PROGRAMME["hazards"] * scale if hazards is None else check_count("hazards", hazards)
    )
    if not profile or any(not (0 <= int(h) <= 23) or w < 0 for h, w in profile.items()):
        raise InvalidInputError("profile", "needs hours 0-23 with weights >= 0")
    if sum(profile.values()) <= 0:
        raise InvalidInputError("profile", "needs at least one positive weight")
    kwargs = {} if day is None else {"day": day}
    elder = eldercare_district(seed=seed, scale=scale, spacing_m=spacing_m, origin=origin, **kwargs)
    draws, demand, people = (
        np.random.default_rng(s) for s in np.random.SeedSequence([seed, 8]).spawn(3)
    )
    n_orders = int(demand.poisson(expected))
    district = incidental_district(
        couriers=n_couriers,
        errands=n_orders,
        seed=seed,
        side_m=elder.side_m,
        spacing_m=spacing_m,
        origin=origin,
    )
    if not nx.utils.graphs_equal(district.graph, elder.graph):  # one grid, generated twice
        raise InvalidInputError("seed", "the two generators built different street grids")
    graph = elder.graph
    communities = max(1, round(PROGRAMME["communities"] * scale))
    community_of = _communities(graph, communities, elder.side_m, draws)
    names = sorted(set(community_of.values()) | {
        f"community-{k:0{max(3, len(str(communities)))}d}" for k in range(1, communities + 1)
    })  # fmt: skip
    menus = menus_from_dict({name: MENU for name in names})
    profiles = sorted(
        {c.profile for c in (*district.problem.couriers, *elder.couriers)} | {TravelProfile.EBIKE},
        key=lambda p: p.value,
    )
    travel = RoadGraphTravel(graph, weight="travel_time").table(profiles=profiles)

    times = _arrivals(n_orders, profile, demand)
    orders = []
    errand_list = [t for t in district.problem.tasks if isinstance(t, Errand)]
    for at_s, errand in zip(times, errand_list, strict=True):
        home = errand.dropoff.location
        resident = f"r{home.node}"
        orders.append(
            OrderRequest(
                at_s=at_s,
                resident_id=resident,
                community=community_of[home.node],
                kind=errand.kind,
                pickup=errand.pickup.location,
                dropoff=home,
                contact=_contact(resident, home.node, people),
            )
        )
    homes = [e.home for e in elder.elders]
    n_hazards = int(draws.poisson(hazard_rate))
    hazard_times = sorted(
        int(t) for t in draws.integers(_FIRST_HAZARD_S, _LAST_HAZARD_S, size=n_hazards)
    )
    reports = []
    for at_s in hazard_times:
        place = homes[int(draws.integers(len(homes)))] if homes else orders[0].dropoff
        reports.append(
            HazardReport(
                at_s=at_s,
                location=place,
                community=community_of[place.node],
                kind=HAZARD_KINDS[int(draws.integers(len(HAZARD_KINDS)))],
                by_courier=bool(draws.random() < _COURIER_REPORTS),
            )
        )
    roles = dict(district.courier_roles)
    plans = tuple(
        plan_of(c, accepts_visits=roles[c.id] == "volunteer") for c in district.problem.couriers
    )
    return DistrictScenario(
        name=f"district-{seed}-x{scale:g}",
        seed=seed,
        scale=scale,
        start_s=7 * _H,
        end_s=21 * _H,
        graph=graph,
        travel=travel,
        community_of=community_of,
        menus=menus,
        couriers=plans,
        courier_roles=roles,
        orders=tuple(orders),
        hazards=tuple(reports),
        eldercare=elder,
        errands=district,
    )
