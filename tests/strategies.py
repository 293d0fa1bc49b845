"""Hypothesis strategies for `dispatch` problems, shared by every test package.

:func:`problems` draws small but general problems: travel times from random
integer points (``ceil`` of scaled Euclidean distances, so the triangle
inequality holds), sometimes different per travel profile; 1-4 couriers with
closed or open ends, shifts, one or more capacity dimensions, skills, profiles,
fixed costs, detour budgets, accepted task kinds, task caps and own stops whose
windows are cut around a simulated own route, so every courier can serve its
own stops alone; and 0-8 tasks mixing errands (with or without a maximum ride
time), meal deliveries and visits with zero to three windows per stop,
priorities, skills and loads.

Cost is controlled by the tests' ``max_examples`` (see :func:`examples`), not
by narrowing what is drawn. :func:`tiny_problems` is the same generator with
at most three tasks and two couriers, for brute-force comparisons.
:func:`meal_rounds` draws a kitchen's lunch round whose homes open after the
kitchen, where rides stay within their limits only by later pickups.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import attrs
import numpy as np
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from dispatch import (
    Courier,
    Errand,
    Location,
    MatrixTravel,
    MealDelivery,
    OwnStop,
    Problem,
    Stop,
    Task,
    TimeWindow,
    TravelMatrix,
    TravelProfile,
    Visit,
)

__all__ = [
    "SKILLS",
    "ProfileTravel",
    "ceil_distance",
    "examples",
    "meal_rounds",
    "problems",
    "solver_settings",
    "tiny_problems",
    "travels",
    "windows",
]

T = TypeVar("T")
Draw = Callable[[st.SearchStrategy[T]], T]

#: Skills couriers may have; tasks may also need "hoist", which no courier ever has.
SKILLS = ("lift", "cold", "car")
_TASK_SKILLS = (*SKILLS, "hoist")
_WAIT = st.integers(0, 300)
_SERVICE = st.sampled_from([0, 0, 30, 120, 300])
_OWN_SERVICE = st.integers(0, 200)
_LOAD = st.integers(0, 4)
_CAPACITY = st.integers(0, 6)
_BUDGET = st.one_of(st.none(), st.integers(0, 1500))
_FIXED_COST = st.sampled_from([0, 0, 10, 500, 5000])
_ACCEPTS = st.one_of(
    st.none(), st.none(), st.frozensets(st.sampled_from(["errand", "meal", "visit"]), min_size=1)
)
_MAX_TASKS = st.one_of(st.none(), st.none(), st.integers(0, 3))
_PROFILE = st.sampled_from(list(TravelProfile))
_COURIER_SKILLS = st.frozensets(st.sampled_from(SKILLS))
_TASK_SKILL_SETS = st.frozensets(st.sampled_from(_TASK_SKILLS), max_size=2)
_KIND = st.sampled_from(["errand", "meal", "visit"])
_RIDE = st.integers(1, 2000)
_COORDINATE = st.integers(0, 30)
_DIST_SCALE = st.sampled_from([None, 1, 7, 25])
#: Seconds of travel per unit of grid distance, per profile (when profiles differ).
_PACE = {
    TravelProfile.WALK: 30,
    TravelProfile.BIKE: 10,
    TravelProfile.EBIKE: 8,
    TravelProfile.CAR: 5,
}


def examples(dev_count: int) -> int:
    """``dev_count`` examples under the ``dev`` profile, scaled for the active profile."""
    return max(1, dev_count * settings().max_examples // 100)


def solver_settings(dev_count: int) -> settings:
    """Settings for a property test that runs the solver: scaled examples, no deadline.

    Drawing a problem takes tens of milliseconds, so the ``too_slow`` health
    check is off as well.
    """
    return settings(
        max_examples=examples(dev_count),
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )


def ceil_distance(a: tuple[int, int], b: tuple[int, int], scale: int) -> int:
    """``ceil(scale * |a - b|)`` in exact integer arithmetic.

    >>> ceil_distance((0, 0), (3, 4), 10), ceil_distance((0, 0), (1, 1), 1)
    (50, 2)
    """
    n = ((a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2) * scale * scale
    return 0 if n == 0 else math.isqrt(n - 1) + 1


def _matrix(points: Sequence[tuple[int, int]], scale: int) -> list[list[int]]:
    return [[ceil_distance(a, b, scale) for b in points] for a in points]


@attrs.frozen(eq=False)
class ProfileTravel:
    """Explicit travel matrices that differ per travel profile (a `TravelTimes`).

    >>> t = ProfileTravel({TravelProfile.WALK: MatrixTravel(nodes=[0, 1],
    ...                                                      durations_s=[[0, 9], [9, 0]])},
    ...                   MatrixTravel(nodes=[0, 1], durations_s=[[0, 3], [3, 0]]))
    >>> loc = [Location(node=0), Location(node=1)]
    >>> [int(t.matrix(loc, p).durations_s[0, 1]) for p in (TravelProfile.WALK, TravelProfile.CAR)]
    [9, 3]
    """

    by_profile: Mapping[TravelProfile, MatrixTravel]
    default: MatrixTravel

    @property
    def nodes(self) -> tuple[object, ...]:
        """The node keys (the same for every profile)."""
        return self.default.nodes

    def matrix(self, locations: Sequence[Location], profile: Any) -> TravelMatrix:
        """The matrix of ``profile``, or the default one."""
        return self.by_profile.get(profile, self.default).matrix(locations, profile)


@st.composite
def travels(
    draw: Draw[Any], *, min_nodes: int = 1, max_nodes: int = 9
) -> MatrixTravel | ProfileTravel:
    """A `MatrixTravel` (or `ProfileTravel`) over nodes 0..n-1 at random integer points.

    Durations are ``ceil(pace * distance)``, distances in metres sometimes
    equal to them and sometimes on another scale; both obey the triangle
    inequality. Points may coincide (zero travel between different nodes).
    """
    n = draw(st.integers(min_nodes, max_nodes))
    points = draw(st.lists(st.tuples(_COORDINATE, _COORDINATE), min_size=n, max_size=n))
    nodes = list(range(n))

    def one(pace: int) -> MatrixTravel:
        dist_scale = draw(_DIST_SCALE)
        durations = _matrix(points, pace)
        distances = None if dist_scale is None else np.asarray(_matrix(points, dist_scale))
        return MatrixTravel(nodes=nodes, durations_s=durations, distances_m=distances)

    if draw(st.booleans()):
        return one(draw(st.integers(1, 12)))
    by_profile = {p: one(pace) for p, pace in _PACE.items()}
    return ProfileTravel(by_profile, by_profile[TravelProfile.BIKE])


@st.composite
def windows(draw: Draw[Any], *, horizon_s: int, max_windows: int = 3) -> list[TimeWindow]:
    """0..max_windows disjoint windows inside [0, horizon_s] (zero-width ones included)."""
    k = draw(st.integers(0, max_windows))
    if k == 0:
        return []
    cuts = sorted(draw(st.sets(st.integers(0, horizon_s), min_size=2 * k, max_size=2 * k)))
    out = []
    for i in range(k):
        lo, hi = cuts[2 * i], cuts[2 * i + 1]
        if draw(st.integers(0, 9)) == 0:
            hi = lo  # a single instant
        out.append(TimeWindow(lo, hi))
    return out


def _around(draw: Draw[Any], t_s: int) -> list[TimeWindow]:
    """Windows of which one contains ``t_s`` (plus possibly one before and one after)."""
    lo = max(0, t_s - draw(_WAIT))
    hi = t_s + draw(_WAIT)
    out = [TimeWindow(lo, hi)]
    if lo >= 2 and draw(st.booleans()):
        a = draw(st.integers(0, lo - 2))
        out.append(TimeWindow(a, draw(st.integers(a, lo - 2))))
    if draw(st.booleans()):
        a = hi + 1 + draw(st.integers(0, 600))
        out.append(TimeWindow(a, a + draw(st.integers(0, 600))))
    return out


def _travel_s(
    travel: MatrixTravel | ProfileTravel, a: Location, b: Location | None, profile: TravelProfile
) -> int:
    if b is None:
        return 0
    return int(travel.matrix([a, b], profile).durations_s[0, 1])


@st.composite
def _courier(
    draw: Draw[Any],
    *,
    courier_id: str,
    travel: MatrixTravel | ProfileTravel,
    dims: int,
    max_own_stops: int,
    horizon_s: int,
) -> Courier:
    """A courier whose own stops are feasible alone (windows cut around a simulated route)."""
    location = st.builds(Location, node=st.integers(0, len(travel.nodes) - 1))
    start = draw(location)
    end = draw(st.one_of(st.none(), location))
    profile = draw(_PROFILE)
    earliest = draw(st.integers(0, horizon_s // 3))
    t = earliest + draw(_WAIT)
    here = start
    own: list[OwnStop] = []
    for k in range(draw(st.integers(0, max_own_stops))):
        where = draw(location)
        begin = t + _travel_s(travel, here, where, profile) + draw(_WAIT)
        shape = draw(st.sampled_from(["none", "around"]))
        stop = Stop(
            location=where,
            windows=[] if shape == "none" else _around(draw, begin),
            service_s=draw(_OWN_SERVICE),
        )
        own.append(OwnStop(id=f"{courier_id}-own{k}", stop=stop))
        t = begin + stop.service_s
        here = where
    back = t + _travel_s(travel, here, end, profile)
    latest = max(back, earliest + draw(st.integers(0, horizon_s))) + draw(st.integers(0, 600))
    return Courier(
        id=courier_id,
        start=start,
        end=end,
        shift=TimeWindow(earliest, latest),
        capacity=draw(st.lists(_CAPACITY, min_size=dims, max_size=dims)),
        profile=profile,
        skills=draw(_COURIER_SKILLS),
        own_stops=own,
        detour_budget_s=draw(_BUDGET),
        fixed_cost=draw(_FIXED_COST),
        accepts=draw(_ACCEPTS),
        max_tasks=draw(_MAX_TASKS),
    )


@st.composite
def _task(
    draw: Draw[Any],
    *,
    task_id: str,
    nodes: int,
    dims: int,
    horizon_s: int,
    priorities: st.SearchStrategy[int],
) -> Task:
    """An errand, meal delivery or visit with random windows, load, priority and skills."""

    def stop() -> Stop:
        return Stop(
            location=Location(node=draw(st.integers(0, nodes - 1))),
            windows=draw(windows(horizon_s=horizon_s)),
            service_s=draw(_SERVICE),
        )

    load = tuple(draw(st.lists(_LOAD, min_size=dims, max_size=dims)))
    common: dict[str, Any] = {
        "id": task_id,
        "priority": draw(priorities),
        "skills": draw(_TASK_SKILL_SETS),
    }
    kind = draw(_KIND)
    if kind == "errand":
        ride = draw(st.one_of(st.none(), _RIDE))
        return Errand(pickup=stop(), dropoff=stop(), load=load, max_ride_s=ride, **common)
    if kind == "meal":
        kitchen = stop()
        last = kitchen.latest_s if kitchen.latest_s is not None else horizon_s
        return MealDelivery(
            kitchen=kitchen,
            home=stop(),
            ready_s=draw(st.integers(0, last)),
            max_ride_s=draw(_RIDE),
            load=load,
            **common,
        )
    # Visits default to no load (widened to every dimension by the problem).
    visit_load = draw(st.sampled_from([(0,), load]))
    return Visit(stop=stop(), load=visit_load, **common)


@st.composite
def problems(
    draw: Draw[Any],
    *,
    max_tasks: int = 8,
    max_couriers: int = 4,
    max_own_stops: int = 3,
    priorities: st.SearchStrategy[int] | None = None,
) -> Problem:
    """A small, general problem (see the module docstring); every own route is feasible alone."""
    travel = draw(travels())
    n = len(travel.nodes)
    dims = draw(st.integers(1, 3))
    horizon = draw(st.sampled_from([1800, 3600, 7200]))
    couriers = [
        draw(
            _courier(
                courier_id=f"c{i}",
                travel=travel,
                dims=dims,
                max_own_stops=max_own_stops,
                horizon_s=horizon,
            )
        )
        for i in range(draw(st.integers(1, max_couriers)))
    ]
    tasks = [
        draw(
            _task(
                task_id=f"t{i}",
                nodes=n,
                dims=dims,
                horizon_s=horizon,
                priorities=st.integers(1, 5) if priorities is None else priorities,
            )
        )
        for i in range(draw(st.integers(0, max_tasks)))
    ]
    return Problem(tasks=tasks, couriers=couriers, travel=travel)


def tiny_problems() -> st.SearchStrategy[Problem]:
    """At most 3 tasks, 2 couriers and 2 own stops each, priorities in thousands.

    Priorities of 1000-3000 make every penalty dwarf any distance, so the
    solver's objective orders plans by unserved priority first, then by
    distance plus fixed costs, whatever the penalty scaling.
    """
    return problems(
        max_tasks=3,
        max_couriers=2,
        max_own_stops=2,
        priorities=st.sampled_from([1000, 2000, 3000]),
    )


@st.composite
def meal_rounds(draw: Draw[Any]) -> Problem:
    """A kitchen's lunch round: meals ready when the kitchen opens, homes that open later.

    On the earliest schedule, a courier who reaches the kitchen early picks the meals up
    at opening time and then waits at the homes, so a ride is within its limit only
    while something before the kitchen (an errand, another meal) delays the pickup.
    """
    travel = draw(travels(min_nodes=3, max_nodes=8))
    n = len(travel.nodes)
    ride = draw(st.integers(60, 900))
    opening = draw(st.integers(0, 600))
    kitchen = Stop(
        location=Location(node=0), windows=[TimeWindow(opening, opening + 3600)], service_s=30
    )
    node = st.integers(1, n - 1)
    meals = [
        MealDelivery(
            id=f"m{i}",
            kitchen=kitchen,
            home=Stop(
                location=Location(node=draw(node)),
                windows=[TimeWindow(home_opens, home_opens + draw(st.integers(0, 1800)))],
                service_s=60,
            ),
            ready_s=opening,
            max_ride_s=ride,
        )
        for i in range(draw(st.integers(2, 6)))
        for home_opens in [opening + draw(st.integers(0, 2 * ride))]
    ]
    errands = [
        Errand(
            id=f"e{i}",
            pickup=Stop(location=Location(node=draw(node))),
            dropoff=Stop(location=Location(node=draw(node))),
        )
        for i in range(draw(st.integers(0, 3)))
    ]
    couriers = [
        Courier(
            id=f"c{i}",
            start=Location(node=draw(st.integers(0, n - 1))),
            shift=TimeWindow(0, 7200),
            capacity=draw(st.integers(2, 6)),
        )
        for i in range(draw(st.integers(1, 3)))
    ]
    return Problem(tasks=[*meals, *errands], couriers=couriers, travel=travel)
