"""A simulated district day through the online dispatcher: its KPIs and what it costs to run.

    python benchmarks/simulate.py                 # medium: scale 0.3, the whole day
    python benchmarks/simulate.py --scale 1       # the real programme's size
    python benchmarks/simulate.py --quick         # CI: scale 0.02, four hours

The district is :func:`dispatch.simulate.district_scenario` (at scale 1: 142
communities, 18 canteens and 41 partner restaurants with 1,500 meals and 120 meal
couriers, 200 couriers on their own rounds, about 800 errands and 30 hazard
reports; nothing read from disk), played by :func:`dispatch.simulate.simulate`
with the default behaviour (:class:`dispatch.simulate.SimulationOptions`): the
meal round planned deterministically (a solution limit, no time limit), travel
noise 0.15, couriers accepting 50-85 % of the offers they answer.

Reported: the time to generate the district, to plan the meal round, and to
simulate (wall clock, with the load average before and after, since the machine
is shared), the commands sent to the dispatcher and the events in the log, and
the day's KPIs (errands served, order-to-delivery median and 90th percentile,
offers per errand, declines, escalations, detour, meals hot and on time,
check-ins, points).

Writes ``benchmarks/results/simulate[-quick].json``. Exit code 0 when the run
had no refused command and every errand ordered ended in a final state or is
listed open; 1 otherwise.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))  # benchmarks/ is not a package
from common import REPO_ROOT, git_info, machine_info, write_json
from dispatch.simulate import SimulationOptions, district_scenario, simulate

Row = dict[str, Any]

FULL = {"scale": 0.3, "hours": None}
QUICK = {"scale": 0.02, "hours": 4.0}


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command-line options."""
    parser = argparse.ArgumentParser(prog="simulate.py", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="CI mode: scale 0.02, 4 hours")
    parser.add_argument("--scale", type=float, default=None, metavar="S", help="in (0, 2]")
    parser.add_argument("--hours", type=float, default=None, metavar="H")
    parser.add_argument("--seed", type=int, default=1, metavar="N")
    parser.add_argument("--output", type=Path, default=None, metavar="FILE.json")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Generate, simulate, print, write the JSON. Returns the exit code."""
    args = parse_args(argv)
    preset = QUICK if args.quick else FULL
    scale = args.scale if args.scale is not None else preset["scale"]
    hours = args.hours if args.hours is not None else preset["hours"]
    load_before = [round(x, 2) for x in os.getloadavg()]
    started = time.perf_counter()
    scenario = district_scenario(seed=args.seed, scale=scale)
    generate_s = time.perf_counter() - started
    print(f"simulate: {scenario.name}: {scenario.describe()}")
    result = simulate(scenario, SimulationOptions(), hours=hours)
    simulate_s = result.wall_s - result.meal_planning_s
    print(
        f"generated in {generate_s:.1f} s, meal round planned in {result.meal_planning_s:.1f} s, "
        f"day simulated in {simulate_s:.1f} s: {result.commands} commands "
        f"({result.commands / max(simulate_s, 1e-9):.0f}/s), {result.kpis.events} events"
    )
    print(result.kpis.table())
    complete = sorted(result.final_states) == sorted(result.orders)
    ok = complete and not result.errors
    data: Row = {
        "quick": args.quick,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": machine_info(),
        "git": git_info(),
        "load_average": {"before": load_before, "after": [round(x, 2) for x in os.getloadavg()]},
        "scenario": {
            "name": scenario.name,
            "seed": args.seed,
            "scale": scale,
            "hours": hours,
            "communities": len(scenario.menus),
            "kitchens": len(scenario.eldercare.kitchens),
            "couriers": len(scenario.couriers),
            "meal_couriers": len(scenario.eldercare.couriers),
            "orders": len(scenario.orders),
            "hazards": len(scenario.hazards),
        },
        "timing": {
            "generate_s": round(generate_s, 2),
            "meal_planning_s": round(result.meal_planning_s, 2),
            "simulate_s": round(simulate_s, 2),
            "wall_s": round(result.wall_s, 2),
            "commands": result.commands,
            "events": result.kpis.events,
        },
        "kpis": result.kpis.as_dict(),
        "intervals": [row.as_dict() for row in result.intervals],
        "open_tasks": len(result.open_tasks),
        "errors": list(result.errors),
        "ok": ok,
    }
    output = args.output or REPO_ROOT / "benchmarks" / "results" / (
        "simulate-quick.json" if args.quick else "simulate.json"
    )
    write_json(data, output)
    print(f"wrote {output}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
