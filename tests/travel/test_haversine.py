"""Great-circle distances and the HaversineTravel provider."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from dispatch.errors import InvalidInputError
from dispatch.model import Location, TravelProfile
from dispatch.travel import HaversineTravel, Speeds, TravelTimes, haversine_matrix_m
from dispatch.travel._haversine import EARTH_RADIUS_M


def test_one_degree_of_latitude_is_about_111_km() -> None:
    """Two points one degree of latitude apart are 111.195 km apart (2πR/360)."""
    d = haversine_matrix_m([10.0, 11.0], [20.0, 20.0])
    assert d[0, 1] == pytest.approx(111_195.08, abs=0.01)


def test_quarter_meridian_and_antipodes() -> None:
    """Equator to pole is πR/2 and antipodal points are πR apart."""
    d = haversine_matrix_m([0.0, 90.0, 0.0], [0.0, 0.0, 180.0])
    assert d[0, 1] == pytest.approx(math.pi * EARTH_RADIUS_M / 2, abs=1e-3)
    assert d[0, 2] == pytest.approx(math.pi * EARTH_RADIUS_M, abs=1e-3)


def test_paris_to_london() -> None:
    """Paris (48.8566, 2.3522) to London (51.5074, -0.1278) is about 343.6 km."""
    d = haversine_matrix_m([48.8566, 51.5074], [2.3522, -0.1278])
    assert d[0, 1] == pytest.approx(343_557, abs=5)


def test_longitude_degree_shrinks_with_latitude() -> None:
    """At 60° N one degree of longitude is about half of one at the equator."""
    d = haversine_matrix_m([60.0, 60.0], [0.0, 1.0])
    assert d[0, 1] == pytest.approx(111_195.08 / 2, rel=1e-4)


def test_matches_spherical_law_of_cosines() -> None:
    """On random far-apart points the haversine agrees with the spherical law of cosines."""
    rng = np.random.default_rng(7)
    lat, lon = rng.uniform(-80, 80, 30), rng.uniform(-180, 180, 30)
    phi, lam = np.radians(lat), np.radians(lon)
    sin, cos = np.sin(phi), np.cos(phi)
    cos_c = np.outer(sin, sin) + np.outer(cos, cos) * np.cos(lam[:, None] - lam[None, :])
    expected = EARTH_RADIUS_M * np.arccos(np.clip(cos_c, -1, 1))
    np.testing.assert_allclose(haversine_matrix_m(lat, lon), expected, atol=1.0)


def test_matrix_is_symmetric_with_zero_diagonal() -> None:
    """Distances are symmetric and a point is 0 m from itself."""
    rng = np.random.default_rng(3)
    d = haversine_matrix_m(rng.uniform(-90, 90, 12), rng.uniform(-180, 180, 12))
    np.testing.assert_array_equal(d, d.T)
    np.testing.assert_array_equal(np.diag(d), 0.0)


@pytest.mark.parametrize(
    ("lat", "lon"), [([0.0, 1.0], [0.0]), ([[0.0]], [[0.0]]), ([91.0], [0.0]), ([0.0], [181.0])]
)
def test_haversine_rejects_bad_arrays(lat: Any, lon: Any) -> None:
    """Mismatched, non-1-D or out-of-range coordinates raise InvalidInputError."""
    with pytest.raises(InvalidInputError, match="lat_deg/lon_deg"):
        haversine_matrix_m(lat, lon)


@pytest.mark.parametrize("profile", list(TravelProfile))
def test_provider_applies_detour_and_speed(profile: TravelProfile) -> None:
    """distance = round(haversine * detour), duration = ceil(haversine * detour / speed)."""
    locations = [Location(lat=52.52, lon=13.405), Location(lat=52.50, lon=13.45)]
    straight = haversine_matrix_m([52.52, 52.50], [13.405, 13.45])[0, 1]
    m = HaversineTravel(detour_factor=1.4).matrix(locations, profile)
    assert m.distances_m[0, 1] == round(straight * 1.4)
    assert m.durations_s[0, 1] == math.ceil(straight * 1.4 / Speeds()[profile])
    assert m.durations_s.tolist() == m.durations_s.T.tolist()
    assert m.durations_s.dtype == np.int64 and m.distances_m.dtype == np.int64


def test_custom_speeds_are_used() -> None:
    """A Speeds option changes the durations but not the distances."""
    locations = [Location(lat=0.0, lon=0.0), Location(lat=0.01, lon=0.0)]
    slow = HaversineTravel(detour_factor=1.0, speeds=Speeds(walk_mps=1.0))
    m = slow.matrix(locations, TravelProfile.WALK)
    assert m.distances_m[0, 1] == 1112
    assert m.durations_s[0, 1] == math.ceil(111_195.08 / 100)


def test_duplicates_and_empty_lists_are_fine() -> None:
    """Repeated locations give zero travel between them; no locations give a 0 x 0 matrix."""
    here = Location(lat=1.0, lon=1.0)
    there = Location(lat=1.0, lon=1.001, node="x")
    m = HaversineTravel().matrix([here, there, here], TravelProfile.CAR)
    assert m.durations_s[0, 2] == 0 and m.durations_s[0, 1] == m.durations_s[2, 1] > 0
    assert len(HaversineTravel().matrix([], TravelProfile.CAR)) == 0


def test_location_without_coordinates_names_its_index() -> None:
    """A node-only location raises InvalidInputError naming its index."""
    locations = [Location(lat=1.0, lon=1.0), Location(node=4)]
    with pytest.raises(InvalidInputError, match=r"locations\[1\]: has no lat/lon"):
        HaversineTravel().matrix(locations, TravelProfile.BIKE)


def test_non_location_is_rejected() -> None:
    """Something that is not a Location raises InvalidInputError naming its index."""
    with pytest.raises(InvalidInputError, match=r"locations\[0\]: expected a Location"):
        HaversineTravel().matrix([(1.0, 2.0)], TravelProfile.BIKE)  # type: ignore[list-item]


@pytest.mark.parametrize("bad", [0.99, 0.0, -1.0, math.nan, math.inf, True, "1.3"])
def test_detour_factor_must_be_at_least_one(bad: Any) -> None:
    """detour_factor below 1, non-finite or not a number raises InvalidInputError."""
    with pytest.raises(InvalidInputError, match=r"HaversineTravel\.detour_factor"):
        HaversineTravel(detour_factor=bad)


def test_speeds_must_be_speeds() -> None:
    """A plain dict instead of Speeds raises InvalidInputError naming the field."""
    with pytest.raises(InvalidInputError, match=r"HaversineTravel\.speeds"):
        HaversineTravel(speeds={"walk": 1.0})  # type: ignore[arg-type]


def test_detour_factor_of_one_is_allowed_and_provider_protocol_holds() -> None:
    """A detour factor of exactly 1 is valid and the provider satisfies TravelTimes."""
    travel = HaversineTravel(detour_factor=1)
    assert isinstance(travel, TravelTimes)
