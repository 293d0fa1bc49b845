"""Hypothesis strategy for incidental-errand problems with coordinates.

Couriers ride own routes (2-8 stops, windows cut around a simulated schedule,
so each own route is feasible alone) through a few square kilometres; errands
have a shop and a home nearby, one or two windows per stop, loads, services,
priorities, kinds and sometimes a maximum ride. Travel is
:class:`~dispatch.HaversineTravel` (which has a speed bound, so the pruning is
exercised) or the same times as an explicit matrix (which has none).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import attrs
import numpy as np
from hypothesis import strategies as st

from dispatch import (
    Courier,
    Errand,
    HaversineTravel,
    Location,
    MatrixTravel,
    OwnStop,
    Problem,
    RoadGraphTravel,
    Stop,
    TimeWindow,
    TravelProfile,
)
from dispatch.incidental import Matcher
from dispatch.incidental._route import Point
from dispatch.plan import StopRole
from dispatch.synthetic import incidental_district

__all__ = ["KINDS", "errand_points", "incidental_problems", "tabled_district"]

T = TypeVar("T")
Draw = Callable[[st.SearchStrategy[T]], T]

KINDS = ("groceries", "medicine", "water")
_ORIGIN = (31.2, 121.4)
#: About 3 km by 3 km.
_SPAN_DEG = 0.03


def _place(draw: Draw[Any], label: str) -> Location:
    dlat = draw(st.floats(0, _SPAN_DEG, allow_nan=False), label=f"{label} lat")
    dlon = draw(st.floats(0, _SPAN_DEG, allow_nan=False), label=f"{label} lon")
    return Location(lat=round(_ORIGIN[0] + dlat, 6), lon=round(_ORIGIN[1] + dlon, 6))


def _window(draw: Draw[Any], around_s: int, label: str) -> list[TimeWindow]:
    before = draw(st.integers(0, 900), label=f"{label} before")
    after = draw(st.integers(0, 900), label=f"{label} after")
    return [TimeWindow(max(0, around_s - before), around_s + after)]


@st.composite
def _courier(draw: Draw[Any], courier_id: str, travel: HaversineTravel) -> Courier:
    profile = draw(st.sampled_from([TravelProfile.EBIKE, TravelProfile.CAR, TravelProfile.WALK]))
    start = _place(draw, f"{courier_id} start")
    begin = draw(st.integers(7 * 3600, 9 * 3600), label=f"{courier_id} begin")
    t, here = begin, start
    own = []
    for k in range(draw(st.integers(0, 8), label=f"{courier_id} stops")):
        where = _place(draw, f"{courier_id} own {k}")
        t += int(travel.matrix([here, where], profile).durations_s[0, 1])
        t += draw(st.integers(0, 600), label=f"{courier_id} gap {k}")
        service = draw(st.integers(0, 180), label=f"{courier_id} service {k}")
        windows = draw(st.booleans(), label=f"{courier_id} windowed {k}")
        stop = Stop(
            location=where,
            windows=_window(draw, t, f"{courier_id} own {k}") if windows else [],
            service_s=service,
        )
        own.append(OwnStop(id=f"{courier_id}-own{k}", stop=stop))
        t += service
        here = where
    end = draw(st.one_of(st.none(), st.just(start)), label=f"{courier_id} end")
    if end is not None:
        t += int(travel.matrix([here, end], profile).durations_s[0, 1])
    slack = draw(st.integers(0, 3600), label=f"{courier_id} slack")
    return Courier(
        id=courier_id,
        start=start,
        end=end,
        shift=TimeWindow(begin, t + slack),
        capacity=draw(st.integers(1, 4), label=f"{courier_id} capacity"),
        profile=profile,
        own_stops=own,
        detour_budget_s=draw(st.one_of(st.none(), st.integers(0, 1800)), label="budget"),
        accepts=draw(
            st.one_of(st.none(), st.frozensets(st.sampled_from(KINDS), min_size=1)),
            label=f"{courier_id} accepts",
        ),
        max_tasks=draw(st.one_of(st.none(), st.integers(0, 3)), label=f"{courier_id} cap"),
    )


@st.composite
def _errand(draw: Draw[Any], errand_id: str) -> Errand:
    def stop(label: str) -> Stop:
        count = draw(st.integers(0, 2), label=f"{errand_id} {label} windows")
        marks = sorted(
            draw(
                st.lists(
                    st.integers(7 * 3600, 13 * 3600),
                    min_size=2 * count,
                    max_size=2 * count,
                    unique=True,
                ),
                label=f"{errand_id} {label} marks",
            )
        )
        windows = [TimeWindow(marks[2 * i], marks[2 * i + 1]) for i in range(count)]
        return Stop(
            location=_place(draw, f"{errand_id} {label}"),
            windows=windows,
            service_s=draw(st.integers(0, 300), label=f"{errand_id} {label} service"),
        )

    return Errand(
        id=errand_id,
        pickup=stop("shop"),
        dropoff=stop("home"),
        load=draw(st.integers(0, 3), label=f"{errand_id} load"),
        priority=draw(st.integers(1, 3), label=f"{errand_id} priority"),
        max_ride_s=draw(st.one_of(st.none(), st.integers(60, 3600)), label=f"{errand_id} ride"),
        kind=draw(st.sampled_from(KINDS), label=f"{errand_id} kind"),
    )


@st.composite
def incidental_problems(
    draw: Draw[Any], max_couriers: int = 5, max_errands: int = 8, explicit: bool | None = None
) -> Problem:
    """A small incidental problem (see the module docstring)."""
    travel = HaversineTravel(detour_factor=1.3)
    couriers = [
        draw(_courier(f"c{k}", travel))
        for k in range(draw(st.integers(0, max_couriers), label="couriers"))
    ]
    errands = [
        draw(_errand(f"e{k}")) for k in range(draw(st.integers(0, max_errands), label="errands"))
    ]
    as_matrix = draw(st.booleans(), label="matrix") if explicit is None else explicit
    if not as_matrix:
        return Problem(tasks=errands, couriers=couriers, travel=travel)
    # The same times as an explicit matrix over node ids: no coordinates, no speed bound.
    places = list(
        dict.fromkeys(
            [c.start for c in couriers]
            + [c.end for c in couriers if c.end is not None]
            + [o.stop.location for c in couriers for o in c.own_stops]
            + [s.location for e in errands for s in (e.pickup, e.dropoff)]
        )
    )
    # Car times: the fastest profile, so every own route simulated above stays feasible.
    times = travel.matrix(places, TravelProfile.CAR) if places else None
    node = {loc: k for k, loc in enumerate(places)}

    def renamed(loc: Location) -> Location:
        return Location(node=node[loc])

    matrix = MatrixTravel(
        nodes=list(range(len(places))),
        durations_s=times.durations_s if times is not None else np.zeros((0, 0), np.int64),
        distances_m=times.distances_m if times is not None else np.zeros((0, 0), np.int64),
    )
    couriers = [_renode(c, renamed) for c in couriers]
    errands = [
        attrs.evolve(
            e,
            pickup=attrs.evolve(e.pickup, location=renamed(e.pickup.location)),
            dropoff=attrs.evolve(e.dropoff, location=renamed(e.dropoff.location)),
        )
        for e in errands
    ]
    return Problem(tasks=errands, couriers=couriers, travel=matrix)


def _renode(courier: Courier, renamed: Callable[[Location], Location]) -> Courier:
    own = [
        attrs.evolve(o, stop=attrs.evolve(o.stop, location=renamed(o.stop.location)))
        for o in courier.own_stops
    ]
    return attrs.evolve(
        courier,
        start=renamed(courier.start),
        end=None if courier.end is None else renamed(courier.end),
        own_stops=own,
    )


def tabled_district(couriers: int, errands: int, seed: int, side_m: float) -> Problem:
    """A synthetic district whose road-graph travel is replaced by its dense travel table."""
    district = incidental_district(couriers=couriers, errands=errands, seed=seed, side_m=side_m)
    travel = district.problem.travel
    assert isinstance(travel, RoadGraphTravel)
    table = travel.table(profiles={c.profile for c in district.problem.couriers})
    return attrs.evolve(district.problem, travel=table)


def errand_points(matcher: Matcher, e: int) -> tuple[Point, Point]:
    """Errand ``e`` of ``matcher`` as pickup and drop-off points, for
    :meth:`~dispatch.incidental._route.CourierRoute.with_errand` and for reference
    simulations (the matcher itself inserts rows)."""
    errand = matcher.errands[e]
    load = matcher.problem.load_of(errand)

    def point(role: StopRole, stop: Stop, delta: tuple[int, ...], ride: int | None) -> Point:
        return Point(
            role=role,
            ref=errand.id,
            location=matcher._index[stop.location],
            windows=stop.windows,
            service_s=stop.service_s,
            delta=delta,
            task=e,
            max_ride_s=ride,
        )

    return (
        point(StopRole.PICKUP, errand.pickup, load, None),
        point(StopRole.DROPOFF, errand.dropoff, tuple(-x for x in load), errand.max_ride_s),
    )
