"""Compiled loops of the incidental matcher (numba), imported on first use.

The hot loops of :mod:`dispatch.incidental` run here, compiled by numba:

- :func:`insertions` (with :func:`route_tables`): the forward-slack insertion kernel of
  :mod:`dispatch.incidental._insertion` (the rules and why they hold are in that module's
  docstring), one candidate at a time, the cells ``(i, j)`` row by row with early exits,
  instead of some twenty numpy passes over ``(m+1, m+1, C)`` grids;
- :func:`admitted`: the pruning's scan of route legs against the places and groups of
  the errands' stops (:mod:`dispatch.incidental._pruning`), in one pass, no temporaries;
- :func:`dense_travel` and :func:`transpose`: reading candidates' travel from the dense
  tables along rows (the matcher's pricing);
- :func:`simulate` and :func:`insert_pair`: a courier's route as a table of points, its
  earliest-start schedule simulated in full, and an errand's two stops put into it
  (:class:`dispatch.incidental._route.CourierRoute`).

The callers import this module inside the functions that need it, so ``import dispatch``
does not import numba (0.2-0.4 s on the development machine).

Compiled code is cached on disk (``cache=True``), in the first writable of:
``$NUMBA_CACHE_DIR`` if set, the ``__pycache__`` folder beside this file, numba's
user-wide cache (``~/.cache/numba`` or the platform's equivalent). A process that finds
the cache loads each kernel on its first call (0.1-0.4 s each on the development machine,
about a second in all); one that does not compiles them (some 20 s in all while other jobs
kept both cores busy) and writes the cache. When no cache location is writable the
kernels are compiled in memory in every process, with a warning (:func:`_jit`): slower to
start, same results.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Final, Literal, TypeVar, cast

import numba
import numpy as np
import numpy.typing as npt

from dispatch.incidental._route import (
    DELTA,
    DROPOFF,
    KIND,
    LOC,
    MAX_RIDE,
    PICKUP,
    SERVICE,
    TASK,
)

__all__ = [
    "UNREACHABLE",
    "admitted",
    "dense_travel",
    "insert_and_simulate",
    "insert_pair",
    "insertions",
    "latest_arrivals",
    "read_only",
    "route_tables",
    "simulate",
    "transpose",
    "transpose_rows",
]

IntArray = npt.NDArray[np.int64]

_HUGE: Final = 2**62  # masks minima and maxima; never added to anything but small costs

#: The time to test a place read through ``occupied`` (a gather) over the time to test one
#: in a branch-free pass along whole rows (1.7 ns a place on the development machine), as
#: estimated: when fewer than ``1 / _GATHER_COST`` of the places have stops, the pruning
#: scan tests those alone (:func:`admitted`).
_GATHER_COST: Final = 4

# Reasons, as in ``_insertion.InsertionReason`` (kept in step by a test).
_FEASIBLE: Final = 0
_TIME: Final = 1
_CAPACITY: Final = 2
_DETOUR: Final = 3

_Function = TypeVar("_Function", bound=Callable[..., Any])


def _jit(function: _Function) -> _Function:
    """``numba.njit`` with the on-disk cache, or without it where no cache folder is writable.

    numba refuses ``cache=True`` when it finds no writable location; the kernels then
    compile in memory, once per process.
    """
    return _compiled(function, inline="never")


def _jit_inlined(function: _Function) -> _Function:
    """:func:`_jit` for a helper that numba copies into each compiled caller (``inline="always"``).

    For small helpers called many times per step with many arrays: a call that is not
    inlined passes every array of its arguments (about 0.5 µs for the string-removal
    search's ``data`` and ``state`` tuples), while each inlined caller compiles longer.
    """
    return _compiled(function, inline="always")


def _compiled(function: _Function, inline: Literal["never", "always"]) -> _Function:
    try:
        compiled = numba.njit(cache=True, nogil=True, inline=inline)(function)
    except RuntimeError:  # "cannot cache function ...: no locator available"
        warnings.warn(
            f"numba cannot cache {function.__name__} (no writable cache folder); "
            "compiling it in memory in every process",
            RuntimeWarning,
            stacklevel=3,
        )
        compiled = numba.njit(cache=False, nogil=True, inline=inline)(function)
    return cast(_Function, compiled)  # called like the Python function it compiles


_Array = TypeVar("_Array", bound=npt.NDArray[Any])


def read_only(array: _Array) -> _Array:
    """A read-only view of ``array``, no copy.

    numba compiles one version of a kernel per argument type, and a read-only array is
    another type: the travel tables go to the kernels read-only (as the travel table
    stores them), so that one compiled (and cached) version serves every caller.
    """
    view = array.view()
    view.flags.writeable = False
    return view


# --- insertion ---------------------------------------------------------------------------------


@_jit
def route_tables(
    n_stops: IntArray,
    start_s: IntArray,
    latest_s: IntArray,
    service_s: IntArray,
    leg_s: IntArray,
    earliest_s: IntArray,
) -> tuple[IntArray, IntArray, IntArray, IntArray, IntArray]:
    """Per route ``(R, W)``: arrival, prefix wait ``W``, forward slack ``F``, the slack key
    ``latest - start + W`` and the early key ``earliest - start + W`` (the latter only
    meaningful when ``earliest_s`` is the routes' own; pass ``start_s`` otherwise)."""
    n_routes, width = start_s.shape
    arrival = np.empty((n_routes, width), np.int64)
    prefix = np.empty((n_routes, width), np.int64)
    forward = np.empty((n_routes, width), np.int64)
    slack_key = np.empty((n_routes, width), np.int64)
    early_key = np.empty((n_routes, width), np.int64)
    for r in range(n_routes):
        last = n_stops[r] + 1
        waited = 0
        for k in range(width):
            if k == 0:
                arrival[r, 0] = start_s[r, 0]
            else:
                arrival[r, k] = start_s[r, k - 1] + service_s[r, k - 1] + leg_s[r, k - 1]
            if k <= last:
                waited += start_s[r, k] - arrival[r, k]
            prefix[r, k] = waited
            slack_key[r, k] = latest_s[r, k] - start_s[r, k] + waited
            early_key[r, k] = earliest_s[r, k] - start_s[r, k] + waited
        after = _HUGE
        for k in range(width - 1, -1, -1):
            if k <= last:
                wait = start_s[r, k] - arrival[r, k]
                after = wait + min(latest_s[r, k] - start_s[r, k], after)
            else:
                after = _HUGE
            forward[r, k] = after
    return arrival, prefix, forward, slack_key, early_key


@_jit
def insertions(
    route: IntArray,
    n_stops: IntArray,
    start_s: IntArray,
    service_s: IntArray,
    leg_s: IntArray,
    load_after: IntArray,
    capacity: IntArray,
    remaining_detour_s: IntArray,
    tables: tuple[IntArray, IntArray, IntArray, IntArray, IntArray],
    has_earliest: bool,
    pickup_window_s: IntArray,
    dropoff_window_s: IntArray,
    pickup_service_s: IntArray,
    dropoff_service_s: IntArray,
    load: IntArray,
    max_ride_s: IntArray,
    to_pickup_s: IntArray,
    from_pickup_s: IntArray,
    to_dropoff_s: IntArray,
    from_dropoff_s: IntArray,
    pickup_to_dropoff_s: IntArray,
    arrival_from_s: IntArray,
    has_arrival_from: bool,
    grid_reason: npt.NDArray[np.int8],
    grid_cost: IntArray,
    grid_pickup_s: IntArray,
    grid_dropoff_s: IntArray,
    dense_table: npt.NDArray[np.signedinteger[Any]],
    dense_transposed: npt.NDArray[np.signedinteger[Any]],
    dense_place: IntArray,
    dense_points: IntArray,
    dense_pickup: IntArray,
    dense_dropoff: IntArray,
) -> tuple[npt.NDArray[np.int8], IntArray, IntArray, IntArray, IntArray, IntArray, int]:
    """The best insertion of every candidate: reason, ``i``, ``j``, cost, pickup and drop-off
    starts (``-1, -1, 0, 0, 0`` where infeasible), as ``_insertion.best_insertions``; then
    the smallest travel read from ``dense_table`` (0 when it is not read; negative: some
    pair has no path, and the answers are not to be used).

    The arguments are the fields of a ``RouteBatch`` and a ``CandidateBatch`` (row-major,
    ``tables`` from :func:`route_tables`; ``arrival_from_s`` any ``(K, 2)`` array when
    ``has_arrival_from`` is false). With non-empty ``grid_*`` arrays (one candidate, ``(n, n)``
    and ``(n,)``), every cell's reason (ORDER cells left as given), cost, and the pickup and
    drop-off starts are written there too, and no cell is skipped.

    With non-empty ``dense_points`` (``(R, W)``: the location of each route point, ``-1``
    for none), the candidates' travel is read from one profile's dense table as
    :func:`dense_travel` reads it (pickup and drop-off at locations ``dense_pickup[c]`` and
    ``dense_dropoff[c]``, ``dense_place`` mapping a location to its row), and the
    candidates' five travel arrays are not read: no ``(K, W)`` travel arrays are made.
    """
    arrival, prefix, forward, slack_key, early_key = tables
    count = route.shape[0]
    width = start_s.shape[1]
    dims = load.shape[1]
    grid = grid_reason.shape[0] > 0
    dense = dense_points.shape[0] > 0
    columns = dense_transposed.shape[0] == 0
    smallest = 0
    # A candidate's travel read from the dense table (scratch, reused).
    dense_to_p = np.zeros(width, np.int64)
    dense_from_p = np.zeros(width, np.int64)
    dense_to_d = np.zeros(width, np.int64)
    dense_from_d = np.zeros(width, np.int64)
    reason = np.empty(count, np.int8)
    best_i = np.full(count, -1, np.int64)
    best_j = np.full(count, -1, np.int64)
    best_cost = np.zeros(count, np.int64)
    best_pickup = np.zeros(count, np.int64)
    best_dropoff = np.zeros(count, np.int64)
    # Per position of the candidate's route (scratch, reused).
    pickup_start = np.empty(width, np.int64)
    push_key = np.empty(width, np.int64)
    before = np.empty(width, np.int64)
    after = np.empty(width, np.int64)
    offset = np.empty(width, np.int64)
    unpushed = np.empty(width, np.int64)
    together = np.empty(width, np.int64)
    fits = np.empty(width, np.bool_)
    pickup_cost = np.empty(width, np.int64)
    dropoff_cost = np.empty(width, np.int64)
    together_cost = np.empty(width, np.int64)
    cheapest_after = np.empty(width, np.int64)
    for c in range(count):
        r = route[c]
        m = n_stops[r]
        if dense:
            p = dense_place[dense_pickup[c]]
            d = dense_place[dense_dropoff[c]]
            direct = int(dense_table[p, d])
            smallest = min(smallest, direct)
            for k in range(m + 2):
                at = dense_points[r, k]
                if at < 0:  # an open end: no travel after the last stop
                    dense_to_p[k] = dense_to_d[k] = dense_from_p[k] = dense_from_d[k] = 0
                    continue
                h = dense_place[at]
                if columns:
                    into_p, into_d = dense_table[h, p], dense_table[h, d]
                else:
                    into_p, into_d = dense_transposed[p, h], dense_transposed[d, h]
                out_p, out_d = dense_table[p, h], dense_table[d, h]
                dense_to_p[k], dense_to_d[k] = into_p, into_d
                dense_from_p[k], dense_from_d[k] = out_p, out_d
                smallest = min(smallest, int(min(min(into_p, into_d), min(out_p, out_d))))
            row_to_p, row_from_p = dense_to_p, dense_from_p
            row_to_d, row_from_d = dense_to_d, dense_from_d
        else:
            direct = pickup_to_dropoff_s[c]
            row_to_p, row_from_p = to_pickup_s[c], from_pickup_s[c]
            row_to_d, row_from_d = to_dropoff_s[c], from_dropoff_s[c]
        opens_p, closes_p = pickup_window_s[c, 0], pickup_window_s[c, 1]
        opens_d, closes_d = dropoff_window_s[c, 0], dropoff_window_s[c, 1]
        service_p, service_d = pickup_service_s[c], dropoff_service_s[c]
        services = service_p + service_d
        pickup_from = arrival_from_s[c, 0] if has_arrival_from else 0
        dropoff_from = arrival_from_s[c, 1] if has_arrival_from else 0
        for k in range(m + 1):
            departure = start_s[r, k] + service_s[r, k]
            to_p, from_p = row_to_p[k], row_from_p[k + 1]
            to_d, from_d = row_to_d[k], row_from_d[k + 1]
            leg = leg_s[r, k]
            arrival_next = arrival[r, k + 1]
            start_p = max(departure + to_p, opens_p)
            done_p = start_p + service_p
            pickup_start[k] = start_p
            push_key[k] = done_p + from_p - arrival_next + prefix[r, k]
            # Latest drop-off start the pickup side allows (-HUGE: the pickup misses its
            # window), and the one the route after k allows (its forward slack).
            latest_d = min(closes_d, done_p + max_ride_s[c])
            pickup_ok = start_p <= closes_p and opens_d <= latest_d
            if has_arrival_from and departure + to_p < pickup_from:
                pickup_ok = False
            before[k] = latest_d if pickup_ok else -_HUGE
            slack_d = forward[r, k + 1] + arrival_next - service_d - from_d
            after[k] = slack_d if opens_d <= slack_d else -_HUGE
            offset[k] = departure - prefix[r, k] + to_d
            unpushed[k] = departure + to_d
            together[k] = done_p + direct
            ok = True
            for d in range(dims):
                if load[c, d] > capacity[r, d] - load_after[r, k, d]:
                    ok = False
            fits[k] = ok
            pickup_cost[k] = to_p + from_p - leg + services
            dropoff_cost[k] = to_d + from_d - leg
            together_cost[k] = to_p + direct + from_d - leg + services
        # cheapest_after[k]: the cheapest drop-off after a point j > k (a bound for row k).
        cheapest_after[m] = _HUGE
        for k in range(m - 1, -1, -1):
            cheapest_after[k] = min(cheapest_after[k + 1], dropoff_cost[k + 1])
        if grid:
            for k in range(m + 1):
                grid_pickup_s[k] = pickup_start[k]
        any_time = False
        any_capacity = False
        cheapest = 0
        found_i = -1
        found_j = -1
        found_dropoff = 0
        for i in range(m + 1):
            if not grid:
                # Rows that cannot change the answer: the pickup misses its window (every
                # cell fails time); it does not fit and a time-feasible cell is known; or
                # no cell of the row is cheaper than the best found.
                if before[i] == -_HUGE:
                    continue
                if any_time and not fits[i]:
                    continue
                if (
                    any_capacity
                    and min(together_cost[i], pickup_cost[i] + cheapest_after[i]) >= cheapest
                ):
                    continue
            key_i = push_key[i]
            limit_i = before[i]
            running = True  # points i+1..j absorb the push (a running AND along j)
            reach = -_HUGE  # range maximum of the early key over i+1..j
            fit = fits[i]
            for j in range(i, m + 1):
                if j > i:
                    fit = fit and fits[j]
                    running = running and slack_key[r, j] >= key_i
                    if has_earliest and early_key[r, j] > reach:
                        reach = early_key[r, j]
                    if not grid and not running:
                        break  # no later j meets the time rules either
                    if not grid and any_time and not fit:
                        break
                cost = together_cost[i] if j == i else pickup_cost[i] + dropoff_cost[j]
                if not grid and any_capacity and cost >= cheapest:
                    continue  # cannot be the answer (ties keep the first cell)
                if j == i:
                    arrive = together[i]
                    begin = max(arrive, opens_d)
                    time_ok = begin <= limit_i and begin <= after[i]
                    if has_arrival_from and arrive < dropoff_from:
                        time_ok = False
                else:
                    if has_earliest:
                        arrive = max(reach, key_i) + offset[j]
                        time_ok = running and arrive <= limit_i and arrive <= after[j]
                        if has_arrival_from and arrive < dropoff_from:
                            time_ok = False
                    else:
                        arrive = max(key_i, prefix[r, j]) + offset[j]
                        bound = after[j] - offset[j] if unpushed[j] <= after[j] else -_HUGE
                        time_ok = (
                            running
                            and key_i <= bound
                            and offset[j] <= limit_i - key_i
                            and unpushed[j] <= limit_i
                        )
                        if (
                            has_arrival_from
                            and key_i + offset[j] < dropoff_from
                            and unpushed[j] < dropoff_from
                        ):
                            time_ok = False
                if grid:
                    grid_cost[i, j] = cost
                    grid_dropoff_s[i, j] = max(arrive, opens_d)
                    if not time_ok:
                        grid_reason[i, j] = _TIME
                    elif not fit:
                        grid_reason[i, j] = _CAPACITY
                    elif cost > remaining_detour_s[r]:
                        grid_reason[i, j] = _DETOUR
                    else:
                        grid_reason[i, j] = _FEASIBLE
                if not time_ok:
                    continue
                any_time = True
                if not fit:
                    continue
                if not any_capacity or cost < cheapest:  # ties: the first (i, j) stays
                    any_capacity = True
                    cheapest = cost
                    found_i, found_j = i, j
                    found_dropoff = max(arrive, opens_d)
        if any_capacity and cheapest <= remaining_detour_s[r]:
            reason[c] = _FEASIBLE
            best_i[c] = found_i
            best_j[c] = found_j
            best_cost[c] = cheapest
            best_pickup[c] = pickup_start[found_i]
            best_dropoff[c] = found_dropoff
        elif any_capacity:
            reason[c] = _DETOUR
        elif any_time:
            reason[c] = _CAPACITY
        else:
            reason[c] = _TIME
    return reason, best_i, best_j, best_cost, best_pickup, best_dropoff, smallest


# --- pruning -------------------------------------------------------------------------------------


@_jit
def admitted(
    legs: IntArray,
    courier: IntArray,
    a_place: IntArray,
    b_place: IntArray,
    table: npt.NDArray[np.signedinteger[Any]],
    transposed: npt.NDArray[np.signedinteger[Any]],
    far: int,
    limit_s: npt.NDArray[np.int32],
    depart_s: npt.NDArray[np.int32],
    late_s: npt.NDArray[np.int32],
    occupied: IntArray,
    place_both_s: npt.NDArray[np.int32],
    place_first: IntArray,
    group_s: npt.NDArray[np.int32],
    member_first: IntArray,
    members: IntArray,
    member_s: npt.NDArray[np.float64],
    keep_last: npt.NDArray[np.bool_],
    leg_travel_f: npt.NDArray[np.float64],
    leg_depart_f: npt.NDArray[np.float64],
    leg_late_f: npt.NDArray[np.float64],
    leg_budget_f: npt.NDArray[np.float64],
    eps_s: float,
) -> tuple[IntArray, IntArray]:
    """(stop, leg) pairs passing the pruning's conditions 1-3 (see
    ``_pruning._admitting_legs_dense``): per courier and stop only the first admitting leg,
    or the last for stops with ``keep_last`` (drop-offs).

    ``legs`` (rows of the leg table) must list each courier's legs together and in route
    order. Leg ``legs[t]`` runs from place ``a_place[t]`` to ``b_place[t]``;
    ``table[p, q]`` is the travel from place ``p`` to ``q`` (negative: no path, read as
    ``far``) and ``transposed`` its transpose with one more row of zeros (the open end), or
    empty: then the travel back is read down the table's columns (few places with stops).

    Three steps per leg, each on what the previous kept: the places, on condition 1 with
    ``place_both_s`` (the smallest services of the groups there; ``far`` where there are
    none): a branch-free pass along the two rows, or a pass over ``occupied`` (the places
    with groups) when there is no transposed table or they are few; the groups at the
    places kept (rows ``place_first[x]:place_first[x+1]`` of ``group_s``: smallest
    services of both stops, latest close, earliest opening, smallest service), on
    conditions 1-3 with these int32 aggregates; the members of those groups
    (``members[member_first[g]:member_first[g+1]]``, and the same rows of ``member_s``:
    both services, service, latest close, earliest opening), on their own numbers in
    float64, exactly as ``_pruning._conditions`` computes them.
    """
    n_stops = keep_last.shape[0]
    n_places = table.shape[0]
    near = np.empty(n_places, np.int64)  # the places kept by the first step
    passes = np.empty(n_places, np.bool_)
    seen_by = np.full(n_stops, -1, np.int64)  # the courier whose legs last admitted the stop
    row_of = np.zeros(n_stops, np.int64)  # ... and the output row holding it
    capacity = 1024
    out_stop = np.empty(capacity, np.int64)
    out_leg = np.empty(capacity, np.int64)
    found = 0
    direct = transposed.shape[0] == 0
    # Few places with stops: test those alone (a gather each) rather than whole rows.
    sparse = direct or occupied.shape[0] * _GATHER_COST < n_places
    for t in range(legs.shape[0]):
        leg = legs[t]
        owner = courier[leg]
        to_row = table[a_place[t]]
        b = b_place[t]
        back_row = to_row if direct else transposed[b]  # (not read when direct)
        limit = limit_s[leg]
        depart = depart_s[leg]
        late = late_s[leg]
        # 1. detour, for the cheapest group of each place.
        n_near = 0
        if sparse:
            for i in range(occupied.shape[0]):
                x = occupied[i]
                to_s = to_row[x]
                back = (0 if b >= n_places else table[x, b]) if direct else back_row[x]
                to_s = far if to_s < 0 else to_s
                back = far if back < 0 else back
                near[n_near] = x
                n_near += to_s + back + place_both_s[x] <= limit
        else:
            for x in range(n_places):  # no branch: compiled to vector instructions
                to_s = to_row[x]
                back = back_row[x]
                to_s = far if to_s < 0 else to_s
                back = far if back < 0 else back
                passes[x] = to_s + back + place_both_s[x] <= limit
            for x in range(n_places):
                near[n_near] = x
                n_near += passes[x]
        travel_f = leg_travel_f[leg]
        depart_f = leg_depart_f[leg]
        budget_f = leg_budget_f[leg] + eps_s
        late_f = leg_late_f[leg] + eps_s
        for i in range(n_near):
            x = near[i]
            to_s = to_row[x]
            back = (0 if b >= n_places else table[x, b]) if direct else back_row[x]
            to_s = far if to_s < 0 else to_s
            back = far if back < 0 else back
            arrive = to_s + depart
            to_x = float(to_s)
            from_x = float(back)
            arrive_f = depart_f + to_x
            for g in range(place_first[x], place_first[x + 1]):
                # 1. detour: |P_k x| + |x P_k+1| - t_k + services <= B.
                if to_s + group_s[g, 0] + back > limit:
                    continue
                # 2. arrival: dep_k + |P_k x| <= l_x.
                if arrive > group_s[g, 1]:
                    continue
                # 3. push: max(e_x, arrival) + s_x + |x P_k+1| <= late_k+1.
                if max(arrive, group_s[g, 2]) + group_s[g, 3] + back > late:
                    continue
                for q in range(member_first[g], member_first[g + 1]):
                    if not to_x + from_x - travel_f + member_s[q, 0] <= budget_f:
                        continue
                    if not arrive_f <= member_s[q, 2] + eps_s:
                        continue
                    if not max(member_s[q, 3], arrive_f) + member_s[q, 1] + from_x <= late_f:
                        continue
                    s = members[q]
                    if seen_by[s] == owner:
                        if keep_last[s]:
                            out_leg[row_of[s]] = leg  # a later leg of the same route
                        continue
                    if found == capacity:
                        capacity *= 2
                        out_stop = _grown(out_stop, capacity)
                        out_leg = _grown(out_leg, capacity)
                    seen_by[s] = owner
                    row_of[s] = found
                    out_stop[found] = s
                    out_leg[found] = leg
                    found += 1
    return out_stop[:found], out_leg[:found]


@_jit
def latest_arrivals(
    latest_s: IntArray, service_s: IntArray, leg_s: IntArray, first: IntArray
) -> IntArray:
    """Latest arrival at each point of each route that keeps it and every later point on
    time (the pruning's ``late_k``).

    The routes' points are concatenated (route ``r``'s are ``first[r]:first[r + 1]``), with
    their latest starts and services; ``leg_s`` holds each route's legs in turn (one fewer
    than its points). Backward over each route, a point may start at most at its latest
    and late enough that the next point is reached by *its* latest arrival:
    ``late[k] = min(latest[k], late[k + 1] - service[k] - leg[k])``. An arrival ``a`` starts
    service at ``max(a, opening)``, and the current schedule shows the opening is within
    that bound, so ``a`` itself may be this late.
    """
    out = np.empty_like(latest_s)
    for r in range(first.shape[0] - 1):
        lo, hi = first[r], first[r + 1]
        if hi == lo:
            continue
        legs = lo - r  # route r's first leg: every earlier route has one leg fewer than points
        late = latest_s[hi - 1]
        out[hi - 1] = late
        for k in range(hi - 2, lo - 1, -1):
            late = min(latest_s[k], late - service_s[k] - leg_s[legs + k - lo])
            out[k] = late
    return out


@_jit
def transpose_rows(
    table: npt.NDArray[np.signedinteger[Any]],
    out: npt.NDArray[np.signedinteger[Any]],
    lo: int,
    hi: int,
) -> None:
    """Rows ``lo:hi`` of a square ``table`` written transposed into ``out`` (columns
    ``lo:hi``), copied in cache-sized tiles; callers split the rows between threads."""
    n = table.shape[0]
    for low_r in range(lo, hi, 64):
        for low_c in range(0, n, 64):
            for r in range(low_r, min(low_r + 64, hi)):
                for c in range(low_c, min(low_c + 64, n)):
                    out[c, r] = table[r, c]


def transpose(
    table: npt.NDArray[np.signedinteger[Any]], workers: int = 1
) -> npt.NDArray[np.signedinteger[Any]]:
    """The transpose of a square table, C-contiguous, with one more row of zeros at the end.

    The rows are split into blocks of whole 64-row tiles, one per worker thread
    (:func:`transpose_rows` releases the GIL).
    """
    n = table.shape[0]
    out = np.zeros((n + 1, n), table.dtype)
    cuts = [min(n, -(-n * k // workers) // 64 * 64) for k in range(workers + 1)]
    cuts[-1] = n
    spans = [(lo, hi) for lo, hi in itertools.pairwise(cuts) if hi > lo]
    if len(spans) <= 1:
        transpose_rows(table, out, 0, n)
    else:
        with ThreadPoolExecutor(max_workers=len(spans)) as pool:
            list(pool.map(lambda span: transpose_rows(table, out, *span), spans))
    return out


@_jit
def _grown(array: npt.NDArray[Any], size: int) -> npt.NDArray[Any]:
    out = np.empty(size, array.dtype)
    out[: array.shape[0]] = array
    return out


# --- travel --------------------------------------------------------------------------------------


@_jit
def dense_travel(
    table: npt.NDArray[np.signedinteger[Any]],
    transposed: npt.NDArray[np.signedinteger[Any]],
    place: IntArray,
    points: IntArray,
    pickup: IntArray,
    dropoff: IntArray,
    rows: IntArray,
    to_pickup_s: IntArray,
    to_dropoff_s: IntArray,
    from_pickup_s: IntArray,
    from_dropoff_s: IntArray,
    direct_s: IntArray,
) -> int:
    """Candidates' travel read from one profile's dense table; returns the smallest value
    read (negative: some pair has no path).

    Candidate ``s`` has route points at locations ``points[s]`` (``-1``: none, left as it
    is in the outputs), pickup and drop-off at locations ``pickup[s]`` and ``dropoff[s]``
    (``place`` maps a location to its table row); its travel goes to row ``rows[s]`` of the
    ``(K, W)`` outputs and ``direct_s``. Every read is along the pickup's or the drop-off's
    row of ``table`` or of its transpose ``transposed``, so candidates of one errand in a
    row read from the cache.

    With ``transposed`` empty the travel to the stops is read down the table's columns
    instead (a few candidates: not worth transposing the table).
    """
    smallest = 0
    columns = transposed.shape[0] == 0
    for s in range(points.shape[0]):
        out = rows[s]
        p = place[pickup[s]]
        d = place[dropoff[s]]
        value = table[p, d]
        direct_s[out] = value
        smallest = min(smallest, value)
        from_p, from_d = table[p], table[d]
        to_p = from_p if columns else transposed[p]  # (not read with columns)
        to_d = from_d if columns else transposed[d]
        for k in range(points.shape[1]):
            at = points[s, k]
            if at < 0:
                continue
            h = place[at]
            if columns:
                a, b = table[h, p], table[h, d]
            else:
                a, b = to_p[h], to_d[h]
            c, e = from_p[h], from_d[h]
            to_pickup_s[out, k] = a
            to_dropoff_s[out, k] = b
            from_pickup_s[out, k] = c
            from_dropoff_s[out, k] = e
            smallest = min(smallest, min(min(a, b), min(c, e)))
    return smallest


# --- route simulation ----------------------------------------------------------------------------

# Statuses of the simulation and the insertion; the route module reads UNREACHABLE.
_OK: Final = 0
_BROKEN: Final = 1  # a rule breaks: window, shift, capacity, ride
UNREACHABLE: Final = 2  # a new leg has no path in the dense table


@_jit
def simulate(
    facts: IntArray,
    win_ptr: IntArray,
    windows: IntArray,
    legs: IntArray,
    shift_lo: int,
    shift_hi: int,
    open_latest_s: int,
    capacity: IntArray,
) -> tuple[int, int, int, IntArray, IntArray]:
    """Earliest-start simulation of a route's points (rows of ``facts``) with ``legs``.

    Point ``k``'s windows are rows ``win_ptr[k]:win_ptr[k + 1]`` of ``windows``
    (``(earliest, latest)``, sorted); the first and last points keep the shift. Returns
    ``(status, busy, tasks, schedule, load)``: status 0 when every rule holds (windows,
    shift, capacity in ``[0, capacity]``, maximum rides), else 1; ``busy`` is travel plus
    service, ``tasks`` the number of pickups; the rows of ``schedule`` are each point's
    arrival, start, and the window it starts in, earliest and latest (``(0,
    open_latest_s)`` without one); ``load`` is the load on leaving each point.
    """
    n = facts.shape[0]
    dims = capacity.shape[0]
    schedule = np.zeros((4, n), np.int64)
    arrival, start, earliest, latest = schedule[0], schedule[1], schedule[2], schedule[3]
    load = np.zeros((n, dims), np.int64)
    current = np.zeros(dims, np.int64)
    t = shift_lo
    busy = 0
    tasks = 0
    for k in range(n):
        if k:
            t = start[k - 1] + facts[k - 1, SERVICE] + legs[k - 1]
            busy += legs[k - 1]
        busy += facts[k, SERVICE]
        arrival[k] = t
        if k == 0 or k == n - 1:
            if t > shift_hi:
                return _BROKEN, busy, tasks, schedule, load
            begin, lo, hi = t, shift_lo, shift_hi
        elif win_ptr[k + 1] > win_ptr[k]:
            found = -1
            for w in range(win_ptr[k], win_ptr[k + 1]):
                if t <= windows[w, 1]:
                    found = w
                    break
            if found < 0:
                return _BROKEN, busy, tasks, schedule, load
            lo, hi = windows[found, 0], windows[found, 1]
            begin = max(t, lo)
        else:
            begin, lo, hi = t, 0, open_latest_s
        start[k], earliest[k], latest[k] = begin, lo, hi
        for d in range(dims):
            x = current[d] + facts[k, DELTA + d]
            if x < 0 or x > capacity[d]:
                return _BROKEN, busy, tasks, schedule, load
            current[d] = x
            load[k, d] = x
        kind = facts[k, KIND]
        if kind == PICKUP:
            tasks += 1
        elif kind == DROPOFF and facts[k, MAX_RIDE] >= 0:
            for q in range(k - 1, -1, -1):
                if facts[q, KIND] == PICKUP and facts[q, TASK] == facts[k, TASK]:
                    if begin - (start[q] + facts[q, SERVICE]) > facts[k, MAX_RIDE]:
                        return _BROKEN, busy, tasks, schedule, load
                    break
    return _OK, busy, tasks, schedule, load


@_jit
def insert_pair(
    facts: IntArray,
    win_ptr: IntArray,
    windows: IntArray,
    legs: IntArray,
    pickup: IntArray,
    pickup_windows: IntArray,
    dropoff: IntArray,
    dropoff_windows: IntArray,
    after_i: int,
    after_j: int,
    table: npt.NDArray[np.signedinteger[Any]],
    place: IntArray,
    fresh_s: IntArray,
) -> tuple[int, IntArray, IntArray, IntArray, IntArray]:
    """A route's point table with a pickup after point ``after_i`` and its drop-off after
    point ``after_j`` (``after_j >= after_i``, indices of the old route).

    Returns ``(status, facts, win_ptr, windows, legs)`` of the new route. The legs into and
    out of the two new points are read from ``table`` (rows and columns ``place`` of the
    locations; no travel into an open end, location -1) when it is not empty, else taken
    from ``fresh_s`` in leg order; status 2 when a read finds no path (the caller asks its
    lookup, which names the pair), else 0.
    """
    n = facts.shape[0]
    size = n + 2
    width = facts.shape[1]
    source = np.empty(size, np.int64)  # old point of each new one; -1 pickup, -2 drop-off
    for r in range(size):
        if r <= after_i:
            source[r] = r
        elif r == after_i + 1:
            source[r] = -1
        elif r <= after_j + 1:
            source[r] = r - 1
        elif r == after_j + 2:
            source[r] = -2
        else:
            source[r] = r - 2
    out = np.empty((size, width), np.int64)
    ptr = np.empty(size + 1, np.int64)
    out_windows = np.empty(
        (windows.shape[0] + pickup_windows.shape[0] + dropoff_windows.shape[0], 2), np.int64
    )
    at = 0
    for r in range(size):
        ptr[r] = at
        s = source[r]
        if s >= 0:
            out[r] = facts[s]
            for w in range(win_ptr[s], win_ptr[s + 1]):
                out_windows[at] = windows[w]
                at += 1
        else:
            out[r] = pickup if s == -1 else dropoff
            extra = pickup_windows if s == -1 else dropoff_windows
            for w in range(extra.shape[0]):
                out_windows[at] = extra[w]
                at += 1
    ptr[size] = at
    out_legs = np.empty(size - 1, np.int64)
    given = 0
    for r in range(size - 1):
        a, b = source[r], source[r + 1]
        if a >= 0 and b == a + 1:
            out_legs[r] = legs[a]
            continue
        to = out[r + 1, LOC]
        if to < 0:
            value = 0
        elif table.shape[0]:
            value = table[place[out[r, LOC]], place[to]]
            if value < 0:
                return UNREACHABLE, out, ptr, out_windows, out_legs
        else:
            value = fresh_s[given]
        given += 1
        out_legs[r] = value
    return _OK, out, ptr, out_windows, out_legs


@_jit
def insert_and_simulate(
    facts: IntArray,
    win_ptr: IntArray,
    windows: IntArray,
    legs: IntArray,
    pickup: IntArray,
    pickup_windows: IntArray,
    dropoff: IntArray,
    dropoff_windows: IntArray,
    after_i: int,
    after_j: int,
    table: npt.NDArray[np.signedinteger[Any]],
    place: IntArray,
    fresh_s: IntArray,
    shift_lo: int,
    shift_hi: int,
    open_latest_s: int,
    capacity: IntArray,
) -> tuple[int, int, int, IntArray, IntArray, IntArray, IntArray, IntArray, IntArray]:
    """:func:`insert_pair` then :func:`simulate`, in one call: ``(status, busy, tasks,
    facts, win_ptr, windows, legs, schedule, load)``, status as either's (2 from the
    insertion, 1 from the simulation, else 0)."""
    status, out, ptr, out_windows, out_legs = insert_pair(
        facts,
        win_ptr,
        windows,
        legs,
        pickup,
        pickup_windows,
        dropoff,
        dropoff_windows,
        after_i,
        after_j,
        table,
        place,
        fresh_s,
    )
    if status != _OK:
        empty = np.zeros((0, 0), np.int64)
        return status, 0, 0, out, ptr, out_windows, out_legs, empty, empty
    status, busy, tasks, schedule, load = simulate(
        out, ptr, out_windows, out_legs, shift_lo, shift_hi, open_latest_s, capacity
    )
    return status, busy, tasks, out, ptr, out_windows, out_legs, schedule, load
