"""A city in districts: the incidental matcher on one process against partitioned on two workers.

    python benchmarks/partition.py                       # 20,000 couriers x 50,000 errands
    python benchmarks/partition.py --size 2000x5000      # a medium city
    python benchmarks/partition.py --quick               # CI: a tiny city, light matcher

The city comes from :func:`dispatch.synthetic.incidental_district` (one seeded
street grid sized from the counts, couriers on their own paid rounds,
residents' errands); nothing is read from disk. Travel is the road graph
itself (:class:`~dispatch.RoadGraphTravel`, Dijkstra as needed): a
precomputed table of a city this size would not fit in memory. The city is
cut into ``--districts`` zones (10) by :func:`dispatch.partition.partition`.

Every run uses one pool of ``--workers`` (2) spawned processes, started (and
`dispatch` imported in each) before anything is timed:

``whole``
    The city matched as one problem (:class:`dispatch.incidental.Matcher`)
    in one worker process.
``partitioned``
    :func:`dispatch.partition.solve_partitioned` with
    :class:`~dispatch.partition.MatchParts` on the pool: districts in
    parallel, then ``--border-rounds`` (1) border rounds. The wall time
    includes zoning, sending the parts and merging.

Besides wall time (``wall_s``; ``work_s`` sums the parts' wall times), each
run reports its CPU seconds in the workers (``cpu_s``, the matching threads'
own), which other work on a shared machine does not stretch: their ratio,
and ``workers`` times it, say what partitioning costs and would gain on idle
cores.
``borders``
    For each district, its border region: the couriers and errands within
    ``--border-m`` of the district's boundary, on either side (an errand by
    any of its stops, a courier by any place of its round). The region is
    matched jointly (one matcher) and partitioned along the same cuts (zone
    pass and border rounds); the difference in value is what partitioning
    loses where it can lose anything. Regions run ``--workers`` at a time.

Value is the matcher's objective: ``value_per_priority_s`` (3,600) times the
priority served, minus the couriers' detour seconds. Both plans of the
city are checked with ``dispatch.validate`` (above 2,000 couriers, every
task once and a seeded sample of 2,000 routes, as in
``benchmarks/incidental.py``). Note that the matcher's per-call limits
(``improve_limit``, ``pack_limit``) hold per part, so the partitioned run
may do more of its last two phases in total than the whole run does.

Writes ``benchmarks/results/partition.json`` (``partition-quick.json``,
``partition-<couriers>x<errands>.json`` for other sizes) with the machine's load
averages before and after (the machine may be shared). Exit code 0 when every
plan passes the validator, 1 otherwise.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import datetime
import multiprocessing
import os
import statistics
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import attrs
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))  # benchmarks/ is not a package
from common import (
    REPO_ROOT,
    courier_errand_size,
    git_info,
    machine_info,
    positive_int,
    print_table,
    write_json,
)
from dispatch import Plan, Problem, validate
from dispatch.incidental import Matcher, MatchOptions
from dispatch.partition import (
    MatchParts,
    Partition,
    Partitioned,
    PartitionOptions,
    partition,
    solve_partitioned,
)
from dispatch.partition._assign import distance_to_zone_m, lon_lat, round_places, task_stops
from dispatch.partition._run import warm_up
from dispatch.synthetic import incidental_district

Row = dict[str, Any]

FULL_SIZE = (20_000, 50_000)
QUICK_SIZE = (150, 400)
#: Above this many couriers a plan is validated on a seeded sample of this many routes.
VALIDATE_ALL_UP_TO = 2000
#: The quick run's matcher: assign and repair only (the last two phases cost about a
#: second per part however small), so CI stays under 30 s.
QUICK_OPTIONS = MatchOptions(improve=False, pack=False)
#: The quick run compares this many border regions, this wide.
QUICK_REGIONS, QUICK_BORDER_M = 2, 500.0


def _value(problem: Problem, plan: Plan, detours_s: dict[str, int], options: MatchOptions) -> int:
    served = sum(problem.task(t).priority for t in plan.assigned_task_ids())
    return options.value_per_priority_s * served - sum(detours_s.values())


def _check(problem: Problem, plan: Plan, seed: int) -> Row:
    """Violations (every route, or a sample of them) and whether each task appears once."""
    routed = Counter(t for r in plan.routes for t in r.task_ids)
    left = Counter(u.task_id for u in plan.unassigned)
    once = (
        all(n == 1 for n in routed.values())
        and all(n == 1 for n in left.values())
        and not set(routed) & set(left)
        and set(routed) | set(left) == {t.id for t in problem.tasks}
    )
    started = time.perf_counter()
    if len(problem.couriers) > VALIDATE_ALL_UP_TO and len(plan.routes) > VALIDATE_ALL_UP_TO:
        rng = np.random.default_rng(seed)
        keep = set(rng.choice(len(plan.routes), size=VALIDATE_ALL_UP_TO, replace=False).tolist())
        sample = tuple(r for k, r in enumerate(plan.routes) if k in keep)
        ids = {r.courier_id for r in sample}
        tasks = {t for r in sample for t in r.task_ids}
        problem = attrs.evolve(
            problem,
            couriers=[c for c in problem.couriers if c.id in ids],
            tasks=[t for t in problem.tasks if t.id in tasks],
        )
        plan = attrs.evolve(plan, routes=sample, unassigned=())
    violations = len(validate(problem, plan))
    return {
        "violations": violations,
        "validated_routes": len(plan.routes),
        "each_task_once": once,
        "validate_s": round(time.perf_counter() - started, 2),
    }


def run_whole(problem: Problem, options: MatchOptions) -> tuple[Plan, dict[str, int], float, float]:
    """The city as one matching (in a worker): plan, detours, wall and CPU seconds of matching."""
    started, cpu = time.perf_counter(), time.thread_time()
    matching = Matcher(problem, options).match()
    return (
        matching.plan,
        matching.detours_s(),
        time.perf_counter() - started,
        time.thread_time() - cpu,
    )


def _region(problem: Problem, split: Partition, zone: int, band_m: float) -> Problem:
    """Couriers and errands within ``band_m`` of the boundary of ``zone``, on either side."""
    zones = split.zones

    def near(places: Sequence[Any], home: int) -> bool:
        coords = lon_lat(places)
        if home == zone:
            others = [z for z in range(zones.count) if z != zone]
            return any(distance_to_zone_m(zones, coords, z).min() <= band_m for z in others)
        return bool(distance_to_zone_m(zones, coords, zone).min() <= band_m)

    tasks = [t for t in problem.tasks if near(task_stops(t), split.task_zone[t.id])]
    couriers = [
        c
        for c in problem.couriers
        if near([p for p, _ in round_places(c)], split.courier_zone[c.id])
    ]
    return attrs.evolve(problem, tasks=tasks, couriers=couriers)


def run_border(
    problem: Problem,
    split: Partition,
    zone: int,
    band_m: float,
    border_rounds: int,
    options: MatchOptions,
) -> Row:
    """One district's border region: matched jointly and partitioned along the same cuts."""
    region = _region(problem, split, zone, band_m)
    started = time.perf_counter()
    joint = Matcher(region, options).match()
    joint_s = time.perf_counter() - started
    with concurrent.futures.ThreadPoolExecutor(1) as inline:
        started = time.perf_counter()
        parts = solve_partitioned(
            region,
            MatchParts(options),
            PartitionOptions(
                zones=split.zones,
                border_m=split.border_m,
                border_rounds=border_rounds,
                workers=1,
            ),
            executor=inline,
        )
        parts_s = time.perf_counter() - started
    value = _value(region, parts.plan, dict(parts.detours_s), options)
    lost = joint.value - value
    return {
        "district": zone,
        "couriers": len(region.couriers),
        "errands": len(region.tasks),
        "joint_value": joint.value,
        "partitioned_value": value,
        "lost": lost,
        "lost_pct": round(100 * lost / joint.value, 3) if joint.value else 0.0,
        "joint_served": sum(1 for _ in joint.plan.assigned_task_ids()),
        "partitioned_served": sum(1 for _ in parts.plan.assigned_task_ids()),
        "joint_s": round(joint_s, 2),
        "partitioned_s": round(parts_s, 2),
        "violations": len(validate(region, joint.plan)) + len(validate(region, parts.plan)),
    }


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command-line options."""
    parser = argparse.ArgumentParser(prog="partition.py", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--size",
        type=courier_errand_size,
        default=None,
        metavar="CxE",
        help="couriers x errands (default 20000x50000; quick: 150x400)",
    )
    parser.add_argument("--districts", type=positive_int, default=10, metavar="N")
    parser.add_argument("--workers", type=positive_int, default=2, metavar="N")
    parser.add_argument(
        "--border-rounds", type=int, default=1, metavar="N", help="border rounds (default 1)"
    )
    parser.add_argument(
        "--border-m",
        type=float,
        default=None,
        metavar="M",
        help="border reach and half-width of the border regions (default 1000; quick: 500)",
    )
    parser.add_argument(
        "--regions",
        type=int,
        default=None,
        metavar="N",
        help="border regions compared (default every district; quick: 2; 0 = none)",
    )
    parser.add_argument("--seed", type=int, default=1, metavar="N", help="city seed (default 1)")
    parser.add_argument("--quick", action="store_true", help="CI mode: a tiny city")
    parser.add_argument("--output", type=Path, default=None, metavar="FILE")
    return parser.parse_args(argv)


def compare_city(
    args: argparse.Namespace,
    problem: Problem,
    split: Partition,
    border_m: float,
    options: MatchOptions,
    pool: concurrent.futures.Executor,
) -> tuple[list[Row], Row]:
    """The city whole on one worker and partitioned on all: rows and summary, printed."""
    rows: list[Row] = []
    started = time.perf_counter()
    plan, detours, match_s, cpu_s = pool.submit(run_whole, problem, options).result()
    whole_s = time.perf_counter() - started
    rows.append(
        {
            "run": "whole",
            "processes": 1,
            "wall_s": round(whole_s, 2),
            "work_s": round(match_s, 2),
            "cpu_s": round(cpu_s, 2),
            "served": sum(1 for _ in plan.assigned_task_ids()),
            "value": _value(problem, plan, detours, options),
            **_check(problem, plan, args.seed),
        }
    )
    started = time.perf_counter()
    done: Partitioned = solve_partitioned(
        problem,
        MatchParts(options),
        PartitionOptions(
            zones=split.zones,
            border_m=border_m,
            border_rounds=args.border_rounds,
            workers=args.workers,
        ),
        executor=pool,
    )
    parts_s = time.perf_counter() - started
    zone_reports = [r for r in done.reports if r.stage.value == "zone"]
    border_reports = [r for r in done.reports if r.stage.value == "border"]
    rows.append(
        {
            "run": "partitioned",
            "processes": args.workers,
            "wall_s": round(parts_s, 2),
            "work_s": round(sum(r.runtime_s for r in done.reports), 2),
            "cpu_s": round(sum(r.cpu_s for r in done.reports), 2),
            "served": sum(1 for _ in done.plan.assigned_task_ids()),
            "value": _value(problem, done.plan, dict(done.detours_s), options),
            "failed_parts": len(done.failures),
            **_check(problem, done.plan, args.seed),
        }
    )
    whole, parts = rows
    lost = whole["value"] - parts["value"]
    summary: Row = {
        "speedup": round(whole["wall_s"] / parts["wall_s"], 2),
        # CPU seconds are not stretched by other work on a shared machine: the partitioned
        # run's CPU over the whole run's, and what the workers would give on idle cores
        # if the parts spread evenly.
        "cpu_ratio": round(parts["cpu_s"] / whole["cpu_s"], 2) if whole["cpu_s"] else None,
        "idle_cores_speedup": round(args.workers * whole["cpu_s"] / parts["cpu_s"], 2)
        if parts["cpu_s"]
        else None,
        "value_lost": lost,
        "value_lost_pct": round(100 * lost / whole["value"], 3) if whole["value"] else 0.0,
        "served_lost": whole["served"] - parts["served"],
        "zone_parts_s": [round(r.runtime_s, 2) for r in zone_reports],
        "border_parts_s": [round(r.runtime_s, 2) for r in border_reports],
        # Errands on the route of a courier of another district: the border rounds' work.
        "served_across_borders": sum(
            1
            for r in done.plan.routes
            for t in r.task_ids
            if split.task_zone[t] != split.courier_zone[r.courier_id]
        ),
    }
    print(f"\nthe city whole on 1 process, and in districts on {args.workers} workers")
    print_table(
        rows,
        [
            "run",
            "processes",
            "wall_s",
            "work_s",
            "cpu_s",
            "served",
            "value",
            "violations",
            "validated_routes",
            "each_task_once",
        ],
    )
    print(
        f"speed-up {summary['speedup']}x (CPU {summary['cpu_ratio']}x the whole run's; on idle "
        f"cores about {summary['idle_cores_speedup']}x); value lost to partitioning {lost} "
        f"({summary['value_lost_pct']} %), {summary['served_lost']} errand(s) fewer served; "
        f"{summary['served_across_borders']} served by a courier of another district"
    )
    return rows, summary


def compare_borders(
    args: argparse.Namespace,
    problem: Problem,
    split: Partition,
    border_m: float,
    options: MatchOptions,
    pool: concurrent.futures.Executor,
) -> tuple[list[Row], Row | None]:
    """Each district's border region jointly and partitioned: rows and summary, printed."""
    regions = args.regions if args.regions is not None else QUICK_REGIONS if args.quick else None
    count = split.zones.count if regions is None else min(regions, split.zones.count)
    if not count:
        return [], None
    print(f"\nborder regions ({border_m:g} m either side): jointly vs partitioned")
    futures = [
        pool.submit(run_border, problem, split, zone, border_m, args.border_rounds, options)
        for zone in range(count)
    ]
    borders = [f.result() for f in futures]
    print_table(borders, list(borders[0]))
    joint = sum(r["joint_value"] for r in borders)
    total = sum(r["lost"] for r in borders)
    summary = {
        "regions": count,
        "lost": total,
        "lost_pct": round(100 * total / joint, 3) if joint else 0.0,
        "mean_lost_pct": round(statistics.fmean(r["lost_pct"] for r in borders), 3),
        "worst_lost_pct": max(r["lost_pct"] for r in borders),
    }
    print(
        f"lost in the border regions: {total} of {joint} ({summary['lost_pct']} %),"
        f" worst district {summary['worst_lost_pct']} %"
    )
    return borders, summary


