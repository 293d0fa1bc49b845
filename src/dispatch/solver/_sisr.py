"""Slack induction by string removals (SISR), compiled, over a compiled problem.

Christiaens and Vanden Berghe's ruin-and-recreate search (Transportation Science,
2020), run in :mod:`dispatch.solver._sisr_kernels` with numba:

1. *Construction*: every task inserted at its cheapest feasible place, in one of
   SISR's orders, starting from the couriers' own routes.
2. *Settling* (only when step 3 runs): a short annealing as in step 4, from the
   construction; its best plan is kept aside.
3. *Fleet minimisation* (only when some courier has a fixed cost and the
   construction serves every task), from the construction: a removable route (no
   own stops) with the fewest tasks is emptied, and ruin and recreate without
   opening routes tries to serve its tasks elsewhere. A result is accepted when it
   leaves fewer tasks out, or tasks left out less often so far (their *absences*);
   a result serving all tasks becomes the best plan and loses the next route. The
   settled plan replaces that best plan when its objective is lower (as few routes,
   shorter).
4. *Distance*: ruin and recreate from the best plan, accepted by simulated annealing
   over the whole objective (metres, fixed costs of used routes, penalties of tasks
   left out), cooling geometrically with the time spent.

Why step 2: the fleet minimisation accepts plans by the tasks they serve, not by
distance, so the plan it hands over can be poorly shaped, and with few full routes
the annealing may never leave it (a route more costs its fixed cost; full routes
leave no room to move strings between them). Solomon's ``c201``, ``c203`` and
``c204`` (three routes for 100 customers) ended over 1 % long (+13 to +38 %) on 4,
5 and 4 of 12 seeds without it, on 0, 1 and 1 with it (+13 and +11 %; 5 s, one
core, seeds 0 to 11, fleet minimisation then ending at 40 % of the budget). The
fleet minimisation starts from the construction, not from the settled plan:
started from the settled plan, it reached Solomon's best-known fleet on 44
instances instead of 49 (seed 0).

Ruin removes strings of consecutive tasks from routes near a random seed task (a
pair's other stop goes with it). Recreate inserts each task at its cheapest place,
skipping each place with probability ``BLINK``. Every rule of the problem is kept:
windows (several per stop), shifts, capacities in every dimension, pairs on one
courier pickup first, maximum ride times (a pickup starts later when its ride needs
it), detour budgets, task caps, skills and kinds, and own stops, which stay on their
courier in their order. A place is screened in constant time and the chosen one
simulated in full before it is taken, and a ruin-and-recreate result with a broken
route is never accepted, so every plan in the search is feasible.

Travel is the compiled problem's integer matrices (seconds rounded up, metres
rounded; see :mod:`dispatch.solver._ortools`). The search runs in chunks of
iterations between which the driver reads the clock; a chunk lasts about
``_CHUNK_S``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any, Final

import attrs
import numpy as np

from dispatch.errors import SolverError
from dispatch.plan import SolveStatus
from dispatch.solver._compile import CompiledProblem
from dispatch.solver._fleet import interchangeable
from dispatch.solver._ortools import RawSolution
from dispatch.solver._schedule import own_baseline_busy_s

__all__ = ["sisr_routes"]

#: Mean number of tasks a ruin removes (SISR's c-bar) and longest string (L-max).
AVG_REMOVED: Final = 10
MAX_STRING: Final = 10
#: Probability of skipping a place during recreate (SISR's blink rate).
BLINK: Final = 0.01
#: Share of the budget for settling and fleet minimisation together (when couriers
#: have fixed costs), and the share of the budget, out of that, for settling. With 0.4
#: (the fleet minimisation's share before settling was added), Solomon's R1, RC1 and
#: C2 at 5 s with two searches reached the best-known fleet on 21 and 21 of 28 (seeds
#: 0 and 10); with 0.5, on 23 and 24, as before settling.
FLEET_SHARE: Final = 0.5
SETTLE_SHARE: Final = 0.1
#: Annealing temperatures at the start and the end, times the mean distance from a task
#: stop to its nearest other task stop (SISR's 100 and 1 are about 10 and 0.1 of that on
#: Solomon-like instances). One search each at 5 s, side by side: against 1 and 0.01,
#: Sartori-Buriol's 26 better on 22, worse on 2 (mean gap +2.09 % against +3.28 %);
#: Solomon's 19 long-route instances (c2, r2) better on 10, worse on 4; against 30 and
#: 0.3, Sartori better on 15, worse on 10.
T_START: Final = 10.0
T_END: Final = 0.1
#: Nearest task stops listed per task stop for the ruin.
_NEIGHBOURS: Final = 100
_CHUNK_S: Final = 0.02


def _windows(cp: CompiledProblem) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Padded windows per node; start and end nodes get their courier's shift."""
    horizon = cp.horizon_s
    rows: list[list[tuple[int, int]]] = []
    for node in range(cp.n_nodes):
        windows = cp.node_windows[node]
        if windows:
            rows.append([(min(w.earliest_s, horizon), min(w.latest_s, horizon)) for w in windows])
        else:
            rows.append([(0, horizon)])
    for v, courier in enumerate(cp.couriers):
        shift = (courier.shift.earliest_s, min(courier.shift.latest_s, horizon))
        rows[cp.starts[v]] = [shift]
        rows[cp.ends[v]] = [shift]
    width = max(len(r) for r in rows)
    wlo = np.zeros((cp.n_nodes, width), dtype=np.int64)
    whi = np.zeros((cp.n_nodes, width), dtype=np.int64)
    nw = np.array([len(r) for r in rows], dtype=np.int64)
    for node, r in enumerate(rows):
        for w, (lo, hi) in enumerate(r):
            wlo[node, w], whi[node, w] = lo, hi
    return wlo, whi, nw


