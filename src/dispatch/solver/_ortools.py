"""Translate a compiled problem into an OR-Tools ``RoutingModel`` and the answer back.

This is the routing half of the OR-Tools translation layer: only modules named
``_ortools*.py`` import OR-Tools (the others translate the incidental matcher's
assignment models). Nothing of OR-Tools (indices, status codes, callbacks)
leaves it: it returns node sequences and service start times over the compiled
problem's node numbers.

Integer data at this boundary
-----------------------------
Every transit is an integer matrix registered with ``RegisterTransitMatrix``
(arc costs: metres; time: travel seconds plus the service seconds of the
node left) or ``RegisterUnaryTransitVector`` (load changes, own-stop
counters); no Python callback runs inside the search. The travel providers
round durations *up* to whole seconds and distances to the nearest metre,
so a schedule that is feasible here is feasible in real time. Literature
readers scale their units to integers the same way (see ``dispatch.io``).

Dimensions
----------
``time``
    Cumul = service start at a node; slack = waiting. Windows are set on the
    cumuls (gaps between several windows removed); shifts bound the start and
    end cumuls. Max ride time: ``start(drop-off) - start(pickup) - service(pickup)
    <= max_ride`` (relaxed by a big M when the pair is not performed).
``busy`` (only when some courier has a detour budget)
    The same transits without slack, so the end cumul is travel plus service
    time; its per-courier capacity is the own-route baseline plus the budget.
``own`` (only when some courier has two or more own stops)
    Counts own stops; the k-th own stop of a courier has its cumul fixed to k,
    which fixes their order.
``load0``, ``load1``, ...
    One per capacity dimension that some task uses.
``tasks`` (only when some courier has ``max_tasks``)
    Counts tasks (+1 at each pickup or visit); capacity ``max_tasks``.
"""

from __future__ import annotations

import itertools
import logging
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from dispatch.errors import DispatchWarning, SolverError
from dispatch.plan import SolveStatus
from dispatch.solver._compile import CompiledProblem
from dispatch.solver._schedule import own_baseline_busy_s

__all__ = ["RawSolution", "SearchSettings", "solve_routes"]

log = logging.getLogger(__name__)

_FIRST_SOLUTION = routing_enums_pb2.FirstSolutionStrategy
_METAHEURISTIC = routing_enums_pb2.LocalSearchMetaheuristic

FIRST_SOLUTION_STRATEGIES: Mapping[str, int] = {
    "parallel_cheapest_insertion": _FIRST_SOLUTION.PARALLEL_CHEAPEST_INSERTION,
    "local_cheapest_insertion": _FIRST_SOLUTION.LOCAL_CHEAPEST_INSERTION,
    "global_cheapest_arc": _FIRST_SOLUTION.GLOBAL_CHEAPEST_ARC,
    "path_cheapest_arc": _FIRST_SOLUTION.PATH_CHEAPEST_ARC,
    "automatic": _FIRST_SOLUTION.AUTOMATIC,
}
METAHEURISTICS: Mapping[str, int] = {
    "ruin_and_recreate": _METAHEURISTIC.GREEDY_DESCENT,
    "iterated_local_search": _METAHEURISTIC.GREEDY_DESCENT,
    "guided_local_search": _METAHEURISTIC.GUIDED_LOCAL_SEARCH,
    "simulated_annealing": _METAHEURISTIC.SIMULATED_ANNEALING,
    "tabu_search": _METAHEURISTIC.TABU_SEARCH,
    "greedy_descent": _METAHEURISTIC.GREEDY_DESCENT,
    "automatic": _METAHEURISTIC.AUTOMATIC,
}

#: Metaheuristics run as OR-Tools' iterated local search, and whether each perturbed
#: solution is improved by a local-search descent before the acceptance test.
_DESCENT: Mapping[str, bool] = {"ruin_and_recreate": False, "iterated_local_search": True}


@attrs.frozen(kw_only=True)
class SearchSettings:
    """What the search may spend and how it searches (validated by the caller)."""

    time_limit_s: float | None
    solution_limit: int | None
    first_solution: str = "parallel_cheapest_insertion"
    metaheuristic: str = "guided_local_search"
    log_search: bool = False


@attrs.frozen(kw_only=True)
class RawSolution:
    """Routes as compiled node sequences (start and end included) with service starts."""

    status: SolveStatus
    routes: tuple[tuple[int, ...], ...]
    """Per vehicle."""
    start_times_s: tuple[tuple[int, ...], ...]
    """Per vehicle, the service start time at each node of its route."""
    objective: int


