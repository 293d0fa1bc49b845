"""The ``dispatch`` command: demo, solve, and one-line errors with exit code 2."""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path

import attrs
import pytest

import dispatch.cli
from dispatch import (
    Courier,
    Errand,
    Location,
    MatrixTravel,
    Plan,
    Problem,
    SolveOptions,
    Stop,
    TimeWindow,
    Visit,
    solve,
)
from dispatch.cli import guess_format, main
from dispatch.io import dump_problem, read_lilim

REPO_ROOT = Path(__file__).resolve().parents[1]
FAST = ["--time-limit", "20", "--solution-limit", "20"]  # stops on the solution count


def benchmark_file(relative: str) -> Path:
    """A file of ``$DISPATCH_BENCHMARKS``; skips the test when it is absent."""
    folder = Path(os.environ.get("DISPATCH_BENCHMARKS", REPO_ROOT.parent / "shared" / "benchmarks"))
    path = folder / relative
    if not path.is_file():
        pytest.skip(f"benchmark data not found at {path} (set DISPATCH_BENCHMARKS)")
    return path


def one_line_error(err: str) -> str:
    """The single line a failing command printed on stderr."""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


def tiny_problem() -> Problem:
    """One courier, one errand and one visit on a four-node matrix."""
    travel = MatrixTravel(
        nodes=["hub", "shop", "home", "elder"],
        durations_s=[[0, 60, 90, 50], [60, 0, 40, 70], [90, 40, 0, 30], [50, 70, 30, 0]],
    )
    return Problem(
        tasks=[
            Errand(
                id="milk",
                pickup=Stop(location=Location(node="shop")),
                dropoff=Stop(location=Location(node="home"), windows=[(0, 600)]),
            ),
            Visit(id="hello", stop=Stop(location=Location(node="elder"))),
        ],
        couriers=[
            Courier(
                id="li",
                start=Location(node="hub"),
                end=Location(node="hub"),
                shift=TimeWindow(0, 3600),
                capacity=2,
            )
        ],
        travel=travel,
    )


def test_demo_prints_every_route_and_the_totals(capsys: pytest.CaptureFixture[str]) -> None:
    """`dispatch demo` prints a table per courier, the unassigned tasks and the totals."""
    assert main(["demo", "--seed", "1", *FAST]) == 0
    out = capsys.readouterr().out
    for courier in ("rider-wang", "courier-liu", "driver-zhang", "volunteer-chen", "worker-zhou"):
        assert f"Route of {courier}" in out
    assert "arrive  start  depart  what" in out
    assert "Elder canteen (长者食堂)" in out
    assert "Not served (未分配)" in out
    assert "tasks served:" in out
    assert "detour" in out


