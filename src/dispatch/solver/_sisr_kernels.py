"""Compiled loops of the string-removal search (numba), imported on first use.

The search of :mod:`dispatch.solver._sisr` keeps its solution in arrays and runs
here, compiled. Two tuples travel between the driver and these functions:

``data`` (read-only, built once per problem by ``_sisr._data``)
    ``dur, dist`` (profile x node x node), ``vprof`` (vehicle -> profile),
    ``svc`` (service seconds per node), ``wlo, whi, nw`` (windows per node, padded;
    start and end nodes carry their courier's shift), ``delta`` (node x dimension),
    ``cap`` (vehicle x dimension), ``ntask`` (task of a node, -1 otherwise),
    ``first, second`` (per task its nodes; -1 for a visit's second), ``maxride``
    (-1: none; None when no task has one, see below), ``penalty``, ``elig`` (task x
    vehicle, 0/1), ``busycap`` (-1: none), ``maxtasks`` (-1: none), ``fixed``,
    ``vclass`` (couriers interchangeable when empty share a class), ``vearly, vlate``
    (shift), ``adj`` (per task node, the task nodes nearest first), ``removable``
    (vehicles whose route may be emptied).

``state`` (one per solution, see :func:`new_state`)
    ``route`` (vehicle x position, start and end included), ``rlen``, the earliest
    schedule ``st``, the latest arrival that keeps the rest of the route feasible
    ``late``, ``load`` after each position and its suffix extremes ``smax, smin``,
    per route ``busy`` (travel plus service seconds), ``rdist``, ``rtasks`` and
    ``feasible`` (the last simulation's verdict), and per node ``veh_of``, its route's
    vehicle (-1: unassigned).

Every change of a route is followed by :func:`_refresh`, which simulates the whole
route: the tables the insertion tests read are never stale. Insertion positions are
screened in constant time each against ``late``, the loads, the travel between the
inserted task's stops (its least ride), the detour budget and the task cap; the chosen
position is then simulated in full (which also checks the ride times of the other tasks
of the route, starting pickups later where a ride needs it) before it is applied, so an
insertion is made only when the whole route stays feasible.

The kernels are compiled with the incidental matcher's ``_jit`` and cached on disk the
same way (:mod:`dispatch.incidental._kernels`). The two helpers called most often with
the ``data`` and ``state`` tuples, :func:`_simulate` and :func:`_best_in_route`, are
copied into their callers (``_jit_inlined``): a step of ruin and recreate ran 1.16 to
1.21 times as fast (``c201`` 64.5 to 53.7 µs, ``bar-n100-2`` 49.5 to 42.8 µs,
``ber-n200-1`` 100.5 to 88.8 µs, 20,000 steps at temperature 0, session 13), and
compiling every kernel with no cache took 31 s instead of 20 s on one core of this
project's machine, once per installation (inlining also ``_refresh``, ``_remove`` and
``_spliced`` took 53 s for a little more speed). Meeting ride limits by later pickups
(:func:`_delay_pickups`, :func:`_verified_place`) then took some of that back where there
are no ride limits: 0.85x and 0.95x the steps per second (``bar-n100-2``, ``ber-n200-1``).

So every kernel that reads ``data`` is compiled twice: ``maxride`` is None when no task
has a ride limit, :func:`_ride_limit` is then the constant -1 and every ride branch folds
away. Without ride limits a step runs 1.18 to 1.34 times as fast as with the ride code
compiled in (``c201`` 63.7 to 47.6 µs, ``bar-n100-2`` 53.8 to 41.9 µs, ``ber-n200-1``
100.1 to 84.7 µs, session 14); problems with ride limits run the same code as before.
Compiling both versions with no cache takes about 65 s instead of 34 s, once per
installation. Loading them from the cache takes under a second in a fresh process
(``_sisr.warm_up``, which the portfolio's worker processes run when they start).
"""

from __future__ import annotations

from typing import Any, Final

import numpy as np
import numpy.typing as npt
from numba import types
from numba.extending import overload

from dispatch.incidental._kernels import _jit, _jit_inlined

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
#: The problem's arrays, the solution's and the insertion's work space (see the docstring).
Data = tuple[Any, ...]
State = tuple[Any, ...]
Scratch = tuple[Any, ...]

_HUGE: Final = 2**62
_NONE: Final = -1

# Positions in ``data`` and ``state`` (numba reads a tuple's fields by constant index;
# the driver reads them by these names too).
(
    DUR,
    DIST,
    VPROF,
    SVC,
    WLO,
    WHI,
    NW,
    DELTA,
    CAP,
    NTASK,
    FIRST,
    SECOND,
    MAXRIDE,
    PENALTY,
    ELIG,
    BUSYCAP,
    MAXTASKS,
    FIXED,
    VCLASS,
    VEARLY,
    VLATE,
    ADJ,
    REMOVABLE,
) = range(23)
(ROUTE, RLEN, ST, LATE, LOAD, SMAX, SMIN, BUSY, RDIST, RTASKS, VEH_OF, FEASIBLE) = range(12)


