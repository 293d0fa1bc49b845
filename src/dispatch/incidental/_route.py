"""A courier's route while errands are being fitted in: points, schedule, load, detour.

A :class:`CourierRoute` is immutable; inserting an errand returns a new one
(or None when the result breaks a rule). Its schedule is recomputed from
scratch by exact simulation, independent of the insertion kernel's slack
arithmetic, so what the matcher keeps is always checked the long way too.
The route keeps its points as integer tables (:func:`point_rows`) and the
simulation runs compiled (:mod:`dispatch.incidental._kernels`); a test checks
it against a plain-Python simulation (``tests/incidental/test_route.py``).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

import attrs
import numpy as np
import numpy.typing as npt

from dispatch.incidental._insertion import UNBOUNDED_S
from dispatch.model import Courier, Location, Stop, TimeWindow, TravelProfile
from dispatch.plan import PlannedStop, Route, StopRole
from dispatch.travel import PairLookup, PlaceLookup

__all__ = [
    "CourierRoute",
    "ErrandRowTable",
    "ErrandRows",
    "Point",
    "own_routes",
    "plan_routes",
    "point_rows",
]

IntArray = npt.NDArray[np.int64]
IndexArray = npt.NDArray[np.intp]


@attrs.frozen(kw_only=True)
class Point:
    """One point to put on a route (the start, a stop, or the end), as
    :meth:`CourierRoute.build` and :meth:`CourierRoute.with_errand` take them;
    a route itself keeps its points as tables.

    ``location`` indexes the matcher's :class:`~dispatch.travel.PairLookup`;
    ``-1`` marks an open end (at the last stop, no travel to it). ``task``
    is the errand's index for its pickup and drop-off, else -1. The matcher
    itself inserts errands as table rows (:class:`ErrandRowTable`,
    :meth:`CourierRoute.with_rows`).
    """

    role: StopRole
    ref: str
    location: int
    windows: tuple[TimeWindow, ...] = ()
    service_s: int = 0
    delta: tuple[int, ...] = ()
    task: int = -1
    max_ride_s: int | None = None


# A route's table of points (``CourierRoute.facts``), one row per point: the location,
# the service seconds, the kind, the errand's index, its maximum ride (-1: none), then
# the load change in each dimension. The compiled simulation reads it
# (:mod:`dispatch.incidental._kernels`).
LOC: Final = 0
SERVICE: Final = 1
KIND: Final = 2
TASK: Final = 3
MAX_RIDE: Final = 4
DELTA: Final = 5
# Kinds of points: the start, the end and own stops are OTHER.
OTHER: Final = 0
PICKUP: Final = 1
DROPOFF: Final = 2
_KIND_OF = {StopRole.PICKUP: PICKUP, StopRole.DROPOFF: DROPOFF}
_ROLE_OF = {OTHER: StopRole.OWN, PICKUP: StopRole.PICKUP, DROPOFF: StopRole.DROPOFF}


def point_rows(points: Sequence[Point], dims: int) -> tuple[IntArray, IntArray, IntArray]:
    """``(facts, win_ptr, windows)`` of ``points`` with ``dims`` load dimensions.

    ``facts`` has one row per point (columns above); point ``k``'s windows are
    rows ``win_ptr[k]:win_ptr[k + 1]`` of ``windows``, each ``(earliest, latest)``.
    """
    facts = np.zeros((len(points), DELTA + dims), dtype=np.int64)
    if points:
        facts[:, :DELTA] = [
            (
                p.location,
                p.service_s,
                _KIND_OF.get(p.role, OTHER),
                p.task,
                -1 if p.max_ride_s is None else p.max_ride_s,
            )
            for p in points
        ]
    for k, p in enumerate(points):
        if p.delta:
            facts[k, DELTA:] = p.delta
    win_ptr = np.zeros(len(points) + 1, dtype=np.int64)
    np.cumsum([len(p.windows) for p in points], out=win_ptr[1:])
    windows = np.array(
        [(w.earliest_s, w.latest_s) for p in points for w in p.windows], dtype=np.int64
    ).reshape(-1, 2)
    return facts, win_ptr, windows


#: An errand's two stops as rows of a route's tables: ``(pickup facts, pickup windows,
#: drop-off facts, drop-off windows)``; a facts row is ``(DELTA + dims,)``, windows
#: ``(k, 2)``. A plain tuple of arrays, which Python's collector stops tracking.
ErrandRows = tuple[IntArray, IntArray, IntArray, IntArray]


@attrs.frozen(eq=False)
class ErrandRowTable:
    """Many errands' stops as rows of a route's tables, made together: :meth:`rows` reads
    errand ``e``'s :data:`ErrandRows` (views, no copies).

    A facts row is ``(location, service, kind, errand, maximum ride or -1, load change)``;
    the pickup adds the load, the drop-off takes it off and carries the maximum ride.

    Examples
    --------
    >>> from dispatch import Location, Stop, TimeWindow
    >>> shop = Stop(location=Location(node=3), windows=(TimeWindow(0, 60),), service_s=30)
    >>> home = Stop(location=Location(node=4), service_s=10)
    >>> table = ErrandRowTable.of([(shop, home)], np.array([[7, 8]]), np.array([[1]]), [None])
    >>> [part.tolist() for part in table.rows(0)]
    [[7, 30, 1, 0, -1, 1], [[0, 60]], [8, 10, 2, 0, -1, -1], []]
    """

    pickup_facts: IntArray  # (E, DELTA + dims)
    dropoff_facts: IntArray
    pickup_ptr: IntArray  # errand e's pickup windows: rows ptr[e]:ptr[e + 1]
    pickup_windows: IntArray  # (W, 2)
    dropoff_ptr: IntArray
    dropoff_windows: IntArray

    @staticmethod
    def of(
        stops: Sequence[tuple[Stop, Stop]],
        locations: IntArray,
        load: IntArray,
        max_ride_s: Sequence[int | None],
    ) -> ErrandRowTable:
        """The rows of errands ``0..E-1`` from their ``(pickup, drop-off)`` stops, the two
        stops' ``(E, 2)`` location indices, their ``(E, dims)`` loads and maximum rides."""
        n = len(stops)
        where = np.asarray(locations, dtype=np.int64).reshape(n, 2)
        task = np.arange(n, dtype=np.int64)
        ride = np.array([-1 if r is None else r for r in max_ride_s], dtype=np.int64)
        parts = []
        for side, kind in ((0, PICKUP), (1, DROPOFF)):
            chosen = [pair[side] for pair in stops]
            facts = np.empty((n, DELTA + load.shape[1]), dtype=np.int64)
            facts[:, LOC] = where[:, side]
            facts[:, SERVICE] = [stop.service_s for stop in chosen]
            facts[:, KIND] = kind
            facts[:, TASK] = task
            facts[:, MAX_RIDE] = ride if kind == DROPOFF else -1
            facts[:, DELTA:] = load if kind == PICKUP else -load
            ptr = np.zeros(n + 1, dtype=np.int64)
            np.cumsum([len(stop.windows) for stop in chosen], out=ptr[1:])
            windows = np.array(
                [(w.earliest_s, w.latest_s) for stop in chosen for w in stop.windows],
                dtype=np.int64,
            ).reshape(-1, 2)
            parts.append((facts, ptr, windows))
        (p_facts, p_ptr, p_windows), (d_facts, d_ptr, d_windows) = parts
        return ErrandRowTable(p_facts, d_facts, p_ptr, p_windows, d_ptr, d_windows)

    def __len__(self) -> int:
        return int(self.pickup_facts.shape[0])

    def rows(self, e: int) -> ErrandRows:
        """Errand ``e``'s pickup and drop-off rows."""
        p, d = self.pickup_ptr, self.dropoff_ptr
        return (
            self.pickup_facts[e],
            self.pickup_windows[p[e] : p[e + 1]],
            self.dropoff_facts[e],
            self.dropoff_windows[d[e] : d[e + 1]],
        )


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


