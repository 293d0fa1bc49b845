"""Solve a literature benchmark set and compare every result with its best-known solution.

    python benchmarks/literature.py --set lilim --time-limit 10 --jobs 2
    python benchmarks/literature.py --set solomon --instances c101,r101,rc101
    python benchmarks/literature.py --set lilim --quick        # CI: 3 instances, 1 s each
    python benchmarks/literature.py --set lilim --variants current,ils-descent  # side by side

Instances are read from ``$DISPATCH_BENCHMARKS/<set>`` (default
``../shared/benchmarks`` next to the repository). Each instance is solved in its
own worker process (``--jobs`` at a time) with ``dispatch.cli.solve_instance``,
which also checks the plan with ``dispatch.validate`` and scores it with the
literature's objective. See ``benchmarks/README.md`` for the columns and the
JSON written to ``benchmarks/results/<set>-<time limit>s.json``. ``--variants``
solves every instance once per named solver configuration (``VARIANTS``),
interleaved, so that the configurations are compared in the same run.

Exit code: 0 when every plan passes the validator, 1 when some plan breaks a
rule or an instance failed to run, 2 for bad options or missing data.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import datetime
import multiprocessing
import os
import statistics
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))  # benchmarks/ is not a package
from common import git_info, machine_info, positive_int, write_json
from dispatch import SolveOptions, start_workers
from dispatch.cli import InstanceFormat, positive_seconds, solve_instance
from dispatch.errors import DispatchError

REPO_ROOT = Path(__file__).resolve().parents[1]

# set name (also the format name of its reader) -> glob of its instance files
SETS: dict[InstanceFormat, str] = {"lilim": "l*.txt", "solomon": "*.txt", "sartori": "*-n*-*.txt"}
#: Solver configurations that ``--variants`` can compare, as changes to the default
#: ``SolveOptions``: ``current`` is the default; ``ils-descent`` is an earlier
#: default search (iterated local search with a descent after every ruin and recreate);
#: ``route-elimination`` spends half of each search's budget on a second search with one
#: route fewer (``SolveOptions.route_elimination``); ``no-trim`` searches with the whole
#: fleet of identical couriers (``SolveOptions.trim_fleet`` off); ``sisr`` runs the
#: compiled string-removal search (``metaheuristic="sisr"``) in every search, ``ortools``
#: OR-Tools' search in every search (no ``worker_metaheuristic``), ``ortools-sisr``
#: OR-Tools' search here and SISR in the worker (the default before session 12).
VARIANTS: dict[str, dict[str, Any]] = {
    "current": {},
    "ils-descent": {"metaheuristic": "iterated_local_search"},
    "route-elimination": {"route_elimination": 0.5},
    "no-trim": {"trim_fleet": False},
    "sisr": {"metaheuristic": "sisr"},
    "ortools": {"metaheuristic": "ruin_and_recreate", "worker_metaheuristic": None},
    "ortools-sisr": {"metaheuristic": "ruin_and_recreate"},
}
QUICK_INSTANCES = 3
QUICK_TIME_LIMIT_S = 1.0
DEFAULT_TIME_LIMIT_S = 10.0

Row = dict[str, Any]


def benchmarks_dir() -> Path:
    """``$DISPATCH_BENCHMARKS``, by default ``../shared/benchmarks`` next to the repository."""
    default = REPO_ROOT.parent / "shared" / "benchmarks"
    return Path(os.environ.get("DISPATCH_BENCHMARKS", default))


def instance_files(folder: Path, pattern: str, names: Sequence[str] | None) -> list[Path]:
    """The set's instance files, all or those named (case-insensitive stems)."""
    files = sorted(folder.glob(pattern))
    if names is None:
        return files
    by_name = {f.stem.lower(): f for f in files}
    unknown = [n for n in names if n.lower() not in by_name]
    if unknown:
        raise ValueError(f"{folder} has no instance {', '.join(unknown)}")
    return [by_name[n.lower()] for n in names]


def spread(files: Sequence[Path], count: int) -> list[Path]:
    """``count`` files evenly spread over the sorted list (first and last included)."""
    if len(files) <= count:
        return list(files)
    step = (len(files) - 1) / (count - 1)
    return [files[round(k * step)] for k in range(count)]