def test_demo_fails_loudly_when_the_plan_breaks_rules(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A plan the validator rejects makes `dispatch demo` exit 1 and list the violations."""

    def no_own_stops(problem: Problem, options: SolveOptions) -> Plan:
        plan = solve(problem, options)
        return attrs.evolve(plan, routes=plan.routes[1:])  # drop a courier's whole round

    monkeypatch.setattr(dispatch.cli, "solve", no_own_stops)
    assert main(["demo", *FAST]) == 1
    err = capsys.readouterr().err
    assert "the plan breaks" in err
    assert "OWN_STOP_MISSING" in err


def test_solve_lilim_writes_routes_covering_every_task_node(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`dispatch solve` on Li & Lim writes routes that visit every request node exactly once."""
    instance = benchmark_file("lilim/lc101.txt")
    output = tmp_path / "lc101.json"
    args = ["solve", str(instance), "--format", "lilim", *FAST, "--output", str(output)]
    assert main(args) == 0
    line = one_line_error(capsys.readouterr().out)  # the summary is one line too
    assert line.startswith("lc101: ") and "best known 10 vehicles" in line

    solution = json.loads(output.read_text(encoding="utf-8"))
    assert set(solution) >= {
        "instance",
        "routes",
        "vehicles",
        "distance",
        "unassigned",
        "runtime_s",
        "plan",
    }
    assert solution["instance"] == "lc101"
    assert solution["vehicles"] == len(solution["routes"])
    assert solution["plan"]["format"] == "dispatch-plan"
    visited = Counter(node for route in solution["routes"] for node in route)
    visited.update(node for left in solution["unassigned"] for node in left["nodes"])
    inst = read_lilim(instance)
    assert visited == Counter(range(1, inst.node_count))
    assert solution["distance"] == pytest.approx(inst.objective_distance(solution["routes"]))


def test_solve_guesses_the_format_of_each_benchmark_set() -> None:
    """The format is told from the contents when --format is left out."""
    assert guess_format(benchmark_file("lilim/lc101.txt")) == "lilim"
    assert guess_format(benchmark_file("solomon/c101.txt")) == "solomon"
    assert guess_format(benchmark_file("sartori/bar-n100-1.txt")) == "sartori"


def test_solve_json_problem_lists_task_ids(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A JSON problem is solved, its routes given as task ids and its distance in metres."""
    problem_file = tmp_path / "tiny.json"
    dump_problem(tiny_problem(), problem_file)
    output = tmp_path / "solution.json"
    assert main(["solve", str(problem_file), *FAST, "--output", str(output)]) == 0
    assert "all 2 tasks served" in capsys.readouterr().out
    solution = json.loads(output.read_text(encoding="utf-8"))
    assert solution["format"] == "json"
    assert Counter(solution["routes"][0]) == Counter({"milk": 2, "hello": 1})
    assert solution["distance"] == solution["plan"]["objective"]["distance_m"]
    assert solution["best_known"] is None


def test_solve_missing_file_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    """A missing instance file gives exit code 2 and one line naming it."""
    assert main(["solve", "no/such/instance.txt", "--format", "lilim"]) == 2
    line = one_line_error(capsys.readouterr().err)
    assert "no/such/instance.txt" in line and "no such file" in line


def test_solve_wrong_format_is_one_line_naming_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A Solomon file read as Li & Lim gives exit code 2 and one line with file and line."""
    path = tmp_path / "c.txt"
    path.write_text("C101\n\nVEHICLE\nNUMBER CAPACITY\n25 200\n", encoding="utf-8")
    assert main(["solve", str(path), "--format", "lilim"]) == 2
    line = one_line_error(capsys.readouterr().err)
    assert f"{path}:1:" in line and "expected 3 fields" in line


def test_solve_malformed_json_names_the_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A JSON problem with an unknown key gives exit code 2 and one line naming the key."""
    path = tmp_path / "bad.json"
    path.write_text(
        '{"format": "dispatch-problem", "version": 1, "tasks": [], "couriers": [],'
        ' "travel": {"type": "matrix", "nodes": [0], "durations_s": [[0]], "speed": 3}}',
        encoding="utf-8",
    )
    assert main(["solve", str(path)]) == 2
    line = one_line_error(capsys.readouterr().err)
    assert "travel.speed" in line and "unknown key" in line


def test_solve_unknown_contents_ask_for_format(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A file whose format cannot be guessed gives exit code 2 and asks for --format."""
    path = tmp_path / "notes.txt"
    path.write_text("just some notes\nnothing to route\n", encoding="utf-8")
    assert main(["solve", str(path)]) == 2
    assert "--format" in one_line_error(capsys.readouterr().err)


@pytest.mark.parametrize(
    "args",
    [
        ["solve", "x.txt", "--format", "xml"],
        ["solve", "x.txt", "--time-limit", "-1"],
        ["demo", "--seed", "minus-one"],
        [],
    ],
    ids=["bad-format", "negative-time", "bad-seed", "no-command"],
)
def test_bad_options_are_one_line_and_exit_2(
    args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """A bad option gives exit code 2 and one line on stderr, no usage dump."""
    assert main(args) == 2
    assert "error:" in one_line_error(capsys.readouterr().err)


def test_solve_output_folder_missing_is_caught_before_solving(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An --output in a folder that does not exist is reported (exit 2) before any solving."""
    problem_file = tmp_path / "tiny.json"
    dump_problem(tiny_problem(), problem_file)
    target = tmp_path / "missing" / "out.json"
    assert main(["solve", str(problem_file), "--output", str(target)]) == 2
    assert "folder does not exist" in one_line_error(capsys.readouterr().err)


def test_solve_violations_exit_1_with_the_list(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """When the validator rejects the plan, `dispatch solve` exits 1, lists why, writes nothing."""

    def forgetful(problem: Problem, options: SolveOptions, **kwargs: object) -> Plan:
        plan = solve(problem, options)
        return attrs.evolve(plan, routes=())  # every task is now missing

    monkeypatch.setattr(dispatch.cli, "solve", forgetful)
    problem_file = tmp_path / "tiny.json"
    dump_problem(tiny_problem(), problem_file)
    output = tmp_path / "out.json"
    assert main(["solve", str(problem_file), *FAST, "--output", str(output)]) == 1
    err = capsys.readouterr().err
    assert "TASK_MISSING 'milk'" in err and "TASK_MISSING 'hello'" in err
    assert not output.exists()


def test_solve_with_two_workers_serves_every_task(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--workers 2 runs the portfolio and still writes a valid plan serving every task."""
    problem_file = tmp_path / "tiny.json"
    dump_problem(tiny_problem(), problem_file)
    output = tmp_path / "solution.json"
    assert main(["solve", str(problem_file), *FAST, "--workers", "2", "--output", str(output)]) == 0
    assert "all 2 tasks served" in capsys.readouterr().out
    assert json.loads(output.read_text(encoding="utf-8"))["unassigned"] == []


def test_solve_draws_a_map_and_a_progress_bar(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--map writes a PNG of the routes; --progress draws the bar on stderr, not stdout."""
    pytest.importorskip("matplotlib")
    instance = benchmark_file("lilim/lc101.txt")
    picture = tmp_path / "lc101.png"
    assert main(["solve", str(instance), *FAST, "--map", str(picture), "--progress"]) == 0
    captured = capsys.readouterr()
    assert f"map {picture}" in captured.out and "solving [" not in captured.out
    assert "solving [" in captured.err and captured.err.endswith("\n")
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_solve_map_with_an_unknown_suffix_fails_before_solving(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An unknown map suffix is one line naming the file, and nothing is solved."""

    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("solved although the map path was wrong")

    monkeypatch.setattr(dispatch.cli, "solve", never)
    instance = benchmark_file("lilim/lc101.txt")
    assert main(["solve", str(instance), *FAST, "--map", str(tmp_path / "x.pdf")]) == 2
    line = one_line_error(capsys.readouterr().err)
    assert "x.pdf" in line and ".png" in line
