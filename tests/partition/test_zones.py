"""Zones by recursive weighted bisection, and who belongs to which zone."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from tests.partition.world import district
from tests.strategies import examples

from dispatch import Courier, HaversineTravel, Location, OwnStop, Problem, Stop, TimeWindow, Visit
from dispatch.eldercare._parts import bisect
from dispatch.errors import InvalidInputError
from dispatch.partition import Zones, partition
from dispatch.partition._assign import distance_to_zone_m, lon_lat, round_places

_POINTS = st.integers(1, 40).flatmap(
    lambda n: st.tuples(
        # Few distinct coordinates, so ties on a cut are common (as on a street grid).
        hnp.arrays(np.float64, (n, 2), elements=st.sampled_from([0.0, 1.0, 2.5, 3.0, 7.0, 9.5])),
        hnp.arrays(np.float64, n, elements=st.floats(0.0, 5.0)),
        st.integers(1, 12),
    )
)


@settings(max_examples=examples(100), deadline=None)
@given(case=_POINTS)
def test_fit_labels_are_eldercare_bisect(case: tuple[np.ndarray, np.ndarray, int]) -> None:
    """Zones.fit labels the fitted points exactly as the meal day's bisect (one idea, one place)."""
    points, weights, parts = case
    zones = Zones.fit(points, weights, parts)
    assert zones.labels.tolist() == bisect(points, weights, parts).tolist()
    assert zones.count == len(set(zones.labels.tolist())) <= parts


@settings(max_examples=examples(60), deadline=None)
@given(
    points=hnp.arrays(
        np.float64, st.tuples(st.integers(2, 60), st.just(2)), elements=st.floats(-1e3, 1e3)
    ),
    parts=st.integers(1, 9),
)
def test_locate_agrees_with_the_fit_without_ties(points: np.ndarray, parts: int) -> None:
    """Without ties on a coordinate, the cuts place every fitted point in its own zone."""
    if len(np.unique(points[:, 0])) < len(points) or len(np.unique(points[:, 1])) < len(points):
        return
    zones = Zones.fit(points, np.ones(len(points)), parts)
    assert zones.locate(points).tolist() == zones.labels.tolist()
    for zone in range(zones.count):
        inside = points[zones.labels == zone]
        assert np.array_equal(zones.clamp(inside, zone), inside)


def test_zones_are_balanced_by_weight() -> None:
    """Ten zones of 1,000 uniform points hold 100 points each, give or take a few."""
    rng = np.random.default_rng(1)
    points = rng.uniform(0, 1000, size=(1000, 2))
    zones = Zones.fit(points, np.ones(1000), 10)
    sizes = np.bincount(zones.locate(points), minlength=10)
    assert zones.count == 10 and sizes.min() >= 95 and sizes.max() <= 105


def test_fit_rejects_bad_input() -> None:
    """Shapes, weights and part counts are checked and named."""
    with pytest.raises(InvalidInputError, match="points"):
        Zones.fit(np.zeros(3), np.ones(3), 2)
    with pytest.raises(InvalidInputError, match="weights"):
        Zones.fit(np.zeros((3, 2)), -np.ones(3), 2)
    with pytest.raises(InvalidInputError, match="parts"):
        Zones.fit(np.zeros((3, 2)), np.ones(3), 0)
    with pytest.raises(InvalidInputError, match="coords"):
        Zones.fit(np.zeros((3, 2)), np.ones(3), 2, coords=np.zeros((2, 2)))


def _at(lon: float) -> Location:
    return Location(lat=31.2, lon=lon)


def _courier(courier_id: str, start: float, stops: list[float], service_s: int = 0) -> Courier:
    return Courier(
        id=courier_id,
        start=_at(start),
        shift=TimeWindow(0, 86_400),
        capacity=2,
        own_stops=[
            OwnStop(id=f"o{k}", stop=Stop(location=_at(lon), service_s=service_s))
            for k, lon in enumerate(stops)
        ],
    )


def _line_problem(couriers: list[Courier]) -> Problem:
    """Visits every 0.01° of longitude (about 950 m) from 121.40 to 121.47: two zones."""
    visits = [Visit(id=f"v{k}", stop=Stop(location=_at(121.40 + 0.01 * k))) for k in range(8)]
    return Problem(tasks=visits, couriers=couriers, travel=HaversineTravel())


def test_courier_belongs_where_its_round_spends_most_time() -> None:
    """Start in the west, round in the east: the courier is an eastern one; no round: its start."""
    problem = _line_problem(
        [
            _courier("east-round", 121.40, [121.46, 121.47, 121.465], service_s=600),
            _courier("at-home", 121.40, []),
        ]
    )
    split = partition(problem, _line_zones())
    assert split.courier_zone == {"east-round": 1, "at-home": 0}
    assert [split.task_zone[f"v{k}"] for k in range(8)] == [0] * 4 + [1] * 4


def test_a_tie_goes_to_the_zone_of_the_start() -> None:
    """As much time on either side of the cut: the courier stays in its start's zone."""
    problem = _line_problem(
        [_courier("even", 121.43, [121.44]), _courier("even2", 121.44, [121.43])]
    )
    split = partition(problem, _line_zones())
    assert split.courier_zone == {"even": 0, "even2": 1}


def _line_zones() -> Zones:
    """Two zones of the line problem, cut at 121.435° E."""
    problem = _line_problem([])
    return partition(problem, 2).zones


def test_neighbour_zones_are_the_others_within_reach_nearest_first() -> None:
    """Other zones within reach of a round, nearest first; none beyond the reach."""
    problem = _line_problem([_courier("near", 121.41, [121.425]), _courier("far", 121.40, [])])
    zones = _line_zones()
    assert dict(partition(problem, zones, border_m=2000).neighbour_zones) == {"near": (1,)}
    assert dict(partition(problem, zones, border_m=500).neighbour_zones) == {}
    city = district()
    split = partition(city, 6, border_m=3000)
    for courier_id, near in split.neighbour_zones.items():
        places = lon_lat([p for p, _ in round_places(city.courier(courier_id))])
        reach = [distance_to_zone_m(split.zones, places, z).min() for z in near]
        assert reach == sorted(reach) and max(reach) <= 3000
        assert split.courier_zone[courier_id] not in near


def test_every_courier_and_task_in_exactly_one_zone() -> None:
    """On a synthetic district, zoning covers every id once and the zones are not empty."""
    problem = district()
    split = partition(problem, 4)
    assert set(split.task_zone) == {t.id for t in problem.tasks}
    assert set(split.courier_zone) == {c.id for c in problem.couriers}
    assert set(split.task_zone.values()) == set(range(4))
    assert set(split.neighbour_zones) <= set(split.courier_zone)


def test_zoning_needs_coordinates() -> None:
    """A location without lat/lon cannot be zoned: the error says so."""
    problem = Problem(
        tasks=[Visit(id="v", stop=Stop(location=Location(node=1)))], couriers=[], travel=None
    )
    with pytest.raises(InvalidInputError, match="no lat/lon"):
        partition(problem, 2)
    with pytest.raises(InvalidInputError, match="border_m"):
        partition(_line_problem([]), 2, border_m=-1)
