"""Synthetic incidental districts: feasible own rounds, seeds, roles, errands, bad arguments."""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.strategies import examples, solver_settings
from tests.synthetic.own_rounds import own_rounds_plan

from dispatch import (
    Errand,
    InvalidInputError,
    Location,
    RoadGraphTravel,
    SolveOptions,
    TravelProfile,
    solve,
    validate,
)
from dispatch.synthetic import (
    COURIER_MIX,
    DAY_S,
    ERRAND_MIX,
    MIN_SIDE_M,
    OWN_STOPS,
    District,
    _rounds,
    incidental_district,
)
from dispatch.synthetic._city import City
from dispatch.synthetic._errands import KINDS
from dispatch.synthetic._rounds import ROLES, stops_that_fit
from dispatch.synthetic._streets import node_positions_m
from dispatch.travel import Speeds, travel_time_matrix


def _errands(district: District) -> list[Errand]:
    tasks = district.problem.tasks
    assert all(isinstance(t, Errand) for t in tasks)
    return [t for t in tasks if isinstance(t, Errand)]


@pytest.fixture(scope="module")
def district() -> District:
    """A district of 200 couriers and 300 errands (4 x 4 km)."""
    return incidental_district(couriers=200, errands=300, seed=3)


@settings(max_examples=examples(25), deadline=None)
@given(
    seed=st.integers(0, 2**32),
    couriers=st.integers(0, 40),
    errands=st.integers(0, 5),
    side_m=st.one_of(st.none(), st.sampled_from([1000.0, 2500.0, 4000.0])),
)
def test_own_rounds_alone_are_feasible(
    seed: int, couriers: int, errands: int, side_m: float | None
) -> None:
    """Every courier serving only its own stops, as early as it can, breaks no rule."""
    problem, plan = own_rounds_plan(
        incidental_district(couriers=couriers, errands=errands, seed=seed, side_m=side_m).problem
    )
    assert validate(problem, plan) == []
    assert len(plan.routes) == couriers


def test_own_rounds_of_a_larger_district_are_feasible(district: District) -> None:
    """All 200 own rounds of the shared district validate."""
    problem, plan = own_rounds_plan(district.problem)
    assert validate(problem, plan) == []


@settings(solver_settings(3))
@given(seed=st.integers(0, 2**16))
def test_solved_plans_validate(seed: int) -> None:
    """The solver plans a small district; the plan passes the validator."""
    district = incidental_district(couriers=5, errands=8, seed=seed)
    plan = solve(district.problem, SolveOptions(time_limit_s=None, solution_limit=10))
    assert plan.is_feasible()
    assert validate(district.problem, plan) == []


def test_same_seed_gives_the_same_district() -> None:
    """Two builds with the same arguments have equal couriers, errands, streets and places."""
    a = incidental_district(couriers=30, errands=40, seed=9)
    b = incidental_district(couriers=30, errands=40, seed=9)
    assert a.problem.couriers == b.problem.couriers
    assert a.problem.tasks == b.problem.tasks
    assert nx.utils.graphs_equal(a.graph, b.graph)
    assert (a.shops, a.depots, a.courier_roles) == (b.shops, b.depots, b.courier_roles)


def test_other_seeds_give_other_districts() -> None:
    """Another seed changes the couriers and the errands."""
    a = incidental_district(couriers=10, errands=10, seed=0)
    b = incidental_district(couriers=10, errands=10, seed=1)
    assert a.problem.couriers != b.problem.couriers
    assert a.problem.tasks != b.problem.tasks


def test_couriers_and_errands_draw_from_separate_streams() -> None:
    """With the side fixed, more errands leave the couriers and more couriers leave the errands."""
    base = incidental_district(couriers=20, errands=30, seed=4, side_m=3000)
    more_errands = incidental_district(couriers=20, errands=60, seed=4, side_m=3000)
    more_couriers = incidental_district(couriers=40, errands=30, seed=4, side_m=3000)
    assert base.problem.couriers == more_errands.problem.couriers
    assert base.problem.tasks == more_couriers.problem.tasks