def _ride_limit(maxride: IntArray | None, task: int) -> int:
    """Task ``task``'s maximum ride in seconds, -1 for none (``maxride`` None: no task has one).

    Compiled code only: numba picks the implementation by ``maxride``'s type, so with
    None every ride branch of the search folds away.
    """
    raise NotImplementedError("compiled code only")


@overload(_ride_limit, inline="always")
def _ride_limit_typed(maxride: Any, task: Any) -> Any:
    # numba wants the implementation's parameters exactly as the typing function's
    def no_limits(maxride: Any, task: Any) -> Any:
        return -1

    def limit(maxride: Any, task: Any) -> Any:
        return maxride[task]

    return no_limits if isinstance(maxride, types.NoneType) else limit


@_jit
def _wstart(node: int, t: int, wlo: IntArray, whi: IntArray, nw: IntArray) -> int:
    """Earliest service start at or after ``t`` inside the node's windows; -1 if none."""
    for w in range(nw[node]):
        if t <= whi[node, w]:
            return int(max(t, wlo[node, w]))
    return -1


@_jit
def _wlatest(node: int, bound: int, wlo: IntArray, whi: IntArray, nw: IntArray) -> int:
    """Latest start at or before ``bound`` inside the node's windows; -HUGE if none."""
    for w in range(nw[node] - 1, -1, -1):
        if wlo[node, w] <= bound:
            return int(min(bound, whi[node, w]))
    return -_HUGE


@_jit_inlined
def _simulate(
    seq: IntArray,
    length: int,
    v: int,
    data: Data,
    st: IntArray,
    late: IntArray,
    load: IntArray,
    smax: IntArray,
    smin: IntArray,
) -> tuple[bool, int, int, int]:
    """Earliest schedule of ``seq[:length]`` for vehicle ``v`` that keeps every ride within
    its limit, into the given rows.

    Returns (feasible, busy seconds, metres, tasks). Feasible: every start inside its
    windows and the shift, loads within [0, capacity], ride times within bounds.

    The earliest schedule starts each stop as soon as it can. A pickup made early may then
    ride past its limit while its drop-off waits for a window; the pickup can start later
    instead (the courier waits before it). For a route with ride limits,
    :func:`_delay_pickups` checks the rides and finds the earliest schedule that keeps
    them all, when there is one.
    """
    dur = data[DUR]
    dist = data[DIST]
    vprof = data[VPROF]
    svc = data[SVC]
    wlo = data[WLO]
    whi = data[WHI]
    nw = data[NW]
    delta = data[DELTA]
    cap = data[CAP]
    ntask = data[NTASK]
    first = data[FIRST]
    maxride = data[MAXRIDE]
    vearly = data[VEARLY]
    vlate = data[VLATE]
    prof = vprof[v]
    dims = delta.shape[1]
    ok = True
    rides_limited = False
    busy = 0
    metres = 0
    tasks = 0
    st[0] = vearly[v]
    for d in range(dims):
        load[0, d] = 0
    for k in range(1, length):
        a = seq[k - 1]
        n = seq[k]
        arr = st[k - 1] + svc[a] + dur[prof, a, n]
        busy += dur[prof, a, n] + svc[a]
        metres += dist[prof, a, n]
        t = _wstart(n, arr, wlo, whi, nw)
        if t < 0 or t > vlate[v]:
            ok = False
            t = arr
        st[k] = t
        for d in range(dims):
            x = load[k - 1, d] + delta[n, d]
            load[k, d] = x
            if x < 0 or x > cap[v, d]:
                ok = False
        task = ntask[n]
        if task >= 0:
            if n == first[task]:
                tasks += 1
            elif _ride_limit(maxride, task) >= 0:
                rides_limited = True
    if ok and rides_limited:  # checked (and met, by later pickups, where possible) apart
        ok = _delay_pickups(
            seq, length, st, late, dur[prof], svc, wlo, whi, nw, ntask, first, maxride, vlate[v]
        )
    for d in range(dims):
        smax[length - 1, d] = load[length - 1, d]
        smin[length - 1, d] = load[length - 1, d]
    late[length - 1] = _wlatest(seq[length - 1], vlate[v], wlo, whi, nw)
    for k in range(length - 2, -1, -1):
        n = seq[k]
        bound = late[k + 1] - svc[n] - dur[prof, n, seq[k + 1]]
        late[k] = _wlatest(n, min(bound, vlate[v]), wlo, whi, nw)
        for d in range(dims):
            smax[k, d] = max(smax[k + 1, d], load[k, d])
            smin[k, d] = min(smin[k + 1, d], load[k, d])
    return ok, busy, metres, tasks


