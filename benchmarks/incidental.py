"""Incidental errands (顺手捎带) at city scale, against the exact optimum, and with fairness.

    python benchmarks/incidental.py                   # all three parts, full sizes
    python benchmarks/incidental.py --part scale --sizes 2000x5000
    python benchmarks/incidental.py --part quality --instances 30
    python benchmarks/incidental.py --quick           # CI: small sizes, few instances

Instances come from :func:`dispatch.synthetic.incidental_district` (seeded street
grids, couriers on their own rounds, residents' errands); nothing is read from disk.

``scale``
    For each size, in a fresh process (so peak memory is that size's own):
    generate the district, precompute its travel table (once per day in
    production, reported apart), load the matcher's compiled kernels by
    matching a tiny district (once per process in production; numba's disk
    cache makes it about a second, compiling on a fresh install some 20 s;
    ``kernels_load_s``), then time the matching: the matcher's set-up
    (own routes, location index) plus pruning, pricing, assignment and repair.
    Reports errands served, detour per courier and per errand, peak memory, the
    latency of ``Matcher.recommend`` for single errands (the first call apart: it
    builds the table of every route's legs that the next calls reuse), and checks
    the plan with ``dispatch.validate``.
``quality``
    Small districts (20 couriers x 40 errands by default), couriers capped at two
    errands and errands without a maximum ride, so
    :func:`dispatch.incidental.exact_match` is exact: the matcher's objective
    against the optimum, mean and worst gap.
``fairness``
    One district whose couriers have uneven histories (recent errands drawn per
    courier); the matching with fairness off and at several strengths: served,
    detour, and how concentrated the work is (share of the new errands taken by
    the 10 % of couriers with the most recent errands, Gini of recent + new).

Writes ``benchmarks/results/incidental[-quick].json``. Exit code 0 when every
plan passes the validator, 1 otherwise.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import datetime
import multiprocessing
import resource
import statistics
import sys
import time
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
from dispatch import Problem, RoadGraphTravel, validate
from dispatch.incidental import Matcher, MatchOptions, exact_match
from dispatch.synthetic import incidental_district

Row = dict[str, Any]

FULL_SIZES = ((200, 500), (2000, 5000), (5000, 20000))
QUICK_SIZES = ((50, 120), (200, 500))
#: Validating every route of the largest size takes minutes; above this many couriers
#: the scale part validates a seeded sample of routes' couriers instead of all.
VALIDATE_ALL_UP_TO = 2000
#: Errands (spread over the instance) timed through ``Matcher.recommend``.
RECOMMEND_SAMPLE = 50


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _with_table(problem: Problem) -> tuple[Problem, float, float]:
    """The problem on a precomputed travel table (seconds to build it, its MiB)."""
    travel = problem.travel
    assert isinstance(travel, RoadGraphTravel)
    started = time.perf_counter()
    table = travel.table(profiles={c.profile for c in problem.couriers})
    built = time.perf_counter() - started
    return attrs.evolve(problem, travel=table), built, table.nbytes / 2**20


def _detours(matching: Any) -> tuple[float, int, float]:
    """Mean and max detour per courier with errands; mean detour per served errand."""
    plan = matching.plan
    per_courier = [matching.detours_s()[r.courier_id] for r in plan.routes if r.task_ids]
    served = sum(len(r.task_ids) for r in plan.routes)
    mean = statistics.fmean(per_courier) if per_courier else 0.0
    return mean, max(per_courier, default=0), (sum(per_courier) / served if served else 0.0)


def run_scale(couriers: int, errands: int, seed: int) -> Row:
    """One size, measured in this (fresh) process."""
    row: Row = {"couriers": couriers, "errands": errands, "seed": seed}
    started = time.perf_counter()
    district = incidental_district(couriers=couriers, errands=errands, seed=seed)
    row["generate_s"] = round(time.perf_counter() - started, 3)
    row["graph_nodes"] = district.graph.number_of_nodes()
    problem, table_s, table_mib = _with_table(district.problem)
    row["table_s"] = round(table_s, 3)
    row["table_mib"] = round(table_mib, 1)
    # Load the compiled kernels first (from numba's disk cache, or compiled on a fresh
    # install), as a service does once at start-up: a tiny district, timed apart.
    started = time.perf_counter()
    tiny, _, _ = _with_table(incidental_district(couriers=3, errands=6, seed=seed).problem)
    Matcher(tiny).match()
    row["kernels_load_s"] = round(time.perf_counter() - started, 3)
    before = _peak_mib()
    started = time.perf_counter()
    matcher = Matcher(problem)
    matching = matcher.match()
    row["match_s"] = round(time.perf_counter() - started, 3)
    # recommend() for single requests, on a fresh matcher (routes as the day starts).
    fresh = Matcher(problem)
    sample = problem.tasks[:: max(1, len(problem.tasks) // RECOMMEND_SAMPLE)][:RECOMMEND_SAMPLE]
    latencies = []
    for errand in sample:
        tick = time.perf_counter()
        fresh.recommend(errand)  # type: ignore[arg-type]
        latencies.append(time.perf_counter() - tick)
    # The first call builds the matcher's table of every route's legs (kept for the next
    # calls until a route changes): reported apart, the rest as a dispatcher sees them.
    row["recommend_ms_first"] = round(1000 * latencies[0], 2)
    later = latencies[1:] or latencies
    row["recommend_ms_mean"] = round(1000 * statistics.fmean(later), 2)
    row["recommend_ms_p95"] = round(1000 * float(np.percentile(later, 95)), 2)
    # The two ways of evaluating the pruning rule, side by side on the day's own routes:
    # exact scan of the dense table (the default here) and straight-line bounds + k-d trees.
    everyone = list(range(len(fresh.routes)))
    errands_all = list(range(len(fresh.errands)))
    timed: dict[str, float] = {}
    kept: dict[str, int] = {}
    places = fresh._places
    for name, chosen in (("dense", places), ("geometric", None)):
        fresh._places = chosen
        tick = time.perf_counter()
        kept[name] = int(fresh._plausible(errands_all, everyone)[0].size)
        timed[name] = time.perf_counter() - tick
    fresh._places = places
    row["prune_dense_s"] = round(timed["dense"], 3)
    row["prune_geometric_s"] = round(timed["geometric"], 3)
    row["prune_speedup"] = round(timed["geometric"] / timed["dense"], 2)
    row["prune_same_pairs"] = kept["dense"] == kept["geometric"]
    stats = matching.stats
    row.update(
        prepare_s=round(stats.prepare_s, 3),
        prune_s=round(stats.prune_s, 3),
        price_s=round(stats.price_s, 3),
        assign_s=round(stats.assign_s, 3),
        repair_s=round(stats.repair_s, 3),
        improve_s=round(stats.improve_s, 3),
        pack_s=round(stats.pack_s, 3),
        candidate_pairs=stats.candidate_pairs,
        evaluated_pairs=stats.evaluated_pairs,
        rounds=stats.rounds,
    )
    served = sum(1 for _ in matching.plan.assigned_task_ids())
    mean, worst, per_errand = _detours(matching)
    row.update(
        served=served,
        served_pct=round(100 * served / errands, 1),
        mean_detour_s=round(mean, 1),
        max_detour_s=worst,
        detour_per_errand_s=round(per_errand, 1),
        peak_mib=round(_peak_mib(), 1),
        peak_before_match_mib=round(before, 1),
    )
    reasons: dict[str, int] = {}
    for entry in matching.plan.unassigned:
        reasons[entry.reason.value] = reasons.get(entry.reason.value, 0) + 1
    row["unassigned"] = dict(sorted(reasons.items()))
    started = time.perf_counter()
    plan = matching.plan
    if couriers > VALIDATE_ALL_UP_TO:
        rng = np.random.default_rng(seed)
        keep = set(rng.choice(len(plan.routes), size=VALIDATE_ALL_UP_TO, replace=False).tolist())
        kept_routes = [r for k, r in enumerate(plan.routes) if k in keep]
        ids = {r.courier_id for r in kept_routes}
        tasks = {t for r in kept_routes for t in r.task_ids}
        problem = attrs.evolve(
            problem,
            couriers=[c for c in problem.couriers if c.id in ids],
            tasks=[t for t in problem.tasks if t.id in tasks],
        )
        plan = attrs.evolve(plan, routes=tuple(kept_routes), unassigned=())
        row["validated_routes"] = len(kept_routes)
    else:
        row["validated_routes"] = len(plan.routes)
    row["violations"] = len(validate(problem, plan))
    row["validate_s"] = round(time.perf_counter() - started, 3)
    return row


def _median_run(runs: Sequence[Row]) -> Row:
    """The run with the median matching time (the lower middle one of an even count),
    with every run's matching time and the fastest."""
    ranked = sorted(runs, key=lambda r: r["match_s"])
    row = dict(ranked[(len(ranked) - 1) // 2])
    row["runs"] = len(runs)
    row["match_s_runs"] = [r["match_s"] for r in runs]
    row["match_s_min"] = ranked[0]["match_s"]
    return row


def run_quality(seed: int, couriers: int, errands: int, side_m: float) -> Row:
    """The matcher against the exact optimum on one small district."""
    district = incidental_district(couriers=couriers, errands=errands, seed=seed, side_m=side_m)
    problem = district.problem
    problem = attrs.evolve(
        problem,
        couriers=[
            attrs.evolve(c, max_tasks=min(c.max_tasks if c.max_tasks is not None else 2, 2))
            for c in problem.couriers
        ],
        tasks=[attrs.evolve(t, max_ride_s=None) for t in problem.tasks],  # type: ignore[arg-type]  # errands only
    )
    problem, _, _ = _with_table(problem)
    started = time.perf_counter()
    matching = Matcher(problem).match()
    ours_s = time.perf_counter() - started
    # The same matcher without its last step (neighbourhood re-packing), side by side.
    unpacked = Matcher(problem, MatchOptions(pack=False)).match()
    started = time.perf_counter()
    best = exact_match(problem)
    exact_s = time.perf_counter() - started
    gap = 100 * (best.value - matching.value) / best.value if best.value else 0.0
    gap_unpacked = 100 * (best.value - unpacked.value) / best.value if best.value else 0.0
    return {
        "gap_no_pack_pct": round(gap_unpacked, 3),
        "seed": seed,
        "value": matching.value,
        "exact_value": best.value,
        "gap_pct": round(gap, 3),
        "served": sum(1 for _ in matching.plan.assigned_task_ids()),
        "exact_served": best.served,
        "detour_s": sum(matching.detours_s().values()),
        "exact_detour_s": best.detour_s,
        "match_s": round(ours_s, 3),
        "exact_s": round(exact_s, 3),
        "violations": len(validate(problem, matching.plan)),
    }


def _gini(values: Sequence[int]) -> float:
    x = np.sort(np.asarray(values, dtype=float))
    if x.size == 0 or x.sum() == 0:
        return 0.0
    ranks = np.arange(1, x.size + 1)
    return float((2 * ranks - x.size - 1) @ x / (x.size * x.sum()))


def run_fairness(couriers: int, errands: int, seed: int, strengths: Sequence[int]) -> list[Row]:
    """The same district with fairness off and on; how concentrated the work gets."""
    district = incidental_district(couriers=couriers, errands=errands, seed=seed)
    problem, _, _ = _with_table(district.problem)
    rng = np.random.default_rng(seed)
    # Uneven histories: most volunteers ran a few errands lately, some ran many.
    recent_counts = rng.negative_binomial(1, 0.25, size=len(problem.couriers))
    recent = {c.id: int(n) for c, n in zip(problem.couriers, recent_counts, strict=True)}
    busiest = set(
        sorted(recent, key=lambda c: (-recent[c], c))[: max(1, len(problem.couriers) // 10)]
    )
    rows = []
    for strength in strengths:
        started = time.perf_counter()
        matching = Matcher(
            problem, MatchOptions(fairness_s=strength), recent_errands=recent
        ).match()
        took = {r.courier_id: len(r.task_ids) for r in matching.plan.routes}
        served = sum(took.values())
        rows.append(
            {
                "fairness_s": strength,
                "served": served,
                "detour_s": sum(matching.detours_s().values()),
                "busiest_10pct_share_pct": round(
                    100 * sum(took.get(c, 0) for c in busiest) / served, 2
                )
                if served
                else 0.0,
                "couriers_used": sum(1 for n in took.values() if n),
                "gini_recent_plus_new": round(
                    _gini([recent[c.id] + took.get(c.id, 0) for c in problem.couriers]), 4
                ),
                "match_s": round(time.perf_counter() - started, 3),
                "violations": len(validate(problem, matching.plan)),
            }
        )
    return rows


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command-line options."""
    parser = argparse.ArgumentParser(prog="incidental.py", description=__doc__.split("\n")[0])
    parser.add_argument("--part", choices=["scale", "quality", "fairness", "all"], default="all")
    parser.add_argument(
        "--sizes",
        type=lambda t: [courier_errand_size(x) for x in t.split(",")],
        default=None,
        metavar="CxE,...",
        help="scale sizes (default 200x500,2000x5000,5000x20000; quick: 50x120,200x500)",
    )
    parser.add_argument(
        "--instances",
        type=positive_int,
        default=None,
        metavar="N",
        help="quality instances (default 30; quick: 3)",
    )
    parser.add_argument("--seed", type=int, default=1, metavar="N", help="first seed (default 1)")
    parser.add_argument(
        "--repeat",
        type=positive_int,
        default=1,
        metavar="N",
        help="scale: runs per size, each in a fresh process; the run with the median "
        "matching time is reported, with every run's time (default 1)",
    )
    parser.add_argument("--quick", action="store_true", help="CI mode: small sizes, few instances")
    parser.add_argument("--output", type=Path, default=None, metavar="FILE")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the chosen parts; print tables; write the JSON. Returns the exit code."""
    args = parse_args(argv)
    parts = ("scale", "quality", "fairness") if args.part == "all" else (args.part,)
    result: Row = {
        "quick": args.quick,
        "created": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": machine_info(),
        "git": git_info(),
    }
    violations = 0
    context = multiprocessing.get_context("spawn")
    if "scale" in parts:
        sizes = args.sizes or (QUICK_SIZES if args.quick else FULL_SIZES)
        rows = []
        print("scale: matching time (set-up + prune + price + assign + repair), one process each")
        for couriers, errands in sizes:
            # A fresh process per run: its peak memory is its own, and each match is cold.
            runs = []
            for _ in range(args.repeat):
                with concurrent.futures.ProcessPoolExecutor(1, mp_context=context) as pool:
                    runs.append(pool.submit(run_scale, couriers, errands, args.seed).result())
            rows.append(_median_run(runs))
        print_table(
            rows,
            [
                "couriers",
                "errands",
                "table_s",
                "match_s",
                "match_s_min",
                "prepare_s",
                "prune_s",
                "price_s",
                "assign_s",
                "repair_s",
                "improve_s",
                "pack_s",
                "candidate_pairs",
                "served",
                "served_pct",
                "mean_detour_s",
                "max_detour_s",
                "recommend_ms_first",
                "recommend_ms_mean",
                "recommend_ms_p95",
                "prune_dense_s",
                "prune_geometric_s",
                "prune_speedup",
                "peak_mib",
                "violations",
            ],
        )
        result["scale"] = rows
        violations += sum(r["violations"] for r in rows)
    if "quality" in parts:
        count = args.instances or (3 if args.quick else 30)
        couriers, errands, side = (8, 16, 1500.0) if args.quick else (20, 40, 2500.0)
        print(f"\nquality: {count} districts of {couriers} couriers x {errands} errands vs exact")
        with concurrent.futures.ProcessPoolExecutor(2, mp_context=context) as pool:
            rows = list(
                pool.map(
                    run_quality,
                    range(args.seed, args.seed + count),
                    [couriers] * count,
                    [errands] * count,
                    [side] * count,
                )
            )
        print_table(
            rows,
            [
                "seed",
                "value",
                "exact_value",
                "gap_pct",
                "gap_no_pack_pct",
                "served",
                "exact_served",
                "detour_s",
                "exact_detour_s",
                "match_s",
                "exact_s",
                "violations",
            ],
        )
        gaps = [r["gap_pct"] for r in rows]
        plain = [r["gap_no_pack_pct"] for r in rows]
        summary = {
            "instances": count,
            "mean_gap_pct": round(statistics.fmean(gaps), 3),
            "worst_gap_pct": max(gaps),
            "optimal": sum(1 for g in gaps if g == 0),
            "no_pack_mean_gap_pct": round(statistics.fmean(plain), 3),
            "no_pack_worst_gap_pct": max(plain),
            "no_pack_optimal": sum(1 for g in plain if g == 0),
        }
        print(
            f"mean gap {summary['mean_gap_pct']:.3f} %, worst {summary['worst_gap_pct']:.3f} %, "
            f"optimal on {summary['optimal']} of {count}; without re-packing "
            f"{summary['no_pack_mean_gap_pct']:.3f} %, "
            f"worst {summary['no_pack_worst_gap_pct']:.3f} %, "
            f"optimal on {summary['no_pack_optimal']}"
        )
        result["quality"] = {"rows": rows, "summary": summary}
        violations += sum(r["violations"] for r in rows)
    if "fairness" in parts:
        couriers, errands = (100, 250) if args.quick else (500, 1500)
        strengths = (0, 120, 600) if args.quick else (0, 60, 300, 900)
        print(f"\nfairness: {couriers} couriers x {errands} errands, uneven recent histories")
        rows = run_fairness(couriers, errands, args.seed, strengths)
        print_table(rows, list(rows[0]))
        result["fairness"] = rows
        violations += sum(r["violations"] for r in rows)
    output = args.output or REPO_ROOT / "benchmarks" / "results" / (
        "incidental-quick.json" if args.quick else "incidental.json"
    )
    write_json(result, output)
    print(f"\nwrote {output}")
    return 0 if violations == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
