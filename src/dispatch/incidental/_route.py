"""A courier's route while errands are being fitted in: points, schedule, load, detour.

A :class:`CourierRoute` is immutable; inserting an errand returns a new one
(or None when the result breaks a rule). Its schedule is recomputed from
scratch by exact simulation, independent of the insertion kernel's slack
arithmetic, so what the matcher keeps is always checked the long way too.
"""

from __future__ import annotations

import itertools
import weakref
from collections.abc import Callable, Sequence
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from dispatch.incidental._insertion import UNBOUNDED_S
from dispatch.model import Courier, TimeWindow, TravelProfile
from dispatch.plan import PlannedStop, Route, StopRole
from dispatch.travel import PairLookup, PlaceLookup

__all__ = ["CourierRoute", "Point", "build_routes", "plan_routes"]

IntArray = npt.NDArray[np.int64]
IndexArray = npt.NDArray[np.intp]


@attrs.frozen(kw_only=True)
class Point:
    """One point of a route: the start, a stop, or the end.

    ``location`` indexes the matcher's :class:`~dispatch.travel.PairLookup`;
    ``-1`` marks an open end (at the last stop, no travel to it). ``task``
    is the errand's index for its pickup and drop-off, else -1.
    """

    role: StopRole
    ref: str
    location: int
    windows: tuple[TimeWindow, ...] = ()
    service_s: int = 0
    delta: tuple[int, ...] = ()
    task: int = -1
    max_ride_s: int | None = None


def _window_at(windows: Sequence[TimeWindow], arrival_s: int) -> TimeWindow | None:
    """The first window still open at ``arrival_s`` (the one an earliest start uses)."""
    for w in windows:
        if arrival_s <= w.latest_s:
            return w
    return None


_Dense = tuple[IndexArray, Callable[[TravelProfile], npt.NDArray[np.signedinteger[Any]]]]
#: The last lookup seen (weakly) and its dense table access, if it has one: the
#: protocol check costs tens of microseconds, more than reading a few legs.
_last_lookup: list[tuple[weakref.ref[PairLookup], _Dense | None]] = []


def _dense_of(lookup: PairLookup) -> _Dense | None:
    """``(places, place_durations_s)`` when ``lookup`` has a dense table, else None."""
    if _last_lookup and _last_lookup[0][0]() is lookup:
        return _last_lookup[0][1]
    dense = (lookup.places(), lookup.place_durations_s) if isinstance(lookup, PlaceLookup) else None
    try:
        _last_lookup[:] = [(weakref.ref(lookup), dense)]
    except TypeError:  # not weakly referable: check again next time
        _last_lookup.clear()
    return dense


def _leg_seconds(
    pairs: Sequence[tuple[int, int]], profile: TravelProfile, lookup: PairLookup
) -> list[int]:
    """Travel seconds of legs ``(from, to)`` (0 into an open end, ``to == -1``).

    Read from the dense table when the lookup has one; an unreachable pair (or a
    lookup without a table) is asked of the lookup, which raises the error naming it.
    """
    out = [0] * len(pairs)
    real = [k for k, (_, b) in enumerate(pairs) if b >= 0]
    if not real:
        return out
    a = np.array([pairs[k][0] for k in real], dtype=np.int64)
    b = np.array([pairs[k][1] for k in real], dtype=np.int64)
    dense = _dense_of(lookup)
    seconds = None
    if dense is not None:
        places, table = dense
        seconds = table(profile)[places[a], places[b]]
        if seconds.size and seconds.min() < 0:
            seconds = None
    if seconds is None:
        seconds = lookup.durations_s(a, b, profile)
    for k, value in zip(real, seconds.tolist(), strict=True):
        out[k] = value
    return out


