"""Solve literature instances with ``dispatch`` and its peers side by side, all checked alike.

    python benchmarks/peers.py --set lilim --instances 6 --time-limit 5
    python benchmarks/peers.py --set sartori --instances bar-n100-1,ber-n200-3 --time-limit 10
    python benchmarks/peers.py --set solomon --instances 6 --time-limit 5
    python benchmarks/peers.py --set lilim --solvers dispatch,vroom --instances lc101,lr112
    python benchmarks/peers.py --set sartori --seeds 0,1,2   # the spread over 3 seeds
    python benchmarks/peers.py --set lilim --quick      # CI: 2 instances, 1 s each

Solvers, each given the same wall-clock budget per instance, one after the other:

``dispatch``
    ``dispatch.solve`` exactly as ``benchmarks/literature.py`` runs it
    (``dispatch.cli.solve_instance``), ``--workers`` searches at once (default 2).
``ortools``
    A plain OR-Tools model written the way OR-Tools' own pickup-and-delivery and
    time-window samples write it: Python transit callbacks over the matrix, a
    time dimension with slack and windows, a capacity dimension over a demand
    callback, for pairs ``AddPickupAndDelivery`` with same-vehicle and precedence
    constraints, PARALLEL_CHEAPEST_INSERTION then GUIDED_LOCAL_SEARCH, one thread.
``pyvrp``
    PyVRP (0.14 or later: ``Shipment`` pickup-and-delivery pairs; a ``Client``
    with a ``delivery`` amount per Solomon customer), its default iterated local
    search with ``MaxRuntime``, one thread.
``vroom``
    VROOM through ``pyvroom``: one shipment per request (a job with a
    ``delivery`` amount per Solomon customer), exploration level 5, two threads,
    ``timeout``.

The peers are optional (``pip install pyvrp pyvroom``, the ``bench`` extra) and
imported only when run; a missing one prints ``skipped: <peer> not installed``.

Integer data and scoring
------------------------
Every solver works on the same integers, the ones ``dispatch.read_lilim`` /
``dispatch.read_solomon`` / ``dispatch.read_sartori`` put into the problem
(``BenchmarkInstance.travel``):

- Li & Lim and Solomon: one time or distance unit = 1000 model units. Travel
  times are ``ceil(d * 1000)`` (rounded up, so a schedule feasible in integers is
  feasible in real numbers), arc costs ``round(d * 1000)``, windows and service
  times times 1000, for the Euclidean distance ``d``.
- Sartori & Buriol: minutes times 60 (exact integers), both for travel times
  and arc costs.

Each solver is also given the same fixed cost per vehicle as ``dispatch``
(``Courier.fixed_cost``, more than any plan's total distance), so all four
minimise vehicles first and distance second, as the literature does.

A Solomon customer is a ``dispatch`` ``Visit``, which adds its load to the
vehicle; the peers model it as a delivery from the depot (the load leaves the
depot and drops at the customer). Both are one capacity check, the sum of the
route's demands against the capacity, so the four solve the same problem.

Every solution is turned into a ``dispatch`` ``Plan`` (the peers' node sequences
are scheduled at the earliest start times, see :func:`plan_from_routes`) and
checked with ``dispatch.validate``. The reported distance is recomputed from
the instance's own numbers (unrounded Euclidean for Li & Lim and Solomon, integer
minutes for Sartori, ``BenchmarkInstance.objective_distance``), the same for every
solver. A solution that breaks a rule or leaves a task out counts as not solved. The
best solver of an instance is the one with the fewest vehicles, then the least
distance, among the solved ones (ties share the win).

Output: a row per instance and solver, then a summary per solver and each solver
against each other one (``scoreboard.pairwise``: on how many instances it ranks no
worse, and the mean gaps of both on the instances where they used the same fleet);
JSON to ``benchmarks/results/peers-<set>-<time limit>s.json`` (``...s-seeds-0-1-2.json``
with several seeds; or ``--output``).

With ``--seeds 0,1,2`` the whole side-by-side run is repeated per seed (every
solver gets the seed; the best of an instance is decided within one seed), each
seed gets its summary, and a last table gives each count's mean, lowest and highest
value over the seeds (``scoreboard.spread``). Run-to-run variance at these budgets
is large (one instance moved by 5 points between two runs of the same
configuration in session 12), so a target such as "best or tied on 90 %" is read
with that spread. The JSON's ``summary`` and ``summaries`` are the first seed's;
``summaries_by_seed`` and ``spread`` hold the rest.

Exit code: 0 when every ``dispatch`` plan passes the validator and no solver
raised; 1 otherwise (a peer's invalid solution is a result, not a failure);
2 for bad options or missing data.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.metadata
import importlib.util
import itertools
import os
import statistics
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

sys.path.insert(0, str(Path(__file__).resolve().parent))  # benchmarks/ is not a package
from common import git_info, machine_info, positive_int, write_json
from dispatch import (
    BenchmarkInstance,
    BestKnown,
    Errand,
    ObjectiveParts,
    Plan,
    SolveOptions,
    SolveStatus,
    Stop,
    StopRole,
    Unassigned,
    UnassignedReason,
    Visit,
    best_known,
    read_lilim,
    read_sartori,
    read_solomon,
    start_workers,
    validate,
)
from dispatch.cli import SolveReport, positive_seconds, solve_instance
from dispatch.solver._compile import CompiledProblem, compile_problem
from dispatch.solver._schedule import simulate
from dispatch.solver._solve import _route
from literature import SETS, benchmarks_dir, instance_files, spread
from scoreboard import format_pairwise, format_spread, pairwise
from scoreboard import spread as spread_over_seeds

REPO_ROOT = Path(__file__).resolve().parents[1]

Row = dict[str, Any]
IntArray = npt.NDArray[np.int64]

READERS: Mapping[str, Callable[[Path], BenchmarkInstance]] = {
    "lilim": read_lilim,
    "solomon": read_solomon,
    "sartori": read_sartori,
}
DEFAULT_TIME_LIMIT_S: Mapping[str, float] = {"lilim": 5.0, "solomon": 5.0, "sartori": 10.0}
QUICK_TIME_LIMIT_S = 1.0
# Two small instances per set for --quick (the smallest files when these are missing).
QUICK_INSTANCES: Mapping[str, tuple[str, str]] = {
    "lilim": ("lc101", "lr101"),
    "solomon": ("c101", "r101"),
    "sartori": ("bar-n100-1", "ber-n100-1"),
}
VROOM_THREADS = 2
VROOM_EXPLORATION = 5


# --------------------------------------------------------------------------- the peers' input


@attrs.frozen(kw_only=True, eq=False)
class PeerInput:
    """One instance as integer arrays over its node ids, what every peer is given.

    ``durations[i, j]`` is the travel time and ``costs[i, j]`` the arc cost from
    node ``i`` to node ``j`` (see the module docstring for the scaling);
    ``windows[i]`` is ``(earliest, latest)`` service start, ``service[i]`` the
    service time and ``demand[i]`` the load at node ``i``: the load change at a
    stop of a pair (picked up, then dropped: ``+q`` and ``-q``), the load of a
    single visit. Each pickup-and-delivery request is a ``(pickup node, delivery
    node)`` pair in ``pairs`` (Li & Lim, Sartori); each single visit a node in
    ``visits`` (the Solomon customers, delivered from the depot by the peers). The
    fleet is ``vehicles`` identical vehicles at ``depot`` with ``capacity``,
    ``fixed_cost`` and ``shift``.
    """

    depot: int
    coordinates: tuple[tuple[float, float], ...]
    durations: IntArray
    costs: IntArray
    windows: tuple[tuple[int, int], ...]
    service: tuple[int, ...]
    demand: tuple[int, ...]
    pairs: tuple[tuple[int, int], ...]
    visits: tuple[int, ...]
    vehicles: int
    capacity: int
    fixed_cost: int
    shift: tuple[int, int]

    @property
    def node_count(self) -> int:
        """Nodes, the depot included."""
        return len(self.windows)

    @classmethod
    def from_instance(cls, instance: BenchmarkInstance) -> PeerInput:
        """The instance's problem as the peers take it (one window per stop, one fleet)."""
        problem = instance.problem
        first = problem.couriers[0]
        fleet = {(c.capacity, c.fixed_cost, c.shift, c.start, c.end) for c in problem.couriers}
        if len(fleet) != 1 or first.start.node != instance.depot or len(first.capacity) != 1:
            raise ValueError(f"{instance.name}: peers need one fleet of identical vehicles")
        shift = (first.shift.earliest_s, first.shift.latest_s)
        n = instance.node_count
        windows = [shift] * n
        service = [0] * n
        demand = [0] * n
        pairs: list[tuple[int, int]] = []
        visits: list[int] = []
        for task in problem.tasks:
            load = problem.load_of(task)[0]
            stops: tuple[tuple[StopRole, Stop, int], ...]
            if isinstance(task, Errand):
                stops = (
                    (StopRole.PICKUP, task.pickup, load),
                    (StopRole.DROPOFF, task.dropoff, -load),
                )
            elif isinstance(task, Visit):
                stops = ((StopRole.VISIT, task.stop, load),)
            else:
                raise ValueError(f"{instance.name}: {task.id} is neither an errand nor a visit")
            nodes = []
            for role, stop, delta in stops:
                node = instance.node_of[(task.id, role)]
                if len(stop.windows) > 1:
                    raise ValueError(f"{instance.name}: {task.id} has several windows")
                if stop.windows:
                    windows[node] = (stop.windows[0].earliest_s, stop.windows[0].latest_s)
                service[node] = stop.service_s
                demand[node] = delta
                nodes.append(node)
            if len(nodes) == 2:
                pairs.append((nodes[0], nodes[1]))
            else:
                visits.append(nodes[0])
        travel = instance.travel
        costs = travel.durations_s if travel.distances_m is None else travel.distances_m
        return cls(
            depot=instance.depot,
            coordinates=instance.coordinates,
            durations=np.asarray(travel.durations_s, dtype=np.int64),
            costs=np.asarray(costs, dtype=np.int64),
            windows=tuple(windows),
            service=tuple(service),
            demand=tuple(demand),
            pairs=tuple(pairs),
            visits=tuple(visits),
            vehicles=len(problem.couriers),
            capacity=int(first.capacity[0]),
            fixed_cost=first.fixed_cost,
            shift=shift,
        )