_capacities: dict[tuple[int, ...], IntArray] = {}


def _capacity_of(capacity: tuple[int, ...]) -> IntArray:
    """``capacity`` as the kernels' array, made once per distinct capacity (the kernels
    only read it)."""
    array = _capacities.get(capacity)
    if array is None:
        array = _capacities[capacity] = np.array(capacity, dtype=np.int64)
    return array


_NO_LEGS: IntArray = np.zeros(0, dtype=np.int64)
_NO_TABLE: IntArray = np.zeros((0, 0), dtype=np.int64)


def _leg_seconds(a: IntArray, b: IntArray, profile: TravelProfile, lookup: PairLookup) -> IntArray:
    """Travel seconds of the legs from locations ``a`` to ``b`` (0 into an open end,
    ``b == -1``).

    Read from the dense table when the lookup has one; an unreachable pair (or a
    lookup without a table) is asked of the lookup, which raises the error naming it.
    """
    out = np.zeros(a.size, dtype=np.int64)
    real = b >= 0
    if not real.any():
        return out
    a, b = a[real], b[real]
    dense = _dense_of(lookup)
    seconds = None
    if dense is not None:
        places, table = dense
        seconds = table(profile)[places[a], places[b]]
        if seconds.size and seconds.min() < 0:
            seconds = None
    if seconds is None:
        seconds = lookup.durations_s(a, b, profile)
    out[real] = seconds
    return out


