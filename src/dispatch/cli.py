"""The ``dispatch`` command line.

``dispatch demo``
    Build the seeded demo district (:mod:`dispatch.demo`), solve it, check the
    plan with :func:`dispatch.validate` and print every courier's route as a
    table, the tasks left out and why, and the totals.
``dispatch solve INSTANCE``
    Read a literature instance (Li & Lim, Solomon, Sartori), a problem in our
    JSON format or a VROOM input document (``--format``; by default guessed
    from the extension and contents), solve it, check the plan, write the
    routes as JSON (for VROOM input a VROOM solution document, unless
    ``--output-format dispatch``) and print a one-line summary (against the
    best-known solution when one is known).
``dispatch meals``
    Plan a generated elder-care district's day of hot meals and check-ins and
    print the route sheets (:mod:`dispatch.eldercare`; CSV, HTML and a map on
    request).

Exit codes: 0 success; 1 the plan breaks a rule (the violations are listed on
stderr) or the solver failed; 2 bad input (a missing file, a malformed
instance, a bad option), reported as one line on stderr.

The command is thin: reading, solving and checking are the library's. What it
adds is :func:`solve_instance` (read, solve, check and score one file), shared
with ``benchmarks/literature.py``, and the route tables.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
import unicodedata
from collections.abc import Callable, Hashable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, NoReturn, TextIO, get_args

import attrs

from dispatch._argtypes import int_at_least, positive_seconds
from dispatch._progress_bar import ProgressBar
from dispatch.eldercare import _cli as meals_cli
from dispatch.errors import DispatchError, InvalidInputError, SolverError, UnknownReferenceError
from dispatch.io import (
    BenchmarkInstance,
    BestKnown,
    best_known,
    load_problem,
    plan_to_dict,
    read_lilim,
    read_sartori,
    read_solomon,
    read_vroom,
    sniff_vroom,
    write_vroom_solution,
)
from dispatch.maps import check_map_path, write_map
from dispatch.model import Courier, Location, Problem, Stop, Task, TravelProfile, Visit
from dispatch.plan import Plan, PlannedStop, Route, StopRole
from dispatch.points import _cli as points_cli
from dispatch.simulate import _cli as simulate_cli
from dispatch.solver import SearchProgress, SolveOptions, solve
from dispatch.validation import Violation, validate

__all__ = [
    "InstanceFormat",
    "SolveReport",
    "guess_format",
    "main",
    "positive_seconds",
    "solve_instance",
]

InstanceFormat = Literal["lilim", "solomon", "sartori", "json"]
FORMATS: tuple[InstanceFormat, ...] = get_args(InstanceFormat)

_READERS: Mapping[str, Callable[[Path], BenchmarkInstance]] = {
    "lilim": read_lilim,
    "solomon": read_solomon,
    "sartori": read_sartori,
}
_BKS_FILES = ("bks.csv", "bks.dat")

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


# --------------------------------------------------------------------------- reading instances


def guess_format(path: str | Path) -> InstanceFormat:
    """The format of an instance file, from its extension or its first lines.

    ``.json`` is our JSON problem format; a first line of three numbers is Li
    & Lim (``K Q S``); ``KEY: value`` header lines are Sartori; a name line
    followed by ``VEHICLE`` is Solomon.

    Raises :class:`~dispatch.errors.InvalidInputError` when none fits.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "tiny.txt"
    >>> _ = path.write_text("C101\\n\\nVEHICLE\\nNUMBER CAPACITY\\n25 200\\n")
    >>> guess_format(path)
    'solomon'
    >>> _ = path.write_text("25 200 1\\n0 40 50 0 0 1236 0 0 0\\n")
    >>> guess_format(path)
    'lilim'
    """
    path = Path(path)
    if path.suffix.lower() == ".json":
        return "json"
    with path.open(encoding="utf-8", errors="replace") as handle:
        head = [line.strip() for line in handle.read(4096).splitlines() if line.strip()]
    if head:
        first = head[0].split()
        if len(first) == 3 and all(_is_number(f) for f in first):
            return "lilim"
        if ":" in head[0] and head[0].partition(":")[0].strip().isupper():
            return "sartori"
        if len(head) > 1 and head[1].upper() == "VEHICLE":
            return "solomon"
        if head[0].startswith("{"):
            return "json"
    raise InvalidInputError(
        str(path), f"cannot tell the format from the contents; pass --format {'|'.join(FORMATS)}"
    )


def _is_number(token: str) -> bool:
    try:
        float(token)
    except ValueError:
        return False
    return True


# --------------------------------------------------------------------------- solving one file


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


# How each format's objective reads in a summary line.
_OBJECTIVE: Mapping[str, Callable[[float], str]] = {
    "lilim": lambda d: f"distance {d:.2f}",
    "solomon": lambda d: f"distance {d:.2f}",
    "sartori": lambda d: f"travel time {d:.0f} min",
    "json": lambda d: f"distance {d / 1000:.2f} km",
}


@attrs.frozen(kw_only=True, eq=False)
class SolveReport:
    """One instance file read, solved, checked and scored.

    Parameters
    ----------
    name
        The instance name (from the file, or the file's stem).
    format
        The format it was read as.
    problem, plan
        The problem and the plan the solver returned.
    violations
        What :func:`dispatch.validate` found (empty for a valid plan).
    routes
        Per non-empty route, the instance node ids in visiting order (depot
        excluded); for JSON problems, the ids of the tasks and own stops in
        visiting order (a paired task appears at its pickup and its drop-off).
    distance
        The literature objective of the routes (unrounded Euclidean distance
        for Li & Lim and Solomon, travel minutes for Sartori); for JSON
        problems the plan's ``distance_m``.
    unassigned_nodes
        Instance node ids of each unassigned task (empty for JSON problems).
    best
        The best-known solution when the instance's folder has a BKS table
        that lists it.
    """

    name: str
    format: InstanceFormat
    problem: Problem
    plan: Plan
    violations: tuple[Violation, ...]
    routes: tuple[tuple[int | str, ...], ...]
    distance: float
    unassigned_nodes: Mapping[str, tuple[int, ...]]
    best: BestKnown | None
    positions: Mapping[Hashable, tuple[float, float]] | None = None
    """Planar coordinates of the instance's nodes (Li & Lim, Solomon), for maps."""

    @property
    def vehicles(self) -> int:
        """Number of routes used."""
        return self.plan.couriers_used

    @property
    def valid(self) -> bool:
        """The plan breaks no rule of the problem."""
        return not self.violations

    @property
    def complete(self) -> bool:
        """Every task is served."""
        return not self.plan.unassigned

    @property
    def gap_pct(self) -> float | None:
        """Distance above the best-known distance, in percent.

        None without a BKS, and for a plan that leaves tasks out: the best-known
        solutions serve every task, so the distances would not compare. Rounded
        to 4 decimals: BKS tables are rounded, so a gap of -0.00001 % is 0.
        """
        if self.best is None or self.best.distance <= 0 or not self.complete:
            return None
        gap = (self.distance - self.best.distance) / self.best.distance * 100.0
        return round(gap, 4) + 0.0  # + 0.0 turns -0.0 into 0.0

    def to_json(self) -> dict[str, Any]:
        """The solution document that ``dispatch solve --output`` writes."""
        return {
            "instance": self.name,
            "format": self.format,
            "routes": [list(r) for r in self.routes],
            "vehicles": self.vehicles,
            "distance": self.distance,
            "unassigned": [
                {
                    "task_id": u.task_id,
                    "nodes": list(self.unassigned_nodes.get(u.task_id, ())),
                    "reason": u.reason.value,
                    "detail": u.detail,
                }
                for u in self.plan.unassigned
            ],
            "runtime_s": self.plan.runtime_s,
            "valid": self.valid,
            "best_known": None
            if self.best is None
            else {"vehicles": self.best.vehicles, "distance": self.best.distance},
            "plan": plan_to_dict(self.plan),
        }

    def summary(self) -> str:
        """One line: vehicles, distance, the best-known comparison, unassigned, runtime."""
        objective = _OBJECTIVE[self.format]
        parts = [f"{self.name}: {_count(self.vehicles, 'vehicle')}, {objective(self.distance)}"]
        if self.best is not None:
            gap = self.gap_pct
            shown = "n/a: tasks left out" if gap is None else f"{gap:+.2f}%"
            parts.append(
                f"best known {_count(self.best.vehicles, 'vehicle')}, "
                f"{objective(self.best.distance)} (gap {shown})"
            )
        left = len(self.plan.unassigned)
        total = len(self.problem.tasks)
        parts.append(f"{left} of {total} tasks unassigned" if left else f"all {total} tasks served")
        parts.append(f"{self.plan.runtime_s:.1f} s")
        parts.append("plan valid" if self.valid else f"plan breaks {len(self.violations)} rule(s)")
        return "; ".join(parts)


def _best_known_for(path: Path, name: str) -> BestKnown | None:
    """The BKS of ``name`` from a ``bks.csv``/``bks.dat`` beside the file, if there is one."""
    if not any((path.parent / f).is_file() for f in _BKS_FILES):
        return None
    return best_known(path.parent, name)


def solve_instance(
    path: str | Path,
    fmt: InstanceFormat | None,
    options: SolveOptions,
    *,
    progress: Callable[[SearchProgress], None] | None = None,
) -> SolveReport:
    """Read ``path``, solve it with ``options``, check the plan and score it.

    Parameters
    ----------
    path
        An instance file.
    fmt
        ``"lilim"``, ``"solomon"``, ``"sartori"`` or ``"json"``; None guesses
        it (:func:`guess_format`).
    options
        Solver options.
    progress
        Passed on to :func:`dispatch.solve` (a progress bar, say).

    Raises
    ------
    FormatError, InvalidInputError
        The file is malformed (the message names file, line or key).
    OSError
        The file cannot be read.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "tiny.txt"
    >>> _ = path.write_text('''2 10 0
    ... 0 0 0 0 0 100 0 0 0
    ... 1 3 4 5 0 50 1 0 2
    ... 2 0 4 -5 0 60 1 1 0
    ... ''')
    >>> report = solve_instance(path, None, SolveOptions(time_limit_s=None, solution_limit=5))
    >>> report.format, report.routes, report.distance, report.valid
    ('lilim', ((1, 2),), 12.0, True)
    """
    path = Path(path)
    fmt = fmt or guess_format(path)
    if fmt == "json":
        problem = load_problem(path)
        plan = solve(problem, options, progress=progress)
        return SolveReport(
            name=path.stem,
            format=fmt,
            problem=problem,
            plan=plan,
            violations=tuple(validate(problem, plan)),
            routes=tuple(
                tuple(s.ref for s in r.stops if s.role not in (StopRole.START, StopRole.END))
                for r in plan.routes
            ),
            distance=float(plan.distance_m),
            unassigned_nodes={},
            best=None,
        )
    instance = _READERS[fmt](path)
    plan = solve(instance.problem, options, progress=progress)
    routes = tuple(tuple(instance.route_nodes(r)) for r in plan.routes)
    return SolveReport(
        name=instance.name,
        format=fmt,
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
        best=_best_known_for(path, instance.name),
        positions=None if fmt == "sartori" else dict(enumerate(instance.coordinates)),
    )


# --------------------------------------------------------------------------- route tables


def _clock(t_s: int) -> str:
    """Seconds from midnight as ``HH:MM`` (rounded down)."""
    return f"{t_s // 3600:02d}:{t_s % 3600 // 60:02d}"


def _minutes(t_s: int) -> str:
    return f"{round(t_s / 60)} min"


_PROFILE = {
    TravelProfile.WALK: "on foot",
    TravelProfile.BIKE: "bike",
    TravelProfile.EBIKE: "e-bike",
    TravelProfile.CAR: "car",
}
_WHAT = {
    StopRole.START: "start",
    StopRole.END: "end",
    StopRole.PICKUP: "pickup",
    StopRole.DROPOFF: "drop-off",
    StopRole.VISIT: "visit",
    StopRole.OWN: "own stop",
}


def _model_stop(problem: Problem, courier: Courier, stop: PlannedStop) -> Stop | None:
    """The problem's stop that a planned stop serves (None for the route's start and end)."""
    if stop.role is StopRole.OWN:
        for own in courier.own_stops:
            if own.id == stop.ref:
                return own.stop
        raise UnknownReferenceError(f"own stop of {courier.id}", stop.ref)
    if stop.role in (StopRole.START, StopRole.END):
        return None
    task: Task = problem.task(stop.ref)
    if isinstance(task, Visit):
        return task.stop
    return task.pickup if stop.role is StopRole.PICKUP else task.dropoff


def _locations(problem: Problem, courier: Courier, route: Route) -> list[Location]:
    """Where each stop of a (valid) route is; an open end is where the last stop is."""
    out: list[Location] = []
    for stop in route.stops:
        served = _model_stop(problem, courier, stop)
        if served is not None:
            out.append(served.location)
        elif stop.role is StopRole.START or not out:
            out.append(courier.start)
        else:
            out.append(courier.end or out[-1])
    return out


def _busy_and_baseline_s(problem: Problem, route: Route) -> tuple[int, int]:
    """Busy seconds of a route (travel + service) and of its courier's own stops alone.

    The detour is ``busy - baseline``, which the courier's ``detour_budget_s``
    bounds; the rule is :func:`dispatch.validate`'s.
    """
    courier = problem.courier(route.courier_id)
    own_path = [courier.start, *(o.stop.location for o in courier.own_stops)]
    if courier.end is not None:
        own_path.append(courier.end)
    places = _locations(problem, courier, route)
    slot = {loc: k for k, loc in enumerate(dict.fromkeys([*own_path, *places]))}
    durations = problem.travel.matrix(list(slot), courier.profile).durations_s

    def travel_s(path: Sequence[Location]) -> int:
        return sum(int(durations[slot[a], slot[b]]) for a, b in itertools.pairwise(path))

    served = (_model_stop(problem, courier, s) for s in route.stops)
    busy_s = travel_s(places) + sum(s.service_s for s in served if s is not None)
    baseline_s = travel_s(own_path) + sum(o.stop.service_s for o in courier.own_stops)
    return busy_s, baseline_s


def _width(text: str) -> int:
    """Columns ``text`` takes in a terminal (CJK characters take two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _table(rows: Sequence[Sequence[str]], right: frozenset[int], out: TextIO) -> None:
    """Print rows as aligned columns (those in ``right`` right-aligned), indented by two."""
    widths = [max(_width(r[c]) for r in rows) for c in range(len(rows[0]))]
    for row in rows:
        cells = []
        for c, cell in enumerate(row):
            pad = " " * (widths[c] - _width(cell))
            cells.append(pad + cell if c in right else cell + pad)
        print("  " + "  ".join(cells).rstrip(), file=out)


def _load(load: tuple[int, ...]) -> str:
    return "/".join(str(x) for x in load)


def _windows(stop: Stop | None) -> str:
    if stop is None or not stop.windows:
        return ""
    return ", ".join(f"{_clock(w.earliest_s)}-{_clock(w.latest_s)}" for w in stop.windows)


def _print_route(
    problem: Problem,
    route: Route,
    *,
    place: Callable[[Location], str],
    role: str,
    out: TextIO,
) -> None:
    """Print one route as a table: times, what happens, which task, where, the load."""
    courier = problem.courier(route.courier_id)
    budget = (
        "no detour budget"
        if courier.detour_budget_s is None
        else f"detour budget {_minutes(courier.detour_budget_s)}"
    )
    heading = f"Route of {courier.id}" + (f": {role}" if role else "")
    print(heading, file=out)
    print(
        f"  {_PROFILE[courier.profile]}, capacity {_load(courier.capacity)}, shift "
        f"{_clock(courier.shift.earliest_s)}-{_clock(courier.shift.latest_s)}, {budget}",
        file=out,
    )
    rows = [["arrive", "start", "depart", "what", "task / stop", "kind", "window", "place", "load"]]
    places = _locations(problem, courier, route)
    for stop, where in zip(route.stops, places, strict=True):
        served = _model_stop(problem, courier, stop)
        if stop.role in (StopRole.START, StopRole.END):
            ref, kind = "", ""
        elif stop.role is StopRole.OWN:
            ref, kind = stop.ref, "own work"
        else:
            ref, kind = stop.ref, problem.task(stop.ref).kind
        rows.append(
            [
                _clock(stop.arrival_s),
                _clock(stop.start_s),
                _clock(stop.departure_s),
                _WHAT[stop.role],
                ref,
                kind,
                _windows(served),
                place(where),
                _load(stop.load_after),
            ]
        )
    _table(rows, frozenset({8}), out)
    print(file=out)


def _print_plan(
    problem: Problem,
    plan: Plan,
    *,
    place: Callable[[Location], str],
    roles: Mapping[str, str],
    out: TextIO,
) -> None:
    """Print every route, the unassigned tasks with reasons, and the totals."""
    for route in plan.routes:
        _print_route(problem, route, place=place, role=roles.get(route.courier_id, ""), out=out)
    if plan.unassigned:
        print("Not served (未分配)", file=out)
        rows = [["task", "kind", "reason", "why"]]
        rows += [
            [u.task_id, problem.task(u.task_id).kind, u.reason.value, u.detail]
            for u in plan.unassigned
        ]
        _table(rows, frozenset(), out)
    else:
        print("Not served (未分配): none, every task has a courier.", file=out)
    print(file=out)
    print("Totals (合计)", file=out)
    served = {t for r in plan.routes for t in r.task_ids}
    kinds: dict[str, list[int]] = {}
    for task in problem.tasks:
        count = kinds.setdefault(task.kind, [0, 0])
        count[0] += task.id in served
        count[1] += 1
    by_kind = ", ".join(f"{kind} {done}/{total}" for kind, (done, total) in kinds.items())
    print(f"  tasks served: {len(served)} of {len(problem.tasks)} ({by_kind})", file=out)
    print(f"  distance: {plan.distance_m / 1000:.1f} km", file=out)
    rows = [["courier", "tasks", "distance", "busy", "detour", "budget"]]
    for route in plan.routes:
        courier = problem.courier(route.courier_id)
        busy_s, baseline_s = _busy_and_baseline_s(problem, route)
        budget = courier.detour_budget_s
        rows.append(
            [
                courier.id,
                str(len(route.task_ids)),
                f"{route.distance_m / 1000:.1f} km",
                _minutes(busy_s),
                _minutes(busy_s - baseline_s),
                "none" if budget is None else _minutes(budget),
            ]
        )
    _table(rows, frozenset({1, 2, 3, 4, 5}), out)


# --------------------------------------------------------------------------- the commands


class _Parser(argparse.ArgumentParser):
    """argparse with usage errors as one line on stderr and exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _add_search_options(parser: argparse.ArgumentParser, time_limit_s: float) -> None:
    parser.add_argument(
        "--time-limit",
        type=positive_seconds,
        default=time_limit_s,
        metavar="S",
        help=f"search time in seconds (default {time_limit_s:g})",
    )
    parser.add_argument(
        "--seed", type=int_at_least(0), default=0, metavar="N", help="search seed (default 0)"
    )
    parser.add_argument(
        "--solution-limit",
        type=int_at_least(1),
        default=None,
        metavar="N",
        help="also stop after N improving solutions (OR-Tools) or N ruin-and-recreate steps "
        "(the compiled search); deterministic together with --seed",
    )
    _add_workers_option(parser)


def _add_workers_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--workers",
        type=int_at_least(1),
        default=1,
        metavar="N",
        help="searches run at once, one per core, best plan kept (default 1)",
    )


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="dispatch",
        description="Route community errands, elder meals and check-ins with couriers "
        "already on the road.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    demo = commands.add_parser(
        "demo",
        help="solve the built-in demo district and print the routes, then simulate a morning",
        description="Solve the seeded demo district (a street grid with five couriers, "
        "elder meals, errands and check-ins) and print each courier's route; then run a "
        "simulated district morning through the online dispatcher (orders, offers, accepts "
        "and declines, incidental errands, the lunch round, check-ins, points).",
    )
    demo.add_argument(
        "--morning",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="then simulate a district morning through the online dispatcher (default: yes)",
    )
    demo.add_argument(
        "--seed",
        type=int_at_least(0),
        default=0,
        metavar="N",
        help="which demo district to build (default 0); also seeds the search",
    )
    demo.add_argument(
        "--time-limit",
        type=positive_seconds,
        default=5.0,
        metavar="S",
        help="search time in seconds (default 5)",
    )
    demo.add_argument(
        "--solution-limit",
        type=int_at_least(1),
        default=None,
        metavar="N",
        help="also stop after N improving solutions (OR-Tools) or N ruin-and-recreate steps "
        "(the compiled search)",
    )
    _add_workers_option(demo)
    solve_cmd = commands.add_parser(
        "solve",
        help="solve a benchmark instance, a JSON problem or a VROOM document; write the routes",
        description="Solve a Li & Lim, Solomon or Sartori instance, a problem in the "
        "dispatch JSON format, or a VROOM input document; check the plan and write the "
        "routes as JSON (for VROOM input, a VROOM solution document).",
    )
    solve_cmd.add_argument("instance", type=Path, metavar="INSTANCE", help="the instance file")
    solve_cmd.add_argument(
        "--format",
        choices=(*FORMATS, "vroom"),
        default=None,
        help="the file's format (default: guessed from the extension and contents; a .json "
        "file with vehicles and no format header is VROOM)",
    )
    _add_search_options(solve_cmd, 10.0)
    solve_cmd.add_argument(
        "--output", type=Path, default=None, metavar="SOLUTION.json", help="write the routes here"
    )
    solve_cmd.add_argument(
        "--map",
        type=Path,
        default=None,
        metavar="FILE.png|FILE.html",
        help="also draw the routes: .png needs the plot extra (matplotlib), .html the map "
        "extra (folium)",
    )
    solve_cmd.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="draw a progress bar on standard error (default: when it is a terminal)",
    )
    solve_cmd.add_argument(
        "--output-format",
        choices=("dispatch", "vroom"),
        default=None,
        help="what --output holds: dispatch's solution document (for VROOM input: the plan "
        "in dispatch's plan format) or a VROOM solution (VROOM input only); default: VROOM "
        "for VROOM input, dispatch otherwise",
    )
    meals_cli.add_parser(commands)
    points_cli.add_parser(commands)
    simulate_cli.add_parser(commands)
    return parser