@attrs.frozen
class PeerResult:
    """A peer's answer: per route used, the node ids in visiting order (depot left out)."""

    routes: list[list[int]]
    note: str | None = None


# --------------------------------------------------------------------------- the peers

MIN_SEARCH_S = 0.05


def seconds_left(deadline: float) -> float:
    """Seconds until ``deadline`` (a ``time.perf_counter`` value), at least ``MIN_SEARCH_S``.

    A peer builds its model first and searches for what is left, so that model
    building and search together take the time limit, as in ``dispatch.solve``.
    """
    return max(MIN_SEARCH_S, deadline - time.perf_counter())


def solve_ortools(data: PeerInput, deadline: float, seed: int) -> PeerResult:
    """OR-Tools as its time-window and pickup-and-delivery samples write it.

    Single visits are the VRPTW sample's customers (a demand callback and a
    capacity dimension, a time dimension with windows); pairs add the
    pickup-and-delivery sample's constraints.
    """
    del seed  # the routing search is deterministic
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    manager = pywrapcp.RoutingIndexManager(data.node_count, data.vehicles, data.depot)
    routing = pywrapcp.RoutingModel(manager)
    costs = data.costs.tolist()
    durations = data.durations.tolist()

    def distance_callback(from_index: int, to_index: int) -> int:
        return int(costs[manager.IndexToNode(from_index)][manager.IndexToNode(to_index)])

    def time_callback(from_index: int, to_index: int) -> int:
        from_node = manager.IndexToNode(from_index)
        to_node = manager.IndexToNode(to_index)
        return int(durations[from_node][to_node] + data.service[from_node])

    def demand_callback(from_index: int) -> int:
        return int(data.demand[manager.IndexToNode(from_index)])

    transit_callback_index = routing.RegisterTransitCallback(distance_callback)
    routing.SetArcCostEvaluatorOfAllVehicles(transit_callback_index)
    routing.SetFixedCostOfAllVehicles(data.fixed_cost)

    time_callback_index = routing.RegisterTransitCallback(time_callback)
    horizon = data.shift[1]
    routing.AddDimension(time_callback_index, horizon, horizon, False, "Time")
    time_dimension = routing.GetDimensionOrDie("Time")
    for node, (earliest, latest) in enumerate(data.windows):
        if node != data.depot:
            time_dimension.CumulVar(manager.NodeToIndex(node)).SetRange(earliest, latest)
    for vehicle in range(data.vehicles):
        for index in (routing.Start(vehicle), routing.End(vehicle)):
            time_dimension.CumulVar(index).SetRange(*data.shift)
            routing.AddVariableMinimizedByFinalizer(time_dimension.CumulVar(index))

    demand_callback_index = routing.RegisterUnaryTransitCallback(demand_callback)
    routing.AddDimensionWithVehicleCapacity(
        demand_callback_index, 0, [data.capacity] * data.vehicles, True, "Capacity"
    )

    solver = routing.solver()
    for pickup, delivery in data.pairs:
        pickup_index = manager.NodeToIndex(pickup)
        delivery_index = manager.NodeToIndex(delivery)
        routing.AddPickupAndDelivery(pickup_index, delivery_index)
        solver.Add(routing.VehicleVar(pickup_index) == routing.VehicleVar(delivery_index))
        solver.Add(time_dimension.CumulVar(pickup_index) <= time_dimension.CumulVar(delivery_index))

    search_parameters = pywrapcp.DefaultRoutingSearchParameters()
    search_parameters.first_solution_strategy = (
        routing_enums_pb2.FirstSolutionStrategy.PARALLEL_CHEAPEST_INSERTION
    )
    search_parameters.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    )
    search_parameters.time_limit.FromMilliseconds(round(seconds_left(deadline) * 1000))
    solution = routing.SolveWithParameters(search_parameters)
    if solution is None:
        return PeerResult([], note=f"no solution (status {routing.status()})")
    routes = []
    for vehicle in range(data.vehicles):
        index = solution.Value(routing.NextVar(routing.Start(vehicle)))
        nodes = []
        while not routing.IsEnd(index):
            nodes.append(manager.IndexToNode(index))
            index = solution.Value(routing.NextVar(index))
        if nodes:
            routes.append(nodes)
    return PeerResult(routes)