@attrs.frozen(kw_only=True, eq=False)
class CourierRoute:
    """A courier's current route with its earliest-start schedule.

    Build one with :meth:`build`; it is None-safe: :meth:`build` returns None
    when the points cannot be served (windows, shift, capacity, rides).
    ``baseline_busy_s`` is the busy time of the courier's own stops alone,
    the reference of the detour budget. ``facts``, ``win_ptr`` and ``windows``
    are the points as tables (:func:`point_rows`), which the compiled
    simulation reads; ``location`` and ``service_s`` are two of their columns;
    ``refs`` names each point (the courier at the start and end, else the own
    stop or the errand). No object per point is kept: a district's routes hold
    tens of thousands of points, and every object is one more for Python's
    garbage collector to walk. :meth:`points` makes them when asked.
    ``leg_m`` is looked up when first read (only finished routes need distances).
    """

    vehicle: int
    courier: Courier
    refs: tuple[str, ...]
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
    facts: IntArray
    win_ptr: IntArray
    windows: IntArray
    _lookup: PairLookup = attrs.field(alias="lookup", repr=False)
    # Each set once, when first read (many routes are made only to be priced or compared,
    # never read): no container per route for the caches.
    _leg_m: IntArray | None = attrs.field(default=None, init=False, repr=False)
    _location: IntArray | None = attrs.field(default=None, init=False, repr=False)
    _service_s: IntArray | None = attrs.field(default=None, init=False, repr=False)
    _task_indices: tuple[int, ...] | None = attrs.field(default=None, init=False, repr=False)

    @property
    def location(self) -> IntArray:
        """Each point's location index (a column of ``facts``)."""
        if self._location is None:
            location = np.ascontiguousarray(self.facts[:, LOC])
            object.__setattr__(self, "_location", location)  # a cache on a frozen object
            return location
        return self._location

    @property
    def service_s(self) -> IntArray:
        """Each point's service seconds (a column of ``facts``)."""
        if self._service_s is None:
            service = np.ascontiguousarray(self.facts[:, SERVICE])
            object.__setattr__(self, "_service_s", service)
            return service
        return self._service_s

    @property
    def task_indices(self) -> tuple[int, ...]:
        """Errand indices on the route, in pickup order."""
        if self._task_indices is None:
            facts = self.facts
            pickups = facts[facts[:, KIND] == PICKUP, TASK] if self.tasks else facts[:0, TASK]
            indices = tuple(pickups.tolist())
            object.__setattr__(self, "_task_indices", indices)
            return indices
        return self._task_indices

    @property
    def leg_m(self) -> IntArray:
        """Length of each leg in metres (0 into an open end)."""
        if self._leg_m is None:
            loc = self.location
            leg_m = np.zeros(loc.size - 1, dtype=np.int64)
            real = loc[1:] >= 0
            if real.any():
                a, b = loc[:-1][real], loc[1:][real]
                leg_m[real] = self._lookup.distances_m(a, b, self.courier.profile)
            object.__setattr__(self, "_leg_m", leg_m)  # a cache on a frozen object
            return leg_m
        return self._leg_m

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
        facts, win_ptr, windows = point_rows(pts, len(courier.capacity))
        loc = facts[:, LOC]
        legs = _leg_seconds(loc[:-1], loc[1:], courier.profile, lookup)
        refs = tuple(p.ref for p in pts)
        return CourierRoute._simulate(
            vehicle, courier, refs, (facts, win_ptr, windows, legs), lookup, baseline_busy_s
        )

    @staticmethod
    def _simulate(
        vehicle: int,
        courier: Courier,
        refs: tuple[str, ...],
        tables: tuple[IntArray, IntArray, IntArray, IntArray],
        lookup: PairLookup,
        baseline_busy_s: int | None,
    ) -> CourierRoute | None:
        """Earliest-start simulation of the points named ``refs`` from their tables
        ``(facts, win_ptr, windows, legs)``, compiled (:func:`._kernels.simulate`)."""
        from dispatch.incidental import _kernels

        facts, win_ptr, windows, legs = tables
        shift = courier.shift
        status, busy, tasks, schedule, load = _kernels.simulate(
            facts,
            win_ptr,
            windows,
            legs,
            shift.earliest_s,
            shift.latest_s,
            UNBOUNDED_S,
            _capacity_of(courier.capacity),
        )
        simulated = (status, busy, tasks, facts, win_ptr, windows, legs, schedule, load)
        return CourierRoute._made(vehicle, courier, refs, simulated, lookup, baseline_busy_s)

    @staticmethod
    def _made(
        vehicle: int,
        courier: Courier,
        refs: tuple[str, ...],
        simulated: tuple[int, int, int, IntArray, IntArray, IntArray, IntArray, IntArray, IntArray],
        lookup: PairLookup,
        baseline_busy_s: int | None,
    ) -> CourierRoute | None:
        """The route from a compiled simulation's results (see
        :func:`dispatch.incidental._kernels.insert_and_simulate`); None if a rule breaks."""
        status, busy, tasks, facts, win_ptr, windows, legs, schedule, load = simulated
        if status:
            return None
        if courier.max_tasks is not None and tasks > courier.max_tasks:
            return None
        baseline = busy if baseline_busy_s is None else baseline_busy_s
        budget = courier.detour_budget_s
        if budget is not None and busy - baseline > budget:
            return None
        return CourierRoute(
            vehicle=vehicle,
            courier=courier,
            refs=refs,
            baseline_busy_s=baseline,
            leg_s=legs,
            arrival_s=schedule[0],
            start_s=schedule[1],
            earliest_s=schedule[2],
            latest_s=schedule[3],
            load_after=load,
            tasks=tasks,
            busy_s=busy,
            facts=facts,
            win_ptr=win_ptr,
            windows=windows,
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
        return bool(self.location[-1] < 0)

    @property
    def n_stops(self) -> int:
        """Stops between the start and the end."""
        return len(self.refs) - 2

    @property
    def departure_s(self) -> IntArray:
        """Departure from each point."""
        return self.start_s + self.service_s

    def with_errand(
        self, pickup: Point, dropoff: Point, after_i: int, after_j: int, lookup: PairLookup
    ) -> CourierRoute | None:
        """The route with ``pickup`` after point ``after_i`` and ``dropoff`` after ``after_j``.

        Only the legs around the two new stops are looked up; the others are kept.
        """
        dims = self.facts.shape[1] - DELTA
        p_facts, _, p_windows = point_rows((pickup,), dims)
        d_facts, _, d_windows = point_rows((dropoff,), dims)
        rows = (p_facts[0], p_windows, d_facts[0], d_windows)
        return self.with_rows(pickup.ref, rows, after_i, after_j, lookup, dropoff.ref)

    def with_rows(
        self,
        ref: str,
        rows: ErrandRows,
        after_i: int,
        after_j: int,
        lookup: PairLookup,
        dropoff_ref: str | None = None,
    ) -> CourierRoute | None:
        """:meth:`with_errand` for an errand named ``ref`` given as its table rows
        (:meth:`ErrandRowTable.rows`): no point objects, which the matcher would keep for
        every errand it tries (``dropoff_ref`` defaults to ``ref``)."""
        from dispatch.incidental import _kernels

        p_facts, p_windows, d_facts, d_windows = rows
        dense = _dense_of(lookup)
        args = (
            self.facts,
            self.win_ptr,
            self.windows,
            self.leg_s,
            p_facts,
            p_windows,
            d_facts,
            d_windows,
            after_i,
            after_j,
        )
        shift = self.courier.shift
        rules = (
            shift.earliest_s,
            shift.latest_s,
            UNBOUNDED_S,
            _capacity_of(self.courier.capacity),
        )
        if dense is not None:
            place, durations = dense
            table = durations(self.courier.profile)
            if table.flags.writeable:
                table = _kernels.read_only(table)  # one compiled type: tables are read-only
            simulated = _kernels.insert_and_simulate(*args, table, place, _NO_LEGS, *rules)
        if dense is None or simulated[0] == _kernels.UNREACHABLE:
            # No dense table, or no path in it: the lookup answers (or names the pair).
            new = [int(p_facts[LOC]), int(d_facts[LOC])]
            loc = np.insert(self.location, [after_i + 1, after_j + 1], new)
            fresh = np.array(sorted({after_i, after_i + 1, after_j + 1, after_j + 2}))
            seconds = _leg_seconds(loc[fresh], loc[fresh + 1], self.courier.profile, lookup)
            simulated = _kernels.insert_and_simulate(*args, _NO_TABLE, _NO_LEGS, seconds, *rules)
        refs = (
            *self.refs[: after_i + 1],
            ref,
            *self.refs[after_i + 1 : after_j + 1],
            ref if dropoff_ref is None else dropoff_ref,
            *self.refs[after_j + 1 :],
        )
        return CourierRoute._made(
            self.vehicle, self.courier, refs, simulated, lookup, self.baseline_busy_s
        )

    def without(self, task: int, lookup: PairLookup) -> CourierRoute | None:
        """The route with errand ``task``'s two stops taken out (None if that breaks a rule)."""
        facts = self.facts
        keep = (facts[:, TASK] != task) | (facts[:, KIND] == OTHER)
        counts = np.diff(self.win_ptr)
        win_ptr = np.zeros(int(keep.sum()) + 1, dtype=np.int64)
        np.cumsum(counts[keep], out=win_ptr[1:])
        windows = self.windows[np.repeat(keep, counts)]
        kept = facts[keep]
        loc = kept[:, LOC]
        legs = _leg_seconds(loc[:-1], loc[1:], self.courier.profile, lookup)
        refs = tuple(ref for ref, k in zip(self.refs, keep.tolist(), strict=True) if k)
        return CourierRoute._simulate(
            self.vehicle,
            self.courier,
            refs,
            (kept, win_ptr, windows, legs),
            lookup,
            self.baseline_busy_s,
        )

    def roles(self) -> list[StopRole]:
        """Each point's role: the start, own stops, pickups and drop-offs, the end."""
        kinds = self.facts[:, KIND].tolist()
        roles = [_ROLE_OF[kind] for kind in kinds]
        roles[0], roles[-1] = StopRole.START, StopRole.END
        return roles

    def points(self) -> tuple[Point, ...]:
        """The route's points as objects (the tables, read back)."""
        facts = self.facts.tolist()
        windows = [TimeWindow(lo, hi) for lo, hi in self.windows.tolist()]
        ptr = self.win_ptr.tolist()
        return tuple(
            Point(
                role=role,
                ref=ref,
                location=row[LOC],
                windows=tuple(windows[ptr[k] : ptr[k + 1]]),
                service_s=row[SERVICE],
                delta=tuple(row[DELTA:]) if row[KIND] != OTHER else (),
                task=row[TASK],
                max_ride_s=None if row[MAX_RIDE] < 0 else row[MAX_RIDE],
            )
            for k, (role, ref, row) in enumerate(zip(self.roles(), self.refs, facts, strict=True))
        )

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
                role=role,
                ref=ref,
                arrival_s=arrival[k],
                start_s=start[k],
                departure_s=depart[k],
                load_after=loads[k],
            )
            for k, (role, ref) in enumerate(zip(self.roles(), self.refs, strict=True))
        )
        return Route(
            courier_id=self.courier.id,
            stops=stops,
            distance_m=int(self.leg_m.sum()),
            duration_s=stops[-1].arrival_s - stops[0].departure_s,
        )


