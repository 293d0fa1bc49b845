"""JSON problem and plan formats: round trips, strictness about keys and types, files."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from dispatch import (
    Courier,
    Errand,
    FormatError,
    InvalidInputError,
    Location,
    MatrixTravel,
    MealDelivery,
    ObjectiveParts,
    OwnStop,
    Plan,
    PlannedStop,
    Problem,
    Route,
    SolveStatus,
    Stop,
    StopRole,
    Task,
    TimeWindow,
    TravelMatrix,
    TravelProfile,
    Unassigned,
    UnassignedReason,
    Visit,
)
from dispatch.io import (
    dump_plan,
    dump_problem,
    load_plan,
    load_problem,
    plan_from_dict,
    plan_to_dict,
    problem_from_dict,
    problem_to_dict,
    read_lilim,
)
from dispatch.travel import HaversineTravel, Speeds
from dispatch.validation import validate

NODES: list[int | str] = [0, 1, 2, "kitchen", "home-7", 5, "depot-b"]


def _matrix(n: int, seed: int) -> list[list[int]]:
    rng = np.random.default_rng(seed)
    m = rng.integers(1, 900, size=(n, n))
    np.fill_diagonal(m, 0)
    return [[int(v) for v in row] for row in m]


def every_feature_problem() -> Problem:
    """A problem using every feature of the model, with a matrix over int and str nodes."""
    tasks: list[Task] = [
        Errand(
            id="e1",
            pickup=Stop(
                location=Location(lat=31.23, lon=121.47, node=1),
                windows=[(0, 600), (1200, 1800)],
                service_s=60,
            ),
            dropoff=Stop(location=Location(node=2), service_s=30),
            load=(2, 1),
            priority=3,
            max_ride_s=1500,
            skills=["fragile", "id-check"],
            kind="pharmacy",
        ),
        MealDelivery(
            id="m1",
            kitchen=Stop(location=Location(node="kitchen"), windows=[(0, 7200)], service_s=120),
            home=Stop(
                location=Location(lat=31.2, lon=121.5, node="home-7"), windows=[(3600, 5400)]
            ),
            ready_s=1800,
            max_ride_s=1200,
            load=(1, 0),
        ),
        Visit(id="v1", stop=Stop(location=Location(node=5), windows=[(100, 200)]), priority=2),
        Visit(id="v2", stop=Stop(location=Location(node=5)), load=(0, 1), skills="nurse"),
    ]
    couriers = [
        Courier(
            id="rider-1",
            start=Location(node=0),
            shift=TimeWindow(0, 28_800),
            capacity=(4, 2),
            profile=TravelProfile.EBIKE,
            skills=["fragile", "id-check", "nurse"],
            own_stops=[
                OwnStop(id="parcel-1", stop=Stop(location=Location(node=2), windows=[(0, 900)])),
                OwnStop(id="parcel-2", stop=Stop(location=Location(node=5), service_s=45)),
            ],
            detour_budget_s=900,
            fixed_cost=5000,
        ),
        Courier(
            id="van",
            start=Location(lat=31.0, lon=121.0, node="depot-b"),
            end=Location(node="depot-b"),
            shift=TimeWindow(3600, 36_000),
            capacity=(10, 10),
            profile="car",
        ),
    ]
    travel = MatrixTravel(
        nodes=NODES,
        durations_s=_matrix(len(NODES), 1),
        distances_m=np.array(_matrix(len(NODES), 2)),
    )
    return Problem(tasks=tasks, couriers=couriers, travel=travel)


def every_feature_plan() -> Plan:
    """A plan with stops of every role, several routes, and unassigned tasks."""

    def stop(role: StopRole, ref: str, t: int, load: Sequence[int]) -> PlannedStop:
        return PlannedStop(
            role=role,
            ref=ref,
            arrival_s=t,
            start_s=t + 5,
            departure_s=t + 65,
            load_after=tuple(load),
        )

    route_1 = Route(
        courier_id="rider-1",
        stops=(
            stop(StopRole.START, "rider-1", 0, [0, 0]),
            stop(StopRole.PICKUP, "e1", 100, [2, 1]),
            stop(StopRole.OWN, "parcel-1", 300, [2, 1]),
            stop(StopRole.DROPOFF, "e1", 500, [0, 0]),
            stop(StopRole.VISIT, "v2", 800, [0, 1]),
            stop(StopRole.END, "rider-1", 900, [0, 1]),
        ),
        distance_m=4200,
        duration_s=965,
    )
    route_2 = Route(
        courier_id="van",
        stops=(stop(StopRole.START, "van", 3600, [0, 0]), stop(StopRole.END, "van", 3700, [0, 0])),
        distance_m=0,
        duration_s=100,
    )
    return Plan(
        routes=(route_1, route_2),
        unassigned=(
            Unassigned(task_id="m1", reason=UnassignedReason.TIME_WINDOW, detail="too late"),
            Unassigned(
                task_id="v1",
                reason=UnassignedReason.COST,
                detail="cheaper to skip",
                insertion_cost=77,
            ),
        ),
        objective=ObjectiveParts(distance_m=4200, fixed_cost=5000, penalty=300),
        status=SolveStatus.FEASIBLE,
        runtime_s=1.25,
    )


def assert_same_problem(a: Problem, b: Problem) -> None:
    """Equal tasks and couriers, and a travel model of the same type with identical data."""
    assert a.tasks == b.tasks
    assert a.couriers == b.couriers
    assert type(a.travel) is type(b.travel)
    if isinstance(a.travel, MatrixTravel) and isinstance(b.travel, MatrixTravel):
        assert a.travel.nodes == b.travel.nodes
        assert [type(n) for n in a.travel.nodes] == [type(n) for n in b.travel.nodes]
        assert np.array_equal(a.travel.durations_s, b.travel.durations_s)
        assert np.array_equal(np.asarray(a.travel.distances_m), np.asarray(b.travel.distances_m))
    if isinstance(a.travel, HaversineTravel) and isinstance(b.travel, HaversineTravel):
        assert a.travel == b.travel


def _through_json_text(data: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(json.dumps(data))
    return result


def test_problem_round_trip_keeps_every_feature() -> None:
    """problem_from_dict(problem_to_dict(p)) equals p, also through JSON text."""
    problem = every_feature_problem()
    assert_same_problem(problem_from_dict(problem_to_dict(problem)), problem)
    assert_same_problem(problem_from_dict(_through_json_text(problem_to_dict(problem))), problem)


def test_node_types_survive_the_round_trip() -> None:
    """Int nodes stay ints and str nodes stay strs, in locations and in the matrix."""
    back = problem_from_dict(_through_json_text(problem_to_dict(every_feature_problem())))
    assert isinstance(back.travel, MatrixTravel)
    assert list(back.travel.nodes) == NODES
    errand, meal = back.tasks[0], back.tasks[1]
    assert isinstance(errand, Errand) and isinstance(meal, MealDelivery)
    assert type(errand.pickup.location.node) is int
    assert type(meal.kitchen.location.node) is str


def test_problem_file_round_trip(tmp_path: Path) -> None:
    """dump_problem then load_problem gives the same problem; matrix rows stay on one line."""
    problem = every_feature_problem()
    path = tmp_path / "problem.json"
    dump_problem(problem, path)
    assert_same_problem(load_problem(path), problem)
    text = path.read_text(encoding="utf-8")
    assert text.count("\n") < 200
    assert json.loads(text)["format"] == "dispatch-problem"


def test_haversine_travel_round_trip() -> None:
    """A HaversineTravel keeps its detour factor and per-profile speeds."""
    travel = HaversineTravel(detour_factor=1.4, speeds=Speeds(walk_mps=1.0, car_mps=11.5))
    problem = Problem(
        tasks=[Visit(id="v", stop=Stop(location=Location(lat=31.2, lon=121.4)))],
        couriers=[
            Courier(
                id="c", start=Location(lat=31.3, lon=121.5), shift=TimeWindow(0, 99), capacity=1
            )
        ],
        travel=travel,
    )
    data = _through_json_text(problem_to_dict(problem))
    assert data["travel"] == {
        "type": "haversine",
        "detour_factor": 1.4,
        "speeds_mps": {"walk": 1.0, "bike": 4.0, "ebike": 5.5, "car": 11.5},
    }
    assert_same_problem(problem_from_dict(data), problem)
    data["travel"] = {"type": "haversine"}
    assert problem_from_dict(data).travel == HaversineTravel()


def test_lilim_instance_round_trip(benchmark_file: Callable[[str], Path]) -> None:
    """A Li & Lim instance survives the JSON round trip with identical matrices."""
    problem = read_lilim(benchmark_file("lilim/lc101.txt")).problem
    assert_same_problem(problem_from_dict(_through_json_text(problem_to_dict(problem))), problem)


class _Unknown:
    """A travel model the JSON format does not know."""

    def matrix(self, locations: Sequence[Location], profile: TravelProfile) -> TravelMatrix:
        """Zero travel everywhere."""
        n = len(locations)
        return TravelMatrix(np.zeros((n, n)), np.zeros((n, n)))


def test_unsupported_travel_model_is_refused() -> None:
    """A travel model without a JSON form raises InvalidInputError saying so."""
    problem = Problem(tasks=[], couriers=[], travel=_Unknown())
    with pytest.raises(InvalidInputError, match="travel: the travel model _Unknown is not serial"):
        problem_to_dict(problem)


def test_unsupported_node_type_is_refused() -> None:
    """A node that is neither int nor str cannot be written, and the error gives its path."""
    problem = Problem(
        tasks=[Visit(id="v", stop=Stop(location=Location(node=(1, 2))))],
        couriers=[],
        travel=MatrixTravel(nodes=[(1, 2)], durations_s=[[0]]),
    )
    with pytest.raises(InvalidInputError, match=r"tasks\[0\]\.stop\.location\.node: node \(1, 2\)"):
        problem_to_dict(problem)


def _edit(
    data: dict[str, Any], path: Sequence[str | int], edit: Callable[[Any, Any], None]
) -> None:
    target: Any = data
    for key in path[:-1]:
        target = target[key]
    edit(target, path[-1])


UNKNOWN_KEYS: list[tuple[Sequence[str | int], str]] = [
    ((), "colour"),
    (("tasks", 0), "weight"),
    (("tasks", 0, "pickup"), "note"),
    (("tasks", 1, "kitchen", "location"), "x"),
    (("couriers", 0), "vehicle"),
    (("couriers", 0, "own_stops", 1), "paid"),
    (("couriers", 0, "own_stops", 1, "stop"), "window"),
    (("travel",), "speed"),
]


@pytest.mark.parametrize(("path", "key"), UNKNOWN_KEYS)
def test_unknown_keys_are_rejected_with_their_path(path: Sequence[str | int], key: str) -> None:
    """An unknown key anywhere raises InvalidInputError naming the full key path."""
    data = problem_to_dict(every_feature_problem())
    target: Any = data
    for step in path:
        target = target[step]
    target[key] = 1
    expected = "".join(f"[{s}]" if isinstance(s, int) else f".{s}" for s in (*path, key))
    with pytest.raises(InvalidInputError) as info:
        problem_from_dict(data)
    assert info.value.field == expected.lstrip(".")
    assert "unknown key" in info.value.message


MISSING_KEYS: list[Sequence[str | int]] = [
    ("tasks",),
    ("version",),
    ("tasks", 0, "id"),
    ("tasks", 0, "dropoff", "location"),
    ("tasks", 1, "ready_s"),
    ("tasks", 2, "type"),
    ("couriers", 1, "shift"),
    ("couriers", 0, "own_stops", 0, "stop"),
    ("travel", "durations_s"),
    ("travel", "type"),
]


@pytest.mark.parametrize("path", MISSING_KEYS)
def test_missing_required_keys_are_rejected_with_their_path(path: Sequence[str | int]) -> None:
    """A missing required key raises InvalidInputError naming its key path."""
    data = copy.deepcopy(problem_to_dict(every_feature_problem()))
    _edit(data, path, lambda target, key: target.pop(key))
    expected = "".join(f"[{s}]" if isinstance(s, int) else f".{s}" for s in path).lstrip(".")
    with pytest.raises(InvalidInputError) as info:
        problem_from_dict(data)
    assert (info.value.field, info.value.message) == (expected, "missing required key")


BAD_VALUES: list[tuple[Sequence[str | int], Any, str, str]] = [
    (("tasks", 0, "load", 1), "1", "tasks[0].load[1]", "expected an integer"),
    (("tasks", 0, "load", 1), 1.0, "tasks[0].load[1]", "expected an integer"),
    (
        ("tasks", 0, "pickup", "windows", 0),
        [1, 2, 3],
        "tasks[0].pickup.windows[0]",
        "got 3 item(s)",
    ),
    (("tasks", 0, "type"), "parcel", "tasks[0].type", "'parcel' is not one of"),
    (("tasks", 2, "stop", "location", "node"), 1.5, "tasks[2].stop.location.node", "integer or"),
    (("tasks", 2, "stop", "location", "node"), True, "tasks[2].stop.location.node", "integer or"),
    (("couriers", 0, "profile"), "rocket", "couriers[0].profile", "'rocket' is not one of"),
    (("couriers", 0, "skills"), "nurse", "couriers[0].skills", "expected an array"),
    (("travel", "durations_s", 2, 3), 1.5, "travel.durations_s[2][3]", "expected an integer"),
    (("travel", "durations_s", 2), [0, 1], "travel.durations_s[2]", "expected 7 entries"),
    (("travel", "nodes", 6), "kitchen", "travel", "MatrixTravel.nodes: node keys repeat"),
    (("format",), "dispatch-plan", "format", "expected 'dispatch-problem'"),
    (("version",), 2, "version", "unsupported version 2"),
    # model rules are reported under the path of the object that breaks them
    (("tasks", 0, "pickup", "windows", 0), [700, 100], "tasks[0].pickup", "TimeWindow"),
    (("couriers", 1, "capacity", 0), -1, "couriers[1]", "Courier.capacity"),
    (("tasks", 3, "id"), "v1", "document", "task id 'v1' repeats"),
]


@pytest.mark.parametrize(("path", "value", "field", "message"), BAD_VALUES)
def test_bad_values_are_rejected_with_their_path(
    path: Sequence[str | int], value: Any, field: str, message: str
) -> None:
    """A value of the wrong type or breaking a model rule names the key path and the cause."""
    data = copy.deepcopy(problem_to_dict(every_feature_problem()))
    _edit(data, path, lambda target, key: target.__setitem__(key, value))
    with pytest.raises(InvalidInputError) as info:
        problem_from_dict(data)
    assert info.value.field == field
    assert message in info.value.message


def test_optional_keys_take_model_defaults() -> None:
    """A minimal hand-written problem reads with the model's defaults for omitted keys."""
    problem = problem_from_dict(
        {
            "format": "dispatch-problem",
            "version": 1,
            "tasks": [
                {
                    "type": "errand",
                    "id": "e",
                    "pickup": {"location": {"node": 1}},
                    "dropoff": {"location": {"node": 2}},
                }
            ],
            "couriers": [{"id": "c", "start": {"node": 0}, "shift": [0, 3600], "capacity": [3]}],
            "travel": {"type": "matrix", "nodes": [0, 1, 2], "durations_s": _matrix(3, 0)},
        }
    )
    assert problem.tasks[0] == Errand(
        id="e", pickup=Stop(location=Location(node=1)), dropoff=Stop(location=Location(node=2))
    )
    assert problem.couriers[0] == Courier(
        id="c", start=Location(node=0), shift=TimeWindow(0, 3600), capacity=3
    )
    assert isinstance(problem.travel, MatrixTravel)
    assert np.array_equal(np.asarray(problem.travel.distances_m), problem.travel.durations_s)