def solve_pyvrp(data: PeerInput, deadline: float, seed: int) -> PeerResult:
    """PyVRP with a shipment per request, a client per visit and a vehicle type for the fleet."""
    import pyvrp
    from pyvrp.stop import MaxRuntime

    early, late = data.shift
    shipments = [
        pyvrp.Shipment(
            pickup_location=p,
            delivery_location=d,
            pickup_tw_early=data.windows[p][0],
            pickup_tw_late=data.windows[p][1],
            pickup_service_duration=data.service[p],
            delivery_tw_early=data.windows[d][0],
            delivery_tw_late=data.windows[d][1],
            delivery_service_duration=data.service[d],
            amount=[data.demand[p]],
        )
        for p, d in data.pairs
    ]
    clients = [
        pyvrp.Client(
            location=node,
            delivery=[data.demand[node]],
            service_duration=data.service[node],
            tw_early=data.windows[node][0],
            tw_late=data.windows[node][1],
        )
        for node in data.visits
    ]
    problem = pyvrp.ProblemData(
        locations=[pyvrp.Location(x, y) for x, y in data.coordinates],
        clients=clients,
        depots=[pyvrp.Depot(data.depot, tw_early=early, tw_late=late)],
        vehicle_types=[
            pyvrp.VehicleType(
                num_available=data.vehicles,
                capacity=[data.capacity],
                start_depot=0,
                end_depot=0,
                fixed_cost=data.fixed_cost,
                tw_early=early,
                tw_late=late,
            )
        ],
        distance_matrices=[data.costs],  # type: ignore[list-item]  # stubs want ndarray[int]
        duration_matrices=[data.durations],  # type: ignore[list-item]
        shipments=shipments,
    )
    result = pyvrp.solve(
        problem, MaxRuntime(seconds_left(deadline)), seed=seed, collect_stats=False, display=False
    )
    node_of: Mapping[str, Callable[[int], int]] = {
        "PICKUP": lambda idx: data.pairs[idx][0],
        "DELIVERY": lambda idx: data.pairs[idx][1],
        "CLIENT": lambda idx: data.visits[idx],  # idx: the position in ``clients``
    }
    routes = []
    for route in result.best.routes():
        nodes = [
            node_of[activity.type.name](activity.idx)
            for activity in route
            if activity.type.name in node_of
        ]
        if nodes:
            routes.append(nodes)
    note = None if result.is_feasible() else "PyVRP reports its best solution infeasible"
    return PeerResult(routes, note=note)


