"""``benchmarks/mdrp.py``: a short run writes both policies' rows, the comparison and facts."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from tests.mdrp.tiny import REPO_ROOT, public_instances

SCRIPT = REPO_ROOT / "benchmarks" / "mdrp.py"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_short_run_writes_rows_comparison_and_machine(tmp_path: Path) -> None:
    """Two hours of one instance: both policies feasible, compared, with machine and git facts."""
    public_instances()
    output = tmp_path / "mdrp.json"
    done = _run(
        "--instances", "0r50t100s1p100", "--hours", "2", "--jobs", "1", "--output", str(output)
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "target (fewer late orders and lower mean click-to-door" in done.stdout
    result = json.loads(output.read_text(encoding="utf-8"))
    assert {"platform", "python", "cpus"} <= set(result["machine"])
    assert set(result["git"]) == {"commit", "dirty"}
    assert set(result["load_average"]) == {"before", "after"}
    assert result["hours"] == 2 and result["instances"] == ["0r50t100s1p100"]
    rows = result["rows"]
    assert [r["policy"] for r in rows] == ["dispatch", "greedy"]
    for row in rows:
        assert row["ok"] and row["error"] is None and row["issues"] == []
        assert row["size"] == "r50" and row["speed"] == "t100" and row["prep"] == "p100"
        assert row["delivered"] + row["undelivered"] == row["orders"]
    assert rows[0]["routes_validated"] > 0 and rows[0]["violations"] == []
    (comparison,) = result["comparison"]
    assert comparison["late_dispatch"] == rows[0]["late_orders"]
    assert comparison["target_met"] == (comparison["fewer_late"] and comparison["lower_c2d"])
    assert result["summary"]["instances"] == 1


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("mdrp_benchmark", SCRIPT)
    if spec is None or spec.loader is None:
        raise ImportError(SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_missing_data_and_unknown_instances_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without the data, or with an unknown instance name, the runner says so and exits 2."""
    script = _script()
    monkeypatch.setenv("DISPATCH_BENCHMARKS", str(tmp_path))
    assert script.main(["--quick", "--output", str(tmp_path / "x.json")]) == 2
    assert "no benchmark data" in capsys.readouterr().err
    (tmp_path / "mdrp" / "public_instances").mkdir(parents=True)
    assert script.main(["--instances", "nope", "--output", str(tmp_path / "x.json")]) == 2
    assert "no instance nope" in capsys.readouterr().err
    assert not (tmp_path / "x.json").exists()


def test_factors_of_instance_names() -> None:
    """Instance names decode into the design factors; the subset covers each size equally."""
    script = _script()
    assert script.factors("3o50t75s2p125") == {
        "seed": 3,
        "size": "o50",
        "speed": "t75",
        "schedule": "s2",
        "prep": "p125",
    }
    assert script.factors("tiny") == {}
    sizes = [script.factors(n)["size"] for n in script.SUBSET]
    assert sorted(set(sizes)) == ["o100", "o50", "r50"]
    assert all(sizes.count(s) == 4 for s in set(sizes))
    for size in set(sizes):
        combos = {
            (f["speed"], f["schedule"], f["prep"])
            for f in map(script.factors, script.SUBSET)
            if f["size"] == size
        }
        assert combos == {
            ("t100", "s1", "p100"),
            ("t100", "s2", "p125"),
            ("t75", "s1", "p125"),
            ("t75", "s2", "p100"),
        }
