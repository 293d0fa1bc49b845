"""Couriers on their own paid rounds: roles, own stops, and schedules that are feasible.

Each courier's own stops lie in a zone around its start. The legs of every
round are timed in one batch (:meth:`City.car_seconds`), scaled per profile
and rounded up as :class:`~dispatch.travel.RoadGraphTravel` does, plus one
second; the shift's slack is spread as idle time between the stops and each
stop's window is cut around its planned time. Serving the own stops alone,
each as early as possible, therefore keeps every window and the shift.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import attrs
import numpy as np

from dispatch.model import Courier, OwnStop, Stop, TimeWindow, TravelProfile
from dispatch.synthetic._city import DAY_S, QUARTER_S, City, FloatArray, IntArray
from dispatch.travel import Speeds

__all__ = ["COURIER_MIX", "OWN_STOPS", "ROLES", "Role", "couriers"]

OWN_STOPS = (5, 15)
"""Fewest and most own stops of a courier."""


@attrs.frozen(kw_only=True)
class Role:
    """How couriers of one role work; ranges are drawn uniformly per courier (or per stop)."""

    profiles: tuple[tuple[TravelProfile, int, float], ...]  # (profile, capacity, probability)
    shift_h: tuple[float, float]
    stops_per_h: tuple[float, float]  # own stops per hour of shift (then clipped to OWN_STOPS)
    zone_m: tuple[float, float]  # radius of the area the own stops lie in
    service_s: tuple[int, int]
    early_s: tuple[int, int]  # an own stop's window opens this long before its planned time
    late_s: tuple[int, int]  # and closes this long after it
    detour_min: tuple[int, int]
    accepts: frozenset[str] | None
    max_tasks: tuple[int, int]
    from_depot: bool  # starts at a parcel station (else at home)
    returns: bool  # ends where it started (else open end)
    sweep: bool  # own stops in a round around the start (else in random order)


ROLES: Mapping[str, Role] = {
    "food": Role(  # 外卖骑手: restaurants and customers in a zone of a few km
        profiles=((TravelProfile.EBIKE, 4, 1.0),),
        shift_h=(4.0, 10.0),
        stops_per_h=(1.0, 2.0),
        zone_m=(1500.0, 2500.0),
        service_s=(60, 180),
        early_s=(300, 600),
        late_s=(600, 1200),
        detour_min=(5, 10),
        accepts=frozenset({"groceries", "medicine", "clothes"}),
        max_tasks=(1, 2),
        from_depot=False,
        returns=False,
        sweep=False,
    ),
    "parcel": Role(  # 快递员: a round from the parcel station and back
        profiles=((TravelProfile.EBIKE, 6, 0.6), (TravelProfile.CAR, 12, 0.4)),
        shift_h=(6.0, 9.0),
        stops_per_h=(1.2, 2.2),
        zone_m=(1000.0, 1500.0),
        service_s=(60, 240),
        early_s=(1800, 3600),
        late_s=(3600, 7200),
        detour_min=(8, 15),
        accepts=None,
        max_tasks=(2, 4),
        from_depot=True,
        returns=True,
        sweep=True,
    ),
    "ride": Role(  # 网约车司机: passengers picked up and set down across a wider zone
        profiles=((TravelProfile.CAR, 8, 1.0),),
        shift_h=(4.0, 10.0),
        stops_per_h=(1.0, 1.5),
        zone_m=(2000.0, 3500.0),
        service_s=(60, 120),
        early_s=(120, 300),
        late_s=(300, 600),
        detour_min=(5, 12),
        accepts=frozenset({"groceries", "water", "clothes"}),
        max_tasks=(1, 3),
        from_depot=False,
        returns=False,
        sweep=False,
    ),
    "volunteer": Role(  # elderly volunteer on foot, on a round of their own errands
        profiles=((TravelProfile.WALK, 2, 1.0),),
        shift_h=(3.0, 5.0),
        stops_per_h=(1.2, 2.0),
        zone_m=(400.0, 800.0),
        service_s=(300, 900),
        early_s=(900, 1800),
        late_s=(1800, 3600),
        detour_min=(10, 15),
        accepts=frozenset({"groceries", "medicine"}),
        max_tasks=(1, 2),
        from_depot=False,
        returns=True,
        sweep=True,
    ),
}

COURIER_MIX = {"food": 0.45, "parcel": 0.25, "ride": 0.2, "volunteer": 0.1}
"""Default share of each courier role."""


@attrs.frozen(kw_only=True, eq=False)
class _Crew:
    """The couriers of one role as arrays, before their legs are timed.

    Courier ``c`` has the own stops ``stops[offsets[c]:offsets[c + 1]]``, in order.
    """

    name: str
    role: Role
    ids: list[str]
    profile: IntArray  # index into role.profiles
    start: IntArray  # row
    shift_s: IntArray  # drawn shift length
    offsets: IntArray
    stops: IntArray  # rows

    @property
    def owner(self) -> IntArray:
        """The courier of each own stop."""
        return np.repeat(np.arange(len(self.ids)), np.diff(self.offsets))

    def legs(self) -> tuple[IntArray, IntArray]:
        """Sources and targets of the legs to time.

        First the leg into each own stop (from the previous stop or the
        start), then, for couriers who return, the way back to the start from
        each stop, so a round that does not fit the day can be cut short.
        """
        before = np.empty_like(self.stops)
        before[1:] = self.stops[:-1]
        heads = self.offsets[:-1][np.diff(self.offsets) > 0]
        before[heads] = self.start[np.diff(self.offsets) > 0]
        if not self.role.returns:
            return before, self.stops
        return (
            np.concatenate((before, self.stops)),
            np.concatenate((self.stops, self.start[self.owner])),
        )


def couriers(
    city: City, counts: Mapping[str, int], speeds: Speeds, rng: np.random.Generator
) -> tuple[dict[str, str], list[Courier]]:
    """``counts[role]`` couriers of each role, ids ``{role}-0001``, ...; and each id's role."""
    width = max(4, len(str(sum(counts.values()))))
    crews = [_crew(city, name, ROLES[name], count, width, rng) for name, count in counts.items()]
    legs = [crew.legs() for crew in crews]
    car_s = city.car_seconds(
        np.concatenate([s for s, _ in legs] or [np.zeros(0, dtype=np.int64)]),
        np.concatenate([t for _, t in legs] or [np.zeros(0, dtype=np.int64)]),
    )
    roles: dict[str, str] = {}
    out: list[Courier] = []
    at = 0
    for crew, (sources, _) in zip(crews, legs, strict=True):
        mine = car_s[at : at + sources.size]
        at += sources.size
        out.extend(_schedule(city, crew, _leg_seconds(crew, mine, speeds), rng))
        roles.update(dict.fromkeys(crew.ids, crew.name))
    return roles, out