@_jit
def _delay_pickups(
    seq: IntArray,
    length: int,
    st: IntArray,
    floor: IntArray,
    dur: IntArray,
    svc: IntArray,
    wlo: IntArray,
    whi: IntArray,
    nw: IntArray,
    ntask: IntArray,
    first: IntArray,
    maxride: IntArray | None,
    shift_end: int,
) -> bool:
    """Raise the starts ``st`` of a route (its earliest schedule) until every ride is
    within its limit; False when no schedule does that. ``floor`` is work space.

    Every constraint is a lower bound on some start given the others: a stop starts
    after the previous one plus service and travel, a pickup no earlier than its
    drop-off's start less its limit and service. So raising the starts until none is
    broken gives the least schedule, and a start past its windows or the shift on the
    way proves there is none. Each round raises the pickups of the broken rides and
    re-schedules from the first raised one; after ``length`` rounds the route counts as
    infeasible (a rejected insertion, never a broken ride).

    Plain arrays, not the ``data`` tuple: called with ``data`` from the inlined
    :func:`_simulate`, it slowed every step of the search by a quarter even on problems
    without ride limits, where it never runs (and where it is now compiled out: see
    :func:`_ride_limit`).
    """
    for k in range(length):
        floor[k] = 0
    for _ in range(length):
        lowest = length
        for k in range(2, length):
            task = ntask[seq[k]]
            if task < 0 or _ride_limit(maxride, task) < 0 or seq[k] == first[task]:
                continue
            p = first[task]
            for j in range(k - 1, 0, -1):
                if seq[j] == p:
                    need = st[k] - svc[p] - _ride_limit(maxride, task)
                    if need > st[j]:
                        floor[j] = max(floor[j], need)
                        lowest = min(lowest, j)
                    break
        if lowest == length:
            return True
        for k in range(lowest, length):
            a = seq[k - 1]
            n = seq[k]
            t = _wstart(n, max(st[k - 1] + svc[a] + dur[a, n], floor[k]), wlo, whi, nw)
            if t < 0 or t > shift_end:
                return False
            st[k] = t
    return False


def new_state(n_nodes: int, n_vehicles: int, max_len: int, dims: int) -> State:
    """Empty arrays for one solution (routes are filled by the driver)."""
    return (
        np.zeros((n_vehicles, max_len), dtype=np.int64),  # route
        np.zeros(n_vehicles, dtype=np.int64),  # rlen
        np.zeros((n_vehicles, max_len), dtype=np.int64),  # st
        np.zeros((n_vehicles, max_len), dtype=np.int64),  # late
        np.zeros((n_vehicles, max_len, dims), dtype=np.int64),  # load
        np.zeros((n_vehicles, max_len, dims), dtype=np.int64),  # smax
        np.zeros((n_vehicles, max_len, dims), dtype=np.int64),  # smin
        np.zeros(n_vehicles, dtype=np.int64),  # busy
        np.zeros(n_vehicles, dtype=np.int64),  # rdist
        np.zeros(n_vehicles, dtype=np.int64),  # rtasks
        np.full(n_nodes, _NONE, dtype=np.int64),  # veh_of
        np.ones(n_vehicles, dtype=np.bool_),  # feasible
    )


def new_scratch(max_len: int, n_vehicles: int, dims: int) -> Scratch:
    """Work space of :func:`_insert`: a trial route and its tables, and per vehicle the
    cheapest place's cost and positions, whether its class was seen empty, and the
    positions of the cheapest place whose ride holds on the earliest schedule (see
    :func:`_best_in_route`)."""
    return (
        np.zeros(max_len, dtype=np.int64),  # buf: the trial route
        np.zeros(max_len, dtype=np.int64),  # its st
        np.zeros(max_len, dtype=np.int64),  # its late
        np.zeros((max_len, dims), dtype=np.int64),  # its load
        np.zeros((max_len, dims), dtype=np.int64),  # its smax
        np.zeros((max_len, dims), dtype=np.int64),  # its smin
        np.zeros(n_vehicles, dtype=np.int64),  # costs
        np.zeros(n_vehicles, dtype=np.int64),  # pos_i
        np.zeros(n_vehicles, dtype=np.int64),  # pos_m
        np.zeros(n_vehicles, dtype=np.int64),  # seen (by class)
        np.zeros(n_vehicles, dtype=np.int64),  # sure_i
        np.zeros(n_vehicles, dtype=np.int64),  # sure_m
    )


@_jit
def _refresh(v: int, data: Data, state: State) -> bool:
    """Re-simulate route ``v`` into its tables; returns whether it is feasible."""
    route = state[ROUTE]
    rlen = state[RLEN]
    st = state[ST]
    late = state[LATE]
    load = state[LOAD]
    smax = state[SMAX]
    smin = state[SMIN]
    busy = state[BUSY]
    rdist = state[RDIST]
    rtasks = state[RTASKS]
    veh_of = state[VEH_OF]
    ok, b, m, t = _simulate(route[v], rlen[v], v, data, st[v], late[v], load[v], smax[v], smin[v])
    busy[v] = b
    rdist[v] = m
    rtasks[v] = t
    for k in range(rlen[v]):
        veh_of[route[v, k]] = v
    busycap = data[BUSYCAP]
    maxtasks = data[MAXTASKS]
    if busycap[v] >= 0 and b > busycap[v]:
        ok = False
    if maxtasks[v] >= 0 and t > maxtasks[v]:
        ok = False
    state[FEASIBLE][v] = ok
    return ok


