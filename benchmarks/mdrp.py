"""Grubhub MDRP days: our dispatcher's rolling-horizon policy against a greedy baseline.

    python benchmarks/mdrp.py                     # the representative subset (12 instances)
    python benchmarks/mdrp.py --quick             # CI: 2 small instances
    python benchmarks/mdrp.py --instances 0o100t100s1p100,3r50t75s2p125 --jobs 1
    python benchmarks/mdrp.py --epoch 300         # decide every 5 simulated minutes

Instances are read from ``$DISPATCH_BENCHMARKS/mdrp/public_instances`` (default
``../shared/benchmarks`` next to the repository). Every instance is run twice in
the same worker process, one policy after the other, with
:func:`dispatch.mdrp.run_mdrp`:

``dispatch``
    Our rolling-horizon policy: every ``--epoch`` simulated seconds the open
    orders are inserted into the couriers' committed plans by the incidental
    matcher, in deadline stages, and committed (see ``dispatch.mdrp._policy``).
``greedy``
    The baseline: every minute each ready order goes to the nearest idle
    courier, one order per trip.

Both executions are re-checked against the instance's rules
(``dispatch.mdrp.check_execution``, the MDRP evaluator's conditions) and every
route the policy commits is checked by ``dispatch.validate``.

**The subset.** The 240 instances cross ten seeds (days and cities) with size
(``o100`` all orders, ``o50`` half the orders, ``r50`` half the restaurants),
speed (``t100``, ``t75``), courier schedule (``s1`` historical, ``s2``
optimised) and preparation time (``p100``, ``p125``). ``SUBSET`` takes, for
each size, the half fraction of the 2x2x2 design in speed, schedule and
preparation with ``I = TSP`` (``t100 s1 p100``, ``t100 s2 p125``, ``t75 s1
p125``, ``t75 s2 p100``): every level of every factor appears equally often
within each size, and every pair of levels of two factors once. Seeds vary
over the rows and all ten appear; seeds whose days are very large (seeds 5,
7 and 8 have 2,400-3,200 orders at full size) appear only at half size, so
that the subset runs in under 10 minutes on two cores. 12 instances, 242 to
1,592 orders (10,708 in all), 54 to 229 couriers.

**Columns** (per instance and policy): orders, delivered, click-to-door mean /
median / p90 (minutes), ready-to-pickup and ready-to-door means, share of the
delivered orders later than the target (40 min) and the maximum (90 min),
``late`` = orders not delivered within the target (late or never), orders and
bundles (restaurant visits) per courier-hour, utilisation (busy share of duty
time), total courier pay, seconds of wall-clock, and ``ok`` = the execution
breaks no rule. The comparison table gives, per instance, the late orders and
mean click-to-door of both policies and whether the issue's target holds
there: fewer late orders **and** a lower mean click-to-door than the baseline.

Writes ``benchmarks/results/mdrp[-quick].json``: machine, git commit, load
averages before and after, options, every row (metrics, run statistics) and
the summary. Exit code: 0 when every execution is feasible, 1 when one breaks
a rule or fails, 2 for bad options or missing data.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import datetime
import multiprocessing
import os
import re
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))  # benchmarks/ is not a package
from common import REPO_ROOT, git_info, machine_info, positive_int, write_json
from dispatch.errors import DispatchError
from dispatch.mdrp import DispatchPolicyOptions, default_stages, read_mdrp, run_mdrp

Row = dict[str, Any]

#: The representative subset (see the module docstring): per size, the half fraction
#: I = TSP of the speed x schedule x preparation design, seeds spread over 0-9.
SUBSET = (
    "0o100t100s1p100",
    "1o100t100s2p125",
    "2o100t75s1p125",
    "3o100t75s2p100",
    "4o50t100s1p100",
    "5o50t100s2p125",
    "6o50t75s1p125",
    "9o50t75s2p100",
    "7r50t100s1p100",
    "8r50t100s2p125",
    "0r50t75s1p125",
    "1r50t75s2p100",
)
QUICK = ("0r50t100s1p100", "1r50t100s2p100")
POLICIES = ("dispatch", "greedy")
_NAME = re.compile(r"^(?P<seed>\d)(?P<size>o100|o50|r50)t(?P<t>\d+)s(?P<s>\d)p(?P<p>\d+)$")


def benchmarks_dir() -> Path:
    """``$DISPATCH_BENCHMARKS``, by default ``../shared/benchmarks`` next to the repository."""
    default = REPO_ROOT.parent / "shared" / "benchmarks"
    return Path(os.environ.get("DISPATCH_BENCHMARKS", default))


def factors(name: str) -> Row:
    """The design factors in an instance name (seed, size, speed, schedule, preparation)."""
    match = _NAME.match(name)
    if match is None:
        return {}
    return {
        "seed": int(match["seed"]),
        "size": match["size"],
        "speed": f"t{match['t']}",
        "schedule": f"s{match['s']}",
        "prep": f"p{match['p']}",
    }


def run_instance(folder: str, epoch_s: int, hours: float | None) -> list[Row]:
    """Both policies on one instance, in this (worker) process; rows of plain data."""
    name = Path(folder).name
    try:
        instance = read_mdrp(folder)
    except (DispatchError, OSError) as error:
        return [
            {"instance": name, "policy": p, "ok": False, "error": " ".join(str(error).split())}
            for p in POLICIES
        ]
    options = DispatchPolicyOptions(epoch_s=epoch_s)
    rows = []
    for policy in POLICIES:
        row: Row = {
            "instance": name,
            **factors(name),
            "policy": policy,
            "couriers": len(instance.couriers),
            "load_before": round(os.getloadavg()[0], 2),
        }
        started = time.perf_counter()
        try:
            result = run_mdrp(
                instance,
                policy,
                hours=hours,
                options=options if policy == "dispatch" else None,
            )
        except DispatchError as error:
            rows.append({**row, "ok": False, "error": " ".join(str(error).split())})
            continue
        stats = result.stats
        rows.append(
            {
                **row,
                **result.metrics.as_dict(),
                "runtime_s": round(time.perf_counter() - started, 2),
                "epochs": stats.epochs,
                "matcher_runs": stats.matcher_runs,
                "deferred": stats.deferred,
                "routes_validated": stats.routes_validated,
                "violations": list(stats.violations[:10]),
                "issues": list(result.issues[:10]),
                "ok": result.feasible,
                "error": None,
            }
        )
    return rows


_COLUMNS = (
    ("instance", "instance", "<16"),
    ("policy", "policy", "<8"),
    ("orders", "orders", ">6"),
    ("delivered", "deliv", ">6"),
    ("click_to_door_mean_min", "c2d", ">5.1f"),
    ("click_to_door_median_min", "med", ">5.1f"),
    ("click_to_door_p90_min", "p90", ">5.1f"),
    ("ready_to_pickup_mean_min", "r2p", ">5.1f"),
    ("ready_to_door_mean_min", "r2d", ">5.1f"),
    ("over_target_share", ">40%", ">5.1%"),
    ("over_max_share", ">90%", ">5.1%"),
    ("late_orders", "late", ">5"),
    ("orders_per_courier_hour", "o/ch", ">5.2f"),
    ("bundles_per_courier_hour", "b/ch", ">5.2f"),
    ("utilisation", "util", ">5.0%"),
    ("total_pay", "pay", ">8.0f"),
    ("runtime_s", "time s", ">6.1f"),
)


_ALIGN_WIDTH = re.compile(r"^[<>^]?\d*")


def _width(spec: str) -> str:
    """The alignment and width of a format spec (``>5.1f`` -> ``>5``)."""
    match = _ALIGN_WIDTH.match(spec)
    return match.group(0) if match else ""


def _cell(value: Any, spec: str) -> str:
    """``value`` formatted by ``spec``; ``-`` (aligned the same way) for None."""
    return format("-", _width(spec)) if value is None else format(value, spec)


def format_row(row: Row | None) -> str:
    """One line of the per-instance table (the header for None)."""
    if row is None:
        return "  ".join(format(head, _width(spec)) for _, head, spec in _COLUMNS) + "  ok"
    if row.get("error"):
        return f"{row['instance']:<16}  {row['policy']:<8}  error: {row['error']}"
    cells = [_cell(row.get(key), spec) for key, _, spec in _COLUMNS]
    return "  ".join(cells) + ("  yes" if row["ok"] else "  NO")


def compare(rows: Sequence[Row]) -> list[Row]:
    """Per instance: late orders and mean click-to-door of both policies, and the target."""
    by = {(r["instance"], r["policy"]): r for r in rows}
    out = []
    for name in dict.fromkeys(r["instance"] for r in rows):
        ours, base = by.get((name, "dispatch")), by.get((name, "greedy"))
        if ours is None or base is None or ours.get("error") or base.get("error"):
            out.append({"instance": name, "target_met": False})
            continue
        c2d_ours, c2d_base = ours["click_to_door_mean_min"], base["click_to_door_mean_min"]
        out.append(
            {
                "instance": name,
                "late_dispatch": ours["late_orders"],
                "late_greedy": base["late_orders"],
                "c2d_dispatch": c2d_ours,
                "c2d_greedy": c2d_base,
                "delivered_dispatch": ours["delivered"],
                "delivered_greedy": base["delivered"],
                "fewer_late": ours["late_orders"] < base["late_orders"],
                "lower_c2d": c2d_ours is not None and (c2d_base is None or c2d_ours < c2d_base),
            }
        )
        out[-1]["target_met"] = out[-1]["fewer_late"] and out[-1]["lower_c2d"]
    return out


_MEANS = (
    "delivered",
    "click_to_door_mean_min",
    "click_to_door_median_min",
    "click_to_door_p90_min",
    "ready_to_pickup_mean_min",
    "ready_to_door_mean_min",
    "over_target_share",
    "over_max_share",
    "late_orders",
    "orders_per_courier_hour",
    "bundles_per_courier_hour",
    "orders_per_bundle",
    "utilisation",
    "total_pay",
    "guarantee_share",
    "runtime_s",
)


def summarise(rows: Sequence[Row], comparison: Sequence[Row]) -> Row:
    """Per policy: means of the measures over the instances; totals; the target."""
    out: Row = {"instances": len(comparison)}
    for policy in POLICIES:
        mine = [r for r in rows if r["policy"] == policy and not r.get("error")]
        means: Row = {}
        for key in _MEANS:
            values = [r[key] for r in mine if r.get(key) is not None]
            means[key] = round(statistics.fmean(values), 4) if values else None
        means["orders"] = sum(r["orders"] for r in mine)
        means["delivered_total"] = sum(r["delivered"] for r in mine)
        means["late_orders_total"] = sum(r["late_orders"] for r in mine)
        means["all_ok"] = all(r["ok"] for r in rows if r["policy"] == policy)
        out[policy] = means
    out["target_met"] = sum(1 for c in comparison if c["target_met"])
    out["fewer_late"] = sum(1 for c in comparison if c.get("fewer_late"))
    out["lower_c2d"] = sum(1 for c in comparison if c.get("lower_c2d"))
    return out


def print_report(rows: Sequence[Row], comparison: Sequence[Row], summary: Row) -> None:
    """The tables: per instance and policy, the comparison, and the summary."""
    print()
    print(format_row(None))
    for row in rows:
        print(format_row(row))
    print()
    head = f"{'instance':<16}  {'late ours':>9}  {'late base':>9}  {'c2d ours':>8}  "
    print(head + f"{'c2d base':>8}  target")
    for c in comparison:
        if "late_dispatch" not in c:
            print(f"{c['instance']:<16}  (failed)")
            continue
        print(
            f"{c['instance']:<16}  {c['late_dispatch']:>9}  {c['late_greedy']:>9}  "
            f"{_cell(c['c2d_dispatch'], '>8.1f')}  {_cell(c['c2d_greedy'], '>8.1f')}  "
            f"{'met' if c['target_met'] else 'NOT met'}"
        )
    print()
    print(f"{'mean over instances':<28}  {'dispatch':>10}  {'greedy':>10}")
    labels = {
        "click_to_door_mean_min": "click-to-door mean (min)",
        "click_to_door_p90_min": "click-to-door p90 (min)",
        "ready_to_pickup_mean_min": "ready-to-pickup mean (min)",
        "over_target_share": "share over 40 min",
        "over_max_share": "share over 90 min",
        "orders_per_courier_hour": "orders per courier-hour",
        "bundles_per_courier_hour": "bundles per courier-hour",
        "utilisation": "utilisation",
        "total_pay": "courier pay",
        "runtime_s": "runtime (s)",
    }
    for key, label in labels.items():
        ours, base = summary["dispatch"].get(key), summary["greedy"].get(key)
        print(f"{label:<28}  {_cell(ours, '>10.3f')}  {_cell(base, '>10.3f')}")
    for key, label in (
        ("delivered_total", "orders delivered (total)"),
        ("late_orders_total", "late orders (total)"),
    ):
        print(f"{label:<28}  {summary['dispatch'][key]:>10}  {summary['greedy'][key]:>10}")
    n = summary["instances"]
    print(
        f"\ntarget (fewer late orders and lower mean click-to-door than greedy): met on "
        f"{summary['target_met']} of {n} instance(s) (fewer late on {summary['fewer_late']}, "
        f"lower mean click-to-door on {summary['lower_c2d']})"
    )


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command-line options."""
    parser = argparse.ArgumentParser(
        prog="mdrp.py",
        description="Grubhub MDRP days: dispatch's rolling-horizon policy against greedy.",
    )
    parser.add_argument(
        "--instances",
        default=None,
        metavar="A,B",
        help="instance folder names (default: the representative subset)",
    )
    parser.add_argument("--quick", action="store_true", help=f"CI mode: {', '.join(QUICK)}")
    parser.add_argument(
        "--epoch",
        type=positive_int,
        default=DispatchPolicyOptions().epoch_s,
        metavar="S",
        help="simulated seconds between the policy's decisions (default %(default)s)",
    )
    parser.add_argument(
        "--hours",
        type=float,
        default=None,
        metavar="H",
        help="only the first H hours of each day (default: the whole day)",
    )
    parser.add_argument(
        "--jobs", type=positive_int, default=2, metavar="N", help="parallel processes (default 2)"
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=None,
        metavar="FILE",
        help="results JSON (default benchmarks/results/mdrp[-quick].json)",
    )
    args = parser.parse_args(argv)
    if args.hours is not None and not args.hours > 0:
        parser.error(f"--hours must be > 0, got {args.hours}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run both policies on the instances; print the tables; write the JSON."""
    args = parse_args(argv)
    root = benchmarks_dir() / "mdrp" / "public_instances"
    if not root.is_dir():
        print(
            f"mdrp.py: error: no benchmark data at {root} (set DISPATCH_BENCHMARKS)",
            file=sys.stderr,
        )
        return 2
    if args.instances:
        names = [n.strip() for n in args.instances.split(",") if n.strip()]
    else:
        names = list(QUICK if args.quick else SUBSET)
    missing = [n for n in names if not (root / n).is_dir()]
    if missing or not names:
        print(
            f"mdrp.py: error: no instance {', '.join(missing) or '(none)'} in {root}",
            file=sys.stderr,
        )
        return 2
    load_before = [round(x, 2) for x in os.getloadavg()]
    started = time.perf_counter()
    print(
        f"mdrp: {len(names)} instance(s), epoch {args.epoch} s, "
        f"{'first ' + format(args.hours, 'g') + ' h' if args.hours else 'whole days'}, "
        f"{args.jobs} job(s), load {load_before[0]}"
    )
    rows_of: dict[str, list[Row]] = {}
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(max_workers=args.jobs, mp_context=context) as pool:
        futures = {
            pool.submit(run_instance, str(root / name), args.epoch, args.hours): name
            for name in names
        }
        for future in concurrent.futures.as_completed(futures):
            rows = future.result()
            rows_of[futures[future]] = rows
            for row in rows:
                print(format_row(row), flush=True)
    rows = [row for name in names for row in rows_of[name]]
    comparison = compare(rows)
    summary = summarise(rows, comparison)
    print_report(rows, comparison, summary)
    elapsed = round(time.perf_counter() - started, 1)
    load_after = [round(x, 2) for x in os.getloadavg()]
    print(f"\nwall-clock {elapsed} s; load average {load_before} before, {load_after} after")
    stages = [
        {"click_to_door_s": s.click_to_door_s, "slack_s": s.slack_s}
        for s in default_stages(read_mdrp(root / names[0]))
    ]
    options = DispatchPolicyOptions(epoch_s=args.epoch)
    output = args.output or REPO_ROOT / "benchmarks" / "results" / (
        "mdrp-quick.json" if args.quick else "mdrp.json"
    )
    write_json(
        {
            "quick": args.quick,
            "created": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            "machine": machine_info(),
            "git": git_info(),
            # 1/5/15-minute load averages: on a shared machine, other work slows the runs.
            "load_average": {"before": load_before, "after": load_after},
            "wall_clock_s": elapsed,
            "jobs": args.jobs,
            "hours": args.hours,
            "data": str(root),
            "options": {
                "epoch_s": options.epoch_s,
                "commit_ahead_s": options.commit_ahead_s,
                "promise_s": options.promise_s,
                "stages": stages,
                "match": {"improve": options.match.improve, "pack": options.match.pack},
            },
            "instances": names,
            "rows": rows,
            "comparison": comparison,
            "summary": summary,
        },
        output,
    )
    print(f"wrote {output}")
    return 0 if all(r.get("ok") for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
