"""Li & Lim reader: every instance, the scaling to model units, the objective, bad files."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from dispatch import (
    Courier,
    Errand,
    FormatError,
    Location,
    PlannedStop,
    Route,
    StopRole,
    TimeWindow,
    TravelProfile,
    UnknownReferenceError,
)
from dispatch.io import TIME_SCALE, BestKnown, best_known, read_lilim

TINY = """2 10 0
0 0 0 0 0 100 0 0 0
1 3 4 5 10 50 2 0 2
2 1 1 -5 20 60 3 1 0
"""

# Best-known solution of lrc208 (3 vehicles, 852.7576), Hasle & Kloster, from SINTEF TOP as
# stored in rogalski-wmii-uni-lodz-pl/vrp-benchmarks,
# best_known_solutions/LiLim/2001-01-01/lrc208.3_852.7576.txt.
LRC208_BKS = [
    "92 95 67 71 81 61 2 6 7 8 45 5 3 1 101 42 44 43 40 36 35 37 38 39 41 72 54 93 94 96",
    "69 98 88 12 11 15 16 47 73 79 78 53 82 99 52 57 49 19 18 48 21 23 25 77 58 75 97 59 87 "
    "102 74 86 9 13 10 14 17 60 46 4 70 100 55 68",
    "90 65 83 64 85 63 76 89 33 30 32 28 26 27 29 31 34 50 62 84 51 20 22 24 66 56 91 80",
]


def _write(tmp_path: Path, text: str, name: str = "bad.txt") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _stop(role: StopRole, ref: str) -> PlannedStop:
    return PlannedStop(role=role, ref=ref, arrival_s=0, start_s=0, departure_s=0, load_after=(0,))


def test_every_instance_parses_with_header_counts(lilim_file: Path) -> None:
    """Each Li & Lim file reads with one errand per pair and K couriers of capacity Q."""
    lines = [ln.split() for ln in lilim_file.read_text().splitlines() if ln.strip()]
    vehicles, capacity = int(lines[0][0]), int(lines[0][1])
    nodes = len(lines) - 1
    inst = read_lilim(lilim_file)
    problem = inst.problem
    assert inst.kind == "lilim"
    assert inst.name == lilim_file.stem
    assert inst.node_count == nodes
    assert len(problem.tasks) == (nodes - 1) // 2
    assert all(isinstance(t, Errand) for t in problem.tasks)
    assert len(problem.couriers) == vehicles
    assert {c.capacity for c in problem.couriers} == {(capacity,)}
    assert sorted(inst.node_of.values()) == list(range(1, nodes))
    horizon = int(lines[1][5]) * TIME_SCALE
    assert {c.shift for c in problem.couriers} == {TimeWindow(0, horizon)}


def test_tiny_instance_maps_to_the_model_exactly(tmp_path: Path) -> None:
    """Windows, service, loads, couriers and matrices of a hand-made file are as documented."""
    inst = read_lilim(_write(tmp_path, TINY, "tiny.txt"))
    (errand,) = inst.problem.tasks
    assert isinstance(errand, Errand)
    assert errand.id == "r1"
    assert errand.load == (5,)
    assert errand.pickup.windows == (TimeWindow(10_000, 50_000),)
    assert errand.pickup.service_s == 2_000
    assert errand.dropoff.windows == (TimeWindow(20_000, 60_000),)
    assert errand.dropoff.service_s == 3_000
    assert errand.pickup.location == Location(node=1)
    assert inst.node_of == {("r1", StopRole.PICKUP): 1, ("r1", StopRole.DROPOFF): 2}
    # d(0,1) = 5 exactly, d(0,2) = sqrt(2) = 1.41421..., d(1,2) = sqrt(13) = 3.60555...
    travel = inst.travel
    assert travel.durations_s.tolist() == [[0, 5000, 1415], [5000, 0, 3606], [1415, 3606, 0]]
    assert np.asarray(travel.distances_m).tolist() == [
        [0, 5000, 1414],
        [5000, 0, 3606],
        [1414, 3606, 0],
    ]
    assert inst.problem.couriers == tuple(
        Courier(
            id=f"v{k}",
            start=Location(node=0),
            end=Location(node=0),
            shift=TimeWindow(0, 100_000),
            capacity=10,
            profile=TravelProfile.CAR,
            fixed_cost=(3 + 2) * 5000,
        )
        for k in (1, 2)
    )


def test_objective_distance_of_a_hand_route(tmp_path: Path) -> None:
    """Depot -> 1 -> 2 -> depot costs 5 + sqrt(13) + sqrt(2), unrounded."""
    inst = read_lilim(_write(tmp_path, TINY, "tiny.txt"))
    assert inst.objective_distance([[1, 2]]) == 5 + math.sqrt(13) + math.sqrt(2)
    assert inst.objective_distance([[1, 2], []]) == inst.objective_distance([[1, 2]])
    assert inst.objective_distance([]) == 0.0


def test_objective_distance_rejects_the_depot_and_unknown_nodes(tmp_path: Path) -> None:
    """Routes naming the depot or a node that does not exist are refused with their position."""
    inst = read_lilim(_write(tmp_path, TINY, "tiny.txt"))
    with pytest.raises(ValueError, match=r"routes_nodes\[0\]\[1\]: the depot"):
        inst.objective_distance([[1, 0]])
    with pytest.raises(ValueError, match=r"routes_nodes\[1\]\[0\]: node 7 is not in 0..2"):
        inst.objective_distance([[1], [7]])


def test_objective_distance_reproduces_a_best_known_solution(
    benchmark_file: Callable[[str], Path],
) -> None:
    """The published lrc208 routes score exactly the BKS table's 3 vehicles and 852.7576."""
    inst = read_lilim(benchmark_file("lilim/lrc208.txt"))
    routes = [[int(n) for n in r.split()] for r in LRC208_BKS]
    assert sorted(n for r in routes for n in r) == list(range(1, inst.node_count))
    bks = best_known(benchmark_file("lilim/bks.csv"), "lrc208")
    assert bks == BestKnown(3, 852.7576)
    assert inst.objective_distance(routes) == pytest.approx(bks.distance, abs=5e-5)


