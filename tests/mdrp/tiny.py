"""Tiny hand-made MDRP instances, written as the Grubhub files, and the real data's location."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]

PARAMETERS = (
    "meters_per_minute\tpickup service minutes\tdropoff service minutes\t"
    "target click-to-door\tmaximum click-to-door\tpay per order\tguaranteed pay per hour\n"
    "320\t4\t4\t40\t90\t10\t15\n"
)


def public_instances() -> Path:
    """``$DISPATCH_BENCHMARKS/mdrp/public_instances``; skips the test when it is absent."""
    root = Path(os.environ.get("DISPATCH_BENCHMARKS", REPO_ROOT.parent / "shared" / "benchmarks"))
    folder = root / "mdrp" / "public_instances"
    if not folder.is_dir():
        pytest.skip(f"MDRP benchmark data not found at {folder} (set DISPATCH_BENCHMARKS)")
    return folder


def write_instance(
    folder: Path,
    *,
    restaurants: Sequence[tuple[str, int, int]],
    orders: Sequence[tuple[str, int, int, int, str, int]],
    couriers: Sequence[tuple[str, int, int, int, int]],
    parameters: str = PARAMETERS,
) -> Path:
    """Write an instance folder: rows as in the files (times in minutes, metres)."""
    folder.mkdir(parents=True, exist_ok=True)

    def table(header: str, rows: Sequence[Sequence[object]]) -> str:
        return header + "\n" + "".join("\t".join(str(v) for v in row) + "\n" for row in rows)

    (folder / "restaurants.txt").write_text(table("restaurant\tx\ty", restaurants))
    (folder / "orders.txt").write_text(
        table("order\tx\ty\tplacement_time\trestaurant\tready_time", orders)
    )
    (folder / "couriers.txt").write_text(table("courier\tx\ty\ton_time\toff_time", couriers))
    (folder / "instance_parameters.txt").write_text(parameters)
    return folder


def hand_instance(tmp_path: Path) -> Path:
    """The instance of the hand-computed metrics (see ``test_metrics.py``).

    Speed 320 m/min: 320 m is one minute, 321 m two. Service 4 min (2 before
    and 2 after the handover). Two restaurants, three orders, two couriers.
    """
    return write_instance(
        tmp_path / "hand",
        restaurants=[("r1", 0, 0), ("r2", 3200, 0)],
        orders=[
            ("o1", 640, 0, 0, "r1", 10),  # 2 min from r1
            ("o2", 0, 960, 5, "r1", 12),  # 3 min from r1, 4 min from o1 (800 m)
            ("o3", 3200, 640, 20, "r2", 50),  # 2 min from r2
        ],
        couriers=[("c1", 320, 0, 0, 120), ("c2", 3200, 320, 30, 90)],
    )
