"""``solve``: the core pickup-and-delivery solver, from problem to validated-ready plan."""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Callable, Collection, Mapping
from typing import Any

import attrs
import numpy as np

from dispatch.errors import (
    DispatchWarning,
    InvalidInputError,
    PrecisionWarning,
    UnknownReferenceError,
)
from dispatch.model import Problem
from dispatch.plan import (
    ObjectiveParts,
    Plan,
    PlannedStop,
    Route,
    SolveStatus,
    StopRole,
    Unassigned,
    UnassignedReason,
)
from dispatch.solver._compile import CompiledProblem, compile_problem
from dispatch.solver._feasibility import check_own_routes, prove_unservable
from dispatch.solver._fleet import trimmed_fleet
from dispatch.solver._insertion import DeadlineReached, cheapest_insertion
from dispatch.solver._ortools import (
    FIRST_SOLUTION_STRATEGIES,
    METAHEURISTICS,
    RawSolution,
    SearchSettings,
    solve_routes,
)
from dispatch.solver._portfolio import run_portfolio
from dispatch.solver._progress import ProgressCallback, Throttle
from dispatch.solver._schedule import own_baseline_busy_s

__all__ = ["SolveOptions", "solve"]

_INT64_SAFE = 2**62
#: The largest share of the budget that the construction counting a fleet's used couriers takes.
_PROBE_SHARE = 0.2
_PRECISION_WARN = 2**53


#: Accepted metaheuristic names: OR-Tools' (``METAHEURISTICS``), ``"sisr"``, the compiled
#: string-removal search of ``dispatch.solver._sisr``, and ``"auto"``, which picks one of
#: them per call (:func:`_search_for`).
SEARCHES: frozenset[str] = frozenset({*METAHEURISTICS, "sisr", "auto"})

#: Longest time limit accepted (about eleven days); OR-Tools takes milliseconds in 64 bits.
MAX_TIME_LIMIT_S = 1e6
#: Wall-clock safety net for runs bounded by a solution limit only: a metaheuristic
#: never stops by itself when the model has fewer improving solutions than the limit.
SAFETY_TIME_LIMIT_S = 300.0


