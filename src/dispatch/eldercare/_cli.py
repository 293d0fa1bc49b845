"""``dispatch meals``: plan a generated district's day and print or write the route sheets.

The command's logic lives here; :mod:`dispatch.cli` only registers it
(:func:`add_parser`) and runs it (:func:`run`).
"""

from __future__ import annotations

import argparse
import datetime
from pathlib import Path
from typing import Any, TextIO

from dispatch._argtypes import int_at_least, number_in, positive_seconds
from dispatch.eldercare._baseline import plan_day_per_kitchen
from dispatch.eldercare._day import DayOptions, plan_day
from dispatch.eldercare._district import eldercare_district
from dispatch.eldercare._html import write_html
from dispatch.eldercare._kpis import day_kpis
from dispatch.eldercare._map import plot_day, require_matplotlib
from dispatch.eldercare._sheets import route_sheets, sheet_text, write_csv
from dispatch.errors import InvalidInputError
from dispatch.solver import SolveOptions
from dispatch.validation import validate

__all__ = ["add_parser", "run"]

EXIT_OK, EXIT_FAILED = 0, 1


def _date(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date YYYY-MM-DD, got {text!r}") from None


def add_parser(commands: argparse._SubParsersAction[Any]) -> None:
    """Register ``meals`` with the ``dispatch`` command's sub-commands."""
    meals = commands.add_parser(
        "meals",
        help="plan a generated elder-care district's day: hot meals and check-ins",
        description="Generate a seeded elder-care district (canteens, partner restaurants, "
        "elders, couriers and volunteers), plan one day of hot meals and check-ins, check "
        "the plan, and print every courier's route sheet.",
    )
    meals.add_argument(
        "--seed", type=int_at_least(0), default=0, metavar="N", help="which district (default 0)"
    )
    meals.add_argument(
        "--scale",
        type=number_in(0, 2),
        default=0.1,
        metavar="S",
        help="size against the real programme of 1,500 meals and 120 couriers (default 0.1)",
    )
    meals.add_argument(
        "--date",
        type=_date,
        default=None,
        metavar="YYYY-MM-DD",
        help="the day (default 2026-12-01)",
    )
    meals.add_argument(
        "--time-limit",
        type=positive_seconds,
        default=10.0,
        metavar="S",
        help="routing time in seconds, all parts together (default 10)",
    )
    meals.add_argument(
        "--workers",
        type=int_at_least(1),
        default=1,
        metavar="N",
        help="parts routed at once (default 1)",
    )
    meals.add_argument(
        "--baseline",
        action="store_true",
        help="plan the naive way instead: each kitchen alone with its own couriers",
    )
    meals.add_argument("--csv", type=Path, default=None, metavar="DIR", help="write CSV sheets")
    meals.add_argument("--html", type=Path, default=None, metavar="DIR", help="write HTML sheets")
    meals.add_argument(
        "--map",
        type=Path,
        default=None,
        metavar="FILE.png",
        help="draw the routes (needs matplotlib)",
    )


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Run ``dispatch meals`` with parsed ``args``; returns the exit code."""
    if args.map is not None:
        try:
            require_matplotlib()
        except ImportError as error:
            raise InvalidInputError("--map", str(error)) from None
        if not args.map.parent.is_dir():
            raise InvalidInputError(str(args.map), "its folder does not exist")
    kwargs = {} if args.date is None else {"day": args.date}
    district = eldercare_district(seed=args.seed, scale=args.scale, **kwargs)
    options = DayOptions(
        solve=SolveOptions(time_limit_s=args.time_limit, seed=args.seed),
        routing_time_s=args.time_limit,
        workers=args.workers,
    )
    print(
        f"Elder-care district (seed {args.seed}, scale {args.scale:g}), "
        f"{district.day:%A %Y-%m-%d}: {len(district.kitchens)} kitchens, "
        f"{len(district.elders)} elders, {len(district.couriers)} couriers and volunteers. "
        f"Planning{' per kitchen' if args.baseline else ''} for up to {args.time_limit:g} s ...",
        file=out,
    )
    planner = plan_day_per_kitchen if args.baseline else None
    if planner is not None:
        day = planner(
            district.day,
            kitchens=district.kitchens,
            elders=district.elders,
            couriers=district.couriers,
            travel=district.travel,
            home_kitchen=district.home_kitchen,
            options=options,
        )
    else:
        day = plan_day(
            district.day,
            kitchens=district.kitchens,
            elders=district.elders,
            couriers=district.couriers,
            travel=district.travel,
            options=options,
        )
    violations = validate(day.problem, day.plan)
    if violations:
        print(f"dispatch: the plan breaks {len(violations)} rule(s):", file=err)
        for violation in violations:
            print(f"  {violation}", file=err)
        return EXIT_FAILED
    print(
        f"Planned in {day.runtime_s:.1f} s ({len(day.parts)} part(s), "
        f"{day.plan.status.value}) and checked: no rule broken.",
        file=out,
    )
    print(file=out)
    print(day_kpis(day).summary(), file=out)
    print(file=out)
    if day.issues:
        print(f"Not served ({len(day.issues)}):", file=out)
        for issue in day.issues:
            elder = day.elders[issue.elder_id]
            print(
                f"  {issue.what:8}  {elder.id} {elder.name}: {issue.reason.value}: {issue.detail}",
                file=out,
            )
    else:
        print("Not served: none.", file=out)
    sheets = route_sheets(day)
    for sheet in sheets:
        print(file=out)
        print(sheet_text(sheet), file=out)
    written = []
    if args.csv is not None:
        written.append(f"{len(write_csv(sheets, args.csv))} CSV sheet(s) in {args.csv}")
    if args.html is not None:
        written.append(f"{len(write_html(sheets, args.html)) - 1} HTML sheet(s) in {args.html}")
    if args.map is not None:
        written.append(f"the map {plot_day(day, args.map, graph=district.graph)}")
    if written:
        print(file=out)
        print("Wrote " + "; ".join(written) + ".", file=out)
    return EXIT_OK