@_jit
def refresh_all(data: Data, state: State) -> int:
    """Re-simulate every route; returns how many are infeasible (0 for a valid solution)."""
    bad = 0
    for v in range(state[RLEN].shape[0]):
        if not _refresh(v, data, state):
            bad += 1
    return bad


@_jit_inlined
def _best_in_route(
    k: int, v: int, data: Data, state: State, blink: float
) -> tuple[int, int, int, int, int]:
    """Cheapest screened position of task ``k`` in route ``v``: (cost, i, m), then the
    positions (i, m) of the cheapest whose ride holds on the earliest schedule.

    The first node goes between positions ``i - 1`` and ``i``; a pair's second node
    right after it (``m == i - 1``) or after position ``m >= i``. Cost _HUGE: none.
    Each position is skipped with probability ``blink``.

    A pair's ride is screened against its limit with the travel and service between
    its nodes (no waiting: the pickup may start later), so the cheapest position may
    need a later pickup, which only a full simulation can confirm. When the two
    positions differ, the first was such an unsure one (:func:`_insert` then looks
    further if it fails). They are the same for tasks without a ride limit.
    """
    dur = data[DUR]
    dist = data[DIST]
    vprof = data[VPROF]
    svc = data[SVC]
    wlo = data[WLO]
    whi = data[WHI]
    nw = data[NW]
    delta = data[DELTA]
    cap = data[CAP]
    first = data[FIRST]
    second = data[SECOND]
    maxride = data[MAXRIDE]
    elig = data[ELIG]
    busycap = data[BUSYCAP]
    maxtasks = data[MAXTASKS]
    fixed = data[FIXED]
    vlate = data[VLATE]
    route = state[ROUTE]
    rlen = state[RLEN]
    st = state[ST]
    late = state[LATE]
    load = state[LOAD]
    smax = state[SMAX]
    smin = state[SMIN]
    busy = state[BUSY]
    rtasks = state[RTASKS]
    best = _HUGE
    bi = -1
    bm = -1
    sure = _HUGE  # the cheapest whose ride holds on the earliest schedule
    si = -1
    sm = -1
    if elig[k, v] == 0:
        return best, bi, bm, si, sm
    if maxtasks[v] >= 0 and rtasks[v] + 1 > maxtasks[v]:
        return best, bi, bm, si, sm
    prof = vprof[v]
    dims = delta.shape[1]
    p = first[k]
    q = second[k]
    length = rlen[v]
    seq = route[v]
    extra = fixed[v] if length == 2 else 0
    for i in range(1, length):
        a = seq[i - 1]
        b = seq[i]
        arr_p = st[v, i - 1] + svc[a] + dur[prof, a, p]
        tp = _wstart(p, arr_p, wlo, whi, nw)
        if tp < 0 or tp > vlate[v]:
            continue
        fits = True
        for d in range(dims):
            x = load[v, i - 1, d] + delta[p, d]
            if x < 0 or x > cap[v, d]:
                fits = False
        if not fits:
            continue
        if q < 0:  # a visit: its load stays on board to the end
            for d in range(dims):
                if smax[v, i, d] + delta[p, d] > cap[v, d] or smin[v, i, d] + delta[p, d] < 0:
                    fits = False
            if not fits:
                continue
            if tp + svc[p] + dur[prof, p, b] > late[v, i]:
                continue
            busy_add = dur[prof, a, p] + dur[prof, p, b] - dur[prof, a, b] + svc[p]
            if busycap[v] >= 0 and busy[v] + busy_add > busycap[v]:
                continue
            if blink > 0 and np.random.random() < blink:
                continue
            cost = dist[prof, a, p] + dist[prof, p, b] - dist[prof, a, b] + extra
            if cost < best:
                best, bi, bm = cost, i, -1
                sure, si, sm = cost, i, -1
            continue
        ride_max = _ride_limit(maxride, k)
        cost_p = dist[prof, a, p] + dist[prof, p, b] - dist[prof, a, b]
        busy_p = dur[prof, a, p] + dur[prof, p, b] - dur[prof, a, b] + svc[p]
        # the second node right after the first
        arr_q = tp + svc[p] + dur[prof, p, q]
        tq = _wstart(q, arr_q, wlo, whi, nw)
        busy_add = dur[prof, a, p] + dur[prof, p, q] + dur[prof, q, b] - dur[prof, a, b]
        busy_add += svc[p] + svc[q]
        if (
            0 <= tq <= vlate[v]
            and (ride_max < 0 or dur[prof, p, q] <= ride_max)
            and tq + svc[q] + dur[prof, q, b] <= late[v, i]
            and (busycap[v] < 0 or busy[v] + busy_add <= busycap[v])
            and not (blink > 0 and np.random.random() < blink)
        ):
            cost = dist[prof, a, p] + dist[prof, p, q] + dist[prof, q, b]
            cost += extra - dist[prof, a, b]
            if cost < best:
                best, bi, bm = cost, i, i - 1
            if cost < sure and (ride_max < 0 or tq - tp - svc[p] <= ride_max):
                sure, si, sm = cost, i, i - 1
        # the second node after position m >= i: starts from i on are pushed by p
        arr = tp + svc[p] + dur[prof, p, b]
        if arr > late[v, i]:
            continue
        t = _wstart(b, arr, wlo, whi, nw)
        chain = dur[prof, p, b]  # from leaving p to reaching seq[m], no waiting
        for m in range(i, length - 1):
            c = seq[m]
            if m > i:
                arr = t + svc[seq[m - 1]] + dur[prof, seq[m - 1], c]
                if arr > late[v, m]:
                    break
                t = _wstart(c, arr, wlo, whi, nw)
                chain += svc[seq[m - 1]] + dur[prof, seq[m - 1], c]
            room = True
            for d in range(dims):
                x = load[v, m, d] + delta[p, d]
                if x < 0 or x > cap[v, d]:
                    room = False
            if not room:
                break
            arr_q = t + svc[c] + dur[prof, c, q]
            tq = _wstart(q, arr_q, wlo, whi, nw)
            if tq < 0 or tq > vlate[v]:
                continue
            if ride_max >= 0 and chain + svc[c] + dur[prof, c, q] > ride_max:
                break
            e = seq[m + 1]
            if tq + svc[q] + dur[prof, q, e] > late[v, m + 1]:
                continue
            busy_add = busy_p + dur[prof, c, q] + dur[prof, q, e] - dur[prof, c, e] + svc[q]
            if busycap[v] >= 0 and busy[v] + busy_add > busycap[v]:
                continue
            if blink > 0 and np.random.random() < blink:
                continue
            cost = cost_p + dist[prof, c, q] + dist[prof, q, e] - dist[prof, c, e] + extra
            if cost < best:
                best, bi, bm = cost, i, m
            if cost < sure and (ride_max < 0 or tq - tp - svc[p] <= ride_max):
                sure, si, sm = cost, i, m
    return best, bi, bm, si, sm