_STATUS = routing_enums_pb2.RoutingSearchStatus
_STATUS_OF: Mapping[int, SolveStatus] = {
    _STATUS.ROUTING_SUCCESS: SolveStatus.FEASIBLE,
    _STATUS.ROUTING_PARTIAL_SUCCESS_LOCAL_OPTIMUM_NOT_REACHED: SolveStatus.FEASIBLE,
    _STATUS.ROUTING_OPTIMAL: SolveStatus.OPTIMAL,
    _STATUS.ROUTING_FAIL: SolveStatus.NO_SOLUTION,
    _STATUS.ROUTING_FAIL_TIMEOUT: SolveStatus.NO_SOLUTION,
    _STATUS.ROUTING_NOT_SOLVED: SolveStatus.NO_SOLUTION,
    _STATUS.ROUTING_INFEASIBLE: SolveStatus.INFEASIBLE,
}


def _status(routing: pywrapcp.RoutingModel, found: bool) -> SolveStatus:
    """OR-Tools' search status in our terms (the one place that translates it)."""
    code = routing.status()
    if code == _STATUS.ROUTING_INVALID:
        raise SolverError("OR-Tools rejected the model or its search parameters as invalid")
    status = _STATUS_OF.get(code, SolveStatus.FEASIBLE if found else SolveStatus.NO_SOLUTION)
    if found and status not in (SolveStatus.FEASIBLE, SolveStatus.OPTIMAL):
        return SolveStatus.FEASIBLE
    return status


def _set_windows(
    dim: pywrapcp.RoutingDimension, index: int, cp: CompiledProblem, node: int
) -> None:
    windows = cp.node_windows[node]
    cumul = dim.CumulVar(index)
    if not windows:
        cumul.SetRange(0, cp.horizon_s)
        return
    lo = min(windows[0].earliest_s, cp.horizon_s)
    hi = min(windows[-1].latest_s, cp.horizon_s)
    cumul.SetRange(lo, hi)
    for a, b in itertools.pairwise(windows):
        if a.latest_s + 1 <= min(b.earliest_s - 1, hi):
            cumul.RemoveInterval(a.latest_s + 1, b.earliest_s - 1)


def _ruin_and_recreate(params: Any, *, descent: bool) -> None:
    """Iterated local search: ruin by string removals (SISR), recreate, accept by annealing.

    OR-Tools runs it in C++. The first solution is improved by a local-search
    descent with the usual operators; then each iteration removes strings of
    consecutive visits near a seed visit (SISR, Christiaens and Vanden Berghe,
    2020), re-inserts them by cheapest insertion, and accepts the result as
    the new reference by simulated annealing.

    With ``descent`` (``"iterated_local_search"``) every re-inserted solution
    is descended again before the acceptance test. Without it
    (``"ruin_and_recreate"``, the default) the search is SISR proper: an
    iteration costs milliseconds instead of up to seconds on long routes, so
    it runs hundreds of times more iterations; the removed tasks are then
    re-inserted in a random order (a different order each iteration, as
    SISR's randomised sorting), each pickup and drop-off at their best pair of
    positions. Li & Lim, all 56 instances, one search each, a fixed number of
    solutions (1000, load-independent), side by side: mean distance gap
    0.43 % and 46 best-known vehicle counts, against 2.34 % and 39 without
    the descent but with OR-Tools' default insertion (task order, best
    pickup then best drop-off), 1.41 % / 37 with best pairs alone and 2.32 % /
    41 with random order alone; at 10 s the descent variant gave 6.91 % / 27
    against 3.43 % / 36 without it (benchmarks/README.md).
    """
    params.use_iterated_local_search = True
    ils = params.iterated_local_search_parameters
    ils.improve_perturbed_solution = descent
    ruin = ils.ruin_recreate_parameters
    del ruin.ruin_strategies[:]
    sisr = ruin.ruin_strategies.add().sisr
    sisr.max_removed_sequence_size = 10
    sisr.avg_num_removed_visits = 10
    sisr.bypass_factor = 0.01
    if not descent:
        insertion = ruin.recreate_strategy.parameters.local_cheapest_insertion
        insertion.pickup_delivery_strategy = insertion.BEST_PICKUP_DELIVERY_PAIR
        insertion.insertion_sorting_properties.append(insertion.SORTING_PROPERTY_RANDOM)
    # The default annealing temperatures (100 down to 0.01) are in objective units,
    # negligible against our metre-scaled costs; OR-Tools can derive them from the
    # problem instead (a tenth, then a thousandth, of a mean arc cost). Li & Lim,
    # 56 instances at 10 s, two at a time, one run each, with the descent:
    # best-known vehicle counts matched 30 instead of 27, mean distance gap 5.80 %
    # instead of 5.69 % (benchmarks/README.md).
    accept = ils.reference_solution_acceptance_strategy
    accept.simulated_annealing.automatic_temperatures = True