@attrs.frozen(kw_only=True, eq=False)
class CourierRoute:
    """A courier's current route with its earliest-start schedule.

    Build one with :meth:`build`; it is None-safe: :meth:`build` returns None
    when the points cannot be served (windows, shift, capacity, rides).
    ``baseline_busy_s`` is the busy time of the courier's own stops alone,
    the reference of the detour budget. ``location`` and ``service_s`` are the
    points' fields as arrays; ``leg_m`` is looked up when first read (only
    finished routes need distances).
    """

    vehicle: int
    courier: Courier
    points: tuple[Point, ...]
    baseline_busy_s: int
    leg_s: IntArray
    arrival_s: IntArray
    start_s: IntArray
    latest_s: IntArray
    earliest_s: IntArray
    load_after: IntArray
    tasks: int
    busy_s: int
    """Travel and service seconds of the route."""
    task_indices: tuple[int, ...]
    """Errand indices on the route, in pickup order."""
    location: IntArray
    service_s: IntArray
    _lookup: PairLookup = attrs.field(alias="lookup", repr=False)
    _leg_m: list[IntArray] = attrs.field(factory=list, init=False, repr=False)

    @property
    def leg_m(self) -> IntArray:
        """Length of each leg in metres (0 into an open end)."""
        if not self._leg_m:
            loc = self.location
            leg_m = np.zeros(loc.size - 1, dtype=np.int64)
            real = loc[1:] >= 0
            if real.any():
                a, b = loc[:-1][real], loc[1:][real]
                leg_m[real] = self._lookup.distances_m(a, b, self.courier.profile)
            self._leg_m.append(leg_m)
        return self._leg_m[0]

    @staticmethod
    def build(
        vehicle: int,
        courier: Courier,
        points: Sequence[Point],
        lookup: PairLookup,
        baseline_busy_s: int | None = None,
    ) -> CourierRoute | None:
        """Simulate the points in order; None if some rule breaks.

        ``baseline_busy_s`` defaults to this route's own busy time (pass the
        own-stops-only route first).
        """
        pts = tuple(points)
        loc = [p.location for p in pts]
        legs = _leg_seconds(list(itertools.pairwise(loc)), courier.profile, lookup)
        return CourierRoute._simulate(vehicle, courier, pts, loc, legs, lookup, baseline_busy_s)

    @staticmethod
    def _simulate(
        vehicle: int,
        courier: Courier,
        pts: tuple[Point, ...],
        loc: list[int],
        legs: list[int],
        lookup: PairLookup,
        baseline_busy_s: int | None,
    ) -> CourierRoute | None:
        """Earliest-start simulation of ``pts`` with travel ``legs`` between them."""
        n = len(pts)
        dims = len(courier.capacity)
        capacity = tuple(courier.capacity)
        arrival = [0] * n
        start = [0] * n
        latest = [0] * n
        earliest = [0] * n
        service = [p.service_s for p in pts]
        load_after: list[tuple[int, ...]] = [()] * n
        shift = courier.shift
        t = shift.earliest_s
        load = (0,) * dims
        picked: dict[int, int] = {}
        pickups: list[int] = []
        for k, p in enumerate(pts):
            if k:
                t = start[k - 1] + service[k - 1] + legs[k - 1]
            arrival[k] = t
            if k == 0 or k == n - 1:
                begin, lo, hi = t, shift.earliest_s, shift.latest_s
                if t > shift.latest_s:
                    return None
            elif p.windows:
                window = _window_at(p.windows, t)
                if window is None:
                    return None
                lo, hi = window.earliest_s, window.latest_s
                begin = max(t, lo)
            else:
                begin, lo, hi = t, 0, UNBOUNDED_S
            start[k], earliest[k], latest[k] = begin, lo, hi
            if p.delta:
                load = tuple(x + d for x, d in zip(load, p.delta, strict=True))
                if any(x < 0 for x in load) or any(
                    x > c for x, c in zip(load, capacity, strict=True)
                ):
                    return None
            load_after[k] = load
            if p.role is StopRole.PICKUP:
                picked[p.task] = begin + p.service_s
                pickups.append(p.task)
            elif (
                p.role is StopRole.DROPOFF
                and p.max_ride_s is not None
                and begin - picked[p.task] > p.max_ride_s
            ):
                return None
        busy = sum(legs) + sum(service)
        tasks = len(pickups)
        if courier.max_tasks is not None and tasks > courier.max_tasks:
            return None
        baseline = busy if baseline_busy_s is None else baseline_busy_s
        budget = courier.detour_budget_s
        if budget is not None and busy - baseline > budget:
            return None
        return CourierRoute(
            vehicle=vehicle,
            courier=courier,
            points=pts,
            baseline_busy_s=baseline,
            leg_s=np.array(legs, dtype=np.int64),
            arrival_s=np.array(arrival, dtype=np.int64),
            start_s=np.array(start, dtype=np.int64),
            latest_s=np.array(latest, dtype=np.int64),
            earliest_s=np.array(earliest, dtype=np.int64),
            load_after=np.array(load_after, dtype=np.int64).reshape(n, dims),
            tasks=tasks,
            busy_s=busy,
            task_indices=tuple(pickups),
            location=np.array(loc, dtype=np.int64),
            service_s=np.array(service, dtype=np.int64),
            lookup=lookup,
        )

    @property
    def detour_s(self) -> int:
        """Busy seconds beyond the own stops alone."""
        return self.busy_s - self.baseline_busy_s

    @property
    def remaining_detour_s(self) -> int:
        """What is left of the detour budget (:data:`UNBOUNDED_S` without one)."""
        budget = self.courier.detour_budget_s
        return UNBOUNDED_S if budget is None else budget - self.detour_s

    @property
    def open_end(self) -> bool:
        """Whether the route ends wherever its last stop is."""
        return self.points[-1].location < 0

    @property
    def n_stops(self) -> int:
        """Stops between the start and the end."""
        return len(self.points) - 2

    @property
    def departure_s(self) -> IntArray:
        """Departure from each point."""
        return self.start_s + self.service_s

    def latest_arrival_s(self) -> IntArray:
        """Latest arrival at each point that keeps it and every later point on time.

        Backward over the route: a point may start at most at its latest and
        late enough that the next point is reached by *its* latest arrival.
        """
        # late[k] = min(latest[k], late[k+1] - service[k] - leg[k]): an arrival a starts
        # service at max(a, opening) <= that bound, and the current schedule shows the
        # opening is within it, so a itself may be this late. Unrolled, with C the
        # cumulative service and travel up to each point, late[k] = C[k] + the smallest
        # latest[j] - C[j] over j >= k: a reversed running minimum.
        reach = np.zeros(self.latest_s.size, dtype=np.int64)
        np.cumsum(self.service_s[:-1] + self.leg_s, out=reach[1:])
        slack = (self.latest_s - reach)[::-1]
        late: IntArray = reach + np.minimum.accumulate(slack)[::-1]
        return late

    def with_errand(
        self, pickup: Point, dropoff: Point, after_i: int, after_j: int, lookup: PairLookup
    ) -> CourierRoute | None:
        """The route with ``pickup`` after point ``after_i`` and ``dropoff`` after ``after_j``.

        Only the legs around the two new stops are looked up; the others are kept.
        """
        pts = list(self.points)
        pts.insert(after_j + 1, dropoff)
        pts.insert(after_i + 1, pickup)
        loc = [p.location for p in pts]
        # New points sit at after_i + 1 and after_j + 2; the legs into and out of them change.
        fresh = sorted({after_i, after_i + 1, after_j + 1, after_j + 2})
        legs = self.leg_s.tolist()
        legs.insert(after_j, 0)
        legs.insert(after_i, 0)  # placeholders; the legs at ``fresh`` are looked up
        seconds = _leg_seconds([(loc[k], loc[k + 1]) for k in fresh], self.courier.profile, lookup)
        for k, value in zip(fresh, seconds, strict=True):
            legs[k] = value
        return CourierRoute._simulate(
            self.vehicle, self.courier, tuple(pts), loc, legs, lookup, self.baseline_busy_s
        )

    def without(self, task: int, lookup: PairLookup) -> CourierRoute | None:
        """The route with errand ``task``'s two stops taken out (None if that breaks a rule)."""
        pts = [p for p in self.points if p.task != task or p.role is StopRole.OWN]
        return CourierRoute.build(self.vehicle, self.courier, pts, lookup, self.baseline_busy_s)

    def to_route(self) -> Route:
        """The route as plan data (start, stops, end with times and loads).

        For many routes, :func:`plan_routes` looks their leg lengths up together.
        """
        arrival = self.arrival_s.tolist()
        start = self.start_s.tolist()
        depart = self.departure_s.tolist()
        loads = [tuple(x) for x in self.load_after.tolist()]
        stops = tuple(
            PlannedStop(
                role=p.role,
                ref=p.ref,
                arrival_s=arrival[k],
                start_s=start[k],
                departure_s=depart[k],
                load_after=loads[k],
            )
            for k, p in enumerate(self.points)
        )
        return Route(
            courier_id=self.courier.id,
            stops=stops,
            distance_m=int(self.leg_m.sum()),
            duration_s=stops[-1].arrival_s - stops[0].departure_s,
        )