def test_plan_round_trip() -> None:
    """plan_from_dict(plan_to_dict(plan)) equals the plan, also through JSON text."""
    plan = every_feature_plan()
    assert plan_from_dict(plan_to_dict(plan)) == plan
    assert plan_from_dict(_through_json_text(plan_to_dict(plan))) == plan
    assert plan_to_dict(plan)["objective"]["total"] == 9500


def test_plan_file_round_trip(tmp_path: Path) -> None:
    """dump_plan then load_plan gives the same plan."""
    plan = every_feature_plan()
    dump_plan(plan, tmp_path / "plan.json")
    assert load_plan(tmp_path / "plan.json") == plan


PLAN_ERRORS: list[tuple[Sequence[str | int], Any, str, str]] = [
    (("routes", 0, "stops", 1, "seat"), 1, "routes[0].stops[1].seat", "unknown key"),
    (("unassigned", 0, "why"), "x", "unassigned[0].why", "unknown key"),
    (("routes", 0, "stops", 2, "role"), "lunch", "routes[0].stops[2].role", "not one of"),
    (("unassigned", 1, "reason"), "tired", "unassigned[1].reason", "not one of"),
    (("routes", 0, "stops", 0, "arrival_s"), -1, "routes[0].stops[0].arrival_s", "must be >= 0"),
    (("status",), "great", "status", "not one of"),
    (("runtime_s",), "fast", "runtime_s", "expected a finite number"),
    (("objective", "total"), 1, "objective.total", "parts add up to 9500"),
    (("format",), "dispatch-problem", "format", "expected 'dispatch-plan'"),
]


