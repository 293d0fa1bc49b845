"""``dispatch simulate``: run a simulated day and print its figures.

The command's logic lives here; :mod:`dispatch.cli` only registers it
(:func:`add_parser`) and runs it (:func:`run`).

``--scenario district`` generates a :func:`~dispatch.simulate.district_scenario`
(``--instance``: a preset size or a scale) and plays it through the online
dispatcher; ``--scenario mdrp`` runs a Grubhub meal-delivery instance
(``--instance``: its folder) with :func:`dispatch.mdrp.run_mdrp`.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol, TextIO

from dispatch._argtypes import int_at_least, number_in
from dispatch._optional import optional_import
from dispatch.errors import InvalidInputError
from dispatch.simulate._engine import simulate
from dispatch.simulate._options import SimulationOptions
from dispatch.simulate._plot import plot_intervals, plot_mdrp
from dispatch.simulate._scenario import district_scenario

__all__ = ["PRESETS", "DayBar", "DayProgress", "add_parser", "run", "scale_for"]

EXIT_OK, EXIT_FAILED = 0, 1

PRESETS: Mapping[str, float] = {"tiny": 0.02, "small": 0.1, "medium": 0.3, "full": 1.0}
"""``--instance`` names of district sizes: their scale against the real programme."""


class DayProgress(Protocol):
    """What a progress report of a simulated day carries (district and MDRP alike)."""

    @property
    def now_s(self) -> int: ...

    @property
    def end_s(self) -> int: ...

    @property
    def orders(self) -> int: ...

    @property
    def delivered(self) -> int: ...

    @property
    def fraction(self) -> float: ...


def _clock(t_s: int) -> str:
    return f"{t_s // 3600:02d}:{t_s % 3600 // 60:02d}"


class DayBar:
    """A one-line progress bar of a simulated day on a text stream (``\\r`` rewrites).

    Draws at most ten times a second; :meth:`close` ends the line.

    Examples
    --------
    >>> import io
    >>> from dispatch.simulate import SimulationProgress
    >>> stream = io.StringIO()
    >>> bar = DayBar(stream, width=10)
    >>> bar(SimulationProgress(now_s=36000, start_s=25200, end_s=46800, orders=12, delivered=5))
    >>> bar.close()
    >>> stream.getvalue()
    '\\rsimulating [#####.....] 10:00 of 13:00, 12 orders, 5 delivered \\n'
    """

    def __init__(self, stream: TextIO, *, width: int = 30) -> None:
        self._stream = stream
        self._width = width
        self._drawn = 0
        self._last = -1.0

    def __call__(self, progress: DayProgress) -> None:
        now = time.monotonic()
        if now - self._last < 0.1 and progress.fraction < 1.0:
            return
        self._last = now
        filled = round(progress.fraction * self._width)
        bar = "#" * filled + "." * (self._width - filled)
        line = (
            f"simulating [{bar}] {_clock(progress.now_s)} of {_clock(progress.end_s)}, "
            f"{progress.orders} orders, {progress.delivered} delivered"
        )
        padding = " " * max(1, self._drawn - len(line))
        self._drawn = len(line)
        self._stream.write("\r" + line + padding)
        self._stream.flush()

    def close(self) -> None:
        """End the bar's line (if anything was drawn)."""
        if self._drawn:
            self._stream.write("\n")
            self._stream.flush()
            self._drawn = 0


def scale_for(name: str, presets: Mapping[str, float]) -> float:
    """A preset's scale, or the number ``name`` spells (for ``--instance``).

    >>> scale_for("small", {"small": 0.1}), scale_for("0.25", {})
    (0.1, 0.25)
    >>> scale_for("huge", {"small": 0.1})
    Traceback (most recent call last):
    ...
    dispatch.errors.InvalidInputError: --instance: 'huge' is neither a preset (small) nor a scale
    """
    if name in presets:
        return presets[name]
    try:
        value = float(name)
    except ValueError:
        choices = ", ".join(presets)
        raise InvalidInputError(
            "--instance", f"{name!r} is neither a preset ({choices}) nor a scale"
        ) from None
    if not (math.isfinite(value) and 0 < value <= 2):
        raise InvalidInputError("--instance", f"a scale must be in (0, 2], got {name}")
    return value


def add_parser(commands: argparse._SubParsersAction[Any]) -> None:
    """Register ``simulate`` with the ``dispatch`` command's sub-commands."""
    sim = commands.add_parser(
        "simulate",
        help="simulate a day of a district (or a Grubhub MDRP instance) and print its KPIs",
        description="Play a simulated day through the online dispatcher: residents ordering, "
        "couriers on their own rounds accepting and declining, meal rounds, hazards, points; "
        "print the day's KPIs, optionally as JSON and PNG charts.",
    )
    sim.add_argument(
        "--scenario", choices=("district", "mdrp"), default="district", help="what to simulate"
    )
    sim.add_argument(
        "--instance",
        default=None,
        metavar="NAME|SCALE|DIR",
        help="district: a size ("
        + ", ".join(f"{k} = {v:g}" for k, v in PRESETS.items())
        + ") or a scale in (0, 2], default small; mdrp: the instance's folder",
    )
    sim.add_argument(
        "--hours",
        type=number_in(0, 24, "hours (a number)"),
        default=None,
        metavar="H",
        help="simulate this many hours (district: from 07:00; default the whole day to 21:00)",
    )
    sim.add_argument(
        "--seed", type=int_at_least(0), default=0, metavar="N", help="seed (default 0)"
    )
    sim.add_argument(
        "--policy",
        default="dispatch",
        metavar="NAME",
        help="mdrp: our rolling-horizon policy (dispatch, the default) or the greedy baseline "
        "(greedy)",
    )
    sim.add_argument(
        "--json", type=Path, default=None, metavar="FILE", help="write the KPIs as JSON"
    )
    sim.add_argument(
        "--png", type=Path, default=None, metavar="FILE.png", help="draw the KPIs over the day"
    )
    sim.add_argument(
        "--no-meals", action="store_true", help="district: leave out the elder-meal round"
    )
    sim.add_argument(
        "--audit",
        action="store_true",
        help="district: check the dispatcher's invariants and every offer's route (slow)",
    )
    sim.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="draw a progress bar on standard error (default: when it is a terminal)",
    )