def _positive_or_none(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is None:
        return
    name = f"SolveOptions.{attribute.name}"
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInputError(name, f"must be a number > 0, got {value!r}")
    if not (math.isfinite(value) and value > 0):
        raise InvalidInputError(name, f"must be > 0, got {value!r}")
    if value > MAX_TIME_LIMIT_S and attribute.name == "time_limit_s":
        raise InvalidInputError(name, f"must be at most {MAX_TIME_LIMIT_S:g} s, got {value!r}")


def _seed(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidInputError("SolveOptions.seed", f"must be an int >= 0, got {value!r}")


def _share(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < 1:
        raise InvalidInputError(
            f"SolveOptions.{attribute.name}", f"must be a number in [0, 1), got {value!r}"
        )


def _flag(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, bool):
        raise InvalidInputError(
            f"SolveOptions.{attribute.name}", f"must be True or False, got {value!r}"
        )


def _workers(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidInputError("SolveOptions.workers", f"must be an int >= 1, got {value!r}")


def _one_of(
    choices: Collection[str], *, optional: bool = False
) -> Callable[[object, attrs.Attribute[Any], object], None]:
    def check(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value not in choices and not (optional and value is None):
            raise InvalidInputError(
                f"SolveOptions.{attribute.name}",
                f"{value!r} is not one of {', '.join(sorted(choices))}",
            )

    return check


@attrs.frozen(kw_only=True)
class SolveOptions:
    """How long and how to search.

    Parameters
    ----------
    time_limit_s
        Wall-clock budget for the whole call (model building included).
    solution_limit
        Stop after this many improving solutions (OR-Tools' searches) or this
        many ruin-and-recreate steps (the compiled search, ``"sisr"``); with no
        time limit the run is deterministic. Without a time limit, a safety net
        of ``SAFETY_TIME_LIMIT_S`` seconds still bounds the search, because an
        OR-Tools metaheuristic does not stop by itself when fewer improving
        solutions exist than the limit asks for.
    seed
        Permutes the order in which tasks are handed to OR-Tools, which
        changes tie-breaking in construction and local search, and seeds the
        compiled search's random choices. The same seed and the same solution
        limit give the same plan.
    first_solution, metaheuristic
        Strategies by name: OR-Tools' (see ``FIRST_SOLUTION_STRATEGIES`` and
        ``METAHEURISTICS`` in ``dispatch.solver``), ``"sisr"`` or ``"auto"``.
        ``"ruin_and_recreate"`` runs OR-Tools' iterated local search as SISR:
        strings of nearby visits are removed, re-inserted in a random order at
        their cheapest feasible places, and the result is accepted by
        simulated annealing, with no local-search descent in between.
        ``"iterated_local_search"`` descends after every re-insertion, which
        makes each iteration far slower on long routes. From a warm start both
        become guided local search, because OR-Tools' iterated local search
        starts only from its own construction. ``"sisr"`` is not OR-Tools': it
        runs dispatch's compiled string-removal search
        (``dispatch.solver._sisr``), which first empties routes (fleet
        minimisation) and then shortens the plan, under every rule of the
        problem (a pickup starts later when its ride needs it); ``solution_limit``
        counts its ruin-and-recreate steps. From a warm start it becomes
        ``"ruin_and_recreate"`` (and so guided local search). The default,
        ``"auto"``, runs ``"sisr"`` unless a warm start is given, and
        ``"ruin_and_recreate"`` then. Whole elder-meal days (``eldercare_district``
        at scale 0.25, 470 to 488 meals and check-ins, 30 couriers, seeds 1 to 3,
        10 s, one core, session 13): ``"sisr"`` served every task in 155.7,
        157.2 and 162.5 km; ``"ruin_and_recreate"`` left 141, 138 and 149 out
        and drove 1,073 to 1,204 km. (Until session 13 ``"auto"`` gave problems
        with ride limits to OR-Tools, because the compiled search checked rides on
        the earliest schedule only.) Two searches
        at once (``workers=2``), ``"auto"`` (so SISR on both cores) against
        ``"ruin_and_recreate"`` beside SISR, one run after the other, on this
        project's machine: Sartori-Buriol's 26 at 10 s better on 15, worse on 9 (mean
        gap +0.99 % against +1.37 %); Solomon's 56 at 5 s better on 29, worse
        on 8 (+0.96 % against +1.50 %, best-known fleets 50 against 47).
        ``first_solution``, ``route_elimination`` and ``log_search`` are
        OR-Tools' and do not apply to the compiled search (set to other than
        their defaults, they bring a ``DispatchWarning`` when it runs).
    workers
        Searches run at once: this process plus ``workers - 1`` processes with
        seeds ``seed + 1``, ``seed + 2``, ..., the first of them with
        ``worker_metaheuristic``; the plan with the lowest objective is kept
        (ties: this process's). The worker processes are started on first use
        and kept (see :func:`dispatch.start_workers`): the first call pays for
        starting Python, importing OR-Tools and loading the compiled search
        (one to two seconds) and its workers join only if ready in time.
    route_elimination
        Share of each search's budget (time or solutions) spent on a second
        search, from scratch, allowed one non-empty route fewer than the
        first search's plan; the better plan is kept. Only when some courier
        has a fixed cost and the search starts without a warm start. Off by
        default: Li & Lim, all 56 at 5 s with two workers on a quiet
        machine, the second worker spending half its budget on it gave
        +2.96 % and 39 best-known fleets; two plain searches, run right
        after, +1.77 % and 40. A time-limited search varies a lot from run
        to run, and half a budget is short for both halves.
    trim_fleet
        Search with only as many of a fleet's identical couriers as a first
        construction uses plus a few spares, when they have a fixed cost and
        no warm start is given, in OR-Tools' searches (the compiled search
        empties routes itself; ``dispatch.solver._fleet`` states the rule).
        Large fleets of identical cars otherwise spend the budget on moves
        into empty routes. Sartori-Buriol (one car per request), 13
        instances at 5 s, one search each, side by side: better on 11, tied
        on 2, total distance -2.9 %; all 26 at 10 s with two workers beside
        the peers: mean gap +4.32 % (+6.86 % before, on a slower machine).
    worker_metaheuristic
        The metaheuristic of the first worker process (with ``workers >= 2``);
        the other workers run ``metaheuristic``. None: all run
        ``metaheuristic``. The default runs the compiled string-removal search
        (``"sisr"``) there; where ``"auto"`` leaves this process to OR-Tools
        (ride limits), the two cores then run different algorithms and the
        better plan is kept. One search each, one core
        each, side by side, ``"sisr"`` against ``"ruin_and_recreate"``:
        Sartori-Buriol's 26 at 10 s, better on 25, worse on 1 (mean gap
        +2.34 % against +4.99 %, best-known fleets 15 against 10); Li & Lim's
        56 at 5 s, better on 12, worse on 3 (best-known fleets 53 against 46).
        Both runs were made before SISR's annealing temperatures were raised
        (``dispatch.solver._sisr``). OR-Tools' search is the better one on
        some long routes (two or three routes for 100 stops: ``lr208``,
        ``lrc208``, Solomon's ``c2`` and ``r2``).

    Examples
    --------
    >>> SolveOptions(time_limit_s=2).solution_limit is None
    True
    >>> SolveOptions(time_limit_s=None, solution_limit=None)
    Traceback (most recent call last):
    ...
    dispatch.errors.InvalidInputError: SolveOptions: set time_limit_s, solution_limit or both
    >>> SolveOptions(time_limit_s=-1)
    Traceback (most recent call last):
    ...
    dispatch.errors.InvalidInputError: SolveOptions.time_limit_s: must be > 0, got -1
    """

    time_limit_s: float | None = attrs.field(default=10.0, validator=_positive_or_none)
    solution_limit: int | None = attrs.field(default=None, validator=_positive_or_none)
    seed: int = attrs.field(default=0, validator=_seed)
    first_solution: str = attrs.field(
        default="parallel_cheapest_insertion", validator=_one_of(FIRST_SOLUTION_STRATEGIES)
    )
    metaheuristic: str = attrs.field(default="auto", validator=_one_of(SEARCHES))
    log_search: bool = False
    workers: int = attrs.field(default=1, validator=_workers)
    route_elimination: float = attrs.field(default=0.0, validator=_share)
    trim_fleet: bool = attrs.field(default=True, validator=_flag)
    worker_metaheuristic: str | None = attrs.field(
        default="sisr", validator=_one_of(SEARCHES, optional=True)
    )

    def __attrs_post_init__(self) -> None:
        if self.time_limit_s is None and self.solution_limit is None:
            raise InvalidInputError("SolveOptions", "set time_limit_s, solution_limit or both")
        if isinstance(self.solution_limit, float):
            raise InvalidInputError("SolveOptions.solution_limit", "must be an int")


def _node_keys(cp: CompiledProblem) -> dict[tuple[StopRole, str, str], int]:
    """(role, courier id or '', ref) -> node, for reading plans back into node numbers."""
    keys: dict[tuple[StopRole, str, str], int] = {}
    for node, (role, ref) in enumerate(zip(cp.node_role, cp.node_ref, strict=True)):
        owner = cp.couriers[int(cp.node_vehicle[node])].id if role is StopRole.OWN else ""
        keys[(role, owner, ref)] = node
    return keys


def _plan_nodes(
    cp: CompiledProblem, plan: Plan, locked: Mapping[str, int]
) -> tuple[list[list[int]], list[list[int]]]:
    """Warm-start routes and locked prefixes as compiled nodes (per vehicle, no start/end)."""
    keys = _node_keys(cp)
    vehicle_of = {c.id: v for v, c in enumerate(cp.couriers)}
    initial: list[list[int]] = [[] for _ in cp.couriers]
    prefixes: list[list[int]] = [[] for _ in cp.couriers]
    for courier_id, count in locked.items():
        if courier_id not in vehicle_of:
            raise UnknownReferenceError("courier", courier_id)
        route = plan.route_of(courier_id)
        inner = 0 if route is None else len(route.stops) - 2
        if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= inner:
            raise InvalidInputError(
                f"locked[{courier_id!r}]", f"must be an int in [0, {inner}], got {count!r}"
            )
    for route in plan.routes:
        v = vehicle_of.get(route.courier_id)
        if v is None:
            raise UnknownReferenceError("courier", route.courier_id)
        for position, stop in enumerate(route.stops[1:-1]):
            owner = route.courier_id if stop.role is StopRole.OWN else ""
            node = keys.get((stop.role, owner, stop.ref))
            if position < locked.get(route.courier_id, 0):
                if node is None:
                    raise UnknownReferenceError(f"{stop.role.value} stop", stop.ref)
                prefixes[v].append(node)
            if node is not None:
                initial[v].append(node)
    return initial, prefixes


def _penalties(cp: CompiledProblem) -> list[int]:
    max_arc = max((int(m.max()) for m in cp.distances_m if m.size), default=0)
    max_fixed = max((c.fixed_cost for c in cp.couriers), default=0)
    base = max_fixed + 4 * max_arc + 1
    penalties = [p * base for p in cp.priority]
    total = sum(penalties) + sum(c.fixed_cost for c in cp.couriers) + cp.n_nodes * max_arc
    if total >= _INT64_SAFE:
        raise InvalidInputError(
            "Task.priority",
            f"objective bound {total} overflows 64-bit integers; lower priorities or fixed costs",
        )
    if total >= _PRECISION_WARN:
        warnings.warn(
            f"objective bound {total} exceeds 2**53; costs stay exact in OR-Tools but "
            "not in floating-point consumers",
            PrecisionWarning,
            stacklevel=3,
        )
    return penalties


def _route(cp: CompiledProblem, v: int, nodes: tuple[int, ...], starts: tuple[int, ...]) -> Route:
    dur, dist = cp.duration(v), cp.distance(v)
    load = np.zeros(cp.node_delta.shape[1], dtype=np.int64)
    stops: list[PlannedStop] = []
    distance = 0
    for k, node in enumerate(nodes):
        role = cp.node_role[node]
        if k == 0:
            arrival = start = starts[0]
        else:
            prev = nodes[k - 1]
            arrival = stops[-1].departure_s + int(dur[prev, node])
            distance += int(dist[prev, node])
            start = arrival if role is StopRole.END else max(arrival, starts[k])
        load = load + cp.node_delta[node]
        stops.append(
            PlannedStop(
                role=role,
                ref=cp.node_ref[node],
                arrival_s=arrival,
                start_s=start,
                departure_s=start + int(cp.node_service_s[node]),
                load_after=tuple(int(x) for x in load),
            )
        )
    return Route(
        courier_id=cp.couriers[v].id,
        stops=tuple(stops),
        distance_m=distance,
        duration_s=stops[-1].arrival_s - stops[0].departure_s,
    )


def _explain(
    cp: CompiledProblem, raw: RawSolution, task: int, penalty: int, deadline: float | None
) -> Unassigned:
    """Why a feasible-in-principle task was left out, with its cheapest insertion cost.

    Couriers with an empty route and identical attributes are tried once. When
    ``deadline`` passes first, the reason stays ``COST`` without a cost.
    """
    task_id = cp.task_ids[task]
    best: int | None = None
    blocked_by_detour = blocked_by_cap = False
    seen_empty: set[tuple[object, ...]] = set()
    try:
        for v, courier in enumerate(cp.couriers):
            route = raw.routes[v]
            used = len(route) > 2
            if courier.max_tasks is not None and cp.eligible(task, v):
                carried = len({int(cp.node_task[n]) for n in route} - {-1})
                if carried >= courier.max_tasks:
                    blocked_by_cap = True
                    continue
            if not used:
                key = (
                    courier.start,
                    courier.end,
                    courier.shift,
                    courier.capacity,
                    courier.skills,
                    courier.accepts,
                    courier.max_tasks,
                    courier.profile,
                    courier.detour_budget_s,
                    courier.fixed_cost,
                )
                if key in seen_empty:
                    continue
                seen_empty.add(key)
            limit = None
            if courier.detour_budget_s is not None:
                limit = own_baseline_busy_s(cp, v) + courier.detour_budget_s
            found = cheapest_insertion(cp, v, route, task, busy_limit=limit, deadline=deadline)
            if found is None and limit is not None:
                unlimited = cheapest_insertion(
                    cp, v, route, task, busy_limit=None, deadline=deadline
                )
                blocked_by_detour |= unlimited is not None
                continue
            if found is not None:
                cost = found[0] + (0 if used else courier.fixed_cost)
                best = cost if best is None else min(best, cost)
    except DeadlineReached:
        return Unassigned(
            task_id=task_id,
            reason=UnassignedReason.COST,
            detail="left out for cost or priority; its insertion cost was not evaluated "
            "within the time limit",
        )
    if best is not None:
        return Unassigned(
            task_id=task_id,
            reason=UnassignedReason.COST,
            detail=f"left out for cost: cheapest insertion costs {best}, its penalty is {penalty}",
            insertion_cost=best,
        )
    if blocked_by_detour:
        return Unassigned(
            task_id=task_id,
            reason=UnassignedReason.DETOUR,
            detail="every courier who could fit it in would exceed its detour budget",
        )
    if blocked_by_cap:
        return Unassigned(
            task_id=task_id,
            reason=UnassignedReason.TASK_CAP,
            detail="no room in the routes of couriers below their task cap, and the others "
            "already carry as many tasks as they take",
        )
    return Unassigned(
        task_id=task_id,
        reason=UnassignedReason.COST,
        detail="no feasible place in any route of this plan: windows, shifts, capacity, own "
        "stops or other tasks leave no room",
    )


def solve(
    problem: Problem,
    options: SolveOptions | None = None,
    *,
    warm_start: Plan | None = None,
    locked: Mapping[str, int] | None = None,
    progress: ProgressCallback | None = None,
) -> Plan:
    """Route the problem's tasks with its couriers.

    Parameters
    ----------
    problem
        The problem.
    options
        Limits and strategies; default 10 seconds.
    warm_start
        An earlier plan whose routes seed the search (stops unknown to this
        problem are skipped).
    locked
        ``{courier_id: n}``: the first ``n`` stops after the start of that
        courier's route in ``warm_start`` are already executed and stay, in
        that order, at the head of the route.
    progress
        Called with a :class:`~dispatch.solver.SearchProgress` about four
        times a second while the search finds solutions, and once at the end
        (``done=True``); with several workers it follows this process's own
        search.

    Returns
    -------
    Plan
        Routes, and every task not routed with a reason. Check it with
        :func:`dispatch.validate`.

    Examples
    --------
    >>> from dispatch import Courier, Errand, Location, MatrixTravel, Problem, Stop, TimeWindow
    >>> travel = MatrixTravel(nodes=[0, 1, 2], durations_s=[[0, 60, 90], [60, 0, 40], [90, 40, 0]])
    >>> problem = Problem(
    ...     tasks=[Errand(id="milk", pickup=Stop(location=Location(node=1)),
    ...                   dropoff=Stop(location=Location(node=2), windows=[(0, 600)]))],
    ...     couriers=[Courier(id="li", start=Location(node=0), end=Location(node=0),
    ...                       shift=TimeWindow(0, 3600), capacity=2)],
    ...     travel=travel,
    ... )
    >>> plan = solve(problem, SolveOptions(time_limit_s=None, solution_limit=10))
    >>> [(s.role.value, s.ref, s.arrival_s) for s in plan.routes[0].stops]
    [('start', 'li', 0), ('pickup', 'milk', 60), ('dropoff', 'milk', 100), ('end', 'li', 190)]
    >>> plan.unassigned
    ()
    """
    began = time.perf_counter()
    options = options or SolveOptions()
    if options.workers > 1:
        deadline_epoch = (
            None if options.time_limit_s is None else time.time() + options.time_limit_s
        )
        plan = run_portfolio(
            problem,
            options,
            lambda: solve(
                problem,
                attrs.evolve(options, workers=1),
                warm_start=warm_start,
                locked=locked,
                progress=progress,
            ),
            seeds=[options.seed + k for k in range(1, options.workers)],
            deadline_epoch=deadline_epoch,
            warm_start=warm_start,
            locked=locked,
        )
        return attrs.evolve(plan, runtime_s=time.perf_counter() - began)
    if locked and warm_start is None:
        raise InvalidInputError("locked", "locking route prefixes needs a warm_start plan")
    full = compile_problem(problem)
    check_own_routes(full)
    initial, prefixes = _plan_nodes(full, warm_start, locked or {}) if warm_start else (None, None)
    locked_tasks = {
        int(full.node_task[n])
        for nodes in (prefixes or [])
        for n in nodes
        if full.node_task[n] >= 0
    }
    rejected = {k: u for k, u in prove_unservable(full).items() if k not in locked_tasks}
    kept = [k for k in range(len(full.task_ids)) if k not in rejected]
    order = np.random.default_rng(options.seed).permutation(len(kept)) if options.seed else None
    if order is not None:
        kept = [kept[i] for i in order]
    cp = full.subset(kept)
    new_of_old = {old: new for new, old in enumerate(kept)}
    first_fixed = sum(len(t) for t in full.task_nodes)
    node_map = _node_map(full, cp, kept, first_fixed)
    initial_nodes = _remap(initial, node_map)
    if initial_nodes is None and any(cp.own_nodes):
        # Insertion heuristics may spend a detour budget on optional tasks and then
        # find no room for the mandatory own stops: start from the own routes instead.
        initial_nodes = [list(nodes) for nodes in cp.own_nodes]
    prefix_nodes = _remap(prefixes, node_map)
    mandatory = frozenset(new_of_old[k] for k in locked_tasks)
    penalties = _penalties(cp)
    if cp.n_vehicles == 0:  # every task was proven unservable (NO_COURIER); nothing to route
        return Plan(
            routes=(),
            unassigned=tuple(rejected[k] for k in sorted(rejected)),
            objective=ObjectiveParts(distance_m=0, fixed_cost=0, penalty=0),
            status=SolveStatus.OPTIMAL,
            runtime_s=time.perf_counter() - began,
        )

    budget_s = SAFETY_TIME_LIMIT_S if options.time_limit_s is None else options.time_limit_s
    deadline = began + budget_s * 0.97
    chosen = _search_for(options.metaheuristic, warm_start)
    compiled_search = chosen == "sisr"
    if compiled_search:
        _warn_unused(options)
    search_options = attrs.evolve(options, metaheuristic=chosen)
    if options.trim_fleet and warm_start is None and not compiled_search:
        trimmed = trimmed_fleet(
            cp,
            penalties,
            first_solution=options.first_solution,
            time_limit_s=min(budget_s * _PROBE_SHARE, deadline - time.perf_counter()),
        )
        if trimmed is not None:
            cp, kept_vehicles = trimmed
            if initial_nodes is not None:
                initial_nodes = [initial_nodes[v] for v in kept_vehicles]
    throttle = None
    if progress is not None:
        throttle = Throttle(progress, time_limit_s=options.time_limit_s, began=began)
    if compiled_search:
        from dispatch.solver._sisr import sisr_routes

        raw = sisr_routes(
            cp,
            penalties,
            deadline=deadline,
            iterations=options.solution_limit,
            seed=options.seed,
            on_solution=None if throttle is None else throttle.solution,
        )
    else:
        raw = _search(
            cp,
            search_options,
            deadline,
            penalties=penalties,
            mandatory=mandatory,
            initial_routes=initial_nodes,
            locked_prefixes=prefix_nodes,
            on_solution=None if throttle is None else throttle.solution,
        )
    if throttle is not None:
        throttle.finish()
    unassigned = [rejected[k] for k in sorted(rejected)]
    if not raw.routes:
        detail = "the search found no plan within its limits"
        unassigned += [
            Unassigned(task_id=cp.task_ids[k], reason=UnassignedReason.COST, detail=detail)
            for k in range(len(cp.task_ids))
        ]
        return Plan(
            routes=(),
            unassigned=tuple(unassigned),
            objective=ObjectiveParts(distance_m=0, fixed_cost=0, penalty=0),
            status=raw.status,
            runtime_s=time.perf_counter() - began,
        )
    routes = [
        _route(cp, v, nodes, raw.start_times_s[v])
        for v, nodes in enumerate(raw.routes)
        if len(nodes) > 2
    ]
    served = {int(cp.node_task[n]) for nodes in raw.routes for n in nodes if cp.node_task[n] >= 0}
    dropped = [k for k in range(len(cp.task_ids)) if k not in served]
    explain_by = None if options.time_limit_s is None else began + options.time_limit_s
    unassigned += [_explain(cp, raw, k, penalties[k], explain_by) for k in dropped]
    vehicle_of = {c.id: v for v, c in enumerate(cp.couriers)}
    objective = ObjectiveParts(
        distance_m=sum(r.distance_m for r in routes),
        fixed_cost=sum(cp.couriers[vehicle_of[r.courier_id]].fixed_cost for r in routes),
        penalty=sum(penalties[k] for k in dropped),
    )
    return Plan(
        routes=tuple(routes),
        unassigned=tuple(sorted(unassigned, key=lambda u: u.task_id)),
        objective=objective,
        status=raw.status,
        runtime_s=time.perf_counter() - began,
    )


def _search_for(metaheuristic: str, warm_start: Plan | None) -> str:
    """The search that runs: ``"auto"`` and ``"sisr"`` resolved for this call.

    The compiled search starts from its own construction, so from a warm start (and its
    locks) OR-Tools searches instead.

    >>> _search_for("auto", None), _search_for("tabu_search", None)
    ('sisr', 'tabu_search')
    """
    if metaheuristic not in ("auto", "sisr"):
        return metaheuristic
    if warm_start is not None:
        return "ruin_and_recreate"
    return "sisr"


def _warn_unused(options: SolveOptions) -> None:
    """Warn about OR-Tools options that the compiled search has no use for."""
    unused = [
        name
        for name, value, default in (
            ("first_solution", options.first_solution, "parallel_cheapest_insertion"),
            ("route_elimination", options.route_elimination, 0.0),
            ("log_search", options.log_search, False),
        )
        if value != default
    ]
    if unused:
        warnings.warn(
            f"SolveOptions.{', SolveOptions.'.join(unused)} apply to OR-Tools' searches, not to "
            f"the compiled search that metaheuristic={options.metaheuristic!r} runs here; "
            "ignored in this search",
            DispatchWarning,
            stacklevel=3,
        )


def _search(
    cp: CompiledProblem,
    options: SolveOptions,
    deadline: float,
    *,
    penalties: list[int],
    mandatory: frozenset[int],
    initial_routes: list[list[int]] | None,
    locked_prefixes: list[list[int]] | None,
    on_solution: Callable[[int], None] | None = None,
) -> RawSolution:
    """One search over the whole objective (fixed costs, distance, penalties) until ``deadline``.

    With ``options.route_elimination`` (a share of the budget) and couriers
    with fixed costs, the search stops early and a second search from scratch,
    bounded to one non-empty route fewer than the first one's plan, takes the
    rest; the plan with the lower objective is kept. OR-Tools' iterated local
    search cannot continue from a given plan, so the second search starts
    from its own construction; tasks it cannot fit stay unperformed at their
    penalty (above any route's fixed cost), and ruin-and-recreate re-inserts
    them while it empties the fleet by one route. Li & Lim, 1,500 solutions
    per search on six instances where the plain search misses the best-known
    fleet, half the solutions spent on the second search (under load, so
    counted in solutions): lr202 and lrc106 reach the best-known fleet and
    lr109 ends 4 points shorter, but lr110 and lrc203 end 7 and 17 points
    longer and lrc108 ties. At 5 s per instance it lost more than it won
    (see ``SolveOptions.route_elimination``), so it is off by default.
    """
    # Without tasks nothing is left to decide (own stops keep their order): the first
    # solution is optimal, and a metaheuristic would otherwise search until the deadline.
    solutions = 1 if not cp.task_ids else options.solution_limit
    budget_s = max(0.01, deadline - time.perf_counter())
    settings = SearchSettings(
        time_limit_s=budget_s,
        solution_limit=solutions,
        first_solution=options.first_solution,
        metaheuristic=options.metaheuristic,
        log_search=options.log_search,
    )
    share = options.route_elimination
    eliminate = (
        share > 0
        and initial_routes is None
        and not locked_prefixes
        and any(c.fixed_cost > 0 for c in cp.couriers)
    )
    full = settings
    if eliminate:
        settings = attrs.evolve(
            settings,
            time_limit_s=budget_s * (1 - share),
            solution_limit=None if solutions is None else max(1, round(solutions * (1 - share))),
        )
    raw = solve_routes(
        cp,
        settings,
        penalties=penalties,
        mandatory=mandatory,
        initial_routes=initial_routes,
        locked_prefixes=locked_prefixes,
        on_solution=on_solution,
    )
    used = sum(len(nodes) > 2 for nodes in raw.routes)
    if eliminate and used > max(1, sum(bool(nodes) for nodes in cp.own_nodes)):
        fewer = solve_routes(
            cp,
            attrs.evolve(
                full,
                time_limit_s=max(0.01, deadline - time.perf_counter()),
                solution_limit=None
                if solutions is None or settings.solution_limit is None
                else max(1, solutions - settings.solution_limit),
            ),
            penalties=penalties,
            mandatory=mandatory,
            on_solution=on_solution,
            max_active_vehicles=used - 1,
        )
        if fewer.routes and fewer.objective < raw.objective:
            raw = fewer
    if options.time_limit_s is None and time.perf_counter() >= deadline:
        warnings.warn(
            f"the solution limit was not reached within the {SAFETY_TIME_LIMIT_S:g} s safety "
            "net; the plan is the best found by then (set time_limit_s to choose the budget)",
            DispatchWarning,
            stacklevel=3,
        )
    return raw


def _node_map(
    full: CompiledProblem, cp: CompiledProblem, kept: list[int], first_fixed: int
) -> dict[int, int]:
    """Node numbers of ``full`` -> node numbers of the subset ``cp``."""
    mapping: dict[int, int] = {}
    for new, old in enumerate(kept):
        for a, b in zip(full.task_nodes[old], cp.task_nodes[new], strict=True):
            mapping[a] = b
    new_first = sum(len(t) for t in cp.task_nodes)
    for offset in range(full.n_nodes - first_fixed):
        mapping[first_fixed + offset] = new_first + offset
    return mapping


def _remap(routes: list[list[int]] | None, mapping: dict[int, int]) -> list[list[int]] | None:
    if routes is None:
        return None
    return [[mapping[n] for n in nodes if n in mapping] for nodes in routes]