def solve_vroom(data: PeerInput, deadline: float, seed: int) -> PeerResult:
    """VROOM (pyvroom): a shipment per request, a delivery job per visit, fixed costs."""
    del seed  # VROOM takes no seed
    import vroom  # type: ignore[import-untyped]

    problem = vroom.Input()
    problem.set_durations_matrix(profile="car", matrix_input=data.durations)
    problem.set_costs_matrix(profile="car", matrix_input=data.costs)
    problem.add_vehicle(
        [
            vroom.Vehicle(
                k,
                start=data.depot,
                end=data.depot,
                capacity=[data.capacity],
                time_window=vroom.TimeWindow(*data.shift),
                costs=vroom.VehicleCosts(fixed=data.fixed_cost),
            )
            for k in range(data.vehicles)
        ]
    )

    def step(request: int, node: int) -> Any:
        return vroom.ShipmentStep(
            request,
            node,
            default_service=data.service[node],
            time_windows=[vroom.TimeWindow(*data.windows[node])],
        )

    for request, (p, d) in enumerate(data.pairs):
        problem.add_shipment(
            step(request, p), step(request, d), amount=vroom.Amount([data.demand[p]])
        )
    problem.add_job(
        [
            vroom.Job(
                k,
                node,
                default_service=data.service[node],
                delivery=vroom.Amount([data.demand[node]]),
                time_windows=[vroom.TimeWindow(*data.windows[node])],
            )
            for k, node in enumerate(data.visits)
        ]
    )
    solution = problem.solve(
        exploration_level=VROOM_EXPLORATION,
        nb_threads=VROOM_THREADS,
        timeout=datetime.timedelta(seconds=seconds_left(deadline)),
    )
    answer = solution.to_dict()
    routes = []
    for route in answer["routes"]:
        nodes = [
            int(s["location_index"])
            for s in route["steps"]
            if s["type"] in ("job", "pickup", "delivery")
        ]
        if nodes:
            routes.append(nodes)
    left = len(answer.get("unassigned") or [])
    return PeerResult(routes, note=f"{left} task(s) unassigned" if left else None)


PeerSolver = Callable[[PeerInput, float, int], PeerResult]
"""``(data, deadline as a time.perf_counter value, seed) -> routes``."""


@attrs.frozen
class Peer:
    """A peer: the module it imports, the PyPI package that provides it, and its solver."""

    module: str
    package: str
    solve: PeerSolver
    missing_feature: Callable[[], str | None] = lambda: None
    """Why the installed version cannot model pickup-and-delivery pairs, or None."""


def _pyvrp_without_shipments() -> str | None:
    import pyvrp

    if hasattr(pyvrp, "Shipment"):
        return None
    version = importlib.metadata.version("pyvrp")
    return f"PyVRP {version} cannot model pickup-and-delivery pairs (Shipment needs >= 0.14)"


PEERS: Mapping[str, Peer] = {
    "ortools": Peer("ortools", "ortools", solve_ortools),
    "pyvrp": Peer("pyvrp", "pyvrp", solve_pyvrp, _pyvrp_without_shipments),
    "vroom": Peer("vroom", "pyvroom", solve_vroom),
}
SOLVERS = ("dispatch", *PEERS)


def unavailable_peers(solvers: Sequence[str]) -> dict[str, str]:
    """``{peer: reason}`` for the chosen peers that cannot run here (imports them if present)."""
    reasons: dict[str, str] = {}
    for name in solvers:
        peer = PEERS.get(name)
        if peer is None:
            continue
        if importlib.util.find_spec(peer.module) is None:
            reasons[name] = "not installed"
        elif (why := peer.missing_feature()) is not None:
            reasons[name] = why
    return reasons


def versions() -> dict[str, str | None]:
    """Installed versions of the peers' packages."""

    def version(package: str) -> str | None:
        try:
            return importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            return None

    return {peer.package: version(peer.package) for peer in PEERS.values()}


# --------------------------------------------------------------------------- plans and scores