def build_routes(
    couriers: Sequence[tuple[int, Courier]],
    points: Sequence[Sequence[Point]],
    lookup: PairLookup,
) -> list[CourierRoute | None]:
    """:meth:`CourierRoute.build` for each ``(vehicle, courier)`` with its points.

    The legs of all routes of a profile are looked up in one call.
    """
    locations = [[p.location for p in pts] for pts in points]
    by_profile: dict[TravelProfile, list[int]] = {}
    for k, (_, courier) in enumerate(couriers):
        by_profile.setdefault(courier.profile, []).append(k)
    legs: list[list[int]] = [[] for _ in couriers]
    for profile, members in by_profile.items():
        pairs = [pair for k in members for pair in itertools.pairwise(locations[k])]
        seconds = _leg_seconds(pairs, profile, lookup)
        at = 0
        for k in members:
            n = len(locations[k]) - 1
            legs[k] = seconds[at : at + n]
            at += n
    return [
        CourierRoute._simulate(v, c, tuple(pts), loc, leg, lookup, None)
        for (v, c), pts, loc, leg in zip(couriers, points, locations, legs, strict=True)
    ]


def plan_routes(routes: Sequence[CourierRoute]) -> tuple[Route, ...]:
    """:meth:`CourierRoute.to_route` of each route, their legs' lengths looked up together.

    One distance lookup per travel lookup and profile instead of one per route.
    """
    groups: dict[tuple[int, TravelProfile], list[CourierRoute]] = {}
    for route in routes:
        if not route._leg_m:
            groups.setdefault((id(route._lookup), route.courier.profile), []).append(route)
    for (_, profile), group in groups.items():
        sizes = [r.location.size - 1 for r in group]
        a = np.concatenate([r.location[:-1] for r in group])
        b = np.concatenate([r.location[1:] for r in group])
        metres = np.zeros(a.size, dtype=np.int64)
        real = b >= 0  # 0 into an open end
        if real.any():
            metres[real] = group[0]._lookup.distances_m(a[real], b[real], profile)
        for route, legs in zip(group, np.split(metres, np.cumsum(sizes)[:-1]), strict=True):
            if not route._leg_m:
                route._leg_m.append(legs)
    return tuple(route.to_route() for route in routes)