def test_route_nodes_maps_stops_to_instance_nodes(tmp_path: Path) -> None:
    """route_nodes lists task stops as instance nodes and skips start, end and own stops."""
    inst = read_lilim(_write(tmp_path, TINY, "tiny.txt"))
    route = Route(
        courier_id="v1",
        distance_m=0,
        duration_s=0,
        stops=(
            _stop(StopRole.START, "v1"),
            _stop(StopRole.PICKUP, "r1"),
            _stop(StopRole.OWN, "parcel"),
            _stop(StopRole.DROPOFF, "r1"),
            _stop(StopRole.END, "v1"),
        ),
    )
    assert inst.route_nodes(route) == [1, 2]
    stray = Route(courier_id="v1", distance_m=0, duration_s=0, stops=(_stop(StopRole.VISIT, "x"),))
    with pytest.raises(UnknownReferenceError, match="'x'"):
        inst.route_nodes(stray)


def test_best_known_lookups(benchmarks: Path) -> None:
    """bks.csv gives lc101 = 10 vehicles, 828.9369; names match case-insensitively."""
    assert best_known(benchmarks / "lilim", "lc101") == BestKnown(10, 828.9369)
    assert best_known(benchmarks / "lilim" / "bks.csv", "LR101") == BestKnown(19, 1650.7992)
    assert best_known(benchmarks / "lilim", "lc999") is None


def test_best_known_rejects_malformed_tables(tmp_path: Path) -> None:
    """A BKS table with a bad header or a bad row raises FormatError naming the line."""
    bad_header = _write(tmp_path, "name,vehicles,distance\nlc101,10,1.0\n", "bks.csv")
    with pytest.raises(FormatError, match=r"bks.csv:1: expected the header"):
        best_known(bad_header, "lc101")
    bad_row = _write(tmp_path, "instance,vehicles,distance\nlc101,10\n", "bks.csv")
    with pytest.raises(FormatError, match=r"bks.csv:2: expected 3 fields"):
        best_known(bad_row, "lc101")
    bad_value = _write(tmp_path, "instance,vehicles,distance\n\nlc101,ten,1.0\n", "bks.csv")
    with pytest.raises(FormatError, match=r"bks.csv:3: vehicles must be an integer"):
        best_known(bad_value, "lc101")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match=r"holds no bks\.csv or bks\.dat"):
        best_known(tmp_path / "empty", "lc101")
    with pytest.raises(FileNotFoundError):
        best_known(tmp_path / "no-such-folder", "lc101")


