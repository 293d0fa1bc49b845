"""VROOM JSON: documented examples, the mapping's semantics, unsupported keys, solutions, CLI.

The examples follow VROOM's API description (docs/API.md): a jobs-only
problem on coordinates, the documented two-vehicle problem with skills, time
windows, a shipment and mixed deliveries and pickups (without its breaks,
which dispatch rejects), and custom-matrix problems. When ``pyvroom`` is
installed (the ``bench`` extra), VROOM itself solves the matrix documents and
dispatch's validator checks VROOM's routes read back through the mapping.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from dispatch import Errand, InvalidInputError, SolveOptions, Visit, solve, validate
from dispatch.cli import main
from dispatch.errors import FormatError, UnsupportedFieldError
from dispatch.io import (
    VroomMapping,
    is_vroom_document,
    read_vroom,
    read_vroom_solution,
    write_vroom_solution,
)
from dispatch.io._vroom_build import OPEN_SHIFT_END_S
from dispatch.model import Problem, TravelProfile
from dispatch.plan import Plan, PlannedStop, StopRole, UnassignedReason

OPTIONS = SolveOptions(time_limit_s=10, solution_limit=30)

# ---------------------------------------------------------------------------- example documents

#: The first example of VROOM's API description: one vehicle, two jobs, coordinates only.
JOBS_ONLY: dict[str, Any] = {
    "vehicles": [{"id": 0, "start": [2.3526, 48.8604], "end": [2.3526, 48.8604]}],
    "jobs": [{"id": 0, "location": [2.3691, 48.8532]}, {"id": 1, "location": [2.2911, 48.8566]}],
}

#: VROOM's documented two-vehicle example (breaks left out): skills, a time window, a
#: shipment, deliveries and a pickup in the same capacity dimension.
API_EXAMPLE: dict[str, Any] = {
    "vehicles": [
        {
            "id": 1,
            "start": [2.35044, 48.71764],
            "end": [2.35044, 48.71764],
            "capacity": [4],
            "skills": [1, 14],
            "time_window": [28800, 43200],
        },
        {
            "id": 2,
            "start": [2.35044, 48.71764],
            "end": [2.35044, 48.71764],
            "capacity": [4],
            "skills": [2, 14],
            "time_window": [28800, 43200],
        },
    ],
    "jobs": [
        {
            "id": 1,
            "service": 300,
            "delivery": [1],
            "location": [1.98935, 48.701],
            "skills": [1],
            "time_windows": [[32400, 36000]],
        },
        {"id": 2, "service": 300, "pickup": [1], "location": [2.03655, 48.61128], "skills": [1]},
        {"id": 5, "service": 300, "delivery": [1], "location": [2.28325, 48.5958], "skills": [14]},
        {"id": 6, "service": 300, "delivery": [1], "location": [2.89357, 48.90736], "skills": [14]},
    ],
    "shipments": [
        {
            "amount": [1],
            "skills": [2],
            "pickup": {"id": 4, "service": 300, "location": [2.41808, 49.22619]},
            "delivery": {"id": 3, "service": 300, "location": [2.39719, 49.07611]},
        }
    ],
}

#: The custom-matrix example of VROOM's API description (start 0, end 7), with six jobs.
MATRIX = [
    [0, 2104, 197, 959, 1975, 436, 418, 1299],
    [2103, 0, 2255, 2812, 1455, 2539, 1685, 3152],
    [197, 2256, 0, 762, 2172, 633, 570, 1102],
    [959, 2813, 762, 0, 2934, 1395, 1127, 340],
    [1975, 1456, 2172, 2934, 0, 2020, 2169, 3274],
    [435, 2539, 632, 1394, 2019, 0, 853, 1734],
    [418, 1686, 570, 1127, 2169, 854, 0, 1467],
    [1299, 3153, 1102, 340, 3274, 1735, 1467, 0],
]
MATRIX_JOBS: dict[str, Any] = {
    "vehicles": [{"id": 0, "start_index": 0, "end_index": 7}],
    "jobs": [{"id": k, "location_index": k} for k in range(1, 7)],
    "matrices": {"car": {"durations": MATRIX}},
}

#: Shipments with time windows, skills and priorities on a matrix; two vehicles, one of
#: them open-ended and faster.
SHIPMENTS: dict[str, Any] = {
    "vehicles": [
        {
            "id": 10,
            "start_index": 0,
            "end_index": 0,
            "capacity": [2, 10],
            "skills": [1],
            "time_window": [0, 20000],
            "description": "van",
        },
        {
            "id": 11,
            "start_index": 7,
            "capacity": [1, 5],
            "skills": [1, 2],
            "time_window": [1000, 15000],
        },
    ],
    "shipments": [
        {
            "amount": [1, 3],
            "skills": [1],
            "priority": 10,
            "pickup": {"id": 1, "location_index": 1, "service": 120, "description": "bakery"},
            "delivery": {
                "id": 1,
                "location_index": 2,
                "service": 60,
                "time_windows": [[2000, 6000], [9000, 12000]],
            },
        },
        {
            "amount": [1, 4],
            "skills": [2],
            "priority": 100,
            "pickup": {"id": 2, "location_index": 3, "time_windows": [[0, 8000]]},
            "delivery": {"id": 2, "location_index": 4, "service": 30},
        },
        {
            "amount": [1, 2],
            "pickup": {"id": 3, "location_index": 5},
            "delivery": {"id": 3, "location_index": 6, "time_windows": [[0, 14000]]},
        },
    ],
    "matrices": {"car": {"durations": MATRIX, "distances": [[10 * d for d in r] for r in MATRIX]}},
}


def doc(
    base: dict[str, Any], edit: Callable[[dict[str, Any]], object] | None = None
) -> dict[str, Any]:
    """A deep copy of ``base``, changed in place by ``edit``."""
    out = copy.deepcopy(base)
    if edit is not None:
        edit(out)
    return out


def solve_and_check(problem: Problem, mapping: VroomMapping) -> tuple[Plan, dict[str, Any]]:
    """Solve, check the plan, write it, and check the written steps against the plan."""
    plan = solve(problem, OPTIONS, warm_start=mapping.warm_start)
    assert validate(problem, plan) == []
    solution = write_vroom_solution(problem, plan, mapping)
    assert_agrees(plan, solution, mapping)
    return plan, solution


def step_type(stop: PlannedStop, mapping: VroomMapping) -> str:
    """The VROOM step type a planned stop is written as."""
    if stop.role in (StopRole.START, StopRole.END):
        return str(stop.role.value)
    if mapping.tasks[stop.ref].kind == "job":
        return "job"
    return "pickup" if stop.role is StopRole.PICKUP else "delivery"


def assert_agrees(plan: Plan, solution: dict[str, Any], mapping: VroomMapping) -> None:
    """The written routes list the plan's stops (loading stops hidden) at the plan's times."""
    assert solution["code"] == 0
    assert [r["vehicle"] for r in solution["routes"]] == [
        mapping.vehicles[r.courier_id].id for r in plan.routes
    ]
    for route, written in zip(plan.routes, solution["routes"], strict=True):
        shown = [
            s
            for s in route.stops
            if not (s.role is StopRole.PICKUP and mapping.tasks[s.ref].loaded_at_start)
        ]
        steps = written["steps"]
        assert [s["type"] for s in steps] == [step_type(s, mapping) for s in shown]
        offset = mapping.time_offset_s
        assert [s["arrival"] for s in steps] == [s.arrival_s + offset for s in shown]
        assert [s.get("waiting_time", 0) for s in steps] == [s.wait_s for s in shown]
        for step, stop in zip(steps[1:-1], shown[1:-1], strict=True):
            task = mapping.tasks[stop.ref]
            k = 1 if stop.role is StopRole.DROPOFF and task.kind == "shipment" else 0
            assert step["id"] == task.ids[k]
        durations = [s["duration"] for s in steps]
        assert durations == sorted(durations) and durations[-1] == written["duration"]
    routed = sum(len(r.task_ids) for r in plan.routes)
    assert routed + len(plan.unassigned) == len(mapping.tasks)


# ---------------------------------------------------------------------------- documented examples


def test_jobs_only_example_on_coordinates_solves_and_writes_locations() -> None:
    """The API's first example: two visits, straight-line travel, steps with [lon, lat]."""
    problem, mapping = read_vroom(JOBS_ONLY)
    assert [type(t) for t in problem.tasks] == [Visit, Visit]
    assert [t.id for t in problem.tasks] == ["job-0", "job-1"]
    courier = problem.couriers[0]
    assert courier.shift.latest_s == OPEN_SHIFT_END_S and courier.profile is TravelProfile.CAR
    plan, solution = solve_and_check(problem, mapping)
    assert not plan.unassigned
    steps = solution["routes"][0]["steps"]
    assert steps[0]["location"] == [2.3526, 48.8604] and steps[-1]["type"] == "end"
    assert sorted(s["id"] for s in steps[1:-1]) == [0, 1]
    assert solution["summary"]["distance"] > 0  # straight-line distances are known
    assert solution["summary"]["cost"] == solution["summary"]["duration"]  # default costs