def plan_from_routes(
    instance: BenchmarkInstance,
    cp: CompiledProblem,
    routes_nodes: Sequence[Sequence[int]],
    *,
    solver: str,
    runtime_s: float,
) -> Plan:
    """A peer's routes (instance node ids, depot left out) as a ``dispatch`` plan.

    Route ``k`` goes to courier ``k`` (empty routes are dropped). Each route is
    scheduled at the earliest start times by ``dispatch``'s own simulation
    (``dispatch.solver._schedule.simulate``) and laid out by the code that lays
    out ``dispatch``'s routes (``dispatch.solver._solve._route``). When a
    route breaks a rule (no feasible schedule), service starts at the later of
    arrival and the window's opening, so that ``dispatch.validate`` names what
    breaks. Tasks on no route are unassigned.
    """
    problem = instance.problem
    if len(routes_nodes) > len(cp.couriers):
        raise ValueError(f"{len(routes_nodes)} routes for {len(cp.couriers)} vehicles")
    task_index = {task_id: k for k, task_id in enumerate(cp.task_ids)}
    position = {StopRole.PICKUP: 0, StopRole.DROPOFF: 1, StopRole.VISIT: 0}
    compiled = {
        node: cp.task_nodes[task_index[task_id]][position[role]]
        for (task_id, role), node in instance.node_of.items()
    }
    routes = []
    for v, nodes in enumerate(routes_nodes):
        if not nodes:
            continue
        unknown = [n for n in nodes if n not in compiled]
        if unknown:
            raise ValueError(f"route {v} visits node(s) {unknown} that are no task's stop")
        sequence = (cp.starts[v], *(compiled[n] for n in nodes), cp.ends[v])
        schedule = simulate(cp, v, sequence)
        if schedule is not None:
            starts = tuple(start for _, start, _ in schedule)
        else:
            opening = [
                cp.node_windows[n][0].earliest_s if cp.node_windows[n] else 0 for n in sequence
            ]
            starts = (cp.couriers[v].shift.earliest_s, *opening[1:])
        routes.append(_route(cp, v, sequence, starts))
    served = {task_id for route in routes for task_id in route.task_ids}
    unassigned = tuple(
        Unassigned(task_id=t.id, reason=UnassignedReason.COST, detail=f"left out by {solver}")
        for t in problem.tasks
        if t.id not in served
    )
    fixed = sum(cp.couriers[v].fixed_cost for v in range(len(routes)))
    return Plan(
        routes=tuple(routes),
        unassigned=unassigned,
        objective=ObjectiveParts(
            distance_m=sum(r.distance_m for r in routes), fixed_cost=fixed, penalty=0
        ),
        status=SolveStatus.FEASIBLE if routes else SolveStatus.NO_SOLUTION,
        runtime_s=runtime_s,
    )


def best_of(folder: Path, name: str) -> BestKnown | None:
    """The best-known solution of ``name`` from the folder's BKS table, if it has one."""
    if not any((folder / f).is_file() for f in ("bks.csv", "bks.dat")):
        return None
    return best_known(folder, name)


def report_of(instance: BenchmarkInstance, set_name: str, plan: Plan, folder: Path) -> SolveReport:
    """The plan checked and scored exactly as ``dispatch.cli.solve_instance`` scores its own."""
    routes = tuple(tuple(instance.route_nodes(r)) for r in plan.routes)
    return SolveReport(
        name=instance.name,
        format=set_name,  # type: ignore[arg-type]  # "lilim", "solomon" or "sartori"
        problem=instance.problem,
        plan=plan,
        violations=tuple(validate(instance.problem, plan)),
        routes=routes,
        distance=instance.objective_distance(routes),
        unassigned_nodes={
            u.task_id: tuple(
                instance.node_of[(u.task_id, role)]
                for role in (StopRole.PICKUP, StopRole.DROPOFF, StopRole.VISIT)
                if (u.task_id, role) in instance.node_of
            )
            for u in plan.unassigned
        },
        best=best_of(folder, instance.name),
    )


def row_of(
    solver: str, report: SolveReport, runtime_s: float, note: str | None, budget_s: float
) -> Row:
    """One result row: the size, the gap, validity and runtime of a solver's plan."""
    valid = report.valid
    solved = valid and report.complete
    best = report.best
    first = report.violations[0] if report.violations else None
    return {
        "instance": report.name,
        "solver": solver,
        "vehicles": report.vehicles,
        "bks_vehicles": None if best is None else best.vehicles,
        "distance": round(report.distance, 4),
        "bks_distance": None if best is None else best.distance,
        "gap_pct": report.gap_pct if solved else None,
        "time_limit_s": budget_s,
        "runtime_s": round(runtime_s, 3),
        "violations": len(report.violations),
        "first_violation": None if first is None else f"{first.kind.value}: {first.detail}",
        "unassigned": len(report.plan.unassigned),
        "valid": valid,
        "solved": solved,
        "best": False,
        "note": note,
        "error": None,
    }


def error_row(
    instance: BenchmarkInstance, solver: str, folder: Path, error: Exception, budget_s: float
) -> Row:
    """The row of a solver that raised: not solved, the error's type and message."""
    best = best_of(folder, instance.name)
    return {
        "instance": instance.name,
        "solver": solver,
        "vehicles": None,
        "bks_vehicles": None if best is None else best.vehicles,
        "distance": None,
        "bks_distance": None if best is None else best.distance,
        "gap_pct": None,
        "time_limit_s": budget_s,
        "runtime_s": None,
        "violations": None,
        "first_violation": None,
        "unassigned": None,
        "valid": False,
        "solved": False,
        "best": False,
        "note": None,
        "error": f"{type(error).__name__}: {' '.join(str(error).split())}",
    }


def run_dispatch(
    path: Path, set_name: str, time_limit_s: float, seed: int, workers: int
) -> tuple[SolveReport, float, str | None]:
    """``dispatch`` on one file, exactly as ``benchmarks/literature.py`` runs it."""
    options = SolveOptions(time_limit_s=time_limit_s, seed=seed, workers=workers)
    report = solve_instance(path, set_name, options)  # type: ignore[arg-type]
    return report, report.plan.runtime_s, None


def run_peer(
    name: str,
    instance: BenchmarkInstance,
    data: PeerInput,
    cp: CompiledProblem,
    set_name: str,
    folder: Path,
    time_limit_s: float,
    seed: int,
) -> tuple[SolveReport, float, str | None]:
    """A peer on one instance: model building and search share the time limit."""
    began = time.perf_counter()
    result = PEERS[name].solve(data, began + time_limit_s, seed)
    runtime_s = time.perf_counter() - began
    plan = plan_from_routes(instance, cp, result.routes, solver=name, runtime_s=runtime_s)
    return report_of(instance, set_name, plan, folder), runtime_s, result.note


