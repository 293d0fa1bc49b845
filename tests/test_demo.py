"""The demo district: what it holds, that a seed fixes it, that its plans validate."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import networkx as nx
import pytest

from dispatch import (
    Errand,
    InvalidInputError,
    MealDelivery,
    SolveOptions,
    TimeWindow,
    Visit,
    solve,
    validate,
)
from dispatch.demo import GRID_SIZE, demo_district, demo_problem
from dispatch.io import plan_to_dict

REPO_ROOT = Path(__file__).resolve().parents[1]
DETERMINISTIC = SolveOptions(time_limit_s=None, solution_limit=30)


def test_same_seed_gives_the_same_district() -> None:
    """Two builds with one seed have equal tasks, couriers, streets and place names."""
    a, b = demo_district(seed=7), demo_district(seed=7)
    assert a.problem.tasks == b.problem.tasks
    assert a.problem.couriers == b.problem.couriers
    assert nx.utils.graphs_equal(a.graph, b.graph)
    assert a.place_names == b.place_names


def test_other_seeds_give_other_districts() -> None:
    """Different seeds place the tasks differently."""
    assert demo_problem(seed=0).tasks != demo_problem(seed=1).tasks


def test_street_grid_has_arterials_and_one_way_streets() -> None:
    """12 x 12 corners about 120 m apart, faster arterials, one-way streets, all reachable."""
    G = demo_district(seed=0).graph
    assert G.number_of_nodes() == GRID_SIZE * GRID_SIZE
    assert nx.is_strongly_connected(G)
    lengths = [d["length"] for _, _, d in G.edges(data=True)]
    assert min(lengths) >= 100 and max(lengths) <= 140
    speeds = {round(d["length"] / d["travel_time"]) for _, _, d in G.edges(data=True)}
    assert speeds == {8, 13}
    one_way = [(u, v) for u, v, d in G.edges(data=True) if d["oneway"]]
    assert one_way and all(not G.has_edge(v, u) for u, v in one_way)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_district_matches_its_description(seed: int) -> None:
    """Five couriers with 3-6 own stops and budgets; meals, errands and check-ins as described."""
    problem = demo_problem(seed)
    assert len(problem.couriers) == 5
    assert len({c.profile for c in problem.couriers}) == 4
    for courier in problem.couriers:
        assert 3 <= len(courier.own_stops) <= 6
        assert courier.detour_budget_s is not None
    meals = [t for t in problem.tasks if isinstance(t, MealDelivery)]
    errands = [t for t in problem.tasks if isinstance(t, Errand)]
    visits = [t for t in problem.tasks if isinstance(t, Visit)]
    assert len(meals) == 5 and len(errands) == 8 and len(visits) == 2
    assert all(m.max_ride_s == 30 * 60 for m in meals)
    assert {e.kind for e in errands} == {"groceries", "medicine", "water"}
    assert all(v.stop.windows == (TimeWindow(8 * 3600, 10 * 3600),) for v in visits)
    assert len({m.kitchen.location for m in meals}) == 1


def test_district_names_every_place_where_something_happens() -> None:
    """Every task stop, own stop and courier start has a readable place name."""
    district = demo_district(seed=2)
    problem = district.problem
    locations = [c.start for c in problem.couriers]
    locations += [o.stop.location for c in problem.couriers for o in c.own_stops]
    for task in problem.tasks:
        if isinstance(task, Visit):
            locations.append(task.stop.location)
        else:
            locations += [task.pickup.location, task.dropoff.location]
    assert all(loc.node in district.place_names for loc in locations)
    assert district.place(problem.couriers[0].start) == "Rider hub"


@pytest.mark.parametrize("seed", [0, 5])
def test_demo_plan_validates_and_serves_every_round(seed: int) -> None:
    """A plan of the demo passes the validator, and every courier's own round is on it."""
    problem = demo_problem(seed)
    plan = solve(problem, DETERMINISTIC)
    assert plan.is_feasible()
    assert validate(problem, plan) == []
    assert {r.courier_id for r in plan.routes} == {c.id for c in problem.couriers}
    assert len(plan.unassigned) < len(problem.tasks)


def test_demo_plan_is_deterministic_with_a_solution_limit() -> None:
    """The same seed and solution limit give the same routes."""
    first = plan_to_dict(solve(demo_problem(3), DETERMINISTIC))
    second = plan_to_dict(solve(demo_problem(3), DETERMINISTIC))
    del first["runtime_s"], second["runtime_s"]
    assert first == second


@pytest.mark.parametrize("seed", [-1, 1.5, True])
def test_bad_seed_is_rejected(seed: object) -> None:
    """A seed that is not an int >= 0 raises InvalidInputError naming it."""
    with pytest.raises(InvalidInputError, match="seed"):
        demo_district(seed)  # type: ignore[arg-type]


def test_example_script_runs() -> None:
    """examples/demo_district.py builds, solves, checks and prints the demo."""
    done = subprocess.run(
        [sys.executable, str(REPO_ROOT / "examples" / "demo_district.py")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "rider-wang" in done.stdout and "tasks served" in done.stdout