def test_api_example_maps_deliveries_to_errands_from_the_start() -> None:
    """Deliveries sharing a dimension with a pickup and a shipment are loaded before leaving."""
    problem, mapping = read_vroom(API_EXAMPLE)
    job1 = problem.task("job-1")
    assert isinstance(job1, Errand) and mapping.tasks["job-1"].loaded_at_start
    assert job1.pickup.windows[0].earliest_s == job1.pickup.windows[0].latest_s == 28800
    assert job1.pickup.location.node == problem.couriers[0].start.node
    assert isinstance(problem.task("job-2"), Visit)  # a pickup adds load as VROOM's does
    shipment = problem.task("shipment-4-3")
    assert isinstance(shipment, Errand) and shipment.skills == {"2"}
    assert job1.skills == {"1"} and job1.priority == 1
    _, solution = solve_and_check(problem, mapping)
    again = read_vroom_solution(problem, mapping, solution)
    assert validate(problem, again) == []
    assert write_vroom_solution(problem, again, mapping) == solution  # loading stops implied
    for route in solution["routes"]:
        steps = route["steps"]
        delivered = sum(
            mapping.tasks[f"job-{s['id']}"].delivery[0] for s in steps if s["type"] == "job"
        )
        assert steps[0]["load"] == [delivered]  # VROOM's loads: deliveries on board at start
        assert all(0 <= s["load"][0] <= 4 for s in steps)


