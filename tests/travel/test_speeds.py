"""Per-profile speeds and the integer rounding of travel matrices."""

from __future__ import annotations

import math
from typing import Any

import attrs
import pytest

from dispatch.errors import InvalidInputError
from dispatch.model import TravelProfile
from dispatch.travel import Speeds
from dispatch.travel._rounding import ceil_seconds, round_metres


def test_defaults() -> None:
    """The default speeds are walk 1.2, bike 4.0, ebike 5.5 and car 8.0 m/s."""
    s = Speeds()
    assert [s[p] for p in TravelProfile] == [1.2, 4.0, 5.5, 8.0]


def test_every_profile_has_a_speed() -> None:
    """Each TravelProfile, by value or by name, maps to a positive speed."""
    for profile in TravelProfile:
        assert Speeds()[profile] == Speeds()[profile.value] > 0
    assert set(Speeds().as_dict()) == {p.value for p in TravelProfile}


@pytest.mark.parametrize("bad", [0, -1.0, math.nan, math.inf, True, "4", None])
def test_speeds_must_be_positive_numbers(bad: Any) -> None:
    """Zero, negative, non-finite and non-numeric speeds raise InvalidInputError naming it."""
    with pytest.raises(InvalidInputError, match=r"Speeds\.bike_mps"):
        Speeds(bike_mps=bad)


def test_int_speeds_become_floats_and_evolve_validates() -> None:
    """Integer speeds are stored as floats, and attrs.evolve re-validates."""
    assert Speeds(car_mps=9).car_mps == 9.0
    with pytest.raises(InvalidInputError, match=r"Speeds\.walk_mps"):
        attrs.evolve(Speeds(), walk_mps=-1)


def test_from_mapping() -> None:
    """from_mapping takes profiles or their names and keeps defaults for the rest."""
    s = Speeds.from_mapping({TravelProfile.WALK: 1.0, "car": 12.0})
    assert (s.walk_mps, s.bike_mps, s.car_mps) == (1.0, 4.0, 12.0)


def test_unknown_profiles_are_rejected() -> None:
    """An unknown profile name raises InvalidInputError listing the choices."""
    with pytest.raises(InvalidInputError, match="'boat' is not one of walk, bike, ebike, car"):
        Speeds.from_mapping({"boat": 3.0})
    with pytest.raises(InvalidInputError, match="'boat'"):
        Speeds()["boat"]


def test_speeds_are_values() -> None:
    """Equal speeds compare equal and hash alike (frozen value object)."""
    assert Speeds(walk_mps=1.0) == Speeds(walk_mps=1.0)
    assert hash(Speeds()) == hash(Speeds())
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        Speeds().walk_mps = 2.0  # type: ignore[misc]


def test_ceil_seconds_rounds_up_but_ignores_float_noise() -> None:
    """Durations round up to whole seconds, except noise below a microsecond."""
    assert ceil_seconds([0.0, 0.2, 1.0, 1.0000001, 59.5, 120 / 1.2]).tolist() == [
        0,
        1,
        1,
        1,
        60,
        100,
    ]


def test_round_metres_rounds_half_up() -> None:
    """Distances round to the nearest metre with halves going up."""
    assert round_metres([0.49, 0.5, 1.5, 2.5, 7.0]).tolist() == [0, 1, 2, 3, 7]


@pytest.mark.parametrize("bad", [math.inf, math.nan, 2.0**60])
def test_rounding_rejects_unrepresentable_values(bad: float) -> None:
    """Non-finite values or values beyond 2**53 raise InvalidInputError."""
    with pytest.raises(InvalidInputError, match="durations_s"):
        ceil_seconds([1.0, bad])
    with pytest.raises(InvalidInputError, match="distances_m"):
        round_metres([bad])
