"""Fit a plan's leftovers into its routes as they stand, and say why the rest stay out.

A plan put together from parts routed apart (the zones of
:func:`~dispatch.eldercare.plan_day`, each in a share of the budget) can
leave a task out although some courier (of its part, if its search ran out
of time, or of the next part) still has room for it. :func:`fill_leftovers`
looks over the whole fleet: every task the plan leaves out is tried in the
route of every courier who could serve it alone and passes near, at its
cheapest feasible place (the route's order otherwise unchanged, the
earliest schedule); the best insertion of all, the highest priority first
(a meal before a check-in), is made, and again, until nothing more fits. It
only adds stops, so the plan never serves fewer tasks.

What stays out gets a reason over the whole fleet, not one part's couriers:
the rule that makes it impossible for every courier alone (``time_window``,
``skill``, ... from :mod:`dispatch.solver`'s proofs), or ``cost`` with
"fleet busy": some couriers could serve it alone, but none has room for it
in its route as planned.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import attrs
import numpy as np
import numpy.typing as npt

from dispatch.model import Courier, Problem
from dispatch.plan import ObjectiveParts, Plan, Route, Unassigned, UnassignedReason
from dispatch.solver._compile import CompiledProblem, compile_problem
from dispatch.solver._feasibility import _alone, prove_unservable
from dispatch.solver._insertion import cheapest_insertion
from dispatch.solver._schedule import own_baseline_busy_s, simulate
from dispatch.solver._solve import _plan_nodes, _route

__all__ = ["FLEET_BUSY", "fill_leftovers"]

FLEET_BUSY = "fleet busy"
"""How the detail of a task left out for want of room starts."""

#: Most positions (pairs of positions for a meal) tried per task and route, cheapest first.
MAX_CHECKS = 50


@attrs.define
class _Crew:
    """One courier's compiled problem (its route's tasks and its candidates) and route."""

    courier: Courier
    cp: CompiledProblem
    nodes: list[int]
    busy_limit: int | None
    changed: bool = False


def _latest_starts(crew: _Crew, base: Sequence[tuple[int, int, int]]) -> npt.NDArray[np.int64]:
    """The latest start each stop of the route could have in any schedule (windows, shift)."""
    cp, route = crew.cp, crew.nodes
    dur = cp.duration(0)
    shift_end = crew.courier.shift.latest_s
    latest = np.empty(len(route), dtype=np.int64)
    following = shift_end
    for k in range(len(route) - 1, -1, -1):
        node = route[k]
        windows = cp.node_windows[node]
        bound = min(shift_end, windows[-1].latest_s if windows else shift_end)
        if k + 1 < len(route):
            service = int(cp.node_service_s[node])
            bound = min(bound, following - service - int(dur[node, route[k + 1]]))
        latest[k] = max(bound, base[k][1])
        following = int(latest[k])
    return latest


def _fits_before(
    crew: _Crew,
    base: Sequence[tuple[int, int, int]],
    latest: npt.NDArray[np.int64],
    node: int,
) -> npt.NDArray[np.bool_]:
    """For each position ``i >= 1``: can ``node`` alone go before ``route[i]`` (a relaxation)?"""
    cp, route = crew.cp, crew.nodes
    dur = cp.duration(0)
    prev = np.asarray(route[:-1], dtype=np.intp)
    succ = np.asarray(route[1:], dtype=np.intp)
    departure = np.array([b[2] for b in base[:-1]], dtype=np.int64)
    arrival = departure + dur[prev, node]
    windows = cp.node_windows[node]
    start = arrival.copy()
    ok = np.ones(arrival.size, dtype=bool)
    if windows:
        ok = arrival <= windows[-1].latest_s
        start = np.maximum(arrival, windows[0].earliest_s)
    after = start + int(cp.node_service_s[node]) + dur[node, succ]
    fits: npt.NDArray[np.bool_] = ok & (after <= latest[1:])
    return fits


def _insert(
    crew: _Crew,
    task: int,
    max_checks: int,
    base: Sequence[tuple[int, int, int]],
    latest: npt.NDArray[np.int64],
) -> tuple[int, tuple[int, ...]] | None:
    """(added metres, new nodes) of the cheapest place found for compiled ``task``, or None.

    :func:`~dispatch.solver._insertion.cheapest_insertion`, with the places that a
    latest-start bound rules out skipped and at most ``max_checks`` of the others
    simulated. ``base`` is the route's earliest schedule, ``latest`` its latest starts.
    """
    nodes = crew.cp.task_nodes[task]
    fits = [_fits_before(crew, base, latest, n) for n in nodes]

    def admit(i: int, j: int) -> bool:
        return bool(fits[0][i - 1]) and (len(nodes) == 1 or i == j or bool(fits[1][j - 1]))

    return cheapest_insertion(
        crew.cp,
        0,
        crew.nodes,
        task,
        busy_limit=crew.busy_limit,
        schedule=base,
        admit=admit,
        max_checks=max_checks,
    )


def _crew(problem: Problem, plan: Plan, courier: Courier, candidates: Sequence[str]) -> _Crew:
    route = plan.route_of(courier.id)
    mine = [] if route is None else list(route.task_ids)
    sub = Problem(
        tasks=[problem.task(t) for t in (*mine, *candidates)],
        couriers=[courier],
        travel=problem.travel,
    )
    cp = compile_problem(sub)
    if route is None:
        inner = list(cp.own_nodes[0])
    else:
        own = Plan(
            routes=(route,),
            unassigned=(),
            objective=ObjectiveParts(distance_m=0, fixed_cost=0, penalty=0),
            status=plan.status,
            runtime_s=0.0,
        )
        inner = _plan_nodes(cp, own, {})[0][0]
    limit = None
    if courier.detour_budget_s is not None:
        limit = own_baseline_busy_s(cp, 0) + courier.detour_budget_s
    return _Crew(courier=courier, cp=cp, nodes=[cp.starts[0], *inner, cp.ends[0]], busy_limit=limit)


def fill_leftovers(
    problem: Problem,
    plan: Plan,
    *,
    reach_s: int = 600,
    max_couriers: int = 8,
    max_checks: int = MAX_CHECKS,
    deadline: float | None = None,
) -> Plan:
    """``plan`` with as many of its unassigned tasks as fit put into routes, and why the rest not.

    Parameters
    ----------
    problem, plan
        A problem and a feasible plan of it.
    reach_s, max_couriers
        A task is tried in the routes of the ``max_couriers`` couriers
        whose routes (starts included) come nearest to one of its stops,
        within ``reach_s`` seconds of travel.
    max_checks
        Places tried per task and route, cheapest first.
    deadline
        A ``time.perf_counter()`` value: no insertion starts after it (the
        reasons are still given).

    Returns
    -------
    Plan
        Routes in the order of ``problem.couriers``; a changed route runs
        on its earliest schedule. Every task still left out is explained
        over the whole fleet: the proof's reason when no courier could serve
        it even alone, else ``cost`` with a detail starting with
        :data:`FLEET_BUSY`. The penalty shrinks in proportion to the
        priority served.

    Examples
    --------
    >>> from dispatch import Courier, Location, MatrixTravel, Problem, Stop, TimeWindow, Visit
    >>> from dispatch.plan import ObjectiveParts, SolveStatus, Unassigned, UnassignedReason
    >>> travel = MatrixTravel(nodes=[0, 1], durations_s=[[0, 60], [60, 0]])
    >>> problem = Problem(
    ...     tasks=[Visit(id="v", stop=Stop(location=Location(node=1), windows=[(0, 600)])),
    ...            Visit(id="late", stop=Stop(location=Location(node=1), windows=[(0, 30)]))],
    ...     couriers=[Courier(id="c", start=Location(node=0), shift=TimeWindow(0, 3600),
    ...                       capacity=1)],
    ...     travel=travel)
    >>> empty = Plan(routes=(), unassigned=tuple(
    ...     Unassigned(task_id=t, reason=UnassignedReason.COST, detail="") for t in ("v", "late")),
    ...     objective=ObjectiveParts(distance_m=0, fixed_cost=0, penalty=10),
    ...     status=SolveStatus.FEASIBLE, runtime_s=0.0)
    >>> filled = fill_leftovers(problem, empty)
    >>> [s.ref for s in filled.routes[0].stops], [u.reason.value for u in filled.unassigned]
    (['c', 'v', 'c'], ['time_window'])
    """
    if not plan.unassigned or not problem.couriers:
        return plan
    left = [u.task_id for u in plan.unassigned]
    whole = compile_problem(
        Problem(
            tasks=[problem.task(t) for t in left], couriers=problem.couriers, travel=problem.travel
        )
    )
    proofs = prove_unservable(whole)
    able: dict[str, list[int]] = {}
    for k, task_id in enumerate(whole.task_ids):
        if k in proofs:
            continue
        nodes = tuple(whole.task_nodes[k])
        able[task_id] = [
            v
            for v in range(whole.n_vehicles)
            if whole.eligible(k, v) and _alone(whole, v, nodes)[0]
        ]
    crews: dict[int, _Crew] = {}
    near: dict[str, list[tuple[int, int]]] = {}  # task id -> (seconds away, courier)
    for v, courier in enumerate(problem.couriers):
        mine = [t for t in whole.task_ids if v in able.get(t, ())]
        if not mine:
            continue
        crew = crews[v] = _crew(problem, plan, courier, mine)
        dur = crew.cp.duration(0)
        task_of = {t: k for k, t in enumerate(crew.cp.task_ids)}
        for task_id in mine:
            away = int(dur[np.ix_(crew.nodes[:-1], crew.cp.task_nodes[task_of[task_id]])].min())
            if away <= reach_s:
                near.setdefault(task_id, []).append((away, v))
    index: dict[int, dict[str, int]] = {v: {} for v in crews}  # courier -> task id -> its task
    for task_id, reachable in near.items():
        for _, v in sorted(reachable)[:max_couriers]:
            index[v][task_id] = crews[v].cp.task_ids.index(task_id)
    priority = {t: problem.task(t).priority for t in left}
    rank = {t: k for k, t in enumerate(left)}
    best: dict[tuple[int, str], tuple[int, tuple[int, ...]] | None] = {}

    def refresh(v: int, every: bool) -> None:
        """Best places in ``v``'s route: of every candidate, or of those that fitted before.

        A stop added to a route seldom makes room for another, so after an
        insertion only the tasks that fitted are tried again.
        """
        crew = crews[v]
        base = simulate(crew.cp, 0, crew.nodes)
        latest = None if base is None else _latest_starts(crew, base)
        for task_id, k in index[v].items():
            if task_id not in priority or not (every or best.get((v, task_id))):
                continue
            best[(v, task_id)] = (
                None
                if base is None or latest is None
                else _insert(crew, k, max_checks, base, latest)
            )

    for v in crews:
        if deadline is not None and time.perf_counter() > deadline:
            break
        refresh(v, every=True)
    while deadline is None or time.perf_counter() <= deadline:
        found = [
            ((-priority[t], ins[0], rank[t], v), v, t, ins)
            for (v, t), ins in best.items()
            if ins is not None and t in priority
        ]
        if not found:
            break
        _, v, task_id, insertion = min(found, key=lambda f: f[0])
        crews[v].nodes = list(insertion[1])
        crews[v].changed = True
        del priority[task_id]
        refresh(v, every=False)
    tried = {t: sum(1 for v in index if t in index[v]) for t in priority}
    return _rebuild(problem, plan, crews, tried, proofs, whole, able)


def _rebuild(
    problem: Problem,
    plan: Plan,
    crews: dict[int, _Crew],
    tried: dict[str, int],
    proofs: dict[int, Unassigned],
    whole: CompiledProblem,
    able: dict[str, list[int]],
) -> Plan:
    routes: list[Route] = []
    for v, courier in enumerate(problem.couriers):
        crew = crews.get(v)
        if crew is not None and crew.changed:
            schedule = simulate(crew.cp, 0, crew.nodes)
            if schedule is None:  # pragma: no cover - every insertion was simulated
                raise AssertionError(f"route of {courier.id!r} broke while filling")
            routes.append(_route(crew.cp, 0, tuple(crew.nodes), tuple(s for _, s, _ in schedule)))
        else:
            route = plan.route_of(courier.id)
            if route is not None:
                routes.append(route)
    proof_of = {whole.task_ids[k]: u for k, u in proofs.items()}
    unassigned = []
    for entry in plan.unassigned:
        if entry.task_id not in tried:
            continue
        if entry.task_id in proof_of:
            unassigned.append(proof_of[entry.task_id])
            continue
        count = len(able[entry.task_id])
        unassigned.append(
            Unassigned(
                task_id=entry.task_id,
                reason=UnassignedReason.COST,
                detail=f"{FLEET_BUSY}: {count} courier(s) could serve it alone; no room found "
                f"in the routes of the {tried[entry.task_id]} passing nearest",
            )
        )
    before = sum(problem.task(u.task_id).priority for u in plan.unassigned)
    after = sum(problem.task(u.task_id).priority for u in unassigned)
    return Plan(
        routes=tuple(routes),
        unassigned=tuple(unassigned),
        objective=ObjectiveParts(
            distance_m=sum(r.distance_m for r in routes),
            fixed_cost=plan.objective.fixed_cost
            + sum(
                c.courier.fixed_cost
                for c in crews.values()
                if c.changed and plan.route_of(c.courier.id) is None
            ),
            penalty=plan.objective.penalty * after // before if before else 0,
        ),
        status=plan.status,
        runtime_s=plan.runtime_s,
    )