def _print_violations(violations: Sequence[Violation], err: TextIO) -> None:
    print(f"dispatch: the plan breaks {len(violations)} rule(s):", file=err)
    for violation in violations:
        print(f"  {violation}", file=err)


def _run_demo(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from dispatch.demo import demo_district  # builds a graph; only when asked

    district = demo_district(args.seed)
    problem = district.problem
    options = SolveOptions(
        time_limit_s=args.time_limit,
        solution_limit=args.solution_limit,
        seed=args.seed,
        workers=args.workers,
    )
    print(
        f"Demo district (seed {args.seed}): {district.graph.number_of_nodes()} street "
        f"corners, {len(problem.couriers)} couriers, {len(problem.tasks)} community tasks. "
        f"Solving for up to {args.time_limit:g} s ...",
        file=out,
    )
    plan = solve(problem, options)
    violations = validate(problem, plan)
    if violations:
        _print_violations(violations, err)
        return EXIT_FAILED
    print(
        f"Plan found in {plan.runtime_s:.1f} s ({plan.status.value}) and checked: no rule broken.",
        file=out,
    )
    print(file=out)
    _print_plan(problem, plan, place=district.place, roles=district.courier_roles, out=out)
    if args.morning:
        from dispatch.simulate import demo_morning  # the simulator, only when asked

        print(file=out)
        print(demo_morning(args.seed), file=out)
    return EXIT_OK


def _run_solve(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    path: Path = args.instance
    if not path.is_file():
        raise InvalidInputError(str(path), "no such file" if not path.exists() else "not a file")
    if args.output is not None and not args.output.parent.is_dir():
        raise InvalidInputError(str(args.output), "its folder does not exist")
    if args.map is not None:
        check_map_path(args.map)  # before a long solve, not after it
    show = err.isatty() if args.progress is None else args.progress
    progress = ProgressBar(err) if show else None
    options = SolveOptions(
        time_limit_s=args.time_limit,
        solution_limit=args.solution_limit,
        seed=args.seed,
        workers=args.workers,
    )
    fmt = args.format or guess_format(path)
    if args.format is None and fmt == "json" and sniff_vroom(path):
        fmt = "vroom"
    if fmt == "vroom":
        return _run_solve_vroom(args, options, out, err, progress)
    if args.output_format == "vroom":
        raise InvalidInputError(
            "--output-format", "vroom needs a VROOM input document (its ids name the steps)"
        )
    report = solve_instance(path, fmt, options, progress=progress)
    if report.violations:
        _print_violations(report.violations, err)
        return EXIT_FAILED
    line = report.summary()
    if args.output is not None:
        args.output.write_text(
            json.dumps(report.to_json(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        line += f"; wrote {args.output}"
    if args.map is not None:
        planar = report.positions is not None
        title = f"{report.name}: {report.vehicles} routes, distance {report.distance:.1f}"
        written = write_map(
            report.problem,
            report.plan,
            args.map,
            positions=report.positions,
            title=title if planar else None,
        )
        line += f"; map {written}"
    print(line, file=out)
    return EXIT_OK


def _run_solve_vroom(
    args: argparse.Namespace,
    options: SolveOptions,
    out: TextIO,
    err: TextIO,
    progress: Callable[[SearchProgress], None] | None,
) -> int:
    """``dispatch solve`` for a VROOM input document: answer with a VROOM solution."""
    path: Path = args.instance
    problem, mapping = read_vroom(path)
    plan = solve(problem, options, warm_start=mapping.warm_start, progress=progress)
    violations = validate(problem, plan)
    if violations:
        _print_violations(violations, err)
        return EXIT_FAILED
    solution = write_vroom_solution(problem, plan, mapping)
    left, total = len(plan.unassigned), len(problem.tasks)
    line = "; ".join(
        [
            f"{path.stem}: {_count(plan.couriers_used, 'vehicle')}, "
            f"cost {solution['summary']['cost']}",
            f"{left} of {total} tasks unassigned" if left else f"all {total} tasks served",
            f"{plan.runtime_s:.1f} s",
            "plan valid",
        ]
    )
    if args.output is not None:
        document = plan_to_dict(plan) if args.output_format == "dispatch" else solution
        args.output.write_text(
            json.dumps(document, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        line += f"; wrote {args.output}"
    print(line, file=out)
    return EXIT_OK


def _one_line(text: str) -> str:
    return " ".join(text.split())


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``dispatch`` command with ``argv`` (default: the process arguments).

    Returns the exit code (see the module docstring); never raises for bad input.

    Examples
    --------
    >>> main(["solve", "no-such-file.txt"])
    2
    """
    out, err = sys.stdout, sys.stderr
    try:
        args = _parser().parse_args(argv)
    except SystemExit as stop:  # --help, or a usage error already printed
        return stop.code if isinstance(stop.code, int) else EXIT_USAGE
    run = {
        "demo": _run_demo,
        "solve": _run_solve,
        "meals": meals_cli.run,
        **dict.fromkeys(points_cli.COMMANDS, points_cli.run),
        "simulate": simulate_cli.run,
    }[args.command]
    try:
        return run(args, out, err)
    except SolverError as error:
        print(f"dispatch: solver failed: {_one_line(str(error))}", file=err)
        return EXIT_FAILED
    except DispatchError as error:
        print(f"dispatch: error: {_one_line(str(error))}", file=err)
        return EXIT_USAGE
    except BrokenPipeError:  # the reader went away (`dispatch demo | head`)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_FAILED
    except OSError as error:
        where = "" if error.filename is None else f"{error.filename}: "
        print(f"dispatch: error: {where}{error.strerror or error}", file=err)
        return EXIT_USAGE