@pytest.mark.parametrize(("path", "value", "field", "message"), PLAN_ERRORS)
def test_bad_plans_are_rejected_with_their_path(
    path: Sequence[str | int], value: Any, field: str, message: str
) -> None:
    """Unknown keys and bad values in a plan name their key path."""
    data = copy.deepcopy(plan_to_dict(every_feature_plan()))
    _edit(data, path, lambda target, key: target.__setitem__(key, value))
    with pytest.raises(InvalidInputError) as info:
        plan_from_dict(data)
    assert info.value.field == field
    assert message in info.value.message


@pytest.mark.parametrize(
    "path", [("routes", 0, "stops", 3, "ref"), ("objective", "penalty"), ("unassigned",)]
)
def test_plan_missing_keys_are_rejected_with_their_path(path: Sequence[str | int]) -> None:
    """A plan missing a required key names its key path."""
    data = copy.deepcopy(plan_to_dict(every_feature_plan()))
    _edit(data, path, lambda target, key: target.pop(key))
    expected = "".join(f"[{s}]" if isinstance(s, int) else f".{s}" for s in path).lstrip(".")
    with pytest.raises(InvalidInputError, match="missing required key") as info:
        plan_from_dict(data)
    assert info.value.field == expected


def test_load_problem_reports_json_syntax_errors_with_the_line(tmp_path: Path) -> None:
    """Invalid JSON raises FormatError naming the file and the line of the syntax error."""
    path = tmp_path / "broken.json"
    path.write_text('{\n  "format": "dispatch-problem",\n  "version": 1,,\n}\n', encoding="utf-8")
    with pytest.raises(FormatError) as info:
        load_problem(path)
    assert (info.value.source, info.value.line) == (str(path), 3)