@_jit
def _spliced(seq: IntArray, length: int, p: int, q: int, i: int, m: int, out: IntArray) -> int:
    """``seq`` with ``p`` before position ``i`` and ``q`` (if >= 0) after ``m``; new length."""
    n = 0
    for k in range(length):
        if k == i:
            out[n] = p
            n += 1
            if q >= 0 and m == i - 1:
                out[n] = q
                n += 1
        out[n] = seq[k]
        n += 1
        if q >= 0 and m >= i and k == m:
            out[n] = q
            n += 1
    return n


@_jit
def _trial(k: int, v: int, i: int, m: int, data: Data, state: State, scratch: Scratch) -> int:
    """Route ``v`` with task ``k`` at ``(i, m)`` (see :func:`_best_in_route`) into
    ``scratch[0]``, simulated in full: its length when every rule holds, else 0.

    Called, not inlined, from :func:`_insert`: with the whole simulation (ride rounds
    included) copied into it, the search ran 0.83x as many steps per second as before the
    rounds were added, against 0.89x with this call (``bar-n100-2``, one run each).
    """
    busycap = data[BUSYCAP]
    buf = scratch[0]
    length = _spliced(state[ROUTE][v], state[RLEN][v], data[FIRST][k], data[SECOND][k], i, m, buf)
    ok, b, _, _ = _simulate(
        buf, length, v, data, scratch[1], scratch[2], scratch[3], scratch[4], scratch[5]
    )
    return length if ok and (busycap[v] < 0 or b <= busycap[v]) else 0


@_jit
def _verified_place(
    k: int, v: int, data: Data, state: State, scratch: Scratch
) -> tuple[int, int, int]:
    """The cheapest place of task ``k`` in route ``v`` that passes a full simulation:
    (cost, i, m), cost _HUGE for none. Every place is costed, then simulated cheapest
    first: slow, so only for a ride-limited task whose screened place failed."""
    dist = data[DIST]
    p = data[FIRST][k]
    q = data[SECOND][k]
    seq = state[ROUTE][v]
    length = state[RLEN][v]
    prof = data[VPROF][v]
    extra = data[FIXED][v] if length == 2 else 0
    n = length * length
    cost = np.full(n, _HUGE, dtype=np.int64)
    at_i = np.zeros(n, dtype=np.int64)
    at_m = np.zeros(n, dtype=np.int64)
    c = 0
    for i in range(1, length):
        a = seq[i - 1]
        b = seq[i]
        cost_p = dist[prof, a, p] + dist[prof, p, b] - dist[prof, a, b] + extra
        if q < 0:
            cost[c], at_i[c], at_m[c] = cost_p, i, -1
            c += 1
            continue
        cost[c] = dist[prof, a, p] + dist[prof, p, q] + dist[prof, q, b] - dist[prof, a, b]
        cost[c] += extra
        at_i[c], at_m[c] = i, i - 1
        c += 1
        for m in range(i, length - 1):
            x = seq[m]
            y = seq[m + 1]
            cost[c] = cost_p + dist[prof, x, q] + dist[prof, q, y] - dist[prof, x, y]
            at_i[c], at_m[c] = i, m
            c += 1
    for j in np.argsort(cost[:c], kind="mergesort"):
        if _trial(k, v, at_i[j], at_m[j], data, state, scratch) > 0:
            return int(cost[j]), int(at_i[j]), int(at_m[j])
    return _HUGE, -1, -1


