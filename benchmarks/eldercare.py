"""Elder-care day at district scale: pooled routing against each kitchen on its own.

    python benchmarks/eldercare.py            # the real programme's size, 2 workers
    python benchmarks/eldercare.py --scale 0.5 --time-limit 20
    python benchmarks/eldercare.py --quick    # CI: a tenth of the size, short limits

The district comes from :func:`dispatch.eldercare.eldercare_district` (seeded
street grid; at scale 1: 18 canteens, 41 partner restaurants, 1,500
home-delivered meals, 120 couriers and volunteers, check-ins on elders living
alone); nothing is read from disk. Two plans of the same day, side by side in
one run, with the same kitchen assignment, solver and time budget:

``pooled``
    :func:`dispatch.eldercare.plan_day`: the district cut into parts of nearby
    work, each routed with nearby couriers of every kitchen, check-ins taken by
    whoever passes.
``per_kitchen``
    :func:`dispatch.eldercare.plan_day_per_kitchen`: the naive baseline, each
    kitchen routing only its own meals (and the check-ins nearest to it) with
    its own couriers and volunteers.

Reports the planning time (kitchen assignment, cutting and routing), the
KPIs (meals delivered, mean and max pickup-to-door time, late deliveries,
distance, couriers, check-ins planned), the plan checked by
``dispatch.validate``, and the saving of the pooled plan. The target: a
feasible pooled plan, no meal over its hot-food limit, in under 60 s on two
cores.

Writes ``benchmarks/results/eldercare[-quick].json``. Exit code 0 when both
plans pass the validator with no meal over its limit, 1 otherwise.
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))  # benchmarks/ is not a package
from common import REPO_ROOT, git_info, machine_info, positive_int, write_json
from dispatch import SolveOptions, validate
from dispatch.eldercare import (
    DayOptions,
    DayPlan,
    ElderCareDistrict,
    day_kpis,
    eldercare_district,
    plan_day,
    plan_day_per_kitchen,
)

Row = dict[str, Any]

TARGET_S = 60.0
FULL = {"scale": 1.0, "time_limit": 40.0, "workers": 2}
QUICK = {"scale": 0.1, "time_limit": 6.0, "workers": 1}


def _row(name: str, day: DayPlan) -> Row:
    started = time.perf_counter()
    violations = validate(day.problem, day.plan)
    row: Row = {
        "plan": name,
        "plan_s": round(day.runtime_s, 2),
        "parts": len(day.parts),
        "status": day.plan.status.value,
        **day_kpis(day).as_dict(),
        "violations": len(violations),
        "validate_s": round(time.perf_counter() - started, 2),
        "issues": dict(sorted(Counter(f"{i.what}:{i.reason.value}" for i in day.issues).items())),
    }
    row["distance_km"] = round(row.pop("distance_m") / 1000, 1)
    served = row["meals_delivered"] + row["checkins_planned"]
    row["km_per_stop"] = round(row["distance_km"] / served, 3) if served else None
    row["mean_ride_min"] = round(row.pop("mean_ride_s") / 60, 1)
    row["max_ride_min"] = round(row.pop("max_ride_s") / 60, 1)
    return row


def _saving(pooled: Row, naive: Row) -> Row:
    def pct(a: float, b: float) -> float | None:
        return round(100 * (b - a) / b, 1) if b else None

    return {
        "distance_km": round(naive["distance_km"] - pooled["distance_km"], 1),
        "distance_pct": pct(pooled["distance_km"], naive["distance_km"]),
        "couriers": naive["couriers_used"] - pooled["couriers_used"],
        "more_meals_delivered": pooled["meals_delivered"] - naive["meals_delivered"],
        "more_checkins_planned": pooled["checkins_planned"] - naive["checkins_planned"],
        "mean_ride_min": round(naive["mean_ride_min"] - pooled["mean_ride_min"], 1),
        "km_per_stop_pct": pct(pooled["km_per_stop"] or 0.0, naive["km_per_stop"] or 0.0),
    }


def run(district: ElderCareDistrict, options: DayOptions) -> tuple[Row, Row]:
    """Plan the day both ways with the same options; rows with KPIs and checks."""
    common = {
        "kitchens": district.kitchens,
        "elders": district.elders,
        "couriers": district.couriers,
        "travel": district.travel,
        "options": options,
    }
    pooled = plan_day(district.day, **common)
    naive = plan_day_per_kitchen(district.day, home_kitchen=district.home_kitchen, **common)
    return _row("pooled", pooled), _row("per_kitchen", naive)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command-line options."""
    parser = argparse.ArgumentParser(prog="eldercare.py", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="CI mode: scale 0.1, 6 s, 1 worker")
    parser.add_argument("--scale", type=float, default=None, help="district size (default 1)")
    parser.add_argument(
        "--time-limit",
        type=float,
        default=None,
        metavar="S",
        help="routing budget per plan, all parts together (default 40 s)",
    )
    parser.add_argument("--workers", type=positive_int, default=None, help="default 2")
    parser.add_argument(
        "--meals-per-zone",
        type=positive_int,
        default=None,
        metavar="N",
        help="zone size of the pooled plan (default: DayOptions' 40)",
    )
    parser.add_argument("--seed", type=int, default=1, metavar="N", help="district (default 1)")
    parser.add_argument("--output", type=Path, default=None, metavar="FILE")
    return parser.parse_args(argv)


