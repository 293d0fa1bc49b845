"""``dispatch points``, ``dispatch ranking`` and ``dispatch report``, on a store file.

``dispatch points --store FILE``
    Every courier's balance (or, with ``--courier ID``, their ledger with a
    running balance); ``--award --rules FILE`` first awards the delivered
    tasks and ratings not awarded yet; ``--reverse ENTRY --reason TEXT``
    books a correction (``--rescore`` scores the task again under the rules).
``dispatch ranking --store FILE --quarter 2026Q3 [--community X | --district D]``
    The quarter's ranking (``--year 2026``: the annual awards per courier
    category); ``--record`` books the award's rewards in the ledger.
``dispatch report --store FILE --community X --from YYYY-MM-DD --to YYYY-MM-DD``
    The community's report as a table; ``--csv FILE`` and ``--png FILE``
    write it as CSV and as charts.

The store is the dispatcher's SQLite event store; it must exist. The rules
file (``--rules``, see :mod:`dispatch.points._rules`) gives the points
policy, the districts, the awards and the calendar origin (``--origin``
overrides it). The command line books as an admin named by ``--by``.

The commands' logic lives here; :mod:`dispatch.cli` only registers them
(:func:`add_parser`) and runs them (:func:`run`).
"""

from __future__ import annotations

import argparse
import datetime
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

import attrs

from dispatch._argtypes import int_at_least
from dispatch.errors import InvalidInputError
from dispatch.online._roles import Actor
from dispatch.points._calendar import Period, clock_text
from dispatch.points._entries import LedgerEntry, Source
from dispatch.points._history import History, read_history
from dispatch.points._ledger import award_pending, balances, reverse_entry
from dispatch.points._plot import plot_report, require_matplotlib
from dispatch.points._ranking import (
    Award,
    Ranking,
    annual_awards,
    quarter_award,
    record_award,
    standings_table,
)
from dispatch.points._report import community_report, report_text, write_report_csv
from dispatch.points._rules import PointsConfig, load_config
from dispatch.points._text import text_table
from dispatch.store import SQLiteEventStore

__all__ = ["COMMANDS", "add_parser", "run"]

COMMANDS = ("points", "ranking", "report")
"""The sub-commands this module adds."""

EXIT_OK = 0