def test_api_example_with_breaks_is_rejected_naming_them() -> None:
    """The documented example as published has breaks, which dispatch names and rejects."""
    with_breaks = doc(
        API_EXAMPLE,
        lambda d: d["vehicles"][1].update(
            breaks=[{"id": 2, "service": 300, "time_windows": [[34200, 36000]]}]
        ),
    )
    with pytest.raises(UnsupportedFieldError) as info:
        read_vroom(with_breaks)
    assert info.value.field == "vehicles[1].breaks"


def test_matrix_example_round_trips_through_a_written_solution() -> None:
    """Read, solve, write, read back: the same routes, and the validator accepts them."""
    problem, mapping = read_vroom(MATRIX_JOBS)
    assert problem.couriers[0].end is not None and problem.couriers[0].end.node == 7
    plan, solution = solve_and_check(problem, mapping)
    again = read_vroom_solution(problem, mapping, json.loads(json.dumps(solution)))
    assert again.routes == plan.routes
    assert validate(problem, again) == []
    assert "distance" not in solution["summary"]  # durations only: distance unknown


def test_shipments_example_round_trips_with_windows_skills_and_priorities() -> None:
    """Shipments keep their ids, services, windows, skills and priorities through the mapping."""
    problem, mapping = read_vroom(SHIPMENTS)
    bakery = problem.task("shipment-1-1")
    assert isinstance(bakery, Errand)
    assert bakery.pickup.service_s == 120 and bakery.load == (1, 3) and bakery.priority == 11
    assert [(w.earliest_s, w.latest_s) for w in bakery.dropoff.windows] == [
        (2000, 6000),
        (9000, 12000),
    ]
    assert problem.courier("vehicle-11").end is None  # open end
    plan, solution = solve_and_check(problem, mapping)
    again = read_vroom_solution(problem, mapping, solution)
    assert again.routes == plan.routes and validate(problem, again) == []
    assert {u.task_id for u in again.unassigned} == {u.task_id for u in plan.unassigned}
    assert solution["summary"]["distance"] == sum(r["distance"] for r in solution["routes"])
    van = next((r for r in solution["routes"] if r["vehicle"] == 10), None)
    if van is not None:
        assert van["description"] == "van"


# ---------------------------------------------------------------------------- mapping semantics


