"""Partitioned solving: valid merged plans, border rounds, retries, time limits, processes."""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import pickle
import time
from collections.abc import Iterator
from typing import Any

import attrs
import pytest
from tests.partition.world import (
    MATCH,
    ROUTE,
    Faulty,
    district,
    once_each,
    routing_city,
    timeless,
)

from dispatch import Problem, Visit, validate
from dispatch.errors import InvalidInputError
from dispatch.incidental import Matcher
from dispatch.partition import (
    MatchParts,
    Part,
    Partitioned,
    PartitionOptions,
    PartSolver,
    PartStage,
    SolveParts,
    Zones,
    freeze,
    solve_partitioned,
)
from dispatch.partition._assign import within_reach
from dispatch.solver import SolveOptions, solve


@pytest.fixture(scope="module")
def threads() -> Iterator[concurrent.futures.ThreadPoolExecutor]:
    """Two threads: the merge and retry logic without the cost of processes."""
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        yield pool


@pytest.fixture(scope="module")
def matched(threads: concurrent.futures.Executor) -> Partitioned:
    """The synthetic district matched in three zones with two border rounds."""
    return _run(district(), MATCH, threads, border_rounds=2)


@pytest.fixture(scope="module")
def zones_only(threads: concurrent.futures.Executor) -> Partitioned:
    """The same, without border rounds."""
    return _run(district(), MATCH, threads, border_rounds=0)


def _run(
    problem: Problem,
    solver: PartSolver,
    executor: concurrent.futures.Executor | None,
    **options: Any,
) -> Partitioned:
    options.setdefault("zones", 3)
    options.setdefault("workers", 2)
    return solve_partitioned(problem, solver, PartitionOptions(**options), executor=executor)


def _valid(problem: Problem, done: Partitioned) -> None:
    """The merged plan passes the validator, every task once, parts cover the problem."""
    assert validate(problem, done.plan) == []
    once_each(problem, done.plan)
    assert done.failures == () and done.plan.is_feasible()
    zone_reports = [r for r in done.reports if r.stage is PartStage.ZONE]
    assert sum(r.tasks for r in zone_reports) == len(problem.tasks)
    assert sum(r.couriers for r in zone_reports) == len(problem.couriers)
    assert done.plan.objective.distance_m == sum(r.distance_m for r in done.plan.routes)


def test_matched_plans_whole_and_partitioned_are_valid(matched: Partitioned) -> None:
    """Matcher: the plan of the whole district and the merged plan pass the validator."""
    problem = district()
    whole = Matcher(problem, MATCH.options).match().plan
    assert validate(problem, whole) == []
    once_each(problem, whole)
    _valid(problem, matched)


def test_routed_plans_whole_and_partitioned_are_valid(
    threads: concurrent.futures.Executor,
) -> None:
    """Core solver: the plan of the whole city and the merged plan pass the validator."""
    problem = routing_city()
    whole = solve(problem, ROUTE.options)
    assert validate(problem, whole) == []
    once_each(problem, whole)
    _valid(problem, _run(problem, ROUTE, threads))


def test_border_pass_serves_leftovers_across_borders(
    matched: Partitioned, zones_only: Partitioned
) -> None:
    """Border rounds serve more; what crossed a border went to a neighbour's courier in reach."""
    problem = district()
    done, without = matched, zones_only
    split = done.partition

    def served(plan: Any) -> int:
        return sum(problem.task(t).priority for t in plan.assigned_task_ids())

    assert served(done.plan) > served(without.plan)
    crossed = [
        (t, r.courier_id)
        for r in done.plan.routes
        for t in r.task_ids
        if split.task_zone[t] != split.courier_zone[r.courier_id]
    ]
    assert crossed
    assert all(split.task_zone[t] in split.neighbour_zones[c] for t, c in crossed)
    for task_id, courier_id in crossed:
        assert within_reach(problem, [task_id], [courier_id], split.border_m)[0] == [task_id]
    # Each courier's detour stays within its budget (the validator checks it too).
    for courier_id, detour_s in done.detours_s.items():
        budget = problem.courier(courier_id).detour_budget_s
        assert budget is None or detour_s <= budget


def test_same_seed_same_plan_however_run(
    threads: concurrent.futures.Executor, matched: Partitioned
) -> None:
    """Same seed: the same merged plan with two parts at once or one at a time."""
    problem = routing_city()
    first = _run(problem, ROUTE, threads)
    again = _run(problem, ROUTE, threads, workers=1)
    assert timeless(first.plan) == timeless(again.plan)
    one_by_one = _run(district(), MATCH, threads, workers=1, border_rounds=2)
    assert timeless(one_by_one.plan) == timeless(matched.plan)