def run_instance(
    path: str,
    set_name: InstanceFormat,
    time_limit_s: float,
    seed: int,
    workers: int = 1,
    variant: str = "current",
) -> Row:
    """Solve one instance in a worker process; a row of plain data (never raises)."""
    row: Row = {"instance": Path(path).stem, "file": path, "variant": variant}
    options = SolveOptions(
        time_limit_s=time_limit_s, seed=seed, workers=workers, **VARIANTS[variant]
    )
    try:
        report = solve_instance(path, set_name, options)
    except (DispatchError, OSError) as error:
        return {**row, "feasible": False, "error": " ".join(str(error).split())}
    best = report.best
    return {
        **row,
        "instance": report.name,
        "vehicles": report.vehicles,
        "bks_vehicles": None if best is None else best.vehicles,
        "distance": round(report.distance, 4),
        "bks_distance": None if best is None else best.distance,
        "gap_pct": report.gap_pct,
        "runtime_s": round(report.plan.runtime_s, 3),
        "violations": len(report.violations),
        "unassigned": len(report.plan.unassigned),
        "feasible": report.valid and report.complete,
        "error": None,
    }


_COLUMNS = (
    ("instance", "<12"),
    ("variant", "<12"),
    ("veh", ">4"),
    ("bks", ">4"),
    ("distance", ">10"),
    ("bks dist", ">10"),
    ("gap %", ">7"),
    ("time s", ">7"),
    ("feasible", "<8"),
)


def _show(value: Any, fmt: str = "") -> str:
    return "-" if value is None else format(value, fmt)


def format_row(row: Row | None) -> str:
    """One line of the results table (the header for None)."""
    if row is None:
        cells = [name for name, _ in _COLUMNS]
    else:
        feasible = "yes" if row["feasible"] else "no"
        if row.get("error"):
            feasible = f"error: {row['error']}"
        elif row["violations"]:
            feasible = f"no ({row['violations']} violations)"
        elif row["unassigned"]:
            feasible = f"no ({row['unassigned']} unassigned)"
        cells = [
            row["instance"],
            row.get("variant", "current"),
            _show(row.get("vehicles")),
            _show(row.get("bks_vehicles")),
            _show(row.get("distance"), ".2f"),
            _show(row.get("bks_distance"), ".2f"),
            _show(row.get("gap_pct"), "+.2f"),
            _show(row.get("runtime_s"), ".1f"),
            feasible,
        ]
    line = "  ".join(format(c, spec) for c, (_, spec) in zip(cells, _COLUMNS, strict=True))
    return line.rstrip()


def summarise(rows: Sequence[Row]) -> Row:
    """Mean gap, instances at the BKS vehicle count, max runtime, feasibility, errors."""
    gaps = [r["gap_pct"] for r in rows if r.get("gap_pct") is not None]
    with_bks = [r for r in rows if r.get("bks_vehicles") is not None]
    runtimes = [r["runtime_s"] for r in rows if r.get("runtime_s") is not None]
    return {
        "instances": len(rows),
        "mean_gap_pct": round(statistics.fmean(gaps), 4) if gaps else None,
        "matching_bks_vehicles": sum(1 for r in with_bks if r["vehicles"] == r["bks_vehicles"]),
        "with_bks": len(with_bks),
        "max_runtime_s": max(runtimes, default=None),
        "all_feasible": all(r["feasible"] for r in rows),
        "violations": sum(r.get("violations") or 0 for r in rows),
        "errors": sum(1 for r in rows if r.get("error")),
    }


def format_summary(summary: Row) -> str:
    """The summary as a few readable lines."""
    gap = summary["mean_gap_pct"]
    return "\n".join(
        [
            f"instances:                {summary['instances']}",
            f"mean gap to BKS distance: {'n/a' if gap is None else f'{gap:+.2f} %'}",
            f"matching BKS vehicles:    {summary['matching_bks_vehicles']} of "
            f"{summary['with_bks']}",
            f"max runtime:              {_show(summary['max_runtime_s'], '.1f')} s",
            f"all feasible:             {'yes' if summary['all_feasible'] else 'no'}"
            f" ({summary['violations']} violations, {summary['errors']} errors)",
        ]
    )