def test_deliveries_alone_in_their_dimension_stay_visits() -> None:
    """Without pickups or shipments in a dimension, a delivery job is a visit adding its load."""

    def deliveries(d: dict[str, Any]) -> None:
        for job in d["jobs"]:
            job["delivery"] = [2]
        d["vehicles"][0]["capacity"] = [5]

    problem, mapping = read_vroom(doc(MATRIX_JOBS, deliveries))
    assert all(isinstance(t, Visit) and t.load == (2,) for t in problem.tasks)
    plan, solution = solve_and_check(problem, mapping)
    for route in solution["routes"]:
        served = sum(1 for s in route["steps"] if s["type"] == "job")
        assert route["steps"][0]["load"] == [2 * served] and route["steps"][-1]["load"] == [0]
    assert len(plan.unassigned) == 4  # capacity 5 carries two jobs of 2


def test_mixed_deliveries_need_one_start_for_every_vehicle() -> None:
    """Errands from the start need a common start; otherwise the delivery is rejected."""
    apart = doc(API_EXAMPLE, lambda d: d["vehicles"][1].update(start=[2.4, 48.7]))
    with pytest.raises(UnsupportedFieldError) as info:
        read_vroom(apart)
    assert info.value.field == "jobs[0].delivery" and "start at one place" in str(info.value)
    later = doc(API_EXAMPLE, lambda d: d["vehicles"][1].update(time_window=[30000, 43200]))
    with pytest.raises(UnsupportedFieldError, match="shift at one time"):
        read_vroom(later)
    both = doc(API_EXAMPLE, lambda d: d["jobs"][0].update(pickup=[1]))
    with pytest.raises(UnsupportedFieldError) as info:
        read_vroom(both)
    assert info.value.field == "jobs[0].pickup"


def test_setup_counts_as_service_when_the_location_is_the_jobs_alone() -> None:
    """A job alone at its place always pays its setup; written back as setup and service."""
    problem, mapping = read_vroom(
        doc(MATRIX_JOBS, lambda d: d["jobs"][0].update(setup=40, service=20))
    )
    task = problem.task("job-1")
    assert isinstance(task, Visit) and task.stop.service_s == 60
    _, solution = solve_and_check(problem, mapping)
    step = next(s for s in solution["routes"][0]["steps"] if s.get("id") == 1)
    assert (step["setup"], step["service"]) == (40, 20)
    assert solution["summary"]["setup"] == 40 and solution["summary"]["service"] == 20


def test_speed_factor_rounds_leg_durations_up() -> None:
    """Durations divide by the speed factor and round up; VROOM's faster vehicle is faster here."""
    problem, mapping = read_vroom(
        doc(MATRIX_JOBS, lambda d: d["vehicles"][0].update(speed_factor=0.7))
    )
    matrix = problem.travel.matrix(
        [problem.couriers[0].start, problem.task("job-1").stop.location],  # type: ignore[union-attr]
        problem.couriers[0].profile,
    )
    assert int(matrix.durations_s[0, 1]) == 3006  # ceil(2104 / 0.7) = ceil(3005.71...)
    assert mapping.matrices[problem.couriers[0].profile].costs[0, 1] == 3006


def test_costs_fixed_per_hour_and_per_km_make_vroom_costs() -> None:
    """Arc costs are per_hour * hours + per_km * km, plus the fixed cost, as VROOM reports."""
    document = {
        "vehicles": [
            {
                "id": 8,
                "start_index": 0,
                "end_index": 0,
                "speed_factor": 0.5,
                "costs": {"fixed": 50, "per_hour": 1800, "per_km": 10},
            }
        ],
        "jobs": [{"id": 1, "location_index": 1}],
        "matrices": {
            "car": {"durations": [[0, 100], [100, 0]], "distances": [[0, 1000], [1000, 0]]}
        },
    }
    problem, mapping = read_vroom(document)
    assert problem.couriers[0].fixed_cost == 50
    _, solution = solve_and_check(problem, mapping)
    assert solution["summary"]["cost"] == 270  # what VROOM 1.15 reports for this document
    assert solution["summary"]["duration"] == 400 and solution["summary"]["distance"] == 2000


def test_custom_cost_matrix_is_the_objective() -> None:
    """A costs matrix becomes the arcs' costs (not scaled by the speed factor)."""
    document = {
        "vehicles": [{"id": 8, "start_index": 0, "end_index": 0, "speed_factor": 0.5}],
        "jobs": [{"id": 1, "location_index": 1}],
        "matrices": {"car": {"durations": [[0, 100], [100, 0]], "costs": [[0, 7], [9, 0]]}},
    }
    problem, mapping = read_vroom(document)
    plan, solution = solve_and_check(problem, mapping)
    assert plan.distance_m == 16 and solution["summary"]["cost"] == 16