def _allow(routing: pywrapcp.RoutingModel, index: int, vehicles: Sequence[int]) -> None:
    """Restrict the node at ``index`` to ``vehicles`` (-1 keeps it droppable).

    ``SetAllowedVehiclesForIndex`` does not accept Python lists in every
    OR-Tools release, so the vehicle variable's domain is set directly.
    """
    routing.VehicleVar(index).SetValues([-1, *vehicles])


def solve_routes(
    cp: CompiledProblem,
    settings: SearchSettings,
    *,
    penalties: Sequence[int],
    mandatory: frozenset[int] = frozenset(),
    initial_routes: Sequence[Sequence[int]] | None = None,
    locked_prefixes: Sequence[Sequence[int]] | None = None,
    on_solution: Callable[[int], None] | None = None,
    max_active_vehicles: int | None = None,
) -> RawSolution:
    """Build the routing model, search, and read the routes back.

    ``penalties[k]`` is the cost of leaving compiled task ``k`` out; tasks in
    ``mandatory`` cannot be left out. ``initial_routes`` (per vehicle, task
    and own nodes without start and end) seed the search; ``locked_prefixes``
    (same shape) must stay the first nodes of each route. ``on_solution``
    receives the objective of each solution the search finds (OR-Tools'
    at-solution callback: once per solution, never inside move evaluation).
    ``max_active_vehicles`` bounds the number of non-empty routes.
    """
    n, v_count = cp.n_nodes, cp.n_vehicles
    manager = pywrapcp.RoutingIndexManager(n, v_count, list(cp.starts), list(cp.ends))
    routing = pywrapcp.RoutingModel(manager)
    solver = routing.solver()
    index = manager.NodeToIndex

    service = cp.node_service_s
    cost_eval = [routing.RegisterTransitMatrix(m.tolist()) for m in cp.distances_m]
    time_eval = [
        routing.RegisterTransitMatrix((m + service[:, None]).tolist()) for m in cp.durations_s
    ]
    vehicle_time = [time_eval[p] for p in cp.vehicle_profile]
    for v, courier in enumerate(cp.couriers):
        routing.SetArcCostEvaluatorOfVehicle(cost_eval[cp.vehicle_profile[v]], v)
        routing.SetFixedCostOfVehicle(courier.fixed_cost, v)

    horizon = cp.horizon_s
    routing.AddDimensionWithVehicleTransits(vehicle_time, horizon, horizon, False, "time")
    time = routing.GetDimensionOrDie("time")
    for node in range(n):
        if cp.node_vehicle[node] < 0 or cp.node_role[node].value == "own":
            _set_windows(time, index(node), cp, node)
    for v, courier in enumerate(cp.couriers):
        lo, hi = courier.shift.earliest_s, min(courier.shift.latest_s, horizon)
        time.CumulVar(routing.Start(v)).SetRange(lo, hi)
        time.CumulVar(routing.End(v)).SetRange(lo, hi)
        routing.AddVariableMinimizedByFinalizer(time.CumulVar(routing.Start(v)))
        routing.AddVariableMinimizedByFinalizer(time.CumulVar(routing.End(v)))

    for d in range(cp.node_delta.shape[1]):
        column = cp.node_delta[:, d]
        if not column.any():
            continue
        load_eval = routing.RegisterUnaryTransitVector(column.tolist())
        caps = [int(c.capacity[d]) for c in cp.couriers]
        routing.AddDimensionWithVehicleCapacity(load_eval, 0, caps, True, f"load{d}")

    if any(c.detour_budget_s is not None for c in cp.couriers):
        unlimited = 4 * horizon + int(service.sum()) + 1
        caps = [
            unlimited
            if c.detour_budget_s is None
            else min(unlimited, own_baseline_busy_s(cp, v) + c.detour_budget_s)
            for v, c in enumerate(cp.couriers)
        ]
        routing.AddDimensionWithVehicleTransitAndCapacity(vehicle_time, 0, caps, True, "busy")

    if any(c.max_tasks is not None for c in cp.couriers):
        starts_task = [0] * n
        for nodes in cp.task_nodes:
            starts_task[nodes[0]] = 1
        task_eval = routing.RegisterUnaryTransitVector(starts_task)
        caps = [len(cp.task_nodes) if c.max_tasks is None else c.max_tasks for c in cp.couriers]
        routing.AddDimensionWithVehicleCapacity(task_eval, 0, caps, True, "tasks")

    if any(len(own) > 1 for own in cp.own_nodes):
        is_own = [1 if role.value == "own" else 0 for role in cp.node_role]
        own_eval = routing.RegisterUnaryTransitVector(is_own)
        routing.AddDimension(own_eval, 0, max(len(o) for o in cp.own_nodes), True, "own")
        own_dim = routing.GetDimensionOrDie("own")
        for nodes in cp.own_nodes:
            for k, node in enumerate(nodes):
                own_dim.CumulVar(index(node)).SetValue(k)
    for v, nodes in enumerate(cp.own_nodes):
        for node in nodes:
            _allow(routing, index(node), [v])

    all_vehicles = list(range(v_count))
    for k, nodes in enumerate(cp.task_nodes):
        allowed = [v for v in all_vehicles if cp.eligible(k, v)]
        if len(allowed) < v_count:
            for node in nodes:
                _allow(routing, index(node), allowed)
        if len(nodes) == 2:
            p, d = index(nodes[0]), index(nodes[1])
            routing.AddPickupAndDelivery(p, d)
            solver.Add(routing.VehicleVar(p) == routing.VehicleVar(d))
            solver.Add(time.CumulVar(p) <= time.CumulVar(d))
            if k not in mandatory:
                solver.Add(routing.ActiveVar(p) == routing.ActiveVar(d))
                half = penalties[k] // 2
                routing.AddDisjunction([p], penalties[k] - half)
                routing.AddDisjunction([d], half)
            ride = cp.max_ride_s[k]
            if ride is not None:
                slack = ride + int(service[nodes[0]])
                big = horizon + 1
                solver.Add(
                    time.CumulVar(d) - time.CumulVar(p) <= slack + big - big * routing.ActiveVar(p)
                )
        elif k not in mandatory:
            routing.AddDisjunction([index(nodes[0])], penalties[k])

    if max_active_vehicles is not None:
        routing.SetMaximumNumberOfActiveVehicles(max_active_vehicles)

    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = FIRST_SOLUTION_STRATEGIES[settings.first_solution]
    params.local_search_metaheuristic = METAHEURISTICS[settings.metaheuristic]
    if settings.time_limit_s is not None:
        params.time_limit.FromMilliseconds(max(1, int(settings.time_limit_s * 1000)))
    if settings.solution_limit is not None:
        params.solution_limit = settings.solution_limit
    params.log_search = settings.log_search
    # OR-Tools' iterated local search starts from its own construction only; from a
    # warm start, guided local search takes its place.
    descent = _DESCENT.get(settings.metaheuristic)
    iterated = descent is not None and initial_routes is None
    if iterated:
        _ruin_and_recreate(params, descent=bool(descent))
    elif descent is not None:
        params.local_search_metaheuristic = _METAHEURISTIC.GUIDED_LOCAL_SEARCH
    routing.CloseModelWithParameters(params)
    if on_solution is not None:
        cost = routing.CostVar()
        routing.AddAtSolutionCallback(lambda: on_solution(cost.Value()))

    if locked_prefixes is not None and any(locked_prefixes):
        locks = [[index(node) for node in nodes] for nodes in locked_prefixes]
        if not routing.ApplyLocksToAllVehicles(locks, False):
            raise SolverError("the locked route prefixes do not form valid routes")
    initial = None
    if initial_routes is not None:
        routes = [[index(node) for node in nodes] for nodes in initial_routes]
        initial = routing.ReadAssignmentFromRoutes(routes, True)
        if initial is None:
            warnings.warn(
                "the warm-start routes are infeasible for this problem; searching afresh",
                DispatchWarning,
                stacklevel=3,
            )
    if initial is not None:
        solution = routing.SolveFromAssignmentWithParameters(initial, params)
    elif iterated:
        solution = routing.SolveWithIteratedLocalSearch(params)
    else:
        solution = routing.SolveWithParameters(params)
    status = _status(routing, solution is not None)
    if solution is None:
        return RawSolution(
            status=status,
            routes=(),
            start_times_s=(),
            objective=0,
        )

    routes_out: list[tuple[int, ...]] = []
    times_out: list[tuple[int, ...]] = []
    for v in range(v_count):
        visited: list[int] = []
        starts: list[int] = []
        i = routing.Start(v)
        while True:
            visited.append(manager.IndexToNode(i))
            starts.append(solution.Value(time.CumulVar(i)))
            if routing.IsEnd(i):
                break
            i = solution.Value(routing.NextVar(i))
        routes_out.append(tuple(visited))
        times_out.append(tuple(starts))
    return RawSolution(
        status=status,
        routes=tuple(routes_out),
        start_times_s=tuple(times_out),
        objective=int(solution.ObjectiveValue()),
    )