def _date(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date YYYY-MM-DD, got {text!r}") from None


def _quarter(text: str) -> Period:
    try:
        return Period.quarter(text)
    except InvalidInputError as error:
        raise argparse.ArgumentTypeError(error.message) from None


def _year(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a year, got {text!r}") from None
    if not 1 <= value <= 9999:
        raise argparse.ArgumentTypeError(f"expected a year from 1 to 9999, got {value}")
    return value


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--store", type=Path, required=True, metavar="FILE", help="the dispatcher's event store"
    )
    parser.add_argument(
        "--rules", type=Path, default=None, metavar="FILE", help="the points rules (TOML)"
    )
    parser.add_argument(
        "--origin",
        type=_date,
        default=None,
        metavar="YYYY-MM-DD",
        help="the day whose midnight is second 0 of the store's clock (default: from --rules)",
    )


def _booking(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--by", default="cli", metavar="ID", help="who books, recorded with it (default cli)"
    )


def add_parser(commands: argparse._SubParsersAction[Any]) -> None:
    """Register ``points``, ``ranking`` and ``report`` with the ``dispatch`` sub-commands."""
    points = commands.add_parser(
        "points",
        help="couriers' points (积分): balances, a courier's ledger, award completed tasks",
        description="Show every courier's points balance, or one courier's ledger; award "
        "the delivered tasks and ratings not awarded yet; book a correction.",
    )
    _common(points)
    points.add_argument(
        "--courier", default=None, metavar="ID", help="show this courier's ledger entries"
    )
    points.add_argument(
        "--award",
        action="store_true",
        help="first award every delivered task and rating not awarded yet (needs --rules)",
    )
    points.add_argument(
        "--reverse", default=None, metavar="ENTRY", help="book the reversal of this entry"
    )
    points.add_argument("--reason", default=None, metavar="TEXT", help="why (with --reverse)")
    points.add_argument(
        "--rescore",
        action="store_true",
        help="with --reverse: score the task again under --rules, in the same booking",
    )
    _booking(points)

    ranking = commands.add_parser(
        "ranking",
        help="rank couriers by points: a quarter per community or district, or a year's awards",
        description="Rank couriers by the points they earned in a quarter (per community, "
        "per district or overall), or give a year's awards per courier category. Equal "
        "points share a rank (1, 1, 3); within a rank, who reached the total first is shown "
        "first, then by courier id.",
    )
    _common(ranking)
    when = ranking.add_mutually_exclusive_group(required=True)
    when.add_argument(
        "--quarter", type=_quarter, default=None, metavar="YYYYQn", help="e.g. 2026Q3"
    )
    when.add_argument("--year", type=_year, default=None, metavar="YYYY", help="annual awards")
    where = ranking.add_mutually_exclusive_group()
    where.add_argument(
        "--community", default=None, metavar="ID", help="one community (default: all)"
    )
    where.add_argument("--district", default=None, metavar="ID", help="as listed in --rules")
    ranking.add_argument(
        "--record", action="store_true", help="book the award's rewards in the ledger"
    )
    _booking(ranking)

    report = commands.add_parser(
        "report",
        help="a community's report for a period: requests, service, ratings, points",
        description="Requests by kind, served share, time from order to delivery (median "
        "and 90th percentile), escalations, ratings, points issued and top volunteers of a "
        "community for a period; as a table, CSV and PNG charts.",
    )
    _common(report)
    report.add_argument("--community", required=True, metavar="ID")
    report.add_argument("--from", dest="first", type=_date, required=True, metavar="YYYY-MM-DD")
    report.add_argument("--to", dest="last", type=_date, required=True, metavar="YYYY-MM-DD")
    report.add_argument(
        "--top",
        type=int_at_least(1),
        default=5,
        metavar="N",
        help="top volunteers shown (default 5)",
    )
    report.add_argument("--csv", type=Path, default=None, metavar="FILE", help="write CSV here")
    report.add_argument(
        "--png", type=Path, default=None, metavar="FILE", help="draw charts (needs matplotlib)"
    )


def _config(args: argparse.Namespace) -> PointsConfig:
    config = PointsConfig() if args.rules is None else load_config(args.rules)
    return config if args.origin is None else attrs.evolve(config, origin=args.origin)


def _rules_needed(args: argparse.Namespace, what: str) -> None:
    if args.rules is None:
        raise InvalidInputError("--rules", f"{what} needs the points rules: pass --rules FILE")


def _writable(path: Path | None) -> None:
    if path is not None and not path.parent.is_dir():
        raise InvalidInputError(str(path), "its folder does not exist")


@contextmanager
def _store(path: Path) -> Iterator[SQLiteEventStore]:
    if not path.is_file():
        raise InvalidInputError(str(path), "no such event store file")
    with SQLiteEventStore(path) as store:
        yield store


def _now_s(history: History, config: PointsConfig) -> int:
    """Booking time: the wall clock since the origin, never before the log's latest time."""
    if config.origin is None:
        return history.now_s
    midnight = datetime.datetime.combine(config.origin, datetime.time()).astimezone()
    return max(history.now_s, int(time.time() - midnight.timestamp()))


def _note(entry: LedgerEntry) -> str:
    if entry.note:
        return entry.note
    return ", ".join(f"{i.rule} {i.points:+d}" for i in entry.items)


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Run ``dispatch points``, ``ranking`` or ``report`` with parsed ``args``; the exit code."""
    return {"points": _run_points, "ranking": _run_ranking, "report": _run_report}[args.command](
        args, out
    )


def _run_points(args: argparse.Namespace, out: TextIO) -> int:
    if args.award:
        _rules_needed(args, "--award")
    if args.rescore:
        _rules_needed(args, "--rescore")
    if (args.reverse is None) != (args.reason is None) or (args.rescore and not args.reverse):
        raise InvalidInputError("--reverse", "give --reverse ENTRY and --reason TEXT together")
    config = _config(args)
    actor = Actor.admin(args.by)
    with _store(args.store) as store:
        if args.reverse is not None:
            history = read_history(store)
            booking = reverse_entry(
                store,
                args.reverse,
                reason=args.reason,
                actor=actor,
                recorded_s=_now_s(history, config),
                rules=config.rules if args.rescore else None,
            )
            done = "was booked before" if booking.duplicate else "booked"
            names = ", ".join(f"{e.id} ({e.points:+d})" for e in booking.entries)
            print(f"Correction {done}: {names}.", file=out)
        if args.award:
            history = read_history(store)
            summary = award_pending(store, config.rules, recorded_s=_now_s(history, config))
            print(
                f"Awarded {summary.tasks} delivered task(s) and {summary.ratings} rating(s): "
                f"{summary.points} point(s).",
                file=out,
            )
        history = read_history(store)
    if args.courier is not None:
        _print_ledger(history, args.courier, config, out)
    else:
        _print_balances(history, out)
    return EXIT_OK


def _print_balances(history: History, out: TextIO) -> None:
    rows = [["courier", "balance", "work", "rewards", "entries"]]
    rows += [
        [b.courier_id, str(b.balance), str(b.work), str(b.rewards), str(b.entries)]
        for b in balances(history)
    ]
    print("Points balances (积分)", file=out)
    if len(rows) > 1:
        print("\n".join(text_table(rows, {1, 2, 3, 4})), file=out)
    else:
        print("  no ledger entries yet", file=out)
    tasks = sum(
        t.delivered and (Source.TASK, t.id) not in history.latest for t in history.tasks.values()
    )
    ratings = sum((Source.RATING, t) not in history.latest for t in history.feedback)
    if tasks or ratings:
        print(
            f"Not awarded yet: {tasks} delivered task(s), {ratings} rating(s) "
            "(dispatch points --award --rules FILE).",
            file=out,
        )


def _print_ledger(history: History, courier_id: str, config: PointsConfig, out: TextIO) -> None:
    entries = history.entries_of(courier_id)
    print(f"Ledger of {courier_id}", file=out)
    if not entries:
        print("  no entries", file=out)
        return
    rows = [["seq", "booked", "earned", "entry", "points", "balance", "", "note"]]
    balance = 0
    for entry in entries:
        balance += entry.points
        state = "reversed" if entry.id in history.reversed_by else ""
        rows.append(
            [
                str(entry.seq),
                clock_text(entry.recorded_s, config.origin),
                clock_text(entry.earned_s, config.origin),
                entry.id,
                f"{entry.points:+d}",
                str(balance),
                state,
                _note(entry),
            ]
        )
    print("\n".join(text_table(rows, {0, 4, 5})), file=out)


def _print_ranking(board: Ranking, origin: datetime.date | None, out: TextIO) -> None:
    period = board.period
    print(f"Ranking {period.label} ({period.first} to {period.last}), {board.scope}", file=out)
    lines = standings_table(board.standings, origin) or ["  nobody earned points"]
    print("\n".join(lines), file=out)


def _run_ranking(args: argparse.Namespace, out: TextIO) -> int:
    config = _config(args)
    if args.year is not None and (args.community or args.district):
        raise InvalidInputError("--year", "annual awards are per courier category, not per place")
    with _store(args.store) as store:
        history = read_history(store)
        awards: tuple[Award, ...]
        if args.year is not None:
            awards = annual_awards(history, config, args.year)
        else:
            awards = (
                quarter_award(
                    history, config, args.quarter, community=args.community, district=args.district
                ),
            )
        for k, award in enumerate(awards):
            if k:
                print(file=out)
            _print_ranking(award.ranking, config.origin, out)
            winners = ", ".join(s.courier_id for s in award.winners) or "nobody"
            print(f"Award {award.id} (top {award.top}, {award.points} points): {winners}", file=out)
            if args.record:
                booking = record_award(
                    store, award, actor=Actor.admin(args.by), recorded_s=_now_s(history, config)
                )
                done = "were booked before" if booking.duplicate else "booked"
                print(f"Rewards {done}: {len(booking.entries)} entry(ies).", file=out)
    print(
        "Equal points share a rank (1, 1, 3); within a rank, earliest to reach the total "
        "first, then by courier id.",
        file=out,
    )
    return EXIT_OK


def _run_report(args: argparse.Namespace, out: TextIO) -> int:
    if args.last < args.first:
        raise InvalidInputError("--to", f"{args.last} is before --from {args.first}")
    _writable(args.csv)
    _writable(args.png)
    if args.png is not None:
        try:
            require_matplotlib()
        except ImportError as error:
            raise InvalidInputError("--png", str(error)) from None
    config = _config(args)
    with _store(args.store) as store:
        history = read_history(store)
    report = community_report(
        history, config, args.community, Period.days(args.first, args.last), top=args.top
    )
    print(report_text(report, config.origin), file=out)
    written = []
    if args.csv is not None:
        written.append(f"the CSV {write_report_csv(report, args.csv)}")
    if args.png is not None:
        written.append(f"the charts {plot_report(report, args.png)}")
    if written:
        print(file=out)
        print("Wrote " + "; ".join(written) + ".", file=out)
    return EXIT_OK
