"""A seeded elder-care district on a synthetic street grid: :func:`eldercare_district`.

Modelled on a real urban programme: 18 community canteens (长者食堂) and 41
partner restaurants (爱心餐桌) send out about 1,500 hot meals a day, carried
by 120 couriers and volunteers; elders living alone are checked on every
morning (窗帘行动). ``scale`` shrinks (or grows) every count and the area
together, for tests.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Hashable, Mapping

import attrs
import networkx as nx
import numpy as np
import numpy.typing as npt
from scipy.spatial import cKDTree

from dispatch.eldercare._elder import (
    EVERY_DAY,
    WEEKDAYS,
    CheckInEnrolment,
    Contact,
    Elder,
    Subscription,
)
from dispatch.eldercare._kitchen import DIETS, Kitchen, KitchenKind, Slot, SlotService
from dispatch.model import Courier, Location, OwnStop, Stop, TimeWindow, TravelProfile
from dispatch.synthetic import street_grid
from dispatch.synthetic._args import check_real, check_seed
from dispatch.synthetic._streets import node_positions_m
from dispatch.travel import RoadGraphTravel, TravelTable

__all__ = ["PROGRAMME", "ElderCareDistrict", "eldercare_district"]

PROGRAMME: Mapping[str, int] = {"canteens": 18, "partners": 41, "meals": 1500, "couriers": 120}
"""The counts at ``scale=1``: kitchens of each kind, home-delivered meals a day, couriers."""

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

_FULL_SIDE_M = 7000.0  # side of the district at scale 1 (about a central Shanghai district)
_MIN_SIDE_M = 2000.0
_H = 3600
_M = 60
_CANTEEN_WEIGHT = 3.0  # a canteen cooks about three times what a partner restaurant does
_CAPACITY_SLACK = 1.3  # kitchens can cook this much more than the district orders
_HOME_SPREAD_M = 600.0  # homes lie about this far from the kitchen of their neighbourhood
_DINNER_SHARE = 0.2  # subscribers who also take dinner
_EAT_IN_SHARE = 0.1
_ALONE_SHARE = 0.2  # meal subscribers living alone, enrolled for check-ins
_CHECKIN_ONLY_PER_MEAL = 0.05  # check-in-only elders per delivered meal
_DIET_SHARES = {"soft": 0.25, "low_salt": 0.25, "diabetic": 0.12}
_PARTNER_DIET_SHARES = {"soft": 0.3, "low_salt": 0.6, "diabetic": 0.3}
_PARTNER_DINNER_SHARE = 0.5
#: Couriers beyond the first per kitchen: role -> share.
_ROLE_MIX = {"staff": 0.25, "volunteer": 0.45, "grid": 0.15, "dinner": 0.15}
_SURNAMES = ("Li", "Wang", "Zhang", "Liu", "Chen", "Yang", "Zhao", "Huang", "Zhou", "Wu",
             "Xu", "Sun", "Hu", "Zhu", "Gao", "Lin", "He", "Guo", "Ma", "Luo")  # fmt: skip
_NOTES = (
    "",
    "",
    "",
    "Hard of hearing: knock loudly and wait.",
    "Uses a walker: give time to reach the door.",
    "Leave the meal with the neighbour in the flat opposite if there is no answer.",
    "Lift out of order on Tuesdays: 6th floor by the stairs.",
    "Small dog, friendly.",
    "Call the daughter first if the door stays shut.",
)
_RELATIONS = ("son", "daughter", "neighbour", "social worker", "niece")


@attrs.frozen(kw_only=True, eq=False)
class ElderCareDistrict:
    """A generated programme: kitchens, elders, couriers and the streets they share.

    Attributes
    ----------
    day
        The date the district is generated for (its orders reach the meal target).
    kitchens, elders, couriers
        The programme and the day's couriers and volunteers.
    travel
        A :class:`~dispatch.travel.TravelTable` of the street grid for every
        profile the couriers use.
    graph
        The :func:`~dispatch.synthetic.street_grid`.
    seed, scale, side_m
        What it was built from.
    home_kitchen
        Courier id -> the kitchen the courier or volunteer belongs to (the
        naive per-kitchen baseline routes each kitchen with its own).
    courier_roles
        Courier id -> ``"staff"``, ``"volunteer"``, ``"grid"`` or ``"dinner"``.
    """

    day: datetime.date
    kitchens: tuple[Kitchen, ...]
    elders: tuple[Elder, ...]
    couriers: tuple[Courier, ...]
    travel: TravelTable
    graph: nx.MultiDiGraph
    seed: int
    scale: float
    side_m: float
    home_kitchen: Mapping[str, str]
    courier_roles: Mapping[str, str]


@attrs.frozen(kw_only=True, eq=False)
class _Grid:
    graph: nx.MultiDiGraph
    nodes: list[Hashable]
    xy: FloatArray
    side_m: float
    tree: cKDTree
    streets: IntArray  # rows off the arterials (homes)
    main: IntArray  # rows on the arterials (restaurants)
    row_of: dict[Hashable, int]

    def at(self, location: Location) -> FloatArray:
        """The (east, north) metres of a location on the grid."""
        point: FloatArray = self.xy[self.row_of[location.node]]
        return point

    def location(self, row: int) -> Location:
        node = self.nodes[row]
        data = self.graph.nodes[node]
        return Location(lat=data["y"], lon=data["x"], node=node)

    def snap(self, point: FloatArray, rows: IntArray | None = None) -> int:
        point = np.clip(point, 0.0, self.side_m)
        if rows is None:
            return int(self.tree.query(point)[1])
        return int(rows[np.argmin(np.linalg.norm(self.xy[rows] - point, axis=1))])


def _grid(side_m: float, spacing_m: float, seed: int, origin: tuple[float, float]) -> _Grid:
    G = street_grid(width_m=side_m, height_m=side_m, seed=seed, spacing_m=spacing_m, origin=origin)
    nodes, xy = node_positions_m(G)
    index: dict[Hashable, int] = {n: k for k, n in enumerate(nodes)}
    main = sorted({index[u] for u, _, h in G.edges(data="highway") if h == "primary"})
    every = np.arange(len(nodes), dtype=np.int64)
    main_rows = np.array(main, dtype=np.int64) if main else every
    streets = np.setdiff1d(every, main_rows)
    return _Grid(
        graph=G,
        nodes=nodes,
        xy=xy,
        side_m=side_m,
        tree=cKDTree(xy),
        streets=streets if streets.size else every,
        main=main_rows,
        row_of=index,
    )


def _spread(rng: np.random.Generator, count: int, side_m: float, tries: int = 12) -> FloatArray:
    """``count`` points spread over the square (best of ``tries`` candidates, farthest first)."""
    points: list[FloatArray] = []
    for _ in range(count):
        candidates = rng.uniform(0.0, side_m, (tries, 2))
        if points:
            gaps = np.min(
                np.linalg.norm(candidates[:, None, :] - np.array(points)[None, :, :], axis=2),
                axis=1,
            )
            points.append(candidates[int(np.argmax(gaps))])
        else:
            points.append(candidates[0])
    return np.array(points).reshape(count, 2)


def _split(total: int, weights: FloatArray) -> IntArray:
    """``total`` in proportion to ``weights`` by largest remainder."""
    exact = total * weights / weights.sum()
    counts: IntArray = np.floor(exact).astype(np.int64)
    order = np.argsort(-(exact - counts), kind="stable")
    counts[order[: total - int(counts.sum())]] += 1
    return counts


def _ready(rng: np.random.Generator, start_s: int) -> int:
    return start_s + 5 * _M * int(rng.integers(0, 7))


def _kitchens(
    rng: np.random.Generator, grid: _Grid, canteens: int, partners: int, meals: int
) -> tuple[list[Kitchen], FloatArray]:
    """The kitchens, and each one's weight (share of the district's meals it can cook)."""
    canteen_rows = [grid.snap(p, grid.streets) for p in _spread(rng, canteens, grid.side_m)]
    partner_rows = rng.choice(grid.main, size=partners, replace=partners > grid.main.size)
    kinds = [KitchenKind.CANTEEN] * canteens + [KitchenKind.PARTNER] * partners
    rows = [*canteen_rows, *(int(r) for r in partner_rows)]
    weight = np.array([_CANTEEN_WEIGHT if k is KitchenKind.CANTEEN else 1.0 for k in kinds])
    dinner = np.array(
        [k is KitchenKind.CANTEEN or rng.random() < _PARTNER_DINNER_SHARE for k in kinds]
    )
    lunch_meals = meals / (1.0 + _DINNER_SHARE) * _CAPACITY_SLACK
    dinner_meals = meals * _DINNER_SHARE / (1.0 + _DINNER_SHARE) * _CAPACITY_SLACK
    lunch_caps = _split(math.ceil(lunch_meals), weight)
    dinner_caps = _split(math.ceil(dinner_meals), np.where(dinner, weight, 0.0))
    kitchens = []
    for k, (kind, row) in enumerate(zip(kinds, rows, strict=True)):
        canteen = kind is KitchenKind.CANTEEN
        number = k + 1 if canteen else k + 1 - canteens
        services = [SlotService(slot=Slot.LUNCH, meals=int(lunch_caps[k]),
                                ready_s=_ready(rng, 10 * _H + 45 * _M))]  # fmt: skip
        if dinner[k]:
            services.append(
                SlotService(
                    slot=Slot.DINNER,
                    meals=int(dinner_caps[k]),
                    ready_s=_ready(rng, 16 * _H + 45 * _M),
                )
            )
        diets = (
            DIETS if canteen else [d for d, p in _PARTNER_DIET_SHARES.items() if rng.random() < p]
        )
        kitchens.append(
            Kitchen(
                id=f"canteen-{number:02d}" if canteen else f"partner-{number:02d}",
                kind=kind,
                name=f"Elder canteen {number} (长者食堂)" if canteen
                else f"Partner restaurant {number} (爱心餐桌)",
                location=grid.location(row),
                opening=[(10 * _H, 13 * _H + 30 * _M), (16 * _H, 19 * _H)] if canteen
                else [(10 * _H, 14 * _H), (16 * _H + 30 * _M, 20 * _H)],
                services=services,
                diets=diets,
                handover_s=60,
            )
        )  # fmt: skip
    return kitchens, weight


def _community(grid: _Grid, row: int) -> str:
    cells = max(1, round(grid.side_m / 1000.0))
    x, y = (np.clip(grid.xy[row] // (grid.side_m / cells), 0, cells - 1)).astype(int).tolist()
    return f"Community {y * cells + x + 1:02d} (居委会)"


def _window(rng: np.random.Generator, opens_s: int) -> TimeWindow:
    start = opens_s + 15 * _M * int(rng.integers(0, 4))
    return TimeWindow(start, start + (90 if rng.random() < 0.5 else 120) * _M)


def _days(rng: np.random.Generator) -> frozenset[int]:
    draw = rng.random()
    if draw < 0.7:
        return WEEKDAYS
    if draw < 0.9:
        return EVERY_DAY
    return frozenset({0, 2, 4})


def _person(rng: np.random.Generator) -> tuple[str, str]:
    surname = _SURNAMES[int(rng.integers(len(_SURNAMES)))]
    title = "Grandma" if rng.random() < 0.6 else "Grandpa"
    return f"{title} {surname}", surname


def _contact(rng: np.random.Generator, surname: str) -> Contact:
    relation = _RELATIONS[int(rng.integers(len(_RELATIONS)))]
    name = f"{surname} {'Ming' if rng.random() < 0.5 else 'Hua'}"
    return Contact(name=name, phone=f"139{int(rng.integers(10**8)):08d}", relation=relation)


def _checkin(rng: np.random.Generator) -> CheckInEnrolment:
    opens_s = 8 * _H if rng.random() < 0.7 else 8 * _H + 30 * _M
    return CheckInEnrolment(window=TimeWindow(opens_s, opens_s + 2 * _H), service_s=5 * _M)


def _elders(
    rng: np.random.Generator,
    grid: _Grid,
    kitchens: list[Kitchen],
    weight: FloatArray,
    meals: int,
    day: datetime.date,
) -> list[Elder]:
    anchors = np.array([grid.at(k.location) for k in kitchens])
    p = weight / weight.sum()
    elders: list[Elder] = []
    delivered = 0

    def home() -> int:
        anchor = anchors[int(rng.choice(len(kitchens), p=p))]
        return grid.snap(anchor + rng.normal(0.0, _HOME_SPREAD_M, 2), grid.streets)

    while delivered < meals:
        row = home()
        name, surname = _person(rng)
        slots = {Slot.LUNCH: _window(rng, 10 * _H + 45 * _M)}
        if rng.random() < _DINNER_SHARE:
            slots[Slot.DINNER] = _window(rng, 16 * _H + 45 * _M)
        subscription = Subscription(
            days=_days(rng),
            meals=slots,
            diets=[d for d, share in _DIET_SHARES.items() if rng.random() < share],
            eats_in=bool(rng.random() < _EAT_IN_SHARE),
        )
        if not subscription.eats_in:
            delivered += len(subscription.slots_on(day))
        alone = rng.random() < _ALONE_SHARE
        elders.append(_elder(rng, grid, len(elders) + 1, row, name, surname, subscription, alone))
    for _ in range(round(_CHECKIN_ONLY_PER_MEAL * meals)):
        name, surname = _person(rng)
        elders.append(_elder(rng, grid, len(elders) + 1, home(), name, surname, None, True))
    return elders


def _elder(
    rng: np.random.Generator,
    grid: _Grid,
    number: int,
    row: int,
    name: str,
    surname: str,
    subscription: Subscription | None,
    alone: bool,
) -> Elder:
    return Elder(
        id=f"elder-{number:05d}",
        name=name,
        home=grid.location(row),
        community=_community(grid, row),
        address=f"Bldg {grid.nodes[row]}, Room {int(rng.integers(1, 7))}0{int(rng.integers(1, 5))}",
        note=_NOTES[int(rng.integers(len(_NOTES)))],
        subscription=subscription,
        checkin=_checkin(rng) if alone else None,
        contact=_contact(rng, surname),
    )


def _couriers(
    rng: np.random.Generator,
    grid: _Grid,
    kitchens: list[Kitchen],
    weight: FloatArray,
    count: int,
) -> tuple[list[Courier], dict[str, str], dict[str, str]]:
    first = min(count, len(kitchens))
    by_weight = np.argsort(-weight, kind="stable")
    homes = [int(k) for k in by_weight[:first]]
    extra = count - first
    if extra:
        per_kitchen = _split(extra, weight)
        homes += [int(k) for k in np.repeat(np.arange(len(kitchens)), per_kitchen)]
    # The first courier of a kitchen: a staff courier, or a volunteer at a partner
    # restaurant that serves no dinner.
    roles = [
        "staff"
        if kitchens[k].kind is KitchenKind.CANTEEN or kitchens[k].service(Slot.DINNER) is not None
        else "volunteer"
        for k in homes[:first]
    ]
    if extra:
        role_counts = _split(extra, np.array(list(_ROLE_MIX.values())))
        drawn = np.repeat(np.array(list(_ROLE_MIX)), role_counts)
        roles += [str(r) for r in rng.permutation(drawn)]
    couriers: list[Courier] = []
    home_kitchen: dict[str, str] = {}
    role_of: dict[str, str] = {}
    numbers: dict[str, int] = {}
    for role, k in zip(roles, homes, strict=True):
        kitchen = kitchens[k]
        numbers[role] = numbers.get(role, 0) + 1
        courier_id = f"{role}-{numbers[role]:03d}"
        couriers.append(_courier(rng, grid, courier_id, role, kitchen))
        home_kitchen[courier_id] = kitchen.id
        role_of[courier_id] = role
    return couriers, home_kitchen, role_of


def _near(rng: np.random.Generator, grid: _Grid, location: Location, spread_m: float) -> Location:
    at = grid.at(location)
    return grid.location(grid.snap(at + rng.normal(0.0, spread_m, 2), grid.streets))


def _courier(
    rng: np.random.Generator, grid: _Grid, courier_id: str, role: str, kitchen: Kitchen
) -> Courier:
    base = kitchen.location
    if role == "staff":
        late = kitchen.service(Slot.DINNER) is not None
        shift = TimeWindow(10 * _H + 30 * _M, (19 if late else 13) * _H + 30 * _M)
        return Courier(id=courier_id, start=base, end=base, shift=shift, capacity=12,
                       profile=TravelProfile.EBIKE)  # fmt: skip
    if role == "dinner":
        shift = TimeWindow(16 * _H + 15 * _M, 19 * _H + 30 * _M)
        return Courier(id=courier_id, start=base, end=base, shift=shift, capacity=12,
                       profile=TravelProfile.EBIKE)  # fmt: skip
    home = _near(rng, grid, base, 500.0)
    if role == "volunteer":
        walks = rng.random() < 0.5
        return Courier(
            id=courier_id,
            start=home,
            shift=TimeWindow(7 * _H + 45 * _M, 13 * _H),
            capacity=4 if walks else 6,
            profile=TravelProfile.WALK if walks else TravelProfile.BIKE,
        )
    # A community grid worker: scheduled home visits of their own in the afternoon.
    visits = [
        OwnStop(
            id=f"{courier_id}-visit-{n}",
            stop=Stop(location=_near(rng, grid, home, 600.0), windows=[window], service_s=20 * _M),
        )
        for n, window in enumerate(
            (TimeWindow(14 * _H, 15 * _H), TimeWindow(15 * _H + 15 * _M, 16 * _H + 30 * _M)),
            start=1,
        )
    ]
    return Courier(
        id=courier_id,
        start=home,
        end=home,
        shift=TimeWindow(8 * _H, 17 * _H + 30 * _M),
        capacity=5,
        profile=TravelProfile.BIKE,
        own_stops=visits,
        detour_budget_s=3 * _H,
    )


def eldercare_district(
    *,
    seed: int,
    scale: float = 1.0,
    day: datetime.date = datetime.date(2026, 12, 1),
    spacing_m: float = 250.0,
    origin: tuple[float, float] = (31.2, 121.4),
) -> ElderCareDistrict:
    """A seeded elder-care district for one day, modelled on a real programme.

    At ``scale=1`` (:data:`PROGRAMME`): 18 canteens and 41 partner
    restaurants, elders whose subscriptions make 1,500 home-delivered meals
    on ``day`` (about one in six also takes dinner, one in ten eats in), 120
    couriers and volunteers, on a 7 x 7 km :func:`~dispatch.synthetic.street_grid`
    (streets 250 m apart). Every count scales with ``scale`` and the area
    with it (side ``7 km * sqrt(scale)``, at least 2 km); at least one
    kitchen and one courier remain.

    **Kitchens.** Canteens spread over the district on side streets, cook
    soft, low-salt and diabetic meals, lunch (ready 10:45-11:15) and dinner
    (16:45-17:15), open 10:00-13:30 and 16:00-19:00. Partner restaurants lie
    on the arterials, cook a few diets each, lunch and (half of them) dinner,
    open 10:00-14:00 and 16:30-20:00. Capacities add up to 1.3 times the
    meals ordered, a canteen about three times a restaurant.

    **Elders.** Homes about 600 m around a kitchen (chosen by capacity).
    Subscriptions: Monday to Friday (70 %), every day (20 %) or Monday,
    Wednesday and Friday; lunch with a 90- or 120-minute window opening
    10:45-11:30, dinner opening 16:45-17:30; diets soft 25 %, low salt 25 %,
    diabetic 12 %. One in five lives alone and is enrolled for a check-in
    08:00-10:00 or 08:30-10:30, plus check-in-only elders (5 % of the meals).
    Each has a community (1 km cells), an address, a courier note and a
    contact.

    **Couriers** (ids ``staff-001``, ...), each belonging to a kitchen. Each
    kitchen has one: a staff courier (e-bike, 12 meals, 10:30-13:30, or to
    19:30 where the kitchen serves dinner, back at the kitchen), or a
    volunteer at a partner restaurant without dinner. The rest go to the
    kitchens by capacity: 25 % staff, 45 % volunteers (from home near their
    kitchen, 07:45-13:00, on foot with 4 meals or by bike with 6, open end:
    they take the morning check-ins), 15 % community grid workers (bike, 5
    meals, 08:00-17:30, two scheduled home visits of their own in the
    afternoon, a 3-hour detour budget) and 15 % dinner staff (e-bike,
    16:15-19:30).

    Parameters
    ----------
    seed
        Any int >= 0; the same arguments give the same district.
    scale
        Multiplies every count (> 0).
    day
        The date the meal target is met on (default Tuesday 2026-12-01).
    spacing_m, origin
        As in :func:`~dispatch.synthetic.street_grid`.

    Examples
    --------
    >>> d = eldercare_district(seed=3, scale=0.05)
    >>> len(d.kitchens), len(d.couriers), d.side_m
    (3, 6, 2000.0)
    >>> from dispatch.eldercare import meal_orders
    >>> 75 <= len(meal_orders(d.elders, d.day).delivered) <= 76
    True
    >>> eldercare_district(seed=3, scale=0)
    Traceback (most recent call last):
    ...
    dispatch.errors.InvalidInputError: scale: must be finite and in (0.0, 100.0], got 0
    """
    seed = check_seed(seed)
    scale = check_real("scale", scale, low=0.0, high=100.0, low_open=True)
    spacing_m = check_real("spacing_m", spacing_m, low=10.0)
    canteens = max(1, round(PROGRAMME["canteens"] * scale))
    partners = round(PROGRAMME["partners"] * scale)
    meals = max(1, round(PROGRAMME["meals"] * scale))
    count = max(1, round(PROGRAMME["couriers"] * scale))
    side_m = max(_MIN_SIDE_M, _FULL_SIDE_M * math.sqrt(scale))
    side_m = math.ceil(side_m / spacing_m - 1e-9) * spacing_m
    grid = _grid(side_m, spacing_m, seed, origin)
    places, people, crews = (
        np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(3)
    )
    kitchens, weight = _kitchens(places, grid, canteens, partners, meals)
    elders = _elders(people, grid, kitchens, weight, meals, day)
    couriers, home_kitchen, roles = _couriers(crews, grid, kitchens, weight, count)
    profiles = sorted({c.profile for c in couriers}, key=lambda p: p.value)
    travel = RoadGraphTravel(grid.graph, weight="travel_time").table(profiles=profiles)
    return ElderCareDistrict(
        day=day,
        kitchens=tuple(kitchens),
        elders=tuple(elders),
        couriers=tuple(couriers),
        travel=travel,
        graph=grid.graph,
        seed=seed,
        scale=scale,
        side_m=side_m,
        home_kitchen=home_kitchen,
        courier_roles=roles,
    )