@pytest.mark.parametrize(
    ("couriers", "errands", "side_m"),
    [(0, 0, MIN_SIDE_M), (3, 5, MIN_SIDE_M), (200, 500, 4000.0), (0, 1260, 6000.0)],
)
def test_district_grows_with_the_counts(couriers: int, errands: int, side_m: float) -> None:
    """The side keeps the courier and errand densities (at least MIN_SIDE_M), in whole blocks."""
    district = incidental_district(couriers=couriers, errands=errands, seed=0)
    assert district.side_m == side_m
    assert len(district.problem.couriers) == couriers
    assert len(district.problem.tasks) == errands
    assert nx.is_strongly_connected(district.graph)


def test_couriers_follow_their_roles(district: District) -> None:
    """Roles split by COURIER_MIX; profile, capacity, accepts, caps and shifts as each role says."""
    problem = district.problem
    counts = Counter(district.courier_roles.values())
    assert counts == {"food": 90, "parcel": 50, "ride": 40, "volunteer": 20}
    assert set(district.courier_roles) == {c.id for c in problem.couriers}
    for courier in problem.couriers:
        name = district.courier_roles[courier.id]
        role = ROLES[name]
        assert courier.id.startswith(f"{name}-")
        assert (courier.profile, courier.capacity[0]) in {(p, c) for p, c, _ in role.profiles}
        assert courier.accepts == role.accepts
        assert courier.max_tasks is not None
        assert role.max_tasks[0] <= courier.max_tasks <= role.max_tasks[1]
        assert courier.detour_budget_s is not None
        assert 5 * 60 <= courier.detour_budget_s <= 15 * 60
        assert OWN_STOPS[0] <= len(courier.own_stops) <= OWN_STOPS[1]
        assert DAY_S[0] <= courier.shift.earliest_s < courier.shift.latest_s <= DAY_S[1]
        assert courier.shift.width_s >= role.shift_h[0] * 3600
        assert (courier.end == courier.start) if role.returns else (courier.end is None)
        if role.from_depot:
            assert courier.start.node in district.depots
        assert courier.skills == frozenset()
        assert len({own.id for own in courier.own_stops}) == len(courier.own_stops)
        for own in courier.own_stops:
            assert len(own.stop.windows) == 1
            assert role.service_s[0] <= own.stop.service_s <= role.service_s[1]


def test_own_stops_lie_in_the_couriers_zone(district: District) -> None:
    """Own stops are within the role's zone radius of the start (plus half a block of snapping)."""
    nodes, xy = node_positions_m(district.graph)
    at = {node: xy[k] for k, node in enumerate(nodes)}
    slack_m = district.graph.graph["spacing_m"]
    for courier in district.problem.couriers:
        radius_m = ROLES[district.courier_roles[courier.id]].zone_m[1]
        start = at[courier.start.node]
        for own in courier.own_stops:
            assert np.linalg.norm(at[own.stop.location.node] - start) <= radius_m + slack_m


