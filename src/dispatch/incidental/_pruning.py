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
true travel times, in compiled code (:mod:`dispatch.incidental._kernels`).
The errands' stops are grouped by place and by the hour their windows open and
close, each group standing for its members with the loosest of their windows
and the smallest of their service times (so a group that fails, fails for each
member). Each leg reads one row of the table for ``|P_k x|`` and one row of
its transpose for ``|x P_k+1|``, for every place ``x`` at once, and keeps the
places where condition 1 holds for the cheapest group there; the groups at
those places are checked on their aggregates (conditions 1-3), and the stops
of the groups that pass on their own numbers. Unreachable places never admit a
stop. Per courier and errand only the first leg admitting the pickup and the
last admitting the drop-off are kept, which is all the pairing below reads.
This is a pass over ``legs x places with stops`` small integers, with no
candidate generation at all, and it keeps exactly the pairs that pass
conditions 1-3 with true times, the set the first way ends with.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt
from scipy.spatial import cKDTree

from dispatch.incidental._arrays import distinct, lex_order

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
#: Threads scanning legs in the dense path.
_WORKERS = max(1, min(4, os.cpu_count() or 1))
#: A travel time read down a table's column (a cache miss each) against one cell copied by
#: the tiled transpose: below one read per this many cells, the columns are read instead
#: (:meth:`PlaceTables.transposed_for`).
COLUMN_READ_COST = 16

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
    :meth:`transposed` keeps each profile's table transposed once made, so that
    travel *to* a place is read along a row too (as much memory again as the tables).
    """

    place: IntArray
    durations: Callable[[int], npt.NDArray[np.signedinteger[Any]]]
    _transposed: dict[int, npt.NDArray[np.signedinteger[Any]]] = attrs.field(
        factory=dict, init=False, repr=False
    )

    def transposed(self, code: int) -> npt.NDArray[np.signedinteger[Any]]:
        """Profile ``code``'s table transposed, with one more row of zeros at the end (the
        travel after an open end); made on first use and kept."""
        from dispatch.incidental import _kernels  # numba: imported on first use

        table = self._transposed.get(code)
        if table is None:
            source = _kernels.read_only(self.durations(code))
            workers = _WORKERS if source.shape[0] >= 1024 else 1
            made = _kernels.transpose(source, workers)
            table = self._transposed[code] = _kernels.read_only(made)
        return table

    def transposed_for(self, code: int, reads: int) -> npt.NDArray[np.signedinteger[Any]]:
        """:meth:`transposed`, or an empty table when it is not made yet and ``reads``
        travel times *to* places are fewer than the table's cells over
        ``COLUMN_READ_COST``: the kernels then read them down the table's columns.

        A request for one errand reads a few columns; transposing a city's table for it
        took 2.1 s of a first 2.4 s :meth:`Matcher.recommend` at 5,000 couriers.
        """
        from dispatch.incidental import _kernels  # numba: imported on first use

        kept = self._transposed.get(code)
        if kept is not None:
            return kept
        table = self.durations(code)
        if reads * COLUMN_READ_COST < table.shape[0] * table.shape[1]:
            return _kernels.read_only(np.zeros((0, 0), dtype=table.dtype))
        return self.transposed(code)


def _stop_groups(stops: StopTable, place: IntArray) -> tuple[IntArray, IntArray, IntArray]:
    """Stops grouped by place and window-time class: (group of each stop, order, starts)."""
    keys = (
        np.floor_divide(np.minimum(stops.latest_s, 2.0**40), _GROUP_S).astype(np.int64),
        np.floor_divide(stops.earliest_s, _GROUP_S).astype(np.int64),
        place[stops.loc],
    )
    # Numbered in the order of (place, opening class, closing class): one sort.
    order = lex_order(*keys)
    sorted_keys = np.stack([key[order] for key in keys])
    head = np.ones(order.size, dtype=bool)
    head[1:] = (sorted_keys[:, 1:] != sorted_keys[:, :-1]).any(axis=0)
    group = np.empty(order.size, dtype=np.int64)
    group[order] = np.cumsum(head) - 1
    starts = np.append(np.flatnonzero(head), order.size)
    return group, order, starts


def _clip_s(values: FloatArray) -> npt.NDArray[np.int32]:
    """Seconds as int32, with infinities and huge values clipped to +-2**27 (4 years)."""
    return np.clip(values, -(2.0**27), 2.0**27).astype(np.int32)


_LegGroup = tuple[int, IntArray, IntArray, IntArray, IntArray, IntArray]


def _legs_by_profile(legs: LegTable, places: PlaceTables) -> tuple[_LegGroup, ...]:
    """Per profile: (code, legs by courier and position on the route, their start places and
    each leg's row among them, their end places and each leg's row among them,
    ``len(end places)`` for an open end).

    Depends on the legs only, so it is kept with the table for later calls.
    """
    cached = legs._by_profile.get(id(places))
    if cached is not None and cached[0] is places:
        return cached[1]
    out: list[_LegGroup] = []
    for code in np.unique(legs.profile).tolist():
        sel = np.flatnonzero(legs.profile == code)
        sel = sel[lex_order(legs.leg[sel], legs.courier[sel])]  # each route's legs in order
        a_place, a_row = distinct(places.place[legs.a_loc[sel]])
        closed = ~legs.open_end[sel]
        b_place, b_row = distinct(places.place[legs.b_loc[sel][closed]])
        back_row = np.full(sel.size, b_place.size, np.int64)
        back_row[closed] = b_row.reshape(-1)
        out.append((int(code), sel, a_place, a_row.reshape(-1), b_place, back_row))
    legs._by_profile[id(places)] = (places, tuple(out))
    return tuple(out)


@attrs.frozen(eq=False)
class _Groups:
    """The stops of several stop tables, numbered in one sequence (table by table), and
    their groups, numbered place by place, as the dense scan reads them.

    Per place: its groups (rows ``place_first[p]:place_first[p + 1]``) and the smallest
    services among them (``place_both_s``, ``_FAR_S`` where there is none); ``occupied``
    lists the places with groups. Per group, one row of ``group_s`` (int32 seconds): the
    smallest services of both stops, the loosest window's close and opening, the smallest
    service; and its stops, ``members[member_first[g]:member_first[g + 1]]``. Per member,
    in the same order, one row of ``member_s`` (float64 seconds): both stops' services,
    its own service, its windows' last close and first opening.
    """

    stop_offset: IntArray  # where each table's stops start in the sequence (and the total)
    place_first: IntArray
    occupied: IntArray  # the places with groups, ascending
    place_both_s: npt.NDArray[np.int32]
    group_s: npt.NDArray[np.int32]  # (groups, 4): BOTH, LATE, EARLY, SERVICE
    member_first: IntArray
    members: IntArray
    member_s: FloatArray  # (members, 4): BOTH, SERVICE, LATE, EARLY

    @staticmethod
    def of(tables: Sequence[StopTable], place: IntArray, n_places: int) -> _Groups:
        parts: list[list[FloatArray | IntArray]] = []
        offset = 0
        for stops in tables:
            group, order, starts = _stop_groups(stops, place)
            n_groups = starts.size - 1
            # Group aggregates: the loosest window, the smallest services (sound for every
            # member).
            at = np.empty(n_groups, np.int64)
            at[group] = place[stops.loc]
            e_min = np.full(n_groups, np.inf)
            np.minimum.at(e_min, group, stops.earliest_s)
            l_max = np.full(n_groups, -np.inf)
            np.maximum.at(l_max, group, stops.latest_s)
            svc = np.full(n_groups, np.inf)
            np.minimum.at(svc, group, stops.service_s)
            both = np.full(n_groups, np.inf)
            np.minimum.at(both, group, stops.service_s + stops.other_service_s)
            size = starts[1:] - starts[:-1]
            parts.append([at, e_min, l_max, svc, both, order + offset, starts[:-1] + offset, size])
            offset += len(stops)
        at, e_min, l_max, svc, both, members, first, size = (
            np.concatenate(x) for x in zip(*parts, strict=True)
        )
        # Renumber the groups place by place, their members with them.
        by_place = np.argsort(at, kind="stable")
        size = size[by_place]
        member_first = np.concatenate([[0], np.cumsum(size)])
        members = members[
            np.repeat(first[by_place] - member_first[:-1], size) + np.arange(int(member_first[-1]))
        ]
        at = at[by_place]
        group_s = _clip_s(np.stack([both, l_max, e_min, svc], axis=1)[by_place])
        place_both = np.full(n_places, _FAR_S, np.int32)
        np.minimum.at(place_both, at, group_s[:, 0])
        early, late, service, other = (
            np.concatenate([getattr(stops, name) for stops in tables])[members]
            for name in ("earliest_s", "latest_s", "service_s", "other_service_s")
        )
        return _Groups(
            stop_offset=np.cumsum([0] + [len(stops) for stops in tables]),
            place_first=np.searchsorted(at, np.arange(n_places + 1)),
            occupied=np.unique(at),
            place_both_s=place_both,
            group_s=np.ascontiguousarray(group_s),
            member_first=member_first,
            members=members,
            member_s=np.stack([service + other, service, late, early], axis=1),
        )


def _admitting_legs_dense(
    legs: LegTable, pickups: StopTable, dropoffs: StopTable, places: PlaceTables
) -> tuple[tuple[IntArray, IntArray], tuple[IntArray, IntArray]]:
    """(stop, leg) pairs where the leg admits the stop by conditions 1-3 on true times:
    for pickups the first such leg of each courier, for drop-offs the last.

    Each leg reads its row of the table (``|P_k x|`` for every place ``x`` with stops) and
    its row of the transposed table (``|x P_k+1|``); it keeps the places where condition 1
    holds for the smallest services of any group there, checks the groups at those places
    on their aggregates (conditions 1-3) and then the stops of the groups that pass on their
    own numbers, all in compiled code (:func:`dispatch.incidental._kernels.admitted`). The
    transposed tables are kept with ``places`` (see :meth:`PlaceTables.transposed`).
    """
    from dispatch.incidental import _kernels  # numba: imported on first use, not with dispatch

    empty = (np.empty(0, np.int64), np.empty(0, np.int64))
    if len(legs) == 0 or len(pickups) == 0 or len(dropoffs) == 0:
        return empty, empty
    by_profile = _legs_by_profile(legs, places)
    n_places = int(places.durations(by_profile[0][0]).shape[0])
    groups = _Groups.of((pickups, dropoffs), places.place, n_places)
    keep_last = np.arange(int(groups.stop_offset[-1])) >= groups.stop_offset[1]
    leg_s = np.where(legs.open_end, 0.0, legs.travel_s)
    depart_all = _clip_s(legs.depart_s)
    late_all = _clip_s(legs.next_late_s)
    limit_all = _clip_s(legs.budget_s + leg_s)
    found: list[tuple[IntArray, IntArray]] = []
    for code, sel, a_place, a_row, b_place, back_row in by_profile:
        table = _kernels.read_only(places.durations(code))
        # Row n_places of the transposed table is the open end: no travel after the stop.
        transposed = places.transposed_for(code, sel.size * groups.occupied.size)
        a_at = a_place[a_row]
        b_at = np.append(b_place, n_places)[back_row]
        # Blocks of whole couriers (their legs are together), one per thread.
        workers = min(_WORKERS, max(1, sel.size // 1024))
        cuts = np.searchsorted(
            legs.courier[sel], legs.courier[sel[(np.arange(1, workers) * sel.size) // workers]]
        )
        blocks = np.split(np.arange(sel.size), cuts)

        def scan(
            rows: IntArray,
            sel: IntArray = sel,
            a_at: IntArray = a_at,
            b_at: IntArray = b_at,
            table: npt.NDArray[np.signedinteger[Any]] = table,
            transposed: npt.NDArray[np.signedinteger[Any]] = transposed,
        ) -> tuple[IntArray, IntArray]:
            pairs: tuple[IntArray, IntArray] = _kernels.admitted(
                sel[rows],
                legs.courier,
                a_at[rows],
                b_at[rows],
                table,
                transposed,
                _FAR_S,
                limit_all,
                depart_all,
                late_all,
                groups.occupied,
                groups.place_both_s,
                groups.place_first,
                groups.group_s,
                groups.member_first,
                groups.members,
                groups.member_s,
                keep_last,
                leg_s,
                legs.depart_s,
                legs.next_late_s,
                legs.budget_s,
                _EPS_S,
            )
            return pairs

        if len(blocks) == 1:
            found.append(scan(blocks[0]))
        else:
            # The compiled scan releases the GIL: blocks run on every core.
            with ThreadPoolExecutor(max_workers=len(blocks)) as pool:
                found += list(pool.map(scan, blocks))
    stop, leg = (np.concatenate(parts) for parts in zip(*found, strict=True))
    is_pickup = stop < groups.stop_offset[1]
    dropoff = ~is_pickup
    return (stop[is_pickup], leg[is_pickup]), (stop[dropoff] - groups.stop_offset[1], leg[dropoff])


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
        (ps, pg), (ds, dg) = _admitting_legs_dense(legs, pickups, dropoffs, places)
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
