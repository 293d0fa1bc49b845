"""benchmarks/online.py: a small run measures every part and writes its JSON."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
SCRIPT = REPO_ROOT / "benchmarks" / "online.py"


def test_small_run_writes_every_measurement(tmp_path: Path) -> None:
    """A 10-courier, 30-order run reports latency, throughput, re-optimisation and replay."""
    output = tmp_path / "online.json"
    done = subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            "--quick",
            "--couriers",
            "10",
            "--tasks",
            "30",
            "--output",
            str(output),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "submit-to-first-offer" in done.stdout
    result = json.loads(output.read_text(encoding="utf-8"))
    assert result["quick"] and result["couriers"] == 10 and result["tasks"] == 30
    submit = result["submit"]
    assert submit["n"] == 30 and submit["offered"] + submit["escalated"] == 30
    assert 0 < submit["p50_ms"] <= submit["p99_ms"] <= submit["max_ms"]
    assert result["throughput"]["position_reports_per_s"] > 0
    assert [c["match_options"] for c in result["reoptimise"]["cycles"]] == [
        "full_matcher",
        "no_improve",
        "dispatcher_default",
    ]
    assert result["replay"]["equal"] is True
    assert {"platform", "python", "cpus"} <= set(result["machine"])
