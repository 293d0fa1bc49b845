"""The travel-time protocol every provider implements, and its result type."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import attrs
import numpy as np
import numpy.typing as npt

from dispatch.errors import InvalidInputError
from dispatch.model import Location, TravelProfile

__all__ = ["TravelMatrix", "TravelTimes"]

IntMatrix = npt.NDArray[np.int64]


def _as_int64(value: object) -> IntMatrix:
    return np.asarray(value, dtype=np.int64)


def _square_int_matrix(
    instance: TravelMatrix, attribute: attrs.Attribute[IntMatrix], value: IntMatrix
) -> None:
    if value.ndim != 2 or value.shape[0] != value.shape[1]:
        raise InvalidInputError(
            f"TravelMatrix.{attribute.name}", f"must be square, got shape {value.shape}"
        )
    if value.dtype != np.int64:
        raise InvalidInputError(
            f"TravelMatrix.{attribute.name}", f"must be int64, got {value.dtype}"
        )
    if value.size and value.min() < 0:
        raise InvalidInputError(
            f"TravelMatrix.{attribute.name}", "must not contain negative entries"
        )


@attrs.frozen(eq=False)
class TravelMatrix:
    """Integer travel durations (seconds) and distances (metres) between locations.

    Row ``i`` and column ``j`` refer to the ``i``-th and ``j``-th location that
    was asked for.

    Examples
    --------
    >>> m = TravelMatrix(np.array([[0, 5], [6, 0]]), np.array([[0, 50], [60, 0]]))
    >>> int(m.durations_s[1, 0]), int(m.distances_m[0, 1]), len(m)
    (6, 50, 2)
    """

    durations_s: IntMatrix = attrs.field(converter=_as_int64, validator=_square_int_matrix)
    distances_m: IntMatrix = attrs.field(converter=_as_int64, validator=_square_int_matrix)

    def __attrs_post_init__(self) -> None:
        if self.durations_s.shape != self.distances_m.shape:
            raise InvalidInputError(
                "TravelMatrix.distances_m",
                f"shape {self.distances_m.shape} differs from durations_s {self.durations_s.shape}",
            )

    def __len__(self) -> int:
        return int(self.durations_s.shape[0])


@runtime_checkable
class TravelTimes(Protocol):
    """Anything that can give the travel matrix among a list of locations for a profile."""

    def matrix(self, locations: Sequence[Location], profile: TravelProfile) -> TravelMatrix:
        """Durations and distances among ``locations`` for a courier moving by ``profile``."""
        ...
