"""Default travel speeds per :class:`~dispatch.model.TravelProfile`."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import attrs

from dispatch.errors import InvalidInputError
from dispatch.model import TravelProfile
from dispatch.model._checks import field_name

__all__ = ["Speeds"]


def _positive_speed(instance: Speeds, attribute: attrs.Attribute[Any], value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInputError(
            field_name(instance, attribute), f"must be a number in m/s, got {value!r}"
        )
    if not (math.isfinite(value) and value > 0):
        raise InvalidInputError(
            field_name(instance, attribute), f"must be finite and > 0 m/s, got {value!r}"
        )


def _to_profile(value: TravelProfile | str) -> TravelProfile:
    try:
        return value if isinstance(value, TravelProfile) else TravelProfile(value)
    except ValueError:
        choices = ", ".join(p.value for p in TravelProfile)
        raise InvalidInputError("profile", f"{value!r} is not one of {choices}") from None


def _int_to_float(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


def _speed_field(default: float) -> Any:
    return attrs.field(default=default, converter=_int_to_float, validator=_positive_speed)


@attrs.frozen(kw_only=True)
class Speeds:
    """Average door-to-door speed of each :class:`TravelProfile`, in metres per second.

    The defaults are urban averages including stops at junctions:

    ========  ========  ==========================================================
    profile   m/s       rationale
    ========  ========  ==========================================================
    walk      1.2       elderly volunteers on foot (healthy adults walk ~1.4 m/s)
    bike      4.0       about 14 km/h on city streets
    ebike     5.5       about 20 km/h, pedal assistance tops out at 25 km/h
    car       8.0       about 29 km/h, urban driving with lights and parking
    ========  ========  ==========================================================

    Travel-time providers (:class:`~dispatch.travel.RoadGraphTravel`,
    :class:`~dispatch.travel.HaversineTravel`) take a ``Speeds`` as an option;
    change one speed with :func:`attrs.evolve` or by passing it alone.

    Examples
    --------
    >>> s = Speeds(walk_mps=1.0)
    >>> s[TravelProfile.WALK], s["car"]
    (1.0, 8.0)
    >>> Speeds.from_mapping({TravelProfile.BIKE: 3.5}).bike_mps
    3.5
    >>> Speeds(car_mps=0)
    Traceback (most recent call last):
    ...
    dispatch.errors.InvalidInputError: Speeds.car_mps: must be finite and > 0 m/s, got 0.0
    """

    walk_mps: float = _speed_field(1.2)
    bike_mps: float = _speed_field(4.0)
    ebike_mps: float = _speed_field(5.5)
    car_mps: float = _speed_field(8.0)

    @classmethod
    def from_mapping(cls, speeds_mps: Mapping[TravelProfile | str, float]) -> Speeds:
        """Speeds from a ``{profile: m/s}`` mapping; profiles left out keep their default.

        Examples
        --------
        >>> Speeds.from_mapping({"walk": 1.1, TravelProfile.CAR: 10}).as_dict()["car"]
        10.0
        """
        return cls(**{f"{_to_profile(p).value}_mps": v for p, v in speeds_mps.items()})

    def __getitem__(self, profile: TravelProfile | str) -> float:
        """The speed of ``profile`` in m/s (a profile or its name, e.g. ``"bike"``)."""
        value: float = getattr(self, f"{_to_profile(profile).value}_mps")
        return value

    def as_dict(self) -> dict[str, float]:
        """``{profile name: m/s}`` for every profile.

        Examples
        --------
        >>> Speeds().as_dict()
        {'walk': 1.2, 'bike': 4.0, 'ebike': 5.5, 'car': 8.0}
        """
        return {p.value: self[p] for p in TravelProfile}
