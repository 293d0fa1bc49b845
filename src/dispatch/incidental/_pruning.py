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
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import attrs
import numpy as np
import numpy.typing as npt
from scipy.spatial import cKDTree

__all__ = ["LegTable", "StopTable", "plausible_pairs"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: Seconds of slack on every float comparison, so rounding never prunes a feasible pair.
_EPS_S = 1e-6
#: Width of the time buckets legs and stops are sorted into before the spatial queries.
_BUCKET_S = 1800.0

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
    ps, pg = _admitting_legs(legs, pickups, exact_s)
    ds, dg = _admitting_legs(legs, dropoffs, exact_s)
    n = max(n_couriers, 1)
    p_key = ps * n + legs.courier[pg]
    d_key = ds * n + legs.courier[dg]
    if p_key.size == 0 or d_key.size == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    # Earliest leg admitting the pickup and latest admitting the drop-off, per pair.
    p_order = np.lexsort((legs.leg[pg], p_key))
    p_keys, p_first = np.unique(p_key[p_order], return_index=True)
    first_pickup_leg = legs.leg[pg][p_order][p_first]
    d_order = np.lexsort((-legs.leg[dg], d_key))
    d_keys, d_first = np.unique(d_key[d_order], return_index=True)
    last_dropoff_leg = legs.leg[dg][d_order][d_first]
    keys, pi, di = np.intersect1d(p_keys, d_keys, assume_unique=True, return_indices=True)
    keep = first_pickup_leg[pi] <= last_dropoff_leg[di]
    keys = keys[keep]
    return keys // n, keys % n
