"""``solve_partitioned``: zones in parallel, then leftovers across borders, merged into one plan."""

from __future__ import annotations

import concurrent.futures
import math
import os
import time
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from dispatch.errors import InvalidInputError, SolverError
from dispatch.model import Problem
from dispatch.partition._assign import Partition, partition, within_reach
from dispatch.partition._parts import Part, PartResult, PartSolver, PartStage
from dispatch.partition._run import PartReport, Runner
from dispatch.partition._zones import Zones
from dispatch.plan import ObjectiveParts, Plan, Route, SolveStatus, Unassigned, UnassignedReason

__all__ = ["PARTITION_FAILED", "PartitionOptions", "Partitioned", "solve_partitioned"]

#: The reason given to the tasks of a zone part that failed (its ``detail`` says
#: ``"partition failed: ..."`` with the errors).
PARTITION_FAILED = UnassignedReason.PARTITION_FAILED

_STATUS_RANK = {
    SolveStatus.OPTIMAL: 0,
    SolveStatus.FEASIBLE: 1,
    SolveStatus.NO_SOLUTION: 2,
    SolveStatus.INFEASIBLE: 3,
}


def _count(low: int) -> Any:
    def check(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise InvalidInputError(
                f"PartitionOptions.{attribute.name}", f"must be an int >= {low}, got {value!r}"
            )

    return check


def _zones(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, Zones):
        return
    _count(1)(instance, attribute, value)


def _metres(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0:
        raise InvalidInputError(
            f"PartitionOptions.{attribute.name}", f"must be a number >= 0, got {value!r}"
        )


def _seconds(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is None:
        return
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not (math.isfinite(value) and value > 0)
    ):
        raise InvalidInputError(
            f"PartitionOptions.{attribute.name}", f"must be a number > 0 or None, got {value!r}"
        )


def _workers(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None:
        _count(1)(instance, attribute, value)


@attrs.frozen(kw_only=True)
class PartitionOptions:
    """How to cut the problem, and how to run the parts.

    Parameters
    ----------
    zones
        Zones to fit (recursive bisection, see :class:`Zones`), or zones
        fitted before, to keep districts in place from day to day.
    border_m
        Reach of the border rounds: a leftover is offered to a courier of
        another zone whose round passes within this many metres (straight
        line) of one of its stops.
    border_rounds
        Rounds of offering leftovers across borders; in round ``r`` each
        courier is offered to the ``r``-th nearest other zone its round comes
        within ``border_m`` of. 0 = the zones' plans merged as they are.
    retries
        Attempts after the first for a part that raises or runs over
        ``part_timeout_s``.
    part_timeout_s
        Wall-clock limit of one attempt at one part; None = none.
    workers
        Parts run at once (also the size of the process pool made when no
        executor is given); None = the machine's CPU count. With your own
        executor, set it to the number of parts it runs at once (a Dask
        cluster's total threads), so that an attempt's clock starts when it
        starts to run.

    Examples
    --------
    >>> PartitionOptions(zones=4).border_m
    1000.0
    >>> PartitionOptions(retries=-1)
    Traceback (most recent call last):
    ...
    dispatch.errors.InvalidInputError: PartitionOptions.retries: must be an int >= 0, got -1
    """

    zones: int | Zones = attrs.field(default=10, validator=_zones)
    border_m: float = attrs.field(default=1000.0, converter=float, validator=_metres)
    border_rounds: int = attrs.field(default=1, validator=_count(0))
    retries: int = attrs.field(default=1, validator=_count(0))
    part_timeout_s: float | None = attrs.field(default=None, validator=_seconds)
    workers: int | None = attrs.field(default=None, validator=_workers)


@attrs.frozen(kw_only=True, eq=False)
class Partitioned:
    """The merged plan of a partitioned solve, and how each part went.

    Attributes
    ----------
    plan
        One plan of the whole problem: check it with :func:`dispatch.validate`.
    partition
        The zones and who belonged to each.
    reports
        One per part, zone parts first, then border parts.
    detours_s
        Busy seconds beyond the own round, per courier with a route, where
        the part solver reports them (the matcher does).
    """

    plan: Plan
    partition: Partition
    reports: tuple[PartReport, ...]
    detours_s: Mapping[str, int]

    @property
    def failures(self) -> tuple[PartReport, ...]:
        """The parts whose every attempt failed."""
        return tuple(r for r in self.reports if not r.ok)


@attrs.define
class _State:
    """The merged plan as it is built: routes and leftovers by id, prices of leftovers."""

    routes: dict[str, Route] = attrs.field(factory=dict)
    unassigned: dict[str, Unassigned] = attrs.field(factory=dict)
    penalty_per_priority: dict[str, float] = attrs.field(factory=dict)
    detours: dict[str, int] = attrs.field(factory=dict)
    statuses: list[SolveStatus] = attrs.field(factory=list)
    failed_tasks: set[str] = attrs.field(factory=set)

    def take(self, problem: Problem, part: Part, result: PartResult) -> None:
        """The part's plan replaces whatever its couriers and tasks had."""
        plan = result.plan
        for courier in part.problem.couriers:
            self.routes.pop(courier.id, None)
        for task in part.problem.tasks:
            self.unassigned.pop(task.id, None)
            self.penalty_per_priority.pop(task.id, None)
        for route in plan.routes:
            self.routes[route.courier_id] = route
        left = sum(problem.task(u.task_id).priority for u in plan.unassigned)
        each = plan.objective.penalty / left if left else 0.0
        for entry in plan.unassigned:
            self.unassigned[entry.task_id] = entry
            self.penalty_per_priority[entry.task_id] = each
        self.detours.update(result.detours_s)
        self.statuses.append(plan.status)

    def plan(self, problem: Problem, began: float) -> Plan:
        """The merged plan: routes in courier order, leftovers in task order."""
        routes = [self.routes[c.id] for c in problem.couriers if c.id in self.routes]
        unassigned = [self.unassigned[t.id] for t in problem.tasks if t.id in self.unassigned]
        priced = [v for k, v in self.penalty_per_priority.items() if k not in self.failed_tasks]
        dearest = max(priced, default=0.0)
        penalty = sum(
            problem.task(u.task_id).priority
            * (dearest if u.task_id in self.failed_tasks else self.penalty_per_priority[u.task_id])
            for u in unassigned
        )
        status = max(self.statuses, key=_STATUS_RANK.__getitem__, default=SolveStatus.OPTIMAL)
        if self.failed_tasks and _STATUS_RANK[status] < _STATUS_RANK[SolveStatus.FEASIBLE]:
            status = SolveStatus.FEASIBLE
        return Plan(
            routes=tuple(routes),
            unassigned=tuple(unassigned),
            objective=ObjectiveParts(
                distance_m=sum(r.distance_m for r in routes),
                fixed_cost=sum(problem.courier(r.courier_id).fixed_cost for r in routes),
                penalty=round(penalty),
            ),
            status=status,
            runtime_s=time.perf_counter() - began,
        )


def _sub(problem: Problem, task_ids: Sequence[str], courier_ids: Sequence[str]) -> Problem:
    """The tasks and couriers named, in the problem's order, with its travel model."""
    tasks, couriers = set(task_ids), set(courier_ids)
    return attrs.evolve(
        problem,
        tasks=[t for t in problem.tasks if t.id in tasks],
        couriers=[c for c in problem.couriers if c.id in couriers],
    )


def _zone_parts(problem: Problem, split: Partition) -> list[Part]:
    parts: list[Part] = []
    for zone in range(split.zones.count):
        tasks = [t.id for t in problem.tasks if split.task_zone[t.id] == zone]
        crew = [c.id for c in problem.couriers if split.courier_zone[c.id] == zone]
        if tasks or crew:
            sub = _sub(problem, tasks, crew)
            share = len(tasks) / max(1, len(problem.tasks))
            parts.append(
                Part(stage=PartStage.ZONE, zone=zone, index=len(parts), problem=sub, share=share)
            )
    return parts


def _has_room(problem: Problem, courier_id: str, state: _State) -> bool:
    """Below its task cap, and with detour budget left when what it spent is known."""
    courier = problem.courier(courier_id)
    route = state.routes.get(courier_id)
    carried = len(route.task_ids) if route is not None else 0
    if courier.max_tasks is not None and carried >= courier.max_tasks:
        return False
    spent = state.detours.get(courier_id)
    budget = courier.detour_budget_s
    return budget is None or spent is None or spent < budget


def _border_parts(
    problem: Problem, split: Partition, state: _State, border_round: int
) -> list[Part]:
    """Per zone: its leftovers within reach of couriers whose ``r``-th neighbour zone it is."""
    open_ids = [
        t.id for t in problem.tasks if t.id in state.unassigned and t.id not in state.failed_tasks
    ]
    parts: list[Part] = []
    for zone in range(split.zones.count):
        leftovers = [t for t in open_ids if split.task_zone[t] == zone]
        if not leftovers:
            continue
        crew = [
            c.id
            for c in problem.couriers
            if split.neighbour_zones.get(c.id, ())[border_round : border_round + 1] == (zone,)
            and _has_room(problem, c.id, state)
        ]
        leftovers, crew = within_reach(problem, leftovers, crew, split.border_m)
        if not crew:
            continue
        routes = tuple(state.routes[c] for c in crew if c in state.routes)
        held = [t for r in routes for t in r.task_ids]
        warm = Plan(
            routes=routes,
            unassigned=(),
            objective=ObjectiveParts(
                distance_m=sum(r.distance_m for r in routes), fixed_cost=0, penalty=0
            ),
            status=SolveStatus.FEASIBLE,
            runtime_s=0.0,
        )
        parts.append(
            Part(
                stage=PartStage.BORDER,
                zone=zone,
                index=len(parts),
                round=border_round,
                share=len(leftovers) / max(1, len(problem.tasks)),
                problem=_sub(problem, [*leftovers, *held], crew),
                warm_start=warm,
                spent_detour_s={c: state.detours[c] for c in crew if c in state.detours},
            )
        )
    return parts


def _served(problem: Problem, routes: Sequence[Route]) -> tuple[int, int]:
    """Priority served and minus the distance: larger is better."""
    priority = sum(problem.task(t).priority for r in routes for t in r.task_ids)
    return priority, -sum(r.distance_m for r in routes)


def _fall_back(solver: PartSolver, part: Part, errors: Sequence[str]) -> PartResult:
    """A failed zone part: its couriers' own rounds (planned here), every task left out."""
    detail = "partition failed: " + "; ".join(errors)
    crew = [c for c in part.problem.couriers if c.own_stops]
    plan = Plan(
        routes=(),
        unassigned=(),
        objective=ObjectiveParts(distance_m=0, fixed_cost=0, penalty=0),
        status=SolveStatus.FEASIBLE,
        runtime_s=0.0,
    )
    detours: Mapping[str, int] = {}
    if crew:
        alone = attrs.evolve(part, problem=attrs.evolve(part.problem, tasks=(), couriers=crew))
        try:
            own = solver(alone)
        except Exception as error:
            raise SolverError(
                f"zone {part.zone} failed ({detail}) and its couriers' own rounds cannot be "
                f"planned either: {error}"
            ) from error
        plan, detours = own.plan, own.detours_s
    left = tuple(
        Unassigned(task_id=t.id, reason=PARTITION_FAILED, detail=detail) for t in part.problem.tasks
    )
    return PartResult(plan=attrs.evolve(plan, unassigned=left), detours_s=detours)


def solve_partitioned(
    problem: Problem,
    solver: PartSolver,
    options: PartitionOptions | None = None,
    *,
    executor: concurrent.futures.Executor | None = None,
) -> Partitioned:
    """Solve a large problem zone by zone, in parallel, and merge the plans into one.

    1. **Zones.** Tasks and couriers are zoned (:func:`partition`): a task
       by its first stop, a courier by where its own round spends the most
       time, so each courier belongs to exactly one zone.
    2. **Zone pass.** Each zone's tasks and couriers are solved apart, in
       parallel, by ``solver``.
    3. **Border rounds.** Each zone's leftovers (unassigned tasks) are
       offered to the couriers of other zones with room whose rounds pass
       within ``border_m`` of one of their stops; in round ``r`` each
       courier to its ``r``-th nearest other zone only, so the border parts
       of a round are disjoint too and run in parallel.
       The couriers keep what they carry (:class:`SolveParts` starts from
       their routes, :class:`MatchParts` fits the leftovers into them). A
       border part's plan is kept when it serves at least as much priority
       (ties: no more distance) as the routes it started from.
    4. **Merge.** Routes in the order of ``problem.couriers``, leftovers in
       the order of ``problem.tasks``; every task is on one route or in
       ``plan.unassigned``, once.

    A part that raises, or runs over ``part_timeout_s``, is tried again
    ``retries`` times and then reported in :attr:`Partitioned.failures`. A
    failed zone part leaves its couriers on their own rounds (planned in
    this process) and every task of it unassigned with the detail
    ``"partition failed: <errors>"``; a failed border part leaves its
    leftovers and couriers as they were, with a note in the detail.

    Parameters
    ----------
    problem
        The whole problem; every location needs ``lat``/``lon``.
    solver
        Solves one part: ``SolveParts(SolveOptions(...))``,
        ``MatchParts(MatchOptions(...))`` or any picklable
        :class:`PartSolver`.
    options
        Zones, border reach, retries, time limit, workers.
    executor
        A :class:`concurrent.futures.Executor`; None makes a pool of
        ``options.workers`` spawned processes for this call. On a Dask
        cluster, pass ``client.get_executor(pure=False)``
        (``from distributed import Client``) and set ``workers`` to the
        cluster's threads.

    Returns
    -------
    Partitioned
        The merged plan, the zones, a report per part.

    Examples
    --------
    >>> import concurrent.futures
    >>> from dispatch import validate
    >>> from dispatch.partition import MatchParts
    >>> from dispatch.incidental import MatchOptions
    >>> from dispatch.synthetic import incidental_district
    >>> problem = incidental_district(couriers=12, errands=30, seed=3).problem
    >>> with concurrent.futures.ThreadPoolExecutor(2) as pool:
    ...     done = solve_partitioned(problem, MatchParts(MatchOptions(pack=False)),
    ...                              PartitionOptions(zones=3, workers=2), executor=pool)
    >>> [(r.stage.value, r.zone, r.ok) for r in done.reports][:3]
    [('zone', 0, True), ('zone', 1, True), ('zone', 2, True)]
    >>> validate(problem, done.plan)
    []
    """
    began = time.perf_counter()
    options = options or PartitionOptions()
    split = partition(problem, options.zones, border_m=options.border_m)
    workers = options.workers or os.cpu_count() or 1
    state = _State()
    reports: list[PartReport] = []
    with Runner(
        executor, workers=workers, retries=options.retries, part_timeout_s=options.part_timeout_s
    ) as runner:
        parts = _zone_parts(problem, split)
        results, done = runner.run(solver, parts)
        reports += done
        for part, result, report in zip(parts, results, done, strict=True):
            if result is None:
                result = _fall_back(solver, part, report.errors)
                state.failed_tasks.update(t.id for t in part.problem.tasks)
            state.take(problem, part, result)
        for border_round in range(options.border_rounds):
            border = _border_parts(problem, split, state, border_round)
            if not border:
                break
            results, done = runner.run(solver, border)
            reports += done
            for part, result, report in zip(border, results, done, strict=True):
                if result is None:
                    note = "; offering it across the border failed: " + "; ".join(report.errors)
                    for task in part.problem.tasks:
                        entry = state.unassigned.get(task.id)
                        if entry is not None:
                            state.unassigned[task.id] = attrs.evolve(
                                entry, detail=entry.detail + note
                            )
                    continue
                before = part.warm_start.routes if part.warm_start is not None else ()
                if _served(problem, result.plan.routes) >= _served(problem, before):
                    state.take(problem, part, result)
    return Partitioned(
        plan=state.plan(problem, began),
        partition=split,
        reports=tuple(reports),
        detours_s={c: d for c, d in state.detours.items() if c in state.routes},
    )