def mark_best(rows: Sequence[Row]) -> None:
    """Set ``best`` on the solved rows with the fewest vehicles, then the least distance."""
    solved = [r for r in rows if r["solved"]]
    if not solved:
        return
    vehicles = min(r["vehicles"] for r in solved)
    distance = min(r["distance"] for r in solved if r["vehicles"] == vehicles)
    for r in solved:
        r["best"] = r["vehicles"] == vehicles and r["distance"] <= distance + 1e-6


def summarise(rows: Sequence[Row], solvers: Sequence[str]) -> dict[str, Row]:
    """Per solver: solved, mean gap (own solved and common instances), BKS vehicles, wins,
    and ``against`` each other solver (``scoreboard.pairwise``). ``rows``: one budget, one seed.
    """
    instances = list(dict.fromkeys(r["instance"] for r in rows))
    by_key = {(r["instance"], r["solver"]): r for r in rows}
    common = [i for i in instances if all(by_key[(i, s)]["solved"] for s in solvers)]
    summary: dict[str, Row] = {}
    for solver in solvers:
        mine = [by_key[(i, solver)] for i in instances]
        solved = [r for r in mine if r["solved"]]
        gaps = [r["gap_pct"] for r in solved if r["gap_pct"] is not None]
        common_gaps = [by_key[(i, solver)]["gap_pct"] for i in common]
        common_gaps = [g for g in common_gaps if g is not None]
        sole = [
            r
            for r in mine
            if r["best"] and sum(by_key[(r["instance"], s)]["best"] for s in solvers) == 1
        ]
        runtimes = [r["runtime_s"] for r in mine if r["runtime_s"] is not None]
        overruns = [r["runtime_s"] / r["time_limit_s"] for r in mine if r["runtime_s"] is not None]
        summary[solver] = {
            "instances": len(mine),
            "solved": len(solved),
            "invalid": sum(1 for r in mine if r["error"] is None and not r["valid"]),
            "errors": sum(1 for r in mine if r["error"]),
            "mean_gap_pct": round(statistics.fmean(gaps), 4) if gaps else None,
            "common_instances": len(common),
            "mean_gap_common_pct": round(statistics.fmean(common_gaps), 4) if common_gaps else None,
            "bks_vehicles_matched": sum(
                1
                for r in solved
                if r["bks_vehicles"] is not None and r["vehicles"] <= r["bks_vehicles"]
            ),
            "with_bks": sum(1 for r in mine if r["bks_vehicles"] is not None),
            "best_or_tied": sum(1 for r in mine if r["best"]),
            "sole_best": len(sole),
            "max_runtime_s": max(runtimes, default=None),
            "max_runtime_ratio": round(max(overruns), 3) if overruns else None,
        }
    for solver, duels in pairwise(rows, solvers).items():
        summary[solver]["against"] = duels
    return summary


# --------------------------------------------------------------------------- printing

_COLUMNS = (
    ("instance", "<12"),
    ("solver", "<9"),
    ("seed", ">4"),
    ("limit", ">5"),
    ("veh", ">4"),
    ("bks", ">4"),
    ("distance", ">10"),
    ("bks dist", ">10"),
    ("gap %", ">7"),
    ("time s", ">7"),
    ("best", "<4"),
    ("valid", "<6"),
)


def _show(value: Any, fmt: str = "") -> str:
    return "-" if value is None else format(value, fmt)


def format_row(row: Row | None) -> str:
    """One line of the results table (the header for None)."""
    if row is None:
        cells = [name for name, _ in _COLUMNS]
    else:
        if row["error"]:
            valid = f"error: {row['error']}"
        elif row["violations"]:
            valid = f"no ({row['violations']} violations; {row['first_violation']})"
        elif row["unassigned"]:
            valid = f"no ({row['unassigned']} unassigned)"
        else:
            valid = "yes"
        if row.get("note"):
            valid += f" [{row['note']}]"
        cells = [
            row["instance"],
            row["solver"],
            _show(row.get("seed")),
            _show(row.get("time_limit_s"), "g"),
            _show(row.get("vehicles")),
            _show(row.get("bks_vehicles")),
            _show(row.get("distance"), ".2f"),
            _show(row.get("bks_distance"), ".2f"),
            _show(row.get("gap_pct"), "+.2f"),
            _show(row.get("runtime_s"), ".1f"),
            "*" if row["best"] else "",
            valid,
        ]
    line = "  ".join(format(c, spec) for c, (_, spec) in zip(cells, _COLUMNS, strict=True))
    return line.rstrip()


def format_summary(summary: Mapping[str, Row]) -> str:
    """The per-solver summary as a small table."""
    header = (
        f"{'solver':<9}  {'solved':>9}  {'mean gap %':>10}  {'common gap %':>12}  "
        f"{'BKS veh':>9}  {'best/tied':>9}  {'sole best':>9}  {'max s':>6}"
    )
    lines = [header]
    for solver, s in summary.items():
        solved = f"{s['solved']}/{s['instances']}"
        matched = f"{s['bks_vehicles_matched']}/{s['with_bks']}"
        lines.append(
            f"{solver:<9}  {solved:>9}  {_show(s['mean_gap_pct'], '+.2f'):>10}  "
            f"{_show(s['mean_gap_common_pct'], '+.2f'):>12}  {matched:>9}  "
            f"{s['best_or_tied']:>9}  {s['sole_best']:>9}  {_show(s['max_runtime_s'], '.1f'):>6}"
        )
    any_solver = next(iter(summary.values()), None)
    if any_solver is not None:
        lines.append(
            f"common gap: over the {any_solver['common_instances']} instance(s) every solver "
            "solved; BKS veh: solved with the best-known vehicle count"
        )
    first = next(iter(summary), None)
    duels = "" if first is None else format_pairwise(summary, first)
    if duels:  # the other pairs are in the JSON (``against``)
        lines.append(duels)
    return "\n".join(lines)


