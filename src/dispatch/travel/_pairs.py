"""Elementwise travel lookups between pairs of locations, for matching at city scale.

A full matrix among thousands of couriers and thousands of errands is too big;
matching asks only for the pairs it considers. Every provider offers
``pairs(locations)``: a :class:`PairLookup` bound to that list of locations
(each one resolved once: matrix row, graph node or coordinates) that answers
for index arrays ``a``, ``b`` into the list.

The lookups agree exactly with :meth:`~dispatch.travel.TravelTimes.matrix`
(same rounding), and give a speed bound and planar coordinates so that pairs
too far apart can be pruned before they are looked up: with
``v = lookup.speed_bound_mps(profile)`` and ``xy = lookup.xy_m()``,

.. code-block:: text

    durations_s(a, b) >= |xy[a] - xy[b]| / v     for every pair with durations_s(a, b) >= 1

and a pair whose duration rounds to 0 s has a straight line taking under
2 µs (:func:`~dispatch.travel._rounding.ceil_seconds` forgives a microsecond
of floating-point noise, which matters only for points micrometres apart).
So dropping the pairs with ``|xy[a] - xy[b]| / v > budget_s + 2e-6`` never
drops one whose travel fits ``budget_s``; a k-d tree query of radius
``(budget_s + 2e-6) * v`` around each courier finds the rest. The same holds
for the great-circle distance between the coordinates behind ``xy``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, TypeVar, runtime_checkable

import numpy as np
import numpy.typing as npt

from dispatch.errors import InvalidInputError
from dispatch.model import Location, TravelProfile
from dispatch.travel._speeds import _to_profile

__all__ = [
    "BOUND_MARGIN",
    "PairLookup",
    "PairTravel",
    "PlaceLookup",
    "pair_indices",
    "profile_of",
    "read_only",
]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
IndexArray = npt.NDArray[np.intp]
ArrayT = TypeVar("ArrayT", bound=np.ndarray[Any, Any])

#: Relative margin by which every speed bound is raised. It covers the floating-point
#: rounding of the distances and durations it compares (a few ulps, ~1e-13), and makes
#: the bound hold for the integer durations ``k >= 1``, which stand for real durations up
#: to ``k + 1e-6`` (:func:`~dispatch.travel._rounding.ceil_seconds`): ``1e-6 <= k * 2e-6``.
BOUND_MARGIN = 2e-6


@runtime_checkable
class PairLookup(Protocol):
    """Travel between pairs of a fixed list of locations, elementwise.

    ``a`` and ``b`` are integer arrays of indices into the list the lookup was
    made for; they broadcast against each other (``a[:, None]`` and
    ``b[None, :]`` give a block), and the result has their broadcast shape.
    Unreachable pairs raise :class:`~dispatch.errors.UnreachableError` naming
    the nodes; no stand-in number is ever returned.
    """

    def __len__(self) -> int:
        """Number of locations the lookup was made for."""
        ...

    def durations_s(
        self, a: npt.ArrayLike, b: npt.ArrayLike, profile: TravelProfile | str
    ) -> IntArray:
        """Travel time from ``locations[a]`` to ``locations[b]``, as in the provider's matrix."""
        ...

    def distances_m(
        self, a: npt.ArrayLike, b: npt.ArrayLike, profile: TravelProfile | str
    ) -> IntArray:
        """Travel distance from ``locations[a]`` to ``locations[b]``, as in the matrix."""
        ...

    def speed_bound_mps(self, profile: TravelProfile | str) -> float | None:
        """A speed ``v`` with ``durations_s(a, b) >= straight line / v`` for every pair.

        The straight line is between the points of :meth:`xy_m`, or the
        great-circle distance between the same coordinates; pairs of 0 s are
        the exception allowed by the module docstring (under 2 µs of straight
        line). ``None`` when the provider cannot guarantee one.
        """
        ...

    def xy_m(self) -> FloatArray | None:
        """Planar coordinates in metres, shape ``(n, 2)``, that :meth:`speed_bound_mps` refers to.

        ``None`` when the locations have no usable coordinates.
        """
        ...


@runtime_checkable
class PlaceLookup(PairLookup, Protocol):
    """A :class:`PairLookup` backed by a dense table among *places* (graph nodes).

    Several locations may share a place. ``places()[i]`` is location ``i``'s row
    in ``place_durations_s(profile)``, a read-only square table of every place
    to every place, with ``-1`` where no path exists. Matching at city scale
    scans whole rows of it instead of asking pair by pair.
    """

    def places(self) -> IndexArray:
        """The place (table row) of each location."""
        ...

    def place_durations_s(self, profile: TravelProfile | str) -> npt.NDArray[np.signedinteger[Any]]:
        """Travel seconds among all places for ``profile`` (-1 = unreachable); read-only."""
        ...


@runtime_checkable
class PairTravel(Protocol):
    """A travel provider that can answer for single pairs of locations."""

    def pairs(self, locations: Sequence[Location]) -> PairLookup:
        """A lookup bound to ``locations`` (each one resolved once)."""
        ...


def profile_of(profile: TravelProfile | str) -> TravelProfile:
    """``profile`` as a :class:`TravelProfile` (:class:`InvalidInputError` if it names none).

    Examples
    --------
    >>> profile_of("bike")
    <TravelProfile.BIKE: 'bike'>
    """
    return _to_profile(profile)


def pair_indices(a: npt.ArrayLike, b: npt.ArrayLike, n: int) -> tuple[IndexArray, IndexArray]:
    """``a`` and ``b`` as integer arrays of one broadcast shape, checked to lie in ``range(n)``.

    Negative indices are refused rather than counted from the end.

    Examples
    --------
    >>> ia, ib = pair_indices([0, 2], [[1], [0]], 3)
    >>> ia.tolist(), ib.tolist()
    ([[0, 2], [0, 2]], [[1, 1], [0, 0]])
    >>> pair_indices([3], [0], 3)
    Traceback (most recent call last):
    ...
    dispatch.errors.InvalidInputError: a: indices must lie in [0, 3), got 3
    """
    checked = []
    for name, value in (("a", a), ("b", b)):
        arr = np.asarray(value)
        if arr.dtype.kind not in "iu":
            if arr.size:
                raise InvalidInputError(name, f"must hold integer indices, got dtype {arr.dtype}")
            arr = arr.astype(np.intp)
        if arr.size:
            low, high = arr.min(), arr.max()
            if low < 0 or high >= n:
                raise InvalidInputError(
                    name, f"indices must lie in [0, {n}), got {low if low < 0 else high}"
                )
        checked.append(arr.astype(np.intp, copy=False))
    try:
        ia, ib = np.broadcast_arrays(*checked)
    except ValueError:
        raise InvalidInputError(
            "a/b", f"shapes {checked[0].shape} and {checked[1].shape} do not broadcast"
        ) from None
    return ia, ib


def read_only(array: ArrayT) -> ArrayT:
    """``array`` flagged read-only (lookups and tables hand out their arrays without copying)."""
    array.setflags(write=False)
    return array