def test_load_problem_names_the_file_and_key_path(tmp_path: Path) -> None:
    """A content error in a file names the file and the key path."""
    data = problem_to_dict(every_feature_problem())
    del data["couriers"][1]["id"]
    path = tmp_path / "p.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(FormatError, match=r"p\.json: couriers\[1\]\.id: missing required key"):
        load_problem(path)
    path.write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(FormatError, match="expected a JSON object"):
        load_problem(path)


def _doc_examples() -> list[str]:
    doc = Path(__file__).resolve().parents[2] / "docs" / "json-format.md"
    blocks = doc.read_text(encoding="utf-8").split("```json\n")[1:]
    return [b.split("\n```", 1)[0] + "\n" for b in blocks]


def test_documented_examples_load_and_are_written_back_verbatim(tmp_path: Path) -> None:
    """The problem and plan examples in docs/json-format.md load and re-dump to the same text."""
    problem_text, plan_text = _doc_examples()
    (tmp_path / "problem.json").write_text(problem_text, encoding="utf-8")
    (tmp_path / "plan.json").write_text(plan_text, encoding="utf-8")
    dump_problem(load_problem(tmp_path / "problem.json"), tmp_path / "again.json")
    dump_plan(load_plan(tmp_path / "plan.json"), tmp_path / "again-plan.json")
    assert (tmp_path / "again.json").read_text(encoding="utf-8") == problem_text
    assert (tmp_path / "again-plan.json").read_text(encoding="utf-8") == plan_text


def test_documented_plan_is_valid_for_the_documented_problem() -> None:
    """The example plan in docs/json-format.md passes the validator on the example problem."""
    problem_text, plan_text = _doc_examples()
    problem = problem_from_dict(json.loads(problem_text))
    plan = plan_from_dict(json.loads(plan_text))
    assert validate(problem, plan) == []
