"""Planar travel: the MDRP rounding rule, lookups that agree with the matrix, a sound bound."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.strategies import examples

from dispatch import Location, TravelProfile
from dispatch.errors import InvalidInputError, UnknownReferenceError
from dispatch.mdrp import PlanarTravel
from dispatch.travel import PairTravel, PlaceLookup, TravelTimes

coordinates = st.tuples(
    st.integers(min_value=-20_000, max_value=20_000),
    st.integers(min_value=-20_000, max_value=20_000),
)


def test_whole_minutes_rounded_up() -> None:
    """A trip takes ceil(d / meters_per_minute) minutes, as seconds; distances round to metres."""
    travel = PlanarTravel(
        points={"a": (0, 0), "b": (320, 0), "c": (320.5, 0), "d": (3, 4)}, meters_per_minute=320
    )
    assert travel.seconds("a", "a") == 0
    assert travel.seconds("a", "b") == 60
    assert travel.seconds("a", "c") == 120
    assert travel.seconds("a", "d") == 60
    m = travel.matrix([Location(node=n) for n in "abcd"], TravelProfile.CAR)
    assert m.distances_m[0].tolist() == [0, 320, 321, 5]
    assert isinstance(travel, TravelTimes) and isinstance(travel, PairTravel)


def test_step_and_validation() -> None:
    """Another rounding step works; bad speeds, steps and unknown points are refused."""
    travel = PlanarTravel(points={"a": (0, 0), "b": (100, 0)}, meters_per_minute=60, step_s=1)
    assert travel.seconds("a", "b") == 100
    with pytest.raises(InvalidInputError, match="meters_per_minute"):
        PlanarTravel(points={}, meters_per_minute=0)
    with pytest.raises(InvalidInputError, match="step_s"):
        PlanarTravel(points={}, meters_per_minute=1, step_s=0)
    with pytest.raises(UnknownReferenceError, match="'z'"):
        travel.seconds("a", "z")


@settings(max_examples=examples(50))
@given(st.lists(coordinates, min_size=1, max_size=8), st.sampled_from([314, 320, 419, 427]))
def test_lookup_matches_matrix_and_bound_holds(
    points: list[tuple[int, int]], meters_per_minute: int
) -> None:
    """Pair lookups and the place table agree with the matrix; the speed bound is a bound."""
    travel = PlanarTravel(
        points={k: p for k, p in enumerate(points)}, meters_per_minute=meters_per_minute
    )
    locations = [Location(node=k) for k in range(len(points))] * 2  # repeats share a place
    m = travel.matrix(locations, TravelProfile.BIKE)
    lookup = travel.pairs(locations)
    assert isinstance(lookup, PlaceLookup)
    n = len(locations)
    a, b = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    assert (lookup.durations_s(a, b, "bike") == m.durations_s).all()
    assert (lookup.distances_m(a, b, "bike") == m.distances_m).all()
    table = lookup.place_durations_s("bike")
    place = lookup.places()
    assert (table[place[:, None], place[None, :]] == m.durations_s).all()
    v = lookup.speed_bound_mps("bike")
    xy = lookup.xy_m()
    assert v is not None and xy is not None
    for i in range(n):
        for j in range(n):
            straight = math.dist(xy[i], xy[j])
            seconds = int(m.durations_s[i, j])
            assert seconds >= 1 or straight < 1e-3
            assert seconds * v >= straight - 1e-6


@settings(max_examples=examples(100))
@given(coordinates, coordinates, coordinates)
def test_triangle_inequality(a: tuple[int, int], b: tuple[int, int], c: tuple[int, int]) -> None:
    """Rounding straight lines up keeps the triangle inequality (the matcher's pruning needs it)."""
    travel = PlanarTravel(points={"a": a, "b": b, "c": c}, meters_per_minute=320)
    assert travel.seconds("a", "c") <= travel.seconds("a", "b") + travel.seconds("b", "c")