@_jit
def _insert(
    k: int, data: Data, state: State, scratch: Scratch, allow_empty: bool, blink: float
) -> bool:
    """Insert task ``k`` at its cheapest verified place; returns whether it was inserted.

    The cheapest place over all routes is simulated in full. When the route breaks a rule
    there and that place's ride was not sure on the earliest schedule (see
    :func:`_best_in_route`), the route's cheapest place that passes a full simulation
    (:func:`_verified_place`) competes next; otherwise the route drops out."""
    vclass = data[VCLASS]
    route = state[ROUTE]
    rlen = state[RLEN]
    buf = scratch[0]
    costs = scratch[6]
    pos_i = scratch[7]
    pos_m = scratch[8]
    seen = scratch[9]
    sure_i = scratch[10]
    sure_m = scratch[11]
    n_vehicles = rlen.shape[0]
    seen[:] = 0
    for v in range(n_vehicles):
        costs[v] = _HUGE
        if rlen[v] == 2:
            if not allow_empty or seen[vclass[v]] == 1:
                continue
            seen[vclass[v]] = 1
        c, i, m, si, sm = _best_in_route(k, v, data, state, blink)
        costs[v] = c
        pos_i[v] = i
        pos_m[v] = m
        sure_i[v] = si
        sure_m[v] = sm
    while True:
        v = int(np.argmin(costs))
        if costs[v] >= _HUGE:
            return False
        length = _trial(k, v, pos_i[v], pos_m[v], data, state, scratch)
        if length > 0:
            route[v, :length] = buf[:length]
            rlen[v] = length
            _refresh(v, data, state)
            return True
        if sure_i[v] != pos_i[v] or sure_m[v] != pos_m[v]:  # the place tried was unsure
            costs[v], pos_i[v], pos_m[v] = _verified_place(k, v, data, state, scratch)
            sure_i[v] = pos_i[v]  # verified: a second failure drops the route
            sure_m[v] = pos_m[v]
        else:
            costs[v] = _HUGE


@_jit
def _remove(k: int, data: Data, state: State) -> int:
    """Take task ``k`` out of its route (both nodes); returns the vehicle, -1 if unassigned."""
    first = data[FIRST]
    second = data[SECOND]
    route = state[ROUTE]
    rlen = state[RLEN]
    veh_of = state[VEH_OF]
    p = first[k]
    v = veh_of[p]
    if v < 0:
        return -1
    q = second[k]
    n = 0
    for j in range(rlen[v]):
        node = route[v, j]
        if node in (p, q):
            continue
        route[v, n] = node
        n += 1
    rlen[v] = n
    veh_of[p] = -1
    if q >= 0:
        veh_of[q] = -1
    _refresh(v, data, state)
    return int(v)


@_jit
def objective(data: Data, state: State) -> int:
    """Metres plus the fixed costs of used routes plus the penalties of unassigned tasks."""
    penalty = data[PENALTY]
    fixed = data[FIXED]
    first = data[FIRST]
    rlen = state[RLEN]
    rdist = state[RDIST]
    veh_of = state[VEH_OF]
    total = 0
    for v in range(rlen.shape[0]):
        if rlen[v] > 2:
            total += rdist[v] + fixed[v]
    for k in range(first.shape[0]):
        if veh_of[first[k]] < 0:
            total += penalty[k]
    return total