def test_profiles_and_speed_factors_get_their_own_matrices() -> None:
    """Vehicles of different profiles or speed factors travel by their own matrices."""
    document = doc(
        MATRIX_JOBS,
        lambda d: d.update(
            vehicles=[
                {"id": 0, "start_index": 0, "end_index": 7},
                {"id": 1, "start_index": 0, "profile": "bike"},
                {"id": 2, "start_index": 0, "speed_factor": 2},
            ],
            matrices={
                "car": {"durations": MATRIX},
                "bike": {"durations": [[3 * x for x in row] for row in MATRIX]},
            },
        ),
    )
    problem, mapping = read_vroom(document)
    profiles = [c.profile for c in problem.couriers]
    assert profiles == [TravelProfile.CAR, TravelProfile.BIKE, TravelProfile.EBIKE]
    start, job = problem.couriers[0].start, problem.task("job-1").stop.location  # type: ignore[union-attr]
    legs = [int(problem.travel.matrix([start, job], p).durations_s[0, 1]) for p in profiles]
    assert legs == [2104, 3 * 2104, 1052]
    solve_and_check(problem, mapping)


def test_timestamps_are_shifted_to_their_day_and_written_back() -> None:
    """Absolute times become seconds of their first day; the solution speaks timestamps again."""
    day = 1_700_006_400  # a midnight, UTC
    document = doc(
        MATRIX_JOBS,
        lambda d: (
            d["vehicles"][0].update(time_window=[day + 28800, day + 61200]),
            d["jobs"][0].update(time_windows=[[day + 36000, day + 37800]]),
        ),
    )
    problem, mapping = read_vroom(document)
    assert mapping.time_offset_s == day
    assert problem.couriers[0].shift.earliest_s == 28800
    plan, solution = solve_and_check(problem, mapping)
    job = next(s for s in solution["routes"][0]["steps"] if s.get("id") == 1)
    assert day + 36000 <= job["arrival"] + job["waiting_time"] <= day + 37800
    assert read_vroom_solution(problem, mapping, solution).routes == plan.routes


def test_max_tasks_counts_shipments_twice_like_vroom() -> None:
    """A shipment is two VROOM tasks: max_tasks 3 lets a courier carry one shipment."""
    problem, _ = read_vroom(doc(SHIPMENTS, lambda d: d["vehicles"][0].update(max_tasks=3)))
    assert problem.courier("vehicle-10").max_tasks == 1
    problem, _ = read_vroom(doc(MATRIX_JOBS, lambda d: d["vehicles"][0].update(max_tasks=3)))
    assert problem.couriers[0].max_tasks == 3


def test_max_travel_time_is_a_detour_budget_over_the_empty_route() -> None:
    """Without service times, a travel-time limit is a detour budget above start -> end."""
    problem, mapping = read_vroom(
        doc(MATRIX_JOBS, lambda d: d["vehicles"][0].update(max_travel_time=4000))
    )
    assert problem.couriers[0].detour_budget_s == 4000 - 1299
    plan, solution = solve_and_check(problem, mapping)
    assert solution["summary"]["duration"] <= 4000 and plan.unassigned


def test_steps_seed_the_search_like_vroom_solving_mode() -> None:
    """Vehicle steps become a warm-start plan (VROOM uses them as a starting point)."""
    steps = [{"type": "start"}, {"type": "job", "id": 3}, {"type": "job", "id": 1}, {"type": "end"}]
    problem, mapping = read_vroom(doc(MATRIX_JOBS, lambda d: d["vehicles"][0].update(steps=steps)))
    assert mapping.warm_start is not None
    route = mapping.warm_start.routes[0]
    assert [s.ref for s in route.stops[1:-1]] == ["job-3", "job-1"]
    assert route.stops[1].arrival_s == MATRIX[0][3]
    solve_and_check(problem, mapping)


def test_unassigned_entries_carry_our_reasons() -> None:
    """A job no vehicle has the skill for is unassigned with reason 'skill'; shipments twice."""
    document = doc(
        SHIPMENTS,
        lambda d: (
            d["shipments"][2].update(skills=[99]),
            d.update(jobs=[]),
        ),
    )
    problem, mapping = read_vroom(document)
    _, solution = solve_and_check(problem, mapping)
    entries = [u for u in solution["unassigned"] if u["id"] == 3]
    assert [u["type"] for u in entries] == ["pickup", "delivery"]
    assert all(u["reason"] == "skill" and u["detail"] for u in entries)
    assert solution["summary"]["unassigned"] == len(solution["unassigned"])
    again = read_vroom_solution(problem, mapping, solution)
    assert next(u for u in again.unassigned if u.task_id == "shipment-3-3").reason is (
        UnassignedReason.SKILL
    )


