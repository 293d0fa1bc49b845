"""Which couriers could possibly take an errand: a spatial index and time reasoning.

At city scale most (errand, courier) pairs are hopeless: the courier works on
the other side of the district, or passes the shop hours after it closes.
:func:`plausible_pairs` keeps only the pairs that pass two *necessary*
conditions, so the exact insertion kernel runs on a few candidates per errand
without ever missing a feasible one.

The rule
--------
Let ``v`` be a speed no path can beat, measured against straight lines: every
travel time satisfies ``t(a, b) >= |ab| / v`` (the travel provider's
``speed_bound_mps``), and let travel times obey the triangle inequality
(shortest-path times do, also after rounding up to whole seconds). A route is
the courier's points ``P_0`` (now) .. ``P_m+1`` (end); leg ``k`` runs from
``P_k`` to ``P_k+1`` in ``t_k`` seconds, departing ``P_k`` at ``dep_k``; the
courier may arrive at ``P_k+1`` as late as ``late_k+1`` without breaking
it or anything after it (waits absorb delays). An errand with pickup ``p`` (service
``s_p``, windows from ``e_p`` to ``l_p``) and drop-off ``d`` can go onto the
route only if some leg ``k`` admits ``p`` and some leg ``l >= k`` admits
``d``, where leg ``k`` admits a stop ``x`` when

1. detour: ``(|P_k x| + |x P_k+1|) / v - t_k + s_p + s_d <= B``, with ``B``
   the courier's remaining detour budget (``inf`` when it has none).
   Inserting ``x`` alone on leg ``k`` costs at least the left side; by the
   triangle inequality adding the other stop never makes that cheaper, so
   the whole insertion costs at least the smallest such bound.
   For an open end the last leg has no travel after ``x``: ``|P_m x| / v``.
   Geometrically, ``x`` lies in an ellipse with foci ``P_k``, ``P_k+1``,
   inside a disc around the leg's midpoint: a k-d tree over the errands'
   stops answers one disc query per leg.
2. arrival: ``dep_k + |P_k x| / v <= l_x``: the courier cannot be at ``x``
   sooner.
3. push: ``max(e_x, dep_k + |P_k x| / v) + s_x + |x P_k+1| / v <= late_k+1``:
   serving ``x`` on the way must still reach ``P_k+1`` by ``late_k+1``.

Each condition only drops insertions that the exact kernel would reject, so
the pruning never loses a feasible pair (``tests/incidental`` checks that
against brute force). It does not look at loads, kinds or caps; the matcher
filters those exactly. Couriers whose travel has no speed bound (an explicit
matrix) are kept for every errand their time reasoning allows.

Two ways to evaluate the rule
-----------------------------
With travel given per pair (coordinates, a graph searched on demand), the
straight-line bounds above select candidates through time buckets and k-d
trees, and the survivors are checked again with true travel times.

With a dense table among places (a :class:`~dispatch.travel.TravelTable`:
every road node to every road node), the conditions are evaluated exactly, on
true travel times, for every leg against every *stop group*: the errands'
stops grouped by place and by the hour their windows open and close, each
group standing for its members with the loosest of their windows and the
smallest of their service times (so a group that fails, fails for each
member). Each leg reads one row of the table for ``|P_k x|`` and one column
for ``|x P_k+1|``; the groups that pass are expanded to their stops and each
stop is checked on its own numbers. Unreachable places never admit a stop.
This is a scan of ``legs x groups`` small integers, a few hundred million
simple operations at 2,000 couriers and 5,000 errands, with no candidate
generation at all, and it keeps exactly the pairs that pass conditions 1-3
with true times, the set the first way ends with.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt
from scipy.spatial import cKDTree

__all__ = ["LegTable", "PlaceTables", "StopTable", "plausible_pairs"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: Seconds of slack on every float comparison, so rounding never prunes a feasible pair.
_EPS_S = 1e-6
#: Width of the time buckets legs and stops are sorted into before the spatial queries.
_BUCKET_S = 1800.0

#: Width of the window-time classes that split a place's stops into groups (dense path).
_GROUP_S = 3600
#: Stand-in for "unreachable" in the dense path, above every clipped time (:func:`_clip_s`);
#: the sums the conditions form stay far inside int32.
_FAR_S = 2**28
#: Cells (legs x stop groups) evaluated per block in the dense path.
_BLOCK_CELLS = 1 << 20

#: Threads scanning blocks in the dense path.
_WORKERS = max(1, min(4, os.cpu_count() or 1))

#: ``exact_s(from_loc, to_loc, profile)``: true travel seconds, elementwise.
ExactTravel = Callable[
    [npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]], npt.NDArray[np.int64]
]


@attrs.frozen(kw_only=True, eq=False)
class LegTable:
    """Every leg of every courier's current route, as parallel arrays (one row per leg).

    ``a_xy`` and ``b_xy`` are planar metres of the leg's ends (for a leg to an
    open end, ``b_xy`` is unused); ``courier`` and ``leg`` say whose leg it is
    and its position ``k``; ``travel_s`` is ``t_k``; ``depart_s`` is ``dep_k``;
    ``next_late_s`` is ``late_k+1``, the latest arrival at the leg's far end;
    ``open_end`` marks legs to an open end; ``budget_s`` is the courier's
    remaining detour budget (``inf`` = none); ``speed_mps`` is the courier's speed
    bound (``inf`` = no spatial pruning); ``a_loc``, ``b_loc`` (-1 for an open
    end) and ``profile`` are what :data:`ExactTravel` needs for true times.
    """

    courier: IntArray
    leg: IntArray
    a_xy: FloatArray
    b_xy: FloatArray
    travel_s: FloatArray
    depart_s: FloatArray
    next_late_s: FloatArray
    open_end: npt.NDArray[np.bool_]
    budget_s: FloatArray
    speed_mps: FloatArray
    a_loc: IntArray
    b_loc: IntArray
    profile: IntArray
    _by_profile: dict[int, tuple[PlaceTables, tuple[_LegGroup, ...]]] = attrs.field(
        factory=dict, init=False, repr=False
    )

    def __len__(self) -> int:
        return int(self.courier.shape[0])


@attrs.frozen(kw_only=True, eq=False)
class StopTable:
    """One stop per errand (all pickups, or all drop-offs): place, window span, service.

    ``earliest_s`` and ``latest_s`` span all of the stop's windows (the first
    opening and the last closing); ``other_service_s`` is the service time of
    the errand's other stop, which the detour also pays; ``loc`` is the stop's
    location index for :data:`ExactTravel`.
    """

    xy: FloatArray
    earliest_s: FloatArray
    latest_s: FloatArray
    service_s: FloatArray
    other_service_s: FloatArray
    loc: IntArray

    def __len__(self) -> int:
        return int(self.xy.shape[0])


@attrs.frozen(kw_only=True, eq=False)
class PlaceTables:
    """Dense travel for the exact path: each location's place and a table per profile.

    ``place[loc]`` is location ``loc``'s row; ``durations(code)`` is the square
    table of travel seconds among all places for the profile with that code
    (``LegTable.profile``), ``-1`` where there is no path.
    """

    place: IntArray
    durations: Callable[[int], npt.NDArray[np.signedinteger[Any]]]


def _stop_groups(stops: StopTable, place: IntArray) -> tuple[IntArray, IntArray, IntArray]:
    """Stops grouped by place and window-time class: (group of each stop, order, starts)."""
    key = np.stack(
        [
            place[stops.loc],
            np.floor_divide(stops.earliest_s, _GROUP_S).astype(np.int64),
            np.floor_divide(np.minimum(stops.latest_s, 2.0**40), _GROUP_S).astype(np.int64),
        ]
    )
    _, group = np.unique(key, axis=1, return_inverse=True)
    group = group.reshape(-1)
    order = np.argsort(group, kind="stable")
    starts = np.searchsorted(group[order], np.arange(int(group.max()) + 2))
    return group, order, starts


def _clip_s(values: FloatArray) -> npt.NDArray[np.int32]:
    """Seconds as int32, with infinities and huge values clipped to +-2**27 (4 years)."""
    return np.clip(values, -(2.0**27), 2.0**27).astype(np.int32)


_LegGroup = tuple[int, IntArray, IntArray, IntArray, IntArray, IntArray]


def _legs_by_profile(legs: LegTable, places: PlaceTables) -> tuple[_LegGroup, ...]:
    """Per profile: (code, legs by departure, their start places and each leg's row among
    them, their end places and each leg's row among them, ``len(end places)`` for an open end).

    Depends on the legs only, so it is kept with the table for later calls.
    """
    cached = legs._by_profile.get(id(places))
    if cached is not None and cached[0] is places:
        return cached[1]
    out: list[_LegGroup] = []
    for code in np.unique(legs.profile).tolist():
        sel = np.flatnonzero(legs.profile == code)
        sel = sel[np.argsort(legs.depart_s[sel], kind="stable")]
        a_place, a_row = np.unique(places.place[legs.a_loc[sel]], return_inverse=True)
        closed = ~legs.open_end[sel]
        b_place, b_row = np.unique(places.place[legs.b_loc[sel][closed]], return_inverse=True)
        back_row = np.full(sel.size, b_place.size, np.int64)
        back_row[closed] = b_row.reshape(-1)
        out.append((int(code), sel, a_place, a_row.reshape(-1), b_place, back_row))
    legs._by_profile[id(places)] = (places, tuple(out))
    return tuple(out)


def _admitting_legs_dense(
    legs: LegTable,
    stops: StopTable,
    places: PlaceTables,
    transposed: dict[int, npt.NDArray[np.signedinteger[Any]]] | None = None,
) -> tuple[IntArray, IntArray]:
    """(stop, leg) pairs where the leg admits the stop by conditions 1-3 on true times.

    ``transposed`` keeps each profile's table transposed (filled on first use) for a
    second call with other stops on the same legs.
    """
    if len(stops) == 0 or len(legs) == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    transposed = {} if transposed is None else transposed
    group, order, starts = _stop_groups(stops, places.place)
    n_groups = starts.size - 1
    # Group aggregates: the loosest window, the smallest services (sound for every member).
    col_place = np.empty(n_groups, np.int64)
    col_place[group] = places.place[stops.loc]
    e_min = np.full(n_groups, np.inf)
    np.minimum.at(e_min, group, stops.earliest_s)
    l_max = np.full(n_groups, -np.inf)
    np.maximum.at(l_max, group, stops.latest_s)
    svc = np.full(n_groups, np.inf)
    np.minimum.at(svc, group, stops.service_s)
    both = np.full(n_groups, np.inf)
    np.minimum.at(both, group, stops.service_s + stops.other_service_s)
    # Columns in order of their latest time, so a block of legs that all depart after
    # some time only scans the columns still open then (a suffix).
    by_late = np.argsort(l_max, kind="stable")
    col_place, l_max = col_place[by_late], l_max[by_late]
    g_early, g_late = _clip_s(e_min[by_late]), _clip_s(l_max)
    g_svc, g_both = _clip_s(svc[by_late]), _clip_s(both[by_late])

    leg_s = np.where(legs.open_end, 0.0, legs.travel_s)
    depart_all = _clip_s(legs.depart_s)
    late_all = _clip_s(legs.next_late_s)
    limit_all = _clip_s(legs.budget_s + leg_s)
    found: list[tuple[IntArray, IntArray, npt.NDArray[np.int32], npt.NDArray[np.int32]]] = []
    for code, sel, a_place, a_row, b_place, back_row in _legs_by_profile(legs, places):
        table = places.durations(code)
        # to_both[row, x] = |P_k x| + the group's smallest services: condition 1's left side
        # less |x P_k+1|, which the scan adds.
        to_both = np.take(np.take(table, a_place, axis=0), col_place, axis=1).astype(
            np.int32, copy=False
        )
        to_both[to_both < 0] = _FAR_S
        to_both += g_both
        # Row len(b_place) is the open end: no travel after the stop.
        if code not in transposed:
            transposed[code] = np.ascontiguousarray(table.T)
        from_group = np.empty((b_place.size + 1, n_groups), np.int32)
        np.take(
            np.take(transposed[code], b_place, axis=0).astype(np.int32, copy=False),
            col_place,
            axis=1,
            out=from_group[:-1],
        )
        from_group[-1] = 0
        from_group[from_group < 0] = _FAR_S
        step = max(1, _BLOCK_CELLS // max(n_groups, 1))

        def scan(
            lo: int,
            sel: IntArray = sel,
            a_row: IntArray = a_row,
            back_row: IntArray = back_row,
            to_both: npt.NDArray[np.int32] = to_both,
            from_group: npt.NDArray[np.int32] = from_group,
            step: int = step,
        ) -> tuple[IntArray, IntArray, npt.NDArray[np.int32], npt.NDArray[np.int32]] | None:
            rows = sel[lo : lo + step]
            first = int(np.searchsorted(l_max, legs.depart_s[rows[0]], side="left"))
            if first == n_groups:
                return None
            # 1. detour: |P_k x| + |x P_k+1| - t_k + services <= B, over the whole block.
            total = to_both[a_row[lo : lo + step], first:]
            back = from_group[back_row[lo : lo + step], first:]
            total += back
            hit = np.flatnonzero(total <= limit_all[rows][:, None])
            # 2. and 3. on the cells that pass 1 (a few per cent).
            r, c = np.divmod(hit, n_groups - first)
            back_s = back[r, c]
            to_s = total[r, c] - back_s
            c += first
            to_s -= g_both[c]
            leg = rows[r]
            # 2. arrival: dep_k + |P_k x| <= l_x.
            arrive = to_s + depart_all[leg]
            ok = arrive <= g_late[c]
            # 3. push: max(e_x, arrival) + s_x + |x P_k+1| <= late_k+1.
            np.maximum(arrive, g_early[c], out=arrive)
            arrive += g_svc[c]
            arrive += back_s
            ok &= arrive <= late_all[leg]
            return leg[ok], by_late[c[ok]], to_s[ok], back_s[ok]

        blocks = range(0, sel.size, step)
        if len(blocks) == 1 or _WORKERS == 1:
            found += [part for part in map(scan, blocks) if part]
            continue
        # NumPy releases the GIL inside these array operations: blocks run on every core.
        with ThreadPoolExecutor(max_workers=_WORKERS) as pool:
            found += [part for part in pool.map(scan, blocks) if part]
    if not found:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    leg, col, to_s, back_s = (np.concatenate(parts) for parts in zip(*found, strict=True))
    # Expand each admitted group to its stops, then check every stop on its own numbers.
    counts = starts[col + 1] - starts[col]
    first = np.repeat(starts[col] - np.cumsum(counts) + counts, counts)
    s = order[first + np.arange(int(counts.sum()))]
    g = np.repeat(leg, counts)
    to_x = np.repeat(to_s, counts).astype(float)
    from_x = np.repeat(back_s, counts).astype(float)
    ok = _conditions(legs, stops, s, g, to_x, from_x)
    return s[ok].astype(np.int64), g[ok].astype(np.int64)


def _bucketed_pairs(
    legs: LegTable,
    stops: StopTable,
    finite: npt.NDArray[np.bool_],
    centre: FloatArray,
    radius: FloatArray,
) -> tuple[IntArray, IntArray]:
    """(stop, leg) pairs whose time spans overlap and, for legs with a speed bound, whose
    stop lies in the leg's disc. Legs and stops are sorted into time buckets; a k-d tree
    per bucket answers the disc queries."""
    # A leg can take a stop only between leaving P_k and the latest arrival at P_k+1
    # (conditions 2 and 3), and the stop only within its windows' span: the spans overlap.
    leg_lo, leg_hi = legs.depart_s, np.maximum(legs.next_late_s, legs.depart_s)
    t_min, t_max = float(leg_lo.min()), float(leg_hi.max())
    stop_lo = np.clip(stops.earliest_s, t_min, t_max)
    stop_hi = np.clip(stops.latest_s, t_min, t_max)
    live = (stops.latest_s >= t_min) & (stops.earliest_s <= t_max)
    leg_b0 = ((leg_lo - t_min) // _BUCKET_S).astype(np.int64)
    leg_b1 = ((leg_hi - t_min) // _BUCKET_S).astype(np.int64)
    stop_b0 = ((stop_lo - t_min) // _BUCKET_S).astype(np.int64)
    stop_b1 = ((stop_hi - t_min) // _BUCKET_S).astype(np.int64)

    def expand(
        b0: IntArray, b1: IntArray, keep: npt.NDArray[np.bool_]
    ) -> tuple[IntArray, IntArray]:
        rows = np.flatnonzero(keep)
        counts = (b1 - b0 + 1)[rows]
        owner = np.repeat(rows, counts)
        offset = np.arange(owner.size) - np.repeat(np.cumsum(counts) - counts, counts)
        return owner, b0[owner] + offset

    leg_of, leg_bucket = expand(leg_b0, leg_b1, np.ones(len(legs), dtype=bool))
    stop_of, stop_bucket = expand(stop_b0, stop_b1, live)
    leg_order = np.argsort(leg_bucket, kind="stable")
    stop_order = np.argsort(stop_bucket, kind="stable")
    leg_of, leg_bucket = leg_of[leg_order], leg_bucket[leg_order]
    stop_of, stop_bucket = stop_of[stop_order], stop_bucket[stop_order]
    buckets = np.intersect1d(leg_bucket, stop_bucket)
    leg_start = np.searchsorted(leg_bucket, buckets)
    leg_end = np.searchsorted(leg_bucket, buckets, side="right")
    stop_start = np.searchsorted(stop_bucket, buckets)
    stop_end = np.searchsorted(stop_bucket, buckets, side="right")
    out_s: list[IntArray] = []
    out_g: list[IntArray] = []

    def keep_first(bucket: int, s_new: IntArray, g_new: IntArray) -> None:
        # A pair whose spans share several buckets is kept in the first one only.
        first = np.maximum(leg_b0[g_new], stop_b0[s_new]) == bucket
        out_s.append(s_new[first])
        out_g.append(g_new[first])

    for bucket, a, b, c, d in zip(
        buckets.tolist(), leg_start, leg_end, stop_start, stop_end, strict=True
    ):
        in_legs, in_stops = leg_of[a:b], stop_of[c:d]
        spatial = in_legs[finite[in_legs]]
        if spatial.size:
            tree = cKDTree(stops.xy[in_stops])
            hits = tree.query_ball_point(
                centre[spatial], radius[spatial] + 1e-6, workers=-1, return_sorted=False
            )
            counts = np.fromiter((len(h) for h in hits), dtype=np.int64, count=len(hits))
            total = int(counts.sum())
            if total:
                local = np.fromiter(itertools.chain.from_iterable(hits), np.int64, total)
                keep_first(bucket, in_stops[local], np.repeat(spatial, counts))
        blind = in_legs[~finite[in_legs]]
        if blind.size:
            keep_first(bucket, np.tile(in_stops, blind.size), np.repeat(blind, in_stops.size))
    if not out_s:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    return np.concatenate(out_s), np.concatenate(out_g)


def _admitting_legs(
    legs: LegTable, stops: StopTable, exact_s: ExactTravel | None = None
) -> tuple[IntArray, IntArray]:
    """(stop, leg) index pairs where the leg admits the stop by conditions 1-3."""
    n_stops = len(stops)
    if n_stops == 0 or len(legs) == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    finite = np.isfinite(legs.speed_mps)
    # Condition 1 bounds |P_k x| + |x P_k+1| by v (t_k + B), condition 3 by v (late - dep);
    # t_k + min(B, late - dep) is at least the smaller of the two, so the disc is safe.
    room = np.minimum(legs.budget_s, np.maximum(legs.next_late_s - legs.depart_s, 0.0))
    speed = np.where(finite, legs.speed_mps, 0.0)  # legs without a bound skip the tree
    reach_m = speed * (legs.travel_s + room)  # |P_k x| + |x P_k+1| <= reach
    centre = np.where(legs.open_end[:, None], legs.a_xy, (legs.a_xy + legs.b_xy) / 2)
    radius = np.where(legs.open_end, speed * room, reach_m / 2)
    s, g = _bucketed_pairs(legs, stops, finite, centre, radius)
    if s.size == 0:
        return s, g

    v = legs.speed_mps[g]
    with np.errstate(divide="ignore", invalid="ignore"):
        to_x = np.where(np.isfinite(v), np.hypot(*(stops.xy[s] - legs.a_xy[g]).T) / v, 0.0)
        from_x = np.where(
            np.isfinite(v) & ~legs.open_end[g],
            np.hypot(*(legs.b_xy[g] - stops.xy[s]).T) / v,
            0.0,
        )
    ok = _conditions(legs, stops, s, g, to_x, from_x)
    s, g = s[ok], g[ok]
    if exact_s is not None and s.size:
        # The same conditions with the true travel times: the exact cost of inserting
        # the stop alone on the leg, still a necessary condition for the errand.
        to_x = exact_s(legs.a_loc[g], stops.loc[s], legs.profile[g]).astype(float)
        closed = ~legs.open_end[g]
        from_x = np.zeros(s.size)
        if closed.any():
            from_x[closed] = exact_s(
                stops.loc[s][closed], legs.b_loc[g][closed], legs.profile[g][closed]
            )
        ok = _conditions(legs, stops, s, g, to_x, from_x)
        s, g = s[ok], g[ok]
    return s, g


def _conditions(
    legs: LegTable,
    stops: StopTable,
    s: IntArray,
    g: IntArray,
    to_x: FloatArray,
    from_x: FloatArray,
) -> npt.NDArray[np.bool_]:
    """Conditions 1-3 for (stop, leg) pairs, given (lower bounds on) the travel times."""
    leg_s = np.where(legs.open_end[g], 0.0, legs.travel_s[g])
    services = stops.service_s[s] + stops.other_service_s[s]
    arrive = legs.depart_s[g] + to_x
    ok = to_x + from_x - leg_s + services <= legs.budget_s[g] + _EPS_S
    ok &= arrive <= stops.latest_s[s] + _EPS_S
    begin = np.maximum(stops.earliest_s[s], arrive)
    ok &= begin + stops.service_s[s] + from_x <= legs.next_late_s[g] + _EPS_S
    return ok


def plausible_pairs(
    legs: LegTable,
    pickups: StopTable,
    dropoffs: StopTable,
    n_couriers: int,
    exact_s: ExactTravel | None = None,
    places: PlaceTables | None = None,
) -> tuple[IntArray, IntArray]:
    """(errand, courier) pairs that pass the pruning rule, sorted by errand then courier.

    ``pickups[e]`` and ``dropoffs[e]`` are errand ``e``'s two stops. With
    ``exact_s``, the pairs that pass on straight lines are checked again with
    the true travel times (same conditions, exact single-stop insertion costs).

    Examples
    --------
    One courier rides from (0, 0) to (1000, 0) in 200 s at most 5 m/s, with 60 s
    to spare; an errand beside the road fits, one 2 km away does not.

    >>> legs = LegTable(courier=np.array([0]), leg=np.array([0]),
    ...     a_xy=np.array([[0.0, 0.0]]), b_xy=np.array([[1000.0, 0.0]]),
    ...     travel_s=np.array([200.0]), depart_s=np.array([0.0]),
    ...     next_late_s=np.array([900.0]), open_end=np.array([False]),
    ...     budget_s=np.array([60.0]), speed_mps=np.array([5.0]),
    ...     a_loc=np.array([0]), b_loc=np.array([1]), profile=np.array([0]))
    >>> def stops(xy):
    ...     n = len(xy)
    ...     return StopTable(xy=np.array(xy, float), earliest_s=np.zeros(n),
    ...                      latest_s=np.full(n, 900.0), service_s=np.zeros(n),
    ...                      other_service_s=np.zeros(n), loc=np.arange(n) + 2)
    >>> plausible_pairs(legs, stops([[300, 10], [500, 2000]]), stops([[700, 5], [600, 0]]), 1)
    (array([0]), array([0]))
    """
    if len(pickups) != len(dropoffs):
        raise ValueError("pickups and dropoffs must describe the same errands")
    if places is not None:
        transposed: dict[int, npt.NDArray[np.signedinteger[Any]]] = {}
        ps, pg = _admitting_legs_dense(legs, pickups, places, transposed)
        ds, dg = _admitting_legs_dense(legs, dropoffs, places, transposed)
        del transposed
    else:
        ps, pg = _admitting_legs(legs, pickups, exact_s)
        ds, dg = _admitting_legs(legs, dropoffs, exact_s)
    n = max(n_couriers, 1)
    if ps.size == 0 or ds.size == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    # Earliest leg admitting the pickup and latest admitting the drop-off, per pair: one sort
    # of (pair, leg) keys each, the first of every pair's run being the one wanted.
    span = int(legs.leg.max()) + 1
    p_keys, first_pickup_leg = _first_per_pair(ps * n + legs.courier[pg], legs.leg[pg], span)
    d_keys, flipped = _first_per_pair(ds * n + legs.courier[dg], span - 1 - legs.leg[dg], span)
    last_dropoff_leg = span - 1 - flipped
    at = np.minimum(np.searchsorted(d_keys, p_keys), d_keys.size - 1)
    keep = (d_keys[at] == p_keys) & (first_pickup_leg <= last_dropoff_leg[at])
    keys = p_keys[keep]
    return keys // n, keys % n


def _first_per_pair(pair: IntArray, rank: IntArray, span: int) -> tuple[IntArray, IntArray]:
    """Distinct ``pair`` values, sorted, with the smallest ``rank`` (``0 <= rank < span``)
    of each."""
    key = np.sort(pair * span + rank)
    pairs = key // span
    head = np.ones(key.size, dtype=bool)
    np.not_equal(pairs[1:], pairs[:-1], out=head[1:])
    return pairs[head], key[head] - pairs[head] * span