def test_errands_run_from_shops_to_homes(district: District) -> None:
    """Kinds split by ERRAND_MIX; pickup at a shop of the kind, drop-off at a home, as described."""
    errands = _errands(district)
    assert Counter(e.kind for e in errands) == {
        "groceries": 135,
        "medicine": 75,
        "water": 60,
        "clothes": 30,
    }
    arterial = {
        n
        for u, v, d in district.graph.edges(data=True)
        if d["highway"] == "primary"
        for n in (u, v)
    }
    assert [e.id for e in errands] == [f"errand-{k:05d}" for k in range(1, 301)]
    for errand in errands:
        assert errand.pickup.location.node in district.shops[errand.kind]
        assert errand.dropoff.location.node not in arterial
        (drop,) = errand.dropoff.windows
        (pick,) = errand.pickup.windows
        assert 3600 <= drop.width_s <= 3 * 3600 and drop.earliest_s % 900 == 0
        assert drop.earliest_s >= 8 * 3600 and drop.latest_s <= DAY_S[1]
        assert (pick.earliest_s, pick.latest_s) == (drop.earliest_s - 3600, drop.latest_s)
        spec = KINDS[errand.kind]
        assert spec.pickup_s[0] <= errand.pickup.service_s <= spec.pickup_s[1]
        assert spec.dropoff_s[0] <= errand.dropoff.service_s <= spec.dropoff_s[1]
        assert 60 <= errand.pickup.service_s <= 300 and 60 <= errand.dropoff.service_s <= 300
        assert errand.load[0] in spec.loads and len(errand.load) == 1
        assert 1 <= errand.priority <= 3
        if errand.kind != "medicine":
            assert errand.priority <= 2
        ride = spec.max_ride[1] if spec.max_ride else None
        assert errand.max_ride_s in (None, ride)
    assert {e.priority for e in errands} == {1, 2, 3}


def test_every_location_carries_its_node_and_coordinates(district: District) -> None:
    """Each location's lat/lon are those of its graph node."""
    places: list[Location] = []
    for courier in district.problem.couriers:
        places.append(courier.start)
        places.extend(own.stop.location for own in courier.own_stops)
    for errand in _errands(district):
        places.extend((errand.pickup.location, errand.dropoff.location))
    for place in places:
        data = district.graph.nodes[place.node]
        assert (place.lat, place.lon) == (data["y"], data["x"])


def test_travel_is_the_road_graph_by_travel_time(district: District) -> None:
    """The problem travels on the district's graph, by car travel time."""
    travel = district.problem.travel
    assert isinstance(travel, RoadGraphTravel)
    assert travel.graph is district.graph and travel.weight == "travel_time"


def test_mixes_choose_the_roles_and_kinds() -> None:
    """A mix with one key gives only that role or kind; weights split counts exactly."""
    only = incidental_district(
        couriers=7, errands=9, seed=2, courier_mix={"volunteer": 1}, errand_mix={"water": 2}
    )
    assert set(only.courier_roles.values()) == {"volunteer"}
    assert {e.kind for e in _errands(only)} == {"water"}
    halves = incidental_district(couriers=5, errands=0, seed=2, courier_mix={"food": 1, "ride": 1})
    assert Counter(halves.courier_roles.values()) == {"food": 3, "ride": 2}


@pytest.mark.parametrize("seed", range(3))
def test_car_seconds_are_shortest_paths(seed: int) -> None:
    """The cut-off Dijkstra behind own rounds gives the exact shortest car times, short or long."""
    district = incidental_district(couriers=0, errands=0, seed=seed, side_m=6000)
    rng = np.random.default_rng(seed)
    city = City.of(district.graph, district.side_m, {"groceries": 1.0}, rng)
    sources = rng.integers(0, len(city.nodes), 400)
    near = city.snap(city.xy[sources] + rng.normal(0.0, 400.0, (400, 2)))
    targets = np.concatenate((near[:300], rng.integers(0, len(city.nodes), 100)))
    got = city.car_seconds(sources, targets)
    want = travel_time_matrix(
        district.graph, [city.nodes[s] for s in sources], [city.nodes[t] for t in targets]
    )
    np.testing.assert_allclose(got, np.diagonal(want), rtol=1e-12)


