"""benchmarks/simulate.py: a quick run simulates a tiny district and writes its JSON."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
SCRIPT = REPO_ROOT / "benchmarks" / "simulate.py"


def test_quick_run_writes_kpis_and_timings(tmp_path: Path) -> None:
    """--quick simulates four hours of a tiny district, reports timings and KPIs, exits 0."""
    output = tmp_path / "simulate.json"
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", "--output", str(output)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "errands ordered" in done.stdout
    result = json.loads(output.read_text(encoding="utf-8"))
    assert result["quick"] and result["ok"] and result["errors"] == []
    assert result["scenario"]["hours"] == 4.0
    assert result["timing"]["commands"] > 0 and result["timing"]["wall_s"] > 0
    assert result["kpis"]["orders"] >= result["kpis"]["delivered"]
    assert {"platform", "python", "cpus"} <= set(result["machine"])