def test_failed_zone_is_retried_then_reported(threads: concurrent.futures.Executor) -> None:
    """A zone that always raises: tried 1 + retries times, its tasks unassigned, plan valid."""
    problem = district()
    solver = Faulty(MATCH, frozenset({1}))
    done = _run(problem, solver, threads, retries=2)
    assert validate(problem, done.plan) == []
    once_each(problem, done.plan)
    [failure] = done.failures
    assert (failure.stage, failure.zone, failure.attempts) == (PartStage.ZONE, 1, 3)
    assert failure.errors == ("RuntimeError: zone 1 broke",) * 3
    lost = {t for t, z in done.partition.task_zone.items() if z == 1}
    left = {u.task_id: u for u in done.plan.unassigned}
    assert lost <= set(left)
    assert all(left[t].detail.startswith("partition failed: RuntimeError: zone 1") for t in lost)
    # Its couriers still ride their own rounds (a courier with own stops must have a route).
    crew = [c for c, z in done.partition.courier_zone.items() if z == 1]
    assert crew and all(done.plan.route_of(c) is not None for c in crew)


def test_a_retry_that_succeeds_gives_the_plan_of_a_clean_run(
    threads: concurrent.futures.Executor,
) -> None:
    """A zone failing once and then solved: the same plan as without the failure."""
    problem = routing_city()
    done = _run(problem, Faulty(ROUTE, frozenset({0, 2}), times=1), threads)
    clean = _run(problem, ROUTE, threads)
    assert done.failures == ()
    assert [r.attempts for r in done.reports if r.stage is PartStage.ZONE] == [2, 1, 2]
    assert timeless(done.plan) == timeless(clean.plan)


def test_failed_border_part_keeps_the_zone_plan(
    threads: concurrent.futures.Executor, zones_only: Partitioned
) -> None:
    """A border part that fails leaves its leftovers as the zone pass left them, with a note."""
    problem = district()
    solver = Faulty(MATCH, frozenset(range(3)), stage=PartStage.BORDER)
    done = _run(problem, solver, threads, retries=0)
    zone_only = zones_only
    assert validate(problem, done.plan) == []
    assert {r.stage for r in done.failures} == {PartStage.BORDER}
    assert done.plan.routes == zone_only.plan.routes
    noted = [u for u in done.plan.unassigned if "offering it across the border failed" in u.detail]
    assert noted


def test_slow_zone_times_out_then_retries() -> None:
    """A zone stalling past the time limit once is retried in time; stalling always, reported."""
    problem = routing_city()
    # Threads cannot be stopped: stalled attempts sleep on in a pool of their own.
    pool = concurrent.futures.ThreadPoolExecutor(6)
    once = Faulty(ROUTE, frozenset({1}), times=1, sleep_s=2.5)
    done = _run(problem, once, pool, part_timeout_s=1.0)
    assert done.failures == ()
    [slow] = [r for r in done.reports if r.stage is PartStage.ZONE and r.zone == 1]
    assert slow.attempts == 2 and "time limit of 1 s" in slow.errors[0]
    always = Faulty(ROUTE, frozenset({1}), sleep_s=2.5)
    stuck = _run(problem, always, pool, part_timeout_s=1.0, retries=1)
    pool.shutdown(wait=False)
    assert validate(problem, stuck.plan) == []
    [failure] = stuck.failures
    assert failure.attempts == 2 and all("TimeoutError" in e for e in failure.errors)
    assert any(u.detail.startswith("partition failed: TimeoutError") for u in stuck.plan.unassigned)


class _Pickling(concurrent.futures.Executor):
    """Sends every call and result through pickle, and keeps the parts it sent."""

    def __init__(self, inner: concurrent.futures.Executor) -> None:
        self.inner = inner
        self.sent: list[tuple[Part, Part]] = []

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> concurrent.futures.Future[Any]:
        call = pickle.loads(pickle.dumps((fn, args, kwargs)))
        self.sent.append((args[1], call[1][1]))

        def run() -> Any:
            return pickle.loads(pickle.dumps(call[0](*call[1], **call[2])))

        return self.inner.submit(run)


@pytest.mark.parametrize("solver", [MATCH, ROUTE], ids=["match", "route"])
def test_everything_sent_to_workers_pickles(
    solver: PartSolver, threads: concurrent.futures.Executor
) -> None:
    """Every part (zone and border), the solver and every result survive a pickle round trip."""
    problem = district() if isinstance(solver, MatchParts) else routing_city()
    executor = _Pickling(threads)
    done = _run(problem, solver, executor)
    plain = _run(problem, solver, threads) if isinstance(solver, SolveParts) else None
    assert validate(problem, done.plan) == []
    if plain is not None:
        assert timeless(plain.plan) == timeless(done.plan)
    stages = {sent.stage for sent, _ in executor.sent}
    assert stages == {PartStage.ZONE, PartStage.BORDER}
    for sent, back in executor.sent:
        assert (back.stage, back.zone, back.index) == (sent.stage, sent.zone, sent.index)
        assert [t.id for t in back.problem.tasks] == [t.id for t in sent.problem.tasks]
        assert back.problem.couriers == sent.problem.couriers
        assert back.problem.tasks == sent.problem.tasks
        assert back.spent_detour_s == sent.spent_detour_s
        assert (back.warm_start is None) == (sent.warm_start is None)
        if sent.warm_start is not None and back.warm_start is not None:
            assert back.warm_start.routes == sent.warm_start.routes
    again = pickle.loads(pickle.dumps(done))
    assert timeless(again.plan) == timeless(done.plan) and again.reports == done.reports
    assert again.partition.zones == done.partition.zones