def _crew(
    city: City, name: str, role: Role, count: int, width: int, rng: np.random.Generator
) -> _Crew:
    """Draw ``count`` couriers of ``role``: profile, start, shift length and own stops."""
    profile = rng.choice(len(role.profiles), count, p=[p for *_, p in role.profiles])
    start = rng.choice(city.depots if role.from_depot else city.homes, count)
    shift_h = rng.uniform(*role.shift_h, count)
    stops_n = np.clip(np.round(shift_h * rng.uniform(*role.stops_per_h, count)), *OWN_STOPS)
    offsets = np.concatenate(([0], np.cumsum(stops_n))).astype(np.int64)
    owner = np.repeat(np.arange(count), stops_n.astype(np.int64))
    radius = rng.uniform(*role.zone_m, count)[owner] * np.sqrt(rng.random(owner.size))
    angle = rng.uniform(0.0, 2.0 * math.pi, owner.size)
    offset_m = np.column_stack((radius * np.cos(angle), radius * np.sin(angle)))
    stops = city.snap(city.xy[start[owner]] + offset_m)
    if role.sweep:  # a round: by heading from the start, from a random first heading
        at = city.xy[stops] - city.xy[start[owner]]
        turn = rng.uniform(0.0, 2.0 * math.pi, count)[owner]
        heading = (np.arctan2(at[:, 1], at[:, 0]) - turn) % (2.0 * math.pi)
        stops = stops[np.lexsort((heading, owner))]
    return _Crew(
        name=name,
        role=role,
        ids=[f"{name}-{k:0{width}d}" for k in range(1, count + 1)],
        profile=profile.astype(np.int64),
        start=start.astype(np.int64),
        shift_s=_quarters(shift_h * 3600.0),
        offsets=offsets,
        stops=stops,
    )


def _quarters(seconds: FloatArray) -> IntArray:
    """Seconds rounded up to quarter hours."""
    return (np.ceil(np.asarray(seconds) / QUARTER_S - 1e-9) * QUARTER_S).astype(np.int64)


