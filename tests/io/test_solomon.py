"""Solomon reader: every instance, visits and loads, the objective, bad files."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import pytest

from dispatch import FormatError, Location, StopRole, TimeWindow, Visit
from dispatch.io import TIME_SCALE, BestKnown, best_known, read_solomon

HEADER = """TINY

VEHICLE
NUMBER     CAPACITY
  3         10

CUSTOMER
CUST NO.  XCOORD.   YCOORD.    DEMAND   READY TIME  DUE DATE   SERVICE   TIME

"""
TINY = (
    HEADER
    + """    0      0     0     0      0     100     0
    1      3     4     2     10      50     5
    2      0     4     3      0      60     5
"""
)


def _write(tmp_path: Path, text: str, name: str = "bad.txt") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_every_instance_parses_with_header_counts(solomon_file: Path) -> None:
    """Each Solomon file reads with 100 visits and NUMBER couriers of CAPACITY."""
    lines = [ln.split() for ln in solomon_file.read_text().splitlines() if ln.strip()]
    number_at = next(i for i, ln in enumerate(lines) if ln[:1] == ["NUMBER"])
    vehicles, capacity = (int(v) for v in lines[number_at + 1])
    rows = [ln for ln in lines if len(ln) == 7 and all(f.isdigit() for f in ln)]
    inst = read_solomon(solomon_file)
    problem = inst.problem
    assert inst.kind == "solomon"
    assert inst.name.lower() == solomon_file.stem
    assert inst.node_count == len(rows) == 101
    assert len(problem.tasks) == 100
    assert all(isinstance(t, Visit) for t in problem.tasks)
    assert [t.load for t in problem.tasks] == [(int(r[3]),) for r in rows[1:]]
    assert len(problem.couriers) == vehicles
    assert {c.capacity for c in problem.couriers} == {(capacity,)}
    horizon = int(rows[0][5]) * TIME_SCALE
    assert {c.shift for c in problem.couriers} == {TimeWindow(0, horizon)}


def test_tiny_instance_maps_to_visits(tmp_path: Path) -> None:
    """Customers become visits c<i> with load = demand and windows, service times x 1000."""
    inst = read_solomon(_write(tmp_path, TINY, "tiny.txt"))
    assert inst.name == "TINY"
    first, second = inst.problem.tasks
    assert isinstance(first, Visit)
    assert (first.id, first.load, first.stop.location) == ("c1", (2,), Location(node=1))
    assert first.stop.windows == (TimeWindow(10_000, 50_000),)
    assert first.stop.service_s == 5_000
    assert second.id == "c2"
    assert inst.node_of == {("c1", StopRole.VISIT): 1, ("c2", StopRole.VISIT): 2}
    assert [c.id for c in inst.problem.couriers] == ["v1", "v2", "v3"]
    # 3-4-5 triangle: every distance is whole, so durations equal distances, times 1000
    assert inst.travel.durations_s.tolist() == [[0, 5000, 4000], [5000, 0, 3000], [4000, 3000, 0]]
    assert {c.fixed_cost for c in inst.problem.couriers} == {(3 + 3) * 5000}


def test_objective_distance_of_hand_routes(tmp_path: Path) -> None:
    """Depot -> 1 -> 2 -> depot is 5 + 3 + 4; two single-visit routes are 2*5 + 2*4."""
    inst = read_solomon(_write(tmp_path, TINY, "tiny.txt"))
    assert inst.objective_distance([[1, 2]]) == 12.0
    assert inst.objective_distance([[2, 1]]) == 12.0
    assert inst.objective_distance([[1], [2]]) == 18.0


def test_objective_distance_on_c101_is_unrounded(
    benchmark_file: Callable[[str], Path],
) -> None:
    """On c101, depot (40,50) -> 1 (45,68) -> 2 (45,70) -> depot is sqrt(349) + 2 + sqrt(425)."""
    inst = read_solomon(benchmark_file("solomon/c101.txt"))
    expected = math.sqrt(5**2 + 18**2) + 2.0 + math.sqrt(5**2 + 20**2)
    assert inst.objective_distance([[1, 2]]) == pytest.approx(expected, rel=1e-15)


def test_best_known_lookups(benchmarks: Path) -> None:
    """bks.csv gives c101 = 10 vehicles, 828.94, found from the instance's own name C101."""
    assert best_known(benchmarks / "solomon", "C101") == BestKnown(10, 828.94)
    assert best_known(benchmarks / "solomon", "rc208") == BestKnown(3, 828.14)
    assert best_known(benchmarks / "solomon", "x1") is None


MALFORMED = [
    ("TINY\nVEHICLES\n", 2, "expected 'VEHICLE'"),
    ("TINY\nVEHICLE\nNUMBER CAPACITY\n", 3, "file ends early"),
    ("TINY\nVEHICLE\nNUMBER CAPACITY\n3 10 7\n", 4, "expected 2 fields"),
    ("TINY\nVEHICLE\nNUMBER CAPACITY\n3 ten\n", 4, "capacity must be an integer"),
    ("TINY\nVEHICLE\nNUMBER CAPACITY\n3 -1\n", 4, "capacity >= 0"),
    ("TINY\nVEHICLE\nNUMBER CAPACITY\n3 10\nCUSTOMERS\n", 5, "expected 'CUSTOMER'"),
    ("TINY\nVEHICLE\nNUMBER CAPACITY\n3 10\nCUSTOMER\n0 0 0 0 0 100 0\n", 6, "column names"),
    (HEADER, 9, "needs the depot and another node, got 0"),
    (HEADER + "0 0 0 0 0 100 0\n1 3 4 2 10 50\n", 11, "expected 7 fields"),
    (HEADER + "0 0 0 0 0 100 0\n1 3 4 -2 10 50 5\n", 11, "demand must be >= 0"),
    (HEADER + "0 0 0 0 0 100 0\n1 3 4 2 10 50 -5\n", 11, "service time must be >= 0"),
    (HEADER + "0 0 0 0 0 100 0\n1 3 4 2 10 5.5 5\n", 11, "latest must be an integer"),
    (HEADER + "0 0 0 0 0 100 0\n2 3 4 2 10 50 5\n", 11, "expected 1, got 2"),
]


@pytest.mark.parametrize(("text", "line", "message"), MALFORMED)
def test_malformed_files_raise_format_error_naming_the_line(
    tmp_path: Path, text: str, line: int, message: str
) -> None:
    """Each broken file raises FormatError with the file name, the line and the cause."""
    path = _write(tmp_path, text)
    with pytest.raises(FormatError) as info:
        read_solomon(path)
    assert (info.value.source, info.value.line) == (str(path), line)
    assert message in str(info.value)