def own_routes(
    couriers: Sequence[tuple[int, Courier]],
    index: Mapping[Location, int],
    lookup: PairLookup,
) -> list[CourierRoute | None]:
    """Each ``(vehicle, courier)``'s route of its own stops alone (None where they cannot
    all be served); ``index`` gives each location's index in ``lookup``.

    Made straight from the couriers, without point objects (a district has tens of
    thousands of own stops); the tables of all routes of a profile are made together
    and their legs looked up in one call.
    """
    groups: dict[tuple[TravelProfile, int], list[int]] = {}
    for k, (_, courier) in enumerate(couriers):
        groups.setdefault((courier.profile, len(courier.capacity)), []).append(k)
    out: list[CourierRoute | None] = [None] * len(couriers)
    for (profile, dims), members in groups.items():
        rows: list[tuple[int, int]] = []  # (location, service) of each point
        counts: list[int] = []  # windows of each point
        spans: list[tuple[int, int]] = []
        names: list[tuple[str, ...]] = []
        for k in members:
            courier = couriers[k][1]
            rows.append((index[courier.start], 0))
            counts.append(0)
            for own in courier.own_stops:
                rows.append((index[own.stop.location], own.stop.service_s))
                counts.append(len(own.stop.windows))
                spans += [(w.earliest_s, w.latest_s) for w in own.stop.windows]
            rows.append((-1 if courier.end is None else index[courier.end], 0))
            counts.append(0)
            names.append((courier.id, *(own.id for own in courier.own_stops), courier.id))
        facts = np.zeros((len(rows), DELTA + dims), dtype=np.int64)
        facts[:, [LOC, SERVICE]] = rows
        facts[:, [TASK, MAX_RIDE]] = -1  # kind OTHER, no errand, no ride, no load change
        win_ptr = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum(counts, out=win_ptr[1:])
        windows = np.array(spans, dtype=np.int64).reshape(-1, 2)
        sizes = np.array([len(refs) for refs in names], dtype=np.int64)
        first = np.cumsum(sizes) - sizes  # each route's first row
        loc = facts[:, LOC]
        inner = np.ones(loc.size, dtype=bool)  # legs leave every point but a route's last
        inner[first + sizes - 1] = False
        legs = np.zeros(loc.size, dtype=np.int64)
        leaves = np.flatnonzero(inner)
        legs[leaves] = _leg_seconds(loc[leaves], loc[leaves + 1], profile, lookup)
        for k, refs, lo, n in zip(members, names, first.tolist(), sizes.tolist(), strict=True):
            w_lo, w_hi = int(win_ptr[lo]), int(win_ptr[lo + n])
            tables = (
                facts[lo : lo + n],
                win_ptr[lo : lo + n + 1] - w_lo,
                windows[w_lo:w_hi],
                legs[lo : lo + n - 1],
            )
            v, courier = couriers[k]
            out[k] = CourierRoute._simulate(v, courier, refs, tables, lookup, None)
    return out


def plan_routes(routes: Sequence[CourierRoute]) -> tuple[Route, ...]:
    """:meth:`CourierRoute.to_route` of each route, their legs' lengths looked up together.

    One distance lookup per travel lookup and profile instead of one per route.
    """
    groups: dict[tuple[int, TravelProfile], list[CourierRoute]] = {}
    for route in routes:
        if route._leg_m is None:
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
            if route._leg_m is None:
                object.__setattr__(route, "_leg_m", legs)
    return tuple(route.to_route() for route in routes)