def _leg_seconds(crew: _Crew, car_s: FloatArray, speeds: Speeds) -> IntArray:
    """Car times of the crew's legs as RoadGraphTravel gives them per profile, plus a second.

    RoadGraphTravel (``weight="travel_time"``) rounds ``car_s * car_mps /
    profile_mps`` up (ignoring a microsecond of noise); the extra second
    covers float differences between its Dijkstra and ours.
    """
    factor = np.array([speeds.car_mps / speeds[p] for p, *_ in crew.role.profiles])
    owner = crew.owner
    if crew.role.returns:
        owner = np.concatenate((owner, owner))
    scaled: FloatArray = car_s * factor[crew.profile[owner]]
    return np.ceil(scaled).astype(np.int64) + 1


def stops_that_fit(
    legs_s: Sequence[int], back_s: Sequence[int], service_s: Sequence[int], limit_s: int
) -> int:
    """How many own stops (a prefix of them) fit in ``limit_s``, with the way back at the end.

    ``legs_s[k]`` leads into stop ``k``; ``back_s[k]`` is the way to the end
    after ``k`` stops (``back_s[0]`` from the start itself).

    >>> stops_that_fit([10, 10, 10], [0, 10, 20, 30], [5, 5, 5], 60)
    2
    """
    best, busy = 0, 0
    for k in range(len(legs_s)):
        busy += legs_s[k] + service_s[k]
        if busy + back_s[k + 1] <= limit_s:
            best = k + 1
    return best


def _schedule(city: City, crew: _Crew, legs_s: IntArray, rng: np.random.Generator) -> list[Courier]:
    """The crew's couriers, own stops planned along their rounds with the slack spread as idle."""
    role, total = crew.role, crew.stops.size
    count = len(crew.ids)
    service = rng.integers(role.service_s[0], role.service_s[1] + 1, total).tolist()
    early = rng.integers(role.early_s[0], role.early_s[1] + 1, total).tolist()
    late = rng.integers(role.late_s[0], role.late_s[1] + 1, total).tolist()
    idle_weight = rng.exponential(1.0, total + count).tolist()  # n + 1 idle spells per courier
    opens_u = rng.random(count).tolist()
    detour_min = rng.integers(role.detour_min[0], role.detour_min[1] + 1, count).tolist()
    max_tasks = rng.integers(role.max_tasks[0], role.max_tasks[1] + 1, count).tolist()
    ahead_all = legs_s[:total].tolist()
    back_all = legs_s[total:].tolist() if role.returns else [0] * total
    offsets = crew.offsets.tolist()
    day_s = DAY_S[1] - DAY_S[0]
    out: list[Courier] = []
    for c, ident in enumerate(crew.ids):
        first, last = offsets[c], offsets[c + 1]
        ahead, svc = ahead_all[first:last], service[first:last]
        back = [0, *back_all[first:last]] if role.returns else [0] * (last - first + 1)
        n = stops_that_fit(ahead, back, svc, day_s)  # all of them, unless the day is too short
        busy_s = sum(ahead[:n]) + sum(svc[:n]) + back[n]
        length_s = min(day_s, max(int(crew.shift_s[c]), int(_quarters(busy_s * 1.1))))
        opens_s = DAY_S[0] + QUARTER_S * int(opens_u[c] * ((day_s - length_s) // QUARTER_S + 1))
        weights = idle_weight[first + c : first + c + n + 1]
        spread = (length_s - busy_s) / sum(weights)
        own: list[OwnStop] = []
        t_s = opens_s
        for k in range(n):
            planned_s = t_s + ahead[k] + int(weights[k] * spread)
            window = TimeWindow(max(0, planned_s - early[first + k]), planned_s + late[first + k])
            stop = Stop(
                location=city.location(int(crew.stops[first + k])),
                windows=window,
                service_s=svc[k],
            )
            own.append(OwnStop(id=f"{ident}-own-{k + 1:02d}", stop=stop))
            t_s = planned_s + svc[k]
        profile, capacity, _ = role.profiles[int(crew.profile[c])]
        start = city.location(int(crew.start[c]))
        out.append(
            Courier(
                id=ident,
                start=start,
                end=start if role.returns else None,
                shift=TimeWindow(opens_s, opens_s + length_s),
                capacity=capacity,
                profile=profile,
                own_stops=own,
                detour_budget_s=60 * detour_min[c],
                accepts=role.accepts,
                max_tasks=max_tasks[c],
            )
        )
    return out