def test_no_amounts_means_one_zero_dimension_and_no_loads_written() -> None:
    """A document without amounts has capacity (0,) inside and, like VROOM, writes no loads."""
    problem, mapping = read_vroom(MATRIX_JOBS)
    assert problem.couriers[0].capacity == (0,) and mapping.dimensions == 0
    _, solution = solve_and_check(problem, mapping)
    assert not any("load" in s for s in solution["routes"][0]["steps"])
    assert "delivery" not in solution["summary"]


def test_overlapping_time_windows_merge_into_their_union() -> None:
    """VROOM allows overlapping windows; their union is the same set of start times."""
    problem, _ = read_vroom(
        doc(
            MATRIX_JOBS, lambda d: d["jobs"][0].update(time_windows=[[50, 90], [0, 60], [200, 300]])
        )
    )
    windows = problem.task("job-1").stop.windows  # type: ignore[union-attr]
    assert [(w.earliest_s, w.latest_s) for w in windows] == [(0, 90), (200, 300)]


def test_is_vroom_document_tells_the_formats_apart() -> None:
    """VROOM documents have vehicles and no format header."""
    assert is_vroom_document(MATRIX_JOBS) and not is_vroom_document({"format": "dispatch-problem"})


# ---------------------------------------------------------------------------- unsupported keys


def _set(path: list[Any], value: Any) -> Callable[[dict[str, Any]], None]:
    def edit(d: dict[str, Any]) -> None:
        target: Any = d
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return edit


UNSUPPORTED = [
    (
        API_EXAMPLE,
        _set(["vehicles", 0, "breaks"], [{"id": 1, "time_windows": [[0, 9]]}]),
        "vehicles[0].breaks",
    ),
    (MATRIX_JOBS, _set(["vehicles", 0, "max_distance"], 1000), "vehicles[0].max_distance"),
    (MATRIX_JOBS, _set(["jobs", 2, "setup_per_type"], {"van": 5}), "jobs[2].setup_per_type"),
    (
        SHIPMENTS,
        _set(["shipments", 1, "delivery", "service_per_type"], {"van": 5}),
        "shipments[1].delivery.service_per_type",
    ),
    (
        MATRIX_JOBS,
        _set(["vehicles", 0, "steps"], [{"type": "job", "id": 1, "service_at": 5}]),
        "vehicles[0].steps[0].service_at",
    ),
    (
        MATRIX_JOBS,
        _set(["vehicles", 0, "steps"], [{"type": "break", "id": 1}]),
        "vehicles[0].steps[0]",
    ),
    (MATRIX_JOBS, _set(["vehicles", 0], {"id": 0, "end_index": 7}), "vehicles[0].start"),
    (MATRIX_JOBS, _set(["jobs", 1], {"id": 2, "location_index": 0, "setup": 5}), "jobs[1].setup"),
    (
        doc(MATRIX_JOBS, _set(["jobs", 1, "service"], 60)),
        _set(["vehicles", 0, "max_travel_time"], 9000),
        "vehicles[0].max_travel_time",
    ),
    (
        doc(SHIPMENTS, _set(["jobs"], [{"id": 1, "location_index": 1}])),
        _set(["vehicles", 0, "max_tasks"], 4),
        "vehicles[0].max_tasks",
    ),
    (MATRIX_JOBS, _set(["options"], {"g": True}), "options"),
    (
        doc(MATRIX_JOBS, _set(["matrices", "car", "costs"], MATRIX)),
        _set(["vehicles", 0, "costs"], {"per_km": 3}),
        "vehicles[0].costs",
    ),
    (
        MATRIX_JOBS,
        _set(
            ["vehicles"],
            [{"id": k, "start_index": 0, "speed_factor": 1 + k / 10} for k in range(5)],
        ),
        "vehicles[4]",
    ),
]


