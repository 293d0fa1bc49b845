"""Straight-line travel: great-circle distances times a detour factor."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from dispatch.errors import InvalidInputError
from dispatch.model import Location, TravelProfile
from dispatch.travel._base import TravelMatrix
from dispatch.travel._rounding import ceil_seconds, round_metres
from dispatch.travel._speeds import Speeds

__all__ = ["EARTH_RADIUS_M", "HaversineTravel", "haversine_matrix_m"]

#: Mean Earth radius (IUGG), metres.
EARTH_RADIUS_M = 6_371_008.8


def haversine_matrix_m(lat_deg: npt.ArrayLike, lon_deg: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Great-circle distances in metres between every pair of points.

    Uses the haversine formula on a sphere of radius :data:`EARTH_RADIUS_M`
    (error against the WGS84 ellipsoid below 0.5 %).

    Parameters
    ----------
    lat_deg, lon_deg
        Latitudes and longitudes in degrees, 1-D, of equal length.

    Returns
    -------
    numpy.ndarray
        Symmetric ``float64`` array of shape ``(n, n)`` with a zero diagonal.

    Examples
    --------
    >>> d = haversine_matrix_m([0.0, 1.0], [0.0, 0.0])  # one degree of latitude
    >>> round(float(d[0, 1]))
    111195
    """
    lat = np.asarray(lat_deg, dtype=np.float64)
    lon = np.asarray(lon_deg, dtype=np.float64)
    if lat.ndim != 1 or lat.shape != lon.shape:
        raise InvalidInputError(
            "lat_deg/lon_deg", f"must be 1-D of equal length, got {lat.shape} and {lon.shape}"
        )
    if not (np.all(np.abs(lat) <= 90.0) and np.all(np.abs(lon) <= 180.0)):
        raise InvalidInputError("lat_deg/lon_deg", "must lie within [-90, 90] and [-180, 180]")
    phi = np.radians(lat)
    lam = np.radians(lon)
    half_dphi = np.sin((phi[:, None] - phi[None, :]) / 2.0)
    half_dlam = np.sin((lam[:, None] - lam[None, :]) / 2.0)
    cos_phi = np.cos(phi)
    a = half_dphi**2 + np.outer(cos_phi, cos_phi) * half_dlam**2
    distances: npt.NDArray[np.float64] = (
        2.0 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
    )
    return distances


def _detour_factor(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInputError("HaversineTravel.detour_factor", f"must be a number, got {value!r}")
    if not (math.isfinite(value) and value >= 1.0):
        raise InvalidInputError(
            "HaversineTravel.detour_factor", f"must be finite and >= 1, got {value!r}"
        )


def _speeds(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, Speeds):
        raise InvalidInputError("HaversineTravel.speeds", f"expected Speeds, got {value!r}")


@attrs.frozen(kw_only=True)
class HaversineTravel:
    """Travel along the great circle, lengthened by a detour factor for the street grid.

    ``distance_m = haversine * detour_factor`` and ``duration_s = distance_m /
    speeds[profile]``. Durations are rounded **up** to whole seconds (so a
    schedule feasible with the integer times stays feasible in real time) and
    distances to the nearest metre. Useful when no road graph is at hand; the
    factor 1.3 is a common urban average of road over straight-line distance.

    Parameters
    ----------
    detour_factor
        Road distance over straight-line distance, at least 1.
    speeds
        Speed of each profile in m/s (:class:`Speeds`).

    Examples
    --------
    >>> travel = HaversineTravel(detour_factor=1.0)
    >>> a, b = Location(lat=0.0, lon=0.0), Location(lat=0.01, lon=0.0)  # ~1112 m apart
    >>> m = travel.matrix([a, b], TravelProfile.WALK)
    >>> m.distances_m.tolist(), m.durations_s.tolist()
    ([[0, 1112], [1112, 0]], [[0, 927], [927, 0]])
    >>> HaversineTravel(detour_factor=0.9)
    Traceback (most recent call last):
    ...
    dispatch.errors.InvalidInputError: HaversineTravel.detour_factor: must be ... >= 1, got 0.9
    """

    detour_factor: float = attrs.field(default=1.3, validator=_detour_factor)
    speeds: Speeds = attrs.field(factory=Speeds, validator=_speeds)

    def matrix(self, locations: Sequence[Location], profile: TravelProfile | str) -> TravelMatrix:
        """Durations and distances among ``locations`` for ``profile``.

        Every location needs ``lat``/``lon``; repeats are fine.

        Examples
        --------
        >>> HaversineTravel().matrix([Location(node=3)], "bike")
        Traceback (most recent call last):
        ...
        dispatch.errors.InvalidInputError: locations[0]: has no lat/lon: Location(...node=3)
        """
        speed_mps = self.speeds[profile]
        lat = np.empty(len(locations))
        lon = np.empty(len(locations))
        for k, loc in enumerate(locations):
            if not isinstance(loc, Location):
                raise InvalidInputError(f"locations[{k}]", f"expected a Location, got {loc!r}")
            if loc.lat is None or loc.lon is None:
                raise InvalidInputError(f"locations[{k}]", f"has no lat/lon: {loc!r}")
            lat[k], lon[k] = loc.lat, loc.lon
        distances_m = haversine_matrix_m(lat, lon) * self.detour_factor
        return TravelMatrix(ceil_seconds(distances_m / speed_mps), round_metres(distances_m))