def _eligibility(cp: CompiledProblem) -> np.ndarray:
    n_tasks, n_vehicles = len(cp.task_ids), cp.n_vehicles
    elig = np.zeros((n_tasks, n_vehicles), dtype=np.int64)
    memo: dict[tuple[frozenset[str], str], np.ndarray] = {}
    for k in range(n_tasks):
        key = (cp.node_skills[cp.task_nodes[k][0]], cp.task_kind[k])
        if key not in memo:
            memo[key] = np.array([cp.eligible(k, v) for v in range(n_vehicles)], dtype=np.int64)
        elig[k] = memo[key]
    return elig


def _classes(cp: CompiledProblem) -> np.ndarray:
    vclass = np.arange(cp.n_vehicles, dtype=np.int64)
    for members in interchangeable(cp.couriers):
        vclass[members] = members[0]
    return vclass


def _neighbours(cp: CompiledProblem, n_task_nodes: int) -> tuple[np.ndarray, float]:
    """Per task node its nearest other task nodes (metres of the first profile), and
    the mean distance to the nearest one."""
    if n_task_nodes < 2:
        return np.full((max(n_task_nodes, 1), 1), -1, dtype=np.int64), 1.0
    dist = cp.distances_m[0][:n_task_nodes, :n_task_nodes].astype(np.float64)
    sym = dist + dist.T
    np.fill_diagonal(sym, np.inf)
    width = min(_NEIGHBOURS, n_task_nodes - 1)
    near = np.argpartition(sym, width - 1, axis=1)[:, :width]
    order = np.take_along_axis(sym, near, axis=1).argsort(axis=1, kind="stable")
    adj = np.take_along_axis(near, order, axis=1).astype(np.int64)
    nearest = sym[np.arange(n_task_nodes), adj[:, 0]] / 2
    return adj, max(float(nearest.mean()), 1.0)


