"""The benchmark runners: their CI modes run, validate every plan and write their JSON."""

from __future__ import annotations

import doctest
import importlib.util
import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SCRIPT = REPO_ROOT / "benchmarks" / "literature.py"


def benchmarks_dir() -> Path:
    """``$DISPATCH_BENCHMARKS``, by default ``../shared/benchmarks`` next to the repository."""
    return Path(os.environ.get("DISPATCH_BENCHMARKS", REPO_ROOT.parent / "shared" / "benchmarks"))


def load_script(path: Path = SCRIPT) -> ModuleType:
    """A runner as a module (``benchmarks/`` is not a package)."""
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def needs_data(set_name: str) -> None:
    """Skip the calling test, with the reason, when a benchmark set is not on this machine."""
    if not (benchmarks_dir() / set_name).is_dir():
        pytest.skip(f"benchmark data not found at {benchmarks_dir()} (set DISPATCH_BENCHMARKS)")


def run(
    *args: str, env: dict[str, str] | None = None, script: Path = SCRIPT, timeout: int = 180
) -> subprocess.CompletedProcess[str]:
    """Run a benchmark script (the literature runner by default) with this interpreter."""
    return subprocess.run(
        [sys.executable, str(script), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env=env,
    )


def quick_json(script: Path, tmp_path: Path, timeout: int = 300) -> dict[str, Any]:
    """Run ``script --quick``; it must succeed; the JSON it wrote."""
    output = tmp_path / f"{script.stem}.json"
    done = run("--quick", "--output", str(output), script=script, timeout=timeout)
    assert done.returncode == 0, done.stdout + done.stderr
    result: dict[str, Any] = json.loads(output.read_text(encoding="utf-8"))
    return result


def test_quick_run_validates_every_plan_and_writes_json(tmp_path: Path) -> None:
    """--quick solves 3 Li & Lim instances at 1 s, all valid, and writes rows and a summary."""
    needs_data("lilim")
    output = tmp_path / "quick.json"
    done = run("--set", "lilim", "--quick", "--output", str(output))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "mean gap to BKS distance" in done.stdout

    result = json.loads(output.read_text(encoding="utf-8"))
    assert result["set"] == "lilim" and result["time_limit_s"] == 1.0 and result["quick"]
    assert {"platform", "python", "ortools", "cpus"} <= set(result["machine"])
    assert set(result["git"]) == {"commit", "dirty"}
    rows = result["rows"]
    assert len(rows) == 3
    for row in rows:
        assert row["error"] is None
        assert row["violations"] == 0
        assert row["vehicles"] >= 1 and row["bks_vehicles"] >= 1
        assert row["distance"] >= row["bks_distance"] * 0.999
        assert row["gap_pct"] == pytest.approx(
            (row["distance"] - row["bks_distance"]) / row["bks_distance"] * 100, abs=1e-3
        )
        assert row["runtime_s"] < 5
    summary = result["summary"]
    assert summary["instances"] == 3 and summary["violations"] == 0 and summary["errors"] == 0
    assert summary["max_runtime_s"] == max(r["runtime_s"] for r in rows)
    assert summary["all_feasible"] == all(r["feasible"] for r in rows)


def test_missing_data_exits_2(tmp_path: Path) -> None:
    """Without benchmark data the runner says where it looked and exits 2."""
    env = {**os.environ, "DISPATCH_BENCHMARKS": str(tmp_path)}
    done = run("--set", "solomon", "--quick", "--output", str(tmp_path / "x.json"), env=env)
    assert done.returncode == 2
    assert str(tmp_path / "solomon") in done.stderr
    assert not (tmp_path / "x.json").exists()


def test_spread_picks_first_middle_and_last() -> None:
    """The CI selection spreads over the sorted set, ends included."""
    literature = load_script()
    files = [Path(f"i{k:02d}.txt") for k in range(11)]
    assert [f.stem for f in literature.spread(files, 3)] == ["i00", "i05", "i10"]
    assert literature.spread(files[:2], 3) == files[:2]


def test_summary_counts_gaps_vehicles_and_feasibility() -> None:
    """The summary averages gaps and counts BKS vehicle matches, violations and errors."""
    literature = load_script()
    rows = [
        {"vehicles": 10, "bks_vehicles": 10, "gap_pct": 1.0, "runtime_s": 2.0,
         "violations": 0, "feasible": True, "error": None},
        {"vehicles": 12, "bks_vehicles": 11, "gap_pct": 3.0, "runtime_s": 2.5,
         "violations": 0, "feasible": True, "error": None},
        {"instance": "x", "feasible": False, "error": "x.txt:3: bad"},
    ]  # fmt: skip
    summary = literature.summarise(rows)
    assert summary["mean_gap_pct"] == 2.0
    assert summary["matching_bks_vehicles"] == 1 and summary["with_bks"] == 2
    assert summary["max_runtime_s"] == 2.5
    assert summary["all_feasible"] is False and summary["errors"] == 1
    assert "error: x.txt:3: bad" in literature.format_row(rows[2])


def test_variants_are_known_solve_options_and_run_side_by_side(tmp_path: Path) -> None:
    """--variants names valid SolveOptions changes; two variants give rows and summaries each."""
    literature = load_script()
    from dispatch import SolveOptions

    for changes in literature.VARIANTS.values():
        SolveOptions(**changes)
    assert literature.variant_names("current, ils-descent") == ["current", "ils-descent"]
    for bad in ("current,nope", "current,current", ","):
        with pytest.raises(literature.argparse.ArgumentTypeError, match="variant"):
            literature.variant_names(bad)
    needs_data("lilim")
    output = tmp_path / "variants.json"
    done = run(
        "--set", "lilim", "--instances", "lc101", "--time-limit", "0.5", "--jobs", "1",
        "--variants", "current,ils-descent", "--output", str(output),
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(output.read_text(encoding="utf-8"))
    assert [r["variant"] for r in result["rows"]] == ["current", "ils-descent"]
    assert set(result["summaries"]) == {"current", "ils-descent"}
    assert result["summary"] == result["summaries"]["current"]
    assert all(s["violations"] == 0 for s in result["summaries"].values())


INCIDENTAL = REPO_ROOT / "benchmarks" / "incidental.py"


def test_incidental_quick_run_validates_and_writes_json(tmp_path: Path) -> None:
    """incidental.py --quick runs all three parts on small districts; every plan is valid."""
    result = quick_json(INCIDENTAL, tmp_path, timeout=600)
    assert result["quick"] and {"platform", "cpus"} <= set(result["machine"])
    for row in result["scale"]:
        assert row["violations"] == 0
        assert 0 <= row["served"] <= row["errands"]
        assert row["match_s"] >= row["prune_s"] + row["price_s"]
    quality = result["quality"]
    assert quality["summary"]["instances"] == len(quality["rows"]) == 3
    for row in quality["rows"]:
        assert row["violations"] == 0
        assert row["value"] <= row["exact_value"]  # nothing beats the optimum
        assert row["gap_pct"] >= 0
    strengths = [row["fairness_s"] for row in result["fairness"]]
    assert strengths[0] == 0 and len(strengths) >= 2
    assert all(row["violations"] == 0 for row in result["fairness"])


def test_incidental_reports_the_median_of_repeated_runs() -> None:
    """--repeat: the run with the median matching time (the lower middle of an even count),
    with every run's time in run order and the fastest."""
    median_run = load_script(INCIDENTAL)._median_run
    runs = [{"match_s": t, "served": k} for k, t in enumerate([2.6, 2.1, 2.3])]
    row = median_run(runs)
    assert (row["match_s"], row["served"], row["runs"]) == (2.3, 2, 3)
    assert row["match_s_runs"] == [2.6, 2.1, 2.3] and row["match_s_min"] == 2.1
    assert median_run(runs[:2])["match_s"] == 2.1
    assert median_run(runs[:1])["match_s_runs"] == [2.6]


PEERS = REPO_ROOT / "benchmarks" / "peers.py"
ALL_SOLVERS = {"dispatch", "ortools", "pyvrp", "vroom"}
TINY_LILIM = """2 10 0
0 0 0 0 0 100 0 0 0
1 3 4 5 0 50 1 0 2
2 0 4 -5 0 60 1 1 0
"""


def run_peers(
    *args: str, block: Sequence[str] = (), env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run peers.py with this interpreter, the modules in ``block`` made unimportable."""
    code = (
        "import runpy, sys\n"
        f"sys.modules.update(dict.fromkeys({list(block)!r}))\n"
        f"sys.argv[0] = {str(PEERS)!r}\n"
        f"runpy.run_path({str(PEERS)!r}, run_name='__main__')\n"
    )
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        env=env,
    )


def peers_quick_run(set_name: str, tmp_path: Path) -> dict[str, Any]:
    """Run ``peers.py --set <set_name> --quick``, check what every set shares; the JSON."""
    needs_data(set_name)
    output = tmp_path / "peers.json"
    done = run_peers("--set", set_name, "--quick", "--output", str(output))
    assert done.returncode == 0, done.stdout + done.stderr

    result: dict[str, Any] = json.loads(output.read_text(encoding="utf-8"))
    assert result["set"] == set_name and result["time_limit_s"] == 1.0 and result["quick"]
    assert set(result["solvers"]) | set(result["skipped"]) == ALL_SOLVERS
    assert "dispatch" in result["solvers"] and "dispatch" not in result["skipped"]
    for name in result["skipped"]:
        assert f"skipped: {name} " in done.stdout
    assert {"platform", "cpus"} <= set(result["machine"]) and "pyvroom" in result["versions"]
    rows = result["rows"]
    assert len(rows) == 2 * len(result["solvers"])
    for row in rows:
        assert row["error"] is None, row
        assert row["runtime_s"] < 5
        if row["solver"] == "dispatch":
            assert row["violations"] == 0 and row["solved"]
        if row["solved"]:
            assert row["distance"] >= row["bks_distance"] * 0.999
            assert row["gap_pct"] == pytest.approx(
                (row["distance"] - row["bks_distance"]) / row["bks_distance"] * 100, abs=1e-3
            )
    for instance in {row["instance"] for row in rows}:
        assert any(r["best"] for r in rows if r["instance"] == instance)
    summary = result["summary"]
    assert set(summary) == set(result["solvers"])
    assert summary["dispatch"]["solved"] == 2 and summary["dispatch"]["errors"] == 0
    return result


def test_peers_quick_run_validates_every_solution_and_writes_json(tmp_path: Path) -> None:
    """peers.py --quick runs every installed solver on 2 instances at 1 s; dispatch's plans hold."""
    result = peers_quick_run("lilim", tmp_path)
    assert {r["instance"].lower() for r in result["rows"]} == {"lc101", "lr101"}


def test_peers_quick_run_on_solomon_checks_every_peer_alike(tmp_path: Path) -> None:
    """peers.py --set solomon --quick: 2 instances at 1 s; no solver's solution breaks a rule."""
    result = peers_quick_run("solomon", tmp_path)
    rows = result["rows"]
    assert {r["instance"].lower() for r in rows} == {"c101", "r101"}
    for row in rows:  # the peers' delivery models are the problem dispatch validates
        assert row["violations"] == 0 or row["note"], row


def test_peers_skips_peers_that_are_not_installed(tmp_path: Path) -> None:
    """Without pyvrp and pyvroom the quick run says they are skipped and runs the rest."""
    needs_data("lilim")
    output = tmp_path / "peers.json"
    done = run_peers(
        "--set", "lilim", "--quick", "--solvers", "dispatch,pyvrp,vroom", "--workers", "1",
        "--output", str(output), block=["pyvrp", "vroom"],
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "skipped: pyvrp not installed" in done.stdout
    assert "skipped: vroom not installed" in done.stdout
    result = json.loads(output.read_text(encoding="utf-8"))
    assert result["solvers"] == ["dispatch"] and set(result["skipped"]) == {"pyvrp", "vroom"}
    assert [r["solver"] for r in result["rows"]] == ["dispatch", "dispatch"]


def test_peers_rejects_unknown_solvers_and_missing_data(tmp_path: Path) -> None:
    """An unknown --solvers name and a missing data folder both exit 2 with a message."""
    done = run_peers("--set", "lilim", "--solvers", "dispatch,gurobi")
    assert done.returncode == 2 and "gurobi" in done.stderr
    env = {**os.environ, "DISPATCH_BENCHMARKS": str(tmp_path)}
    done = run_peers("--set", "sartori", "--quick", "--output", str(tmp_path / "x.json"), env=env)
    assert done.returncode == 2 and str(tmp_path / "sartori") in done.stderr
    assert not (tmp_path / "x.json").exists()


def test_peer_routes_become_plans_the_validator_checks(tmp_path: Path) -> None:
    """A peer's node sequence becomes an earliest-start plan; a wrong order is flagged."""
    peers = load_script(PEERS)
    path = tmp_path / "tiny.txt"
    path.write_text(TINY_LILIM, encoding="utf-8")
    instance = peers.read_lilim(path)
    data = peers.PeerInput.from_instance(instance)
    assert data.pairs == ((1, 2),) and data.demand == (0, 5, -5)
    assert data.windows[1] == (0, 50_000) and data.service[2] == 1000
    cp = peers.compile_problem(instance.problem)

    plan = peers.plan_from_routes(instance, cp, [[1, 2]], solver="t", runtime_s=0.0)
    report = peers.report_of(instance, "lilim", plan, tmp_path)
    assert report.valid and report.complete and report.distance == 12.0
    stops = plan.routes[0].stops
    assert [s.start_s for s in stops] == [0, 5000, 9000, 14000]  # travel + service, no waits

    backwards = peers.plan_from_routes(instance, cp, [[2, 1]], solver="t", runtime_s=0.0)
    report = peers.report_of(instance, "lilim", backwards, tmp_path)
    kinds = {v.kind.value for v in report.violations}
    assert "precedence" in kinds and "capacity" in kinds

    empty = peers.plan_from_routes(instance, cp, [], solver="t", runtime_s=0.0)
    assert [u.task_id for u in empty.unassigned] == ["r1"] and not empty.routes


TINY_SOLOMON = """TINY
VEHICLE
NUMBER CAPACITY
3 10
CUSTOMER
CUST NO. XCOORD. YCOORD. DEMAND READY TIME DUE DATE SERVICE TIME
0 0 0 0 0 100 0
1 3 4 5 0 50 1
2 0 4 4 10 60 1
3 3 0 3 0 60 2
"""


def test_peers_take_solomon_customers_as_single_visits(tmp_path: Path) -> None:
    """A Solomon customer is a visit with its demand; an overfull route breaks capacity."""
    peers = load_script(PEERS)
    path = tmp_path / "tiny.txt"
    path.write_text(TINY_SOLOMON, encoding="utf-8")
    instance = peers.read_solomon(path)
    data = peers.PeerInput.from_instance(instance)
    assert data.pairs == () and data.visits == (1, 2, 3)
    assert data.demand == (0, 5, 4, 3) and data.capacity == 10 and data.vehicles == 3
    assert data.windows[2] == (10_000, 60_000) and data.service[3] == 2000
    assert data.fixed_cost == instance.problem.couriers[0].fixed_cost
    cp = peers.compile_problem(instance.problem)

    plan = peers.plan_from_routes(instance, cp, [[1, 2], [3]], solver="t", runtime_s=0.0)
    report = peers.report_of(instance, "solomon", plan, tmp_path)
    assert report.valid and report.complete and report.vehicles == 2
    assert report.distance == pytest.approx(5 + 3 + 4 + 3 + 3)
    assert [s.start_s for s in plan.routes[0].stops] == [0, 5000, 10_000, 15_000]  # waits at 2

    overfull = peers.plan_from_routes(instance, cp, [[1, 2, 3]], solver="t", runtime_s=0.0)
    report = peers.report_of(instance, "solomon", overfull, tmp_path)
    assert "capacity" in {v.kind.value for v in report.violations}

    partial = peers.plan_from_routes(instance, cp, [[3]], solver="t", runtime_s=0.0)
    report = peers.report_of(instance, "solomon", partial, tmp_path)
    assert report.unassigned_nodes == {"c1": (1,), "c2": (2,)}


def test_peers_each_installed_peer_solves_a_tiny_solomon_instance(tmp_path: Path) -> None:
    """Each installed peer serves every customer of a tiny VRPTW within the validator's rules."""
    peers = load_script(PEERS)
    path = tmp_path / "tiny.txt"
    path.write_text(TINY_SOLOMON, encoding="utf-8")
    instance = peers.read_solomon(path)
    data = peers.PeerInput.from_instance(instance)
    cp = peers.compile_problem(instance.problem)
    installed = [n for n in peers.PEERS if n not in peers.unavailable_peers(list(peers.PEERS))]
    if not installed:
        pytest.skip("no peer installed (pip install -e '.[bench]')")
    for name in installed:
        result = peers.PEERS[name].solve(data, peers.time.perf_counter() + 0.2, 0)
        plan = peers.plan_from_routes(instance, cp, result.routes, solver=name, runtime_s=0.0)
        report = peers.report_of(instance, "solomon", plan, tmp_path)
        assert report.valid and report.complete, (name, result, report.violations)
        assert report.vehicles == 2, name  # 12 units of demand, capacity 10


def test_peers_best_and_summary_count_vehicles_then_distance() -> None:
    """Best is fewest vehicles then least distance (ties share it); the summary counts wins."""
    peers = load_script(PEERS)

    def row(
        instance: str, solver: str, vehicles: int, distance: float, solved: bool = True
    ) -> dict[str, object]:
        return {"instance": instance, "solver": solver, "vehicles": vehicles,
                "distance": distance, "bks_vehicles": 10, "gap_pct": distance - 100.0,
                "runtime_s": 1.0, "time_limit_s": 2.0, "valid": solved, "solved": solved,
                "best": False, "error": None}  # fmt: skip

    a = [row("a", "x", 10, 101.0), row("a", "y", 11, 100.0), row("a", "z", 9, 90.0, False)]
    b = [row("b", "x", 10, 103.0), row("b", "y", 10, 103.0), row("b", "z", 10, 102.5)]
    peers.mark_best(a)
    peers.mark_best(b)
    assert [r["best"] for r in a] == [True, False, False]
    assert [r["best"] for r in b] == [False, False, True]
    summary = peers.summarise(a + b, ["x", "y", "z"])
    assert summary["x"]["best_or_tied"] == 1 and summary["x"]["sole_best"] == 1
    assert summary["z"]["solved"] == 1 and summary["z"]["invalid"] == 1
    assert summary["x"]["mean_gap_pct"] == 2.0 and summary["x"]["common_instances"] == 1
    assert summary["x"]["mean_gap_common_pct"] == 3.0
    assert summary["y"]["bks_vehicles_matched"] == 1
    assert summary["x"]["max_runtime_ratio"] == 0.5
    table = peers.format_time_to_quality({2.0: summary, 5.0: summary})
    assert "2 s" in table.splitlines()[0] and "5 s" in table.splitlines()[0]
    assert "+2.00 % 2/2 x0.5" in table
    against = summary["x"]["against"]["y"]  # a: x has fewer vehicles; b: same fleet, a tie
    assert against["no_worse"] == 2 and against["fewer_vehicles"] == 1
    assert against["same_fleet"] == 1 and against["same_fleet_gap_pct"] == 3.0
    assert summary["y"]["against"]["x"]["no_worse"] == 1  # the tie on b
    assert summary["x"]["against"]["z"]["no_worse"] == 1  # z unsolved on a, shorter on b
    assert summary["z"]["against"]["x"]["no_worse"] == 1
    assert "x vs y: no worse on 2/2; fewer vehicles on 1, more on 0; same fleet on 1: " in (
        peers.format_summary(summary)
    )


SCOREBOARD = REPO_ROOT / "benchmarks" / "scoreboard.py"


def test_scoreboard_examples_hold(monkeypatch: pytest.MonkeyPatch) -> None:
    """The scoreboard's docstring examples run (benchmarks/ is outside pytest's doctest paths)."""
    module = load_script(SCOREBOARD)
    # doctest takes a function as the module's only if sys.modules names this module so
    monkeypatch.setitem(sys.modules, "scoreboard", module)
    failures, tried = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert tried == 10 and failures == 0


def test_scoreboard_spread_reads_each_seed_and_skips_unknown_values() -> None:
    """The spread over seeds: mean, lowest and highest per count; None where a seed lacks it."""
    board = load_script(SCOREBOARD)
    by_seed = {
        0: {"x": {"mean_gap_pct": 1.0, "bks_vehicles_matched": 5, "best_or_tied": 4,
                  "max_runtime_ratio": 0.9, "against": {"y": {"no_worse": 4}}},
            "y": {"mean_gap_pct": None, "bks_vehicles_matched": 0, "best_or_tied": 0,
                  "max_runtime_ratio": 1.1, "against": {"x": {"no_worse": 0}}}},
        3: {"x": {"mean_gap_pct": 2.0, "bks_vehicles_matched": 6, "best_or_tied": 3,
                  "max_runtime_ratio": 1.0, "against": {"y": {"no_worse": 3}}},
            "y": {"mean_gap_pct": None, "bks_vehicles_matched": 1, "best_or_tied": 1,
                  "max_runtime_ratio": 0.8, "against": {"x": {"no_worse": 1}}}},
    }  # fmt: skip
    result = board.spread(by_seed)
    assert result["x"]["seeds"] == 2
    assert result["x"]["bks_vehicles_matched"] == {"mean": 5.5, "min": 5, "max": 6}
    assert result["x"]["no_worse"]["y"] == {"mean": 3.5, "min": 3, "max": 4}
    assert result["y"]["mean_gap_pct"] is None
    assert result["y"]["max_runtime_ratio"] == {"mean": 0.95, "min": 0.8, "max": 1.1}
    table = board.format_spread(result)
    assert "+1.50 [+1.00, +2.00]" in table and "y 3.5 [3, 4]" in table


def test_peers_seeds_repeat_the_run_and_report_the_spread(tmp_path: Path) -> None:
    """--seeds 0,1: every solver per seed, the best decided per seed, summaries and spread."""
    needs_data("lilim")
    output = tmp_path / "peers.json"
    done = run_peers(
        "--set", "lilim", "--quick", "--instances", "lc101", "--seeds", "0,1",
        "--solvers", "dispatch,vroom", "--workers", "1", "--output", str(output),
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(output.read_text(encoding="utf-8"))
    solvers = result["solvers"]
    assert result["seeds"] == [0, 1] and result["seed"] == 0
    rows = result["rows"]
    assert sorted((r["seed"], r["solver"]) for r in rows) == sorted(
        (seed, s) for seed in (0, 1) for s in solvers
    )
    for seed in (0, 1):
        assert any(r["best"] for r in rows if r["seed"] == seed)
    assert set(result["summaries_by_seed"]["1"]) == {"0", "1"}
    assert result["summary"] == result["summaries_by_seed"]["1"]["0"]
    spread = result["spread"]["1"]["dispatch"]
    assert spread["seeds"] == 2 and spread["bks_vehicles_matched"]["max"] <= 1
    assert "at 1 s, over seeds 0, 1:" in done.stdout
    assert "at 1 s, seed 1:" in done.stdout


def test_peers_rejects_bad_seeds() -> None:
    """--seeds with --seed, or not integers: exit 2 naming the option."""
    done = run_peers("--set", "lilim", "--seed", "3", "--seeds", "0,1")
    assert done.returncode == 2 and "--seeds replaces --seed" in done.stderr
    done = run_peers("--set", "lilim", "--seeds", "0,x")
    assert done.returncode == 2 and "--seeds" in done.stderr


ELDERCARE = REPO_ROOT / "benchmarks" / "eldercare.py"


def test_eldercare_quick_run_validates_and_writes_json(tmp_path: Path) -> None:
    """eldercare.py --quick plans a small district pooled and per kitchen; both plans are valid."""
    result = quick_json(ELDERCARE, tmp_path)
    assert result["quick"] and {"platform", "cpus"} <= set(result["machine"])
    assert result["district"]["scale"] == 0.1 and result["district"]["kitchens"] >= 2
    rows = {row["plan"]: row for row in result["rows"]}
    assert set(rows) == {"pooled", "per_kitchen"}
    for row in rows.values():
        assert row["violations"] == 0 and row["over_limit"] == 0
        assert row["max_ride_min"] <= 30
        assert row["meals_delivered"] + row["meals_not_delivered"] == row["meals_ordered"]
        assert 0 <= row["checkins_planned"] <= row["checkins_due"]
    assert rows["pooled"]["meals_ordered"] == rows["per_kitchen"]["meals_ordered"]
    assert set(result["saving"]) >= {"distance_km", "more_meals_delivered"}
    assert isinstance(result["target"]["met"], bool)


PARTITION = REPO_ROOT / "benchmarks" / "partition.py"


def test_partition_quick_run_validates_and_writes_json(tmp_path: Path) -> None:
    """partition.py --quick: a tiny city whole and in 10 districts on 2 workers; plans valid."""
    result = quick_json(PARTITION, tmp_path)
    assert result["quick"] and result["districts"] == 10 and result["workers"] == 2
    rows = {row["run"]: row for row in result["rows"]}
    assert set(rows) == {"whole", "partitioned"}
    for row in rows.values():
        assert row["violations"] == 0 and row["each_task_once"] and row["cpu_s"] > 0
    assert rows["partitioned"]["failed_parts"] == 0
    assert all(r["violations"] == 0 for r in result["borders"])
