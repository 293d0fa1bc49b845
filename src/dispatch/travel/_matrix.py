"""Travel times given explicitly as a matrix over node keys."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from functools import cached_property
from typing import cast

import attrs
import numpy as np
import numpy.typing as npt

from dispatch.errors import InvalidInputError, UnknownReferenceError
from dispatch.model import Location, TravelProfile
from dispatch.travel._base import TravelMatrix
from dispatch.travel._haversine import coordinates_of, local_xy_m
from dispatch.travel._pairs import (
    FloatArray,
    IndexArray,
    IntArray,
    PairLookup,
    pair_indices,
    profile_of,
    read_only,
)

__all__ = ["MatrixTravel"]


def _node_tuple(value: Iterable[Hashable]) -> tuple[Hashable, ...]:
    return tuple(value)


def _int_matrix(value: object) -> npt.NDArray[np.int64]:
    arr = np.asarray(value)
    if arr.dtype.kind == "f":
        raise InvalidInputError(
            "MatrixTravel", "matrices must hold integers; scale and round them first (see docs)"
        )
    return arr.astype(np.int64)


@attrs.frozen(kw_only=True, eq=False)
class MatrixTravel:
    """An explicit travel matrix, the same for every profile.

    ``nodes[i]`` is the key of row and column ``i``; a :class:`Location` is
    looked up by its ``node``. ``distances_m`` defaults to ``durations_s``
    (as in benchmark sets where travel time equals distance).

    Examples
    --------
    >>> t = MatrixTravel(nodes=["a", "b"], durations_s=[[0, 7], [9, 0]])
    >>> m = t.matrix([Location(node="b"), Location(node="a")], TravelProfile.CAR)
    >>> m.durations_s.tolist()
    [[0, 9], [7, 0]]
    >>> t.matrix([Location(node="z")], TravelProfile.CAR)
    Traceback (most recent call last):
    ...
    dispatch.errors.UnknownReferenceError: unknown travel-matrix node 'z'
    """

    nodes: tuple[Hashable, ...] = attrs.field(converter=_node_tuple)
    durations_s: npt.NDArray[np.int64] = attrs.field(converter=_int_matrix)
    distances_m: npt.NDArray[np.int64] | None = attrs.field(default=None)

    def __attrs_post_init__(self) -> None:
        n = len(self.nodes)
        if len(set(self.nodes)) != n:
            raise InvalidInputError("MatrixTravel.nodes", "node keys repeat")
        if self.durations_s.shape != (n, n):
            raise InvalidInputError(
                "MatrixTravel.durations_s", f"shape {self.durations_s.shape}, expected {(n, n)}"
            )
        if self.distances_m is None:
            object.__setattr__(self, "distances_m", self.durations_s)
        else:
            dist = _int_matrix(self.distances_m)
            if dist.shape != (n, n):
                raise InvalidInputError(
                    "MatrixTravel.distances_m", f"shape {dist.shape}, expected {(n, n)}"
                )
            object.__setattr__(self, "distances_m", dist)
        if n and (self.durations_s.min() < 0 or self._distances.min() < 0):
            raise InvalidInputError("MatrixTravel", "matrices must not hold negative entries")

    @property
    def _distances(self) -> npt.NDArray[np.int64]:
        return cast(npt.NDArray[np.int64], self.distances_m)  # set in __attrs_post_init__

    @cached_property
    def _row(self) -> dict[Hashable, int]:
        return {node: i for i, node in enumerate(self.nodes)}

    def indices(self, locations: Sequence[Location]) -> npt.NDArray[np.intp]:
        """Row of each location; :class:`UnknownReferenceError` for a node not in the matrix."""
        rows = np.empty(len(locations), dtype=np.intp)
        for k, loc in enumerate(locations):
            try:
                rows[k] = self._row[loc.node]
            except KeyError:
                raise UnknownReferenceError("travel-matrix node", loc.node) from None
        return rows

    def matrix(self, locations: Sequence[Location], profile: TravelProfile) -> TravelMatrix:
        """The sub-matrix among ``locations`` (``profile`` does not change it)."""
        rows = self.indices(locations)
        sub = np.ix_(rows, rows)
        return TravelMatrix(self.durations_s[sub], self._distances[sub])

    def pairs(self, locations: Sequence[Location]) -> PairLookup:
        """Elementwise travel among ``locations`` (see :class:`~dispatch.travel.PairLookup`).

        Entries are those of :meth:`matrix`. An explicit matrix promises no
        relation to straight-line distances, so the speed bound is ``None``;
        :meth:`~dispatch.travel.PairLookup.xy_m` still gives the locations'
        projected coordinates when all of them have ``lat``/``lon``.

        Examples
        --------
        >>> t = MatrixTravel(nodes=["a", "b"], durations_s=[[0, 7], [9, 0]])
        >>> lookup = t.pairs([Location(node="b"), Location(node="a")])
        >>> lookup.durations_s([0, 1], [1, 0], "car").tolist()
        [9, 7]
        >>> lookup.speed_bound_mps("car") is None, lookup.xy_m() is None
        (True, True)
        """
        rows = self.indices(locations)
        coordinates = coordinates_of(locations, required=False)
        xy = None if coordinates is None else local_xy_m(*coordinates)
        return _MatrixPairs(self, rows, None if xy is None else read_only(xy))


@attrs.frozen(eq=False)
class _MatrixPairs:
    """:class:`~dispatch.travel.PairLookup` of :class:`MatrixTravel`: a row per location."""

    travel: MatrixTravel
    rows: IndexArray = attrs.field(repr=False)
    xy: FloatArray | None = attrs.field(repr=False)

    def __len__(self) -> int:
        return int(self.rows.size)

    def durations_s(
        self, a: npt.ArrayLike, b: npt.ArrayLike, profile: TravelProfile | str
    ) -> IntArray:
        """``durations_s[a, b]`` of the matrix among the locations (the same for every profile)."""
        profile_of(profile)
        ia, ib = pair_indices(a, b, len(self))
        return self.travel.durations_s[self.rows[ia], self.rows[ib]]

    def distances_m(
        self, a: npt.ArrayLike, b: npt.ArrayLike, profile: TravelProfile | str
    ) -> IntArray:
        """``distances_m[a, b]`` of the matrix among the locations (the same for every profile)."""
        profile_of(profile)
        ia, ib = pair_indices(a, b, len(self))
        return self.travel._distances[self.rows[ia], self.rows[ib]]

    def speed_bound_mps(self, profile: TravelProfile | str) -> float | None:
        """Always ``None``: matrix entries need not grow with straight-line distance."""
        profile_of(profile)
        return None

    def places(self) -> IndexArray:
        """Each location's matrix row (see :class:`~dispatch.travel.PlaceLookup`)."""
        return read_only(self.rows.view())

    def place_durations_s(self, profile: TravelProfile | str) -> IntArray:
        """The whole duration matrix (the same for every profile); read-only."""
        profile_of(profile)
        return read_only(self.travel.durations_s.view())

    def xy_m(self) -> FloatArray | None:
        """Projected coordinates (:func:`~dispatch.travel.local_xy_m`), or ``None``."""
        return self.xy