def _data(cp: CompiledProblem, penalties: Sequence[int]) -> tuple[tuple[Any, ...], float]:
    n_tasks = len(cp.task_ids)
    n_task_nodes = sum(len(t) for t in cp.task_nodes)
    wlo, whi, nw = _windows(cp)
    first = np.array([t[0] for t in cp.task_nodes], dtype=np.int64).reshape(n_tasks)
    second = np.array([t[1] if len(t) == 2 else -1 for t in cp.task_nodes], dtype=np.int64)
    second = second.reshape(n_tasks)
    maxride = np.array([-1 if r is None else r for r in cp.max_ride_s], dtype=np.int64)
    maxride = maxride.reshape(n_tasks)
    couriers = cp.couriers
    busycap = np.array(
        [
            -1 if c.detour_budget_s is None else own_baseline_busy_s(cp, v) + c.detour_budget_s
            for v, c in enumerate(couriers)
        ],
        dtype=np.int64,
    )
    adj, nearest = _neighbours(cp, n_task_nodes)
    data = (
        np.stack(cp.durations_s).astype(np.int64),
        np.stack(cp.distances_m).astype(np.int64),
        np.array(cp.vehicle_profile, dtype=np.int64),
        cp.node_service_s.astype(np.int64),
        wlo,
        whi,
        nw,
        cp.node_delta.astype(np.int64),
        np.array([c.capacity for c in couriers], dtype=np.int64).reshape(
            cp.n_vehicles, cp.node_delta.shape[1]
        ),
        cp.node_task.astype(np.int64),
        first,
        second,
        maxride if (maxride >= 0).any() else None,  # None: compiled without ride checks
        np.array(penalties, dtype=np.int64).reshape(n_tasks),
        _eligibility(cp),
        busycap,
        np.array([-1 if c.max_tasks is None else c.max_tasks for c in couriers], dtype=np.int64),
        np.array([c.fixed_cost for c in couriers], dtype=np.int64),
        _classes(cp),
        np.array([c.shift.earliest_s for c in couriers], dtype=np.int64),
        np.array([min(c.shift.latest_s, cp.horizon_s) for c in couriers], dtype=np.int64),
        adj,
        np.array([not own for own in cp.own_nodes], dtype=np.bool_),
    )
    return data, nearest


def _fresh_state(cp: CompiledProblem, data: tuple[Any, ...]) -> tuple[Any, ...]:
    from dispatch.solver import _sisr_kernels as kernels

    max_len = sum(len(t) for t in cp.task_nodes) + max((len(o) for o in cp.own_nodes), default=0)
    state = kernels.new_state(cp.n_nodes, cp.n_vehicles, max_len + 2, cp.node_delta.shape[1])
    route, rlen = state[kernels.ROUTE], state[kernels.RLEN]
    for v in range(cp.n_vehicles):
        nodes = [cp.starts[v], *cp.own_nodes[v], cp.ends[v]]
        route[v, : len(nodes)] = nodes
        rlen[v] = len(nodes)
    kernels.refresh_all(data, state)
    return state