def main(argv: Sequence[str] | None = None) -> int:
    """Run the comparisons; print tables; write the JSON. Returns the exit code."""
    args = parse_args(argv)
    load_before = [round(x, 2) for x in os.getloadavg()]
    couriers, errands = args.size or (QUICK_SIZE if args.quick else FULL_SIZE)
    options = QUICK_OPTIONS if args.quick else MatchOptions()
    if args.border_m is not None:
        border_m = args.border_m
    else:
        border_m = QUICK_BORDER_M if args.quick else 1000.0
    started = time.perf_counter()
    city = incidental_district(couriers=couriers, errands=errands, seed=args.seed)
    generate_s = time.perf_counter() - started
    problem = city.problem
    started = time.perf_counter()
    split = partition(problem, args.districts, border_m=border_m)
    zoning_s = time.perf_counter() - started
    print(
        f"city: {couriers} couriers x {errands} errands, {city.side_m / 1000:g} km square, "
        f"{city.graph.number_of_nodes()} intersections, {split.zones.count} districts "
        f"(generated in {generate_s:.1f} s, zoned in {zoning_s:.1f} s); "
        f"load average {load_before}"
    )
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(args.workers, mp_context=context) as pool:
        # Warm workers for every run (started, dispatch imported): no run pays for that.
        started = time.perf_counter()
        warm_up(pool, args.workers, every_process=True)
        pool_s = time.perf_counter() - started
        rows, summary = compare_city(args, problem, split, border_m, options, pool)
        borders, border_summary = compare_borders(args, problem, split, border_m, options, pool)
    if border_summary is not None:
        summary["borders"] = border_summary
    load_after = [round(x, 2) for x in os.getloadavg()]
    print(f"\nload average before {load_before}, after {load_after}")
    result: Row = {
        "quick": args.quick,
        "created": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": machine_info(),
        "git": git_info(),
        "city": {
            "couriers": couriers,
            "errands": errands,
            "seed": args.seed,
            "side_m": city.side_m,
            "intersections": city.graph.number_of_nodes(),
            "generate_s": round(generate_s, 2),
            "zoning_s": round(zoning_s, 2),
        },
        "districts": split.zones.count,
        "workers": args.workers,
        "border_m": border_m,
        "border_rounds": args.border_rounds,
        "pool_start_s": round(pool_s, 2),
        "match_options": attrs.asdict(options),
        # 1/5/15-minute load averages: on a shared machine, other work slows both runs.
        "load_average": {"before": load_before, "after": load_after},
        "rows": rows,
        "summary": summary,
        "borders": borders,
    }
    if args.quick:
        name = "partition-quick.json"
    elif args.size is not None:
        name = f"partition-{couriers}x{errands}.json"
    else:
        name = "partition.json"
    output = args.output or REPO_ROOT / "benchmarks" / "results" / name
    write_json(result, output)
    print(f"\nwrote {output}")
    violations = sum(r["violations"] for r in rows) + sum(r["violations"] for r in borders)
    return 0 if violations == 0 and all(r["each_task_once"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