@pytest.mark.parametrize(("base", "edit", "field"), UNSUPPORTED, ids=[u[2] for u in UNSUPPORTED])
def test_unsupported_keys_raise_naming_their_path(
    base: dict[str, Any], edit: Callable[[dict[str, Any]], None], field: str
) -> None:
    """Every VROOM key without a faithful mapping raises UnsupportedFieldError with its path."""
    with pytest.raises(UnsupportedFieldError) as info:
        read_vroom(doc(base, edit))
    assert info.value.field == field


INVALID = [
    (_set(["jobs", 0, "colour"], "red"), "jobs[0].colour", "unknown key"),
    (_set(["jobs", 0, "priority"], 101), "jobs[0].priority", "[0, 100]"),
    (_set(["jobs", 1, "id"], 1), "jobs[1].id", "repeats"),
    (_set(["jobs", 0, "location_index"], 8), "matrices.car", "jobs[0].location_index is 8"),
    (_set(["jobs", 0, "time_windows"], [[10, 5]]), "jobs[0].time_windows[0]", "after end"),
    (_set(["jobs", 0, "delivery"], [1]), "vehicles[0].capacity", "missing"),
    (_set(["vehicles", 0, "speed_factor"], 6), "vehicles[0].speed_factor", "(0, 5]"),
    (_set(["matrices", "car", "durations", 2], [1, 2]), "matrices.car.durations[2]", "square"),
    (_set(["jobs", 0], {"id": 1}), "jobs[0].location", "missing"),
    (_set(["vehicles", 0, "start"], [200.0, 0.0]), "vehicles[0].start", "[lon, lat]"),
]


@pytest.mark.parametrize(("edit", "field", "words"), INVALID, ids=[i[1] for i in INVALID])
def test_malformed_documents_raise_naming_their_path(
    edit: Callable[[dict[str, Any]], None], field: str, words: str
) -> None:
    """Keys VROOM does not define, and bad values, raise InvalidInputError with the path."""
    with pytest.raises(InvalidInputError) as info:
        read_vroom(doc(MATRIX_JOBS, edit))
    assert not isinstance(info.value, UnsupportedFieldError)
    assert info.value.field == field and words in info.value.message


def test_coordinates_and_indices_follow_vroom_rules() -> None:
    """Without matrices every place needs coordinates, and an index alone is an error."""
    with pytest.raises(InvalidInputError) as info:
        read_vroom(doc(JOBS_ONLY, _set(["jobs", 1, "location_index"], 3)))
    assert info.value.field == "jobs[1].location_index"
    with pytest.raises(InvalidInputError) as info:
        read_vroom(doc(JOBS_ONLY, _set(["vehicles", 0, "profile"], "hovercraft")))
    assert info.value.field == "vehicles[0].profile"


def test_file_errors_name_the_file(tmp_path: Path) -> None:
    """From a file, bad JSON names file and line; unsupported keys name file and path."""
    bad = tmp_path / "bad.json"
    bad.write_text('{"vehicles": [,]}')
    with pytest.raises(FormatError, match=r"bad\.json:1: not valid JSON"):
        read_vroom(bad)
    breaks = tmp_path / "breaks.json"
    breaks.write_text(json.dumps(doc(API_EXAMPLE, UNSUPPORTED[0][1])))
    with pytest.raises(UnsupportedFieldError, match=r"breaks\.json: vehicles\[0\]\.breaks: "):
        read_vroom(breaks)


def test_solution_reader_checks_what_it_is_given() -> None:
    """VROOM errors, unknown ids and split shipments in a solution are named."""
    problem, mapping = read_vroom(SHIPMENTS)
    with pytest.raises(InvalidInputError, match="error 2"):
        read_vroom_solution(problem, mapping, {"code": 2, "error": "bad", "routes": []})
    split = {
        "routes": [
            {
                "vehicle": 10,
                "steps": [
                    {"type": "start", "arrival": 0},
                    {"type": "pickup", "id": 1, "arrival": 2104},
                    {"type": "end", "arrival": 5000},
                ],
            }
        ]
    }
    with pytest.raises(InvalidInputError, match="not its delivery"):
        read_vroom_solution(problem, mapping, split)
    with pytest.raises(InvalidInputError, match="no pickup has id 9"):
        read_vroom_solution(
            problem,
            mapping,
            {
                "routes": [
                    {
                        "vehicle": 10,
                        "steps": [
                            {"type": "start", "arrival": 0},
                            {"type": "pickup", "id": 9, "arrival": 1},
                            {"type": "end", "arrival": 5},
                        ],
                    }
                ]
            },
        )


