"""A courier's route while errands are being fitted in: points, schedule, load, detour.

A :class:`CourierRoute` is immutable; inserting an errand returns a new one
(or None when the result breaks a rule). Its schedule is recomputed from
scratch by exact simulation, independent of the insertion kernel's slack
arithmetic, so what the matcher keeps is always checked the long way too.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs
import numpy as np
import numpy.typing as npt

from dispatch.incidental._insertion import UNBOUNDED_S
from dispatch.model import Courier, TimeWindow
from dispatch.plan import PlannedStop, Route, StopRole
from dispatch.travel import PairLookup

__all__ = ["CourierRoute", "Point"]

IntArray = npt.NDArray[np.int64]


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


@attrs.frozen(kw_only=True, eq=False)
class CourierRoute:
    """A courier's current route with its earliest-start schedule.

    Build one with :meth:`build`; it is None-safe: :meth:`build` returns None
    when the points cannot be served (windows, shift, capacity, rides).
    ``baseline_busy_s`` is the busy time of the courier's own stops alone,
    the reference of the detour budget.
    """

    vehicle: int
    courier: Courier
    points: tuple[Point, ...]
    baseline_busy_s: int
    leg_s: IntArray
    leg_m: IntArray
    arrival_s: IntArray
    start_s: IntArray
    latest_s: IntArray
    earliest_s: IntArray
    load_after: IntArray
    tasks: int

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
        loc = np.array([p.location for p in pts], dtype=np.int64)
        n = len(pts)
        leg_s = np.zeros(n - 1, dtype=np.int64)
        leg_m = np.zeros(n - 1, dtype=np.int64)
        real = loc[1:] >= 0
        if real.any():
            a, b = loc[:-1][real], loc[1:][real]
            leg_s[real] = lookup.durations_s(a, b, courier.profile)
            leg_m[real] = lookup.distances_m(a, b, courier.profile)
        dims = len(courier.capacity)
        capacity = np.asarray(courier.capacity, dtype=np.int64)
        arrival = np.zeros(n, dtype=np.int64)
        start = np.zeros(n, dtype=np.int64)
        latest = np.zeros(n, dtype=np.int64)
        earliest = np.zeros(n, dtype=np.int64)
        load_after = np.zeros((n, dims), dtype=np.int64)
        shift = courier.shift
        t = shift.earliest_s
        load = np.zeros(dims, dtype=np.int64)
        picked: dict[int, int] = {}
        for k, p in enumerate(pts):
            if k:
                t = int(start[k - 1]) + pts[k - 1].service_s + int(leg_s[k - 1])
            arrival[k] = t
            if k == 0 or k == n - 1:
                begin, lo, hi = t, shift.earliest_s, shift.latest_s
                if t > shift.latest_s:
                    return None
            else:
                window = _window_at(p.windows, t) if p.windows else None
                if p.windows and window is None:
                    return None
                lo = window.earliest_s if window else 0
                hi = window.latest_s if window else UNBOUNDED_S
                begin = max(t, lo)
            start[k], earliest[k], latest[k] = begin, lo, hi
            if p.delta:
                load = load + np.asarray(p.delta, dtype=np.int64)
                if (load < 0).any() or (load > capacity).any():
                    return None
            load_after[k] = load
            if p.role is StopRole.PICKUP:
                picked[p.task] = begin + p.service_s
            elif (
                p.role is StopRole.DROPOFF
                and p.max_ride_s is not None
                and begin - picked[p.task] > p.max_ride_s
            ):
                return None
        busy = int(leg_s.sum()) + sum(p.service_s for p in pts)
        tasks = sum(1 for p in pts if p.role is StopRole.PICKUP)
        if courier.max_tasks is not None and tasks > courier.max_tasks:
            return None
        route = CourierRoute(
            vehicle=vehicle,
            courier=courier,
            points=pts,
            baseline_busy_s=busy if baseline_busy_s is None else baseline_busy_s,
            leg_s=leg_s,
            leg_m=leg_m,
            arrival_s=arrival,
            start_s=start,
            latest_s=latest,
            earliest_s=earliest,
            load_after=load_after,
            tasks=tasks,
        )
        budget = courier.detour_budget_s
        if budget is not None and route.busy_s - route.baseline_busy_s > budget:
            return None
        return route

    @property
    def busy_s(self) -> int:
        """Travel and service seconds of the route."""
        return int(self.leg_s.sum()) + sum(p.service_s for p in self.points)

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
        service = np.array([p.service_s for p in self.points], dtype=np.int64)
        return self.start_s + service

    def latest_arrival_s(self) -> IntArray:
        """Latest arrival at each point that keeps it and every later point on time.

        Backward over the route: a point may start at most at its latest and
        late enough that the next point is reached by *its* latest arrival.
        """
        n = len(self.points)
        late = np.empty(n, dtype=np.int64)
        late[-1] = self.latest_s[-1]
        for k in range(n - 2, -1, -1):
            must_leave = late[k + 1] - int(self.leg_s[k])
            # Arrival a starts service at max(a, opening) <= this bound, and the current
            # schedule shows the opening is within it, so a itself may be this late.
            late[k] = min(int(self.latest_s[k]), must_leave - self.points[k].service_s)
        return late

    def with_errand(
        self, pickup: Point, dropoff: Point, after_i: int, after_j: int, lookup: PairLookup
    ) -> CourierRoute | None:
        """The route with ``pickup`` after point ``after_i`` and ``dropoff`` after ``after_j``."""
        pts = list(self.points)
        pts.insert(after_j + 1, dropoff)
        pts.insert(after_i + 1, pickup)
        return CourierRoute.build(self.vehicle, self.courier, pts, lookup, self.baseline_busy_s)

    def without(self, task: int, lookup: PairLookup) -> CourierRoute | None:
        """The route with errand ``task``'s two stops taken out (None if that breaks a rule)."""
        pts = [p for p in self.points if p.task != task or p.role is StopRole.OWN]
        return CourierRoute.build(self.vehicle, self.courier, pts, lookup, self.baseline_busy_s)

    @property
    def task_indices(self) -> tuple[int, ...]:
        """Errand indices on the route, in pickup order."""
        return tuple(p.task for p in self.points if p.role is StopRole.PICKUP)

    def to_route(self) -> Route:
        """The route as plan data (start, stops, end with times and loads)."""
        stops = []
        depart = self.departure_s
        for k, p in enumerate(self.points):
            stops.append(
                PlannedStop(
                    role=p.role,
                    ref=p.ref,
                    arrival_s=int(self.arrival_s[k]),
                    start_s=int(self.start_s[k]),
                    departure_s=int(depart[k]),
                    load_after=tuple(int(x) for x in self.load_after[k]),
                )
            )
        return Route(
            courier_id=self.courier.id,
            stops=tuple(stops),
            distance_m=int(self.leg_m.sum()),
            duration_s=stops[-1].arrival_s - stops[0].departure_s,
        )