@_jit
def _ruin(data: Data, state: State, removed: IntArray, avg_removed: float, max_string: int) -> int:
    """SISR's adjacent string removal; the removed tasks go into ``removed``; returns count."""
    ntask = data[NTASK]
    first = data[FIRST]
    second = data[SECOND]
    adj = data[ADJ]
    route = state[ROUTE]
    rlen = state[RLEN]
    veh_of = state[VEH_OF]
    n_vehicles = rlen.shape[0]
    count = 0
    assigned = 0
    used = 0
    for v in range(n_vehicles):
        if rlen[v] > 2:
            used += 1
    for k in range(first.shape[0]):
        if veh_of[first[k]] >= 0:
            assigned += 1 if second[k] < 0 else 2
    if assigned == 0:
        return 0
    cardinality = assigned / max(used, 1)  # task stops per used route
    ls_max = min(float(max_string), cardinality)
    ks_max = 4.0 * avg_removed / (1.0 + ls_max) - 1.0
    ks = int(np.random.random() * ks_max) + 1
    # a random assigned task node as the seed
    while True:
        k = np.random.randint(first.shape[0])
        if veh_of[first[k]] >= 0:
            break
    seed = first[k]
    ruined = np.zeros(n_vehicles, dtype=np.bool_)
    done = 0
    for j in range(-1, adj.shape[1]):
        c = seed if j < 0 else adj[seed, j]  # the seed's own route first, as in SISR
        if c < 0:
            break
        v = veh_of[c]
        if v < 0 or ruined[v]:
            continue
        ruined[v] = True
        # the task nodes of route v, in order
        nodes = np.empty(rlen[v], dtype=np.int64)
        t = 0
        at = 0
        for x in range(1, rlen[v] - 1):
            if ntask[route[v, x]] >= 0:
                if route[v, x] == c:
                    at = t
                nodes[t] = route[v, x]
                t += 1
        lmax = min(float(t), ls_max)
        size = int(np.random.random() * lmax) + 1
        lo = max(0, at - size + 1)
        hi = min(at, t - size)
        begin = lo + np.random.randint(hi - lo + 1)
        for x in range(begin, begin + size):
            task = ntask[nodes[x]]
            if veh_of[first[task]] >= 0:
                _remove(task, data, state)
                removed[count] = task
                count += 1
        done += 1
        if done >= ks:
            break
    return count


@_jit
def _recreate(
    tasks: IntArray,
    count: int,
    data: Data,
    state: State,
    scratch: Scratch,
    allow_empty: bool,
    blink: float,
    demand: FloatArray,
    far: FloatArray,
) -> None:
    """Insert ``tasks[:count]`` in one of SISR's orders (random 4, demand 4, far 2, close 1)."""
    r = np.random.random() * 11.0
    order = tasks[:count].copy()
    if r < 4.0:
        np.random.shuffle(order)
    elif r < 8.0:
        order = order[np.argsort(-demand[order], kind="mergesort")]
    elif r < 10.0:
        order = order[np.argsort(-far[order], kind="mergesort")]
    else:
        order = order[np.argsort(far[order], kind="mergesort")]
    for k in order:
        _insert(k, data, state, scratch, allow_empty, blink)


@_jit
def _unassigned(data: Data, state: State, out: IntArray) -> int:
    first = data[FIRST]
    veh_of = state[VEH_OF]
    n = 0
    for k in range(first.shape[0]):
        if veh_of[first[k]] < 0:
            out[n] = k
            n += 1
    return n


@_jit
def construct(
    data: Data, state: State, scratch: Scratch, demand: FloatArray, far: FloatArray
) -> None:
    """Insert every unassigned task (SISR's recreate from the own routes)."""
    tasks = np.empty(data[FIRST].shape[0], dtype=np.int64)
    n = _unassigned(data, state, tasks)
    _recreate(tasks, n, data, state, scratch, True, 0.0, demand, far)


@_jit
def seed_random(seed: int) -> None:
    """Seed numba's generator (separate from numpy's)."""
    np.random.seed(seed)


@_jit
def _sync(src: State, dst: State, touched: BoolArray, data: Data) -> None:
    """Make ``dst``'s touched routes equal ``src``'s, tables included."""
    veh_of = dst[VEH_OF]
    for v in range(touched.shape[0]):
        if not touched[v]:
            continue
        for k in range(dst[RLEN][v]):
            veh_of[dst[ROUTE][v, k]] = -1
    for v in range(touched.shape[0]):
        if touched[v]:
            dst[ROUTE][v, :] = src[ROUTE][v, :]
            dst[RLEN][v] = src[RLEN][v]
            _refresh(v, data, dst)


@_jit
def _touched_routes(before: State, after: State, touched: BoolArray) -> bool:
    """Mark the routes whose node sequence differs between two states; returns whether
    every marked route of ``after`` is feasible.

    An insertion is made only into a route that stays feasible, but taking a task out
    can break a route: where travel times break the triangle inequality (rounded road
    times), or where :func:`_delay_pickups` gives up after its rounds. Before rides were
    met by starting pickups later, this happened on elder-meal days: without a stop
    before a pickup, the pickup started earlier while its drop-off still waited for its
    window, and the ride grew past its limit. A result with such a route is never
    accepted.
    """
    feasible = True
    for v in range(touched.shape[0]):
        touched[v] = False
        if before[RLEN][v] != after[RLEN][v]:
            touched[v] = True
        else:
            for k in range(before[RLEN][v]):
                if before[ROUTE][v, k] != after[ROUTE][v, k]:
                    touched[v] = True
                    break
        if touched[v] and not after[FEASIBLE][v]:
            feasible = False
    return feasible


