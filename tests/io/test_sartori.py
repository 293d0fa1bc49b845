"""Sartori & Buriol reader: every instance, minutes to seconds, the objective, bad files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from dispatch import Errand, FormatError, Location, StopRole, TimeWindow
from dispatch.io import SARTORI_TIME_SCALE, BestKnown, best_known, read_sartori

HEADER = """NAME: tiny
LOCATION: Nowhere
SIZE: 3
ROUTE-TIME: 100
CAPACITY: 10
"""
NODES = """NODES
0 41.39 2.12 0 0 100 0 0 0
1 41.40 2.11 4 10 90 5 0 2
2 41.41 2.13 -4 20 95 6 1 0
"""
EDGES = """EDGES
0 7 9
8 0 3
9 4 0
EOF
"""
TINY = HEADER + NODES + EDGES

# Best-known solution of bar-n100-6 (3 vehicles, 788 minutes) by Sartori & Buriol, from
# cssartori/pdptw-instances, solutions/files/bar-n100-6.3_788.txt.
BAR_N100_6_BKS = [
    "31 32 82 81 25 38 40 90 88 47 75 18 97 30 68 7 57 5 17 2 67 11 45 95 80 10 52 61 60 24 50 "
    "55 46 100 96 74",
    "22 43 72 16 93 41 66 37 91 1 87 29 51 79 19 28 13 69 23 73 26 78 3 49 63 76 14 99 53 64",
    "4 20 54 34 48 12 70 84 42 62 21 71 6 92 8 98 56 9 35 85 58 59 44 15 94 39 27 77 65 36 33 "
    "83 89 86",
]


def _write(tmp_path: Path, text: str, name: str = "bad.txt") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_every_instance_parses_with_header_counts(sartori_file: Path) -> None:
    """Each file reads with (SIZE-1)/2 errands, as many couriers, CAPACITY and minutes x 60."""
    lines = sartori_file.read_text().splitlines()
    header = dict(ln.split(":", 1) for ln in lines[: lines.index("NODES")])
    size, capacity = int(header["SIZE"]), int(header["CAPACITY"])
    horizon = int(header["ROUTE-TIME"])
    first_row = [int(v) for v in lines[lines.index("EDGES") + 1].split()]
    inst = read_sartori(sartori_file)
    problem = inst.problem
    assert inst.kind == "sartori"
    assert inst.name == sartori_file.stem
    assert inst.node_count == size
    assert len(problem.tasks) == (size - 1) // 2
    assert all(isinstance(t, Errand) for t in problem.tasks)
    assert len(problem.couriers) == len(problem.tasks)
    assert {c.capacity for c in problem.couriers} == {(capacity,)}
    assert {c.shift for c in problem.couriers} == {TimeWindow(0, horizon * 60)}
    assert inst.travel.durations_s[0].tolist() == [60 * m for m in first_row]
    assert np.array_equal(inst.travel.durations_s, np.asarray(inst.travel.distances_m))
    assert inst.cost[0].tolist() == first_row
    half = (size - 1) // 2
    assert all(inst.node_of[(f"r{p}", StopRole.DROPOFF)] == p + half for p in range(1, half + 1))


def test_tiny_instance_maps_to_the_model_exactly(tmp_path: Path) -> None:
    """Minutes become seconds; locations keep lat/lon and node id; the shift is [0, ROUTE-TIME]."""
    inst = read_sartori(_write(tmp_path, TINY, "tiny.txt"))
    assert SARTORI_TIME_SCALE == 60
    assert inst.name == "tiny"
    (errand,) = inst.problem.tasks
    assert isinstance(errand, Errand)
    assert (errand.id, errand.load) == ("r1", (4,))
    assert errand.pickup.location == Location(lat=41.40, lon=2.11, node=1)
    assert errand.pickup.windows == (TimeWindow(600, 5400),)
    assert errand.pickup.service_s == 300
    assert errand.dropoff.windows == (TimeWindow(1200, 5700),)
    assert errand.dropoff.service_s == 360
    assert inst.travel.durations_s.tolist() == [[0, 420, 540], [480, 0, 180], [540, 240, 0]]
    (courier,) = inst.problem.couriers
    assert courier.shift == TimeWindow(0, 6000)
    assert courier.start == courier.end == Location(lat=41.39, lon=2.12, node=0)
    assert courier.fixed_cost == (3 + 1) * 540
    assert inst.coordinates == ((41.39, 2.12), (41.40, 2.11), (41.41, 2.13))


def test_objective_distance_uses_the_asymmetric_minute_matrix(tmp_path: Path) -> None:
    """Depot -> 1 -> 2 -> depot is 7 + 3 + 9 minutes; the reverse is 9 + 4 + 8."""
    inst = read_sartori(_write(tmp_path, TINY, "tiny.txt"))
    assert inst.objective_distance([[1, 2]]) == 19.0
    assert inst.objective_distance([[2, 1]]) == 21.0


def test_objective_distance_reproduces_a_best_known_solution(
    benchmark_file: Callable[[str], Path],
) -> None:
    """The published bar-n100-6 routes score exactly bks.dat's 3 vehicles and 788 minutes."""
    inst = read_sartori(benchmark_file("sartori/bar-n100-6.txt"))
    routes = [[int(n) for n in r.split()] for r in BAR_N100_6_BKS]
    assert sorted(n for r in routes for n in r) == list(range(1, inst.node_count))
    bks = best_known(benchmark_file("sartori/bks.dat"), inst.name)
    assert bks == BestKnown(3, 788.0)
    assert inst.objective_distance(routes) == bks.distance