def test_freeze_keeps_routes_and_thaws_them_back() -> None:
    """Frozen routes rebuilt by the matcher with nothing new to add validate as the original."""
    problem = district()
    plan = Matcher(problem, MATCH.options).match().plan
    frozen = freeze(problem, plan.routes, {})
    assert {t.id for t in frozen.problem.tasks} == {u.task_id for u in plan.unassigned}
    nothing_new = attrs.evolve(frozen.problem, tasks=())
    rebuilt = frozen.thaw(Matcher(nothing_new, MATCH.options).match().plan)
    assert [r.task_ids for r in rebuilt.routes] == [r.task_ids for r in plan.routes]
    back = attrs.evolve(plan, routes=rebuilt.routes)
    assert validate(problem, back) == []


def test_match_parts_measures_spent_detour_when_not_told() -> None:
    """A border part without spent detours measures them: the same plan as when told, valid."""
    problem = district()
    matching = Matcher(problem, MATCH.options).match()
    routes = tuple(r for r in matching.plan.routes if r.task_ids)[:12]
    crew = {r.courier_id for r in routes}
    held = {t for r in routes for t in r.task_ids}
    left = {u.task_id for u in matching.plan.unassigned}
    sub = attrs.evolve(
        problem,
        tasks=[t for t in problem.tasks if t.id in held | left],
        couriers=[c for c in problem.couriers if c.id in crew],
    )
    warm = attrs.evolve(matching.plan, routes=routes, unassigned=())
    told = {c: d for c, d in matching.detours_s().items() if c in crew}
    part = Part(stage=PartStage.BORDER, zone=0, index=0, problem=sub, warm_start=warm)
    measured = MATCH(part)
    given = MATCH(attrs.evolve(part, spent_detour_s=told))
    assert validate(sub, measured.plan) == []
    assert measured.plan == given.plan and measured.detours_s == given.detours_s
    assert all(measured.detours_s[c] >= told[c] for c in crew)
    assert {t for r in measured.plan.routes for t in r.task_ids} >= held


def test_process_pool_solves_and_stops_a_stuck_part() -> None:
    """The default pool of spawned processes: a zone solves, a stuck one is cut off and stopped."""
    city = routing_city()
    # Cut at the middle longitude: every task east, so the west zone holds only couriers.
    first = [t.stop if isinstance(t, Visit) else t.pickup for t in city.tasks]
    lon = [s.location.lon or 0.0 for s in first]
    middle = (min(lon) + max(lon)) / 2
    east = [t for t, x in zip(city.tasks, lon, strict=True) if x > middle]
    problem = attrs.evolve(city, tasks=east)
    cut = Zones.fit([[0, 0], [1, 0]], [1, 1], 2, coords=[[middle - 1e-6, 0], [middle + 1e-6, 0]])
    slow = SolveParts(SolveOptions(time_limit_s=60))
    before = set(multiprocessing.active_children())
    began = time.perf_counter()
    done = solve_partitioned(
        problem, slow, PartitionOptions(zones=cut, workers=2, retries=0, part_timeout_s=2)
    )
    # The stuck process was stopped, not awaited (now or when the interpreter exits).
    assert time.perf_counter() - began < 30
    assert set(multiprocessing.active_children()) <= before
    assert validate(problem, done.plan) == []
    west, east_report = [r for r in done.reports if r.stage is PartStage.ZONE]
    assert west.ok and west.tasks == 0 and west.couriers > 0
    assert east_report.errors == ("TimeoutError: part ran over its time limit of 2 s",)
    assert all(u.detail.startswith("partition failed: TimeoutError") for u in done.plan.unassigned)


def test_options_are_checked() -> None:
    """Bad options name the field."""
    with pytest.raises(InvalidInputError, match=r"PartitionOptions\.zones"):
        PartitionOptions(zones=0)
    with pytest.raises(InvalidInputError, match=r"PartitionOptions\.part_timeout_s"):
        PartitionOptions(part_timeout_s=0)
    with pytest.raises(InvalidInputError, match=r"PartitionOptions\.workers"):
        PartitionOptions(workers=0)
    with pytest.raises(InvalidInputError, match=r"PartitionOptions\.border_m"):
        PartitionOptions(border_m=-5)