@_jit
def anneal(
    data: Data,
    cur: State,
    work: State,
    best: State,
    scratch: Scratch,
    demand: FloatArray,
    far: FloatArray,
    iterations: int,
    t_from: float,
    t_to: float,
    avg_removed: float,
    max_string: int,
    blink: float,
) -> int:
    """``iterations`` of ruin and recreate with annealing acceptance, temperature from
    ``t_from`` to ``t_to`` geometrically; ``best`` keeps the lowest objective. ``work``
    equals ``cur`` on entry and on exit. Returns the best objective."""
    n_tasks = data[FIRST].shape[0]
    removed = np.empty(n_tasks, dtype=np.int64)
    touched = np.zeros(cur[RLEN].shape[0], dtype=np.bool_)
    cur_obj = objective(data, cur)
    best_obj = objective(data, best)
    for it in range(iterations):
        frac = it / max(iterations, 1)
        temp = t_from * (t_to / t_from) ** frac if t_from > 0 else 0.0
        count = _ruin(data, work, removed, avg_removed, max_string)
        count += _unassigned_not_in(data, work, removed, count)
        _recreate(removed, count, data, work, scratch, True, blink, demand, far)
        new_obj = objective(data, work)
        feasible = _touched_routes(cur, work, touched)
        threshold = cur_obj
        if temp > 0:
            threshold = cur_obj - temp * np.log(np.random.random())
        if feasible and new_obj < threshold:
            _sync(work, cur, touched, data)
            cur_obj = new_obj
            if new_obj < best_obj:
                best_obj = new_obj
                for v in range(touched.shape[0]):
                    touched[v] = True
                _sync(cur, best, touched, data)
        else:
            _sync(cur, work, touched, data)
    return best_obj


@_jit
def _unassigned_not_in(data: Data, state: State, removed: IntArray, count: int) -> int:
    """Append the tasks unassigned before the ruin to ``removed[count:]``; returns how many."""
    first = data[FIRST]
    veh_of = state[VEH_OF]
    mark = np.zeros(first.shape[0], dtype=np.bool_)
    for j in range(count):
        mark[removed[j]] = True
    n = 0
    for k in range(first.shape[0]):
        if veh_of[first[k]] < 0 and not mark[k]:
            removed[count + n] = k
            n += 1
    return n


@_jit
def shrink(
    data: Data,
    cur: State,
    work: State,
    best: State,
    scratch: Scratch,
    demand: FloatArray,
    far: FloatArray,
    absences: IntArray,
    iterations: int,
    avg_removed: float,
    max_string: int,
    blink: float,
) -> bool:
    """SISR's fleet minimisation: ``iterations`` of ruin and recreate without new routes.

    Whenever ``cur`` serves every task it becomes ``best`` and loses its removable
    route with the fewest tasks (the tasks become unassigned). A result with fewer
    unassigned tasks, or a smaller sum of their ``absences``, replaces ``cur``; every
    task a result leaves out gains an absence. ``work`` equals ``cur`` on entry and on
    exit. Returns whether ``cur`` could still lose a route.
    """
    n_tasks = data[FIRST].shape[0]
    removable = data[REMOVABLE]
    removed = np.empty(n_tasks, dtype=np.int64)
    out = np.empty(n_tasks, dtype=np.int64)
    left = np.empty(n_tasks, dtype=np.int64)
    touched = np.zeros(cur[RLEN].shape[0], dtype=np.bool_)
    n_cur = _unassigned(data, cur, out)
    for _ in range(iterations):
        sum_cur = 0
        for j in range(n_cur):
            sum_cur += absences[out[j]]
        if n_cur == 0:
            touched[:] = True
            _sync(cur, best, touched, data)
            target = -1
            for v in range(cur[RLEN].shape[0]):
                fewer = target < 0 or cur[RTASKS][v] < cur[RTASKS][target]
                if cur[RLEN][v] > 2 and removable[v] and fewer:
                    target = v
            if target < 0:
                return False
            length = cur[RLEN][target]
            nodes = cur[ROUTE][target, 1 : length - 1].copy()
            for node in nodes:
                task = data[NTASK][node]
                if task >= 0 and cur[VEH_OF][data[FIRST][task]] >= 0:
                    _remove(task, data, cur)
                    _remove(task, data, work)
            n_cur = _unassigned(data, cur, out)
            sum_cur = 0
            for j in range(n_cur):
                sum_cur += absences[out[j]]
        count = _ruin(data, work, removed, avg_removed, max_string)
        count += _unassigned_not_in(data, work, removed, count)
        _recreate(removed, count, data, work, scratch, False, blink, demand, far)
        n_new = _unassigned(data, work, left)
        sum_new = 0
        for j in range(n_new):
            sum_new += absences[left[j]]
        feasible = _touched_routes(cur, work, touched)
        if feasible and (n_new < n_cur or sum_new < sum_cur):
            _sync(work, cur, touched, data)
        else:
            _sync(cur, work, touched, data)
        for j in range(n_new):
            absences[left[j]] += 1
        n_cur = _unassigned(data, cur, out)
    if n_cur == 0:
        touched[:] = True
        _sync(cur, best, touched, data)
    return True
