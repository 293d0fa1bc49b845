"""benchmarks/literature.py: the CI mode runs, validates every plan and writes its JSON."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SCRIPT = REPO_ROOT / "benchmarks" / "literature.py"


def benchmarks_dir() -> Path:
    """``$DISPATCH_BENCHMARKS``, by default ``../shared/benchmarks`` next to the repository."""
    return Path(os.environ.get("DISPATCH_BENCHMARKS", REPO_ROOT.parent / "shared" / "benchmarks"))


def load_script() -> ModuleType:
    """The runner as a module (``benchmarks/`` is not a package)."""
    spec = importlib.util.spec_from_file_location("literature", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the script with this interpreter."""
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        env=env,
    )


def test_quick_run_validates_every_plan_and_writes_json(tmp_path: Path) -> None:
    """--quick solves 3 Li & Lim instances at 1 s, all valid, and writes rows and a summary."""
    if not (benchmarks_dir() / "lilim").is_dir():
        pytest.skip(f"benchmark data not found at {benchmarks_dir()} (set DISPATCH_BENCHMARKS)")
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


INCIDENTAL = REPO_ROOT / "benchmarks" / "incidental.py"


def test_incidental_quick_run_validates_and_writes_json(tmp_path: Path) -> None:
    """incidental.py --quick runs all three parts on small districts; every plan is valid."""
    output = tmp_path / "incidental.json"
    done = subprocess.run(
        [sys.executable, str(INCIDENTAL), "--quick", "--output", str(output)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(output.read_text(encoding="utf-8"))
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