MALFORMED = [
    ("2 10\n0 0 0 0 0 100 0 0 0\n", 1, "expected 3 fields"),
    ("2 x 0\n0 0 0 0 0 100 0 0 0\n", 1, "capacity must be an integer"),
    ("0 10 0\n0 0 0 0 0 100 0 0 0\n1 3 4 5 10 50 2 0 2\n2 1 1 -5 20 60 3 1 0\n", 1, "vehicles"),
    ("2 10 0\n", 1, "needs the depot and another node"),
    ("2 10 0\n0 0 0 0 0 100 0 0 0\n1 3 4 5 10 50 2 0\n", 3, "expected 9 fields"),
    ("2 10 0\n0 0 0 0 0 100 0 0 0\n3 3 4 5 10 50 2 0 2\n", 3, "expected 1, got 3"),
    ("2 10 0\n0 0 0 0 0 100 0 0 0\n1 3 4 a 10 50 2 0 2\n", 3, "demand must be an integer"),
    ("2 10 0\n0 0 0 0 0 100 0 0 0\n1 3 y 5 10 50 2 0 2\n", 3, "y must be a number"),
    ("2 10 0\n0 0 0 3 0 100 0 0 0\n1 3 4 5 10 50 2 0 2\n", 2, "the depot (node 0) must have"),
    ("2 10 0\n0 0 0 0 0 100 0 0 0\n1 3 4 5 60 50 2 0 2\n2 1 1 -5 20 60 3 1 0\n", 3, "window"),
    ("2 10 0\n0 0 0 0 0 100 0 0 0\n1 3 4 0 10 50 2 0 0\n", 3, "neither a pickup nor"),
    ("2 10 0\n0 0 0 0 0 100 0 0 0\n1 3 4 5 10 50 2 0 9\n", 3, "delivery node 9 does not exist"),
    ("2 10 0\n0 0 0 0 0 100 0 0 0\n1 3 4 5 10 50 2 0 2\n2 1 1 -5 20 60 3 0 0\n", 3, "not its"),
    ("2 10 0\n0 0 0 0 0 100 0 0 0\n1 3 4 5 10 50 2 0 2\n2 1 1 -4 20 60 3 1 0\n", 4, "expected -5"),
    (
        "2 10 0\n0 0 0 0 0 100 0 0 0\n1 3 4 5 10 50 2 0 2\n2 1 1 -5 20 60 3 1 0\n"
        "3 2 2 -5 20 60 3 1 0\n",
        5,
        "names pickup 1, which does not deliver to it",
    ),
    ("2 10 0\n\n\n0 0 0 0 0 100 0 0 0\n\n1 3 4 5 10 50 2 0\n", 6, "expected 9 fields"),
]


@pytest.mark.parametrize(("text", "line", "message"), MALFORMED)
def test_malformed_files_raise_format_error_naming_the_line(
    tmp_path: Path, text: str, line: int, message: str
) -> None:
    """Each broken file raises FormatError with the file name, the line and the cause."""
    path = _write(tmp_path, text)
    with pytest.raises(FormatError) as info:
        read_lilim(path)
    assert info.value.source == str(path)
    assert info.value.line == line
    assert message in str(info.value)
    assert str(info.value).startswith(f"{path}:{line}: ")


def test_crlf_line_endings_are_read(tmp_path: Path) -> None:
    """The SINTEF originals' CRLF line endings and tabs parse like plain newlines."""
    path = tmp_path / "crlf.txt"
    path.write_bytes(TINY.replace(" ", "\t").replace("\n", "\r\n").encode())
    assert np.array_equal(
        read_lilim(path).travel.durations_s,
        read_lilim(_write(tmp_path, TINY, "tiny.txt")).travel.durations_s,
    )
