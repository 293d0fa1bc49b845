"""Straight-line travel: great-circle distances times a detour factor."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, cast

import attrs
import numpy as np
import numpy.typing as npt

from dispatch.errors import InvalidInputError
from dispatch.model import Location, TravelProfile
from dispatch.travel._base import TravelMatrix
from dispatch.travel._pairs import (
    BOUND_MARGIN,
    FloatArray,
    IndexArray,
    IntArray,
    PairLookup,
    pair_indices,
    profile_of,
    read_only,
)
from dispatch.travel._rounding import ceil_seconds, round_metres
from dispatch.travel._speeds import Speeds

__all__ = [
    "EARTH_RADIUS_M",
    "HaversineTravel",
    "coordinates_of",
    "haversine_matrix_m",
    "haversine_pairs_m",
    "local_xy_m",
]

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


def haversine_pairs_m(
    lat_deg: npt.ArrayLike, lon_deg: npt.ArrayLike, a: npt.ArrayLike, b: npt.ArrayLike
) -> FloatArray:
    """Great-circle distances in metres from point ``a[k]`` to point ``b[k]``, elementwise.

    Bit for bit the entries ``haversine_matrix_m(lat_deg, lon_deg)[a, b]``,
    without building the matrix; ``a`` and ``b`` broadcast like in
    :class:`~dispatch.travel.PairLookup`.

    Examples
    --------
    >>> lat, lon = [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]
    >>> d = haversine_pairs_m(lat, lon, [0, 1], [1, 2])
    >>> bool((d == haversine_matrix_m(lat, lon)[[0, 1], [1, 2]]).all()), round(float(d[0]))
    (True, 111195)
    """
    lat, lon = _degrees(lat_deg, lon_deg)
    ia, ib = pair_indices(a, b, lat.size)
    phi = np.radians(lat)
    return _haversine_rad(phi, np.radians(lon), np.cos(phi), ia, ib)


def _haversine_rad(
    phi: FloatArray, lam: FloatArray, cos_phi: FloatArray, a: IndexArray, b: IndexArray
) -> FloatArray:
    """The haversine of :func:`haversine_matrix_m`, operation for operation, for pairs ``a, b``.

    Keep the two in step: lookups promise the very same floats as the matrix.
    """
    half_dphi = np.sin((phi[a] - phi[b]) / 2.0)
    half_dlam = np.sin((lam[a] - lam[b]) / 2.0)
    h = half_dphi**2 + (cos_phi[a] * cos_phi[b]) * half_dlam**2
    distances: FloatArray = 2.0 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
    return distances


def _degrees(lat_deg: npt.ArrayLike, lon_deg: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    lat = np.asarray(lat_deg, dtype=np.float64)
    lon = np.asarray(lon_deg, dtype=np.float64)
    if lat.ndim != 1 or lat.shape != lon.shape:
        raise InvalidInputError(
            "lat_deg/lon_deg", f"must be 1-D of equal length, got {lat.shape} and {lon.shape}"
        )
    if not (np.all(np.abs(lat) <= 90.0) and np.all(np.abs(lon) <= 180.0)):
        raise InvalidInputError("lat_deg/lon_deg", "must lie within [-90, 90] and [-180, 180]")
    return lat, lon


def local_xy_m(lat_deg: npt.ArrayLike, lon_deg: npt.ArrayLike) -> FloatArray | None:
    """Planar coordinates in metres, shape ``(n, 2)``, that never overstate great-circle distances.

    A local equirectangular projection: ``y`` runs north from the points' mean
    latitude, ``x`` east from the middle of their longitude range (taken the
    short way round, so a town on the antimeridian is not torn apart), and the
    east-west scale is that of latitude ``φ*``, the most poleward latitude the
    great circle between any two of the points can reach:
    ``tan φ* = tan(max |lat|) / cos(L / 2)`` for a longitude span ``L``. So

    .. code-block:: text

        |xy[i] - xy[j]| <= haversine(i, j)      for every pair i, j

    (up to floating-point rounding, a few nanometres), and a speed bound that
    holds for great-circle distances holds for these planar ones too
    (:meth:`PairLookup.speed_bound_mps`).

    Parameters
    ----------
    lat_deg, lon_deg
        Latitudes and longitudes in degrees, 1-D, of equal length.

    Returns
    -------
    numpy.ndarray or None
        ``float64`` array of shape ``(n, 2)`` (east, north); ``None`` when the
        longitudes span 180° or more, where no such projection exists.

    Notes
    -----
    Error. North-south distances are exact. East-west ones are shrunk by
    ``cos φ* / cos φ >= 1 - tan φ* (φ* - φ_0)``, with ``φ_0`` the latitude
    nearest the equator; the sphere's curvature adds a relative ``(d / R)²``.
    At city scale the projection understates distances by about
    ``tan(lat) · Δlat`` (``Δlat`` the points' latitude range in radians): at
    most 0.6 % for a city 30 km tall at 50° N, 1.4 % for 50 km at 60° N.

    Why it never overstates. Along a great circle ``tan φ`` is a sinusoid of
    the longitude, so between two points ``|tan φ| <= tan(max |lat|) /
    cos(Δλ / 2)``: the arc stays within ``|lat| <= φ*``. The arc's length
    ``∫ R √(dφ² + cos²φ dλ²)`` is then at least ``∫ R √(dφ² + cos²φ* dλ²)``,
    the length of its image in the plane, which is at least the straight line
    between the images.

    Examples
    --------
    >>> xy = local_xy_m([52.0, 52.0, 52.01], [13.0, 13.01, 13.0])
    >>> d = haversine_matrix_m([52.0, 52.0, 52.01], [13.0, 13.01, 13.0])
    >>> planar = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    >>> bool((planar <= d + 1e-8).all()), round(float(planar[0, 1]), 2), round(float(d[0, 1]), 2)
    (True, 684.43, 684.59)
    >>> local_xy_m([0.0, 0.0], [-100.0, 100.0]) is None  # 160° apart the short way: fine
    False
    >>> local_xy_m([0.0, 0.0, 0.0], [-120.0, 0.0, 120.0]) is None  # all round the globe
    True
    """
    lat, lon = _degrees(lat_deg, lon_deg)
    if lat.size == 0:
        return np.zeros((0, 2))
    east, span = _unwrapped_longitudes(lon)
    if span >= 180.0:
        return None
    phi_far = math.radians(float(np.abs(lat).max()))
    phi_star = math.atan(math.tan(phi_far) / math.cos(math.radians(span) / 2.0))
    x = EARTH_RADIUS_M * math.cos(phi_star) * np.radians(east - span / 2.0)
    y = EARTH_RADIUS_M * np.radians(lat - lat.mean())
    return np.column_stack([x, y])


def _unwrapped_longitudes(lon: FloatArray) -> tuple[FloatArray, float]:
    """Degrees east of the westmost point, cutting the circle at the widest gap; and the span."""
    order = np.sort(lon)
    gaps = np.diff(order)
    if gaps.size and gaps.max() > order[0] + 360.0 - order[-1]:
        start = order[int(np.argmax(gaps)) + 1]
    else:
        start = order[0]
    east = np.where(lon >= start, lon - start, lon - start + 360.0)
    return east, float(east.max())


def coordinates_of(
    locations: Sequence[Location], *, required: bool
) -> tuple[FloatArray, FloatArray] | None:
    """Latitudes and longitudes of ``locations``.

    A location without coordinates is an :class:`InvalidInputError` when
    ``required``, and makes the result ``None`` otherwise.

    Examples
    --------
    >>> coordinates_of([Location(lat=1.0, lon=2.0)], required=True)
    (array([1.]), array([2.]))
    >>> coordinates_of([Location(node="a")], required=False) is None
    True
    """
    lat = np.empty(len(locations))
    lon = np.empty(len(locations))
    for k, loc in enumerate(locations):
        if not isinstance(loc, Location):
            raise InvalidInputError(f"locations[{k}]", f"expected a Location, got {loc!r}")
        if loc.lat is None or loc.lon is None:
            if not required:
                return None
            raise InvalidInputError(f"locations[{k}]", f"has no lat/lon: {loc!r}")
        lat[k], lon[k] = loc.lat, loc.lon
    return lat, lon


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

    def pairs(self, locations: Sequence[Location]) -> PairLookup:
        """Elementwise travel among ``locations`` (see :class:`~dispatch.travel.PairLookup`).

        The lookup gives bit for bit the entries of :meth:`matrix`; its speed
        bound is ``speeds[profile] / detour_factor`` (raised by
        :data:`~dispatch.travel._pairs.BOUND_MARGIN`), valid for great-circle
        and for :meth:`~dispatch.travel.PairLookup.xy_m` distances.

        Examples
        --------
        >>> travel = HaversineTravel(detour_factor=1.0)
        >>> lookup = travel.pairs([Location(lat=0.0, lon=0.0), Location(lat=0.01, lon=0.0)])
        >>> lookup.durations_s([0, 1], [1, 1], "walk").tolist()
        [927, 0]
        >>> round(lookup.speed_bound_mps("walk"), 6)
        1.200002
        """
        lat, lon = cast(tuple[FloatArray, FloatArray], coordinates_of(locations, required=True))
        phi = np.radians(lat)
        xy = local_xy_m(lat, lon)
        return _HaversinePairs(
            self,
            read_only(phi),
            read_only(np.radians(lon)),
            read_only(np.cos(phi)),
            None if xy is None else read_only(xy),
        )


@attrs.frozen(eq=False)
class _HaversinePairs:
    """:class:`~dispatch.travel.PairLookup` of :class:`HaversineTravel` (angles in radians)."""

    travel: HaversineTravel
    phi: FloatArray = attrs.field(repr=False)
    lam: FloatArray = attrs.field(repr=False)
    cos_phi: FloatArray = attrs.field(repr=False)
    xy: FloatArray | None = attrs.field(repr=False)

    def __len__(self) -> int:
        return int(self.phi.size)

    def _distances(self, a: npt.ArrayLike, b: npt.ArrayLike) -> FloatArray:
        ia, ib = pair_indices(a, b, len(self))
        metres: FloatArray = (
            _haversine_rad(self.phi, self.lam, self.cos_phi, ia, ib) * self.travel.detour_factor
        )
        return metres

    def durations_s(
        self, a: npt.ArrayLike, b: npt.ArrayLike, profile: TravelProfile | str
    ) -> IntArray:
        """Travel time from ``a`` to ``b``: great circle times detour factor over the speed."""
        speed_mps = self.travel.speeds[profile]
        return ceil_seconds(self._distances(a, b) / speed_mps)

    def distances_m(
        self, a: npt.ArrayLike, b: npt.ArrayLike, profile: TravelProfile | str
    ) -> IntArray:
        """Great circle times detour factor (the same for every profile)."""
        profile_of(profile)
        return round_metres(self._distances(a, b))

    def speed_bound_mps(self, profile: TravelProfile | str) -> float | None:
        """``speeds[profile] / detour_factor``, raised by a relative 2e-6 against rounding."""
        return self.travel.speeds[profile] / self.travel.detour_factor * (1.0 + BOUND_MARGIN)

    def xy_m(self) -> FloatArray | None:
        """:func:`local_xy_m` of the locations' coordinates."""
        return self.xy