def variant_names(text: str) -> list[str]:
    """``--variants``: comma-separated names from ``VARIANTS``, each once."""
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in VARIANTS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown variant(s) {', '.join(unknown) or '(none)'}; choose from "
            f"{', '.join(VARIANTS)}"
        )
    if len(set(names)) != len(names):
        raise argparse.ArgumentTypeError(f"variants repeat: {text!r}")
    return names


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command-line options."""
    parser = argparse.ArgumentParser(
        prog="literature.py",
        description="Solve a literature benchmark set with dispatch and compare with the BKS.",
    )
    parser.add_argument("--set", required=True, choices=sorted(SETS), dest="set_name")
    parser.add_argument(
        "--time-limit",
        type=positive_seconds,
        default=None,
        metavar="S",
        help=f"seconds per instance (default {DEFAULT_TIME_LIMIT_S:g}; "
        f"{QUICK_TIME_LIMIT_S:g} with --quick)",
    )
    parser.add_argument(
        "--instances", default=None, metavar="A,B,C", help="only these instances (file stems)"
    )
    parser.add_argument(
        "--jobs", type=positive_int, default=2, metavar="N", help="parallel processes (default 2)"
    )
    parser.add_argument("--seed", type=int, default=0, metavar="N", help="solver seed (default 0)")
    parser.add_argument(
        "--workers",
        type=positive_int,
        default=1,
        metavar="N",
        help="searches per instance (SolveOptions.workers; default 1); "
        "use --jobs 1 --workers 2 to give each instance both cores",
    )
    parser.add_argument(
        "--variants",
        type=variant_names,
        default=["current"],
        metavar="A,B",
        help=f"solver configurations to compare in one run, interleaved per instance "
        f"(default current; known: {', '.join(VARIANTS)})",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"CI mode: {QUICK_INSTANCES} instances spread over the set, "
        f"{QUICK_TIME_LIMIT_S:g} s each",
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=None,
        metavar="FILE",
        help="results JSON (default benchmarks/results/<set>-<time limit>s.json)",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark set; print the table and summary; write the JSON. Returns the exit code."""
    args = parse_args(argv)
    folder = benchmarks_dir() / args.set_name
    if not folder.is_dir():
        print(
            f"literature.py: error: no benchmark data at {folder} (set DISPATCH_BENCHMARKS)",
            file=sys.stderr,
        )
        return 2
    names = args.instances.split(",") if args.instances else None
    try:
        files = instance_files(folder, SETS[args.set_name], names)
    except ValueError as error:
        print(f"literature.py: error: {error}", file=sys.stderr)
        return 2
    if args.quick and names is None:
        files = spread(files, QUICK_INSTANCES)
    if not files:
        print(f"literature.py: error: no instance files in {folder}", file=sys.stderr)
        return 2
    default_limit = QUICK_TIME_LIMIT_S if args.quick else DEFAULT_TIME_LIMIT_S
    time_limit_s: float = args.time_limit or default_limit
    output = args.output or REPO_ROOT / "benchmarks" / "results" / (
        f"{args.set_name}-{time_limit_s:g}s.json"
    )

    variants: list[str] = args.variants
    print(
        f"{args.set_name}: {len(files)} instance(s), {time_limit_s:g} s each, "
        f"{args.jobs} job(s) x {args.workers} worker(s), variant(s) {', '.join(variants)}, "
        f"from {folder}"
    )
    print(format_row(None))
    rows: dict[tuple[str, str], Row] = {}
    context = multiprocessing.get_context("spawn")  # fresh workers, no state forked from here
    # Each job process starts its solver workers once, before its first instance, as a
    # service would at start-up (dispatch.start_workers); no instance pays for it.
    with concurrent.futures.ProcessPoolExecutor(
        max_workers=args.jobs,
        mp_context=context,
        initializer=start_workers,
        initargs=(args.workers - 1,),
    ) as pool:
        futures = [
            pool.submit(
                run_instance,
                str(f),
                args.set_name,
                time_limit_s,
                args.seed,
                args.workers,
                variant,
            )
            for f in files
            for variant in variants  # interleaved: the variants share the machine's moods
        ]
        for future in concurrent.futures.as_completed(futures):
            row = future.result()
            rows[(row["file"], row["variant"])] = row
            print(format_row(row), flush=True)
    ordered = [rows[(str(f), variant)] for variant in variants for f in files]
    summaries = {
        variant: summarise([row for row in ordered if row["variant"] == variant])
        for variant in variants
    }
    for variant, summary in summaries.items():
        print()
        if len(variants) > 1:
            print(f"variant {variant}:")
        print(format_summary(summary))
    write_json(
        {
            "set": args.set_name,
            "time_limit_s": time_limit_s,
            "seed": args.seed,
            "jobs": args.jobs,
            "workers": args.workers,
            "variants": {variant: VARIANTS[variant] for variant in variants},
            "quick": args.quick,
            "data": str(folder),
            "created": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            "machine": machine_info(),
            "git": git_info(),
            "rows": ordered,
            "summary": summaries[variants[0]],
            "summaries": summaries,
        },
        output,
    )
    print(f"wrote {output}")
    clean = all(s["violations"] == 0 and s["errors"] == 0 for s in summaries.values())
    return 0 if clean else 1


if __name__ == "__main__":
    sys.exit(main())