def format_time_to_quality(summaries: Mapping[float, Mapping[str, Row]]) -> str:
    """Mean gap and best-known vehicle counts per solver (rows) and budget (columns)."""
    budgets = sorted(summaries)
    solvers = list(dict.fromkeys(name for b in budgets for name in summaries[b]))
    cell = 22
    lines = [f"{'solver':<9}" + "".join(f"{f'{b:g} s':>{cell}}" for b in budgets)]
    for solver in solvers:
        cells = []
        for b in budgets:
            s = summaries[b].get(solver)
            text = (
                "-"
                if s is None
                else (
                    f"{_show(s['mean_gap_pct'], '+.2f')} % "
                    f"{s['bks_vehicles_matched']}/{s['with_bks']} x{_show(s['max_runtime_ratio'])}"
                )
            )
            cells.append(f"{text:>{cell}}")
        lines.append(f"{solver:<9}" + "".join(cells))
    lines.append(
        "each cell: mean gap to the best-known distance, best-known vehicle counts matched, "
        "and the longest runtime as a multiple of the budget"
    )
    return "\n".join(lines)


# --------------------------------------------------------------------------- the command


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command-line options."""
    parser = argparse.ArgumentParser(
        prog="peers.py",
        description="Run dispatch, plain OR-Tools, PyVRP and VROOM side by side on "
        "literature instances and check every solution with dispatch.validate.",
    )
    parser.add_argument("--set", required=True, choices=sorted(READERS), dest="set_name")
    parser.add_argument(
        "--time-limit",
        type=positive_seconds,
        default=None,
        metavar="S",
        help="wall-clock seconds per instance and solver (default 5 for lilim and solomon, "
        f"10 for sartori; {QUICK_TIME_LIMIT_S:g} with --quick)",
    )
    parser.add_argument(
        "--budgets",
        default=None,
        metavar="S,S",
        help="several time limits, each run side by side (a time-to-quality table, "
        "e.g. 1,2,5,10); replaces --time-limit",
    )
    parser.add_argument(
        "--instances",
        default=None,
        metavar="A,B,C|N",
        help="these instances (file stems), or a count N spread over the set",
    )
    parser.add_argument(
        "--solvers",
        default=",".join(SOLVERS),
        metavar="A,B",
        help=f"which solvers, comma-separated (default {','.join(SOLVERS)})",
    )
    parser.add_argument("--seed", type=int, default=None, metavar="N", help="seed (default 0)")
    parser.add_argument(
        "--seeds",
        default=None,
        metavar="N,N",
        help="several seeds, each a full side-by-side run (every solver, instance and "
        "budget), then the spread of each summary count over them; replaces --seed",
    )
    parser.add_argument(
        "--workers",
        type=positive_int,
        default=2,
        metavar="N",
        help="dispatch's searches at once (SolveOptions.workers; default 2, "
        f"as VROOM's {VROOM_THREADS} threads)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"CI mode: 2 small instances, {QUICK_TIME_LIMIT_S:g} s each",
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=None,
        metavar="FILE",
        help="results JSON (default benchmarks/results/peers-<set>-<time limit>s.json, "
        "-seeds-<seeds> before .json with several seeds)",
    )
    args = parser.parse_args(argv)
    solvers = [s.strip() for s in args.solvers.split(",") if s.strip()]
    unknown = sorted(set(solvers) - set(SOLVERS))
    if unknown or not solvers:
        parser.error(
            f"--solvers: unknown {', '.join(unknown) or '(none given)'}; "
            f"choose from {', '.join(SOLVERS)}"
        )
    args.solvers = list(dict.fromkeys(solvers))
    if args.budgets is not None:
        if args.time_limit is not None:
            parser.error("--budgets replaces --time-limit; give one of them")
        try:
            args.budgets = sorted({positive_seconds(b) for b in args.budgets.split(",")})
        except argparse.ArgumentTypeError as error:
            parser.error(f"--budgets: {error}")
    if args.seeds is None:
        args.seeds = [args.seed or 0]
    else:
        if args.seed is not None:
            parser.error("--seeds replaces --seed; give one of them")
        try:
            args.seeds = list(dict.fromkeys(int(x) for x in args.seeds.split(",") if x.strip()))
        except ValueError:
            parser.error(f"--seeds: {args.seeds!r} is not a comma-separated list of integers")
        if not args.seeds:
            parser.error("--seeds: no seed given")
    return args


def select_files(folder: Path, set_name: str, instances: str | None, quick: bool) -> list[Path]:
    """The instance files to run: named, a count spread over the set, the quick pair, or all."""
    pattern = SETS[set_name]  # type: ignore[index]
    if instances is not None and instances.strip().isdigit():
        return spread(instance_files(folder, pattern, None), int(instances))
    if instances is not None:
        return instance_files(folder, pattern, [n.strip() for n in instances.split(",")])
    files = instance_files(folder, pattern, None)
    if not quick:
        return files
    by_name = {f.stem.lower(): f for f in files}
    wanted = [by_name[n] for n in QUICK_INSTANCES[set_name] if n in by_name]
    if len(wanted) == len(QUICK_INSTANCES[set_name]):
        return wanted
    return sorted(sorted(files, key=lambda f: (f.stat().st_size, f.name))[:2])


def main(argv: Sequence[str] | None = None) -> int:
    """Run every solver on every instance; print the tables; write the JSON. The exit code."""
    args = parse_args(argv)
    folder = benchmarks_dir() / args.set_name
    if not folder.is_dir():
        print(
            f"peers.py: error: no benchmark data at {folder} (set DISPATCH_BENCHMARKS)",
            file=sys.stderr,
        )
        return 2
    try:
        files = select_files(folder, args.set_name, args.instances, args.quick)
    except ValueError as error:
        print(f"peers.py: error: {error}", file=sys.stderr)
        return 2
    if not files:
        print(f"peers.py: error: no instance files in {folder}", file=sys.stderr)
        return 2
    default_limit = QUICK_TIME_LIMIT_S if args.quick else DEFAULT_TIME_LIMIT_S[args.set_name]
    budgets: list[float] = args.budgets or [args.time_limit or default_limit]
    time_limit_s = max(budgets)
    label = "-".join(f"{b:g}" for b in budgets)
    seeds: list[int] = args.seeds
    several = "-seeds-" + "-".join(map(str, seeds)) if len(seeds) > 1 else ""
    output = args.output or REPO_ROOT / "benchmarks" / "results" / (
        f"peers-{args.set_name}-{label}s{several}.json"
    )
    skipped = unavailable_peers(args.solvers)
    for name, reason in skipped.items():
        print(f"skipped: {name} {reason} (pip install {PEERS[name].package}, or the bench extra)")
    solvers = [s for s in args.solvers if s not in skipped]
    if not solvers:
        print("nothing to run: every solver chosen was skipped")
        return 0

    print(
        f"{args.set_name}: {len(files)} instance(s), {label} s per solver, "
        f"solvers {', '.join(solvers)} (dispatch with {args.workers} worker(s)), "
        f"seed(s) {', '.join(map(str, seeds))}, from {folder}"
    )
    if "dispatch" in solvers:
        start_workers(args.workers - 1)  # once, as a service would at start-up
    print(format_row(None))
    load_before = os.getloadavg()
    rows: list[Row] = []
    for path in files:
        instance = READERS[args.set_name](path)
        data = PeerInput.from_instance(instance)
        cp = compile_problem(instance.problem)
        for budget, seed in itertools.product(budgets, seeds):
            instance_rows = []
            for solver in solvers:
                try:
                    if solver == "dispatch":
                        outcome = run_dispatch(path, args.set_name, budget, seed, args.workers)
                    else:
                        outcome = run_peer(
                            solver, instance, data, cp, args.set_name, folder, budget, seed
                        )
                except Exception as error:  # one solver failing must not stop the others
                    row = error_row(instance, solver, folder, error, budget)
                else:
                    report, runtime_s, note = outcome
                    row = row_of(solver, report, runtime_s, note, budget)
                row["seed"] = seed
                instance_rows.append(row)
            mark_best(instance_rows)
            for row in instance_rows:
                print(format_row(row), flush=True)
            rows.extend(instance_rows)
    by_seed = {
        b: {
            s: summarise([r for r in rows if r["time_limit_s"] == b and r["seed"] == s], solvers)
            for s in seeds
        }
        for b in budgets
    }
    summaries = {b: by_seed[b][seeds[0]] for b in budgets}
    summary = summaries[time_limit_s]
    spreads = {b: spread_over_seeds(by_seed[b]) for b in budgets}
    for budget, seed in itertools.product(budgets, seeds):
        print()
        print(f"at {budget:g} s" + (f", seed {seed}:" if len(seeds) > 1 else ":"))
        print(format_summary(by_seed[budget][seed]))
    if len(seeds) > 1:
        for budget in budgets:
            print()
            print(f"at {budget:g} s, over seeds {', '.join(map(str, seeds))}:")
            print(format_spread(spreads[budget]))
    if len(budgets) > 1:
        print()
        print("time to quality" + (f" (seed {seeds[0]}):" if len(seeds) > 1 else ":"))
        print(format_time_to_quality(summaries))
    write_json(
        {
            "set": args.set_name,
            "time_limit_s": time_limit_s,
            "budgets": budgets,
            "seed": seeds[0],
            "seeds": seeds,
            "dispatch_workers": args.workers,
            "vroom": {"threads": VROOM_THREADS, "exploration_level": VROOM_EXPLORATION},
            "solvers": solvers,
            "skipped": skipped,
            "versions": versions(),
            "quick": args.quick,
            "data": str(folder),
            "created": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            "machine": machine_info(),
            "load_average": {"before": load_before, "after": os.getloadavg()},
            "git": git_info(),
            "rows": rows,
            "summary": summary,
            "summaries": {f"{b:g}": summaries[b] for b in budgets},
            "summaries_by_seed": {
                f"{b:g}": {str(s): by_seed[b][s] for s in seeds} for b in budgets
            },
            "spread": {f"{b:g}": spreads[b] for b in budgets},
        },
        output,
    )
    print(f"wrote {output}")
    dispatch_bad = any(r["solver"] == "dispatch" and r.get("violations") for r in rows)
    errors = any(r["error"] for r in rows)
    return 1 if dispatch_bad or errors else 0


if __name__ == "__main__":
    sys.exit(main())