def _check_outputs(args: argparse.Namespace) -> None:
    """Fail before a long run, not after it."""
    for path in (args.json, args.png):
        if path is not None and not path.parent.is_dir():
            raise InvalidInputError(str(path), "its folder does not exist")
    if args.png is not None and args.png.suffix.lower() != ".png":
        raise InvalidInputError(str(args.png), "the charts are written as PNG: name it FILE.png")


def _require_matplotlib() -> None:
    """Fail before a run, not after it, when the charts cannot be drawn."""
    try:
        optional_import("matplotlib", extra="plot", purpose="drawing the day's charts")
    except ImportError as error:
        raise InvalidInputError("--png", str(error)) from None


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Run ``dispatch simulate`` with parsed ``args``; returns the exit code."""
    _check_outputs(args)
    show = err.isatty() if args.progress is None else args.progress
    bar = DayBar(err) if show else None
    if args.scenario == "mdrp":
        return _run_mdrp(args, out, err, bar)
    if args.png is not None:
        _require_matplotlib()
    scale = scale_for(args.instance or "small", PRESETS)
    scenario = district_scenario(seed=args.seed, scale=scale)
    options = SimulationOptions(audit=args.audit)
    if args.no_meals:
        options = SimulationOptions(audit=args.audit, meals=None)
    print(f"District {scenario.name}: {scenario.describe()}.", file=out)
    try:
        result = simulate(scenario, options, hours=args.hours, progress=bar)
    finally:
        if bar is not None:
            bar.close()
    print(
        f"Simulated {_clock(result.start_s)}-{_clock(result.end_s)} in {result.wall_s:.1f} s "
        f"({result.meal_planning_s:.1f} s planning the meal round), "
        f"{result.commands} commands to the dispatcher.",
        file=out,
    )
    print(file=out)
    print(result.kpis.table(), file=out)
    states: dict[str, int] = {}
    for _, state in result.open_tasks:
        states[state] = states.get(state, 0) + 1
    if states:
        listed = ", ".join(f"{n} {s}" for s, n in sorted(states.items()))
        print(f"\nStill open at {_clock(result.end_s)}: {listed}.", file=out)
    written = []
    if args.json is not None:
        args.json.write_text(json.dumps(result.to_json(), indent=1) + "\n", encoding="utf-8")
        written.append(f"KPIs in {args.json}")
    if args.png is not None:
        title = f"{scenario.name}: {scenario.describe()}"
        written.append(f"charts in {plot_intervals(result.intervals, args.png, title=title)}")
    if written:
        print("\nWrote " + "; ".join(written) + ".", file=out)
    problems = [*result.errors, *result.violations]
    for line in problems:
        print(f"dispatch: {line}", file=err)
    return EXIT_FAILED if problems else EXIT_OK


def _run_mdrp(args: argparse.Namespace, out: TextIO, err: TextIO, bar: DayBar | None) -> int:
    """``--scenario mdrp``: a Grubhub instance through :func:`dispatch.mdrp.run_mdrp`."""
    try:
        from dispatch.mdrp import read_mdrp, run_mdrp
    except ImportError:
        raise InvalidInputError(
            "--scenario", "mdrp scenario not available (dispatch.mdrp cannot be imported)"
        ) from None
    if args.instance is None:
        raise InvalidInputError("--instance", "name the MDRP instance's folder")
    for flag, used in (("--no-meals", args.no_meals), ("--audit", args.audit)):
        if used:
            raise InvalidInputError(flag, "applies to the district scenario only")
    if args.png is not None:
        _require_matplotlib()
    instance = read_mdrp(Path(args.instance))
    try:
        result = run_mdrp(instance, args.policy, hours=args.hours, progress=bar)
    finally:
        if bar is not None:
            bar.close()
    print(result.summary(), file=out)
    written = []
    if args.json is not None:
        data = {
            "instance": result.instance,
            "policy": result.policy,
            "hours": result.hours,
            "feasible": result.feasible,
            "metrics": result.metrics.as_dict(),
            "intervals": [point.as_dict() for point in result.series],
            "issues": list(result.issues),
        }
        args.json.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
        written.append(f"KPIs in {args.json}")
    if args.png is not None:
        title = f"{result.instance} ({result.policy})"
        written.append(f"charts in {plot_mdrp(result.series, args.png, title=title)}")
    if written:
        print("\nWrote " + "; ".join(written) + ".", file=out)
    for issue in result.issues:
        print(f"dispatch: {issue}", file=err)
    return EXIT_OK if result.feasible else EXIT_FAILED