def _copy(state: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(a.copy() for a in state)


def _phase(
    step: Callable[[int, float, float], bool], *, until: float, iterations: int | None
) -> int:
    """Call ``step(n, a, b)`` (``n`` iterations spanning progress ``a`` to ``b`` of the
    phase) in chunks of about ``_CHUNK_S`` until ``until`` or ``iterations``, or until
    ``step`` returns False; returns the iterations run."""
    done, chunk = 0, 10
    start = time.perf_counter()
    span = max(until - start, 1e-9)
    while (now := time.perf_counter()) < until:
        if iterations is not None and done >= iterations:
            break
        n = chunk if iterations is None else min(chunk, iterations - done)
        if iterations is None:
            a = min(1.0, (now - start) / span)
            b = min(1.0, a + _CHUNK_S / span)
        else:
            a, b = done / iterations, (done + n) / iterations
        going = step(n, a, b)
        done += n
        if not going:
            break
        spent = time.perf_counter() - now
        chunk = max(1, min(chunk * 2, int(n * _CHUNK_S / max(spent, 1e-6))))
    return done


def sisr_routes(
    cp: CompiledProblem,
    penalties: Sequence[int],
    *,
    deadline: float,
    iterations: int | None = None,
    seed: int = 0,
    on_solution: Callable[[int], None] | None = None,
) -> RawSolution:
    """Search until ``deadline`` (``time.perf_counter()``) or for ``iterations`` ruin and
    recreate steps in all, whichever comes first; the best plan found.

    ``penalties[k]`` is the cost of leaving compiled task ``k`` out. The routes are
    per vehicle, start and end included, with the earliest service starts. The same
    seed and iterations give the same plan. ``on_solution`` receives the objective of
    the best plan after each chunk of iterations that improved it (and after the
    construction).
    """
    from dispatch.solver import _sisr_kernels as kernels

    data, nearest = _data(cp, penalties)
    kernels.seed_random(seed)
    cur = _fresh_state(cp, data)
    n_vehicles = cp.n_vehicles
    max_len = cur[kernels.ROUTE].shape[1]
    scratch = kernels.new_scratch(max_len, n_vehicles, cp.node_delta.shape[1])
    first = data[kernels.FIRST]
    demand = np.clip(cp.node_delta[first], 0, None).sum(axis=1).astype(np.float64)
    depot = cp.starts[0] if n_vehicles else 0
    far = cp.distances_m[0][depot, first].astype(np.float64)
    kernels.construct(data, cur, scratch, demand, far)
    reported = [int(kernels.objective(data, cur))]
    if on_solution is not None:
        on_solution(reported[0])

    def report() -> None:
        value = int(kernels.objective(data, best))
        if on_solution is not None and value < reported[0]:
            reported[0] = value
            on_solution(value)

    best = _copy(cur)
    work = _copy(cur)
    began = time.perf_counter()
    budget = max(deadline - began, 0.0)
    t_start, t_end = T_START * nearest, T_END * nearest

    def anneal(n: int, a: float, b: float) -> bool:
        kernels.anneal(
            data,
            cur,
            work,
            best,
            scratch,
            demand,
            far,
            n,
            t_start * (t_end / t_start) ** a,
            t_start * (t_end / t_start) ** b,
            AVG_REMOVED,
            MAX_STRING,
            BLINK,
        )
        report()
        return True

    rest = iterations
    serves_all = not (cur[kernels.VEH_OF][first] < 0).any()
    if serves_all and bool(data[kernels.FIXED].max(initial=0) > 0) and len(first):
        settle = None if iterations is None else int(iterations * SETTLE_SHARE)
        fleet = None if iterations is None else int(iterations * FLEET_SHARE) - (settle or 0)
        rest = None if iterations is None else iterations - (settle or 0) - (fleet or 0)
        constructed = _copy(cur)
        _phase(anneal, until=began + SETTLE_SHARE * budget, iterations=settle)
        settled = best
        cur, work, best = _copy(constructed), _copy(constructed), constructed
        absences = np.zeros(len(first), dtype=np.int64)

        def shrink(n: int, a: float, b: float) -> bool:
            more = bool(
                kernels.shrink(
                    data,
                    cur,
                    work,
                    best,
                    scratch,
                    demand,
                    far,
                    absences,
                    n,
                    AVG_REMOVED,
                    MAX_STRING,
                    BLINK,
                )
            )
            report()
            return more

        _phase(shrink, until=began + FLEET_SHARE * budget, iterations=fleet)
        if kernels.objective(data, settled) < kernels.objective(data, best):
            best = settled  # fewer routes, or as few and shorter
        cur, work = _copy(best), _copy(best)
    if len(first):
        _phase(anneal, until=deadline, iterations=rest)
    if kernels.refresh_all(data, best):  # only results with feasible routes are kept
        raise SolverError("the string-removal search produced an infeasible route")
    route, rlen, start = best[kernels.ROUTE], best[kernels.RLEN], best[kernels.ST]
    routes = tuple(tuple(int(n) for n in route[v, : rlen[v]]) for v in range(n_vehicles))
    starts = tuple(tuple(int(t) for t in start[v, : rlen[v]]) for v in range(n_vehicles))
    return RawSolution(
        status=SolveStatus.FEASIBLE,
        routes=routes,
        start_times_s=starts,
        objective=int(kernels.objective(data, best)),
    )


def warm_up() -> None:
    """Load (or compile) the kernels on a two-errand problem, outside any budget.

    The portfolio's worker processes call it when they start: loading the kernels from
    numba's cache takes a few tenths of a second in a fresh process, compiling them
    (no cache yet) some tens of seconds. Both versions are loaded: for problems with
    maximum ride times and for problems without.

    Examples
    --------
    >>> warm_up()
    """
    from dispatch.model import Courier, Errand, Location, Problem, Stop, TimeWindow
    from dispatch.solver._compile import compile_problem
    from dispatch.travel import MatrixTravel

    travel = MatrixTravel(nodes=[0, 1, 2], durations_s=[[0, 60, 90], [60, 0, 40], [90, 40, 0]])
    car = Courier(
        id="a", start=Location(node=0), shift=TimeWindow(0, 3600), capacity=2, fixed_cost=1000
    )
    errands = [
        Errand(
            id=f"e{k}",
            pickup=Stop(location=Location(node=1)),
            dropoff=Stop(location=Location(node=2)),
        )
        for k in range(2)
    ]
    # Once without ride limits and once with one: the kernels compile a version for each.
    for tasks in (errands, [errands[0], attrs.evolve(errands[1], max_ride_s=600)]):
        problem = Problem(tasks=tasks, couriers=[car, attrs.evolve(car, id="b")], travel=travel)
        cp = compile_problem(problem)
        sisr_routes(cp, [10_000, 10_000], deadline=time.perf_counter() + 60, iterations=20)