# ---------------------------------------------------------------------------- VROOM itself


MATRIX_API_EXAMPLE = doc(
    API_EXAMPLE,
    lambda d: (
        [v.update(start_index=0, end_index=0) for v in d["vehicles"]],
        [j.update(location_index=k + 1) for k, j in enumerate(d["jobs"])],
        d["shipments"][0]["pickup"].update(location_index=5),
        d["shipments"][0]["delivery"].update(location_index=6),
        d.update(matrices={"car": {"durations": [row[:7] for row in MATRIX[:7]]}}),
    ),
)


@pytest.mark.parametrize(
    "document",
    [MATRIX_JOBS, SHIPMENTS, MATRIX_API_EXAMPLE],
    ids=["jobs", "shipments", "api-example-on-a-matrix"],
)
def test_vroom_solutions_pass_our_validator(document: dict[str, Any], tmp_path: Path) -> None:
    """pyvroom solves the document; its routes, mapped back, break none of dispatch's rules."""
    vroom = pytest.importorskip("vroom")
    path = tmp_path / "input.json"
    path.write_text(json.dumps(document))
    solution = vroom.Input.from_json(path).solve(exploration_level=2, nb_threads=1).to_dict()
    problem, mapping = read_vroom(document)
    plan = read_vroom_solution(problem, mapping, solution)
    assert validate(problem, plan) == []
    assert sum(len(r.task_ids) for r in plan.routes) + len(plan.unassigned) == len(problem.tasks)
    ours = write_vroom_solution(problem, plan, mapping)
    assert ours["summary"]["cost"] == solution["summary"]["cost"]
    assert ours["summary"]["duration"] == solution["summary"]["duration"]
    for mine, theirs in zip(ours["routes"], solution["routes"], strict=True):
        assert [s.get("load") for s in mine["steps"]] == [s.get("load") for s in theirs["steps"]]


# ---------------------------------------------------------------------------- the command line


def one_line(text: str) -> str:
    """The only line of ``text``."""
    lines = text.strip().splitlines()
    assert len(lines) == 1, text
    return lines[0]


FAST = ["--time-limit", "10", "--solution-limit", "20"]


def test_cli_detects_vroom_json_and_answers_in_vroom(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`dispatch solve input.json` reads VROOM by content and writes a VROOM solution."""
    source = tmp_path / "input.json"
    source.write_text(json.dumps(SHIPMENTS))
    output = tmp_path / "solution.json"
    assert main(["solve", str(source), *FAST, "--output", str(output)]) == 0
    line = one_line(capsys.readouterr().out)
    assert line.startswith("input: ") and "plan valid" in line and "cost" in line
    solution = json.loads(output.read_text())
    assert solution["code"] == 0 and {r["vehicle"] for r in solution["routes"]} <= {10, 11}
    problem, mapping = read_vroom(SHIPMENTS)
    assert validate(problem, read_vroom_solution(problem, mapping, solution)) == []


def test_cli_writes_the_dispatch_plan_on_request(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--format vroom --output-format dispatch writes the plan in dispatch's plan format."""
    source = tmp_path / "problem.txt"
    source.write_text(json.dumps(MATRIX_JOBS))
    output = tmp_path / "plan.json"
    argv = ["solve", str(source), "--format", "vroom", "--output-format", "dispatch"]
    assert main([*argv, *FAST, "--output", str(output)]) == 0
    assert json.loads(output.read_text())["format"] == "dispatch-plan"
    capsys.readouterr()


def test_cli_unsupported_key_is_one_line_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An unsupported VROOM key is one line on stderr with its path, exit code 2."""
    source = tmp_path / "input.json"
    source.write_text(json.dumps(doc(MATRIX_JOBS, UNSUPPORTED[1][1])))
    assert main(["solve", str(source), *FAST]) == 2
    line = one_line(capsys.readouterr().err)
    assert line.startswith("dispatch: error: ") and "vehicles[0].max_distance" in line


def test_cli_vroom_output_needs_vroom_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--output-format vroom for a dispatch problem is a one-line usage error."""
    from dispatch.io import dump_problem

    problem, _ = read_vroom(MATRIX_JOBS)
    source = tmp_path / "problem.json"
    dump_problem(problem, source)
    assert main(["solve", str(source), "--output-format", "vroom", *FAST]) == 2
    assert "--output-format" in one_line(capsys.readouterr().err)