def _print_table(rows: Sequence[Row], columns: Sequence[str]) -> None:
    widths = [max(len(c), *(len(str(r.get(c, ""))) for r in rows)) for c in columns]
    print("  ".join(c.rjust(w) for c, w in zip(columns, widths, strict=True)))
    for row in rows:
        print("  ".join(str(row.get(c, "")).rjust(w) for c, w in zip(columns, widths, strict=True)))


def main(argv: Sequence[str] | None = None) -> int:
    """Generate, plan both ways, print, write the JSON. Returns the exit code."""
    args = parse_args(argv)
    load_before = [round(x, 2) for x in os.getloadavg()]
    preset = QUICK if args.quick else FULL
    scale = args.scale if args.scale is not None else preset["scale"]
    budget_s = args.time_limit if args.time_limit is not None else preset["time_limit"]
    workers = args.workers if args.workers is not None else preset["workers"]
    started = time.perf_counter()
    district = eldercare_district(seed=args.seed, scale=scale)
    generate_s = time.perf_counter() - started
    zone = {} if args.meals_per_zone is None else {"meals_per_zone": args.meals_per_zone}
    options = DayOptions(
        solve=SolveOptions(time_limit_s=budget_s, seed=args.seed),
        routing_time_s=budget_s,
        workers=workers,
        **zone,
    )
    print(
        f"eldercare: scale {scale:g} (seed {args.seed}), {district.day:%a %Y-%m-%d}: "
        f"{len(district.kitchens)} kitchens, {len(district.elders)} elders, "
        f"{len(district.couriers)} couriers; routing budget {budget_s:g} s, {workers} worker(s)"
    )
    pooled, naive = run(district, options)
    rows = [pooled, naive]
    _print_table(
        rows,
        [
            "plan",
            "plan_s",
            "parts",
            "status",
            "meals_ordered",
            "meals_delivered",
            "mean_ride_min",
            "max_ride_min",
            "over_limit",
            "late_deliveries",
            "checkins_due",
            "checkins_planned",
            "couriers_used",
            "distance_km",
            "km_per_stop",
            "violations",
        ],
    )
    saving = _saving(pooled, naive)
    target = {
        "limit_s": TARGET_S,
        "met": pooled["plan_s"] < TARGET_S
        and pooled["status"] in ("optimal", "feasible")
        and pooled["violations"] == 0
        and pooled["over_limit"] == 0,
    }
    print(
        f"\npooled vs per kitchen: {saving['more_meals_delivered']} more meal(s) delivered, "
        f"{saving['more_checkins_planned']} more check-in(s) planned, "
        f"{saving['distance_km']} km ({saving['distance_pct']} %) less distance, "
        f"{saving['km_per_stop_pct']} % less per stop served, "
        f"{saving['couriers']} courier(s) fewer"
    )
    print(
        f"target (feasible, nothing over the hot-food limit, < {TARGET_S:g} s): "
        f"{'met' if target['met'] else 'NOT met'} ({pooled['plan_s']} s)"
    )
    result: Row = {
        "quick": args.quick,
        "created": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": machine_info(),
        "git": git_info(),
        "district": {
            "seed": args.seed,
            "scale": scale,
            "day": district.day.isoformat(),
            "kitchens": len(district.kitchens),
            "canteens": sum(1 for k in district.kitchens if k.kind.value == "canteen"),
            "elders": len(district.elders),
            "couriers": len(district.couriers),
            "side_m": district.side_m,
            "generate_s": round(generate_s, 2),
        },
        "options": {
            "routing_time_s": budget_s,
            "workers": workers,
            "meals_per_zone": options.meals_per_zone,
        },
        # 1/5/15-minute load averages: on a shared machine, other work slows the searches.
        "load_average": {"before": load_before, "after": [round(x, 2) for x in os.getloadavg()]},
        "rows": rows,
        "saving": saving,
        "target": target,
    }
    output = args.output or REPO_ROOT / "benchmarks" / "results" / (
        "eldercare-quick.json" if args.quick else "eldercare.json"
    )
    write_json(result, output)
    print(f"\nwrote {output}")
    broken = any(r["violations"] or r["over_limit"] for r in rows)
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