def test_best_known_lookups(benchmarks: Path) -> None:
    """bks.dat gives bar-n200-5 = 5 vehicles and 842 minutes; unknown names give None."""
    assert best_known(benchmarks / "sartori", "bar-n200-5") == BestKnown(5, 842.0)
    assert best_known(benchmarks / "sartori", "nope-n100-1") is None


def test_best_known_dat_rejects_bad_rows(tmp_path: Path) -> None:
    """A bks.dat row with the wrong field count raises FormatError naming its line."""
    _write(tmp_path, "instance;size;vehicles;cost;reference;date\nx;1;2;3\n", "bks.dat")
    with pytest.raises(FormatError, match=r"bks.dat:2: expected 6 fields, got 4"):
        best_known(tmp_path, "x")


MALFORMED = [
    ("NAME tiny\n" + NODES, 1, "expected 'KEY: value' or 'NODES'"),
    ("SIZE: 3\nCAPACITY: 10\n" + NODES, 3, "lacks ROUTE-TIME"),
    ("SIZE: 3\nSIZE: 3\n", 2, "header key SIZE repeats"),
    (HEADER.replace("SIZE: 3", "SIZE: three") + NODES + EDGES, 3, "SIZE must be an integer"),
    (HEADER.replace("SIZE: 3", "SIZE: 4") + NODES + EDGES, 3, "SIZE must be odd"),
    (HEADER.replace("CAPACITY: 10", "CAPACITY: -1") + NODES + EDGES, 5, "CAPACITY must be >= 0"),
    (HEADER + NODES.replace("1 41.40", "1 91.40") + EDGES, 8, "Location.lat"),
    (HEADER + NODES.replace(" 2\n2 ", " 0\n2 ") + EDGES, 8, "delivery node 0 does not exist"),
    (HEADER + NODES.replace(" 1 0\n", " 0 0\n") + EDGES, 8, "node 2 is not its delivery"),
    (HEADER + "NODES\n0 41.39 2.12 0 0 100 0 0 0\n1 41.40 2.11 4 10 90 5 0 2\nEDGES\n", 9, "3"),
    (HEADER + NODES + "0 1 2 3 4 5 6 7 8\n", 10, "expected 'EDGES'"),
    (HEADER + NODES + "EDGES\n0 7 9\n8 0\n9 4 0\nEOF\n", 12, "matrix row 1 has 2 entries"),
    (HEADER + NODES + "EDGES\n0 7 9\n8 0 3.5\n9 4 0\nEOF\n", 12, "'3.5' is not an integer"),
    (HEADER + NODES + "EDGES\n0 7 9\n8 0 -3\n9 4 0\nEOF\n", 12, "negative travel time -3"),
    (HEADER + NODES + "EDGES\n0 7 9\n8 0 3\n", 12, "file ends early"),
    (HEADER + NODES + "EDGES\n0 7 9\n8 0 3\n9 4 0\n", 13, "file ends early, expected 'EOF'"),
    (HEADER + NODES + EDGES + "more\n", 15, "unexpected content after the end"),
]


@pytest.mark.parametrize(("text", "line", "message"), MALFORMED)
def test_malformed_files_raise_format_error_naming_the_line(
    tmp_path: Path, text: str, line: int, message: str
) -> None:
    """Each broken file raises FormatError with the file name, the line and the cause."""
    path = _write(tmp_path, text)
    with pytest.raises(FormatError) as info:
        read_sartori(path)
    assert (info.value.source, info.value.line) == (str(path), line)
    assert message in str(info.value)