@pytest.mark.parametrize("profile", list(TravelProfile))
def test_own_leg_times_never_undercut_road_graph_travel(profile: TravelProfile) -> None:
    """ceil(car time x car/profile speed) + 1, as own rounds are timed, >= RoadGraphTravel."""
    district = incidental_district(couriers=0, errands=0, seed=5, side_m=3000)
    rng = np.random.default_rng(0)
    city = City.of(district.graph, district.side_m, {"groceries": 1.0}, rng)
    rows = rng.integers(0, len(city.nodes), 40)
    sources, targets = np.repeat(rows, rows.size), np.tile(rows, rows.size)
    speeds = Speeds()
    ours = np.ceil(city.car_seconds(sources, targets) * speeds.car_mps / speeds[profile]) + 1
    travel = RoadGraphTravel(district.graph, weight="travel_time")
    matrix = travel.matrix([city.location(int(r)) for r in rows], profile)
    assert np.all(ours.reshape(rows.size, rows.size) >= matrix.durations_s)


@given(
    st.lists(st.tuples(st.integers(0, 50), st.integers(0, 50), st.integers(0, 50)), max_size=8),
    st.integers(0, 40),
    st.integers(0, 400),
)
def test_stops_that_fit_is_the_longest_prefix_that_fits(
    legs: list[tuple[int, int, int]], back0_s: int, limit_s: int
) -> None:
    """The prefix returned fits the limit with its way back; no longer prefix does."""
    ahead = [a for a, _, _ in legs]
    service = [s for _, s, _ in legs]
    back = [back0_s, *(b for _, _, b in legs)]

    def busy(k: int) -> int:
        return sum(ahead[:k]) + sum(service[:k]) + back[k]

    n = stops_that_fit(ahead, back, service, limit_s)
    assert n == 0 or busy(n) <= limit_s
    assert all(busy(k) > limit_s for k in range(n + 1, len(legs) + 1))


def test_default_mixes_are_the_documented_ones() -> None:
    """The shares of roles and kinds add up to one and name the documented roles and kinds."""
    assert math.isclose(sum(COURIER_MIX.values()), 1.0)
    assert math.isclose(sum(ERRAND_MIX.values()), 1.0)
    assert set(COURIER_MIX) == set(ROLES) and set(ERRAND_MIX) == set(KINDS)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"couriers": -1}, "couriers"),
        ({"couriers": 2.0}, "couriers"),
        ({"errands": True}, "errands"),
        ({"errands": -3}, "errands"),
        ({"seed": -1}, "seed"),
        ({"seed": "7"}, "seed"),
        ({"side_m": 100.0}, "side_m"),
        ({"side_m": math.inf}, "side_m"),
        ({"spacing_m": 5.0}, "spacing_m"),
        ({"origin": (91.0, 0.0)}, "origin"),
        ({"courier_mix": {"pilot": 1.0}}, "courier_mix"),
        ({"courier_mix": {"food": 0.0}}, "courier_mix"),
        ({"courier_mix": {"food": -1.0}}, "courier_mix['food']"),
        ({"courier_mix": ["food"]}, "courier_mix"),
        ({"errand_mix": {"water": math.nan}}, "errand_mix['water']"),
    ],
)
def test_bad_arguments_name_the_parameter(kwargs: dict[str, Any], field: str) -> None:
    """Each bad argument raises InvalidInputError naming it."""
    arguments: dict[str, Any] = {"couriers": 2, "errands": 2, "seed": 0, **kwargs}
    with pytest.raises(InvalidInputError) as info:
        incidental_district(**arguments)
    assert info.value.field == field


def test_rounds_too_long_for_the_day_are_cut_short(monkeypatch: pytest.MonkeyPatch) -> None:
    """With a 40-minute day, rounds keep only the own stops that fit and stay feasible."""
    monkeypatch.setattr(_rounds, "DAY_S", (7 * 3600, 7 * 3600 + 2400))
    district = incidental_district(couriers=30, errands=0, seed=1)
    couriers = district.problem.couriers
    assert any(len(c.own_stops) < OWN_STOPS[0] for c in couriers)
    assert all(
        7 * 3600 <= c.shift.earliest_s <= c.shift.latest_s <= 7 * 3600 + 2400 for c in couriers
    )
    problem, plan = own_rounds_plan(district.problem)
    assert validate(problem, plan) == []
