"""Straight-line travel on a plane in metres, rounded up to whole minutes (the MDRP rule).

Reyes et al. define the travel time between two points of an instance as
their Euclidean distance times a multiplier, *rounded up to the next
integer* (minute). With ``meters_per_minute`` from the parameter file that
is ``ceil(d / meters_per_minute)`` minutes; here it is expressed in seconds
(``60 * ceil(...)``), so that every time in :mod:`dispatch` stays integer
seconds and the schedules the engine plans are the ones the instance's rules
execute. Rounding up the straight line keeps the triangle inequality
(``ceil(a + b) <= ceil(a) + ceil(b)``), which the incidental matcher's
pruning relies on.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from dispatch.errors import InvalidInputError, UnknownReferenceError
from dispatch.model import Location, TravelProfile
from dispatch.travel import PlaceLookup, TravelMatrix
from dispatch.travel._pairs import BOUND_MARGIN, pair_indices, profile_of, read_only
from dispatch.travel._rounding import NOISE_S, round_metres

__all__ = ["PlanarTravel"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
IndexArray = npt.NDArray[np.intp]


def _points(value: Mapping[Any, tuple[float, float]]) -> dict[Hashable, tuple[float, float]]:
    return {key: (float(x), float(y)) for key, (x, y) in value.items()}


def _speed(instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInputError(
            f"PlanarTravel.{attribute.name}", f"must be a number, got {value!r}"
        )
    if not (math.isfinite(value) and value > 0):
        raise InvalidInputError(f"PlanarTravel.{attribute.name}", f"must be > 0, got {value!r}")


def _step(instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidInputError("PlanarTravel.step_s", f"must be an int >= 1, got {value!r}")


@attrs.frozen(kw_only=True, eq=False)
class PlanarTravel:
    """Euclidean travel between named points of a plane, the same for every profile.

    A :class:`~dispatch.Location` is found by its ``node`` in ``points``
    (``{node: (x_m, y_m)}``). A trip of ``d`` metres takes ``d /
    meters_per_minute`` minutes rounded **up** to a whole number of
    ``step_s`` seconds (60: the MDRP rule of whole minutes); distances are
    rounded to the metre. Implements :class:`~dispatch.travel.TravelTimes`
    and :class:`~dispatch.travel.PairTravel` (its lookups are
    :class:`~dispatch.travel.PlaceLookup` s, for the incidental matcher's
    exact pruning).

    Examples
    --------
    >>> travel = PlanarTravel(points={"a": (0, 0), "b": (700, 0)}, meters_per_minute=320)
    >>> m = travel.matrix([Location(node="a"), Location(node="b")], TravelProfile.BIKE)
    >>> m.durations_s.tolist(), m.distances_m.tolist()
    ([[0, 180], [180, 0]], [[0, 700], [700, 0]])
    >>> travel.seconds("a", "b")
    180
    >>> travel.matrix([Location(node="z")], TravelProfile.BIKE)
    Traceback (most recent call last):
    ...
    dispatch.errors.UnknownReferenceError: unknown planar point 'z'
    """

    points: dict[Hashable, tuple[float, float]] = attrs.field(converter=_points)
    meters_per_minute: float = attrs.field(validator=_speed)
    step_s: int = attrs.field(default=60, validator=_step)

    def _xy(self, locations: Sequence[Location]) -> FloatArray:
        out = np.empty((len(locations), 2), dtype=np.float64)
        for k, loc in enumerate(locations):
            try:
                out[k] = self.points[loc.node]
            except KeyError:
                raise UnknownReferenceError("planar point", loc.node) from None
        return out

    def durations_from_m(self, distances_m: npt.ArrayLike) -> IntArray:
        """Travel seconds for straight-line distances (whole ``step_s``, rounded up).

        Rounding forgives floating-point noise below a microsecond of a step, as
        :func:`~dispatch.travel._rounding.ceil_seconds` does.

        >>> travel = PlanarTravel(points={}, meters_per_minute=320)
        >>> travel.durations_from_m([0, 1, 320, 321]).tolist()
        [0, 60, 60, 120]
        """
        steps = np.asarray(distances_m, dtype=np.float64) * self._steps_per_m
        out: IntArray = np.ceil(steps - NOISE_S).clip(min=0).astype(np.int64) * self.step_s
        return out

    @property
    def _steps_per_m(self) -> float:
        return 60 / self.step_s / self.meters_per_minute

    def seconds(self, a: Hashable, b: Hashable) -> int:
        """Travel seconds from point ``a`` to point ``b`` (as in :meth:`matrix`)."""
        try:
            (xa, ya), (xb, yb) = self.points[a], self.points[b]
        except KeyError as err:
            raise UnknownReferenceError("planar point", err.args[0]) from None
        return int(self.durations_from_m(math.hypot(xb - xa, yb - ya)))

    def matrix(self, locations: Sequence[Location], profile: TravelProfile | str) -> TravelMatrix:
        """Durations and distances among ``locations`` (``profile`` does not change them)."""
        profile_of(profile)
        xy = self._xy(locations)
        d = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])
        return TravelMatrix(self.durations_from_m(d), round_metres(d))

    def pairs(self, locations: Sequence[Location]) -> PlaceLookup:
        """Elementwise travel among ``locations`` (a :class:`~dispatch.travel.PlaceLookup`).

        Its places are the distinct points among ``locations``; their dense
        table is computed on first use (the matcher's exact pruning path scans
        it instead of querying k-d trees, which is faster at the size of a
        dispatch epoch). The speed bound is ``meters_per_minute / 60`` m/s
        (raised by :data:`~dispatch.travel._pairs.BOUND_MARGIN`): rounding up
        only lengthens trips.

        Examples
        --------
        >>> travel = PlanarTravel(points={"a": (0, 0), "b": (700, 0)}, meters_per_minute=320)
        >>> lookup = travel.pairs([Location(node="a"), Location(node="b"), Location(node="a")])
        >>> lookup.durations_s([0, 1], [1, 1], "bike").tolist()
        [180, 0]
        >>> lookup.places().tolist(), lookup.place_durations_s("bike").tolist()
        ([0, 1, 0], [[0, 180], [180, 0]])
        >>> round(lookup.speed_bound_mps("bike"), 4)
        5.3333
        """
        index: dict[Hashable, int] = {}
        place = np.empty(len(locations), dtype=np.intp)
        for k, loc in enumerate(locations):
            place[k] = index.setdefault(loc.node, len(index))
        nodes = list(index)
        xy = self._xy([Location(node=n) for n in nodes]) if nodes else np.empty((0, 2))
        return _PlanarPairs(self, read_only(xy[place]), read_only(place), read_only(xy))


@attrs.define(eq=False)
class _PlanarPairs:
    """:class:`~dispatch.travel.PlaceLookup` of :class:`PlanarTravel`."""

    travel: PlanarTravel
    xy: FloatArray = attrs.field(repr=False)
    place: IndexArray = attrs.field(repr=False)
    place_xy: FloatArray = attrs.field(repr=False)
    _table: IntArray | None = attrs.field(default=None, repr=False)

    def __len__(self) -> int:
        return int(self.xy.shape[0])

    def _distances(self, a: npt.ArrayLike, b: npt.ArrayLike) -> FloatArray:
        ia, ib = np.asarray(a), np.asarray(b)
        n = len(self)
        # The matcher's calls (int arrays in range, of one shape) skip the full checks.
        if not (
            ia.dtype.kind == "i"
            and ib.dtype.kind == "i"
            and ia.shape == ib.shape
            and (
                ia.size == 0 or (ia.min() >= 0 and ia.max() < n and ib.min() >= 0 and ib.max() < n)
            )
        ):
            ia, ib = pair_indices(a, b, n)
        dx = self.xy[ib, 0] - self.xy[ia, 0]
        dy = self.xy[ib, 1] - self.xy[ia, 1]
        out: FloatArray = np.sqrt(dx * dx + dy * dy)
        return out

    def durations_s(
        self, a: npt.ArrayLike, b: npt.ArrayLike, profile: TravelProfile | str
    ) -> IntArray:
        """Travel seconds from ``a`` to ``b`` (the same for every profile)."""
        profile_of(profile)
        return self.travel.durations_from_m(self._distances(a, b))

    def distances_m(
        self, a: npt.ArrayLike, b: npt.ArrayLike, profile: TravelProfile | str
    ) -> IntArray:
        """Straight-line metres from ``a`` to ``b``, rounded to the metre."""
        profile_of(profile)
        out: IntArray = np.floor(self._distances(a, b) + 0.5).astype(np.int64)
        return out

    def speed_bound_mps(self, profile: TravelProfile | str) -> float | None:
        """``meters_per_minute / 60``, raised by a relative 2e-6 against rounding."""
        profile_of(profile)
        return self.travel.meters_per_minute / 60 * (1.0 + BOUND_MARGIN)

    def xy_m(self) -> FloatArray | None:
        """The locations' coordinates, shape ``(n, 2)``."""
        return self.xy

    def places(self) -> IndexArray:
        """Each location's row in :meth:`place_durations_s` (its distinct point)."""
        return self.place

    def place_durations_s(self, profile: TravelProfile | str) -> IntArray:
        """Travel seconds among the distinct points (every pair reachable); read-only."""
        profile_of(profile)
        if self._table is None:
            xy = self.place_xy
            d = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])
            self._table = read_only(self.travel.durations_from_m(d))
        return self._table
